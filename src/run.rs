//! `nanodemon run`: equilibration, then production with the heat/work ledger, written as it goes.
//!
//! Nothing is lost: every heat.csv (and com.csv) row is flushed when written; checkpoints are atomic and record how many
//! bytes of heat.csv (and of the snapshot file) belong to them, so `--resume` truncates whatever a killed run
//! wrote after its last checkpoint and regenerates it. Right after saving a checkpoint the engine is restored
//! from it, so an uninterrupted run and a killed-and-resumed one follow the same arithmetic, bit for bit.
//!
//! Every progress line also goes to `run.log` in the run directory (appended, flushed, time-stamped), with a
//! marker line at each start, resume or restart, and the error that stopped a run; run.json records which
//! build ran it, where, when and with which command ([`crate::provenance`]).

pub mod batch;
pub mod progress;

use crate::com_csv::COM_CSV_HEADER;
use crate::engine::{self, Backend, Engine, Observation, State};
use crate::ledger::{Ledger, HEAT_CSV_COLUMNS, HEAT_CSV_HEADER};
use crate::provenance::{utc_now, Conventions, Provenance};
use crate::scenario::{Scenario, GIB};
use crate::system::{build_system, Group, System};
use crate::trajectory::{Frame, TrajectoryWriter};
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A run that loses more than this fraction of its initial kinetic energy to integration error (conserved
/// quantity drift) is stopped: at 1 fs a healthy run drifts orders of magnitude less, so this only fires on a
/// blow-up that has not yet produced NaN.
const MAX_CONSERVED_DRIFT: f64 = 0.1;

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub backend: Backend,
    pub out: PathBuf,
    /// Production length override, ps.
    pub time_ps: Option<f64>,
    pub resume: bool,
    /// Discard what an earlier run wrote in `out` (heat.csv, checkpoint, snapshots, run.json) and start afresh:
    /// the way out for a run killed before its first checkpoint, which cannot be resumed.
    pub restart: bool,
    /// CPU worker threads.
    pub threads: usize,
    /// Progress lines on stderr.
    pub progress: bool,
    /// The GPU adapter (`--adapter`, NANODEMON_ADAPTER).
    pub adapter: crate::gpu::AdapterChoice,
}

/// What `run` returns (and prints with --json).
#[derive(Clone, Debug, Serialize)]
pub struct RunSummary {
    pub out: PathBuf,
    pub engine: String,
    pub atoms: crate::system::GroupCounts,
    pub production_ps: f64,
    pub rows: u64,
    pub wall_s: f64,
    pub steps_per_s: f64,
    pub ns_per_day: f64,
    pub mean_temperature_k: [f64; 2],
    /// Slopes of linear fits of the cumulative series, eV/ps: Q_C, Q_H, W_C, W_H.
    pub heat_rate_ev_per_ps: [f64; 2],
    pub work_rate_ev_per_ps: [f64; 2],
    pub resumed_from_step: Option<u64>,
}

/// Where the driver stands, saved in every checkpoint.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct DriverState {
    heat_bytes: u64,
    /// Bytes of the trajectory file (trajectory.xyz or trajectory.dcd) that belong to this checkpoint.
    xyz_bytes: u64,
    /// Bytes of com.csv that belong to this checkpoint (0 without `run.com_interval_fs`).
    #[serde(default)]
    com_bytes: u64,
    rows: u64,
    ledger: Option<Ledger>,
    conserved_start: f64,
    kinetic_start: f64,
}

const CHECKPOINT: &str = "checkpoint.ckpt";
/// Everything a run writes into its directory that `--restart` discards (run.log is kept and marked).
const RUN_OUTPUTS: [&str; 7] = [
    "heat.csv",
    CHECKPOINT,
    "checkpoint.tmp",
    "trajectory.xyz",
    "com.csv",
    "run.json",
    "run.json.tmp",
];

/// Runs (or resumes) the scenario at `scenario_path` into `opts.out`.
pub fn run(scenario_path: &Path, opts: &RunOptions) -> Result<RunSummary> {
    run_with_engine(scenario_path, opts, |sc, sys| {
        engine::create(opts.backend, sc, sys, opts.threads, &opts.adapter)
    })
}

