//! The figures of seed 002 as SVG (plotters): theory as lines, ensemble statistics as points.

use super::drive::DriveReport;
use crate::theory::periodic::moments;
use crate::theory::periodic::{Oscillator, Sinusoid};
use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;
use std::path::Path;

/// A panel of Fig. 5: its name, the simulated value of a record and the theory value.
type CumulantPanel = (
    &'static str,
    fn(&super::EnsembleRecord) -> f64,
    fn(&super::drive::TheoryPoint) -> f64,
);

const SIZE: (u32, u32) = (900, 600);
const COLORS: [RGBColor; 4] = [
    RGBColor(27, 158, 119),
    RGBColor(217, 95, 2),
    RGBColor(117, 112, 179),
    RGBColor(231, 41, 138),
];

/// One curve of a panel: a theory line and, optionally, simulation points.
struct Series {
    label: String,
    color: RGBColor,
    theory: Vec<(f64, f64)>,
    sim: Vec<(f64, f64)>,
}

fn padded(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return 0.0..1.0;
    }
    let pad = 0.05 * (hi - lo).max(1e-12);
    lo - pad..hi + pad
}

fn panel(
    area: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[Series],
) -> Result<()> {
    let xs = padded(
        series
            .iter()
            .flat_map(|s| s.theory.iter().chain(&s.sim).map(|p| p.0)),
    );
    let ys = padded(
        series
            .iter()
            .flat_map(|s| s.theory.iter().chain(&s.sim).map(|p| p.1)),
    );
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(xs, ys)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()?;
    for s in series {
        let color = s.color;
        chart
            .draw_series(LineSeries::new(
                s.theory.iter().copied(),
                color.stroke_width(2),
            ))?
            .label(s.label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
        chart.draw_series(s.sim.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

fn save(
    dir: &Path,
    name: &str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<String> {
    let path = dir.join(name);
    {
        let root = SVGBackend::new(&path, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
    }
    Ok(path.display().to_string())
}

/// Draws every figure into `dir` (created if missing) and returns the file paths.
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
    let dense: Vec<f64> = (0..=1000).map(|i| t_max * i as f64 / 1000.0).collect();
    let mut files = Vec::new();

    // Fig. 1: ρ_xv(t), theory and simulation, for the light and heavy particles.
    let pearson_series: Vec<Series> = report.cases[..2]
        .iter()
        .zip(COLORS)
        .map(|(case, color)| {
            let o = case.result.spec.oscillator;
            Series {
                label: format!("m = {}", case.mass),
                color,
                theory: dense
                    .iter()
                    .map(|&t| (t, moments::sinusoid_closed_form(&o, protocol, t).pearson()))
                    .collect(),
                sim: case
                    .result
                    .records
                    .iter()
                    .step_by(2)
                    .map(|r| (r.time, r.pearson.value))
                    .collect(),
            }
        })
        .collect();
    files.push(save(dir, "fig1_pearson_vs_time.svg", |root| {
        panel(
            root,
            &format!("Pearson coefficient, Ω = {}", protocol.omega),
            "t",
            "ρ_xv",
            &pearson_series,
        )
    })?);

    // Fig. 2a: peak steady-state correlation against mass, critical damping marked.
    files.push(save(dir, "fig2a_peak_correlation_vs_mass.svg", |root| {
        let peak_max = report
            .peak_correlation
            .iter()
            .flat_map(|c| c.peaks.iter().copied())
            .fold(0.0, f64::max);
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Peak |ρ_xv| in the periodic steady state, Ω = {}",
                    protocol.omega
                ),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((1e-2f64..1e2).log_scale(), 0.0..1.05 * peak_max)?;
        chart
            .configure_mesh()
            .x_desc("m")
            .y_desc("max |ρ_xv|")
            .draw()?;
        for (curve, color) in report.peak_correlation.iter().zip(COLORS) {
            chart
                .draw_series(LineSeries::new(
                    curve
                        .masses
                        .iter()
                        .copied()
                        .zip(curve.peaks.iter().copied()),
                    color.stroke_width(2),
                ))?
                .label(format!(
                    "γ = {} (critical mass {:.3})",
                    curve.gamma, curve.critical_mass
                ))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            chart.draw_series(std::iter::once(Circle::new(
                (curve.critical_mass, curve.peak_at_critical_mass),
                6,
                color.stroke_width(2),
            )))?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        Ok(())
    })?);

    // Fig. 2b: heat map of ρ_xv over (Ω, t).
    files.push(save(dir, "fig2b_pearson_heatmap.svg", |root| {
        let (nw, nt) = (60, 150);
        let (w_lo, w_hi) = (0.1, 5.0);
        let cells: Vec<(f64, f64, f64)> = (0..nw)
            .flat_map(|i| (0..nt).map(move |j| (i, j)))
            .map(|(i, j)| {
                let w = w_lo + (w_hi - w_lo) * (i as f64 + 0.5) / nw as f64;
                let t = t_max * (j as f64 + 0.5) / nt as f64;
                let p = Sinusoid {
                    omega: w,
                    ..*protocol
                };
                (w, t, moments::sinusoid_closed_form(osc, &p, t).pearson())
            })
            .collect();
        let scale = cells.iter().fold(1e-12, |m: f64, c| m.max(c.2.abs()));
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "ρ_xv(Ω, t), m = {} (blue < 0 < red, |ρ| ≤ {scale:.3})",
                    osc.mass
                ),
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(w_lo..w_hi, 0.0..t_max)?;
        chart
            .configure_mesh()
            .x_desc("Ω")
            .y_desc("t")
            .disable_mesh()
            .draw()?;
        let (dw, dt) = ((w_hi - w_lo) / nw as f64, t_max / nt as f64);
        chart.draw_series(cells.iter().map(|&(w, t, rho)| {
            let a = (rho / scale).clamp(-1.0, 1.0);
            let fade = |c: f64| (255.0 * (1.0 - a.abs()) + c * a.abs()) as u8;
            let color = if a >= 0.0 {
                RGBColor(255, fade(0.0), fade(0.0))
            } else {
                RGBColor(fade(0.0), fade(0.0), 255)
            };
            Rectangle::new(
                [(w - 0.5 * dw, t - 0.5 * dt), (w + 0.5 * dw, t + 0.5 * dt)],
                color.filled(),
            )
        }))?;
        Ok(())
    })?);

    // Fig. 3: P(Q, t) on a log scale.
    if !report.distributions.is_empty() {
        files.push(save(dir, "fig3_heat_distribution.svg", |root| {
            let positive = report
                .distributions
                .iter()
                .flat_map(|d| d.theory_density.iter().chain(&d.simulated_density))
                .copied()
                .filter(|&p| p > 0.0);
            let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(a, b), p| (a.min(p), b.max(p)));
            let q_range = padded(
                report
                    .distributions
                    .iter()
                    .flat_map(|d| d.q.iter().copied()),
            );
            let mut chart = ChartBuilder::on(root)
                .caption(
                    format!(
                        "Heat distribution P(Q, t), m = {}, Ω = {}",
                        osc.mass, protocol.omega
                    ),
                    ("sans-serif", 18),
                )
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(70)
                .build_cartesian_2d(q_range, (lo.max(hi * 1e-7)..2.0 * hi).log_scale())?;
            chart
                .configure_mesh()
                .x_desc("Q")
                .y_desc("P(Q)")
                .y_label_formatter(&|p| format!("{p:.0e}"))
                .draw()?;
            for (d, color) in report.distributions.iter().zip(COLORS) {
                let floor = lo.max(hi * 1e-7);
                chart
                    .draw_series(LineSeries::new(
                        d.q.iter()
                            .copied()
                            .zip(d.theory_density.iter().map(|&p| p.max(floor))),
                        color.stroke_width(2),
                    ))?
                    .label(format!("t = {}", d.time))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                chart.draw_series(
                    d.q.iter()
                        .zip(&d.simulated_density)
                        .filter(|(_, &p)| p > 0.0)
                        .map(|(&q, &p)| Circle::new((q, p), 3, color.filled())),
                )?;
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()?;
            Ok(())
        })?);
    }

    // Fig. 4: ⟨Q(t)⟩ for Ω = 1 and 5, light and heavy particle side by side.
    files.push(save(dir, "fig4_mean_heat.svg", |root| {
        let halves = root.split_evenly((1, 2));
        for (half, mass_cases) in halves.iter().zip(report.cases[2..].chunks(2)) {
            let series: Vec<Series> = mass_cases
                .iter()
                .zip(COLORS)
                .map(|(case, color)| {
                    let o = case.result.spec.oscillator;
                    let p = Sinusoid {
                        omega: case.omega,
                        ..*protocol
                    };
                    let initial = moments::equilibrium(&o, p.mean);
                    Series {
                        label: format!("Ω = {}", case.omega),
                        color,
                        theory: dense
                            .iter()
                            .map(|&t| {
                                (
                                    t,
                                    moments::mean_heat(
                                        &o,
                                        &initial,
                                        &moments::sinusoid_closed_form(&o, &p, t),
                                    ),
                                )
                            })
                            .collect(),
                        sim: case
                            .result
                            .records
                            .iter()
                            .step_by(2)
                            .map(|r| (r.time, r.heat_mean.value))
                            .collect(),
                    }
                })
                .collect();
            panel(
                half,
                &format!("Mean heat, m = {}", mass_cases[0].mass),
                "t",
                "⟨Q⟩",
                &series,
            )?;
        }
        Ok(())
    })?);

    // Fig. 5: standard deviation, skewness and excess kurtosis of Q against time.
    files.push(save(dir, "fig5_heat_cumulants.svg", |root| {
        let thirds = root.split_evenly((1, 3));
        let pick: [CumulantPanel; 3] = [
            ("σ_Q", |r| r.heat_std_dev.value, |t| t.heat.std_dev),
            ("skewness", |r| r.heat_skewness.value, |t| t.heat.skewness),
            (
                "excess kurtosis",
                |r| r.heat_excess_kurtosis.value,
                |t| t.heat.excess_kurtosis,
            ),
        ];
        for (area, (name, sim, theory)) in thirds.iter().zip(pick) {
            let series: Vec<Series> = report.cases[..2]
                .iter()
                .zip(COLORS)
                .map(|(case, color)| Series {
                    label: format!("m = {}", case.mass),
                    color,
                    theory: case
                        .theory
                        .iter()
                        .skip(1)
                        .map(|t| (t.time, theory(t)))
                        .collect(),
                    sim: case
                        .result
                        .records
                        .iter()
                        .skip(1)
                        .step_by(4)
                        .map(|r| (r.time, sim(r)))
                        .collect(),
                })
                .collect();
            panel(area, name, "t", name, &series)?;
        }
        Ok(())
    })?);
    Ok(files)
}
