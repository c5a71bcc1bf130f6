//! Figures of seed 000 for one run, in the project's figure style ([`crate::plot`]), each with the
//! CSV of what it draws: Fig. 2 (cumulative heat and work with least-squares lines), Fig. 5 (power
//! histogram with the exact and Eq. 9 densities; stochastic COP density with its |ε|⁻² law, Eq. 11)
//! and, for an equilibrium run, the autocorrelations behind the friction fit (Eq. 15). The κ-axis
//! figures of a sweep are [`super::kappa_figures`]. With baths with memory fitted from an
//! equilibrium run (`--bath-from`, issue 11), Fig. 5 draws that model's exact power density beside the
//! Markov one, and the friction figure of an equilibrium run that model's autocorrelations in this
//! run's trap (Fig. 2 draws no theory).

use super::fit::ols;
use super::kappa_figures::{markov_label, memory_label, MemoryBaths};
use super::memory_fit::{check_system, pair_for, FittedBaths, TrappedParticle};
use super::report::{sampled_power, stochastic_cop_samples, RunAnalysis};
use super::run_dir::RunDir;
use super::stats;
use crate::plot::axis::{scientific, AxisSpec};
use crate::plot::figure::{Dash, Figure, Mark, Panel, Pt, Series};
use crate::plot::{BLACK, BLUE, GREEN, GREY, SIMULATION_AND_THEORY, VERMILLION};
use crate::theory::demon_pair::DemonPair;
use anyhow::{anyhow, Context, Result};
use plotters::style::RGBColor;
use std::path::Path;

/// Figures of one run, with the memory-bath theory beside the Markov one when `baths` are given;
/// returns the SVG files written (each with its CSV beside it).
pub fn run_figures(
    run: &RunDir,
    a: &RunAnalysis,
    baths: Option<&FittedBaths>,
    out: &Path,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut figures = vec![fig2(run, a)?];
    if a.power.is_some() {
        figures.push(fig5(run, a, baths)?);
    }
    if let Some(e) = a
        .friction_estimates
        .iter()
        .find(|e| e.method.starts_with("equilibrium"))
    {
        figures.push(fig_friction(run, a, e.gamma_amu_per_ps.value, baths)?);
    }
    figures
        .iter()
        .map(|f| Ok(f.render(out)?.svg.display().to_string()))
        .collect()
}

/// Figures of a sweep of runs that differ in κ_H only (sorted by κ_H/κ_C), with the memory-bath
/// theory beside the Markov one when `baths` are given; returns the SVG files.
pub fn sweep_figures(
    runs: &[RunDir],
    analyses: &[RunAnalysis],
    baths: Option<&FittedBaths>,
    out: &Path,
) -> Result<Vec<String>> {
    let first = &runs
        .first()
        .ok_or_else(|| anyhow!("a sweep needs at least one run"))?
        .scenario;
    let model = DemonPair::from_scenario(first, analyses[0].friction_kg_per_s)?;
    let memory = baths.map(|baths| MemoryBaths {
        scenario: first,
        baths,
    });
    super::kappa_figures::kappa_figures(
        analyses,
        &model,
        memory.as_ref(),
        first.controller.demon_axes.len(),
        out,
    )
}

fn title_of(a: &RunAnalysis) -> String {
    format!(
        "{}, κ_H/κ_C = {}",
        a.scenario,
        a.kappa_ratio
            .map(|r| format!("{r:.3}"))
            .unwrap_or_else(|| "–".into())
    )
}

/// A cumulative series and its least-squares line (black, drawn over the noisy data, dashed for the cold
/// bath and dotted for the hot one; slope in the legend).
fn cumulative(label: &str, t: &[f64], y: &[f64], colour: plotters::style::RGBColor) -> [Series; 2] {
    let (slope, intercept) = ols(t, y);
    let (t0, t1) = (t[0], t[t.len() - 1]);
    [
        Series::new(
            label,
            "simulation",
            Mark::line(colour),
            t.iter().zip(y).map(|(a, b)| Pt::new(*a, *b)).collect(),
        ),
        Series::new(
            &format!(
                "{} fit: slope {} eV/ps",
                label.split(' ').next().unwrap_or(label),
                scientific(slope, 3)
            ),
            "fit",
            Mark::Line {
                colour: BLACK,
                dash: if colour == BLUE {
                    Dash::Dashed
                } else {
                    Dash::Dotted
                },
                width: 3,
            },
            vec![
                Pt::new(t0, intercept + slope * t0),
                Pt::new(t1, intercept + slope * t1),
            ],
        ),
    ]
}

