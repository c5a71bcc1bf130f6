//! Figures of seed 000 as SVG files (plotters): Fig. 2 (cumulative heat and work with fit lines) and
//! Fig. 5 (power histogram with the exact and Eq. 9 densities, stochastic COP with its |ε|⁻² law) for
//! one run; Figs. 3, 4 and 6 (rates, entropy production, power, COP, relative uncertainty and the TUR
//! bound against κ_H/κ_C, refrigerator region shaded) for a sweep. Data are symbols with ±1 standard
//! error bars, theory is lines.

use super::fit::ols;
use super::report::{sampled_power, stochastic_cop_samples, Compared, RunAnalysis};
use super::run_dir::RunDir;
use super::stats;
use crate::theory::demon_pair::predictions::{sweep, TheoryPoint};
use crate::theory::demon_pair::DemonPair;
use anyhow::{anyhow, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn pe<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing figure: {e:?}")
}

/// Tick labels that stay short on log axes (plotters prints 9.999999e-5 for 1e-4 otherwise).
fn sci(v: &f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        "0".into()
    } else if (1e-2..1e4).contains(&a) {
        format!("{}", (v * 1e4).round() / 1e4)
    } else {
        format!("{v:.1e}")
    }
}

const COLD: RGBColor = RGBColor(31, 119, 180);
const HOT: RGBColor = RGBColor(214, 39, 40);
const TOTAL: RGBColor = RGBColor(44, 160, 44);

fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = 0.05 * (hi - lo).max(1e-12 * hi.abs().max(1e-300));
    (lo - pad, hi + pad)
}

/// Figures of one run; returns the files written.
pub fn run_figures(run: &RunDir, a: &RunAnalysis, out: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let mut files = vec![fig2(run, a, &out.join("fig2_heat_work.svg"))?];
    if a.power.is_some() {
        files.push(fig5(run, a, &out.join("fig5_power_cop.svg"))?);
    }
    if let Some(e) = a
        .friction_estimates
        .iter()
        .find(|e| e.method.starts_with("equilibrium"))
    {
        files.push(fig_friction(
            run,
            a,
            e.gamma_amu_per_ps.value,
            &out.join("friction_autocorrelation.svg"),
        )?);
    }
    Ok(files)
}

