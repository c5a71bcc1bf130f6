//! The numbers behind a figure, written beside its SVG as FIGURE.csv: one row per drawn value
//! (simulation points with their standard errors, theory-curve vertices, histogram bars, heat-map
//! cells), each naming its quantities with units and how it was drawn, so a reader can replot the
//! figure or check it without rerunning anything.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// One drawn value.
#[derive(Clone, Debug, PartialEq)]
pub struct DataRow {
    /// Panel letter ("a", "b", …; empty for a one-panel figure).
    pub panel: String,
    pub series: String,
    /// simulation, theory, fit, reference, histogram or heat map.
    pub kind: String,
    pub x_quantity: String,
    pub x: f64,
    pub y_quantity: String,
    pub y: f64,
    /// Standard error of y (empty when none).
    pub y_stderr: Option<f64>,
    /// Third coordinate of heat maps.
    pub z_quantity: String,
    pub z: Option<f64>,
    /// circle, open circle, triangle at bottom edge, triangle at top edge, line, gap, bar, cell,
    /// or why it is not drawn.
    pub drawn_as: String,
}

pub const HEADER: &str =
    "panel,series,kind,x_quantity,x,y_quantity,y,y_stderr,z_quantity,z,drawn_as";

fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn number(v: Option<f64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Writes `rows` to `path` after `comments` (lines starting with "# ": title, units, notes).
pub fn write_csv(path: &Path, comments: &[String], rows: &[DataRow]) -> Result<()> {
    let mut out = String::new();
    for c in comments {
        for line in c.lines() {
            out.push_str(&format!("# {line}\n"));
        }
    }
    out.push_str(HEADER);
    out.push('\n');
    for r in rows {
        let fields = [
            field(&r.panel),
            field(&r.series),
            field(&r.kind),
            field(&r.x_quantity),
            number(Some(r.x)),
            field(&r.y_quantity),
            number(Some(r.y)),
            number(r.y_stderr),
            field(&r.z_quantity),
            number(r.z),
            field(&r.drawn_as),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    let mut f =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    f.write_all(out.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_with_commas_are_quoted() {
        assert_eq!(field("P(Q, t) (1/eV)"), "\"P(Q, t) (1/eV)\"");
        assert_eq!(field("Q (eV)"), "Q (eV)");
    }
}
