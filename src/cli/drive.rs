//! The two model studies beside the MD: `drive` (seed 002, the periodically driven trapped particle) and
//! `ndemon` (seed 001, the N-demon heat pump).

use super::{create_plots_dir, plots_dir, print_json, JSON_HELP};
use nanodemon::ensemble::drive::{self, Backend, DriveOptions};
use nanodemon::ensemble::Scheme;
use nanodemon::theory::ndemon::landauer::ResonanceShape;
use std::path::PathBuf;

/// Where `--plots` draws when given no directory, for the commands that read no directory.
const PLOTS_DEFAULT: &str = "figures";

/// Defaults are seed 002's parameters (k = γ = 1, T0 = 20, T = 5, Ω = 2, m = 1 and 10, k_B = 1).
#[derive(clap::Args)]
pub struct DriveArgs {
    #[arg(long, help = JSON_HELP)]
    json: bool,
    /// Write the SVG figures, each with its CSV, and drive_statistics.csv into PLOTS_DIR, by default
    /// ./figures (none drawn without --plots).
    #[arg(long, value_name = "PLOTS_DIR", num_args = 0..=1)]
    pub(super) plots: Option<Option<PathBuf>>,
    /// Write the statistics of every ensemble over time (value, standard error, theory) to this CSV file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Where the ensembles run: auto (a hardware GPU when one exists, else the CPU), gpu or cpu.
    #[arg(long, value_enum, default_value_t = Backend::Auto)]
    pub(super) backend: Backend,
    /// Trajectories per ensemble.
    #[arg(long, default_value_t = 100_000)]
    trajectories: usize,
    /// Mass of the light particle.
    #[arg(long, default_value_t = 1.0)]
    mass: f64,
    /// Mass of the heavy particle (Figs. 1, 4, 5).
    #[arg(long, default_value_t = 10.0)]
    heavy_mass: f64,
    /// Friction coefficient γ.
    #[arg(long, default_value_t = 1.0)]
    gamma: f64,
    /// Trap stiffness k.
    #[arg(long, default_value_t = 1.0)]
    k: f64,
    /// Mean bath temperature T0.
    #[arg(long, default_value_t = 20.0)]
    t0: f64,
    /// Temperature amplitude T.
    #[arg(long, default_value_t = 5.0)]
    amplitude: f64,
    /// Driving angular frequency Ω.
    #[arg(long, default_value_t = 2.0)]
    omega: f64,
    /// Integrator: exact (exact propagator, midpoint temperature) or euler (seed 002, App. C).
    #[arg(long, value_enum, default_value_t = Scheme::Exact)]
    pub(super) scheme: Scheme,
    /// Time step.
    #[arg(long, default_value_t = 0.01)]
    dt: f64,
    /// Length of every trajectory.
    #[arg(long, default_value_t = 20.0)]
    t_max: f64,
    /// Time between recorded ensemble statistics.
    #[arg(long, default_value_t = 0.1)]
    record_interval: f64,
    /// Seed of the counter-based random numbers (Philox): equal seeds give equal ensembles.
    #[arg(long, default_value_t = 2002)]
    seed: u64,
    /// CPU threads (default: all).
    #[arg(long)]
    threads: Option<usize>,
    /// Benchmark: one ensemble only, report trajectory-steps per second.
    #[arg(long)]
    bench: bool,
}

impl DriveArgs {
    fn options(self) -> DriveOptions {
        DriveOptions {
            mass: self.mass,
            heavy_mass: self.heavy_mass,
            gamma: self.gamma,
            stiffness: self.k,
            mean_temperature: self.t0,
            amplitude: self.amplitude,
            omega: self.omega,
            scheme: self.scheme,
            dt: self.dt,
            t_max: self.t_max,
            record_interval: self.record_interval,
            trajectories: self.trajectories,
            seed: self.seed,
            backend: self.backend,
            threads: self.threads.unwrap_or(DriveOptions::default().threads),
            plots: plots_dir(self.plots, || PathBuf::from(PLOTS_DEFAULT)),
            bench: self.bench,
        }
    }

