//! The `nanodemon` command line: parse, call the library, print. Every subcommand takes `--json` and
//! then prints exactly one JSON object on stdout; progress and logs go to stderr.

use clap::{Parser, Subcommand};
use nanodemon::engine::Backend;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "nanodemon",
    version,
    about = "MD of nanoscale heat machines driven by nonreciprocal demon forces"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: equilibration, then production writing DIR/heat.csv, DIR/run.json and checkpoints.
    Run {
        /// Scenario JSON file (see scenarios/).
        scenario: PathBuf,
        #[arg(long, value_enum, default_value_t = Backend::Auto)]
        backend: Backend,
        /// Output directory.
        #[arg(long, default_value = "runs/latest")]
        out: PathBuf,
        /// Production length in ps (overrides run.production_ps; with --resume, extends the run).
        #[arg(long)]
        time_ps: Option<f64>,
        /// Continue a killed run from its last checkpoint, without gaps or duplicate rows.
        #[arg(long)]
        resume: bool,
        /// CPU worker threads (default: all cores, or NANODEMON_THREADS).
        #[arg(long)]
        threads: Option<usize>,
        /// No progress lines on stderr.
        #[arg(long)]
        quiet: bool,
        #[arg(long)]
        json: bool,
    },
    /// Measure steps/s, atom-steps/s and ns/day of an engine on the paper system (or one resized to --atoms).
    Bench {
        #[arg(long, value_enum, default_value_t = Backend::Auto)]
        backend: Backend,
        /// Approximate total atom count (default: the scenario as it is, 55k atoms for the paper).
        #[arg(long)]
        atoms: Option<usize>,
        #[arg(long, default_value = "scenarios/paper-refrigerator.json")]
        scenario: PathBuf,
        /// Timed steps.
        #[arg(long, default_value_t = 200)]
        steps: u64,
        /// Untimed warm-up steps.
        #[arg(long, default_value_t = 50)]
        warmup: u64,
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Show the GPU adapter nanodemon would use.
    Gpu {
        #[arg(long)]
        json: bool,
    },
    /// Seed 001 N-demon heat pump: COP and power against T_c/T_h (k_B T_h = μ = ε1 = 1, ε2 = 2,
    /// ε3 = 1.5), narrow-resonance theory checked by quadrature at finite resonance width.
    Ndemon {
        #[arg(long)]
        json: bool,
        /// Directory for ndemon_cop.svg, ndemon_power.svg and ndemon_sweep.csv.
        #[arg(long)]
        plots: Option<std::path::PathBuf>,
        /// Resonance energies ε4 to sweep (comma-separated), k_B T_h units.
        #[arg(long, value_delimiter = ',', default_values_t = [1.55, 1.6, 1.75, 1.4])]
        eps4: Vec<f64>,
        /// Resonance width Γ for the finite-width cross-check, k_B T_h units.
        #[arg(long, default_value_t = 1e-4)]
        width: f64,
        /// Resonance line shape for the finite-width cross-check: box or lorentzian.
        #[arg(long, default_value = "lorentzian")]
        shape: nanodemon::theory::ndemon::landauer::ResonanceShape,
        /// Number of T_c/T_h values, evenly spaced inside (0, 1).
        #[arg(long, default_value_t = 49)]
        points: usize,
    },
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string(value).expect("JSON values always serialise")
    );
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gpu { json } => gpu_info(json),
        Command::Run {
            scenario,
            backend,
            out,
            time_ps,
            resume,
            threads,
            quiet,
            json,
        } => {
            let opts = nanodemon::run::RunOptions {
                backend,
                out,
                time_ps,
                resume,
                threads: threads.unwrap_or_else(nanodemon::engine::cpu::default_threads),
                progress: !quiet,
            };
            nanodemon::run::run(&scenario, &opts).map(|s| print_run(&s, json))
        }
        Command::Bench {
            backend,
            atoms,
            scenario,
            steps,
            warmup,
            threads,
            json,
        } => nanodemon::bench::sized_scenario(&scenario, atoms)
            .and_then(|sc| {
                nanodemon::bench::bench(
                    &sc,
                    backend,
                    steps,
                    warmup,
                    threads.unwrap_or_else(nanodemon::engine::cpu::default_threads),
                )
            })
            .map(|r| print_bench(&r, json)),
        Command::Ndemon {
            json,
            plots,
            eps4,
            width,
            shape,
            points,
        } => ndemon(json, plots.as_deref(), eps4, width, shape, points),
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
        print_json(
            &serde_json::json!({"adapter": ctx.adapter_name, "backend": ctx.backend, "timestamp_queries": ctx.timestamps}),
        );
    } else {
        println!("adapter: {} ({})", ctx.adapter_name, ctx.backend);
    }
    Ok(())
}

