//! `nanodemon run`: equilibration, then production with the heat/work ledger, written as it goes.
//!
//! Nothing is lost: every heat.csv (and com.csv) row is flushed when written; checkpoints are atomic and record how many
//! bytes of heat.csv (and of the snapshot file) belong to them, so `--resume` truncates whatever a killed run
//! wrote after its last checkpoint and regenerates it. Right after saving a checkpoint the engine is restored
//! from it, so an uninterrupted run and a killed-and-resumed one follow the same arithmetic, bit for bit.

use crate::com_csv::COM_CSV_HEADER;
use crate::engine::{self, Backend, Engine, Observation, State};
use crate::ledger::{Ledger, HEAT_CSV_HEADER};
use crate::scenario::Scenario;
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

/// Runs (or resumes) the scenario at `scenario_path` into `opts.out`.
pub fn run(scenario_path: &Path, opts: &RunOptions) -> Result<RunSummary> {
    let mut sc = Scenario::load(scenario_path)?;
    if let Some(t) = opts.time_ps {
        sc.run.production_ps = t;
        sc.validate().context("--time-ps")?;
    }
    let out = &opts.out;
    std::fs::create_dir_all(out)
        .with_context(|| format!("creating output directory {}", out.display()))?;
    let heat_path = out.join("heat.csv");
    let ckpt_path = out.join(CHECKPOINT);
    let com_path = out.join("com.csv");
    let resume_state = if opts.resume {
        let prev = read_run_json(out)?;
        let mut prev_sc = prev.scenario.clone();
        prev_sc.run.production_ps = sc.run.production_ps;
        if prev_sc != sc {
            bail!(
                "--resume: the scenario {} differs from the one {} was started with (beyond run.production_ps); \
                 resume with the original scenario file",
                scenario_path.display(),
                out.display()
            );
        }
        if !ckpt_path.exists() {
            bail!(
                "--resume: {} holds no checkpoint yet; start the run again without --resume",
                out.display()
            );
        }
        Some(State::load(&ckpt_path)?)
    } else {
        if heat_path.exists() || ckpt_path.exists() {
            bail!(
                "{} already holds a run; continue it with --resume, or choose another --out",
                out.display()
            );
        }
        None
    };

    let sys = build_system(&sc)?;
    let (mut eng, backend) = engine::create(opts.backend, &sc, &sys, opts.threads, &opts.adapter)?;
    log(opts, &format!("engine: {}", eng.describe()));
    log(opts, &format!("atoms: {}", counts_line(&sys)));

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
            log(
                opts,
                &format!(
                    "resuming at step {} ({} rows kept)",
                    state.step, driver.rows
                ),
            );
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
    write_run_json(out, &sc, &sys, &*eng, backend, opts, "running", None)?;

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
    let mut temps = Vec::new();
    let mut step = start_step;

    if step < eq_steps {
        log(
            opts,
            &format!("equilibrating {} ps", sc.run.equilibration_ps),
        );
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
        if step % ckpt_steps == 0 || step == end_step {
            let mut state = eng.state()?;
            state.driver = serde_json::to_value(&driver)?;
            state.save(&ckpt_path)?;
            eng.restore(&state)?;
        }
        if opts.progress && (last_progress.elapsed().as_secs_f64() > 2.0 || step == end_step) {
            last_progress = Instant::now();
            progress_line(
                &sc,
                step,
                start_step,
                eq_steps,
                end_step,
                t0.elapsed().as_secs_f64(),
                &mut *eng,
            )?;
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
    write_run_json(
        out,
        &sc,
        &sys,
        &*eng,
        backend,
        opts,
        "completed",
        Some(&summary),
    )?;
    Ok(summary)
}

fn log(opts: &RunOptions, msg: &str) {
    if opts.progress {
        eprintln!("{msg}");
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

fn progress_line(
    sc: &Scenario,
    step: u64,
    start: u64,
    eq: u64,
    end: u64,
    wall: f64,
    eng: &mut dyn Engine,
) -> Result<()> {
    let dt = sc.dt_ps();
    let rate = (step - start) as f64 / wall.max(1e-9);
    let eta = (end - step) as f64 / rate.max(1e-9);
    let o = eng.observe()?;
    let phase = if step <= eq {
        "equilibration"
    } else {
        "production"
    };
    eprintln!(
        "[{phase}] {:.3} / {:.3} ns simulated ({:.0}%), {:.0} steps/s, {:.3} ns/day, ETA {}, T_C {:.1} K, T_H {:.1} K",
        step as f64 * dt * 1e-3,
        end as f64 * dt * 1e-3,
        100.0 * step as f64 / end as f64,
        rate,
        rate * dt * 1e-3 * crate::units::SECONDS_PER_DAY,
        format_duration(eta),
        o.temperature[0],
        o.temperature[1]
    );
    Ok(())
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
    #[serde(default)]
    pub summary: Option<serde_json::Value>,
}

pub fn read_run_json(dir: &Path) -> Result<RunJson> {
    let p = dir.join("run.json");
    let text = std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", p.display()))
}

#[allow(clippy::too_many_arguments)]
fn write_run_json(
    out: &Path,
    sc: &Scenario,
    sys: &System,
    eng: &dyn Engine,
    backend: Backend,
    opts: &RunOptions,
    status: &str,
    summary: Option<&RunSummary>,
) -> Result<()> {
    let rj = RunJson {
        scenario: sc.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        status: status.to_string(),
        backend: format!("{backend:?}").to_lowercase(),
        engine: eng.describe(),
        adapter: eng.adapter(),
        threads: opts.threads,
        atom_counts: sys.counts(),
        nanoparticle_mass_amu: sys.group_mass[Group::ColdParticle as usize]
            * sc.nanoparticle.atoms as f64,
        heat_columns: HEAT_CSV_HEADER.split(',').map(str::to_string).collect(),
        summary: summary.map(serde_json::to_value).transpose()?,
    };
    let tmp = out.join("run.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&rj)? + "\n")?;
    std::fs::rename(&tmp, out.join("run.json"))?;
    Ok(())
}