fn fig2(run: &RunDir, a: &RunAnalysis) -> Result<Figure> {
    let h = &run.heat;
    let t = h.column("time_ps")?;
    let wc = h.column("w_cold_ev")?;
    let wh = h.column("w_hot_ev")?;
    let w: Vec<f64> = wc.iter().zip(wh).map(|(a, b)| a + b).collect();
    let mut heat = Vec::new();
    heat.extend(cumulative(
        "Q_C (cold bath)",
        t,
        h.column("q_cold_ev")?,
        BLUE,
    ));
    heat.extend(cumulative(
        "Q_H (hot bath)",
        t,
        h.column("q_hot_ev")?,
        VERMILLION,
    ));
    let work = vec![
        Series::new(
            "W_C",
            "simulation",
            Mark::line(BLUE),
            t.iter().zip(wc).map(|(a, b)| Pt::new(*a, *b)).collect(),
        ),
        Series::new(
            "W_H",
            "simulation",
            Mark::line(VERMILLION),
            t.iter().zip(wh).map(|(a, b)| Pt::new(*a, *b)).collect(),
        ),
        Series::new(
            "W = W_C + W_H",
            "simulation",
            Mark::line(GREEN),
            t.iter().zip(&w).map(|(a, b)| Pt::new(*a, *b)).collect(),
        ),
    ];
    let time = AxisSpec::linear("t", Some("ps"));
    Ok(Figure {
        stem: "fig2_heat_work".into(),
        title: format!("{}: cumulative heat into the baths and demon work", title_of(a)),
        statement: "Simulation: solid lines (every sample). Black dashed and dotted: least-squares lines, whose slopes are the rates. Q > 0: heat from the particle into the bath; W: Stratonovich work of the demon forces.".into(),
        double_column: false,
        columns: 1,
        panel_height: 470,
        panels: vec![
            Panel::new("heat dissipated into the baths", time.clone(), AxisSpec::linear("Q", Some("eV")), heat),
            Panel::new("work of the demon on the particles", time, AxisSpec::linear("W", Some("eV")), work),
        ],
        notes: Vec::new(),
    })
}

fn fig5(run: &RunDir, a: &RunAnalysis, baths: Option<&FittedBaths>) -> Result<Figure> {
    let model = DemonPair::from_scenario(&run.scenario, a.friction_kg_per_s)?;
    let dt = a.sample_interval_ps;
    let hist_panel = power_histogram_panel(run, a, baths, &model, dt)?;
    let cop_panel = stochastic_cop_panel(run, &model, dt)?;
    Ok(Figure {
        stem: "fig5_power_cop".into(),
        title: format!(
            "{}: statistics of the sampled power and the stochastic COP",
            title_of(a)
        ),
        statement: format!(
            "{SIMULATION_AND_THEORY} Histogram bars: simulation. Theory at γ = {:.4} × 10⁻¹² kg/s{}.",
            a.friction_kg_per_s * 1e12,
            if baths.is_some() { "; dashed vermillion: the bath with memory fitted to the equilibrium autocorrelations (issue 11)" } else { "" }
        ),
        double_column: true,
        columns: 2,
        panel_height: 600,
        panels: vec![hist_panel, cop_panel],
        notes: Vec::new(),
    })
}

