//! A figure as data — panels of series, each with the mark it is drawn with — and the one renderer
//! of the project: print-sized fonts, ticks from [`super::axis`], simulation points with capped
//! ±1 standard-error bars (clipped at the axis edge with a marker, never dropped), values a log
//! axis cannot show drawn as triangles at its edge and listed in the notes, theory lines broken
//! where they leave the axes, a legend strip under the panels, and the CSV of everything drawn.

use super::axis::{Axis, AxisSpec, Scale};
use super::data::{write_csv, DataRow};
use super::legend::{self, Entry};
use super::{
    plotters_size, px, wrap, DOUBLE_COLUMN_PX, LABEL_PT, SINGLE_COLUMN_PX, TICK_PT, TITLE_PT,
};
use anyhow::{anyhow, Context, Result};
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Radius of a simulation point, px.
pub const POINT_RADIUS: i32 = 6;
/// Opacity of a shaded band.
pub const BAND_ALPHA: f64 = 0.12;
/// Half width of an error-bar cap, px.
const CAP: i32 = 6;

/// Line pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    Solid,
    Dashed,
    Dotted,
}

impl Dash {
    /// (on, off) lengths in px.
    pub fn pattern(self) -> (i32, i32) {
        match self {
            Dash::Solid => (i32::MAX / 2, 0),
            Dash::Dashed => (12, 7),
            Dash::Dotted => (3, 5),
        }
    }
}

/// How a series is drawn.
#[derive(Clone, Copy, Debug)]
pub enum Mark {
    Line {
        colour: RGBColor,
        dash: Dash,
        width: u32,
    },
    /// Points (circles), with error bars where the values have errors.
    Points { colour: RGBColor, filled: bool },
    /// Histogram bars `width` wide in x.
    Bars { colour: RGBColor },
    /// A shaded x interval (the first and last x of the series), the full height of the panel.
    Band { colour: RGBColor },
}

impl Mark {
    pub fn line(colour: RGBColor) -> Mark {
        Mark::Line {
            colour,
            dash: Dash::Solid,
            width: 3,
        }
    }
    pub fn dashed(colour: RGBColor) -> Mark {
        Mark::Line {
            colour,
            dash: Dash::Dashed,
            width: 2,
        }
    }
    pub fn points(colour: RGBColor) -> Mark {
        Mark::Points {
            colour,
            filled: true,
        }
    }
}

/// A value with its standard error, if any.
#[derive(Clone, Copy, Debug)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
    pub err: Option<f64>,
}

impl Pt {
    pub fn new(x: f64, y: f64) -> Pt {
        Pt { x, y, err: None }
    }
    pub fn with_err(x: f64, y: f64, err: f64) -> Pt {
        Pt {
            x,
            y,
            err: err.is_finite().then_some(err),
        }
    }
}

/// One curve, set of points or histogram.
#[derive(Clone, Debug)]
pub struct Series {
    /// Legend text; `None`: not in the legend (a second curve of an entry already listed).
    pub label: Option<String>,
    /// simulation, theory, fit, reference or histogram (the CSV's `kind`).
    pub kind: &'static str,
    pub mark: Mark,
    pub points: Vec<Pt>,
}

impl Series {
    pub fn new(label: &str, kind: &'static str, mark: Mark, points: Vec<Pt>) -> Series {
        Series {
            label: Some(label.to_string()),
            kind,
            mark,
            points,
        }
    }
}

/// A map z(x, y) on a regular grid, drawn with a diverging colour scale and a colour bar.
#[derive(Clone, Debug)]
pub struct HeatMap {
    /// Cell centres and values.
    pub cells: Vec<(f64, f64, f64)>,
    /// Cell size in x and y.
    pub size: (f64, f64),
    /// The quantity z with its unit (the colour-bar title and the CSV's z_quantity).
    pub quantity: String,
}

/// One panel.
#[derive(Clone, Debug)]
pub struct Panel {
    pub title: String,
    pub x: AxisSpec,
    pub y: AxisSpec,
    pub series: Vec<Series>,
    pub heat: Option<HeatMap>,
}

impl Panel {
    pub fn new(title: &str, x: AxisSpec, y: AxisSpec, series: Vec<Series>) -> Panel {
        Panel {
            title: title.into(),
            x,
            y,
            series,
            heat: None,
        }
    }
}

