//! Drawing a planned panel with plotters: the chart with the axis's own ticks and labels, series
//! by their marks (lines broken where they leave the axes, capped error bars clipped at the edge with
//! an arrowhead, triangles on the edge for values off the axis), heat maps and their colour bars.

use super::axis::{Axis, AxisSpec, Scale};
use super::figure::{Dash, HeatMap, Mark, Pt, Series, BAND_ALPHA, POINT_RADIUS};
use super::plan::{place, Place};
use super::{plotters_size, px, LABEL_PT, TICK_PT};
use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Half width of an error-bar cap, px.
const CAP: i32 = 6;

pub(super) fn pe<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing figure: {e:?}")
}

pub(super) fn font(pt: f64) -> TextStyle<'static> {
    ("sans-serif", plotters_size(pt)).into_font().color(&BLACK)
}

/// Width of the y-axis label area: the widest tick label and the rotated axis title.
fn y_label_area(axis: &Axis) -> u32 {
    let widest = axis
        .labels
        .iter()
        .map(|l| super::text_width(l, TICK_PT))
        .fold(0.0, f64::max);
    (widest + 1.6 * px(LABEL_PT) + 30.0) as u32
}

pub(super) const COLOUR_BAR_WIDTH: u32 = 220;

/// A coordinate in drawing units (the value, or its log10) whose ticks are the axis's own: bold
/// where labelled, light at the minor ticks.
pub(super) struct Ticked {
    lo: f64,
    hi: f64,
    bold: Vec<f64>,
    light: Vec<f64>,
}

impl Ticked {
    fn of(a: &Axis) -> Ticked {
        let (lo, hi) = a.draw_range();
        Ticked {
            lo,
            hi,
            bold: a.ticks.iter().filter_map(|t| a.to_draw(*t)).collect(),
            light: a.minor.iter().filter_map(|t| a.to_draw(*t)).collect(),
        }
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        limit.0 + ((limit.1 - limit.0) as f64 * t + 1e-3).floor() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

pub(super) type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked, Ticked>>;

/// Diverging colour of t ∈ [−1, 1]: blue below zero, vermillion above, white at zero.
pub fn diverging(t: f64) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let end = if t < 0.0 {
        super::BLUE
    } else {
        super::VERMILLION
    };
    let mix = |c: u8| (255.0 + (c as f64 - 255.0) * t.abs()).round() as u8;
    RGBColor(mix(end.0), mix(end.1), mix(end.2))
}

pub(super) fn build_chart<'a, 'b>(
    area: &'a DrawingArea<SVGBackend<'b>, Shift>,
    title: &str,
    x: &Axis,
    y: &Axis,
) -> Result<Chart<'a, 'b>> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_top(6)
        .margin_left(6)
        .margin_bottom(6)
        .margin_right(36)
        .x_label_area_size((2.9 * px(TICK_PT)) as u32 + 14)
        .y_label_area_size(y_label_area(y));
    if !title.is_empty() {
        builder.caption(title, font(LABEL_PT));
    }
    let mut chart = builder
        .build_cartesian_2d(Ticked::of(x), Ticked::of(y))
        .map_err(pe)?;
    let xl = |u: &f64| x.label_at(*u);
    let yl = |u: &f64| y.label_at(*u);
    chart
        .configure_mesh()
        .x_desc(x.title.as_str())
        .y_desc(y.title.as_str())
        .x_label_formatter(&xl)
        .y_label_formatter(&yl)
        .label_style(font(TICK_PT))
        .axis_desc_style(font(LABEL_PT))
        .bold_line_style(BLACK.mix(0.10))
        .light_line_style(BLACK.mix(0.04))
        .axis_style(BLACK.stroke_width(2))
        .draw()
        .map_err(pe)?;
    Ok(chart)
}