fn fig2(run: &RunDir, a: &RunAnalysis, path: &Path) -> Result<String> {
    let h = &run.heat;
    let t = h.column("time_ps")?;
    let root = SVGBackend::new(path, (900, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(pe)?;
    let panels = root.split_evenly((2, 1));
    let wc = h.column("w_cold_ev")?;
    let wh = h.column("w_hot_ev")?;
    let w: Vec<f64> = wc.iter().zip(wh).map(|(a, b)| a + b).collect();
    let top: [(&str, &[f64], RGBColor); 2] = [
        ("Q_C (cold bath)", h.column("q_cold_ev")?, COLD),
        ("Q_H (hot bath)", h.column("q_hot_ev")?, HOT),
    ];
    let bottom: [(&str, &[f64], RGBColor); 3] = [
        ("W_C", wc, COLD),
        ("W_H", wh, HOT),
        ("W = W_C + W_H", &w, TOTAL),
    ];
    let title = format!(
        "{}: κ_H/κ_C = {}",
        a.scenario,
        a.kappa_ratio
            .map(|r| format!("{r:.3}"))
            .unwrap_or_else(|| "-".into())
    );
    cumulative_panel(
        &panels[0],
        t,
        &top,
        &format!("{title} — heat dissipated into the baths"),
        "Q (eV)",
        true,
    )?;
    cumulative_panel(
        &panels[1],
        t,
        &bottom,
        "demon work on the nanoparticles (Stratonovich)",
        "W (eV)",
        false,
    )?;
    root.present().map_err(pe)?;
    Ok(path.display().to_string())
}

fn cumulative_panel(
    area: &Area,
    t: &[f64],
    series: &[(&str, &[f64], RGBColor)],
    caption: &str,
    ylabel: &str,
    fits: bool,
) -> Result<()> {
    let (x0, x1) = (t[0], t[t.len() - 1]);
    let (y0, y1) = range_of(series.iter().flat_map(|s| s.1.iter().copied()));
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc("t (ps)")
        .y_desc(ylabel)
        .draw()
        .map_err(pe)?;
    let stride = (t.len() / 4000).max(1);
    for (name, y, color) in series {
        let c = *color;
        chart
            .draw_series(LineSeries::new(
                t.iter()
                    .zip(y.iter())
                    .step_by(stride)
                    .map(|(a, b)| (*a, *b)),
                c.stroke_width(2),
            ))
            .map_err(pe)?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        if fits {
            let (s, i) = ols(t, y);
            let short = name.split(' ').next().unwrap_or(name);
            chart
                .draw_series(DashedLineSeries::new(
                    [(x0, i + s * x0), (x1, i + s * x1)],
                    8,
                    6,
                    BLACK.stroke_width(1),
                ))
                .map_err(pe)?
                .label(format!("{short} linear fit: {s:.3e} eV/ps"))
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        }
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(pe)?;
    Ok(())
}

fn fig5(run: &RunDir, a: &RunAnalysis, path: &Path) -> Result<String> {
    let sc = &run.scenario;
    let model = DemonPair::from_scenario(sc, a.friction_kg_per_s)?;
    let dt = a.sample_interval_ps;
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
    let root = SVGBackend::new(path, (1200, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(pe)?;
    let (left, right) = root.split_horizontally(600);

    // (a) power histogram, log density.
    let sd = exact.variance().sqrt();
    let (lo, hi) = (exact.mean() - 6.0 * sd, exact.mean() + 6.0 * sd);
    let (centres, counts, density) = stats::histogram(&w, lo, hi, 60);
    let width = (hi - lo) / 60.0;
    let floor = 0.5 / (w.len() as f64 * width);
    let top = density
        .iter()
        .copied()
        .fold(exact.density(exact.mean() + 0.05 * sd), f64::max)
        * 3.0;
    let mut chart = ChartBuilder::on(&left)
        .caption(
            format!("(a) power on the cold particle, Δt = {dt} ps"),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, (floor * 0.5..top).log_scale())
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc("Ẇ_C per axis (eV/ps)")
        .y_desc("P(Ẇ_C) (ps/eV)")
        .y_label_formatter(&sci)
        .draw()
        .map_err(pe)?;
    chart
        .draw_series(
            centres
                .iter()
                .zip(&counts)
                .zip(&density)
                .filter(|((_, c), _)| **c > 0)
                .map(|((x, _), d)| {
                    Rectangle::new(
                        [(x - 0.5 * width, floor * 0.5), (x + 0.5 * width, *d)],
                        RGBColor(170, 170, 170).filled(),
                    )
                }),
        )
        .map_err(pe)?
        .label(format!("data ({} intervals)", w.len()))
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 5), (x + 20, y + 5)],
                RGBColor(170, 170, 170).filled(),
            )
        });
    let grid: Vec<f64> = (0..=600)
        .map(|i| lo + (hi - lo) * i as f64 / 600.0)
        .filter(|x| x.abs() > 1e-9 * sd)
        .collect();
    chart
        .draw_series(LineSeries::new(
            grid.iter().map(|&x| (x, exact.density(x).max(floor * 0.5))),
            COLD.stroke_width(2),
        ))
        .map_err(pe)?
        .label("exact (Bessel K₀)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLD.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            grid.iter()
                .map(|&x| (x, exact.exponential_form_density(x).max(floor * 0.5))),
            BLACK.stroke_width(1),
        ))
        .map_err(pe)?
        .label("seed 000 Eq. 9 (exponential form)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(pe)?;

    // (b) stochastic COP density, log–log with the |ε|⁻² law.
    let eps = stochastic_cop_samples(run, &model, dt)?;
    let (e_lo, e_hi) = (1e-2_f64, 1e3_f64);
    let edges: Vec<f64> = (0..=40)
        .map(|i| e_lo * (e_hi / e_lo).powf(i as f64 / 40.0))
        .collect();
    let pts: Vec<(f64, f64)> = edges
        .windows(2)
        .filter_map(|e| {
            let c = eps.iter().filter(|&&v| v >= e[0] && v < e[1]).count();
            (c > 0).then(|| {
                (
                    (e[0] * e[1]).sqrt(),
                    c as f64 / (eps.len() as f64 * (e[1] - e[0])),
                )
            })
        })
        .collect();
    let (d_lo, d_hi) = pts.iter().fold((f64::INFINITY, 0.0_f64), |(a, b), p| {
        (a.min(p.1), b.max(p.1))
    });
    let (d_lo, d_hi) = if pts.is_empty() {
        (1e-6, 1.0)
    } else {
        (d_lo * 0.3, d_hi * 3.0)
    };
    let mut chart = ChartBuilder::on(&right)
        .caption(
            "(b) stochastic COP ε_r = |ΔQ_C|/ΔW (x axis)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d((e_lo..e_hi).log_scale(), (d_lo..d_hi).log_scale())
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc("ε_r")
        .y_desc("P(ε_r)")
        .x_label_formatter(&sci)
        .y_label_formatter(&sci)
        .draw()
        .map_err(pe)?;
    chart
        .draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, 3, RGBColor(90, 90, 90).filled())),
        )
        .map_err(pe)?
        .label(format!("data ({} intervals)", eps.len()))
        .legend(|(x, y)| Circle::new((x + 10, y), 3, RGBColor(90, 90, 90).filled()));
    // Power law anchored to the tail data (ε > 10).
    let tail: Vec<&(f64, f64)> = pts.iter().filter(|p| p.0 > 10.0).collect();
    if !tail.is_empty() {
        let amp = tail.iter().map(|p| p.1 * p.0 * p.0).sum::<f64>() / tail.len() as f64;
        chart
            .draw_series(LineSeries::new(
                [1.0, e_hi].map(|x| (x, amp / (x * x))),
                HOT.stroke_width(2),
            ))
            .map_err(pe)?
            .label("∝ ε_r⁻² (seed 000, Eq. 11)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], HOT.stroke_width(2)));
    }
    let carnot = model.t_cold_k / (model.t_hot_k - model.t_cold_k);
    chart
        .draw_series(LineSeries::new(
            [(carnot, d_lo), (carnot, d_hi)],
            BLACK.stroke_width(1),
        ))
        .map_err(pe)?
        .label(format!("Carnot COP {carnot:.2}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(pe)?;
    root.present().map_err(pe)?;
    Ok(path.display().to_string())
}

/// Position and velocity autocorrelations of an equilibrium run with Eq. 15 (ω corrected) at the
/// fitted friction and at seed 000's 3.5e-12 kg/s.
fn fig_friction(run: &RunDir, a: &RunAnalysis, gamma_fit: f64, path: &Path) -> Result<String> {
    use super::friction::acf_model;
    use super::report::DEFAULT_MAX_LAG_PS;
    let sc = &run.scenario;
    let dt = a.sample_interval_ps;
    let mass = sc.nanoparticle.atoms as f64 * sc.potential.copper.mass_amu;
    let kappa = sc.controller.trap_kappa_ev_per_a2 / crate::units::MVV2E;
    let lag = (DEFAULT_MAX_LAG_PS / dt).round() as usize;
    let mean_acf = |cols: &[&str]| -> Result<Vec<f64>> {
        let acfs = cols
            .iter()
            .map(|c| Ok(stats::autocorrelation(run.heat.column(c)?, lag)))
            .collect::<Result<Vec<_>>>()?;
        Ok((0..acfs[0].len())
            .map(|k| acfs.iter().map(|v| v[k]).sum::<f64>() / acfs.len() as f64)
            .collect())
    };
    let vel = mean_acf(&["vx_cold_a_ps", "vx_hot_a_ps"])?;
    let pos = if kappa > 0.0 {
        Some(mean_acf(&[
            "x_cold_a", "y_cold_a", "z_cold_a", "x_hot_a", "y_hot_a", "z_hot_a",
        ])?)
    } else {
        None
    };
    let root = SVGBackend::new(path, (900, 550)).into_drawing_area();
    root.fill(&WHITE).map_err(pe)?;
    let tmax = lag as f64 * dt;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "equilibrium autocorrelations: γ = {:.3e} kg/s fitted",
                crate::units::friction_amu_per_ps_to_kg_per_s(gamma_fit)
            ),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..tmax, -0.5..1.05)
        .map_err(pe)?;
    chart
        .configure_mesh()
        .x_desc("lag τ (ps)")
        .y_desc("normalised autocorrelation")
        .draw()
        .map_err(pe)?;
    let paper = crate::units::friction_kg_per_s_to_amu_per_ps(
        crate::theory::demon_pair::predictions::PAPER_FRICTION_KG_PER_S,
    );
    let grid: Vec<f64> = (0..=400).map(|i| tmax * i as f64 / 400.0).collect();
    let mut curves: Vec<(&str, Vec<f64>, bool, RGBColor)> =
        vec![("velocity ⟨V(t)V(t+τ)⟩", vel, true, HOT)];
    if let Some(p) = pos {
        curves.push(("position ⟨X(t)X(t+τ)⟩", p, false, COLD));
    }
    for (name, acf, velocity, col) in curves {
        chart
            .draw_series(
                acf.iter()
                    .enumerate()
                    .map(|(k, v)| Circle::new((k as f64 * dt, *v), 3, col.filled())),
            )
            .map_err(pe)?
            .label(format!("{name}, data"))
            .legend(move |(x, y)| Circle::new((x + 10, y), 3, col.filled()));
        chart
            .draw_series(LineSeries::new(
                grid.iter()
                    .map(|&t| (t, acf_model(gamma_fit, mass, kappa, t, velocity))),
                col.stroke_width(2),
            ))
            .map_err(pe)?
            .label("Eq. 15, fitted γ")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(2)));
        chart
            .draw_series(DashedLineSeries::new(
                grid.iter()
                    .map(|&t| (t, acf_model(paper, mass, kappa, t, velocity))),
                6,
                4,
                col.stroke_width(1),
            ))
            .map_err(pe)?
            .label("Eq. 15, γ = 3.5e-12 kg/s (seed 000)")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(pe)?;
    root.present().map_err(pe)?;
    Ok(path.display().to_string())
}

