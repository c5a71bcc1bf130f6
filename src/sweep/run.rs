//! `nanodemon sweep run`: one point (a Slurm array task) or every unfinished point on this machine, K at a
//! time, each resuming from its checkpoint when an earlier attempt was killed.
//!
//! Points run as threads of this process, each with its own CPU worker threads (cores / K by default). A point
//! is done only when its run.json says "completed"; an error is recorded in the point's failed.json and the
//! other points go on. Several GPUs: unless an adapter is fixed (`--adapter`, NANODEMON_ADAPTER), job slot j
//! of `--all` runs its points on hardware adapter j mod (number of hardware adapters), so K jobs spread over
//! the cards instead of sharing the first.

use super::plan::Manifest;
use super::point::{PointDir, PointState};
use crate::engine::Backend;
use crate::gpu::{adapters, AdapterChoice};
use crate::run::{run, RunOptions};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

#[derive(Clone, Debug)]
pub struct SweepRunOptions {
    pub backend: Backend,
    /// Points at once (with `--all`).
    pub jobs: usize,
    /// CPU worker threads per point; `None`: the machine's cores divided among the jobs.
    pub threads: Option<usize>,
    pub progress: bool,
    /// A fixed GPU adapter for every point; unfixed, `--all` spreads its jobs over the hardware adapters.
    pub adapter: AdapterChoice,
    /// Points per batch engine (`--batch R`, [`super::batch`]); 1: every point is a single run of its own.
    pub batch: usize,
}

/// What happened to one point in this invocation.
#[derive(Clone, Debug, Serialize)]
pub struct PointOutcome {
    pub index: usize,
    /// "completed", "resumed and completed", "already done", "stopped" (checkpointed on a signal), or "failed".
    pub outcome: String,
    pub error: Option<String>,
    /// The signal stop, when the point checkpointed on one (not a failure: the next attempt resumes it).
    #[serde(skip)]
    pub stopped: Option<crate::stop::Stopped>,
    pub wall_s: f64,
}