/// [`run`] with the engine made by `make` from the scenario and the system built from it (called once, after
/// the output directory is settled; it returns the engine and the backend for run.json) instead of
/// [`engine::create`]: how a replica of a batch (`run::batch`) runs on its share of a batch engine, through the
/// very same driver, so its outputs, checkpoints and resume are those of a single run.
pub fn run_with_engine(
    scenario_path: &Path,
    opts: &RunOptions,
    make: impl FnOnce(&Scenario, &System) -> Result<(Box<dyn Engine>, Backend)>,
) -> Result<RunSummary> {
    let mut prov = Provenance::now(None, None);
    let mut sc = Scenario::load(scenario_path)?;
    if let Some(t) = opts.time_ps {
        sc.run.production_ps = t;
        sc.validate().context("--time-ps")?;
    }
    if opts.resume && opts.restart {
        bail!("--resume and --restart exclude each other: --resume continues a run, --restart discards it");
    }
    let out = &opts.out;
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output directory {}", out.display()))?;
    let (resume_state, earlier) = if opts.resume {
        let (state, prev) = resumable(scenario_path, out, &sc)?;
        (Some(state), prev)
    } else {
        startable(scenario_path, out, opts.restart)?;
        (None, Vec::new())
    };
    let mut runlog = RunLog::open(out, opts.progress)?;
    let what = match (&resume_state, opts.restart) {
        (Some(s), _) => format!("resumed from the checkpoint at step {}", s.step),
        (None, true) => "restarted from scratch (earlier outputs discarded)".into(),
        (None, false) => "started".into(),
    };
    runlog.line(&format!(
        "=== nanodemon {} {what} on {}: {} ===",
        prov.version,
        prov.host,
        prov.command_line.join(" ")
    ))?;
    let result = run_in(
        &sc,
        opts,
        make,
        resume_state,
        &mut prov,
        earlier,
        &mut runlog,
    );
    if let Some(e) = result
        .as_ref()
        .err()
        .filter(|e| !e.is::<crate::stop::Stopped>())
    {
        runlog.line(&format!("stopped with an error: {e:#}"))?;
        mark_failed(out, e)?;
    }
    result
}

/// A run that stopped with an error says so in run.json (status "failed" and the error), so that tools reading
/// run.json (`sweep status`, a user's script) do not take it for one still running. Its outputs stay as written,
/// and `--resume` continues from the last checkpoint as for any other stop.
fn mark_failed(out: &Path, e: &anyhow::Error) -> Result<()> {
    let Ok(mut rj) = read_run_json(out) else {
        return Ok(());
    };
    if rj.status != "running" {
        return Ok(());
    }
    rj.status = "failed".into();
    rj.error = Some(format!("{e:#}"));
    write_atomically(out, &rj)
}

/// `--resume`: the checkpoint to continue from and the earlier invocations' provenance, or an error that says
/// what to do instead (start afresh when there is nothing to resume, keep the original scenario).
fn resumable(scenario_path: &Path, out: &Path, sc: &Scenario) -> Result<(State, Vec<Provenance>)> {
    let ckpt_path = out.join(CHECKPOINT);
    if !out.join("run.json").exists() && !ckpt_path.exists() {
        bail!(
            "--resume: {} holds no run to resume; start one without --resume",
            out.display()
        );
    }
    if !ckpt_path.exists() {
        bail!(
            "--resume: {dir} holds no checkpoint: the run stopped before its first one (every \
             run.checkpoint_interval_ps = {} ps), so there is nothing to resume. Start it again, discarding what it \
             wrote, with: nanodemon run {} --out {dir} --restart",
            sc.run.checkpoint_interval_ps,
            scenario_path.display(),
            dir = out.display()
        );
    }
    let prev = read_run_json(out)?;
    let mut prev_sc = prev.scenario.clone();
    prev_sc.run.production_ps = sc.run.production_ps;
    if &prev_sc != sc {
        bail!(
            "--resume: the scenario {} differs from the one {} was started with (beyond run.production_ps); \
             resume with the original scenario file",
            scenario_path.display(),
            out.display()
        );
    }
    let mut earlier = prev.earlier_invocations;
    earlier.extend(prev.provenance);
    Ok((State::load(&ckpt_path)?, earlier))
}

