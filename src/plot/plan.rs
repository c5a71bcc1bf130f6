//! Where each value of a panel goes before anything is drawn: the axes' ranges, how each value is
//! drawn (circle, triangle on an edge, line vertex or gap, bar) and the notes saying which values are
//! not drawn as plain points — so that the canvas can be sized for the notes, and the CSV says what
//! the SVG shows.

use super::axis::{Axis, AxisSpec, Scale};
use super::data::DataRow;
use super::figure::{Mark, Panel, Pt};

/// A panel's axes, how each value is drawn, and the notes this produces.
pub(super) struct Plan {
    pub x: Axis,
    pub y: Axis,
    pub rows: Vec<DataRow>,
    pub notes: Vec<String>,
}

/// Where a value lands relative to an axis.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Place {
    Below,
    Inside,
    Above,
}

pub(super) fn place(axis: &Axis, v: f64) -> Place {
    match axis.to_draw(v) {
        None => Place::Below,
        Some(d) => {
            let (lo, hi) = axis.draw_range();
            if d < lo - 1e-12 * (hi - lo) {
                Place::Below
            } else if d > hi + 1e-12 * (hi - lo) {
                Place::Above
            } else {
                Place::Inside
            }
        }
    }
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

/// The automatic range of an axis: all finite values, padded; on a log axis the positive ones, with
/// the theory limited to two decades around the simulation values (theory may diverge).
fn auto_range(spec: &AxisSpec, sim: &[f64], other: &[f64]) -> (f64, f64) {
    if let Some(r) = spec.range {
        return r;
    }
    match spec.scale {
        Scale::Linear => {
            let (lo, hi) = bounds(sim.iter().chain(other).copied()).unwrap_or((0.0, 1.0));
            let size = hi.abs().max(lo.abs());
            // A single value gets a range around it.
            let pad = if hi - lo > 1e-9 * size {
                0.06 * (hi - lo)
            } else if size > 0.0 {
                0.5 * size
            } else {
                0.5
            };
            (lo - pad, hi + pad)
        }
        Scale::Log => {
            let pos = |v: &&f64| **v > 0.0;
            let data = bounds(sim.iter().filter(pos).copied());
            let (lo, hi) = match data {
                Some((a, b)) => {
                    let near = other
                        .iter()
                        .filter(pos)
                        .copied()
                        .filter(|v| *v > a / 100.0 && *v < b * 100.0);
                    bounds(near.chain([a, b])).expect("not empty")
                }
                None => bounds(other.iter().filter(pos).copied()).unwrap_or((0.1, 1.0)),
            };
            (lo / 1.6, hi * 1.6)
        }
    }
}

/// Values that set the range of each axis: (x, simulation y with error-bar ends, other y).
fn range_values(panel: &Panel) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut xs, mut sim, mut other) = (Vec::new(), Vec::new(), Vec::new());
    for s in &panel.series {
        for p in &s.points {
            xs.push(p.x);
            match s.mark {
                Mark::Points { .. } => {
                    sim.push(p.y);
                    if let Some(e) = p.err {
                        sim.extend([p.y - e, p.y + e]);
                    }
                }
                Mark::Band { .. } => {}
                Mark::Bars { .. } if panel.y.scale == Scale::Linear => other.extend([0.0, p.y]),
                _ => other.push(p.y),
            }
        }
    }
    if let Some(h) = &panel.heat {
        for c in &h.cells {
            xs.extend([c.0 - 0.5 * h.size.0, c.0 + 0.5 * h.size.0]);
            other.extend([c.1 - 0.5 * h.size.1, c.1 + 0.5 * h.size.1]);
        }
    }
    (xs, sim, other)
}

fn format_value(v: f64) -> String {
    super::axis::scientific(v, 2)
}

/// The panel's axes, one CSV row per drawn value (with how it is drawn), and the notes on what the axes
/// cannot show; `letter` names the panel in the notes and rows.
pub(super) fn plan(panel: &Panel, letter: &str) -> Plan {
    let (xs, sim, other) = range_values(panel);
    let (x0, x1) = auto_range(&panel.x, &[], &xs);
    let (y0, y1) = auto_range(&panel.y, &sim, &other);
    let x = Axis::new(&panel.x, x0, x1);
    let y = Axis::new(&panel.y, y0, y1);
    let (xq, yq) = (panel.x.csv_name(), panel.y.csv_name());
    let mut rows = Vec::new();
    let prefix = if letter.is_empty() {
        String::new()
    } else {
        format!("({letter}) ")
    };
    let mut tally = Tally {
        prefix: &prefix,
        notes: Vec::new(),
        clipped_bars: 0,
    };
    for s in &panel.series {
        let name = s.label.clone().unwrap_or_default();
        for p in &s.points {
            let drawn_as = drawn_as(panel, &x, &y, &s.mark, &name, p, &mut tally);
            rows.push(DataRow {
                panel: letter.to_string(),
                series: name.clone(),
                kind: s.kind.to_string(),
                x_quantity: xq.clone(),
                x: p.x,
                y_quantity: yq.clone(),
                y: p.y,
                y_stderr: p.err,
                z_quantity: String::new(),
                z: None,
                drawn_as,
            });
        }
    }
    let Tally {
        mut notes,
        clipped_bars,
        ..
    } = tally;
    if clipped_bars > 0 {
        notes.push(format!(
            "{prefix}{clipped_bars} error bar(s) reach beyond the axis: drawn to its edge and marked there by a small triangle."
        ));
    }
    if let Some(h) = &panel.heat {
        for &(cx, cy, z) in &h.cells {
            rows.push(DataRow {
                panel: letter.to_string(),
                series: h.quantity.clone(),
                kind: "heat map".into(),
                x_quantity: xq.clone(),
                x: cx,
                y_quantity: yq.clone(),
                y: cy,
                y_stderr: None,
                z_quantity: h.quantity.clone(),
                z: Some(z),
                drawn_as: "cell".into(),
            });
        }
    }
    Plan { x, y, rows, notes }
}