/// Figures of a sweep of runs (sorted by κ_H/κ_C); returns the files written.
pub fn sweep_figures(runs: &[RunDir], analyses: &[RunAnalysis], out: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let first = &runs[0].scenario;
    let model = DemonPair::from_scenario(first, analyses[0].friction_kg_per_s)?;
    let ratios: Vec<f64> = analyses.iter().filter_map(|a| a.kappa_ratio).collect();
    let (rmin, rmax) = ratios
        .iter()
        .fold((f64::INFINITY, 0.0_f64), |(a, b), &r| (a.min(r), b.max(r)));
    if rmin.is_nan() || rmin <= 0.0 {
        return Err(anyhow!("sweep figures need runs with κ_H/κ_C > 0"));
    }
    let (x0, x1) = (rmin / 1.5, rmax * 1.5);
    let axes = first.controller.demon_axes.len();
    let theory = sweep(&model, axes, analyses[0].sample_interval_ps, x0, x1, 300)?;
    let pseudo = model.t_hot_k / model.t_cold_k;
    let mut files = Vec::new();

    let path = out.join("fig3_rates_entropy_power.svg");
    {
        let root = SVGBackend::new(&path, (900, 1200)).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        let p = root.split_evenly((3, 1));
        let heat: [SeriesSpec; 2] = [
            (
                "Q̇_C",
                COLD,
                |a| a.rates.heat_cold_ev_per_ps,
                |t| t.heat_rate_cold_ev_per_ps,
            ),
            (
                "Q̇_H",
                HOT,
                |a| a.rates.heat_hot_ev_per_ps,
                |t| t.heat_rate_hot_ev_per_ps,
            ),
        ];
        sweep_panel(
            &p[0],
            "(a) heat dissipated into each bath",
            "Q̇ (eV/ps)",
            (x0, x1),
            pseudo,
            analyses,
            &theory,
            &heat,
            false,
        )?;
        let ent: [SeriesSpec; 1] = [(
            "Ṡ_tot",
            BLACK,
            |a| a.rates.entropy_production_kb_per_ps,
            |t| t.entropy_production_kb_per_ps,
        )];
        sweep_panel(
            &p[1],
            "(b) entropy production rate",
            "Ṡ_tot (k_B/ps)",
            (x0, x1),
            pseudo,
            analyses,
            &theory,
            &ent,
            false,
        )?;
        let pow: [SeriesSpec; 1] = [(
            "Ẇ",
            TOTAL,
            |a| a.rates.power_ev_per_ps,
            |t| t.power_ev_per_ps,
        )];
        sweep_panel(
            &p[2],
            "(c) power of the demon",
            "Ẇ (eV/ps)",
            (x0, x1),
            pseudo,
            analyses,
            &theory,
            &pow,
            false,
        )?;
        root.present().map_err(pe)?;
    }
    files.push(path.display().to_string());

    let path = out.join("fig4_cop.svg");
    {
        let root = SVGBackend::new(&path, (900, 500)).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        let refr: Vec<TheoryPoint> = theory.iter().filter(|t| t.cop.is_some()).cloned().collect();
        let lo = pseudo.max(x0);
        let cop: [SeriesSpec; 1] = [(
            "COP",
            COLD,
            |a| {
                a.rates.cop.unwrap_or(Compared {
                    measured: f64::NAN,
                    error: f64::NAN,
                    theory: None,
                    z_score: None,
                })
            },
            |t| t.cop.unwrap_or(f64::NAN),
        )];
        let carnot = model.t_cold_k / (model.t_hot_k - model.t_cold_k);
        sweep_panel_with(
            &root,
            "COP = −Q̇_C/Ẇ in the refrigerator regime (Eq. 7)",
            "COP",
            (lo, x1.max(lo * 1.5)),
            pseudo,
            analyses,
            &refr,
            &cop,
            false,
            Some((carnot, "Carnot T_C/(T_H−T_C)")),
        )?;
        root.present().map_err(pe)?;
    }
    files.push(path.display().to_string());

    let path = out.join("fig6_uncertainty_tur.svg");
    {
        let root = SVGBackend::new(&path, (900, 600)).into_drawing_area();
        root.fill(&WHITE).map_err(pe)?;
        let unc: [SeriesSpec; 4] = [
            (
                "Var/⟨Ẇ_C⟩²",
                COLD,
                |a| power_or_nan(a, |p| p.relative_uncertainty_cold),
                |t| t.relative_uncertainty_cold,
            ),
            (
                "Var/⟨Ẇ_H⟩²",
                HOT,
                |a| power_or_nan(a, |p| p.relative_uncertainty_hot),
                |t| t.relative_uncertainty_hot,
            ),
            (
                "Var/⟨Ẇ⟩²",
                TOTAL,
                |a| power_or_nan(a, |p| p.relative_uncertainty_total),
                |t| t.relative_uncertainty_total,
            ),
            (
                "TUR bound 2k_B/(Ṡ Δt)",
                BLACK,
                |a| power_or_nan(a, |p| p.tur_bound),
                |t| t.tur_bound,
            ),
        ];
        sweep_panel(
            &root,
            "relative uncertainty of the power and the TUR bound (Eq. 12)",
            "Var(Ẇ)/⟨Ẇ⟩²",
            (x0, x1),
            pseudo,
            analyses,
            &theory,
            &unc,
            true,
        )?;
        root.present().map_err(pe)?;
    }
    files.push(path.display().to_string());
    Ok(files)
}

