//! `nanodemon sweep run --batch R`: points run R at a time as the replicas of one batch engine
//! ([`crate::run::batch`]), each into its own `points/NNNN/run/` exactly as a single point's run.
//!
//! Array task i of a plan made with `--batch R` runs points i·R … i·R+R−1. As for single points, a point that
//! is done is skipped, one with a checkpoint resumes from it (the others of its batch may stand at other
//! steps), one killed before its first checkpoint starts over, each point holds its lock while it runs, and
//! a failure is recorded in that point's failed.json without stopping the others.

use super::plan::Manifest;
use super::point::{PointDir, PointLock, PointState};
use super::run::{PointOutcome, SweepRunOptions};
use crate::gpu::AdapterChoice;
use crate::run::batch::{run_batch, BatchOptions, Replica, ReplicaOutcome};
use anyhow::{bail, Result};
use std::path::Path;

/// The points of batch task `task` with `per_batch` points per task: those of i·R … i·R+R−1 in the manifest.
pub fn task_points(m: &Manifest, task: usize, per_batch: usize) -> Result<Vec<usize>> {
    if per_batch == 0 {
        bail!("--batch 0: give at least 1 (points per batch engine)");
    }
    let range = task * per_batch..(task + 1) * per_batch;
    let points: Vec<usize> = m
        .points
        .iter()
        .map(|p| p.index)
        .filter(|i| range.contains(i))
        .collect();
    if points.is_empty() {
        let n = m.points.iter().map(|p| p.index + 1).max().unwrap_or(0);
        bail!(
            "--index {task} with --batch {per_batch}: the sweep has {n} points, so batch tasks 0 to {}",
            n.div_ceil(per_batch).saturating_sub(1)
        );
    }
    Ok(points)
}

/// Runs the points `indices` of the sweep in `root` as one batch (`threads` CPU workers per point) and
/// returns each point's outcome, in the order of `indices`.
pub fn run_points(
    root: &Path,
    indices: &[usize],
    opts: &SweepRunOptions,
    threads: usize,
    adapter: &AdapterChoice,
) -> Vec<PointOutcome> {
    let t0 = std::time::Instant::now();
    let mut outcomes: Vec<Option<PointOutcome>> = vec![None; indices.len()];
    let mut members: Vec<(usize, Replica, PointLock)> = Vec::new();
    for (k, &index) in indices.iter().enumerate() {
        let pd = PointDir::new(root, index);
        match claim(&pd) {
            Ok(None) => outcomes[k] = Some(PointOutcome::ended(index, "already done", None, 0.0)),
            Ok(Some((replica, lock))) => members.push((k, replica, lock)),
            Err(e) => {
                outcomes[k] = Some(PointOutcome::ended(
                    index,
                    "failed",
                    Some(format!("{e:#}")),
                    0.0,
                ))
            }
        }
    }
    if !members.is_empty() {
        let replicas: Vec<Replica> = members.iter().map(|(_, r, _)| r.clone()).collect();
        if opts.progress {
            let points: Vec<String> = members
                .iter()
                .map(|(k, r, _)| {
                    let how = if r.resume { "resuming" } else { "starting" };
                    format!("{} ({how})", indices[*k])
                })
                .collect();
            eprintln!("[batch] points {} in one batch engine", points.join(", "));
        }
        let bo = BatchOptions {
            backend: opts.backend,
            time_ps: None,
            restart: false,
            threads,
            progress: false,
            adapter: adapter.clone(),
        };
        match run_batch(&replicas, &bo) {
            Ok(s) => {
                for ((k, _, _), o) in members.iter().zip(s.replicas) {
                    outcomes[*k] = Some(point_outcome(root, indices[*k], o));
                }
            }
            Err(e) => {
                let msg = format!("the batch could not run: {e:#}");
                for (k, _, _) in &members {
                    let wall_s = t0.elapsed().as_secs_f64();
                    outcomes[*k] = Some(PointOutcome::ended(
                        indices[*k],
                        "failed",
                        Some(msg.clone()),
                        wall_s,
                    ));
                }
            }
        }
    }
    // The locks go first: a point still locked after that is another process's, and its failure to start
    // here is no failure of the point.
    drop(members);
    let outcomes: Vec<PointOutcome> = outcomes
        .into_iter()
        .map(|o| o.expect("every point has an outcome"))
        .collect();
    for o in &outcomes {
        let pd = PointDir::new(root, o.index);
        if opts.progress {
            let why = o
                .error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            eprintln!("[point {}] {}{why}", o.index, o.outcome);
        }
        if let (Some(e), false) = (&o.error, pd.state() == PointState::Running) {
            let record = serde_json::json!({ "error": e });
            let _ = std::fs::write(pd.failed(), record.to_string() + "\n");
        }
    }
    outcomes
}

/// A point that is not done, made ready to run: its lock taken, a run killed before its first checkpoint
/// cleared, and its last failure record removed. `None` when it is done.
fn claim(pd: &PointDir) -> Result<Option<(Replica, PointLock)>> {
    Ok(pd.claim()?.map(|(lock, resume)| {
        (
            Replica {
                scenario: pd.scenario(),
                out: pd.run(),
                resume,
            },
            lock,
        )
    }))
}

/// A replica's outcome as the point's.
fn point_outcome(root: &Path, index: usize, o: ReplicaOutcome) -> PointOutcome {
    if let Some(e) = o.error {
        let scenario = PointDir::new(root, index).scenario();
        let msg = format!("running {}: {e}", scenario.display());
        return PointOutcome::ended(index, "failed", Some(msg), o.wall_s);
    }
    PointOutcome {
        stopped: o.stopped,
        ..PointOutcome::ended(index, &o.outcome, None, o.wall_s)
    }
}
