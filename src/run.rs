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
    let result = run_in(&sc, opts, resume_state, &mut prov, earlier, &mut runlog);
    if let Some(e) = result
        .as_ref()
        .err()
        .filter(|e| !e.is::<crate::stop::Stopped>())
    {
        runlog.line(&format!("stopped with an error: {e:#}"))?;
    }
    result
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

/// The run proper, once the directory is settled and run.log is open.
fn run_in(
    sc: &Scenario,
    opts: &RunOptions,
    resume_state: Option<State>,
    prov: &mut Provenance,
    earlier: Vec<Provenance>,
    runlog: &mut RunLog,
) -> Result<RunSummary> {
    let out = &opts.out;
    let heat_path = out.join("heat.csv");
    let ckpt_path = out.join(CHECKPOINT);
    let com_path = out.join("com.csv");
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
    let sys = build_system(sc)?;
    let (mut eng, backend) = engine::create(opts.backend, sc, &sys, opts.threads, &opts.adapter)?;
    prov.adapter = eng.adapter();
    prov.driver = eng.driver();
    let meta = RunMeta {
        sc,
        sys: &sys,
        backend,
        opts,
        prov,
        earlier: &earlier,
    };
    runlog.line(&format!("engine: {}", eng.describe()))?;
    runlog.line(&format!("atoms: {}", counts_line(&sys)))?;

    let eq_steps = if sc.run.equilibration_ps > 0.0 {
        sc.interval_steps(sc.run.equilibration_ps, "run.equilibration_ps")?
    } else {
        0
    };
    let sample_steps = sc.interval_steps(sc.run.sample_interval_ps, "run.sample_interval_ps")?;
    let ckpt_steps =
        sc.interval_steps(sc.run.checkpoint_interval_ps, "run.checkpoint_interval_ps")?;
    let prod_steps = sc.interval_steps(sc.run.production_ps, "run.production_ps")?;
    let xyz_steps = sc
        .run
        .xyz_interval_ps
        .map(|x| sc.interval_steps(x, "run.xyz_interval_ps"))
        .transpose()?;
    let com_steps = sc
        .run
        .com_interval_fs
        .map(|x| sc.com_interval_steps(x))
        .transpose()?;
    let end_step = eq_steps + prod_steps;
    // A moving thermostat target does work on the extended system, so its "conserved" quantity is not, and
    // the drift bound cannot apply; the NaN and lost-atom checks still do.
    let time_dependent = sc.cold.oscillation.is_some() || sc.hot.oscillation.is_some();

    let mut driver;
    let resumed_from = resume_state.as_ref().map(|s| s.step);
    match resume_state {
        Some(state) => {
            driver = serde_json::from_value::<DriverState>(state.driver.clone())
                .context("checkpoint driver state")?;
            truncate(&heat_path, driver.heat_bytes)?;
            if com_steps.is_some() {
                truncate(&com_path, driver.com_bytes)?;
            }
            eng.restore(&state)?;
            runlog.line(&format!(
                "resuming at step {} ({} rows kept)",
                state.step, driver.rows
            ))?;
        }
        None => {
            let o = eng.observe()?;
            driver = DriverState {
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
            if com_steps.is_some() {
                std::fs::write(&com_path, format!("{COM_CSV_HEADER}\n"))?;
                driver.com_bytes = COM_CSV_HEADER.len() as u64 + 1;
            }
        }
    }
    write_run_json(&meta, &*eng, "running", None)?;

    let mut heat = std::fs::OpenOptions::new().append(true).open(&heat_path)?;
    let fmt = sc.run.trajectory_format;
    let mut traj = match (xyz_steps, resumed_from) {
        (Some(x), Some(_)) => Some(TrajectoryWriter::resume(
            fmt,
            out,
            &sys,
            x,
            sc.dt_ps(),
            driver.xyz_bytes,
        )?),
        (Some(x), None) => {
            let (w, bytes) = TrajectoryWriter::create(fmt, out, &sys, x, sc.dt_ps())?;
            driver.xyz_bytes = bytes;
            Some(w)
        }
        (None, _) => None,
    };
    let mut com = match com_steps {
        Some(_) => Some(std::fs::OpenOptions::new().append(true).open(&com_path)?),
        None => None,
    };
    let start_step = eng.observe()?.step;
    let t0 = Instant::now();
    let mut last_progress = Instant::now();
    let mut stop_noticed = false;
    let mut temps = Vec::new();
    let mut step = start_step;

    if step < eq_steps {
        runlog.line(&format!("equilibrating {} ps", sc.run.equilibration_ps))?;
    }
    if step == eq_steps && driver.ledger.is_none() {
        start_production(&mut *eng, &mut heat, &mut driver, eq_steps, sc.dt_ps())?;
        write_frame(
            &mut *eng,
            &sys,
            traj.as_mut(),
            &mut driver,
            eq_steps,
            sc.dt_ps(),
        )?;
    }
    while step < end_step {
        // The next stop: a sample (production), the end of equilibration, a checkpoint or a snapshot.
        let mut next = end_step;
        if step < eq_steps {
            next = next.min(eq_steps);
        } else {
            next = next.min(step + sample_steps - (step - eq_steps) % sample_steps);
        }
        next = next.min(step + ckpt_steps - step % ckpt_steps);
        if let (Some(x), true) = (xyz_steps, step >= eq_steps) {
            next = next.min(step + x - (step - eq_steps) % x);
        }
        if let (Some(c), true) = (com_steps, step >= eq_steps) {
            next = next.min(step + c - (step - eq_steps) % c);
        }
        eng.advance(next - step)?;
        step = next;

        if step == eq_steps && driver.ledger.is_none() {
            start_production(&mut *eng, &mut heat, &mut driver, eq_steps, sc.dt_ps())?;
            write_frame(
                &mut *eng,
                &sys,
                traj.as_mut(),
                &mut driver,
                eq_steps,
                sc.dt_ps(),
            )?;
        } else if step > eq_steps && (step - eq_steps) % sample_steps == 0 {
            let o = eng.observe()?;
            if !time_dependent {
                check_drift(&o, &driver, step)?;
            }
            temps.push(o.temperature);
            let ledger = driver
                .ledger
                .clone()
                .expect("ledger set at the end of equilibration");
            append_row(&mut heat, &mut driver, &ledger, &o)?;
        }
        if let Some(x) = xyz_steps {
            if step > eq_steps && (step - eq_steps) % x == 0 {
                write_frame(
                    &mut *eng,
                    &sys,
                    traj.as_mut(),
                    &mut driver,
                    eq_steps,
                    sc.dt_ps(),
                )?;
            }
        }
        if let (Some(c), Some(f)) = (com_steps, com.as_mut()) {
            if step > eq_steps && (step - eq_steps) % c == 0 {
                let row = crate::com_csv::row(&eng.observe()?, step - eq_steps, sc.dt_ps());
                f.write_all(row.as_bytes())?;
                f.flush()?;
                driver.com_bytes += row.len() as u64;
            }
        }
        let checkpoint = step % ckpt_steps == 0 || step == end_step;
        if checkpoint {
            let mut state = eng.state()?;
            state.driver = serde_json::to_value(&driver)?;
            state.save(&ckpt_path)?;
            eng.restore(&state)?;
        }
        // A stop signal ends the run at the next scheduled checkpoint, not where it arrives: a checkpoint off
        // the schedule would restore the engine at a step the uninterrupted run does not, and the resumed
        // heat.csv would no longer be byte-identical to it.
        let stop = crate::stop::requested().filter(|_| step < end_step);
        if let (Some(signal), false) = (stop, stop_noticed) {
            stop_noticed = true;
            let next = (step / ckpt_steps + 1) * ckpt_steps;
            runlog.line(&format!(
                "{}: stopping at the next checkpoint, step {} ({} ps on)",
                crate::stop::signal_name(signal),
                next.min(end_step),
                (next.min(end_step) - step) as f64 * sc.dt_ps()
            ))?;
        }
        let stopping = checkpoint && stop.is_some();
        if last_progress.elapsed().as_secs_f64() > 2.0 || step == end_step || stopping {
            last_progress = Instant::now();
            let line = progress_line(
                sc,
                step,
                start_step,
                eq_steps,
                end_step,
                t0.elapsed().as_secs_f64(),
                temps.last().copied(),
            );
            runlog.line(&line)?;
        }
        if let (Some(signal), true) = (stop, stopping) {
            let stopped = crate::stop::Stopped { signal, step };
            meta.prov.finished_utc = Some(utc_now());
            write_run_json(&meta, &*eng, "stopped", None)?;
            runlog.line(&stopped.to_string())?;
            return Err(stopped.into());
        }
    }

    let wall = t0.elapsed().as_secs_f64();
    let steps_done = (end_step - start_step) as f64;
    let steps_per_s = if wall > 0.0 { steps_done / wall } else { 0.0 };
    let summary_rates = crate::ledger::fit_rates(&heat_path)?;
    let n = temps.len().max(1) as f64;
    let summary = RunSummary {
        out: out.clone(),
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
    write_run_json(&meta, &*eng, "completed", Some(&summary))?;
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

/// Zeroes the ledger at the end of equilibration and writes the t = 0 row.
fn start_production(
    eng: &mut dyn Engine,
    heat: &mut std::fs::File,
    driver: &mut DriverState,
    eq_steps: u64,
    dt: f64,
) -> Result<()> {
    eng.zero_ledger()?;
    let o = eng.observe()?;
    let ledger = Ledger::new(&o, eq_steps, dt);
    append_row(heat, driver, &ledger, &o)?;
    driver.ledger = Some(ledger);
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

/// Appends the engine's current state as a trajectory frame (when the run writes one) and accounts its bytes
/// to the next checkpoint.
fn write_frame(
    eng: &mut dyn Engine,
    sys: &System,
    traj: Option<&mut TrajectoryWriter>,
    driver: &mut DriverState,
    eq_steps: u64,
    dt: f64,
) -> Result<()> {
    if let Some(w) = traj {
        let frame = Frame::from_state(sys, &eng.state()?, eq_steps, dt);
        driver.xyz_bytes += w.write(sys, &frame)?;
    }
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
    };
    let tmp = out.join("run.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&rj)? + "\n")?;
    std::fs::rename(&tmp, out.join("run.json"))?;
    Ok(())
}