fn print_run(s: &nanodemon::run::RunSummary, json: bool) {
    if json {
        print_json(&serde_json::to_value(s).expect("summary serialises"));
        return;
    }
    println!(
        "run finished: {} ps of production in {:.1} s on {}",
        s.production_ps, s.wall_s, s.engine
    );
    println!(
        "  {} atoms, {:.0} steps/s, {:.3} ns/day",
        s.atoms.total, s.steps_per_s, s.ns_per_day
    );
    println!(
        "  mean temperatures: cold {:.2} K, hot {:.2} K",
        s.mean_temperature_k[0], s.mean_temperature_k[1]
    );
    println!(
        "  heat rates (linear fit): Q_C {:+.4e} eV/ps, Q_H {:+.4e} eV/ps (Q > 0: particle -> bath)",
        s.heat_rate_ev_per_ps[0], s.heat_rate_ev_per_ps[1]
    );
    println!(
        "  work rates: W_C {:+.4e} eV/ps, W_H {:+.4e} eV/ps",
        s.work_rate_ev_per_ps[0], s.work_rate_ev_per_ps[1]
    );
    println!(
        "  wrote {}/heat.csv ({} rows) and run.json",
        s.out.display(),
        s.rows
    );
}

fn print_bench(r: &nanodemon::bench::BenchResult, json: bool) {
    if json {
        print_json(&serde_json::to_value(r).expect("bench serialises"));
        return;
    }
    println!(
        "{} on {} atoms: {:.1} steps/s, {:.3e} atom-steps/s, {:.3} ns/day ({} steps in {:.2} s)",
        r.engine, r.atoms, r.steps_per_s, r.atom_steps_per_s, r.ns_per_day, r.steps, r.wall_s
    );
}

fn ndemon(
    json: bool,
    plots: Option<&std::path::Path>,
    eps4: Vec<f64>,
    width: f64,
    shape: nanodemon::theory::ndemon::landauer::ResonanceShape,
    points: usize,
) -> anyhow::Result<()> {
    use nanodemon::theory::ndemon::{figures, sweep};
    let config = sweep::SweepConfig::new(points, eps4, width, shape)?;
    eprintln!(
        "ndemon: sweeping {} values of T_c/T_h for ε4 = {:?}",
        config.tc_over_th.len(),
        config.eps4
    );
    let result = sweep::run_sweep(&config)?;
    let mut files = Vec::new();
    if let Some(dir) = plots {
        std::fs::create_dir_all(dir)
            .map_err(|e| anyhow::anyhow!("--plots {}: {e}", dir.display()))?;
        let csv = dir.join("ndemon_sweep.csv");
        result.write_csv(&csv)?;
        files.push(csv);
        files.extend(figures::write_figures(&result, dir)?);
    }
    let digest = result.digest();
    if json {
        print_json(
            &serde_json::json!({"config": result.config, "digest": digest, "points": result.points, "files": files}),
        );
    } else {
        println!("N-demon sweep, Γ = {width} ({shape:?}); COP bound T_c/(T_h − T_c)");
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
    }
    Ok(())
}
