//! A figure as data — panels of series, each with the mark it is drawn with — and the one renderer
//! of the project: print-sized fonts, ticks from [`super::axis`], simulation points with capped
//! ±1 standard-error bars (clipped at the axis edge with a marker, never dropped), values a log
//! axis cannot show drawn as triangles at its edge and listed in the notes, theory lines broken
//! where they leave the axes, a legend strip under the panels, and the CSV of everything drawn.

use super::axis::AxisSpec;
use super::data::{write_csv, DataRow};
use super::draw::{
    build_chart, draw_colour_bar, draw_heat, draw_series, font, pe, COLOUR_BAR_WIDTH,
};
use super::legend::{self, Entry};
use super::plan::{plan, Plan};
use super::{px, wrap, DOUBLE_COLUMN_PX, SINGLE_COLUMN_PX, TICK_PT, TITLE_PT};
use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};

/// Radius of a simulation point, px.
pub const POINT_RADIUS: i32 = 6;
/// Opacity of a shaded band.
pub const BAND_ALPHA: f64 = 0.12;

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
                self.draw_panel(i, panel, plan, cell)?;
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
        let csv = self.write_data(dir, &notes, plans)?;
        Ok(Rendered { svg, csv, notes })
    }

    /// Panel `i` into `cell`: its title (lettered when there are several), the heat map with its colour
    /// bar, then the series, bands under everything and points over lines.
    fn draw_panel(
        &self,
        i: usize,
        panel: &Panel,
        plan: &Plan,
        cell: &DrawingArea<SVGBackend, Shift>,
    ) -> Result<()> {
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
        Ok(())
    }

    /// DIR/STEM.csv: the title, statement and notes as comments, then one row per drawn value.
    fn write_data(&self, dir: &Path, notes: &[String], plans: Vec<Plan>) -> Result<PathBuf> {
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
        Ok(csv)
    }
}
