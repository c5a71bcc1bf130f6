//! `nanodemon run-batch`: R scenarios as the replicas of one batch engine, each written into its own run
//! directory exactly as `nanodemon run` writes it.
//!
//! Every replica is driven by the single-run driver ([`super::run_with_engine`]) in a thread of its own,
//! through its [`BatchReplica`] handle; so its heat.csv, checkpoints, run.json, run.log, stop on a signal and
//! `--resume` are a single run's, and on the same engine its heat.csv is byte-identical to that run's. Replicas
//! need not be in step: each resumes from its own checkpoint, and one that finishes or fails leaves the batch
//! while the others go on.

use super::progress::last_progress;
use super::{format_duration, read_run_json, run_with_engine, RunOptions, RunSummary};
use crate::engine::batch::{self, BatchReplica};
use crate::engine::{Backend, Engine};
use crate::gpu::AdapterChoice;
use crate::scenario::Scenario;
use crate::stop::Stopped;
use crate::system::{build_system, System};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often `run-batch` prints its line of every replica's progress on stderr.
const PROGRESS_EVERY: Duration = Duration::from_secs(30);

/// One replica: its scenario file, its run directory, and whether to continue the run there.
#[derive(Clone, Debug)]
pub struct Replica {
    pub scenario: PathBuf,
    pub out: PathBuf,
    /// Continue the run in `out` from its checkpoint: a replica whose run there is complete is skipped, and one
    /// never started there (no run.json, no checkpoint) starts, so that resuming a batch stopped before some of
    /// its replicas began runs them all.
    pub resume: bool,
}

/// What every replica of a batch shares.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    pub backend: Backend,
    /// Production length override, ps, for every replica.
    pub time_ps: Option<f64>,
    /// Discard earlier outputs in each replica's directory and start afresh (see [`RunOptions::restart`]).
    pub restart: bool,
    /// CPU worker threads of each replica.
    pub threads: usize,
    /// A line on stderr as each replica starts and ends (progress lines go to each replica's run.log).
    pub progress: bool,
    pub adapter: AdapterChoice,
}

/// What happened to one replica.
#[derive(Clone, Debug, Serialize)]
pub struct ReplicaOutcome {
    pub index: usize,
    pub scenario: PathBuf,
    pub out: PathBuf,
    /// "completed", "resumed and completed", "already done", "stopped" (checkpointed on a signal) or "failed".
    pub outcome: String,
    pub error: Option<String>,
    /// The signal stop, when the replica checkpointed on one (not a failure: `--resume` continues it).
    #[serde(skip)]
    pub stopped: Option<Stopped>,
    pub summary: Option<RunSummary>,
    pub wall_s: f64,
}

/// What `run_batch` returns (and `run-batch --json` prints).
#[derive(Clone, Debug, Serialize)]
pub struct BatchSummary {
    /// The batch engine, absent when no replica needed one (all done, or none could start).
    pub engine: Option<String>,
    pub replicas: Vec<ReplicaOutcome>,
    pub completed: usize,
    pub failed: usize,
    pub stopped: usize,
    pub wall_s: f64,
}

impl BatchSummary {
    /// The summary when no replica failed or stopped; else the signal stop (so a batch script tells
    /// "checkpointed, requeue me" from a failure), else an error naming every failed replica and why.
    pub fn into_result(self) -> Result<BatchSummary> {
        if let Some(stopped) = self.replicas.iter().find_map(|o| o.stopped.clone()) {
            return Err(stopped.into());
        }
        if self.failed > 0 {
            let failed: Vec<String> = self
                .replicas
                .iter()
                .filter_map(|o| {
                    o.error
                        .as_ref()
                        .map(|e| format!("replica {} ({}): {e}", o.index, o.scenario.display()))
                })
                .collect();
            bail!(
                "{} of {} replicas failed (the others are done):\n  {}",
                self.failed,
                self.replicas.len(),
                failed.join("\n  ")
            );
        }
        Ok(self)
    }
}

