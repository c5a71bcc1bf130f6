//! `nanodemon sweep plan`: one directory per point with its full scenario, the manifest, and a Slurm batch
//! script whose array task `i` runs `nanodemon sweep run DIR --index i` (with `--batch R`: `... --index i
//! --batch R`, points i·R … i·R+R−1 in one batch engine).
//!
//! Re-planning is additive: a point whose parameters were planned before keeps its index and directory, a
//! started or finished point is never rewritten, and points that left the sweep file stay in the manifest.

use super::point::PointDir;
use super::spec::{PointParams, SlurmSettings, Sweep};
use crate::scenario::Scenario;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const MANIFEST: &str = "sweep.json";
pub const BATCH_SCRIPT: &str = "sweep.sbatch";

/// Start-up allowance added to every time limit, minutes: binary start, system build, checkpoint reload.
const STARTUP_MIN: f64 = 10.0;

/// DIR/sweep.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub slurm: SlurmSettings,
    pub points: Vec<ManifestPoint>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestPoint {
    pub index: usize,
    /// Relative to the sweep directory.
    pub dir: String,
    pub params: PointParams,
}

impl Manifest {
    pub fn load(root: &Path) -> Result<Manifest> {
        let p = root.join(MANIFEST);
        let text = std::fs::read_to_string(&p).with_context(|| {
            format!(
                "reading {}: is {} a sweep directory made by `nanodemon sweep plan`?",
                p.display(),
                root.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
    }

    /// The point with this index, or an error naming the valid range.
    pub fn point(&self, index: usize) -> Result<&ManifestPoint> {
        self.points
            .iter()
            .find(|p| p.index == index)
            .with_context(|| {
                format!(
                    "--index {index}: the sweep has points 0 to {}",
                    self.points.len().saturating_sub(1)
                )
            })
    }
}

/// What `sweep plan` did.
#[derive(Clone, Debug, Serialize)]
pub struct PlanSummary {
    pub dir: PathBuf,
    pub points: usize,
    /// Points written for the first time.
    pub new: Vec<usize>,
    /// Planned before and left as they were (started, finished, or unchanged).
    pub kept: Vec<usize>,
    pub batch_script: PathBuf,
    /// Points per array task (`--batch`), run in one batch engine when more than 1.
    pub batch: usize,
    /// Array tasks: ceil(points / batch).
    pub tasks: usize,
    pub time_limit: String,
    pub submit: String,
}

/// Plans the sweep `sweep_file` into `out`, `batch` points per array task.
pub fn plan(sweep_file: &Path, out: &Path, batch: usize) -> Result<PlanSummary> {
    if batch == 0 {
        bail!("--batch 0: give at least 1 (points per array task)");
    }
    let sweep = Sweep::load(sweep_file)?;
    std::fs::create_dir_all(out.join("slurm"))
        .with_context(|| format!("creating {}", out.display()))?;
    let root = std::path::absolute(out).with_context(|| format!("resolving {}", out.display()))?;
    let mut manifest = if root.join(MANIFEST).exists() {
        Manifest::load(&root)?
    } else {
        Manifest {
            name: sweep.file.name.clone(),
            version: crate::provenance::VERSION.into(),
            slurm: sweep.file.slurm.clone(),
            points: Vec::new(),
        }
    };
    manifest.name = sweep.file.name.clone();
    manifest.slurm = sweep.file.slurm.clone();

    let (mut new, mut kept) = (Vec::new(), Vec::new());
    let mut scenarios = Vec::new();
    for params in &sweep.points {
        let sc = params.scenario(&sweep.base, &sweep.file.name)?;
        let index = match manifest.points.iter().find(|p| &p.params == params) {
            Some(p) => {
                kept.push(p.index);
                p.index
            }
            None => {
                let index = manifest
                    .points
                    .iter()
                    .map(|p| p.index + 1)
                    .max()
                    .unwrap_or(0);
                manifest.points.push(ManifestPoint {
                    index,
                    dir: PointDir::relative(index),
                    params: params.clone(),
                });
                new.push(index);
                index
            }
        };
        scenarios.push((PointDir::new(&root, index), sc));
    }
    // Check every kept point before writing anything, so a refused re-plan changes nothing.
    for (pd, sc) in &scenarios {
        if pd.started() {
            let had = Scenario::load(&pd.scenario())?;
            if &had != sc {
                bail!(
                    "point {} ({}) already has a run with a different scenario; re-planning never rewrites started \
                     or finished points: plan the changed sweep into a new --out, or delete {}",
                    pd.index,
                    pd.dir.display(),
                    pd.dir.display()
                );
            }
        }
    }
    for (pd, sc) in &scenarios {
        if !pd.started() {
            std::fs::create_dir_all(&pd.dir)?;
            write_atomic(&pd.scenario(), &(serde_json::to_string_pretty(sc)? + "\n"))?;
        }
    }
    write_atomic(
        &root.join(MANIFEST),
        &(serde_json::to_string_pretty(&manifest)? + "\n"),
    )?;

    let run_ps = sweep.base.run.equilibration_ps + sweep.base.run.production_ps;
    let speed = Speed::of(&manifest.slurm, sweep_file, &sweep.base)?;
    let minutes = time_limit_minutes(run_ps, speed.ns_per_day, manifest.slurm.time_margin);
    checkpoint_within_warning(
        sweep.base.run.checkpoint_interval_ps,
        &speed,
        manifest.slurm.signal_lead_s,
    )?;
    let mem_gb = manifest
        .slurm
        .mem_gb
        .unwrap_or_else(|| default_mem_gb(&sweep.base, batch));
    let tasks = array_tasks(&manifest, batch)?;
    let script = batch_script(&root, &manifest, minutes, mem_gb, &speed, batch)?;
    let script_path = root.join(BATCH_SCRIPT);
    write_atomic(&script_path, &script)?;
    Ok(PlanSummary {
        dir: root.clone(),
        points: manifest.points.len(),
        new,
        kept,
        submit: format!("sbatch {}", script_path.display()),
        batch_script: script_path,
        batch,
        tasks,
        time_limit: slurm_time(minutes),
    })
}

/// The speed a time limit is computed from, and where it came from (for the batch script's comment).
#[derive(Clone, Debug, PartialEq)]
struct Speed {
    ns_per_day: f64,
    source: String,
}

impl Speed {
    /// `slurm.expected_ns_per_day`, or the `slurm.measured_bench` file (relative to the sweep file) scaled to the
    /// base scenario's atom count.
    fn of(s: &SlurmSettings, sweep_file: &Path, base: &Scenario) -> Result<Speed> {
        let Some(file) = &s.measured_bench else {
            let v = s
                .expected_ns_per_day
                .context("slurm.expected_ns_per_day is missing")?;
            return Ok(Speed {
                ns_per_day: v,
                source: format!("{v} ns/day (slurm.expected_ns_per_day)"),
            });
        };
        let path = sweep_file.parent().unwrap_or(Path::new(".")).join(file);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "slurm.measured_bench: reading {}; record it on the cluster's machine with \
                 `nanodemon bench --backend gpu --json > {file}`",
                path.display()
            )
        })?;
        Speed::from_bench(&text, base.size_estimate().atoms)
            .with_context(|| format!("slurm.measured_bench: {}", path.display()))
    }

