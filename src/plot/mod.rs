//! The project's one figure style (issue 14), used by every figure the commands draw: seed 000's
//! sweep and run figures, seed 001's N-demon figures and seed 002's driven-oscillator figures.
//!
//! A figure is described as data ([`figure::Figure`]: panels of series with their marks) and
//! rendered by one function, which also writes the numbers it draws beside the SVG as a CSV.
//! Sizes are set for print: figures are drawn at 200 px per printed inch, a single-column figure
//! 680 px wide (3.4 in) and a double-column one 1400 px (7.0 in), so that a font of N pt is
//! N × 200/72 px and every text is at least 7 pt when the figure is printed at its column width.

pub mod axis;
pub mod data;
mod draw;
pub mod figure;
mod legend;
mod plan;

use plotters::style::RGBColor;

/// Pixels per printed inch.
pub const PX_PER_INCH: f64 = 200.0;
/// Single-column width (3.4 in) and double-column width (7.0 in), px.
pub const SINGLE_COLUMN_PX: u32 = 680;
pub const DOUBLE_COLUMN_PX: u32 = 1400;
/// Font sizes, pt at the printed width: tick labels and notes, axis titles and legend, titles.
pub const TICK_PT: f64 = 7.0;
pub const LABEL_PT: f64 = 8.0;
pub const TITLE_PT: f64 = 9.0;

/// The SVG font size, px, of a font of `pt` points.
pub fn px(pt: f64) -> f64 {
    pt * PX_PER_INCH / 72.0
}

/// The size to ask plotters for so that its SVG says `font-size = px(pt)` (plotters-svg writes the
/// requested size divided by 1.24).
pub fn plotters_size(pt: f64) -> f64 {
    px(pt) * 1.24
}

/// Estimated width of `text` in px at `pt` (sans-serif averages about 0.55 em per character;
/// combining marks such as the dot of Q̇ take no width).
pub fn text_width(text: &str, pt: f64) -> f64 {
    let chars = text
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .count();
    0.55 * px(pt) * chars as f64
}

/// Splits `text` into lines no wider than `max_px` at `pt`.
pub fn wrap(text: &str, pt: f64, max_px: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, pt) > max_px && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common colour-vision
/// deficiency: blue, vermillion, bluish green, orange, reddish purple, sky blue, yellow, black.
pub const BLUE: RGBColor = RGBColor(0, 114, 178);
pub const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub const GREEN: RGBColor = RGBColor(0, 158, 115);
pub const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub const SKY: RGBColor = RGBColor(86, 180, 233);
pub const BLACK: RGBColor = RGBColor(0, 0, 0);
pub const GREY: RGBColor = RGBColor(120, 120, 120);
/// The palette in the order series take it.
pub const PALETTE: [RGBColor; 6] = [BLUE, VERMILLION, GREEN, ORANGE, PURPLE, SKY];

/// Said once on every figure that shows both.
pub const SIMULATION_AND_THEORY: &str =
    "Simulation: points with ±1 standard error bars. Theory: lines.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seven_points_at_column_width() {
        // 680 px printed at 3.4 in: a 7 pt font is 7/72 in = 19.4 px.
        assert!((px(TICK_PT) - 19.44).abs() < 0.01);
        assert!((SINGLE_COLUMN_PX as f64 / PX_PER_INCH - 3.4).abs() < 1e-12);
    }

    #[test]
    fn wrap_keeps_lines_within_width() {
        let lines = wrap(&"word ".repeat(60), TICK_PT, 300.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, TICK_PT) <= 300.0));
    }
}
