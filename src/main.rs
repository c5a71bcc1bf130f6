//! The `nanodemon` command line: parse, call the library, print. Every subcommand takes `--json` and
//! then prints exactly one JSON object on stdout; progress and logs go to stderr.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "nanodemon", version, about = "MD of nanoscale heat machines driven by nonreciprocal demon forces")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the GPU adapter nanodemon would use.
    Gpu {
        #[arg(long)]
        json: bool,
    },
    /// Periodic thermal driving of a trapped Brownian particle (seed 002): ensembles, theory, figures.
    Drive(DriveArgs),
}

/// Defaults are seed 002's parameters (k = γ = 1, T0 = 20, T = 5, Ω = 2, m = 1 and 10, k_B = 1).
#[derive(clap::Args)]
struct DriveArgs {
    #[arg(long)]
    json: bool,
    /// Directory for the SVG figures (none drawn without it).
    #[arg(long)]
    plots: Option<std::path::PathBuf>,
    /// cpu, gpu or auto.
    #[arg(long, default_value = "auto")]
    backend: String,
    #[arg(long, default_value_t = 100_000)]
    trajectories: usize,
    /// Mass of the light particle.
    #[arg(long, default_value_t = 1.0)]
    mass: f64,
    /// Mass of the heavy particle (Figs. 1, 4, 5).
    #[arg(long, default_value_t = 10.0)]
    heavy_mass: f64,
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
    /// exact (exact propagator, midpoint temperature) or euler (seed 002, App. C).
    #[arg(long, default_value = "exact")]
    scheme: String,
    #[arg(long, default_value_t = 0.01)]
    dt: f64,
    #[arg(long, default_value_t = 20.0)]
    t_max: f64,
    /// Time between recorded ensemble statistics.
    #[arg(long, default_value_t = 0.1)]
    record_interval: f64,
    #[arg(long, default_value_t = 2002)]
    seed: u64,
    /// CPU threads (default: all).
    #[arg(long)]
    threads: Option<usize>,
    /// Benchmark: one ensemble only, report trajectory-steps per second.
    #[arg(long)]
    bench: bool,
}

fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string(value).expect("JSON values always serialise"));
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gpu { json } => gpu_info(json),
        Command::Drive(args) => drive(args),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn gpu_info(json: bool) -> anyhow::Result<()> {
    let ctx = nanodemon::gpu::GpuContext::new(nanodemon::gpu::GpuRequirement::Required)?
        .expect("Required never returns None");
    if json {
        print_json(&serde_json::json!({"adapter": ctx.adapter_name, "backend": ctx.backend, "timestamp_queries": ctx.timestamps}));
    } else {
        println!("adapter: {} ({})", ctx.adapter_name, ctx.backend);
    }
    Ok(())
}

fn drive(a: DriveArgs) -> anyhow::Result<()> {
    use nanodemon::ensemble::drive::{self, DriveOptions};
    let defaults = DriveOptions::default();
    let opts = DriveOptions {
        mass: a.mass,
        heavy_mass: a.heavy_mass,
        gamma: a.gamma,
        stiffness: a.k,
        mean_temperature: a.t0,
        amplitude: a.amplitude,
        omega: a.omega,
        scheme: a
            .scheme
            .parse()
            .map_err(|e| anyhow::anyhow!("--scheme: {e}"))?,
        dt: a.dt,
        t_max: a.t_max,
        record_interval: a.record_interval,
        trajectories: a.trajectories,
        seed: a.seed,
        backend: a
            .backend
            .parse()
            .map_err(|e| anyhow::anyhow!("--backend: {e}"))?,
        threads: a.threads.unwrap_or(defaults.threads),
        plots: a.plots,
        bench: a.bench,
    };
    let report = drive::drive(&opts, &mut |line| eprintln!("{line}"))?;
    if a.json {
        print_json(&serde_json::to_value(&report)?);
        return Ok(());
    }
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
    Ok(())
}
