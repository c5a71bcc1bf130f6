//! The figures of seed 002 in the project's figure style ([`crate::plot`]), each with the CSV of
//! what it draws: ensemble statistics as points with their standard errors (batch spread, see
//! [`super::stats`]), the exact theory as lines, all in seed 002's reduced units (k_B = 1).

use super::drive::{CaseReport, DriveReport};
use super::EnsembleRecord;
use crate::plot::axis::AxisSpec;
use crate::plot::figure::{Figure, HeatMap, Mark, Panel, Pt, Series};
use crate::plot::{PALETTE, SIMULATION_AND_THEORY};
use crate::theory::periodic::moments;
use crate::theory::periodic::{Oscillator, Sinusoid};
use anyhow::{Context, Result};
use std::path::Path;

/// Points drawn per time series (every record goes to the CSV of the drive statistics).
const POINTS: usize = 50;

/// The reduced units of the figures, said once on each.
fn units(osc: &Oscillator, protocol: &Sinusoid) -> String {
    format!(
        "Reduced units of seed 002 (k_B = 1): k = {}, γ = {}, T(t) = {} + {} sin(Ωt); t, m, Q in the units these fix.",
        osc.stiffness, osc.gamma, protocol.mean, protocol.amplitude
    )
}

fn statement(osc: &Oscillator, protocol: &Sinusoid, trajectories: usize) -> String {
    format!(
        "{SIMULATION_AND_THEORY} Ensembles of {trajectories} trajectories. {}",
        units(osc, protocol)
    )
}

/// Every `stride`-th record after t = 0 as points with standard errors.
fn sim_points(case: &CaseReport, value: fn(&EnsembleRecord) -> super::stats::Estimate) -> Vec<Pt> {
    let records = &case.result.records;
    let stride = (records.len() / POINTS).max(1);
    records
        .iter()
        .skip(1)
        .step_by(stride)
        .map(|r| {
            let e = value(r);
            Pt::with_err(r.time, e.value, e.std_error)
        })
        .collect()
}

fn dense_times(report: &DriveReport) -> Vec<f64> {
    let t_max = report.cases[0]
        .result
        .records
        .last()
        .map_or(1.0, |r| r.time);
    (0..=1000).map(|i| t_max * i as f64 / 1000.0).collect()
}

/// Fig. 1: ρ_xv(t) for the light and heavy particles.
fn fig1_pearson(report: &DriveReport, protocol: &Sinusoid, note: &str) -> Figure {
    let dense = dense_times(report);
    let mut series = Vec::new();
    for (case, colour) in report.cases[..2].iter().zip(PALETTE) {
        let o = case.result.spec.oscillator;
        let label = format!("m = {}", case.mass);
        series.push(Series::new(
            &label,
            "simulation",
            Mark::points(colour),
            sim_points(case, |r| r.pearson),
        ));
        series.push(Series::new(
            &label,
            "theory",
            Mark::line(colour),
            dense
                .iter()
                .map(|&t| Pt::new(t, moments::sinusoid_closed_form(&o, protocol, t).pearson()))
                .collect(),
        ));
    }
    Figure {
        stem: "fig1_pearson_vs_time".into(),
        title: format!(
            "Position–velocity correlation ρ_xv(t), Ω = {}",
            protocol.omega
        ),
        statement: note.into(),
        double_column: false,
        columns: 1,
        panel_height: 520,
        panels: vec![Panel::new(
            "",
            AxisSpec::linear("t", None),
            AxisSpec::linear("ρ_xv", None),
            series,
        )],
        notes: Vec::new(),
    }
}

/// Fig. 2a: peak steady-state correlation against mass, critical damping marked.
fn fig2a_peak(report: &DriveReport, protocol: &Sinusoid, units: &str) -> Figure {
    let mut series = Vec::new();
    for (curve, colour) in report.peak_correlation.iter().zip(PALETTE) {
        series.push(Series::new(
            &format!("γ = {}", curve.gamma),
            "theory",
            Mark::line(colour),
            curve
                .masses
                .iter()
                .zip(&curve.peaks)
                .map(|(m, p)| Pt::new(*m, *p))
                .collect(),
        ));
        series.push(Series::new(
            &format!(
                "γ = {}: critical mass m_c = γ²/4k = {:.3}",
                curve.gamma, curve.critical_mass
            ),
            "theory (critical mass)",
            Mark::Points {
                colour,
                filled: false,
            },
            vec![Pt::new(curve.critical_mass, curve.peak_at_critical_mass)],
        ));
    }
    Figure {
        stem: "fig2a_peak_correlation_vs_mass".into(),
        title: format!(
            "Peak |ρ_xv| over a period in the periodic steady state, Ω = {}",
            protocol.omega
        ),
        statement: format!("Theory only (lines; open circles mark critical damping). {units}"),
        double_column: false,
        columns: 1,
        panel_height: 520,
        panels: vec![Panel::new(
            "",
            AxisSpec::log("m", None).with_range(1e-2, 1e2),
            AxisSpec::linear("max |ρ_xv|", None),
            series,
        )],
        notes: Vec::new(),
    }
}