    /// A `nanodemon bench --json` output's ns/day scaled from its atom count to `atoms`.
    fn from_bench(text: &str, atoms: f64) -> Result<Speed> {
        let b: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
        let (Some(v), Some(n)) = (b["ns_per_day"].as_f64(), b["atoms"].as_f64()) else {
            bail!("no ns_per_day and atoms fields: is it the output of `nanodemon bench --json`?");
        };
        if !(v.is_finite() && v > 0.0 && n >= 1.0 && atoms >= 1.0) {
            bail!("ns_per_day = {v} with atoms = {n} is not a usable speed");
        }
        let machine = b["adapter"]
            .as_str()
            .or(b["engine"].as_str())
            .unwrap_or("an unnamed machine");
        let ns_per_day = v * n / atoms;
        Ok(Speed {
            ns_per_day,
            source: format!(
                "{ns_per_day:.4} ns/day: {v} ns/day measured with {n} atoms on {machine}, scaled to {atoms} atoms"
            ),
        })
    }
}

/// A run warned `lead_s` before its time limit stops at its next checkpoint, so one checkpoint interval must
/// take at most half the warning at the planned speed, or the task is killed before it gets there.
fn checkpoint_within_warning(checkpoint_ps: f64, speed: &Speed, lead_s: u32) -> Result<()> {
    let wall_s = checkpoint_ps * 1e-3 / speed.ns_per_day * crate::units::SECONDS_PER_DAY;
    if wall_s > 0.5 * lead_s as f64 {
        bail!(
            "run.checkpoint_interval_ps = {checkpoint_ps} ps takes about {wall_s:.0} s at {}, more than half of \
             slurm.signal_lead_s = {lead_s} s: a task warned before its time limit could not reach its next \
             checkpoint; shorten the base scenario's checkpoint interval or raise slurm.signal_lead_s",
            speed.source
        );
    }
    Ok(())
}

