//! The legend, drawn in its own strip under the panels so it never covers data, with each entry's
//! sample drawn by the same code as the marks it names.

use super::figure::{Dash, Mark};
use super::{plotters_size, px, text_width, LABEL_PT};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Sample length of a line entry, px.
const SAMPLE: i32 = 48;
const GAP: f64 = 28.0;

/// An entry: its label and the marks it stands for (drawn on top of each other).
pub struct Entry {
    pub label: String,
    pub marks: Vec<Mark>,
    /// Whether the points of the entry carry error bars (then so does its sample).
    pub error_bars: bool,
}

/// Entry positions (left x and row) laid out left to right in rows no wider than `width`.
pub fn layout(entries: &[Entry], width: f64) -> Vec<(f64, usize)> {
    let mut out = Vec::new();
    let (mut x, mut row) = (0.0, 0);
    for e in entries {
        let w = SAMPLE as f64 + 10.0 + text_width(&e.label, LABEL_PT);
        if x > 0.0 && x + w > width {
            x = 0.0;
            row += 1;
        }
        out.push((x, row));
        x += w + GAP;
    }
    out
}

/// Height of one legend row, px.
pub fn row_height() -> f64 {
    1.6 * px(LABEL_PT)
}

/// Draws the entries with their top-left corner at `origin`, `width` px wide.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[Entry],
    origin: (i32, i32),
    width: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let font = ("sans-serif", plotters_size(LABEL_PT))
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (e, (x, row)) in entries.iter().zip(layout(entries, width)) {
        let x0 = origin.0 + x as i32;
        let y = origin.1 + ((row as f64 + 0.5) * row_height()) as i32;
        for m in &e.marks {
            sample(area, m, e.error_bars, x0, y)?;
        }
        area.draw_text(&e.label, &font, (x0 + SAMPLE + 10, y))?;
    }
    Ok(())
}

fn sample<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    mark: &Mark,
    error_bars: bool,
    x0: i32,
    y: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    match mark {
        Mark::Line {
            colour,
            dash,
            width,
        } => {
            let style = colour.stroke_width(*width);
            let (on, off) = dash.pattern();
            let mut a = 0;
            while a < SAMPLE {
                let b = (a + on).min(SAMPLE);
                area.draw(&PathElement::new(vec![(x0 + a, y), (x0 + b, y)], style))?;
                a = b + off;
                if matches!(dash, Dash::Solid) {
                    break;
                }
            }
        }
        Mark::Points { colour, filled } => {
            let c = (x0 + SAMPLE / 2, y);
            let style = if *filled {
                colour.filled()
            } else {
                colour.stroke_width(2)
            };
            if error_bars {
                area.draw(&PathElement::new(
                    vec![(c.0, y - 12), (c.0, y + 12)],
                    colour.stroke_width(2),
                ))?;
            }
            area.draw(&Circle::new(c, super::figure::POINT_RADIUS, style))?;
        }
        Mark::Bars { colour, .. } => {
            area.draw(&Rectangle::new(
                [(x0 + 8, y - 9), (x0 + SAMPLE - 8, y + 9)],
                colour.mix(0.45).filled(),
            ))?;
        }
        Mark::Band { colour } => {
            area.draw(&Rectangle::new(
                [(x0, y - 10), (x0 + SAMPLE, y + 10)],
                colour.mix(super::figure::BAND_ALPHA).filled(),
            ))?;
        }
    }
    Ok(())
}
