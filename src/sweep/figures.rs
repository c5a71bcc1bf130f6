//! The κ-axis figures of a collected sweep (seed 000, Figs. 3–6 style): each quantity against κ_H/κ_C, one
//! marker per point (replicas side by side), error bars where the table has a `<column>_err` column.

use super::collect::SweepTable;
use anyhow::{anyhow, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// (file stem, title, y axis, columns drawn)
const FIGURES: [(&str, &str, &str, &[&str]); 4] = [
    (
        "heat_rates",
        "Heat rates (Q > 0: into the bath)",
        "eV/ps",
        &["heat_cold_ev_per_ps", "heat_hot_ev_per_ps"],
    ),
    (
        "power",
        "Input power of the demon",
        "eV/ps",
        &[
            "power_ev_per_ps",
            "work_cold_ev_per_ps",
            "work_hot_ev_per_ps",
        ],
    ),
    (
        "entropy_production",
        "Entropy production rate",
        "k_B/ps",
        &["entropy_production_kb_per_ps"],
    ),
    ("cop", "COP = -Q_C / (W_C + W_H)", "COP", &["cop"]),
];

const COLOURS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// Writes the figures into `dir` when the sweep varies κ_H/κ_C over at least two values; returns their paths.
pub fn kappa_figures(table: &SweepTable, dir: &Path) -> Result<Vec<PathBuf>> {
    let Some(ratio) = table.column("kappa_ratio") else {
        return Ok(Vec::new());
    };
    let mut distinct: Vec<f64> = ratio.iter().copied().filter(|r| r.is_finite()).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    if distinct.len() < 2 {
        return Ok(Vec::new());
    }
    // Seed 000 varies the ratio over decades: a log axis when every ratio is positive and they span one.
    let log = distinct[0] > 0.0 && distinct[distinct.len() - 1] / distinct[0] >= 10.0;
    let x: Vec<f64> = ratio
        .iter()
        .map(|&r| if log { r.log10() } else { r })
        .collect();
    let x_desc = if log {
        "log10(kappa_H / kappa_C)"
    } else {
        "kappa_H / kappa_C"
    };
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    for (stem, title, y_desc, cols) in FIGURES {
        let series: Vec<Series> = cols
            .iter()
            .filter_map(|c| {
                table.column(c).map(|v| {
                    (
                        *c,
                        v,
                        table.column(&format!("{c}_err")),
                        table.column(&format!("{c}_theory")),
                    )
                })
            })
            .collect();
        if series.is_empty() {
            continue;
        }
        let path = dir.join(format!("kappa_{stem}.svg"));
        {
            let area = SVGBackend::new(&path, (900, 620)).into_drawing_area();
            draw(&area, title, x_desc, y_desc, &x, &series)
                .map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
        }
        out.push(path);
    }
    Ok(out)
}

/// (column, measured, standard error, theory)
type Series<'a> = (&'a str, Vec<f64>, Option<Vec<f64>>, Option<Vec<f64>>);

fn draw(
    area: &DrawingArea<SVGBackend, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    x: &[f64],
    series: &[Series],
) -> Result<(), Box<dyn std::error::Error>> {
    let finite = |v: &f64| v.is_finite();
    let (xmin, xmax) = bounds(x.iter().copied().filter(finite));
    let ys = series.iter().flat_map(|(_, y, e, t)| {
        y.iter().enumerate().flat_map(move |(i, v)| {
            let err = e.as_ref().map_or(0.0, |e| e[i]);
            [v - err, v + err, t.as_ref().map_or(*v, |t| t[i])]
        })
    });
    let (ymin, ymax) = bounds(ys.filter(finite));
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(15)
        .caption(title, ("sans-serif", 22))
        .x_label_area_size(45)
        .y_label_area_size(80)
        .build_cartesian_2d(xmin..xmax, ymin..ymax)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()?;
    for (k, (name, y, err, theory)) in series.iter().enumerate() {
        let colour = COLOURS[k % COLOURS.len()];
        let pts: Vec<(f64, f64)> = x
            .iter()
            .zip(y)
            .map(|(&a, &b)| (a, b))
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .collect();
        chart
            .draw_series(pts.iter().map(|&p| Circle::new(p, 4, colour.filled())))?
            .label(*name)
            .legend(move |(a, b)| Circle::new((a + 10, b), 4, colour.filled()));
        if let Some(theory) = theory {
            let mut line: Vec<(f64, f64)> = x
                .iter()
                .zip(theory)
                .map(|(&a, &b)| (a, b))
                .filter(|(a, b)| a.is_finite() && b.is_finite())
                .collect();
            line.sort_by(|p, q| p.0.total_cmp(&q.0));
            line.dedup_by(|p, q| p.0 == q.0);
            chart
                .draw_series(LineSeries::new(line, colour.stroke_width(2)))?
                .label(format!("{name} (theory)"))
                .legend(move |(a, b)| {
                    PathElement::new(vec![(a, b), (a + 20, b)], colour.stroke_width(2))
                });
        }
        if let Some(err) = err {
            chart.draw_series(
                x.iter()
                    .zip(y)
                    .zip(err)
                    .filter(|((a, b), e)| a.is_finite() && b.is_finite() && e.is_finite())
                    .map(|((&a, &b), &e)| PathElement::new(vec![(a, b - e), (a, b + e)], colour)),
            )?;
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()?;
    area.present()?;
    Ok(())
}

/// The range of the values with 5% padding (a unit range around a single value).
fn bounds(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
        (l.min(x), h.max(x))
    });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = if hi > lo {
        0.05 * (hi - lo)
    } else {
        0.5 * lo.abs().max(1.0)
    };
    (lo - pad, hi + pad)
}