fn power_or_nan(a: &RunAnalysis, f: fn(&super::report::PowerStats) -> Compared) -> Compared {
    a.power.as_ref().map(f).unwrap_or(Compared {
        measured: f64::NAN,
        error: f64::NAN,
        theory: None,
        z_score: None,
    })
}

type SeriesSpec<'a> = (
    &'a str,
    RGBColor,
    fn(&RunAnalysis) -> Compared,
    fn(&TheoryPoint) -> f64,
);

#[allow(clippy::too_many_arguments)]
fn sweep_panel(
    area: &Area,
    caption: &str,
    ylabel: &str,
    xr: (f64, f64),
    pseudo: f64,
    analyses: &[RunAnalysis],
    theory: &[TheoryPoint],
    series: &[SeriesSpec],
    log_y: bool,
) -> Result<()> {
    sweep_panel_with(
        area, caption, ylabel, xr, pseudo, analyses, theory, series, log_y, None,
    )
}

#[allow(clippy::too_many_arguments)]
fn sweep_panel_with(
    area: &Area,
    caption: &str,
    ylabel: &str,
    (x0, x1): (f64, f64),
    pseudo: f64,
    analyses: &[RunAnalysis],
    theory: &[TheoryPoint],
    series: &[SeriesSpec],
    log_y: bool,
    hline: Option<(f64, &str)>,
) -> Result<()> {
    let data: Vec<Vec<(f64, Compared)>> = series
        .iter()
        .map(|s| {
            analyses
                .iter()
                .filter_map(|a| a.kappa_ratio.map(|r| (r, (s.2)(a))))
                .filter(|(_, c)| c.measured.is_finite())
                .collect()
        })
        .collect();
    let mut ys: Vec<f64> = data
        .iter()
        .flatten()
        .flat_map(|(_, c)| [c.measured - c.error, c.measured + c.error])
        .collect();
    ys.extend(
        series
            .iter()
            .flat_map(|s| theory.iter().map(move |t| (s.3)(t))),
    );
    if let Some((h, _)) = hline {
        ys.push(h);
    }
    let mut chart = ChartBuilder::on(area);
    chart
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(75);
    if log_y {
        // The range follows the data (theory diverges at the pseudo-equilibrium point); theory-only
        // panels fall back to the theory values.
        let from_data: Vec<f64> = data
            .iter()
            .flatten()
            .map(|(_, c)| c.measured)
            .filter(|v| *v > 0.0)
            .collect();
        let pos: Vec<f64> = if from_data.is_empty() {
            ys.into_iter()
                .filter(|v| *v > 0.0 && v.is_finite())
                .collect()
        } else {
            from_data
        };
        let (lo, hi) = pos
            .iter()
            .fold((f64::INFINITY, 0.0_f64), |(a, b), &v| (a.min(v), b.max(v)));
        let (lo, hi) = if pos.is_empty() {
            (1e-3, 1.0)
        } else {
            (lo * 0.3, hi * 3.0)
        };
        let mut c = chart
            .build_cartesian_2d((x0..x1).log_scale(), (lo..hi).log_scale())
            .map_err(pe)?;
        c.configure_mesh()
            .x_desc("κ_H/κ_C")
            .y_desc(ylabel)
            .x_label_formatter(&sci)
            .y_label_formatter(&sci)
            .draw()
            .map_err(pe)?;
        c.draw_series([Rectangle::new(
            [(pseudo.max(x0), lo), (x1, hi)],
            COLD.mix(0.08).filled(),
        )])
        .map_err(pe)?;
        for (s, pts) in series.iter().zip(&data) {
            let col = s.1;
            c.draw_series(LineSeries::new(
                theory
                    .iter()
                    .map(|t| (t.kappa_ratio, (s.3)(t)))
                    .filter(|p| p.1 > lo && p.1 < hi),
                col.stroke_width(2),
            ))
            .map_err(pe)?
            .label(s.0)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(2)));
            c.draw_series(
                pts.iter()
                    .filter(|(_, v)| v.measured > 0.0)
                    .map(|(r, v)| Circle::new((*r, v.measured), 4, col.filled())),
            )
            .map_err(pe)?;
            c.draw_series(
                pts.iter()
                    .filter(|(_, v)| v.measured - v.error > 0.0)
                    .map(|(r, v)| {
                        PathElement::new(
                            vec![(*r, v.measured - v.error), (*r, v.measured + v.error)],
                            col.stroke_width(1),
                        )
                    }),
            )
            .map_err(pe)?;
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(pe)?;
    } else {
        let (lo, hi) = range_of(ys.into_iter());
        // Headroom for the legend above the curves.
        let hi = hi + 0.35 * (hi - lo);
        let mut c = chart
            .build_cartesian_2d((x0..x1).log_scale(), lo..hi)
            .map_err(pe)?;
        c.configure_mesh()
            .x_desc("κ_H/κ_C")
            .y_desc(ylabel)
            .x_label_formatter(&sci)
            .y_label_formatter(&sci)
            .draw()
            .map_err(pe)?;
        c.draw_series([Rectangle::new(
            [(pseudo.max(x0), lo), (x1, hi)],
            COLD.mix(0.08).filled(),
        )])
        .map_err(pe)?
        .label("refrigerator κ_H/κ_C > T_H/T_C (Eq. 6)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], COLD.mix(0.2).filled()));
        if lo < 0.0 && hi > 0.0 {
            c.draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK.mix(0.4)))
                .map_err(pe)?;
        }
        if let Some((h, name)) = hline {
            c.draw_series(LineSeries::new([(x0, h), (x1, h)], BLACK.stroke_width(1)))
                .map_err(pe)?
                .label(name)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        }
        for (s, pts) in series.iter().zip(&data) {
            let col = s.1;
            c.draw_series(LineSeries::new(
                theory
                    .iter()
                    .map(|t| (t.kappa_ratio, (s.3)(t)))
                    .filter(|p| p.1.is_finite()),
                col.stroke_width(2),
            ))
            .map_err(pe)?
            .label(format!("{} theory (lines) / data (points)", s.0))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], col.stroke_width(2)));
            c.draw_series(
                pts.iter()
                    .map(|(r, v)| Circle::new((*r, v.measured), 4, col.filled())),
            )
            .map_err(pe)?;
            c.draw_series(pts.iter().map(|(r, v)| {
                PathElement::new(
                    vec![(*r, v.measured - v.error), (*r, v.measured + v.error)],
                    col.stroke_width(1),
                )
            }))
            .map_err(pe)?;
        }
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(pe)?;
    }
    Ok(())
}