/// A fresh start: refused where a run already is, unless `restart` discards it.
fn startable(scenario_path: &Path, out: &Path, restart: bool) -> Result<()> {
    if restart {
        for name in RUN_OUTPUTS {
            let p = out.join(name);
            if p.exists() {
                std::fs::remove_file(&p)
                    .with_context(|| format!("--restart: removing {}", p.display()))?;
            }
        }
        return Ok(());
    }
    if out.join("heat.csv").exists() || out.join(CHECKPOINT).exists() {
        let hint = if out.join(CHECKPOINT).exists() {
            "continue it with --resume, "
        } else {
            "it has no checkpoint to resume from; "
        };
        bail!(
            "{dir} already holds a run; {hint}start it over with `nanodemon run {} --out {dir} --restart` (discards \
             its outputs), or choose another --out",
            scenario_path.display(),
            dir = out.display()
        );
    }
    Ok(())
}

/// The run proper, once the directory is settled and run.log is open: set-up or restore, the stepping loop
/// through equilibration and production, and the summary.
fn run_in(
    sc: &Scenario,
    opts: &RunOptions,
    make: impl FnOnce(&Scenario, &System) -> Result<(Box<dyn Engine>, Backend)>,
    resume_state: Option<State>,
    prov: &mut Provenance,
    earlier: Vec<Provenance>,
    runlog: &mut RunLog,
) -> Result<RunSummary> {
    let out = &opts.out;
    check_host_memory(sc, runlog)?;
    let sys = build_system(sc)?;
    let (mut eng, backend) = make(sc, &sys)?;
    prov.adapter = eng.adapter();
    prov.driver = eng.driver();
    let mut meta = RunMeta {
        sc,
        sys: &sys,
        backend,
        opts,
        prov,
        earlier: &earlier,
    };
    runlog.line(&format!("engine: {}", eng.describe()))?;
    runlog.line(&format!("atoms: {}", counts_line(&sys)))?;

    let schedule = Schedule::new(sc)?;
    let resumed_from = resume_state.as_ref().map(|s| s.step);
    let mut driver = set_up_or_restore(&mut *eng, resume_state, &schedule, out, runlog)?;
    write_run_json(&meta, &*eng, "running", None)?;
    let files = OutputFiles::open(
        sc,
        &sys,
        &schedule,
        out,
        resumed_from.is_some(),
        &mut driver,
    )?;
    let mut production = Production {
        sc,
        sys: &sys,
        schedule,
        eng,
        driver,
        files,
        ckpt_path: out.join(CHECKPOINT),
        temps: Vec::new(),
    };
    let start_step = production.eng.observe()?.step;
    let t0 = Instant::now();
    production.step_to_end(start_step, t0, &mut meta, runlog)?;
    finish(production, &mut meta, runlog, start_step, t0, resumed_from)
}

/// Refuses, before anything is allocated, a system that needs more memory than this machine has.
fn check_host_memory(sc: &Scenario, runlog: &mut RunLog) -> Result<()> {
    let est = sc.size_estimate();
    runlog.line(&format!(
        "estimated size: {:.0} atoms, {:.0} neighbour cells, {:.2} GiB of engine memory",
        est.atoms,
        est.cells,
        est.bytes / GIB
    ))?;
    if let Some(total) = host_memory_bytes() {
        if est.bytes > total {
            bail!(
                "geometry.container_length_a / potential.cutoff_a: this system needs about {:.1} GiB, more than this \
                 machine's {:.1} GiB of memory; shrink it or run it on a larger machine",
                est.bytes / GIB,
                total / GIB
            );
        }
    }
    Ok(())
}