    pub fn execute(self) -> anyhow::Result<()> {
        let (json, csv) = (self.json, self.csv.clone());
        let report = drive::drive(&self.options(), &mut |line| eprintln!("{line}"))?;
        if let Some(path) = &csv {
            std::fs::write(path, drive::series_csv(&report))
                .map_err(|e| anyhow::anyhow!("--csv {}: {e}", path.display()))?;
        }
        if json {
            print_json(&serde_json::to_value(&report)?);
        } else {
            print_drive(&report);
        }
        Ok(())
    }
}

fn print_drive(report: &drive::DriveReport) {
    println!("backend: {} ({})", report.backend, report.device);
    println!(
        "throughput: {:.3e} trajectory-steps/s",
        report.trajectory_steps_per_second
    );
    for case in &report.cases {
        println!(
            "m = {}, Ω = {}: {:.2} s, {:.3e} trajectory-steps/s",
            case.mass,
            case.omega,
            case.execution.elapsed_s,
            case.execution.trajectory_steps_per_second
        );
        for (name, agreement) in &case.agreement {
            println!(
                "  {name:<22} rms z = {:.2}, max |z| = {:.2}",
                agreement.rms_z, agreement.max_abs_z
            );
        }
    }
    for curve in &report.peak_correlation {
        println!(
            "γ = {}: critical mass {:.4}, peak |ρ| there {:.4}",
            curve.gamma, curve.critical_mass, curve.peak_at_critical_mass
        );
    }
    for d in &report.distributions {
        println!("P(Q, t = {}): asymptotic Δβ = {:?}", d.time, d.delta_beta);
    }
    for f in &report.figures {
        println!("figure: {f}");
    }
}

#[derive(clap::Args)]
pub struct NdemonArgs {
    #[arg(long, help = JSON_HELP)]
    json: bool,
    /// Write ndemon_cop.svg, ndemon_power.svg (each with its CSV) and ndemon_sweep.csv into PLOTS_DIR, by
    /// default ./figures.
    #[arg(long, value_name = "PLOTS_DIR", num_args = 0..=1)]
    pub(super) plots: Option<Option<PathBuf>>,
    /// Resonance energies ε4 to sweep (comma-separated), k_B T_h units.
    #[arg(long, value_delimiter = ',', default_values_t = [1.55, 1.6, 1.75, 1.4])]
    eps4: Vec<f64>,
    /// Resonance width Γ for the finite-width cross-check, k_B T_h units.
    #[arg(long, default_value_t = 1e-4)]
    width: f64,
    /// Resonance line shape for the finite-width cross-check: box or lorentzian.
    #[arg(long, value_enum, default_value_t = ResonanceShape::Lorentzian)]
    shape: ResonanceShape,
    /// Number of T_c/T_h values, evenly spaced inside (0, 1).
    #[arg(long, default_value_t = 49)]
    points: usize,
}

impl NdemonArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use nanodemon::theory::ndemon::{figures, sweep};
        let config = sweep::SweepConfig::new(self.points, self.eps4, self.width, self.shape)?;
        eprintln!(
            "ndemon: sweeping {} values of T_c/T_h for ε4 = {:?}",
            config.tc_over_th.len(),
            config.eps4
        );
        let result = sweep::run_sweep(&config)?;
        let mut files = Vec::new();
        if let Some(dir) = plots_dir(self.plots, || PathBuf::from(PLOTS_DEFAULT)) {
            create_plots_dir(&dir)?;
            let csv = dir.join("ndemon_sweep.csv");
            result.write_csv(&csv)?;
            files.push(csv);
            files.extend(figures::write_figures(&result, &dir)?);
        }
        let digest = result.digest();
        if self.json {
            print_json(
                &serde_json::json!({"config": result.config, "digest": digest, "points": result.points, "files": files}),
            );
            return Ok(());
        }
        println!(
            "N-demon sweep, Γ = {} ({:?}); COP bound T_c/(T_h − T_c)",
            self.width, self.shape
        );
        for d in &digest {
            let show = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
            println!(
                "  ε4 = {}: physical from T_c/T_h = {}, max COP/bound = {}, max power = {} k_B T_h Γ/h, \
                 max |finite-width COP/narrow − 1| = {}",
                d.eps4,
                show(d.lowest_physical_tc_over_th),
                show(d.max_cop_over_bound),
                show(d.max_power),
                d.max_finite_width_cop_deviation.map_or("-".to_string(), |v| format!("{v:.2e}"))
            );
        }
        for f in &files {
            println!("wrote {}", f.display());
        }
        Ok(())
    }
}