/// Runs (or resumes) every replica in one batch engine and returns each one's outcome. A replica that
/// cannot start (its scenario does not load, its directory holds a run and it is not resumed) or that fails
/// on the way does not stop the others. An error only when the batch as a whole cannot run: replicas that
/// cannot share a batch engine (different atom counts or box), or no engine for the backend.
pub fn run_batch(replicas: &[Replica], opts: &BatchOptions) -> Result<BatchSummary> {
    let t0 = Instant::now();
    if opts.restart && replicas.iter().any(|r| r.resume) {
        bail!("--resume and --restart exclude each other: --resume continues a run, --restart discards it");
    }
    for (i, a) in replicas.iter().enumerate() {
        if let Some(j) = replicas[..i].iter().position(|b| b.out == a.out) {
            bail!(
                "--out: replicas {j} ({}) and {i} ({}) would both write {}; give each replica its own directory",
                replicas[j].scenario.display(),
                a.scenario.display(),
                a.out.display()
            );
        }
    }
    let replicas: &[Replica] = &replicas
        .iter()
        .map(|r| Replica {
            resume: r.resume
                && (r.out.join("run.json").exists() || r.out.join(super::CHECKPOINT).exists()),
            ..r.clone()
        })
        .collect::<Vec<_>>();
    let mut outcomes: Vec<Option<ReplicaOutcome>> = vec![None; replicas.len()];
    let mut members: Vec<(usize, Scenario, System)> = Vec::new();
    for (i, rep) in replicas.iter().enumerate() {
        let ended = |outcome: &str, error: Option<String>| ReplicaOutcome {
            outcome: outcome.into(),
            error,
            ..outcome_of(i, rep)
        };
        if rep.resume && is_complete(rep, opts.time_ps) {
            outcomes[i] = Some(ended("already done", None));
            continue;
        }
        match prepare(rep, opts.time_ps) {
            Ok((sc, sys)) => members.push((i, sc, sys)),
            Err(e) => {
                let msg = format!("{e:#}");
                if opts.progress {
                    eprintln!("[replica {i}] failed: {msg}");
                }
                outcomes[i] = Some(ended("failed", Some(msg)));
            }
        }
    }
    check_compatible(&members, replicas)?;
    let engine_name = if members.is_empty() {
        None
    } else {
        Some(run_members(members, replicas, opts, &mut outcomes)?)
    };
    let replicas: Vec<ReplicaOutcome> = outcomes
        .into_iter()
        .map(|o| o.expect("every replica has an outcome"))
        .collect();
    let count = |f: &dyn Fn(&ReplicaOutcome) -> bool| replicas.iter().filter(|o| f(o)).count();
    Ok(BatchSummary {
        engine: engine_name,
        completed: count(&|o| o.error.is_none() && o.stopped.is_none()),
        failed: count(&|o| o.error.is_some()),
        stopped: count(&|o| o.stopped.is_some()),
        replicas,
        wall_s: t0.elapsed().as_secs_f64(),
    })
}

/// Creates the batch engine of `members` (replica index, scenario, system) and runs each member's replica
/// in a thread of its own, filling in their outcomes; returns the engine's description.
fn run_members(
    members: Vec<(usize, Scenario, System)>,
    replicas: &[Replica],
    opts: &BatchOptions,
    outcomes: &mut [Option<ReplicaOutcome>],
) -> Result<String> {
    let mut indices = Vec::with_capacity(members.len());
    let (mut scenarios, mut systems) = (Vec::new(), Vec::new());
    for (i, sc, sys) in members {
        indices.push(i);
        scenarios.push(sc);
        systems.push(sys);
    }
    let (engine, backend) = batch::create(
        opts.backend,
        &scenarios,
        &systems,
        opts.threads,
        &opts.adapter,
    )?;
    drop(systems);
    let name = engine.describe();
    if opts.progress {
        eprintln!(
            "batch on {name}; every {} s a line of each replica's progress (its progress lines go to its run.log)",
            PROGRESS_EVERY.as_secs()
        );
    }
    let handles = batch::split(engine);
    let finished = AtomicUsize::new(0);
    std::thread::scope(|s| {
        if opts.progress {
            let dirs: Vec<(usize, &Path)> = indices
                .iter()
                .map(|&i| (i, replicas[i].out.as_path()))
                .collect();
            let finished = &finished;
            s.spawn(move || monitor(&dirs, finished));
        }
        let threads: Vec<_> = indices
            .iter()
            .zip(scenarios)
            .zip(handles)
            .map(|((&i, sc), handle)| {
                let rep = &replicas[i];
                let finished = &finished;
                s.spawn(move || {
                    let _done = Finished(finished);
                    run_replica(i, rep, sc, handle, backend, opts)
                })
            })
            .collect();
        for (&i, t) in indices.iter().zip(threads) {
            outcomes[i] = Some(t.join().unwrap_or_else(|_| ReplicaOutcome {
                outcome: "failed".into(),
                error: Some("the replica's thread panicked".into()),
                ..outcome_of(i, &replicas[i])
            }));
        }
    });
    Ok(name)
}

/// Counts a replica's thread as finished when it ends, however it ends (a panic too), so the monitor stops.
struct Finished<'a>(&'a AtomicUsize);