/// The run's step counts: when equilibration ends, how often it samples, checkpoints and writes snapshots.
struct Schedule {
    /// Steps of equilibration; production step 0 is this step.
    eq: u64,
    sample: u64,
    ckpt: u64,
    /// The last step of production.
    end: u64,
    /// Trajectory frame interval (`run.xyz_interval_ps`), if the run writes one.
    xyz: Option<u64>,
    /// com.csv row interval (`run.com_interval_fs`), if the run writes one.
    com: Option<u64>,
}

impl Schedule {
    fn new(sc: &Scenario) -> Result<Schedule> {
        let eq = if sc.run.equilibration_ps > 0.0 {
            sc.interval_steps(sc.run.equilibration_ps, "run.equilibration_ps")?
        } else {
            0
        };
        let sample = sc.interval_steps(sc.run.sample_interval_ps, "run.sample_interval_ps")?;
        let ckpt =
            sc.interval_steps(sc.run.checkpoint_interval_ps, "run.checkpoint_interval_ps")?;
        let prod = sc.interval_steps(sc.run.production_ps, "run.production_ps")?;
        let xyz = sc
            .run
            .xyz_interval_ps
            .map(|x| sc.interval_steps(x, "run.xyz_interval_ps"))
            .transpose()?;
        let com = sc
            .run
            .com_interval_fs
            .map(|x| sc.com_interval_steps(x))
            .transpose()?;
        Ok(Schedule {
            eq,
            sample,
            ckpt,
            end: eq + prod,
            xyz,
            com,
        })
    }

    /// The next stop after `step`: a sample (production), the end of equilibration, a checkpoint or a snapshot.
    fn next_stop(&self, step: u64) -> u64 {
        let mut next = self.end;
        if step < self.eq {
            next = next.min(self.eq);
        } else {
            next = next.min(step + self.sample - (step - self.eq) % self.sample);
        }
        next = next.min(step + self.ckpt - step % self.ckpt);
        for every in [self.xyz, self.com].into_iter().flatten() {
            if step >= self.eq {
                next = next.min(step + every - (step - self.eq) % every);
            }
        }
        next
    }

    /// Whether production `step` (past its start) falls on the interval `every`.
    fn due(&self, every: u64, step: u64) -> bool {
        step > self.eq && (step - self.eq) % every == 0
    }

    fn is_checkpoint(&self, step: u64) -> bool {
        step % self.ckpt == 0 || step == self.end
    }
}

/// The driver state to start from: the checkpoint's (its outputs truncated to what it accounts, the engine
/// restored), or a fresh one with the headers written.
fn set_up_or_restore(
    eng: &mut dyn Engine,
    resume_state: Option<State>,
    schedule: &Schedule,
    out: &Path,
    runlog: &mut RunLog,
) -> Result<DriverState> {
    let heat_path = out.join("heat.csv");
    let com_path = out.join("com.csv");
    match resume_state {
        Some(state) => {
            let driver = serde_json::from_value::<DriverState>(state.driver.clone())
                .context("checkpoint driver state")?;
            truncate(&heat_path, driver.heat_bytes)?;
            if schedule.com.is_some() {
                truncate(&com_path, driver.com_bytes)?;
            }
            eng.restore(&state)?;
            runlog.line(&format!(
                "resuming at step {} ({} rows kept)",
                state.step, driver.rows
            ))?;
            Ok(driver)
        }
        None => {
            let o = eng.observe()?;
            let mut driver = DriverState {
                heat_bytes: 0,
                xyz_bytes: 0,
                com_bytes: 0,
                rows: 0,
                ledger: None,
                conserved_start: o.conserved,
                kinetic_start: o.kinetic_energy,
            };
            std::fs::write(&heat_path, format!("{HEAT_CSV_HEADER}\n"))?;
            driver.heat_bytes = HEAT_CSV_HEADER.len() as u64 + 1;
            if schedule.com.is_some() {
                std::fs::write(&com_path, format!("{COM_CSV_HEADER}\n"))?;
                driver.com_bytes = COM_CSV_HEADER.len() as u64 + 1;
            }
            Ok(driver)
        }
    }
}

/// The files production appends to: heat.csv, the trajectory and com.csv (the last two when the run writes them).
struct OutputFiles {
    heat: std::fs::File,
    traj: Option<TrajectoryWriter>,
    com: Option<std::fs::File>,
}