/// A figure: panels on a grid `columns` wide, a title, and one statement of what the marks are and
/// which units are used.
#[derive(Clone, Debug)]
pub struct Figure {
    /// File name without extension: STEM.svg and STEM.csv.
    pub stem: String,
    pub title: String,
    pub statement: String,
    /// Double column (7.0 in) rather than single column (3.4 in).
    pub double_column: bool,
    pub columns: usize,
    pub panel_height: u32,
    pub panels: Vec<Panel>,
    /// Notes the figure's builder adds (values it chose not to draw, and why).
    pub notes: Vec<String>,
}

/// What rendering wrote.
#[derive(Clone, Debug)]
pub struct Rendered {
    pub svg: PathBuf,
    pub csv: PathBuf,
    /// Values not drawn as plain points (outside a log axis, bars clipped, …), as printed on the figure.
    pub notes: Vec<String>,
}

/// A panel's axes, how each value is drawn, and the notes this produces.
struct Plan {
    x: Axis,
    y: Axis,
    rows: Vec<DataRow>,
    notes: Vec<String>,
}

/// Where a value lands relative to an axis.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Place {
    Below,
    Inside,
    Above,
}

fn place(axis: &Axis, v: f64) -> Place {
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

fn plan(panel: &Panel, letter: &str) -> Plan {
    let (xs, sim, other) = range_values(panel);
    let (x0, x1) = auto_range(&panel.x, &[], &xs);
    let (y0, y1) = auto_range(&panel.y, &sim, &other);
    let x = Axis::new(&panel.x, x0, x1);
    let y = Axis::new(&panel.y, y0, y1);
    let (xq, yq) = (panel.x.csv_name(), panel.y.csv_name());
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut clipped_bars = 0;
    let prefix = if letter.is_empty() {
        String::new()
    } else {
        format!("({letter}) ")
    };
    for s in &panel.series {
        let name = s.label.clone().unwrap_or_default();
        for p in &s.points {
            let drawn_as = match s.mark {
                Mark::Points { filled, .. } => {
                    let px = place(&x, p.x);
                    let py = place(&y, p.y);
                    if px != Place::Inside || !p.y.is_finite() {
                        notes.push(format!(
                            "{prefix}{name} at {} = {}: not on the axes (value {}).",
                            panel.x.quantity,
                            format_value(p.x),
                            format_value(p.y)
                        ));
                        "omitted: outside the x axis or not finite".to_string()
                    } else {
                        if let Some(e) = p.err {
                            if py == Place::Inside
                                && (place(&y, p.y - e) != Place::Inside
                                    || place(&y, p.y + e) != Place::Inside)
                            {
                                clipped_bars += 1;
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
                                notes.push(format!(
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
                Mark::Line { .. } => {
                    if place(&x, p.x) == Place::Inside && place(&y, p.y) == Place::Inside {
                        "line".into()
                    } else {
                        "gap (outside the axes)".into()
                    }
                }
                Mark::Bars { .. } => {
                    if place(&y, p.y) == Place::Inside {
                        "bar".into()
                    } else {
                        "no bar (empty or outside the axis)".into()
                    }
                }
                Mark::Band { .. } => "band edge".into(),
            };
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

fn pe<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing figure: {e:?}")
}

fn font(pt: f64) -> TextStyle<'static> {
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

const COLOUR_BAR_WIDTH: u32 = 220;

/// A coordinate in drawing units (the value, or its log10) whose ticks are the axis's own: bold
/// where labelled, light at the minor ticks.
struct Ticked {
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

type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<Ticked, Ticked>>;

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

fn build_chart<'a, 'b>(
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

fn draw_series(chart: &mut Chart, x: &Axis, y: &Axis, s: &Series) -> Result<()> {
    let (ylo, yhi) = y.draw_range();
    match s.mark {
        Mark::Line {
            colour,
            dash,
            width,
        } => {
            let style = colour.stroke_width(width);
            for run in inside_runs(x, y, &s.points) {
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
        }
        Mark::Band { colour } => {
            let xs: Vec<f64> = s.points.iter().filter_map(|p| x.to_draw(p.x)).collect();
            if let (Some(a), Some(b)) = (xs.first(), xs.last()) {
                let (xlo, xhi) = x.draw_range();
                chart
                    .draw_series([Rectangle::new(
                        [(a.max(xlo), ylo), (b.min(xhi), yhi)],
                        colour.mix(BAND_ALPHA).filled(),
                    )])
                    .map_err(pe)?;
            }
        }
        Mark::Bars { colour } => {
            let width = s
                .points
                .windows(2)
                .map(|w| (w[1].x - w[0].x).abs())
                .fold(f64::INFINITY, f64::min);
            let base = if y.scale == Scale::Log { ylo } else { 0.0 };
            chart
                .draw_series(s.points.iter().filter_map(|p| {
                    let top = y.to_draw(p.y).filter(|v| *v >= ylo)?.min(yhi);
                    let (a, b) = (x.to_draw(p.x - 0.5 * width)?, x.to_draw(p.x + 0.5 * width)?);
                    Some(Rectangle::new(
                        [(a, base.max(ylo)), (b, top)],
                        colour.mix(0.45).filled(),
                    ))
                }))
                .map_err(pe)?;
        }
        Mark::Points { colour, filled } => {
            let style = if filled {
                colour.filled()
            } else {
                colour.stroke_width(2)
            };
            let bar = colour.stroke_width(2);
            for p in &s.points {
                let Some(cx) = x.to_draw(p.x).filter(|_| place(x, p.x) == Place::Inside) else {
                    continue;
                };
                if !p.y.is_finite() {
                    continue;
                }
                let at = place(y, p.y);
                if let (Some(e), Place::Inside) = (p.err, at) {
                    let lo = place(y, p.y - e);
                    let hi = place(y, p.y + e);
                    let a = y
                        .to_draw(p.y - e)
                        .filter(|_| lo == Place::Inside)
                        .unwrap_or(ylo);
                    let b = y
                        .to_draw(p.y + e)
                        .filter(|_| hi == Place::Inside)
                        .unwrap_or(yhi);
                    chart
                        .draw_series([PathElement::new(vec![(cx, a), (cx, b)], bar)])
                        .map_err(pe)?;
                    for (end, inside, down) in [(a, lo, true), (b, hi, false)] {
                        if inside == Place::Inside {
                            chart
                                .draw_series([EmptyElement::at((cx, end))
                                    + PathElement::new(vec![(-CAP, 0), (CAP, 0)], bar)])
                                .map_err(pe)?;
                        } else {
                            // The bar goes on beyond the axis: a small arrowhead on the edge says so.
                            let s = if down { 1 } else { -1 };
                            chart
                                .draw_series([EmptyElement::at((cx, end))
                                    + Polygon::new(
                                        vec![(-6, -9 * s), (6, -9 * s), (0, 2 * s)],
                                        colour.filled(),
                                    )])
                                .map_err(pe)?;
                        }
                    }
                }
                match at {
                    Place::Inside => {
                        let cy = y.to_draw(p.y).expect("inside");
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
            }
        }
    }
    Ok(())
}

fn draw_heat(chart: &mut Chart, x: &Axis, y: &Axis, h: &HeatMap, scale: f64) -> Result<()> {
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
fn draw_colour_bar(
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

fn legend_entries(fig: &Figure) -> Vec<Entry> {
    // Series sharing a label (the points and the theory line of one quantity) share one entry whose
    // sample draws both marks.
    let mut entries: Vec<Entry> = Vec::new();
    for s in fig.panels.iter().flat_map(|p| &p.series) {
        if s.points.is_empty() {
            continue;
        }
        if let Some(label) = &s.label {
            let bars = s.points.iter().any(|p| p.err.is_some());
            match entries.iter_mut().find(|e| &e.label == label) {
                Some(e) => {
                    if !e.marks.iter().any(|m| same_kind(m, &s.mark)) {
                        e.marks.push(s.mark);
                    }
                    e.error_bars |= bars;
                }
                None => entries.push(Entry {
                    label: label.clone(),
                    marks: vec![s.mark],
                    error_bars: bars,
                }),
            }
        }
    }
    entries
}

fn same_kind(a: &Mark, b: &Mark) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn letter(fig: &Figure, i: usize) -> String {
    if fig.panels.len() > 1 {
        ((b'a' + i as u8) as char).to_string()
    } else {
        String::new()
    }
}

impl Figure {
    /// Draws DIR/STEM.svg and writes DIR/STEM.csv.
    pub fn render(&self, dir: &Path) -> Result<Rendered> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let width = if self.double_column {
            DOUBLE_COLUMN_PX
        } else {
            SINGLE_COLUMN_PX
        };
        let text_px = width as f64 - 40.0;
        let plans: Vec<Plan> = self
            .panels
            .iter()
            .enumerate()
            .map(|(i, p)| plan(p, &letter(self, i)))
            .collect();
        let notes: Vec<String> = self
            .notes
            .iter()
            .cloned()
            .chain(plans.iter().flat_map(|p| p.notes.clone()))
            .collect();
        let title = wrap(&self.title, TITLE_PT, text_px);
        let statement = wrap(&self.statement, TICK_PT, text_px);
        let note_lines: Vec<String> = notes
            .iter()
            .flat_map(|n| wrap(n, TICK_PT, text_px))
            .collect();
        let entries = legend_entries(self);
        let legend_rows = legend::rows(&entries, text_px);
        let line = |pt: f64| 1.35 * px(pt);
        let head =
            14.0 + title.len() as f64 * line(TITLE_PT) + statement.len() as f64 * line(TICK_PT);
        let rows = self.panels.len().div_ceil(self.columns);
        let panels_h = rows as u32 * self.panel_height;
        let legend_h = legend_rows as f64 * legend::row_height();
        let tail = legend_h + note_lines.len() as f64 * line(TICK_PT) + 16.0;
        let height = (head + panels_h as f64 + tail).ceil() as u32;
        let svg = dir.join(format!("{}.svg", self.stem));
        {
            let root = SVGBackend::new(&svg, (width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(pe)?;
            let top = Pos::new(HPos::Left, VPos::Top);
            let mut yy = 10.0;
            for l in &title {
                root.draw_text(l, &font(TITLE_PT).pos(top), (20, yy as i32))
                    .map_err(pe)?;
                yy += line(TITLE_PT);
            }
            for l in &statement {
                root.draw_text(l, &font(TICK_PT).pos(top), (20, yy as i32))
                    .map_err(pe)?;
                yy += line(TICK_PT);
            }
            let body = root.margin(head as u32, (tail as u32).max(1), 0, 0);
            let (grid_area, _) = body.split_vertically(panels_h);
            let cells = grid_area.split_evenly((rows, self.columns));
            for (i, ((panel, plan), cell)) in self.panels.iter().zip(&plans).zip(&cells).enumerate()
            {
                let title = match letter(self, i).as_str() {
                    "" => panel.title.clone(),
                    l => format!("({l}) {}", panel.title),
                };
                let (main, bar) = if panel.heat.is_some() {
                    let w = cell.dim_in_pixel().0;
                    let (a, b) = cell.split_horizontally(w - COLOUR_BAR_WIDTH);
                    (a, Some(b))
                } else {
                    (cell.clone(), None)
                };
                let mut chart = build_chart(&main, &title, &plan.x, &plan.y)?;
                if let Some(h) = &panel.heat {
                    let scale = h.cells.iter().fold(1e-300, |m: f64, c| m.max(c.2.abs()));
                    draw_heat(&mut chart, &plan.x, &plan.y, h, scale)?;
                    if let Some(bar) = &bar {
                        draw_colour_bar(bar, &h.quantity, scale)?;
                    }
                }
                // Bands under everything, points over lines.
                // Simulation drawn as lines goes under fits and theory.
                let order = |s: &&Series| match s.mark {
                    Mark::Band { .. } => 0,
                    Mark::Bars { .. } => 1,
                    Mark::Line { .. } if s.kind == "simulation" => 2,
                    Mark::Line { .. } => 3,
                    Mark::Points { .. } => 4,
                };
                let mut series: Vec<&Series> = panel.series.iter().collect();
                series.sort_by_key(order);
                for s in series {
                    draw_series(&mut chart, &plan.x, &plan.y, s)?;
                }
            }
            let mut yy = head + panels_h as f64 + 4.0;
            legend::draw(&root, &entries, (20, yy as i32), text_px).map_err(pe)?;
            yy += legend_h + 4.0;
            for l in &note_lines {
                root.draw_text(l, &font(TICK_PT).pos(top), (20, yy as i32))
                    .map_err(pe)?;
                yy += line(TICK_PT);
            }
            root.present().map_err(pe)?;
        }
        let csv = dir.join(format!("{}.csv", self.stem));
        let mut comments = vec![
            format!("{}: {}", self.stem, self.title),
            self.statement.clone(),
            "One row per drawn value; quantities name their units; y_stderr is one standard error."
                .to_string(),
        ];
        comments.extend(notes.iter().map(|n| format!("note: {n}")));
        let rows: Vec<DataRow> = plans.into_iter().flat_map(|p| p.rows).collect();
        write_csv(&csv, &comments, &rows)?;
        Ok(Rendered { svg, csv, notes })
    }
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

    #[test]
    fn log_axis_reports_points_it_cannot_show_and_clipped_bars() {
        let panel = Panel::new(
            "",
            AxisSpec::log("κ_H/κ_C", None),
            AxisSpec::log("v", None).with_range(0.1, 10.0),
            vec![Series::new(
                "sim",
                "simulation",
                Mark::points(super::super::BLUE),
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
