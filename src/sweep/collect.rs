//! `nanodemon sweep collect`: one table with a row per finished point (its parameters, then its analysis) and
//! the κ-axis figures.
//!
//! A point's row comes from [`point_row`] alone, from the point's own run directory, so the table holds each
//! point exactly once however often it was killed and resumed, and equals what the point's analysis says.

use super::figures;
use super::plan::Manifest;
use super::point::{PointDir, PointState};
use super::spec::PointParams;
use crate::analysis::report::{analyze_run, Options};
use crate::analysis::run_dir::RunDir;
use crate::run::read_run_json;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const TABLE: &str = "sweep-results.csv";
pub const FIGURES: &str = "figures";

/// The table: column names and one row of numbers per finished point, in index order.
#[derive(Clone, Debug, Serialize)]
pub struct SweepTable {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<f64>>,
}

impl SweepTable {
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.columns.iter().position(|c| c == name)?;
        Some(self.rows.iter().map(|r| r[i]).collect())
    }

    /// CSV with a header row; numbers in their shortest exact form, NaN for "not defined" (κ_C = 0 ratios, COP outside the refrigerator regime).
    pub fn to_csv(&self) -> String {
        let mut s = self.columns.join(",") + "\n";
        for r in &self.rows {
            s.push_str(
                &r.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            );
            s.push('\n');
        }
        s
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CollectSummary {
    pub table_csv: PathBuf,
    pub table: SweepTable,
    /// Points left out because they are not done, with their state.
    pub missing: Vec<(usize, PointState)>,
    pub figures: Vec<PathBuf>,
}

/// Parameter columns, in table order.
const PARAM_COLUMNS: [&str; 7] = [
    "index",
    "kappa_ratio",
    "kappa_cold_ev_per_a2",
    "kappa_hot_ev_per_a2",
    "cold_temperature_k",
    "hot_temperature_k",
    "seed",
];

fn param_values(index: usize, p: &PointParams) -> [f64; 7] {
    [
        index as f64,
        p.kappa_ratio.unwrap_or(f64::NAN),
        p.kappa_cold_ev_per_a2,
        p.kappa_hot_ev_per_a2,
        p.cold_temperature_k,
        p.hot_temperature_k,
        p.seed as f64,
    ]
}

/// One point's results from its run directory, as (column, value) pairs: every number of `nanodemon
/// analyze` on that directory (rates with error bars, entropy production, COP, power statistics, theory for
/// the point's own parameters), flattened. A measured-vs-theory value `x` gives the columns `x` (measured),
/// `x_err` (standard error), `x_theory` and `x_z`; other nested numbers are named by their path joined with
/// '.'; lists (friction estimates) and text are left out. `blocks` is the number of blocks of the error bars.
pub fn point_row(run_dir: &Path, blocks: usize) -> Result<Vec<(String, f64)>> {
    let rj = read_run_json(run_dir)?;
    if rj.status != "completed" {
        bail!(
            "{} has not completed (status {:?})",
            run_dir.display(),
            rj.status
        );
    }
    let run = RunDir::load(run_dir)?;
    let opts = Options {
        blocks,
        ..Options::default()
    };
    let analysis =
        analyze_run(&run, &opts).with_context(|| format!("analysing {}", run_dir.display()))?;
    let mut row = Vec::new();
    flatten("", &serde_json::to_value(&analysis)?, &mut row);
    Ok(row)
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, f64)>) {
    let Value::Object(m) = v else {
        if let Some(x) = v.as_f64() {
            out.push((prefix.to_string(), x));
        }
        return;
    };
    if m.contains_key("measured") && m.contains_key("error") {
        for (suffix, key) in [
            ("", "measured"),
            ("_err", "error"),
            ("_theory", "theory"),
            ("_z", "z_score"),
        ] {
            out.push((
                format!("{prefix}{suffix}"),
                m[key].as_f64().unwrap_or(f64::NAN),
            ));
        }
        return;
    }
    for (k, x) in m {
        // Sections whose fields are named to be read alone: rates, power, theory.
        let name = match prefix {
            "" | "rates" | "power" => k.clone(),
            _ => format!("{prefix}.{k}"),
        };
        let name = if prefix == "theory" {
            format!("theory.{k}")
        } else {
            name
        };
        flatten(&name, x, out);
    }
}

/// Collects every done point of the sweep in `root` into DIR/sweep-results.csv (and figures with `plots`).
pub fn collect(root: &Path, plots: bool, blocks: usize) -> Result<CollectSummary> {
    let m = Manifest::load(root)?;
    let mut rows: Vec<Vec<(String, f64)>> = Vec::new();
    let mut missing = Vec::new();
    for p in &m.points {
        let pd = PointDir::new(root, p.index);
        let state = pd.state();
        if state != PointState::Done {
            missing.push((p.index, state));
            continue;
        }
        let row = point_row(&pd.run(), blocks).with_context(|| format!("point {}", p.index))?;
        let params = PARAM_COLUMNS
            .iter()
            .map(|c| c.to_string())
            .zip(param_values(p.index, &p.params));
        rows.push(params.chain(row).collect());
    }
    if rows.is_empty() {
        bail!(
            "no point of {} is done yet; see `nanodemon sweep status {}`",
            root.display(),
            root.display()
        );
    }
    // Optional results (the COP outside the refrigerator regime) exist at some points only: the columns are
    // the union in first-seen order, NaN where a point has no value.
    let mut columns: Vec<String> = Vec::new();
    for r in &rows {
        for (c, _) in r {
            if !columns.contains(c) {
                columns.push(c.clone());
            }
        }
    }
    let rows = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| r.iter().find(|(n, _)| n == c).map_or(f64::NAN, |(_, v)| *v))
                .collect()
        })
        .collect();
    let table = SweepTable { columns, rows };
    let csv = root.join(TABLE);
    std::fs::write(&csv, table.to_csv()).with_context(|| format!("writing {}", csv.display()))?;
    let figures = if plots {
        figures::kappa_figures(&table, &root.join(FIGURES))?
    } else {
        Vec::new()
    };
    Ok(CollectSummary {
        table_csv: csv,
        table,
        missing,
        figures,
    })
}