impl OutputFiles {
    /// Opens them for appending; a fresh trajectory's header bytes are accounted to `driver`.
    fn open(
        sc: &Scenario,
        sys: &System,
        schedule: &Schedule,
        out: &Path,
        resumed: bool,
        driver: &mut DriverState,
    ) -> Result<OutputFiles> {
        let heat = std::fs::OpenOptions::new()
            .append(true)
            .open(out.join("heat.csv"))?;
        let fmt = sc.run.trajectory_format;
        let traj = match (schedule.xyz, resumed) {
            (Some(x), true) => Some(TrajectoryWriter::resume(
                fmt,
                out,
                sys,
                x,
                sc.dt_ps(),
                driver.xyz_bytes,
            )?),
            (Some(x), false) => {
                let (w, bytes) = TrajectoryWriter::create(fmt, out, sys, x, sc.dt_ps())?;
                driver.xyz_bytes = bytes;
                Some(w)
            }
            (None, _) => None,
        };
        let com = match schedule.com {
            Some(_) => Some(
                std::fs::OpenOptions::new()
                    .append(true)
                    .open(out.join("com.csv"))?,
            ),
            None => None,
        };
        Ok(OutputFiles { heat, traj, com })
    }
}

/// Everything the stepping loop changes: the engine, the driver state saved in checkpoints, the open outputs
/// and the sampled temperatures.
struct Production<'a> {
    sc: &'a Scenario,
    sys: &'a System,
    schedule: Schedule,
    eng: Box<dyn Engine>,
    driver: DriverState,
    files: OutputFiles,
    ckpt_path: PathBuf,
    /// Bath temperatures of every heat.csv sample this invocation wrote, K.
    temps: Vec<[f64; 2]>,
}

