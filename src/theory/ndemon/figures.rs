//! Figures of an N-demon sweep (seed 001, Fig. 2) in the project's figure style ([`crate::plot`]),
//! each with the CSV of its curves: COP and power against T_c/T_h, with the bound T_c/(T_h − T_c)
//! and the ε4 → ε3 limit T_c/(3T_h − T_c) (Eq. 24). Where the paper's choice of f_l(ε4) is
//! unphysical the curve has a gap.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::four_resonance::NDemonParams;
use super::sweep::{Sweep, SweepPoint};
use crate::plot::axis::AxisSpec;
use crate::plot::figure::{Dash, Figure, Mark, Panel, Pt, Series};
use crate::plot::{BLACK, PALETTE};

type Extract = fn(&SweepPoint) -> Option<f64>;

fn figure(
    sweep: &Sweep,
    stem: &str,
    y: AxisSpec,
    paper: Extract,
    optimised: Extract,
    with_bounds: bool,
) -> Figure {
    let mut series = Vec::new();
    if with_bounds {
        let dense: Vec<f64> = (1..400).map(|k| k as f64 / 400.0).collect();
        series.push(Series::new(
            "bound T_c/(T_h − T_c)",
            "reference",
            Mark::line(BLACK),
            dense
                .iter()
                .map(|&r| Pt::new(r, NDemonParams::paper(r, f64::NAN).carnot_cop()))
                .collect(),
        ));
        series.push(Series::new(
            "ε4 → ε3 limit T_c/(3T_h − T_c) (Eq. 24)",
            "reference",
            Mark::dashed(BLACK),
            dense
                .iter()
                .map(|&r| Pt::new(r, NDemonParams::paper(r, f64::NAN).limit_cop()))
                .collect(),
        ));
    }
    let mut top = 0.0_f64;
    for (k, &eps4) in sweep.config.eps4.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let pts: Vec<&SweepPoint> = sweep.points.iter().filter(|p| p.eps4 == eps4).collect();
        let curve = |f: Extract| -> Vec<Pt> {
            pts.iter()
                .map(|p| Pt::new(p.tc_over_th, f(p).unwrap_or(f64::NAN)))
                .collect()
        };
        let (a, b) = (curve(paper), curve(optimised));
        top = a
            .iter()
            .chain(&b)
            .map(|p| p.y)
            .filter(|v| v.is_finite())
            .fold(top, f64::max);
        series.push(Series::new(
            &format!("ε4 = {eps4}, paper's f_l(ε4)"),
            "theory",
            Mark::line(colour),
            a,
        ));
        series.push(Series::new(
            &format!("ε4 = {eps4}, f_l(ε4) maximising COP × power"),
            "theory",
            Mark::Line {
                colour,
                dash: Dash::Dotted,
                width: 3,
            },
            b,
        ));
    }
    if with_bounds {
        top = top.max(NDemonParams::paper(1.0, f64::NAN).limit_cop());
    }
    let top = if top > 0.0 { 1.1 * top } else { 1.0 };
    Figure {
        stem: stem.into(),
        title: format!(
            "N-demon heat pump (seed 001): {} against T_c/T_h",
            y.quantity
        ),
        statement: "Theory only (lines). Energies in units of k_B T_h; rates in units of Γ/h."
            .into(),
        double_column: false,
        columns: 1,
        panel_height: 560,
        panels: vec![Panel::new(
            "",
            AxisSpec::linear("T_c/T_h", None).with_range(0.0, 1.0),
            y.with_range(0.0, top),
            series,
        )],
        notes: Vec::new(),
    }
}

/// Writes `ndemon_cop.svg` and `ndemon_power.svg`, each with its CSV, into `dir` and returns the SVG
/// paths.
pub fn write_figures(sweep: &Sweep, dir: &Path) -> Result<Vec<PathBuf>> {
    let cop = figure(
        sweep,
        "ndemon_cop",
        AxisSpec::linear("COP", None),
        |p| p.paper.as_ref().map(|c| c.cop),
        |p| Some(p.free.max_cop_times_power.cop),
        true,
    );
    let power = figure(
        sweep,
        "ndemon_power",
        AxisSpec::linear("power ε̇_h", Some("k_B T_h Γ/h")),
        |p| p.paper.as_ref().map(|c| c.power),
        |p| Some(p.free.max_cop_times_power.power),
        false,
    );
    Ok(vec![cop.render(dir)?.svg, power.render(dir)?.svg])
}