/// Fig. 5(a): the histogram of the sampled power on the cold particle, every demon axis pooled, on ±6 theory
/// standard deviations with a log density, against the exact density (and the bath with memory, if fitted).
fn power_histogram_panel(
    run: &RunDir,
    a: &RunAnalysis,
    baths: Option<&FittedBaths>,
    model: &DemonPair,
    dt: f64,
) -> Result<Panel> {
    let sc = &run.scenario;
    let h = &run.heat;
    let mut w = Vec::new();
    for &axis in &sc.controller.demon_axes {
        let (c, hc) = match axis {
            crate::scenario::Axis::X => ("x_cold_a", "x_hot_a"),
            crate::scenario::Axis::Y => ("y_cold_a", "y_hot_a"),
            crate::scenario::Axis::Z => ("z_cold_a", "z_hot_a"),
        };
        w.extend(sampled_power(
            model.kappa_cold_ev_per_a2,
            h.column(c)?,
            h.column(hc)?,
            dt,
        ));
    }
    let exact = model.particle_power(true, dt)?;

    let sd = exact.variance().sqrt();
    let (lo, hi) = (exact.mean() - 6.0 * sd, exact.mean() + 6.0 * sd);
    let bins = 60;
    let (centres, counts, density) = stats::histogram(&w, lo, hi, bins);
    let width = (hi - lo) / bins as f64;
    let floor = 0.5 / (w.len() as f64 * width);
    let bars = centres
        .iter()
        .zip(&counts)
        .zip(&density)
        .map(|((x, c), d)| Pt::with_err(*x, *d, (*c as f64).sqrt() / (w.len() as f64 * width)))
        .collect();
    // The exact density has a log singularity at Ẇ = 0: the grid steps over it.
    let grid: Vec<f64> = (0..=600)
        .map(|i| lo + (hi - lo) * (i as f64 + 0.5) / 601.0)
        .collect();
    let top = density
        .iter()
        .copied()
        .fold(exact.density(exact.mean() + 0.05 * sd), f64::max)
        * 3.0;
    let mut hist_panel = Panel::new(
        &format!("power on the cold particle per axis, Δt = {dt} ps"),
        AxisSpec::linear("Ẇ_C", Some("eV/ps")).with_range(lo, hi),
        AxisSpec::log("P(Ẇ_C)", Some("ps/eV")).with_range(floor * 0.5, top),
        vec![
            Series::new(
                &format!("simulation histogram ({} intervals)", w.len()),
                "histogram",
                Mark::Bars { colour: GREY },
                bars,
            ),
            Series::new(
                &match baths {
                    Some(_) => format!(
                        "exact density (Bessel K₀), {}",
                        markov_label(a.friction_kg_per_s)
                    ),
                    None => "exact density (Bessel K₀)".into(),
                },
                "theory",
                Mark::line(BLUE),
                grid.iter().map(|&x| Pt::new(x, exact.density(x))).collect(),
            ),
            Series::new(
                "seed 000 Eq. 9 (exponential form)",
                "theory",
                Mark::dashed(BLACK),
                grid.iter()
                    .map(|&x| Pt::new(x, exact.exponential_form_density(x)))
                    .collect(),
            ),
        ],
    );
    if let Some(baths) = baths {
        // The exact density of the same Gaussian product with the extended system's covariance.
        check_system(sc, baths)?;
        let memory = pair_for(sc, &baths.cold.bath, &baths.hot.bath).particle_power(true, dt)?;
        hist_panel.series.push(Series::new(
            &format!("exact density, {}", memory_label(baths)),
            "theory (bath with memory)",
            Mark::Line {
                colour: VERMILLION,
                dash: Dash::Dashed,
                width: 2,
            },
            grid.iter()
                .map(|&x| Pt::new(x, memory.density(x)))
                .collect(),
        ));
    }
    Ok(hist_panel)
}

