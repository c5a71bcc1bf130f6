//! `nanodemon sweep collect`: one table with a row per finished point (its parameters, then its analysis) and
//! the κ-axis figures.
//!
//! A point's row comes from [`point_row`] alone, from the point's own run directory, so the table holds each
//! point exactly once however often it was killed and resumed, and equals what the point's analysis says.

use super::figures;
use super::plan::Manifest;
use super::point::{PointDir, PointState};
use super::spec::PointParams;
use crate::ledger::fit_rates;
use crate::run::read_run_json;
use crate::units::KB_EV_PER_K;
use anyhow::{bail, Context, Result};
use serde::Serialize;
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

    /// CSV with a header row; numbers in their shortest exact form, NaN for "not defined" (κ_C = 0 ratios).
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

/// One point's results from its run directory, as (column, value) pairs in a fixed order.
///
/// Rates are slopes of linear fits of the cumulative heat.csv series, eV/ps (Q > 0: heat into the bath, seed
/// 000's convention). Entropy production rate Σ̇ = Q̇_C/(k_B T_C) + Q̇_H/(k_B T_H) in k_B/ps (seed 000, Eq. 5:
/// the baths gain the heat at their own temperatures). Input power P = Ẇ_C + Ẇ_H, eV/ps; COP = −Q̇_C/P, the
/// heat drawn from the cold bath per unit work (positive in refrigerator mode).
pub fn point_row(run_dir: &Path) -> Result<Vec<(String, f64)>> {
    let rj = read_run_json(run_dir)?;
    if rj.status != "completed" {
        bail!(
            "{} has not completed (status {:?})",
            run_dir.display(),
            rj.status
        );
    }
    let (q, w) = fit_rates(&run_dir.join("heat.csv"))?;
    let (tc, th) = (
        rj.scenario.cold.temperature_k,
        rj.scenario.hot.temperature_k,
    );
    let power = w[0] + w[1];
    let entropy = q[0] / (KB_EV_PER_K * tc) + q[1] / (KB_EV_PER_K * th);
    Ok(vec![
        ("q_cold_rate_ev_per_ps".into(), q[0]),
        ("q_hot_rate_ev_per_ps".into(), q[1]),
        ("w_cold_rate_ev_per_ps".into(), w[0]),
        ("w_hot_rate_ev_per_ps".into(), w[1]),
        ("power_ev_per_ps".into(), power),
        ("entropy_production_kb_per_ps".into(), entropy),
        ("cop".into(), -q[0] / power),
    ])
}

/// Collects every done point of the sweep in `root` into DIR/sweep-results.csv (and figures with `plots`).
pub fn collect(root: &Path, plots: bool) -> Result<CollectSummary> {
    let m = Manifest::load(root)?;
    let mut columns: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut missing = Vec::new();
    for p in &m.points {
        let pd = PointDir::new(root, p.index);
        let state = pd.state();
        if state != PointState::Done {
            missing.push((p.index, state));
            continue;
        }
        let row = point_row(&pd.run()).with_context(|| format!("point {}", p.index))?;
        let names: Vec<String> = PARAM_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .chain(row.iter().map(|(n, _)| n.clone()))
            .collect();
        match &columns {
            None => columns = Some(names),
            Some(c) if *c != names => bail!(
                "point {}: its analysis has other columns than the points before it",
                p.index
            ),
            Some(_) => {}
        }
        rows.push(
            param_values(p.index, &p.params)
                .into_iter()
                .chain(row.into_iter().map(|(_, v)| v))
                .collect(),
        );
    }
    let Some(columns) = columns else {
        bail!(
            "no point of {} is done yet; see `nanodemon sweep status {}`",
            root.display(),
            root.display()
        );
    };
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