/// Wall-clock minutes one point may take: margin × simulated ps / (ns/day) plus the start-up allowance.
fn time_limit_minutes(run_ps: f64, ns_per_day: f64, margin: f64) -> u64 {
    let days = run_ps * 1e-3 / ns_per_day;
    (margin * days * 24.0 * 60.0 + STARTUP_MIN).ceil() as u64
}

/// Host memory a task asks for when the sweep file does not say, GB: twice the size estimate of the base
/// scenario (an upper bound already) for each of the `batch` points a task runs, plus 2 GB for the GPU
/// driver, runtime and binary, rounded up.
fn default_mem_gb(base: &Scenario, batch: usize) -> f64 {
    (2.0 * batch as f64 * base.size_estimate().bytes / 1e9 + 2.0).ceil()
}

/// Array tasks for `batch` points each: task i runs points i·batch … i·batch+batch−1, so ceil((last + 1) /
/// batch) tasks cover the manifest.
fn array_tasks(m: &Manifest, batch: usize) -> Result<usize> {
    let last = m
        .points
        .iter()
        .map(|p| p.index)
        .max()
        .context("the sweep has no points")?;
    Ok((last + 1).div_ceil(batch))
}

/// Slurm's D-HH:MM:SS.
fn slurm_time(minutes: u64) -> String {
    format!(
        "{}-{:02}:{:02}:00",
        minutes / 1440,
        (minutes % 1440) / 60,
        minutes % 60
    )
}