impl Drop for Finished<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Prints [`progress_line`] every PROGRESS_EVERY until every replica's thread has finished.
fn monitor(dirs: &[(usize, &Path)], finished: &AtomicUsize) {
    let mut last = Instant::now();
    while finished.load(Ordering::SeqCst) < dirs.len() {
        std::thread::sleep(Duration::from_millis(200));
        if last.elapsed() >= PROGRESS_EVERY {
            last = Instant::now();
            eprintln!("{}", progress_line(dirs));
        }
    }
}

/// One line of every replica's progress, read from the last progress line of its run.log: share of the run
/// simulated and ETA per replica, and the replicas' ns/day added up.
fn progress_line(dirs: &[(usize, &Path)]) -> String {
    let mut total = 0.0;
    let parts: Vec<String> = dirs
        .iter()
        .map(|&(i, dir)| match last_progress(dir) {
            Some(p) => {
                total += p.ns_per_day;
                let eta = if p.eta_s.is_finite() {
                    format_duration(p.eta_s)
                } else {
                    "unknown".into()
                };
                format!(
                    "r{i} {:.0}% ETA {eta}",
                    100.0 * p.done_ns / p.total_ns.max(1e-300)
                )
            }
            None => format!("r{i} starting"),
        })
        .collect();
    format!("[batch] {}; {total:.3} ns/day in all", parts.join(", "))
}

/// Replica i's outcome with nothing yet filled in.
fn outcome_of(i: usize, rep: &Replica) -> ReplicaOutcome {
    ReplicaOutcome {
        index: i,
        scenario: rep.scenario.clone(),
        out: rep.out.clone(),
        outcome: String::new(),
        error: None,
        stopped: None,
        summary: None,
        wall_s: 0.0,
    }
}

/// Whether `rep.out` holds a completed run as long as the one asked for (a longer `--time-ps`, or a longer
/// run.production_ps, extends it instead, as `nanodemon run --resume` does).
fn is_complete(rep: &Replica, time_ps: Option<f64>) -> bool {
    let Ok(rj) = read_run_json(&rep.out) else {
        return false;
    };
    let target = match time_ps {
        Some(t) => t,
        None => match Scenario::load(&rep.scenario) {
            Ok(sc) => sc.run.production_ps,
            Err(_) => return false,
        },
    };
    rj.status == "completed" && rj.scenario.run.production_ps == target
}

/// The replica's scenario (with the `--time-ps` override, as the run will read it) and its start system.
fn prepare(rep: &Replica, time_ps: Option<f64>) -> Result<(Scenario, System)> {
    let mut sc = Scenario::load(&rep.scenario)?;
    if let Some(t) = time_ps {
        sc.run.production_ps = t;
        sc.validate().context("--time-ps")?;
    }
    let sys = build_system(&sc)?;
    Ok((sc, sys))
}

/// Replicas share one batch engine only with the same atom counts per group and the same box; an error
/// names the two scenarios and the field that differs.
fn check_compatible(members: &[(usize, Scenario, System)], replicas: &[Replica]) -> Result<()> {
    let Some((i0, _, first)) = members.first() else {
        return Ok(());
    };
    let (a, la) = (first.counts(), first.box_a.x);
    for (i, _, sys) in &members[1..] {
        let (b, lb) = (sys.counts(), sys.box_a.x);
        let differs = [
            (
                a.cold_bath,
                b.cold_bath,
                "cold.argon_atoms (or cold.argon_density_per_a3)",
                "cold bath atoms",
            ),
            (
                a.hot_bath,
                b.hot_bath,
                "hot.argon_atoms (or hot.argon_density_per_a3)",
                "hot bath atoms",
            ),
            (
                a.wall,
                b.wall,
                "geometry.walls / geometry.wall_spacing_a",
                "wall atoms",
            ),
            (
                a.cold_particle,
                b.cold_particle,
                "nanoparticle.atoms (or nanoparticle.enabled)",
                "particle atoms",
            ),
        ]
        .into_iter()
        .map(|(x, y, field, what)| (x as f64, y as f64, field, what))
        .chain([(la, lb, "geometry.container_length_a", "Å box length (2L)")])
        .find(|(x, y, _, _)| x != y);
        if let Some((x, y, field, what)) = differs {
            bail!(
                "{field}: replica {i} ({}) has {y} {what}, replica {i0} ({}) has {x}; the replicas of a batch \
                 share one engine and need the same atom counts and box: run these scenarios in separate batches",
                replicas[*i].scenario.display(),
                replicas[*i0].scenario.display()
            );
        }
    }
    Ok(())
}