impl Production<'_> {
    /// Steps from `start_step` to the end, stopping at every scheduled sample, snapshot and checkpoint; a stop
    /// signal ends it at the next checkpoint with [`crate::stop::Stopped`].
    fn step_to_end(
        &mut self,
        start_step: u64,
        t0: Instant,
        meta: &mut RunMeta,
        runlog: &mut RunLog,
    ) -> Result<()> {
        let (eq, end, ckpt) = (self.schedule.eq, self.schedule.end, self.schedule.ckpt);
        let dt = self.sc.dt_ps();
        let mut last_progress = Instant::now();
        let mut stop_noticed = false;
        let mut step = start_step;
        if step < eq {
            runlog.line(&format!(
                "equilibrating {} ps",
                self.sc.run.equilibration_ps
            ))?;
        }
        if step == eq && self.driver.ledger.is_none() {
            self.start_production()?;
        }
        while step < end {
            let next = self.schedule.next_stop(step);
            self.eng.advance(next - step)?;
            step = next;
            self.record(step)?;
            let checkpoint = self.schedule.is_checkpoint(step);
            if checkpoint {
                self.checkpoint()?;
            }
            // A stop signal ends the run at the next scheduled checkpoint, not where it arrives: a checkpoint off
            // the schedule would restore the engine at a step the uninterrupted run does not, and the resumed
            // heat.csv would no longer be byte-identical to it.
            let stop = crate::stop::requested().filter(|_| step < end);
            if let (Some(signal), false) = (stop, stop_noticed) {
                stop_noticed = true;
                let next = ((step / ckpt + 1) * ckpt).min(end);
                runlog.line(&format!(
                    "{}: stopping at the next checkpoint, step {next} ({} ps on)",
                    crate::stop::signal_name(signal),
                    (next - step) as f64 * dt
                ))?;
            }
            let stopping = checkpoint && stop.is_some();
            if last_progress.elapsed().as_secs_f64() > 2.0 || step == end || stopping {
                last_progress = Instant::now();
                let line = progress_line(
                    self.sc,
                    step,
                    start_step,
                    eq,
                    end,
                    t0.elapsed().as_secs_f64(),
                    self.temps.last().copied(),
                );
                runlog.line(&line)?;
            }
            if let (Some(signal), true) = (stop, stopping) {
                let stopped = crate::stop::Stopped { signal, step };
                meta.prov.finished_utc = Some(utc_now());
                write_run_json(meta, &*self.eng, "stopped", None)?;
                runlog.line(&stopped.to_string())?;
                return Err(stopped.into());
            }
        }
        Ok(())
    }

    /// Zeroes the ledger at the end of equilibration, writes the t = 0 row and the first trajectory frame.
    fn start_production(&mut self) -> Result<()> {
        let (eq, dt) = (self.schedule.eq, self.sc.dt_ps());
        self.eng.zero_ledger()?;
        let o = self.eng.observe()?;
        let ledger = Ledger::new(&o, eq, dt);
        append_row(&mut self.files.heat, &mut self.driver, &ledger, &o)?;
        self.driver.ledger = Some(ledger);
        self.write_frame()
    }

    /// What is due at `step`: the start of production, or a heat.csv sample (drift checked unless the bath
    /// temperature moves); then a trajectory frame and a com.csv row where their intervals fall.
    fn record(&mut self, step: u64) -> Result<()> {
        let (eq, dt) = (self.schedule.eq, self.sc.dt_ps());
        if step == eq && self.driver.ledger.is_none() {
            self.start_production()?;
        } else if self.schedule.due(self.schedule.sample, step) {
            let o = self.eng.observe()?;
            // A moving thermostat target does work on the extended system, so its "conserved" quantity is
            // not, and the drift bound cannot apply; the NaN and lost-atom checks still do.
            let time_dependent =
                self.sc.cold.oscillation.is_some() || self.sc.hot.oscillation.is_some();
            if !time_dependent {
                check_drift(&o, &self.driver, step)?;
            }
            self.temps.push(o.temperature);
            let ledger = self
                .driver
                .ledger
                .clone()
                .expect("ledger set at the end of equilibration");
            append_row(&mut self.files.heat, &mut self.driver, &ledger, &o)?;
        }
        if let Some(x) = self.schedule.xyz {
            if self.schedule.due(x, step) {
                self.write_frame()?;
            }
        }
        if let (Some(c), Some(f)) = (self.schedule.com, self.files.com.as_mut()) {
            if self.schedule.due(c, step) {
                let row = crate::com_csv::row(&self.eng.observe()?, step - eq, dt);
                f.write_all(row.as_bytes())?;
                f.flush()?;
                self.driver.com_bytes += row.len() as u64;
            }
        }
        Ok(())
    }

    /// Saves the checkpoint (atomically) and restores the engine from it, so an uninterrupted run follows the
    /// same arithmetic as one resumed here.
    fn checkpoint(&mut self) -> Result<()> {
        let mut state = self.eng.state()?;
        state.driver = serde_json::to_value(&self.driver)?;
        state.save(&self.ckpt_path)?;
        self.eng.restore(&state)
    }

    /// Appends the engine's current state as a trajectory frame (when the run writes one) and accounts its
    /// bytes to the next checkpoint.
    fn write_frame(&mut self) -> Result<()> {
        if let Some(w) = self.files.traj.as_mut() {
            let frame = Frame::from_state(
                self.sys,
                &self.eng.state()?,
                self.schedule.eq,
                self.sc.dt_ps(),
            );
            self.driver.xyz_bytes += w.write(self.sys, &frame)?;
        }
        Ok(())
    }
}