/// The notes a panel's points collect, and how many error bars the axis clips.
struct Tally<'a> {
    /// "(a) " before each note of panel (a), empty for a single panel.
    prefix: &'a str,
    notes: Vec<String>,
    clipped_bars: usize,
}

/// How point `p` of a series drawn with `mark` appears in the panel (the CSV's drawn_as).
fn drawn_as(
    panel: &Panel,
    x: &Axis,
    y: &Axis,
    mark: &Mark,
    name: &str,
    p: &Pt,
    tally: &mut Tally,
) -> String {
    match *mark {
        Mark::Points { filled, .. } => point_drawn_as(panel, x, y, filled, name, p, tally),
        Mark::Line { .. } => {
            if place(x, p.x) == Place::Inside && place(y, p.y) == Place::Inside {
                "line".into()
            } else {
                "gap (outside the axes)".into()
            }
        }
        Mark::Bars { .. } => {
            if place(y, p.y) == Place::Inside {
                "bar".into()
            } else {
                "no bar (empty or outside the axis)".into()
            }
        }
        Mark::Band { .. } => "band edge".into(),
    }
}

/// A point marker: a circle inside the axes, a triangle on the edge it lies beyond (with a note), or
/// omitted (with a note) outside the x axis or not finite; clipped error bars are counted.
fn point_drawn_as(
    panel: &Panel,
    x: &Axis,
    y: &Axis,
    filled: bool,
    name: &str,
    p: &Pt,
    tally: &mut Tally,
) -> String {
    let prefix = tally.prefix;
    let px = place(x, p.x);
    let py = place(y, p.y);
    if px != Place::Inside || !p.y.is_finite() {
        tally.notes.push(format!(
            "{prefix}{name} at {} = {}: not on the axes (value {}).",
            panel.x.quantity,
            format_value(p.x),
            format_value(p.y)
        ));
        "omitted: outside the x axis or not finite".to_string()
    } else {
        if let Some(e) = p.err {
            if py == Place::Inside
                && (place(y, p.y - e) != Place::Inside || place(y, p.y + e) != Place::Inside)
            {
                tally.clipped_bars += 1;
            }
        }
        match py {
            Place::Inside if filled => "circle".to_string(),
            Place::Inside => "open circle".to_string(),
            Place::Below | Place::Above => {
                let edge = if py == Place::Below { "bottom" } else { "top" };
                let why = if panel.y.scale == Scale::Log && p.y <= 0.0 {
                    "≤ 0, which a log axis cannot show"
                } else {
                    "outside the axis"
                };
                let err = p
                    .err
                    .map(|e| format!(" ± {}", format_value(e)))
                    .unwrap_or_default();
                tally.notes.push(format!(
                        "{prefix}{name} at {} = {} is {}{err}, {why}: drawn as a triangle on the {edge} edge.",
                        panel.x.quantity,
                        format_value(p.x),
                        format_value(p.y)
                    ));
                format!("triangle at {edge} edge")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::figure::Series;

    #[test]
    fn log_axis_reports_points_it_cannot_show_and_clipped_bars() {
        let panel = Panel::new(
            "",
            AxisSpec::log("κ_H/κ_C", None),
            AxisSpec::log("v", None).with_range(0.1, 10.0),
            vec![Series::new(
                "sim",
                "simulation",
                Mark::points(crate::plot::BLUE),
                vec![Pt::with_err(1.0, 1.0, 2.0), Pt::with_err(2.0, -0.5, 1.0)],
            )],
        );
        let p = plan(&panel, "");
        assert_eq!(p.rows[0].drawn_as, "circle");
        assert_eq!(p.rows[1].drawn_as, "triangle at bottom edge");
        assert!(p.notes.iter().any(|n| n.contains("≤ 0")), "{:?}", p.notes);
        assert!(
            p.notes.iter().any(|n| n.contains("1 error bar")),
            "{:?}",
            p.notes
        );
    }
}
