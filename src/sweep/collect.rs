//! `nanodemon sweep collect`: one table with a row per finished point (its parameters, then its analysis) and
//! the κ-axis figures.
//!
//! A point's row comes from [`point_row`] alone, from the point's own run directory, so the table holds each
//! point exactly once however often it was killed and resumed, and equals what the point's analysis says.

use super::plan::Manifest;
use super::point::{PointDir, PointState};
use super::spec::PointParams;
use crate::analysis::report::{analyze_run, Options, RunAnalysis};
use crate::analysis::run_dir::RunDir;
use crate::run::read_run_json;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub const TABLE: &str = "sweep-results.csv";
/// Where `sweep collect --plots` draws when given no directory: DIR/figures, as `analyze --plots` on a run.
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
/// '.'; lists (friction estimates) and text are left out. `blocks` is the number of blocks of the error bars;
/// `friction_kg_per_s` the friction of the theory (`None`: as `analyze` chooses).
pub fn point_row(
    run_dir: &Path,
    blocks: usize,
    friction_kg_per_s: Option<f64>,
) -> Result<Vec<(String, f64)>> {
    Ok(point_analysis(run_dir, blocks, friction_kg_per_s)?.0)
}

/// A point's results as (column, value) pairs.
type Row = Vec<(String, f64)>;

/// The row of [`point_row`] with the run and its analysis (for the κ-axis figures).
fn point_analysis(
    run_dir: &Path,
    blocks: usize,
    friction_kg_per_s: Option<f64>,
) -> Result<(Row, RunDir, RunAnalysis)> {
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
        friction_kg_per_s,
        ..Options::default()
    };
    let analysis =
        analyze_run(&run, &opts).with_context(|| format!("analysing {}", run_dir.display()))?;
    let mut row = Vec::new();
    flatten("", &serde_json::to_value(&analysis)?, &mut row);
    Ok((row, run, analysis))
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

/// Collects every done point of the sweep in `root` into DIR/sweep-results.csv, and with `plots` draws the
/// κ-axis figures into that directory (the CLI's default: DIR/figures, [`FIGURES`]) by the same code as `nanodemon analyze` on a directory of runs, when the
/// points vary κ_H/κ_C over at least two values and nothing else but the seed. `friction_kg_per_s` is the
/// friction of the theory (`None`: as `analyze` chooses).
pub fn collect(
    root: &Path,
    plots: Option<&Path>,
    blocks: usize,
    friction_kg_per_s: Option<f64>,
) -> Result<CollectSummary> {
    if let Some(g) = friction_kg_per_s {
        if !(g.is_finite() && g > 0.0) {
            bail!(
                "--friction-kg-per-s must be a positive number of kg/s (e.g. 3.434e-12), got {g}"
            );
        }
    }
    let m = Manifest::load(root)?;
    let mut rows: Vec<Vec<(String, f64)>> = Vec::new();
    let mut runs: Vec<(RunDir, RunAnalysis)> = Vec::new();
    let mut missing = Vec::new();
    for p in &m.points {
        let pd = PointDir::new(root, p.index);
        let state = pd.state();
        if state != PointState::Done {
            missing.push((p.index, state));
            continue;
        }
        let (row, run, analysis) = point_analysis(&pd.run(), blocks, friction_kg_per_s)
            .with_context(|| format!("point {}", p.index))?;
        runs.push((run, analysis));
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
    let figures = if let Some(dir) = plots {
        kappa_figures(runs, dir)?
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

/// The κ-axis figures of the points, when they form a κ_H/κ_C sweep: at least two ratios, and the same
/// trap, κ_C, temperatures, particle and demon axes (one theory line describes them all).
fn kappa_figures(mut runs: Vec<(RunDir, RunAnalysis)>, dir: &Path) -> Result<Vec<PathBuf>> {
    runs.retain(|(_, a)| a.kappa_ratio.is_some_and(|r| r > 0.0));
    let mut ratios: Vec<f64> = runs.iter().filter_map(|(_, a)| a.kappa_ratio).collect();
    ratios.sort_by(f64::total_cmp);
    ratios.dedup();
    if ratios.len() < 2 {
        return Ok(Vec::new());
    }
    let key = |r: &RunDir| {
        let (s, c) = (&r.scenario, &r.scenario.controller);
        format!(
            "{:?}",
            (
                c.trap_kappa_ev_per_a2,
                c.kappa_cold_ev_per_a2,
                s.cold.temperature_k,
                s.hot.temperature_k,
                s.nanoparticle.atoms,
                &c.demon_axes
            )
        )
    };
    if runs.iter().any(|(r, _)| key(r) != key(&runs[0].0)) {
        eprintln!("note: the points differ in more than κ_H and the seed; no κ-axis figures drawn");
        return Ok(Vec::new());
    }
    runs.sort_by(|a, b| {
        a.1.kappa_ratio
            .unwrap_or(0.0)
            .total_cmp(&b.1.kappa_ratio.unwrap_or(0.0))
    });
    let (dirs, analyses): (Vec<RunDir>, Vec<RunAnalysis>) = runs.into_iter().unzip();
    Ok(
        crate::analysis::figures::sweep_figures(&dirs, &analyses, None, dir)?
            .into_iter()
            .map(PathBuf::from)
            .collect(),
    )
}