/// The summary of a completed run, recorded in run.json and run.log.
fn finish(
    production: Production,
    meta: &mut RunMeta,
    runlog: &mut RunLog,
    start_step: u64,
    t0: Instant,
    resumed_from: Option<u64>,
) -> Result<RunSummary> {
    let Production {
        sc,
        sys,
        schedule,
        eng,
        driver,
        temps,
        ..
    } = production;
    let wall = t0.elapsed().as_secs_f64();
    let steps_done = (schedule.end - start_step) as f64;
    let steps_per_s = if wall > 0.0 { steps_done / wall } else { 0.0 };
    let summary_rates = crate::ledger::fit_rates(&meta.opts.out.join("heat.csv"))?;
    let n = temps.len().max(1) as f64;
    let summary = RunSummary {
        out: meta.opts.out.clone(),
        engine: eng.describe(),
        atoms: sys.counts(),
        production_ps: sc.run.production_ps,
        rows: driver.rows,
        wall_s: wall,
        steps_per_s,
        ns_per_day: steps_per_s * sc.dt_ps() * 1e-3 * crate::units::SECONDS_PER_DAY,
        mean_temperature_k: [
            temps.iter().map(|t| t[0]).sum::<f64>() / n,
            temps.iter().map(|t| t[1]).sum::<f64>() / n,
        ],
        heat_rate_ev_per_ps: summary_rates.0,
        work_rate_ev_per_ps: summary_rates.1,
        resumed_from_step: resumed_from,
    };
    meta.prov.finished_utc = Some(utc_now());
    write_run_json(meta, &*eng, "completed", Some(&summary))?;
    runlog.line(&format!(
        "completed: {} rows, {:.1} s wall, {:.0} steps/s",
        summary.rows, summary.wall_s, summary.steps_per_s
    ))?;
    Ok(summary)
}

/// This machine's physical memory (MemTotal of /proc/meminfo), bytes; `None` where that cannot be read.
fn host_memory_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024.0)
}

/// run.log: each line time-stamped (UTC), appended and flushed as written, and echoed to stderr unless quiet.
struct RunLog {
    file: std::fs::File,
    echo: bool,
}

impl RunLog {
    fn open(dir: &Path, echo: bool) -> Result<RunLog> {
        let path = dir.join("run.log");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("opening {}", path.display()))?;
        Ok(RunLog { file, echo })
    }

    fn line(&mut self, msg: &str) -> Result<()> {
        if self.echo {
            eprintln!("{msg}");
        }
        self.file
            .write_all(format!("{} {msg}\n", utc_now()).as_bytes())
            .and_then(|()| self.file.flush())
            .context("writing run.log")
    }
}

fn counts_line(sys: &System) -> String {
    let c = sys.counts();
    format!(
        "{} total: cold bath {}, hot bath {}, walls {}, cold particle {}, hot particle {}",
        c.total, c.cold_bath, c.hot_bath, c.wall, c.cold_particle, c.hot_particle
    )
}

fn check_drift(o: &Observation, d: &DriverState, step: u64) -> Result<()> {
    let drift = (o.conserved - d.conserved_start).abs();
    if drift > MAX_CONSERVED_DRIFT * d.kinetic_start.abs().max(1e-12) {
        bail!(
            "energy drift past bound at step {step}: the conserved quantity moved by {drift:.4e} eV, more than \
             {MAX_CONSERVED_DRIFT} of the initial kinetic energy ({:.4e} eV); the run blew up (reduce run.timestep_fs). \
             Everything up to the last sample is kept.",
            d.kinetic_start
        );
    }
    Ok(())
}

fn append_row(
    f: &mut std::fs::File,
    d: &mut DriverState,
    ledger: &Ledger,
    o: &Observation,
) -> Result<()> {
    let row = ledger.row(o);
    f.write_all(row.as_bytes())?;
    f.flush()?;
    d.heat_bytes += row.len() as u64;
    d.rows += 1;
    Ok(())
}

fn truncate(path: &Path, len: u64) -> Result<()> {
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .with_context(|| format!("--resume: opening {}", path.display()))?;
    let have = f.metadata()?.len();
    if have < len {
        bail!(
            "--resume: {} is shorter ({have} bytes) than its checkpoint says ({len}); it was modified after the run",
            path.display()
        );
    }
    f.set_len(len)?;
    Ok(())
}