impl PointOutcome {
    /// An outcome that is not a signal stop.
    pub fn ended(index: usize, what: &str, error: Option<String>, wall_s: f64) -> PointOutcome {
        PointOutcome {
            index,
            outcome: what.into(),
            error,
            stopped: None,
            wall_s,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SweepRunSummary {
    pub points: Vec<PointOutcome>,
    pub completed: usize,
    pub failed: usize,
}

/// Runs point `index` of the sweep in `root`, or with `opts.batch` = R > 1 batch task `index` (points
/// index·R … index·R+R−1 in one batch engine). An error when a point fails (a Slurm task then fails too).
pub fn run_index(root: &Path, index: usize, opts: &SweepRunOptions) -> Result<SweepRunSummary> {
    let m = Manifest::load(root)?;
    if opts.batch != 1 {
        let points = super::batch::task_points(&m, index, opts.batch)?;
        let threads = opts
            .threads
            .unwrap_or_else(|| (crate::engine::cpu::default_threads() / points.len()).max(1));
        let outcomes = super::batch::run_points(root, &points, opts, threads, &opts.adapter);
        return finish(
            root,
            outcomes,
            &format!("--index {index} --batch {}", opts.batch),
        );
    }
    m.point(index)?;
    let threads = opts
        .threads
        .unwrap_or_else(crate::engine::cpu::default_threads);
    // One point per process (a Slurm array task): its progress lines go to the task's log.
    let o = run_point(
        &PointDir::new(root, index),
        opts,
        threads,
        opts.progress,
        &opts.adapter,
    );
    if let Some(stopped) = &o.stopped {
        return Err(stopped.clone().into());
    }
    if let Some(e) = &o.error {
        bail!("point {index} failed: {e}");
    }
    Ok(summary(vec![o]))
}

/// Runs every point that is not done, `opts.jobs` at a time. Fails at the end if any point failed, naming them.
pub fn run_all(root: &Path, opts: &SweepRunOptions) -> Result<SweepRunSummary> {
    if opts.jobs == 0 {
        bail!("--jobs 0: give at least 1 (points run at once)");
    }
    if opts.batch == 0 {
        bail!("--batch 0: give at least 1 (points per batch engine)");
    }
    let m = Manifest::load(root)?;
    let threads = opts.threads.unwrap_or_else(|| {
        (crate::engine::cpu::default_threads() / (opts.jobs * opts.batch)).max(1)
    });
    // Work items: single points, or with --batch R the unfinished points R at a time (the done ones are
    // reported as such without taking a place in a batch).
    let mut done = Vec::new();
    let items: Vec<Vec<usize>> = if opts.batch == 1 {
        m.points.iter().map(|p| vec![p.index]).collect()
    } else {
        let mut open = Vec::new();
        for p in &m.points {
            if PointDir::new(root, p.index).completed() {
                done.push(PointOutcome::ended(p.index, "already done", None, 0.0));
            } else {
                open.push(p.index);
            }
        }
        open.chunks(opts.batch).map(<[usize]>::to_vec).collect()
    };
    let queue = Mutex::new(items.into_iter());
    let outcomes = Mutex::new(done);
    let jobs = opts
        .jobs
        .min(queue.lock().expect("queue lock").len())
        .max(1);
    let hardware: Vec<usize> = if opts.backend == Backend::Cpu || opts.adapter.index().is_some() {
        Vec::new()
    } else {
        adapters()
            .iter()
            .filter(|a| a.is_hardware())
            .map(|a| a.index)
            .collect()
    };
    let slots = slot_adapters(jobs, &opts.adapter, &hardware);
    std::thread::scope(|s| {
        for adapter in &slots {
            let (queue, outcomes) = (&queue, &outcomes);
            s.spawn(move || loop {
                // After a stop signal, points in progress checkpoint and no new one starts.
                if crate::stop::requested().is_some() {
                    break;
                }
                let Some(points) = queue.lock().expect("queue lock").next() else {
                    break;
                };
                let done = if opts.batch == 1 {
                    let echo = opts.progress && opts.jobs == 1;
                    vec![run_point(
                        &PointDir::new(root, points[0]),
                        opts,
                        threads,
                        echo,
                        adapter,
                    )]
                } else {
                    super::batch::run_points(root, &points, opts, threads, adapter)
                };
                outcomes.lock().expect("outcome lock").extend(done);
            });
        }
    });
    finish(root, outcomes.into_inner().expect("outcome lock"), "--all")
}

/// The summary of the points run, in index order; the signal stop when one stopped (so a batch script
/// requeues), else an error naming every failed point. `retry` is how `sweep run` was called, for the hint.
fn finish(root: &Path, mut outcomes: Vec<PointOutcome>, retry: &str) -> Result<SweepRunSummary> {
    outcomes.sort_by_key(|o| o.index);
    let s = summary(outcomes);
    if let Some(stopped) = s.points.iter().find_map(|o| o.stopped.clone()) {
        return Err(stopped.into());
    }
    if s.failed > 0 {
        let failed: Vec<String> = s
            .points
            .iter()
            .filter_map(|o| o.error.as_ref().map(|e| format!("point {}: {e}", o.index)))
            .collect();
        bail!(
            "{} of {} points failed (the others are done; `nanodemon sweep run {} {retry}` retries):\n  {}",
            s.failed,
            s.points.len(),
            root.display(),
            failed.join("\n  ")
        );
    }
    Ok(s)
}

/// The adapter of each of `jobs` job slots: with several hardware adapters (indices `hardware`), slot j
/// takes hardware[j mod their number]; otherwise every slot takes `fixed` (an explicit choice, or none).
fn slot_adapters(jobs: usize, fixed: &AdapterChoice, hardware: &[usize]) -> Vec<AdapterChoice> {
    (0..jobs)
        .map(|j| {
            if hardware.len() > 1 {
                AdapterChoice::for_job(hardware[j % hardware.len()])
            } else {
                fixed.clone()
            }
        })
        .collect()
}

fn summary(points: Vec<PointOutcome>) -> SweepRunSummary {
    let failed = points.iter().filter(|o| o.error.is_some()).count();
    let stopped = points.iter().filter(|o| o.stopped.is_some()).count();
    SweepRunSummary {
        completed: points.len() - failed - stopped,
        failed,
        points,
    }
}

/// One attempt at a point: skip when done, resume when a checkpoint exists, else start afresh.
/// `echo`: the run's progress lines on stderr too (they always go to the point's run/run.log).
fn run_point(
    pd: &PointDir,
    opts: &SweepRunOptions,
    threads: usize,
    echo: bool,
    adapter: &AdapterChoice,
) -> PointOutcome {
    let t0 = std::time::Instant::now();
    let result = attempt(pd, opts, threads, echo, adapter);
    let wall_s = t0.elapsed().as_secs_f64();
    match result {
        Ok(outcome) => PointOutcome {
            index: pd.index,
            outcome,
            error: None,
            stopped: None,
            wall_s,
        },
        Err(e) if e.is::<crate::stop::Stopped>() => {
            if opts.progress {
                eprintln!("[point {}] {e:#}", pd.index);
            }
            PointOutcome {
                index: pd.index,
                outcome: "stopped".into(),
                error: None,
                stopped: e.downcast_ref::<crate::stop::Stopped>().cloned(),
                wall_s,
            }
        }
        Err(e) => {
            let msg = format!("{e:#}");
            if opts.progress {
                eprintln!("[point {}] failed: {msg}", pd.index);
            }
            // A lock held by another process is not a failure of the point.
            if pd.state() != PointState::Running {
                let record = serde_json::json!({"error": msg});
                let _ = std::fs::write(pd.failed(), record.to_string() + "\n");
            }
            PointOutcome {
                index: pd.index,
                outcome: "failed".into(),
                error: Some(msg),
                stopped: None,
                wall_s,
            }
        }
    }
}

fn attempt(
    pd: &PointDir,
    opts: &SweepRunOptions,
    threads: usize,
    echo: bool,
    adapter: &AdapterChoice,
) -> Result<String> {
    let Some((_lock, resume)) = pd.claim()? else {
        return Ok("already done".into());
    };
    if opts.progress {
        eprintln!(
            "[point {}] {}",
            pd.index,
            if resume {
                "resuming from its checkpoint"
            } else {
                "starting"
            }
        );
    }
    let ro = RunOptions {
        backend: opts.backend,
        out: pd.run(),
        time_ps: None,
        resume,
        restart: false,
        threads,
        progress: echo,
        adapter: adapter.clone(),
    };
    run(&pd.scenario(), &ro).with_context(|| format!("running {}", pd.scenario().display()))?;
    if opts.progress {
        eprintln!("[point {}] completed", pd.index);
    }
    Ok(if resume {
        "resumed and completed"
    } else {
        "completed"
    }
    .into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_slots_spread_over_several_hardware_adapters_only() {
        let none = AdapterChoice::default();
        // Adapters 0, 2, 3 are hardware (1 would be a software one): five slots take 0, 2, 3, 0, 2.
        let idx: Vec<Option<usize>> = slot_adapters(5, &none, &[0, 2, 3])
            .iter()
            .map(AdapterChoice::index)
            .collect();
        assert_eq!(idx, [Some(0), Some(2), Some(3), Some(0), Some(2)]);
        // One hardware adapter (or none): every slot keeps the caller's choice.
        for hw in [&[1][..], &[]] {
            assert!(slot_adapters(3, &none, hw).iter().all(|a| *a == none));
        }
    }
}
