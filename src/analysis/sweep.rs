//! A sweep: a directory whose subdirectories are run directories that differ in κ_H (Figs. 3, 4, 6).

use super::report::{analyze_run, Options, RunAnalysis};
use super::run_dir::RunDir;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// Whether `dir` is a single run (has heat.csv).
pub fn is_run_dir(dir: &Path) -> bool {
    dir.join("heat.csv").is_file() && dir.join("run.json").is_file()
}

/// The run directories directly under `dir`, sorted by name.
pub fn run_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        bail!("{} is neither a run directory (heat.csv + run.json) nor a directory of run directories: it does not exist", dir.display());
    }
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| is_run_dir(p))
        .collect();
    v.sort();
    if v.is_empty() {
        bail!("{} is neither a run directory (heat.csv + run.json) nor a directory of run directories", dir.display());
    }
    Ok(v)
}

/// Loads and analyses every run of a sweep, sorted by κ_H/κ_C. All runs must share the model
/// parameters other than κ_H, so one set of theory lines describes them all.
pub fn analyze_sweep(dir: &Path, opts: &Options) -> Result<(Vec<RunDir>, Vec<RunAnalysis>)> {
    let mut runs = run_dirs(dir)?
        .iter()
        .map(|d| RunDir::load(d))
        .collect::<Result<Vec<_>>>()?;
    runs.sort_by(|a, b| ratio(a).total_cmp(&ratio(b)));
    let first = &runs[0].scenario;
    for r in &runs[1..] {
        let (a, b) = (&first.controller, &r.scenario.controller);
        if a.trap_kappa_ev_per_a2 != b.trap_kappa_ev_per_a2
            || a.kappa_cold_ev_per_a2 != b.kappa_cold_ev_per_a2
            || first.cold.temperature_k != r.scenario.cold.temperature_k
            || first.hot.temperature_k != r.scenario.hot.temperature_k
            || first.nanoparticle.atoms != r.scenario.nanoparticle.atoms
            || a.demon_axes != b.demon_axes
        {
            bail!(
                "{} differs from {} in more than κ_H (trap, κ_C, temperatures, atoms or demon axes); a sweep varies κ_H only",
                r.dir.display(),
                runs[0].dir.display()
            );
        }
    }
    let analyses = runs
        .iter()
        .map(|r| {
            eprintln!("analysing {}", r.dir.display());
            analyze_run(r, opts).with_context(|| format!("run {}", r.dir.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((runs, analyses))
}

fn ratio(r: &RunDir) -> f64 {
    let c = &r.scenario.controller;
    c.kappa_hot_ev_per_a2 / c.kappa_cold_ev_per_a2
}