/// The array job: task i runs point i (with `batch` R > 1, points i·R … i·R+R−1 in one batch engine, each
/// with the task's CPUs divided among them) and resumes it from its checkpoint when requeued after preemption.
/// `slurm.signal_lead_s` before the time limit Slurm sends the script USR1; the script forwards it to the run,
/// which goes on to its next checkpoint and exits with `stop::EXIT_STOPPED` there, and the script requeues the
/// task (preemption's TERM takes the same path).
fn batch_script(
    root: &Path,
    m: &Manifest,
    minutes: u64,
    mem_gb: f64,
    speed: &Speed,
    batch: usize,
) -> Result<String> {
    let s = &m.slurm;
    let last = array_tasks(m, batch)? - 1;
    let exe = std::env::current_exe().context("locating the nanodemon binary")?;
    let q = |p: &Path| shell_quote(&p.display().to_string());
    let job_name: String = m
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut d = vec![
        format!("--job-name=nanodemon-{job_name}"),
        format!(
            "--array=0-{last}{}",
            s.max_parallel.map(|p| format!("%{p}")).unwrap_or_default()
        ),
        format!("--time={}", slurm_time(minutes)),
        "--ntasks=1".into(),
        format!("--output={}/slurm/%A_%a.out", root.display()),
        "--open-mode=append".into(),
        "--requeue".into(),
        format!("--signal=B:USR1@{}", s.signal_lead_s),
        format!("--mem={mem_gb}G"),
    ];
    if s.gpus_per_task > 0 {
        d.push(format!("--gres=gpu:{}", s.gpus_per_task));
    }
    if let Some(c) = s.cpus_per_task {
        d.push(format!("--cpus-per-task={c}"));
    }
    if let Some(p) = &s.partition {
        d.push(format!("--partition={p}"));
    }
    if let Some(a) = &s.account {
        d.push(format!("--account={a}"));
    }
    d.extend(s.extra_directives.iter().cloned());
    let backend = format!("{:?}", s.backend).to_lowercase();
    let mut out = String::from("#!/bin/bash\n");
    for line in d {
        out.push_str(&format!("#SBATCH {line}\n"));
    }
    let (tasks_run, batch_flag, threads) = if batch == 1 {
        (
            "Task i runs point i".to_string(),
            String::new(),
            "\"${SLURM_CPUS_PER_TASK:-${NANODEMON_THREADS:-1}}\"".to_string(),
        )
    } else {
        (
            format!(
                "Task i runs points {batch}i to {batch}i+{} in one batch engine, the task's CPUs divided among them",
                batch - 1
            ),
            format!(" --batch {batch}"),
            format!(
                "\"$(( ${{SLURM_CPUS_PER_TASK:-${{NANODEMON_THREADS:-1}}}} / {batch} > 0 ? \
                 ${{SLURM_CPUS_PER_TASK:-${{NANODEMON_THREADS:-1}}}} / {batch} : 1 ))\""
            ),
        )
    };
    out.push_str(&format!(
        "# nanodemon sweep \"{}\": {} points, time limit from {} x {} margin.\n\
         # {tasks_run}; a killed or requeued task resumes from the point's checkpoint, a finished point\n\
         # returns at once. NANODEMON overrides the binary. Progress lines go to this log and to the point's\n\
         # run/run.log.\n\
         set -euo pipefail\n",
        m.name,
        m.points.len(),
        speed.source,
        s.time_margin,
    ));
    for line in &s.setup {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!(
        "set +e\n\
         \"${{NANODEMON:-{exe}}}\" sweep run {root} --index \"$SLURM_ARRAY_TASK_ID\"{batch_flag} --backend {backend} \\\n\
         \x20   --threads {threads} &\n\
         child=$!\n\
         # Slurm's warning before the time limit (USR1) or preemption (TERM): the run goes on to its next\n\
         # checkpoint and exits {code} there, and the task requeues itself.\n\
         trap 'kill -USR1 \"$child\" 2>/dev/null' USR1 TERM\n\
         wait \"$child\"\n\
         rc=$?\n\
         while kill -0 \"$child\" 2>/dev/null; do\n\
         \x20   wait \"$child\"\n\
         \x20   rc=$?\n\
         done\n\
         if [ \"$rc\" -eq {code} ]; then\n\
         \x20   echo \"nanodemon: point checkpointed before the time limit; requeueing task $SLURM_ARRAY_TASK_ID\" >&2\n\
         \x20   scontrol requeue \"${{SLURM_ARRAY_JOB_ID}}_${{SLURM_ARRAY_TASK_ID}}\"\n\
         \x20   exit 0\n\
         fi\n\
         exit \"$rc\"\n",
        exe = exe.display(),
        root = q(root),
        code = crate::stop::EXIT_STOPPED,
    ));
    Ok(out)
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn write_atomic(path: &Path, text: &str) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limit_is_margin_times_run_time_plus_startup() {
        // 30 ns at 2 ns/day = 15 days; × 1.5 = 22.5 days = 32,400 min; + 10 min.
        assert_eq!(time_limit_minutes(30_000.0, 2.0, 1.5), 32_410);
        assert_eq!(slurm_time(32_410), "22-12:10:00");
    }

    #[test]
    fn a_checkpoint_interval_longer_than_half_the_warning_is_refused() {
        let speed = Speed {
            ns_per_day: 1.0,
            source: "1 ns/day".into(),
        };
        // 1 ps at 1 ns/day is 86.4 s of wall time.
        assert!(checkpoint_within_warning(1.0, &speed, 173).is_ok());
        let err = checkpoint_within_warning(1.0, &speed, 172).unwrap_err();
        assert!(
            err.to_string().contains("run.checkpoint_interval_ps")
                && err.to_string().contains("slurm.signal_lead_s"),
            "{err}"
        );
    }

    #[test]
    fn measured_speed_scales_inversely_with_atoms() {
        let bench =
            r#"{"engine": "gpu", "adapter": "NVIDIA H100", "atoms": 54630, "ns_per_day": 30.0}"#;
        let s = Speed::from_bench(bench, 2.0 * 54630.0).unwrap();
        assert_eq!(s.ns_per_day, 15.0);
        assert!(s.source.contains("NVIDIA H100"), "{}", s.source);
        let err = Speed::from_bench(r#"{"steps": 3}"#, 100.0).unwrap_err();
        assert!(err.to_string().contains("ns_per_day"), "{err}");
    }
}