/// Fig. 2b: the theory's ρ_xv over (Ω, t) as a heat map with its colour bar.
fn fig2b_heatmap(t_max: f64, osc: &Oscillator, protocol: &Sinusoid, units: &str) -> Figure {
    let (nw, nt) = (60, 150);
    let (w_lo, w_hi) = (0.1, 5.0);
    let (dw, dt) = ((w_hi - w_lo) / nw as f64, t_max / nt as f64);
    let cells = (0..nw)
        .flat_map(|i| (0..nt).map(move |j| (i, j)))
        .map(|(i, j)| {
            let w = w_lo + dw * (i as f64 + 0.5);
            let t = dt * (j as f64 + 0.5);
            let p = Sinusoid {
                omega: w,
                ..*protocol
            };
            (w, t, moments::sinusoid_closed_form(osc, &p, t).pearson())
        })
        .collect();
    let mut panel = Panel::new(
        "",
        AxisSpec::linear("Ω", None).with_range(w_lo, w_hi),
        AxisSpec::linear("t", None).with_range(0.0, t_max),
        Vec::new(),
    );
    panel.heat = Some(HeatMap {
        cells,
        size: (dw, dt),
        quantity: "ρ_xv".into(),
    });
    Figure {
        stem: "fig2b_pearson_heatmap".into(),
        title: format!(
            "Theory: ρ_xv(Ω, t) from equilibrium at t = 0, m = {}",
            osc.mass
        ),
        statement: format!(
            "Colour: ρ_xv (blue < 0 < vermillion, white at 0), exact second moments. {units}"
        ),
        double_column: false,
        columns: 1,
        panel_height: 560,
        panels: vec![panel],
        notes: Vec::new(),
    }
}

/// Fig. 3: P(Q, t) on a log scale at the shown times, simulated density with Poisson errors.
fn fig3_distribution(
    report: &DriveReport,
    osc: &Oscillator,
    protocol: &Sinusoid,
    note: &str,
) -> Option<Figure> {
    if report.distributions.is_empty() {
        return None;
    }
    let n = report.options.trajectories as f64;
    let mut series = Vec::new();
    let mut positive = Vec::new();
    for (d, colour) in report.distributions.iter().zip(PALETTE) {
        let width = d.q.windows(2).map(|w| w[1] - w[0]).next().unwrap_or(1.0);
        let label = format!("t = {}", d.time);
        series.push(Series::new(
            &label,
            "simulation",
            Mark::points(colour),
            d.q.iter()
                .zip(&d.simulated_density)
                .filter(|(_, p)| **p > 0.0)
                .map(|(&q, &p)| Pt::with_err(q, p, (p / (n * width)).sqrt()))
                .collect(),
        ));
        series.push(Series::new(
            &label,
            "theory",
            Mark::line(colour),
            d.q.iter()
                .zip(&d.theory_density)
                .map(|(q, p)| Pt::new(*q, *p))
                .collect(),
        ));
        positive.extend(
            d.simulated_density
                .iter()
                .chain(&d.theory_density)
                .copied()
                .filter(|p| *p > 0.0),
        );
    }
    let hi = positive.iter().copied().fold(0.0, f64::max);
    let lo = positive.iter().copied().fold(hi, f64::min).max(hi * 1e-7);
    Some(Figure {
        stem: "fig3_heat_distribution".into(),
        title: format!(
            "Heat distribution P(Q, t), m = {}, Ω = {}",
            osc.mass, protocol.omega
        ),
        statement: format!(
            "{note} Empty histogram bins are not drawn (`drive --json` lists every bin)."
        ),
        double_column: false,
        columns: 1,
        panel_height: 560,
        panels: vec![Panel::new(
            "",
            AxisSpec::linear("Q", None),
            AxisSpec::log("P(Q)", None).with_range(lo / 2.0, hi * 2.0),
            series,
        )],
        notes: Vec::new(),
    })
}

