//! One point's directory: its scenario, its run, its lock and its failure record, and the state read from them.
//!
//! `DIR/points/NNNN/scenario.json` is the full scenario; `run/` is an ordinary `nanodemon run` directory
//! (heat.csv, run.json, checkpoint.ckpt); `lock` names the host and process running the point; `failed.json`
//! holds the error of the last attempt.

use crate::provenance::host_name;
pub use crate::run::progress::ProgressRate as PointRate;
use crate::run::progress::{last_progress, tail};
use crate::run::read_run_json;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where a point stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PointState {
    /// Its run completed (run.json status "completed").
    Done,
    /// A live process holds its lock.
    Running,
    /// Started but nobody runs it now (killed, preempted, time limit): the next `sweep run` resumes it.
    Interrupted,
    /// The last attempt ended with an error (failed.json); the next `sweep run` tries again.
    Failed,
    /// Never started.
    Pending,
}

/// The files of point `index` under the sweep directory `root`.
#[derive(Clone, Debug)]
pub struct PointDir {
    pub index: usize,
    pub dir: PathBuf,
}

impl PointDir {
    pub fn new(root: &Path, index: usize) -> PointDir {
        PointDir {
            index,
            dir: root.join(Self::relative(index)),
        }
    }

    /// The directory relative to the sweep root, as the manifest records it.
    pub fn relative(index: usize) -> String {
        format!("points/{index:04}")
    }

    pub fn scenario(&self) -> PathBuf {
        self.dir.join("scenario.json")
    }
    pub fn run(&self) -> PathBuf {
        self.dir.join("run")
    }
    pub fn failed(&self) -> PathBuf {
        self.dir.join("failed.json")
    }
    fn lock(&self) -> PathBuf {
        self.dir.join("lock")
    }

    /// Whether a run has been started here (anything written into run/).
    pub fn started(&self) -> bool {
        self.run().join("run.json").exists() || self.run().join("heat.csv").exists()
    }

    pub fn completed(&self) -> bool {
        read_run_json(&self.run()).is_ok_and(|r| r.status == "completed")
    }

    pub fn state(&self) -> PointState {
        if self.completed() {
            PointState::Done
        } else if self.lock_holder().is_some() {
            PointState::Running
        } else if self.failed().exists() {
            PointState::Failed
        } else if self.started() {
            PointState::Interrupted
        } else {
            PointState::Pending
        }
    }

    /// "host pid" of a live lock holder. A lock left by a dead process on this host is stale; one from
    /// another host is taken as live (the process may run on another node of a shared file system).
    fn lock_holder(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.lock()).ok()?;
        let (host, pid) = text.trim().split_once(' ')?;
        if host == host_name() && !pid_alive(pid) {
            return None;
        }
        Some(text.trim().to_string())
    }

    /// Takes the point's lock for this process. Under Slurm (SLURM_JOB_ID set) the scheduler runs one task per
    /// index, so a lock from another host is a leftover of a preempted or timed-out task and is taken over.
    pub fn acquire(&self) -> Result<PointLock> {
        let me = format!("{} {}", host_name(), std::process::id());
        if let Some(holder) = self.lock_holder() {
            let other_host = !holder.starts_with(&format!("{} ", host_name()));
            let slurm_takeover = other_host && std::env::var_os("SLURM_JOB_ID").is_some();
            if holder != me && !slurm_takeover {
                bail!(
                    "point {} is being run by {holder} (host pid, from {}); wait for it, or delete that lock file if \
                     the process is gone",
                    self.index,
                    self.lock().display()
                );
            }
        }
        let tmp = self.dir.join(format!("lock.{}", std::process::id()));
        std::fs::write(&tmp, format!("{me}\n"))
            .with_context(|| format!("writing {}", tmp.display()))?;
        std::fs::rename(&tmp, self.lock())?;
        Ok(PointLock { path: self.lock() })
    }

    /// Makes a point that is not done ready to run: takes its lock, clears a run killed before its first
    /// checkpoint (nothing to resume: it starts over) and removes its last failure record. Returns the lock and
    /// whether the run resumes from its checkpoint; `None` when the point is done.
    pub fn claim(&self) -> Result<Option<(PointLock, bool)>> {
        if self.completed() {
            return Ok(None);
        }
        let lock = self.acquire()?;
        let run_dir = self.run();
        let resume = run_dir.join("checkpoint.ckpt").exists();
        if !resume && run_dir.exists() {
            std::fs::remove_dir_all(&run_dir)
                .with_context(|| format!("clearing {}", run_dir.display()))?;
        }
        let _ = std::fs::remove_file(self.failed());
        Ok(Some((lock, resume)))
    }

    /// Simulated production time so far and the target, ps, from the last heat.csv row and the scenario.
    pub fn progress_ps(&self, production_ps: f64) -> Option<f64> {
        let text = tail(&self.run().join("heat.csv"), 8192).ok()?;
        let last = text
            .lines()
            .rev()
            .find(|l| !l.starts_with("time_ps") && !l.is_empty())?;
        let t: f64 = last.split(',').next()?.parse().ok()?;
        Some(t.min(production_ps))
    }
}

impl PointDir {
    /// The rate and ETA of the last progress line in run/run.log (`None` before the first one).
    pub fn rate(&self) -> Option<PointRate> {
        last_progress(&self.run())
    }
}

/// Removes the lock when the attempt ends, however it ends.
pub struct PointLock {
    path: PathBuf,
}

impl Drop for PointLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn pid_alive(pid: &str) -> bool {
    pid.parse::<u32>()
        .is_ok_and(|p| Path::new(&format!("/proc/{p}")).exists())
}