/// One replica's run through the single-run driver on its batch handle.
fn run_replica(
    i: usize,
    rep: &Replica,
    sc: Scenario,
    handle: BatchReplica,
    backend: Backend,
    opts: &BatchOptions,
) -> ReplicaOutcome {
    let t0 = Instant::now();
    if opts.progress {
        eprintln!(
            "[replica {i}] {} {} into {}",
            if rep.resume { "resuming" } else { "starting" },
            rep.scenario.display(),
            rep.out.display()
        );
    }
    let ro = RunOptions {
        backend: opts.backend,
        out: rep.out.clone(),
        time_ps: opts.time_ps,
        resume: rep.resume,
        restart: opts.restart,
        threads: opts.threads,
        progress: false,
        adapter: opts.adapter.clone(),
    };
    let result = run_with_engine(&rep.scenario, &ro, move |run_sc: &Scenario, _: &System| {
        if run_sc != &sc {
            bail!(
                "{} changed while the batch started; run the batch again",
                rep.scenario.display()
            );
        }
        Ok((Box::new(handle) as Box<dyn Engine>, backend))
    });
    let mut o = ReplicaOutcome {
        wall_s: t0.elapsed().as_secs_f64(),
        ..outcome_of(i, rep)
    };
    match result {
        Ok(summary) => {
            o.outcome = if rep.resume {
                "resumed and completed"
            } else {
                "completed"
            }
            .into();
            o.summary = Some(summary);
        }
        Err(e) if e.is::<Stopped>() => {
            o.outcome = "stopped".into();
            o.stopped = e.downcast_ref::<Stopped>().cloned();
        }
        Err(e) => {
            o.outcome = "failed".into();
            o.error = Some(format!("{e:#}"));
        }
    }
    if opts.progress {
        let why = o
            .error
            .as_ref()
            .map(|e| format!(": {e}"))
            .unwrap_or_default();
        eprintln!("[replica {i}] {}{why}", o.outcome);
    }
    o
}

/// The run directory of each scenario under `root`: `root/STEM` for `STEM.json`; an error naming both when two
/// scenarios would share one.
pub fn out_dirs(scenarios: &[PathBuf], root: &Path) -> Result<Vec<PathBuf>> {
    let mut outs: Vec<PathBuf> = Vec::with_capacity(scenarios.len());
    for (i, sc) in scenarios.iter().enumerate() {
        let stem = sc
            .file_stem()
            .with_context(|| format!("{}: not a scenario file name", sc.display()))?;
        let out = root.join(stem);
        if let Some(j) = outs.iter().position(|o| o == &out) {
            bail!(
                "--out-root: {} and {} would both write {}; give each replica its own directory with --out \
                 (one per scenario, in order)",
                scenarios[j].display(),
                scenarios[i].display(),
                out.display()
            );
        }
        outs.push(out);
    }
    Ok(outs)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The batch's progress line reads each replica's last progress line from its run.log (a replica with none
    /// yet is "starting") and adds up their speeds.
    #[test]
    fn progress_line_reads_each_replicas_run_log() {
        let root =
            std::env::temp_dir().join(format!("nanodemon-batch-progress-{}", std::process::id()));
        let (a, b) = (root.join("a"), root.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(
            a.join("run.log"),
            "2026-12-03T15:13:35Z engine: cpu\n\
             2026-12-03T15:13:36Z [production] 0.250 / 1.000 ns simulated (25%), 303 steps/s, 2.000 ns/day, \
             ETA 9 h 0 min, T_C 100.1 K, T_H 119.8 K\n",
        )
        .unwrap();
        let line = progress_line(&[(0, a.as_path()), (3, b.as_path())]);
        assert_eq!(
            line,
            "[batch] r0 25% ETA 9 h 0 min, r3 starting; 2.000 ns/day in all"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn two_replicas_writing_one_directory_are_refused_before_any_work() {
        let rep = |sc: &str| Replica {
            scenario: PathBuf::from(sc),
            out: PathBuf::from("/nonexistent/runs/x"),
            resume: false,
        };
        let opts = BatchOptions {
            backend: Backend::Cpu,
            time_ps: None,
            restart: false,
            threads: 1,
            progress: false,
            adapter: AdapterChoice::default(),
        };
        let err = run_batch(&[rep("a.json"), rep("b.json")], &opts)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("a.json") && err.contains("b.json") && err.contains("runs/x"),
            "{err}"
        );
    }

    #[test]
    fn replica_directories_are_named_after_the_scenarios_and_never_shared() {
        let root = Path::new("runs/k");
        let outs = out_dirs(
            &[
                PathBuf::from("a/kappa-1.json"),
                PathBuf::from("kappa-2.json"),
            ],
            root,
        )
        .unwrap();
        assert_eq!(outs, [root.join("kappa-1"), root.join("kappa-2")]);
        let err = out_dirs(
            &[PathBuf::from("a/s.json"), PathBuf::from("b/s.json")],
            root,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("a/s.json") && err.contains("b/s.json") && err.contains("--out"),
            "{err}"
        );
    }
}