/// Fig. 5(b): the stochastic COP density, log–log, with Poisson errors, the |ε|⁻² law fitted to its tail and
/// the Carnot COP.
fn stochastic_cop_panel(run: &RunDir, model: &DemonPair, dt: f64) -> Result<Panel> {
    let eps = stochastic_cop_samples(run, model, dt)?;
    let (e_lo, e_hi) = (1e-2_f64, 1e3_f64);
    let edges: Vec<f64> = (0..=40)
        .map(|i| e_lo * (e_hi / e_lo).powf(i as f64 / 40.0))
        .collect();
    let n = eps.len() as f64;
    let pts: Vec<Pt> = edges
        .windows(2)
        .filter_map(|e| {
            let c = eps.iter().filter(|&&v| v >= e[0] && v < e[1]).count() as f64;
            let norm = n * (e[1] - e[0]);
            (c > 0.0).then(|| Pt::with_err((e[0] * e[1]).sqrt(), c / norm, c.sqrt() / norm))
        })
        .collect();
    let mut series = vec![Series::new(
        &format!("simulation ({} intervals)", eps.len()),
        "simulation",
        Mark::points(GREY),
        pts.clone(),
    )];
    // Power law anchored to the tail data (ε > 10).
    let tail: Vec<&Pt> = pts.iter().filter(|p| p.x > 10.0).collect();
    if !tail.is_empty() {
        let amp = tail.iter().map(|p| p.y * p.x * p.x).sum::<f64>() / tail.len() as f64;
        let line = (0..=100)
            .map(|i| 10f64.powf(3.0 * i as f64 / 100.0))
            .map(|x| Pt::new(x, amp / (x * x)))
            .collect();
        series.push(Series::new(
            "∝ ε_r⁻² (seed 000, Eq. 11), fitted to ε_r > 10",
            "theory",
            Mark::line(VERMILLION),
            line,
        ));
    }
    let carnot = model.t_cold_k / (model.t_hot_k - model.t_cold_k);
    let d = pts.iter().map(|p| p.y).filter(|v| *v > 0.0);
    let (d_lo, d_hi) = d.fold((f64::INFINITY, 0.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    let (d_lo, d_hi) = if d_lo.is_finite() {
        (d_lo * 0.2, d_hi * 3.0)
    } else {
        (1e-6, 1.0)
    };
    series.push(Series::new(
        &format!("Carnot COP T_C/(T_H − T_C) = {carnot:.2}"),
        "reference",
        Mark::dashed(BLACK),
        vec![Pt::new(carnot, d_lo), Pt::new(carnot, d_hi)],
    ));
    Ok(Panel::new(
        "stochastic COP ε_r = |ΔQ_C|/ΔW per interval",
        AxisSpec::log("ε_r", None).with_range(e_lo, e_hi),
        AxisSpec::log("P(ε_r)", None).with_range(d_lo, d_hi),
        series,
    ))
}

/// Position and velocity autocorrelations of an equilibrium run with Eq. 15 (ω corrected) at the
/// fitted friction and at seed 000's 3.5e-12 kg/s.
fn fig_friction(
    run: &RunDir,
    a: &RunAnalysis,
    gamma_fit: f64,
    baths: Option<&FittedBaths>,
) -> Result<Figure> {
    use super::friction::acf_model;
    use super::report::DEFAULT_MAX_LAG_PS;
    let sc = &run.scenario;
    let dt = a.sample_interval_ps;
    let mass = sc.nanoparticle.atoms as f64 * sc.potential.copper.mass_amu;
    let kappa = sc.controller.trap_kappa_ev_per_a2 / crate::units::MVV2E;
    let lag = (DEFAULT_MAX_LAG_PS / dt).round() as usize;
    let tmax = lag as f64 * dt;
    let memory = match baths {
        Some(b) if kappa > 0.0 => Some(memory_autocorrelations(sc, b, mass, tmax)?),
        _ => None,
    };
    let curves = measured_autocorrelations(run, lag, kappa > 0.0)?;
    let paper_kg = crate::theory::demon_pair::predictions::PAPER_FRICTION_KG_PER_S;
    let paper = crate::units::friction_kg_per_s_to_amu_per_ps(paper_kg);
    let fit_kg = crate::units::friction_amu_per_ps_to_kg_per_s(gamma_fit);
    let grid: Vec<f64> = (0..=400).map(|i| tmax * i as f64 / 400.0).collect();
    let mut series = Vec::new();
    for Curve {
        name,
        acf,
        velocity,
        colour,
    } in curves
    {
        series.push(Series::new(
            name,
            "simulation",
            Mark::points(colour),
            acf.iter()
                .enumerate()
                .map(|(k, v)| Pt::new(k as f64 * dt, *v))
                .collect(),
        ));
        series.push(Series::new(
            name,
            "theory",
            Mark::line(colour),
            grid.iter()
                .map(|&t| Pt::new(t, acf_model(gamma_fit, mass, kappa, t, velocity)))
                .collect(),
        ));
        series.push(Series::new(
            &format!(
                "{}: Eq. 15 at γ = {} kg/s",
                name.split(' ').next().unwrap_or(name),
                scientific(paper_kg, 1)
            ),
            "theory",
            Mark::dashed(colour),
            grid.iter()
                .map(|&t| Pt::new(t, acf_model(paper, mass, kappa, t, velocity)))
                .collect(),
        ));
        if let Some(MemoryCurves {
            times_ps: times,
            vacf,
            pacf,
            label,
        }) = &memory
        {
            let m = if velocity { vacf } else { pacf };
            series.push(Series::new(
                &format!("{}: {label}", name.split(' ').next().unwrap_or(name)),
                "theory (bath with memory)",
                Mark::Line {
                    colour,
                    dash: Dash::Dotted,
                    width: 3,
                },
                times.iter().zip(m).map(|(t, y)| Pt::new(*t, *y)).collect(),
            ));
        }
    }
    Ok(Figure {
        stem: "friction_autocorrelation".into(),
        title: format!("{}: equilibrium autocorrelations and the friction fit", a.scenario),
        statement: format!("Simulation: points (mean over particles and axes). Theory: solid lines, seed 000 Eq. 15 (ω corrected) at the fitted γ = {} kg/s; dashed at seed 000's value{}.", scientific(fit_kg, 3), if memory.is_some() { "; dotted: the bath with memory fitted to the equilibrium autocorrelations (issue 11), mean of the two particles" } else { "" }),
        double_column: false,
        columns: 1,
        panel_height: 560,
        panels: vec![Panel::new("", AxisSpec::linear("lag τ", Some("ps")).with_range(0.0, tmax), AxisSpec::linear("normalised autocorrelation", None), series)],
        notes: Vec::new(),
    })
}

/// One measured normalised autocorrelation of the friction figure.
struct Curve {
    name: &'static str,
    acf: Vec<f64>,
    /// Velocity (else position) autocorrelation.
    velocity: bool,
    colour: RGBColor,
}

/// The memory model's normalised autocorrelations on the lags `times_ps`, with their legend text.
struct MemoryCurves {
    times_ps: Vec<f64>,
    vacf: Vec<f64>,
    pacf: Vec<f64>,
    label: String,
}

/// The measured normalised autocorrelations up to `lag` samples: the velocity's (x axis, mean of the
/// two particles) and, when the particles are `trapped`, the position's (mean of both particles' three
/// axes).
fn measured_autocorrelations(run: &RunDir, lag: usize, trapped: bool) -> Result<Vec<Curve>> {
    let mean_acf = |cols: &[&str]| -> Result<Vec<f64>> {
        let acfs = cols
            .iter()
            .map(|c| Ok(stats::autocorrelation(run.heat.column(c)?, lag)))
            .collect::<Result<Vec<_>>>()?;
        Ok((0..acfs[0].len())
            .map(|k| acfs.iter().map(|v| v[k]).sum::<f64>() / acfs.len() as f64)
            .collect())
    };
    let mut curves = vec![Curve {
        name: "velocity ⟨V(t)V(t+τ)⟩",
        acf: mean_acf(&["vx_cold_a_ps", "vx_hot_a_ps"])?,
        velocity: true,
        colour: VERMILLION,
    }];
    if trapped {
        curves.push(Curve {
            name: "position ⟨X(t)X(t+τ)⟩",
            acf: mean_acf(&[
                "x_cold_a", "y_cold_a", "z_cold_a", "x_hot_a", "y_hot_a", "z_hot_a",
            ])?,
            velocity: false,
            colour: BLUE,
        });
    }
    Ok(curves)
}

/// The memory model's normalised autocorrelations in this run's trap on 401 lags up to `tmax` ps,
/// averaged over the two particles as the data are. Only for a trapped particle: without a trap the
/// extended system has no stationary position.
fn memory_autocorrelations(
    sc: &crate::scenario::Scenario,
    b: &FittedBaths,
    mass: f64,
    tmax: f64,
) -> Result<MemoryCurves> {
    check_system(sc, b)?;
    let times: Vec<f64> = (0..=400).map(|i| tmax * i as f64 / 400.0).collect();
    let mut sum = (vec![0.0; times.len()], vec![0.0; times.len()]);
    for (fit, t_k) in [
        (&b.cold, sc.cold.temperature_k),
        (&b.hot, sc.hot.temperature_k),
    ] {
        let particle = TrappedParticle {
            mass_amu: mass,
            trap_kappa_ev_per_a2: sc.controller.trap_kappa_ev_per_a2,
            temperature_k: t_k,
        };
        let (v, x) = particle.model(&fit.bath, &times)?;
        for (s, m) in sum.0.iter_mut().zip(v).chain(sum.1.iter_mut().zip(x)) {
            *s += 0.5 * m;
        }
    }
    Ok(MemoryCurves {
        times_ps: times,
        vacf: sum.0,
        pacf: sum.1,
        label: memory_label(b),
    })
}
