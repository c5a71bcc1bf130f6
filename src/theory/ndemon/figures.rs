//! SVG figures of an N-demon sweep (seed 001, Fig. 2): COP and power against T_c/T_h with the bound
//! T_c/(T_h − T_c) and the ε4 → ε3 limit T_c/(3T_h − T_c).

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use plotters::prelude::*;

use super::four_resonance::NDemonParams;
use super::sweep::{Sweep, SweepPoint};

const PALETTE: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// Consecutive runs of points where `value` exists, so unphysical gaps are not bridged by a line.
fn runs(
    points: &[&SweepPoint],
    value: impl Fn(&SweepPoint) -> Option<f64>,
) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for pt in points {
        match value(pt) {
            Some(v) => out
                .last_mut()
                .expect("never empty")
                .push((pt.tc_over_th, v)),
            None => {
                if !out.last().expect("never empty").is_empty() {
                    out.push(Vec::new());
                }
            }
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

type Extract = fn(&SweepPoint) -> Option<f64>;

fn plot(
    sweep: &Sweep,
    path: &Path,
    y_label: &str,
    paper: Extract,
    optimised: Extract,
    with_bounds: bool,
    headroom: f64,
) -> Result<()> {
    let per_eps4: Vec<(f64, Vec<&SweepPoint>)> = sweep
        .config
        .eps4
        .iter()
        .map(|&e| (e, sweep.points.iter().filter(|p| p.eps4 == e).collect()))
        .collect();
    let dense: Vec<f64> = (1..400).map(|k| k as f64 / 400.0).collect();
    let limit = |r: f64| NDemonParams::paper(r, f64::NAN).limit_cop();
    let bound = |r: f64| NDemonParams::paper(r, f64::NAN).carnot_cop();
    let mut y_max = sweep
        .points
        .iter()
        .filter_map(|p| paper(p).into_iter().chain(optimised(p)).reduce(f64::max))
        .fold(0.0, f64::max);
    if with_bounds {
        y_max = y_max.max(limit(1.0));
    }
    // Head room above the data for the legend box in the upper left corner.
    let y_max = if y_max > 0.0 { headroom * y_max } else { 1.0 };

    let root = SVGBackend::new(path, (900, 640)).into_drawing_area();
    let err = |e: DrawingAreaErrorKind<_>| anyhow!("drawing {}: {e:?}", path.display());
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(&root)
        .margin(15)
        .caption(
            format!("N-demon (seed 001): {y_label} vs T_c/T_h"),
            ("sans-serif", 22),
        )
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..1.0, 0.0..y_max)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("T_c / T_h")
        .y_desc(y_label)
        .draw()
        .map_err(err)?;
    if with_bounds {
        let clipped: Vec<(f64, f64)> = dense
            .iter()
            .map(|&r| (r, bound(r)))
            .filter(|&(_, v)| v <= y_max)
            .collect();
        chart
            .draw_series(LineSeries::new(clipped, BLACK.stroke_width(2)))
            .map_err(err)?
            .label("bound T_c/(T_h − T_c)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.stroke_width(2)));
        chart
            .draw_series(DashedLineSeries::new(
                dense.iter().map(|&r| (r, limit(r))),
                6,
                4,
                BLACK.into(),
            ))
            .map_err(err)?
            .label("ε4 → ε3 limit T_c/(3T_h − T_c)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    }
    for (k, (eps4, pts)) in per_eps4.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        for (j, run) in runs(pts, paper).into_iter().enumerate() {
            let s = chart
                .draw_series(LineSeries::new(run, colour.stroke_width(2)))
                .map_err(err)?;
            if j == 0 {
                s.label(format!("ε4 = {eps4}, paper f_l(ε4)"))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                    });
            }
        }
        for (j, run) in runs(pts, optimised).into_iter().enumerate() {
            let s = chart
                .draw_series(DashedLineSeries::new(run, 3, 3, colour.into()))
                .map_err(err)?;
            if j == 0 {
                s.label(format!("ε4 = {eps4}, f_l(ε4) maximising COP × power"))
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour));
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(err)?;
    root.present().map_err(err)?;
    Ok(())
}

/// Writes `ndemon_cop.svg` and `ndemon_power.svg` into `dir` and returns their paths.
pub fn write_figures(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>> {
    let cop = dir.join("ndemon_cop.svg");
    let power = dir.join("ndemon_power.svg");
    plot(
        sweep,
        &cop,
        "COP",
        |p| p.paper.as_ref().map(|c| c.cop),
        |p| Some(p.free.max_cop_times_power.cop),
        true,
        1.15,
    )?;
    plot(
        sweep,
        &power,
        "power ε̇_h (k_B T_h Γ/h)",
        |p| p.paper.as_ref().map(|c| c.power),
        |p| Some(p.free.max_cop_times_power.power),
        false,
        1.6,
    )?;
    Ok(vec![cop, power])
}