/// Splits a curve into the runs that lie inside the axes, ending each run on the axis edge where the
/// curve leaves (interpolated in drawing coordinates) so that nothing is joined across a gap.
fn inside_runs(x: &Axis, y: &Axis, pts: &[Pt]) -> Vec<Vec<(f64, f64)>> {
    let (ylo, yhi) = y.draw_range();
    let (xlo, xhi) = x.draw_range();
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    let mut prev: Option<(f64, f64)> = None;
    for p in pts {
        let d = match (x.to_draw(p.x), y.to_draw(p.y)) {
            (Some(a), Some(b)) if a >= xlo && a <= xhi => Some((a, b)),
            _ => None,
        };
        let inside = |q: (f64, f64)| q.1 >= ylo && q.1 <= yhi;
        let edge = |a: (f64, f64), b: (f64, f64)| {
            let target = if b.1 > yhi { yhi } else { ylo };
            let t = (target - a.1) / (b.1 - a.1);
            (a.0 + t * (b.0 - a.0), target)
        };
        match (prev, d) {
            (_, None) => {
                if !runs.last().expect("never empty").is_empty() {
                    runs.push(Vec::new());
                }
            }
            (Some(a), Some(b)) if inside(a) != inside(b) => {
                let run = runs.last_mut().expect("never empty");
                if inside(b) {
                    run.push(edge(b, a));
                    run.push(b);
                } else {
                    run.push(edge(a, b));
                    runs.push(Vec::new());
                }
            }
            (_, Some(b)) => {
                if inside(b) {
                    runs.last_mut().expect("never empty").push(b);
                }
            }
        }
        prev = d;
    }
    runs.retain(|r| r.len() > 1);
    runs
}

pub(super) fn draw_series(chart: &mut Chart, x: &Axis, y: &Axis, s: &Series) -> Result<()> {
    match s.mark {
        Mark::Line {
            colour,
            dash,
            width,
        } => draw_lines(chart, x, y, &s.points, colour, dash, width),
        Mark::Band { colour } => draw_band(chart, x, y, &s.points, colour),
        Mark::Bars { colour } => draw_bars(chart, x, y, &s.points, colour),
        Mark::Points { colour, filled } => {
            let style = if filled {
                colour.filled()
            } else {
                colour.stroke_width(2)
            };
            for p in &s.points {
                let Some(cx) = x.to_draw(p.x).filter(|_| place(x, p.x) == Place::Inside) else {
                    continue;
                };
                if !p.y.is_finite() {
                    continue;
                }
                let at = place(y, p.y);
                if let (Some(e), Place::Inside) = (p.err, at) {
                    draw_error_bar(chart, y, cx, p.y, e, colour)?;
                }
                draw_point(chart, y, cx, p.y, at, colour, style)?;
            }
            Ok(())
        }
    }
}

/// A line through the points, broken where it leaves the panel, solid or dashed.
fn draw_lines(
    chart: &mut Chart,
    x: &Axis,
    y: &Axis,
    points: &[Pt],
    colour: RGBColor,
    dash: Dash,
    width: u32,
) -> Result<()> {
    let style = colour.stroke_width(width);
    for run in inside_runs(x, y, points) {
        match dash {
            Dash::Solid => {
                chart.draw_series(LineSeries::new(run, style)).map_err(pe)?;
            }
            _ => {
                let (on, off) = dash.pattern();
                chart
                    .draw_series(DashedLineSeries::new(run, on as u32, off as u32, style))
                    .map_err(pe)?;
            }
        }
    }
    Ok(())
}

/// The shaded x interval from the first to the last drawable point, the full height of the panel.
fn draw_band(chart: &mut Chart, x: &Axis, y: &Axis, points: &[Pt], colour: RGBColor) -> Result<()> {
    let (ylo, yhi) = y.draw_range();
    let xs: Vec<f64> = points.iter().filter_map(|p| x.to_draw(p.x)).collect();
    if let (Some(a), Some(b)) = (xs.first(), xs.last()) {
        let (xlo, xhi) = x.draw_range();
        chart
            .draw_series([Rectangle::new(
                [(a.max(xlo), ylo), (b.min(xhi), yhi)],
                colour.mix(BAND_ALPHA).filled(),
            )])
            .map_err(pe)?;
    }
    Ok(())
}