/// One progress line: simulated time, speed, ETA and the bath temperatures of the last heat.csv sample.
/// It observes nothing itself: a GPU observation folds the f32 ledger into the host's f64 sums, so one taken
/// at a wall-clock-dependent step would change the last bits of heat.csv from run to run.
fn progress_line(
    sc: &Scenario,
    step: u64,
    start: u64,
    eq: u64,
    end: u64,
    wall: f64,
    temperature: Option<[f64; 2]>,
) -> String {
    let dt = sc.dt_ps();
    let rate = (step - start) as f64 / wall.max(1e-9);
    let eta = (end - step) as f64 / rate.max(1e-9);
    let temps = temperature
        .map(|t| format!(", T_C {:.1} K, T_H {:.1} K", t[0], t[1]))
        .unwrap_or_default();
    let phase = if step <= eq {
        "equilibration"
    } else {
        "production"
    };
    format!(
        "[{phase}] {:.3} / {:.3} ns simulated ({:.0}%), {:.0} steps/s, {:.3} ns/day, ETA {}{temps}",
        step as f64 * dt * 1e-3,
        end as f64 * dt * 1e-3,
        100.0 * step as f64 / end as f64,
        rate,
        rate * dt * 1e-3 * crate::units::SECONDS_PER_DAY,
        format_duration(eta),
    )
}

fn format_duration(s: f64) -> String {
    let s = s.round() as u64;
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// run.json as other tools read it.
#[derive(Serialize, Deserialize)]
pub struct RunJson {
    pub scenario: Scenario,
    pub version: String,
    pub status: String,
    pub backend: String,
    pub engine: String,
    pub adapter: Option<String>,
    pub threads: usize,
    pub atom_counts: crate::system::GroupCounts,
    pub nanoparticle_mass_amu: f64,
    pub heat_columns: Vec<String>,
    /// What each heat.csv column holds, in order.
    #[serde(default)]
    pub heat_column_descriptions: Vec<ColumnDoc>,
    /// Units and sign conventions of every number written (absent in run.json files from before it existed).
    #[serde(default)]
    pub conventions: Option<Conventions>,
    /// Build, host, command and times of the invocation that wrote this file.
    #[serde(default)]
    pub provenance: Option<Provenance>,
    /// The same for every earlier invocation of this run (the start, then each `--resume`), oldest first.
    #[serde(default)]
    pub earlier_invocations: Vec<Provenance>,
    #[serde(default)]
    pub summary: Option<serde_json::Value>,
    /// Why the run stopped, when its status is "failed".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One heat.csv column in run.json.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnDoc {
    pub name: String,
    pub description: String,
}

pub fn read_run_json(dir: &Path) -> Result<RunJson> {
    let p = dir.join("run.json");
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
}

/// What run.json says about a run besides its status and summary.
struct RunMeta<'a> {
    sc: &'a Scenario,
    sys: &'a System,
    backend: Backend,
    opts: &'a RunOptions,
    prov: &'a mut Provenance,
    earlier: &'a [Provenance],
}

fn write_run_json(
    meta: &RunMeta,
    eng: &dyn Engine,
    status: &str,
    summary: Option<&RunSummary>,
) -> Result<()> {
    let RunMeta {
        sc,
        sys,
        backend,
        opts,
        ..
    } = meta;
    let out = &opts.out;
    let rj = RunJson {
        scenario: (*sc).clone(),
        version: crate::provenance::VERSION.to_string(),
        status: status.to_string(),
        backend: format!("{backend:?}").to_lowercase(),
        engine: eng.describe(),
        adapter: eng.adapter(),
        threads: opts.threads,
        atom_counts: sys.counts(),
        nanoparticle_mass_amu: sys.group_mass[Group::ColdParticle as usize]
            * sc.nanoparticle.atoms as f64,
        heat_columns: HEAT_CSV_HEADER.split(',').map(str::to_string).collect(),
        heat_column_descriptions: HEAT_CSV_COLUMNS
            .iter()
            .map(|(name, description)| ColumnDoc {
                name: name.to_string(),
                description: description.to_string(),
            })
            .collect(),
        conventions: Some(Conventions::current()),
        provenance: Some(meta.prov.clone()),
        earlier_invocations: meta.earlier.to_vec(),
        summary: summary.map(serde_json::to_value).transpose()?,
        error: None,
    };
    write_atomically(out, &rj)
}

/// run.json through a temporary file and a rename, so a reader never sees half of it.
fn write_atomically(out: &Path, rj: &RunJson) -> Result<()> {
    let tmp = out.join("run.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(rj)? + "\n")?;
    std::fs::rename(&tmp, out.join("run.json"))?;
    Ok(())
}
