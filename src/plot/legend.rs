//! The legend, drawn in its own strip under the panels so it never covers data, with each entry's
//! sample drawn by the same code as the marks it names.

use super::figure::{Dash, Mark};
use super::{plotters_size, px, text_width, wrap, LABEL_PT};
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

/// A laid-out entry: left x, first row, and its label in lines (more than one only when the label is
/// wider than the strip).
pub struct Placed {
    pub x: f64,
    pub row: usize,
    pub lines: Vec<String>,
}

/// Entries laid out left to right in rows no wider than `width`; a label too long for one row is
/// wrapped and its entry takes rows of its own.
pub fn layout(entries: &[Entry], width: f64) -> Vec<Placed> {
    let text_room = width - SAMPLE as f64 - 10.0;
    let mut out: Vec<Placed> = Vec::new();
    let (mut x, mut row) = (0.0, 0);
    for e in entries {
        let lines = wrap(&e.label, LABEL_PT, text_room);
        let widest = lines
            .iter()
            .map(|l| text_width(l, LABEL_PT))
            .fold(0.0, f64::max);
        let w = SAMPLE as f64 + 10.0 + widest;
        if x > 0.0 && (x + w > width || lines.len() > 1) {
            x = 0.0;
            row += 1;
        }
        let rows = lines.len();
        out.push(Placed { x, row, lines });
        if rows > 1 {
            // The next entry starts under this one.
            x = width;
            row += rows - 1;
        } else {
            x += w + GAP;
        }
    }
    out
}

/// Rows the laid-out legend takes.
pub fn rows(entries: &[Entry], width: f64) -> usize {
    layout(entries, width)
        .last()
        .map_or(0, |p| p.row + p.lines.len())
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
    for (e, p) in entries.iter().zip(layout(entries, width)) {
        let x0 = origin.0 + p.x as i32;
        let y_of = |k: usize| origin.1 + (((p.row + k) as f64 + 0.5) * row_height()) as i32;
        for m in &e.marks {
            sample(area, m, e.error_bars, x0, y_of(0))?;
        }
        for (k, line) in p.lines.iter().enumerate() {
            area.draw_text(line, &font, (x0 + SAMPLE + 10, y_of(k)))?;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &str) -> Entry {
        Entry {
            label: label.into(),
            marks: Vec::new(),
            error_bars: false,
        }
    }

    #[test]
    fn long_labels_wrap_and_take_their_own_rows() {
        let entries = [entry("a"), entry(&"long ".repeat(40)), entry("b")];
        let placed = layout(&entries, 600.0);
        assert_eq!(placed[0].row, 0);
        assert_eq!(placed[1].row, 1);
        assert!(placed[1].lines.len() > 1);
        assert!(placed[1]
            .lines
            .iter()
            .all(|l| SAMPLE as f64 + 10.0 + text_width(l, LABEL_PT) <= 600.0));
        assert_eq!(placed[2].row, 1 + placed[1].lines.len());
        assert_eq!(rows(&entries, 600.0), placed[2].row + 1);
    }
}