/// Histogram bars as wide as the narrowest spacing of the points, from zero (or the bottom of a log axis).
fn draw_bars(chart: &mut Chart, x: &Axis, y: &Axis, points: &[Pt], colour: RGBColor) -> Result<()> {
    let (ylo, yhi) = y.draw_range();
    let width = points
        .windows(2)
        .map(|w| (w[1].x - w[0].x).abs())
        .fold(f64::INFINITY, f64::min);
    let base = if y.scale == Scale::Log { ylo } else { 0.0 };
    chart
        .draw_series(points.iter().filter_map(|p| {
            let top = y.to_draw(p.y).filter(|v| *v >= ylo)?.min(yhi);
            let (a, b) = (x.to_draw(p.x - 0.5 * width)?, x.to_draw(p.x + 0.5 * width)?);
            Some(Rectangle::new(
                [(a, base.max(ylo)), (b, top)],
                colour.mix(0.45).filled(),
            ))
        }))
        .map_err(pe)?;
    Ok(())
}

/// The error bar `value` ± `err` at draw x `cx`, clipped to the panel: a cap at each end inside it, an
/// arrowhead on the edge where the bar goes on beyond the axis.
fn draw_error_bar(
    chart: &mut Chart,
    y: &Axis,
    cx: f64,
    value: f64,
    err: f64,
    colour: RGBColor,
) -> Result<()> {
    let (ylo, yhi) = y.draw_range();
    let bar = colour.stroke_width(2);
    let lo = place(y, value - err);
    let hi = place(y, value + err);
    let a = y
        .to_draw(value - err)
        .filter(|_| lo == Place::Inside)
        .unwrap_or(ylo);
    let b = y
        .to_draw(value + err)
        .filter(|_| hi == Place::Inside)
        .unwrap_or(yhi);
    chart
        .draw_series([PathElement::new(vec![(cx, a), (cx, b)], bar)])
        .map_err(pe)?;
    for (end, inside, down) in [(a, lo, true), (b, hi, false)] {
        if inside == Place::Inside {
            chart
                .draw_series([
                    EmptyElement::at((cx, end)) + PathElement::new(vec![(-CAP, 0), (CAP, 0)], bar)
                ])
                .map_err(pe)?;
        } else {
            // The bar goes on beyond the axis: a small arrowhead on the edge says so.
            let s = if down { 1 } else { -1 };
            chart
                .draw_series([EmptyElement::at((cx, end))
                    + Polygon::new(vec![(-6, -9 * s), (6, -9 * s), (0, 2 * s)], colour.filled())])
                .map_err(pe)?;
        }
    }
    Ok(())
}

/// The point's circle where `at` is inside the panel, else an open arrowhead on the edge it lies beyond.
fn draw_point(
    chart: &mut Chart,
    y: &Axis,
    cx: f64,
    value: f64,
    at: Place,
    colour: RGBColor,
    style: ShapeStyle,
) -> Result<()> {
    let (ylo, yhi) = y.draw_range();
    match at {
        Place::Inside => {
            let cy = y.to_draw(value).expect("inside");
            chart
                .draw_series([Circle::new((cx, cy), POINT_RADIUS, style)])
                .map_err(pe)?;
        }
        Place::Below | Place::Above => {
            let (edge, s) = if at == Place::Below {
                (ylo, 1)
            } else {
                (yhi, -1)
            };
            chart
                .draw_series([EmptyElement::at((cx, edge))
                    + Polygon::new(
                        vec![(-9, -16 * s), (9, -16 * s), (0, -2 * s)],
                        colour.stroke_width(2),
                    )])
                .map_err(pe)?;
        }
    }
    Ok(())
}