/// Fig. 4: ⟨Q(t)⟩ for Ω = 1 and 5, light and heavy particle side by side.
fn fig4_mean_heat(report: &DriveReport, protocol: &Sinusoid, note: &str) -> Figure {
    let dense = dense_times(report);
    let panels = report.cases[2..]
        .chunks(2)
        .map(|mass_cases| {
            let mut series = Vec::new();
            for (case, colour) in mass_cases.iter().zip(PALETTE) {
                let o = case.result.spec.oscillator;
                let p = Sinusoid {
                    omega: case.omega,
                    ..*protocol
                };
                let initial = moments::equilibrium(&o, p.mean);
                let label = format!("Ω = {}", case.omega);
                series.push(Series::new(
                    &label,
                    "simulation",
                    Mark::points(colour),
                    sim_points(case, |r| r.heat_mean),
                ));
                series.push(Series::new(
                    &label,
                    "theory",
                    Mark::line(colour),
                    dense
                        .iter()
                        .map(|&t| {
                            Pt::new(
                                t,
                                moments::mean_heat(
                                    &o,
                                    &initial,
                                    &moments::sinusoid_closed_form(&o, &p, t),
                                ),
                            )
                        })
                        .collect(),
                ));
            }
            Panel::new(
                &format!("m = {}", mass_cases[0].mass),
                AxisSpec::linear("t", None),
                AxisSpec::linear("⟨Q⟩", None),
                series,
            )
        })
        .collect();
    Figure {
        stem: "fig4_mean_heat".into(),
        title: "Mean heat ⟨Q(t)⟩ (Q > 0: heat into the particle), light and heavy particle".into(),
        statement: note.into(),
        double_column: true,
        columns: 2,
        panel_height: 560,
        panels,
        notes: Vec::new(),
    }
}

/// A panel of Fig. 5: its quantity, the simulated value of a record and the theory value.
type CumulantPanel = (
    &'static str,
    fn(&EnsembleRecord) -> super::stats::Estimate,
    fn(&super::drive::TheoryPoint) -> f64,
);

/// Fig. 5: standard deviation, skewness and excess kurtosis of Q against time.
fn fig5_cumulants(report: &DriveReport, note: &str) -> Figure {
    let pick: [CumulantPanel; 3] = [
        ("σ_Q", |r| r.heat_std_dev, |t| t.heat.std_dev),
        ("skewness of Q", |r| r.heat_skewness, |t| t.heat.skewness),
        (
            "excess kurtosis of Q",
            |r| r.heat_excess_kurtosis,
            |t| t.heat.excess_kurtosis,
        ),
    ];
    let panels = pick
        .iter()
        .map(|(name, sim, theory)| {
            let mut series = Vec::new();
            for (case, colour) in report.cases[..2].iter().zip(PALETTE) {
                let label = format!("m = {}", case.mass);
                series.push(Series::new(
                    &label,
                    "simulation",
                    Mark::points(colour),
                    sim_points(case, *sim),
                ));
                series.push(Series::new(
                    &label,
                    "theory",
                    Mark::line(colour),
                    case.theory
                        .iter()
                        .skip(1)
                        .map(|t| Pt::new(t.time, theory(t)))
                        .collect(),
                ));
            }
            Panel::new(
                name,
                AxisSpec::linear("t", None),
                AxisSpec::linear(name, None),
                series,
            )
        })
        .collect();
    Figure {
        stem: "fig5_heat_cumulants".into(),
        title: "Heat statistics against time: standard deviation, skewness, excess kurtosis".into(),
        statement: note.into(),
        double_column: true,
        columns: 3,
        panel_height: 520,
        panels,
        notes: Vec::new(),
    }
}

/// Draws every figure into `dir` (created if missing), each SVG with its CSV, and returns the SVG
/// paths.
pub fn draw_all(
    report: &DriveReport,
    osc: &Oscillator,
    protocol: &Sinusoid,
    dir: &Path,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("creating the plot directory {}", dir.display()))?;
    let t_max = report.cases[0]
        .result
        .records
        .last()
        .map_or(1.0, |r| r.time);
    let units = units(osc, protocol);
    let note = statement(osc, protocol, report.options.trajectories);
    let mut figures = vec![
        fig1_pearson(report, protocol, &note),
        fig2a_peak(report, protocol, &units),
        fig2b_heatmap(t_max, osc, protocol, &units),
    ];
    figures.extend(fig3_distribution(report, osc, protocol, &note));
    figures.push(fig4_mean_heat(report, protocol, &note));
    figures.push(fig5_cumulants(report, &note));
    figures
        .iter()
        .map(|f| Ok(f.render(dir)?.svg.display().to_string()))
        .collect()
}