pub(super) fn draw_heat(
    chart: &mut Chart,
    x: &Axis,
    y: &Axis,
    h: &HeatMap,
    scale: f64,
) -> Result<()> {
    chart
        .draw_series(h.cells.iter().filter_map(|&(cx, cy, z)| {
            let a = (
                x.to_draw(cx - 0.5 * h.size.0)?,
                y.to_draw(cy - 0.5 * h.size.1)?,
            );
            let b = (
                x.to_draw(cx + 0.5 * h.size.0)?,
                y.to_draw(cy + 0.5 * h.size.1)?,
            );
            Some(Rectangle::new([a, b], diverging(z / scale).filled()))
        }))
        .map_err(pe)?;
    Ok(())
}

/// The colour bar of a heat map: the colour scale over ±`scale` with its ticks and the quantity.
pub(super) fn draw_colour_bar(
    area: &DrawingArea<SVGBackend, Shift>,
    quantity: &str,
    scale: f64,
) -> Result<()> {
    let spec = AxisSpec::linear(quantity, None);
    let axis = Axis::new(&spec, -scale, scale);
    let mut chart = ChartBuilder::on(area)
        .margin_top(60)
        .margin_bottom((2.9 * px(TICK_PT)) as u32 + 20)
        .margin_left(10)
        .margin_right((1.3 * px(LABEL_PT)) as u32)
        .set_label_area_size(LabelAreaPosition::Right, 120)
        .build_cartesian_2d(
            Ticked {
                lo: 0.0,
                hi: 1.0,
                bold: Vec::new(),
                light: Vec::new(),
            },
            Ticked::of(&axis),
        )
        .map_err(pe)?;
    let yl = |u: &f64| axis.label_at(*u);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .y_label_formatter(&yl)
        .y_desc(axis.title.as_str())
        .label_style(font(TICK_PT))
        .axis_desc_style(font(LABEL_PT))
        .draw()
        .map_err(pe)?;
    let n = 100;
    chart
        .draw_series((0..n).map(|i| {
            let a = axis.lo + (axis.hi - axis.lo) * i as f64 / n as f64;
            let b = axis.lo + (axis.hi - axis.lo) * (i + 1) as f64 / n as f64;
            Rectangle::new(
                [(0.0, a), (1.0, b)],
                diverging(0.5 * (a + b) / scale).filled(),
            )
        }))
        .map_err(pe)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn axis(scale: Scale, lo: f64, hi: f64) -> Axis {
        let spec = AxisSpec {
            scale,
            ..AxisSpec::linear("y", None)
        };
        Axis::new(&spec, lo, hi)
    }

    #[test]
    fn a_curve_leaving_the_axis_is_broken_not_joined() {
        let x = axis(Scale::Linear, 0.0, 4.0);
        let y = axis(Scale::Log, 0.1, 10.0);
        // Inside, far above, inside again: two runs, each ending on the top edge.
        let pts: Vec<Pt> = [(0.0, 1.0), (1.0, 2.0), (2.0, 1e6), (3.0, 2.0), (4.0, 1.0)]
            .iter()
            .map(|&(a, b)| Pt::new(a, b))
            .collect();
        let runs = inside_runs(&x, &y, &pts);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert!((runs[0].last().unwrap().1 - 1.0).abs() < 1e-12);
        assert!((runs[1][0].1 - 1.0).abs() < 1e-12);
        // A non-finite or non-positive value breaks the curve too.
        let pts = [
            Pt::new(0.0, 1.0),
            Pt::new(1.0, 1.0),
            Pt::new(2.0, -1.0),
            Pt::new(3.0, 1.0),
            Pt::new(4.0, 1.0),
        ];
        assert_eq!(inside_runs(&x, &y, &pts).len(), 2);
    }
}
