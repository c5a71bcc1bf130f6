//! The `nanodemon` command line: parse, call the library, print. Every subcommand takes `--json` and
//! then prints exactly one JSON object on stdout; progress and logs go to stderr.

use clap::{Parser, Subcommand};
use nanodemon::engine::Backend;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "nanodemon",
    version = nanodemon::provenance::VERSION,
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
        /// GPU adapter index from `nanodemon gpus` (default: NANODEMON_ADAPTER, else the fastest).
        #[arg(long)]
        adapter: Option<usize>,
        /// Output directory.
        #[arg(long, default_value = "runs/latest")]
        out: PathBuf,
        /// Production length in ps (overrides run.production_ps; with --resume, extends the run).
        #[arg(long)]
        time_ps: Option<f64>,
        /// Continue a killed run from its last checkpoint, without gaps or duplicate rows.
        #[arg(long, conflicts_with = "restart")]
        resume: bool,
        /// Start over in an --out that already holds a run, discarding its outputs (run.log is kept): the way
        /// out for a run killed before its first checkpoint.
        #[arg(long)]
        restart: bool,
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
        /// GPU adapter index from `nanodemon gpus` (default: NANODEMON_ADAPTER, else the fastest).
        #[arg(long)]
        adapter: Option<usize>,
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
    /// Parameter sweeps: plan (Slurm array), run (locally or one array task), status, collect.
    Sweep {
        #[command(subcommand)]
        action: SweepAction,
    },
    /// Show the GPU adapter nanodemon would use.
    Gpu {
        /// GPU adapter index from `nanodemon gpus` (default: NANODEMON_ADAPTER, else the fastest).
        #[arg(long)]
        adapter: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// List every GPU adapter: index (for --adapter and NANODEMON_ADAPTER), name, backend, device type.
    Gpus {
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
    /// Predictions of seed 000's Langevin model (Lyapunov covariances) for a scenario's parameters.
    Theory {
        /// Scenario JSON file.
        scenario: std::path::PathBuf,
        /// κ_H/κ_C to predict for (repeatable); default: the scenario's own κ_H.
        #[arg(long = "kappa-ratio", allow_negative_numbers = true)]
        kappa_ratio: Vec<f64>,
        /// Friction coefficient γ of both nanoparticles, kg/s (seed 000: 3.5e-12).
        #[arg(long, default_value_t = nanodemon::theory::demon_pair::predictions::PAPER_FRICTION_KG_PER_S)]
        friction_kg_per_s: f64,
        /// Also write a log-spaced sweep over κ_H/κ_C to this CSV file.
        #[arg(long)]
        sweep_csv: Option<std::path::PathBuf>,
        /// Sweep range MIN:MAX:POINTS of κ_H/κ_C.
        #[arg(long, default_value = "0.01:100:200")]
        sweep: String,
        /// Also simulate the Langevin model for the scenario (its production length and sampling) and
        /// write DIR/heat.csv + DIR/run.json in the MD run format, for `nanodemon analyze`; with
        /// --kappa-ratio, one run directory per ratio under DIR (a sweep).
        #[arg(long)]
        langevin_out: Option<std::path::PathBuf>,
        /// Time step of the Langevin simulation, ps.
        #[arg(long, default_value_t = 0.01)]
        langevin_dt_ps: f64,
        /// Also predict with baths with memory fitted from this equilibrium run directory (issue 11);
        /// with --sweep-csv FILE.csv the memory sweep goes to FILE.memory.csv.
        #[arg(long)]
        bath_from: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Analyse a run directory (heat.csv + run.json), or a directory of run directories (a κ_H sweep),
    /// beside the theory for the runs' own parameters.
    Analyze {
        /// Run directory, or a directory whose subdirectories are run directories.
        dir: std::path::PathBuf,
        /// Friction for the theory, kg/s; default: estimated from an equilibrium/drag run, else 3.5e-12.
        #[arg(long)]
        friction_kg_per_s: Option<f64>,
        /// Number of contiguous blocks for the error bars.
        #[arg(long, default_value_t = 20)]
        blocks: usize,
        /// Write the figures (SVG, each with the CSV of what it draws) into PLOTS_DIR, by default DIR/figures.
        #[arg(long, value_name = "PLOTS_DIR", num_args = 0..=1)]
        plots: Option<Option<std::path::PathBuf>>,
        /// Also compare with baths with memory fitted from this equilibrium run directory (issue 11);
        /// --json puts the predictions under theory.memory.
        #[arg(long)]
        bath_from: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Run the same start on the CPU reference and the GPU engine and report how far they drift apart.
    Compare {
        /// Scenario JSON file.
        scenario: std::path::PathBuf,
        /// Steps to run on both engines.
        #[arg(long, default_value_t = 1000)]
        steps: u64,
        /// Compare every this many steps.
        #[arg(long, default_value_t = 100)]
        every: u64,
        /// GPU adapter index from `nanodemon gpus` (default: NANODEMON_ADAPTER, else the fastest).
        #[arg(long)]
        adapter: Option<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Periodic thermal driving of a trapped Brownian particle (seed 002): ensembles, theory, figures.
    Drive(DriveArgs),
    /// Write a scenario out for another MD code.
    Export {
        #[command(subcommand)]
        target: ExportTarget,
    },
}

#[derive(Subcommand)]
enum ExportTarget {
    /// LAMMPS data file (data.lammps) and input deck (in.lammps, including in.setup.lammps and
    /// in.work.lammps) that reproduce the scenario in units metal; run it with `lmp -in in.lammps` inside DIR.
    Lammps {
        /// Scenario JSON file.
        scenario: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
        /// Print one JSON object (the files written) on stdout.
        #[arg(long)]
        json: bool,
    },
}

/// Defaults are seed 002's parameters (k = γ = 1, T0 = 20, T = 5, Ω = 2, m = 1 and 10, k_B = 1).
#[derive(clap::Args)]
struct DriveArgs {
    #[arg(long)]
    json: bool,
    /// Directory for the SVG figures, each with its CSV, and drive_statistics.csv (none drawn without it).
    #[arg(long)]
    plots: Option<std::path::PathBuf>,
    /// Write the statistics of every ensemble over time (value, standard error, theory) to this CSV file.
    #[arg(long)]
    csv: Option<std::path::PathBuf>,
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

#[derive(Subcommand)]
enum SweepAction {
    /// Write one directory per point, the manifest DIR/sweep.json and the Slurm script DIR/sweep.sbatch.
    Plan {
        /// Sweep JSON file: base scenario, vary, slurm.
        sweep: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Run one point (--index, as a Slurm array task does) or every unfinished point (--all).
    Run {
        dir: PathBuf,
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        index: Option<usize>,
        #[arg(long)]
        all: bool,
        /// Points at once with --all.
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        #[arg(long, value_enum, default_value_t = Backend::Auto)]
        backend: Backend,
        /// GPU adapter index for every point (default: NANODEMON_ADAPTER; unset, --all gives job j hardware
        /// adapter j mod their number when there are several).
        #[arg(long)]
        adapter: Option<usize>,
        /// CPU worker threads per point (default: the cores divided among the jobs).
        #[arg(long)]
        threads: Option<usize>,
        #[arg(long)]
        quiet: bool,
        #[arg(long)]
        json: bool,
    },
    /// Done / running / interrupted / failed / pending per point, with progress.
    Status {
        dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// One table (DIR/sweep-results.csv) of every finished point, and with --plots the κ-axis figures.
    Collect {
        dir: PathBuf,
        #[arg(long)]
        plots: bool,
        /// Number of contiguous blocks for the error bars (as `nanodemon analyze --blocks`).
        #[arg(long, default_value_t = 20)]
        blocks: usize,
        /// Friction for the theory, kg/s (as `nanodemon analyze --friction-kg-per-s`).
        #[arg(long)]
        friction_kg_per_s: Option<f64>,
        #[arg(long)]
        json: bool,
    },
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string(value).expect("JSON values always serialise")
    );
}

fn main() {
    restore_default_sigpipe();
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Run { .. }
            | Command::Sweep {
                action: SweepAction::Run { .. }
            }
    ) {
        nanodemon::stop::install();
    }
    let result = match cli.command {
        Command::Gpu { adapter, json } => gpu_info(adapter, json),
        Command::Gpus { json } => gpus(json),
        Command::Run {
            scenario,
            backend,
            adapter,
            out,
            time_ps,
            resume,
            restart,
            threads,
            quiet,
            json,
        } => nanodemon::gpu::AdapterChoice::resolve(adapter).and_then(|adapter| {
            let opts = nanodemon::run::RunOptions {
                backend,
                out,
                time_ps,
                resume,
                restart,
                threads: threads.unwrap_or_else(nanodemon::engine::cpu::default_threads),
                progress: !quiet,
                adapter,
            };
            nanodemon::run::run(&scenario, &opts).map(|s| print_run(&s, json))
        }),
        Command::Sweep { action } => sweep(action),
        Command::Bench {
            backend,
            adapter,
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
                    &nanodemon::gpu::AdapterChoice::resolve(adapter)?,
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
        Command::Theory {
            scenario,
            kappa_ratio,
            friction_kg_per_s,
            sweep_csv,
            sweep,
            langevin_out,
            langevin_dt_ps,
            bath_from,
            json,
        } => theory(
            &scenario,
            &kappa_ratio,
            friction_kg_per_s,
            sweep_csv.as_deref(),
            &sweep,
            langevin_out.as_deref().map(|d| (d, langevin_dt_ps)),
            bath_from.as_deref(),
            json,
        ),
        Command::Analyze {
            dir,
            friction_kg_per_s,
            blocks,
            plots,
            bath_from,
            json,
        } => {
            let plots = plots.map(|d| d.unwrap_or_else(|| dir.join("figures")));
            analyze(
                &dir,
                friction_kg_per_s,
                blocks,
                plots.as_deref(),
                bath_from.as_deref(),
                json,
            )
        }
        Command::Drive(args) => drive(args),
        Command::Compare {
            scenario,
            steps,
            every,
            adapter,
            json,
        } => compare(&scenario, steps, every, adapter, json),
        Command::Export {
            target:
                ExportTarget::Lammps {
                    scenario,
                    out,
                    json,
                },
        } => nanodemon::export::lammps::export(&scenario, &out).map(|e| {
            if json {
                print_json(&serde_json::to_value(&e).expect("export summary serialises"));
            } else {
                println!(
                    "wrote {} ({} atoms); run it with: cd {} && lmp -in {}",
                    e.files
                        .iter()
                        .map(|f| f.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    e.atoms,
                    e.out.display(),
                    nanodemon::export::lammps::DECK_FILE
                );
            }
        }),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        if std::env::args().any(|a| a == "--json") {
            print_json(&serde_json::json!({"error": format!("{e:#}")}));
        }
        // A run stopped by a signal checkpointed first: a distinct code tells a batch script to requeue it.
        let stopped = e.downcast_ref::<nanodemon::stop::Stopped>().is_some();
        std::process::exit(if stopped {
            nanodemon::stop::EXIT_STOPPED
        } else {
            1
        });
    }
}

/// Rust ignores SIGPIPE, so every `println!` after the reader went away (`nanodemon ndemon --json | head -1`)
/// panics on EPIPE. Restoring the default action makes the process end quietly, as Unix filters do, for every
/// writer at once; outputs to files are unaffected.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn gpu_info(adapter: Option<usize>, json: bool) -> anyhow::Result<()> {
    let ctx = nanodemon::gpu::GpuContext::new(
        nanodemon::gpu::GpuRequirement::Required,
        &nanodemon::gpu::AdapterChoice::resolve(adapter)?,
    )?
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

fn gpus(json: bool) -> anyhow::Result<()> {
    let list = nanodemon::gpu::adapters();
    if json {
        print_json(&serde_json::json!({ "adapters": list }));
    } else if list.is_empty() {
        println!("no GPU adapter found (install a Vulkan driver, or set WGPU_BACKEND to another backend)");
    } else {
        for a in &list {
            println!("{}: {} ({}, {})", a.index, a.name, a.backend, a.device_type);
        }
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
    if let Some(g) = &r.gpu {
        println!(
            "  GPU memory {:.1} MiB, {} list builds in {} steps",
            g.gpu_memory_bytes as f64 / 1048576.0,
            g.list_builds,
            g.steps
        );
        for k in &g.kernels {
            println!("  {:40} {:8.2} µs/step", k.kernel, k.us_per_step);
        }
        println!(
            "  host recording {:.1} µs/step (recording alone {:.1}); GPU alone {:.1} µs/step; submit + wait \
             round trip {:.1} µs",
            g.host_record_us_per_step,
            g.host_encode_us_per_step,
            g.gpu_us_per_step,
            g.submit_wait_us
        );
    }
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

// One argument per CLI option of `theory`; bundling them would only move the list.
#[allow(clippy::too_many_arguments)]
fn theory(
    scenario: &std::path::Path,
    ratios: &[f64],
    friction_kg_per_s: f64,
    sweep_csv: Option<&std::path::Path>,
    sweep: &str,
    langevin: Option<(&std::path::Path, f64)>,
    bath_from: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<()> {
    use nanodemon::theory::demon_pair::predictions;
    let memory = bath_from
        .map(|eq| memory_theory(scenario, eq, ratios))
        .transpose()?;
    let sc = nanodemon::scenario::Scenario::load(scenario)?;
    let report = predictions::theory_report(&sc, friction_kg_per_s, ratios)?;
    let mut sweep_rows = None;
    if let Some(path) = sweep_csv {
        let (min, max, n) = predictions::parse_sweep(sweep)?;
        let points = predictions::sweep(
            &report.model,
            report.axes,
            sc.run.sample_interval_ps,
            min,
            max,
            n,
        )?;
        predictions::write_sweep_csv(&points, path)?;
        eprintln!("wrote {} sweep rows to {}", points.len(), path.display());
        if let Some((baths, _)) = &memory {
            let mem_path = path.with_extension("memory.csv");
            let rows = nanodemon::analysis::memory_fit::write_memory_sweep_csv(
                &sc,
                baths,
                (min, max, n),
                &mem_path,
            )?;
            eprintln!(
                "wrote {rows} memory-bath sweep rows to {}",
                mem_path.display()
            );
        }
        sweep_rows = Some(points.len());
    }
    let mut langevin_dirs = Vec::new();
    if let Some((dir, dt)) = langevin {
        eprintln!(
            "simulating the Langevin model for {} ps into {}",
            sc.run.production_ps,
            dir.display()
        );
        langevin_dirs =
            nanodemon::analysis::run_dir::write_langevin_runs(dir, &sc, &report.model, ratios, dt)?;
    }
    if json {
        let mut v = serde_json::to_value(&report)?;
        v["sweep_csv"] = serde_json::json!(sweep_csv.map(|p| p.display().to_string()));
        v["sweep_rows"] = serde_json::json!(sweep_rows);
        v["langevin_runs"] = serde_json::json!(langevin_dirs
            .iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>());
        if let Some((baths, points)) = &memory {
            v["memory"] = serde_json::json!({"baths": baths, "points": points});
        }
        print_json(&v);
        return Ok(());
    }
    println!(
        "{}: m = {:.1} amu, γ = {:.3e} kg/s, {} driven axes; pseudo-equilibrium at κ_H/κ_C = {:.4}, Carnot COP {:.3}",
        report.scenario, report.model.mass_amu, report.friction_kg_per_s, report.axes, report.pseudo_equilibrium_ratio, report.cop_carnot
    );
    if let Some(r) = report.max_extraction_ratio {
        println!("maximal heat extraction from the cold bath at κ_H/κ_C = {r:.5}");
    }
    println!(
        "{:>10} {:>13} {:>13} {:>13} {:>13} {:>8} {:>11} {:>11}",
        "κ_H/κ_C", "Q̇_C eV/ps", "Q̇_H eV/ps", "Ẇ eV/ps", "Ṡ k_B/ps", "COP", "Var/⟨Ẇ⟩²", "TUR bound"
    );
    for p in &report.points {
        println!(
            "{:>10.4} {:>13.4e} {:>13.4e} {:>13.4e} {:>13.4e} {:>8} {:>11.4e} {:>11.4e}  {:?}",
            p.kappa_ratio,
            p.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            p.power_ev_per_ps,
            p.entropy_production_kb_per_ps,
            p.cop
                .map(|c| format!("{c:.3}"))
                .unwrap_or_else(|| "-".into()),
            p.relative_uncertainty_total,
            p.tur_bound,
            p.regime
        );
    }
    if let Some((baths, points)) = &memory {
        print_memory_theory(baths, points);
    }
    Ok(())
}

fn analyze(
    dir: &std::path::Path,
    friction_kg_per_s: Option<f64>,
    blocks: usize,
    plots: Option<&std::path::Path>,
    bath_from: Option<&std::path::Path>,
    json: bool,
) -> anyhow::Result<()> {
    use nanodemon::analysis::{report, sweep};
    let opts = report::Options {
        friction_kg_per_s,
        blocks,
        ..Default::default()
    };
    let baths = bath_from.map(fit_baths).transpose()?;
    let (mut value, runs) = if sweep::is_run_dir(dir) {
        let run = nanodemon::analysis::run_dir::RunDir::load(dir)?;
        let a = report::analyze_run(&run, &opts)?;
        let figures = if let Some(out) = plots {
            nanodemon::analysis::figures::run_figures(&run, &a, baths.as_ref(), out)?
        } else {
            vec![]
        };
        (
            serde_json::json!({"kind": "run", "analysis": a, "figures": figures}),
            vec![a],
        )
    } else {
        let (runs, analyses) = sweep::analyze_sweep(dir, &opts)?;
        let figures = if let Some(out) = plots {
            nanodemon::analysis::figures::sweep_figures(&runs, &analyses, baths.as_ref(), out)?
        } else {
            vec![]
        };
        (
            serde_json::json!({"kind": "sweep", "runs": analyses, "figures": figures}),
            analyses,
        )
    };
    let memory = match &baths {
        Some(b) => attach_memory_theory(&mut value, dir, b)?,
        None => vec![],
    };
    if json {
        print_json(&value);
        return Ok(());
    }
    let show = |name: &str, c: &report::Compared| {
        let theory = c
            .theory
            .map(|t| format!("{t:>12.4e}"))
            .unwrap_or_else(|| format!("{:>12}", "-"));
        let z = c.z_score.map(|z| format!("{z:>7.2}")).unwrap_or_default();
        println!(
            "  {name:<26} {:>12.4e} ± {:<10.2e} theory {theory} z {z}",
            c.measured, c.error
        );
    };
    for a in &runs {
        println!(
            "{} ({}): {} samples over {:.0} ps, κ_H/κ_C = {}, γ = {:.3e} kg/s ({}), {} blocks of {:.0} ps",
            a.dir,
            a.scenario,
            a.samples,
            a.duration_ps,
            a.kappa_ratio.map(|r| format!("{r:.4}")).unwrap_or_else(|| "-".into()),
            a.friction_kg_per_s,
            a.friction_source,
            a.blocks,
            a.block_length_ps
        );
        let r = &a.rates;
        show("Q̇_C bath (eV/ps)", &r.heat_cold_ev_per_ps);
        show("Q̇_H bath (eV/ps)", &r.heat_hot_ev_per_ps);
        show("Q̇_C thermostat (eV/ps)", &r.thermostat_cold_ev_per_ps);
        show("Q̇_H thermostat (eV/ps)", &r.thermostat_hot_ev_per_ps);
        show("Ẇ_C (eV/ps)", &r.work_cold_ev_per_ps);
        show("Ẇ_H (eV/ps)", &r.work_hot_ev_per_ps);
        show("Ẇ (eV/ps)", &r.power_ev_per_ps);
        show("Ẇ − Q̇_C − Q̇_H (eV/ps)", &r.first_law_residual_ev_per_ps);
        show("Ṡ_tot (k_B/ps)", &r.entropy_production_kb_per_ps);
        if let Some(c) = &r.cop {
            show("COP", c);
        }
        if let Some(h) = &a.heat_rates {
            print_heat_rates(h);
        }
        if let Some(c) = &a.checks {
            print_heat_checks(c);
        }
        if let Some(p) = &a.power {
            show("Var/⟨Ẇ_C⟩²", &p.relative_uncertainty_cold);
            show("Var/⟨Ẇ_H⟩²", &p.relative_uncertainty_hot);
            show("Var/⟨Ẇ⟩²", &p.relative_uncertainty_total);
            show("TUR bound 2/(Ṡ Δt)", &p.tur_bound);
        }
        if let Some(c) = &a.stochastic_cop {
            println!(
                "  stochastic COP tail exponent {:.2} ± {:.2} (seed 000: 2)",
                c.tail_exponent.value, c.tail_exponent.error
            );
        }
        for f in &a.friction_estimates {
            println!(
                "  friction ({}): {:.3e} ± {:.1e} kg/s",
                f.method, f.gamma_kg_per_s.value, f.gamma_kg_per_s.error
            );
            if let Some(st) = &f.stationarity {
                println!(
                    "    velocity trend {:+.2e} ± {:.1e} Å/ps² (z {:.1}); second half {:.3e} ± {:.1e} kg/s, systematic {:.1e} kg/s",
                    st.velocity_trend_a_per_ps2,
                    st.velocity_trend_error,
                    st.velocity_trend_z,
                    st.gamma_second_half_kg_per_s.value,
                    st.gamma_second_half_kg_per_s.error,
                    st.systematic_kg_per_s
                );
            }
        }
        if let Some((_, m, md)) = memory.iter().find(|m| m.0 == a.dir) {
            print_memory_comparison(a, m, md);
        }
    }
    if let Some(figs) = value["figures"].as_array().filter(|f| !f.is_empty()) {
        println!(
            "figures: {}",
            figs.iter()
                .filter_map(|f| f.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(())
}

/// `analyze` text: every heat-rate estimator of each bath with its error, resolution and z against theory.
fn print_heat_rates(h: &nanodemon::analysis::report::HeatRates) {
    use nanodemon::analysis::heat_rate::RateEstimate;
    println!("  heat rates (eV/ps; σ = resolution |Q̇|/error; z against theory):");
    for (bath, b) in [("Q̇_C", &h.cold), ("Q̇_H", &h.hot)] {
        let line = |name: &str, e: &RateEstimate| {
            let z = e.z_score.map(|z| format!("z {z:>7.2}")).unwrap_or_default();
            println!(
                "    {bath} {name:<34} {:>12.4e} ± {:<10.2e} {:>6.1} σ  {z}",
                e.rate_ev_per_ps, e.error_ev_per_ps, e.resolution_sigma
            );
        };
        line("ledger, 20-block error", &b.ledger_block);
        line("ledger, diffusive + bounded error", &b.ledger);
        if let Some(p) = &b.particle {
            line("q_particle", p);
        }
        if let Some(c) = &b.combined {
            line("combined", c);
        }
        if let (Some(s), Some(a)) = (
            b.ledger_minus_particle_sigma,
            b.ledger_minus_particle_saturation_ev2,
        ) {
            println!(
                "    {bath} ledger − q_particle: rate at {s:.1} σ, structure function saturates at {a:.3} eV²"
            );
        }
        println!(
            "    {bath} preferred: {} ({})",
            b.preferred, b.preferred_because
        );
    }
}

/// Fits the baths with memory of an equilibrium run (`--bath-from`), with progress on stderr.
fn fit_baths(
    dir: &std::path::Path,
) -> anyhow::Result<nanodemon::analysis::memory_fit::FittedBaths> {
    use nanodemon::analysis::memory_fit;
    eprintln!("fitting baths with memory to {}", dir.display());
    let run = nanodemon::analysis::run_dir::RunDir::load(dir)?;
    memory_fit::fit_run(&run, &memory_fit::FitOptions::default())
}

/// Puts the memory-bath predictions for each analysed run under its `theory.memory` and returns them
/// by run directory; runs without a Markov theory (drag, equilibrium) are left alone.
fn attach_memory_theory(
    value: &mut serde_json::Value,
    dir: &std::path::Path,
    baths: &nanodemon::analysis::memory_fit::FittedBaths,
) -> anyhow::Result<
    Vec<(
        String,
        nanodemon::analysis::memory_fit::MemoryTheory,
        [nanodemon::analysis::fit::Estimate; 2],
    )>,
> {
    use nanodemon::analysis::{memory_fit, run_dir::RunDir};
    let mut out = Vec::new();
    let entries: Vec<&mut serde_json::Value> = if value["kind"] == "run" {
        vec![&mut value["analysis"]]
    } else {
        value["runs"]
            .as_array_mut()
            .map(|a| a.iter_mut().collect())
            .unwrap_or_default()
    };
    for entry in entries {
        if !entry["theory"].is_object() {
            continue;
        }
        let run_dir = entry["dir"].as_str().unwrap_or_default().to_string();
        let path = if run_dir.is_empty() {
            dir.to_path_buf()
        } else {
            std::path::PathBuf::from(&run_dir)
        };
        let run = RunDir::load(&path)?;
        let m = memory_fit::memory_theory(&run.scenario, baths, None)?;
        entry["theory"]["memory"] = serde_json::to_value(&m)?;
        let blocks = entry["blocks"].as_u64().unwrap_or(20) as usize;
        let measured = memory_fit::measured_kinetic_temperatures(&run, blocks)?;
        entry["theory"]["memory"]["md_kinetic_temperature_cold_k"] =
            serde_json::to_value(measured[0])?;
        entry["theory"]["memory"]["md_kinetic_temperature_hot_k"] =
            serde_json::to_value(measured[1])?;
        out.push((run_dir, m, measured));
    }
    value["memory_baths"] = serde_json::to_value(baths)?;
    Ok(out)
}

fn print_memory_comparison(
    a: &nanodemon::analysis::report::RunAnalysis,
    m: &nanodemon::analysis::memory_fit::MemoryTheory,
    md: &[nanodemon::analysis::fit::Estimate; 2],
) {
    let (p, e) = (&m.point, &m.errors);
    println!(
        "  memory theory (baths from {}: cold {}, hot {}):",
        m.bath_from, m.bath_model_cold, m.bath_model_hot
    );
    // Heat rates: the estimator analyze prefers (q_particle with its diffusive + bounded error when written),
    // else the ledger with its block error.
    let heat = |b: Option<&nanodemon::analysis::heat_rate::BathHeatRates>,
                c: &nanodemon::analysis::report::Compared| {
        b.map(|b| {
            let r = b.best();
            (r.rate_ev_per_ps, r.error_ev_per_ps)
        })
        .unwrap_or((c.measured, c.error))
    };
    let hr = a.heat_rates.as_ref();
    let pair = |c: &nanodemon::analysis::report::Compared| (c.measured, c.error);
    for (name, (measured, error), theory, terr) in [
        (
            "Q̇_C (eV/ps)",
            heat(hr.map(|h| &h.cold), &a.rates.heat_cold_ev_per_ps),
            p.heat_rate_cold_ev_per_ps,
            e.heat_rate_cold_ev_per_ps,
        ),
        (
            "Q̇_H (eV/ps)",
            heat(hr.map(|h| &h.hot), &a.rates.heat_hot_ev_per_ps),
            p.heat_rate_hot_ev_per_ps,
            e.heat_rate_hot_ev_per_ps,
        ),
        (
            "Ẇ (eV/ps)",
            pair(&a.rates.power_ev_per_ps),
            p.power_ev_per_ps,
            e.power_ev_per_ps,
        ),
        (
            "Ṡ_tot (k_B/ps)",
            pair(&a.rates.entropy_production_kb_per_ps),
            p.entropy_production_kb_per_ps,
            e.entropy_production_kb_per_ps,
        ),
    ]
    .into_iter()
    .chain(a.power.as_ref().map(|pw| {
        (
            "Var/⟨Ẇ⟩²",
            pair(&pw.relative_uncertainty_total),
            p.relative_uncertainty_total,
            e.relative_uncertainty_total,
        )
    })) {
        let z = (measured - theory) / (error * error + terr * terr).sqrt();
        println!(
            "    {name:<24} {measured:>12.4e} ± {error:<10.2e} memory {theory:>12.4e} ± {terr:<9.2e} z {z:>7.2}"
        );
    }
    for (name, md, theory, terr) in [
        (
            "cold",
            &md[0],
            p.kinetic_temperature_cold_k,
            e.kinetic_temperature_cold_k,
        ),
        (
            "hot",
            &md[1],
            p.kinetic_temperature_hot_k,
            e.kinetic_temperature_hot_k,
        ),
    ] {
        let z = (md.value - theory) / (md.error * md.error + terr * terr).sqrt();
        println!(
            "    m⟨V²⟩/k_B {name:<4} (K)          {:>12.1} ± {:<10.1} memory {theory:>12.1} ± {terr:<9.1} z {z:>7.2}",
            md.value, md.error
        );
    }
}

/// `analyze` text: the stationary identity and the first law per particle, deviations in σ.
fn print_heat_checks(c: &nanodemon::analysis::report::HeatChecks) {
    for i in &c.stationary_identity {
        println!(
            "  Q̇_H/Q̇_C = −κ_H/κ_C ({}): {:.4} ± {:.4} vs {:.4}, deviation {:.2} σ ({:.2} σ of a bounded series)",
            i.heat,
            i.ratio_measured,
            i.ratio_error,
            i.ratio_expected,
            i.deviation_sigma,
            i.deviation_sigma_bounded
        );
    }
    if let Some(d) = &c.integrator_drift {
        println!(
            "  Σ(ledger − q_particle) drifts {:.2e} ± {:.1e} eV/ps, conserved quantity {:.2e} eV/ps: {:.2} σ apart",
            d.ledger_minus_particle_drift_ev_per_ps,
            d.ledger_minus_particle_error_ev_per_ps,
            d.conserved_drift_ev_per_ps,
            d.difference_sigma
        );
    }
    for (name, law) in [("cold", &c.first_law_cold), ("hot", &c.first_law_hot)] {
        if let Some(l) = law {
            println!(
                "  first law, {name} particle: Ẇ − Q̇_particle = {:.2e} ± {:.1e} eV/ps ({:.2} σ; {:.2} σ of a bounded series); W − q − ΔE drifts {:.2} σ, max |W − q − ΔE| {:.3} eV (rms ΔE {:.3} eV)",
                l.work_minus_heat_rate_ev_per_ps,
                l.work_minus_heat_error_ev_per_ps,
                l.deviation_sigma,
                l.deviation_sigma_bounded,
                l.closure_drift_sigma,
                l.closure_max_abs_ev,
                l.particle_energy_change_rms_ev
            );
        }
    }
}

/// `theory --bath-from`: baths fitted from the equilibrium run and the predictions with them.
fn memory_theory(
    scenario: &std::path::Path,
    eq: &std::path::Path,
    ratios: &[f64],
) -> anyhow::Result<(
    nanodemon::analysis::memory_fit::FittedBaths,
    Vec<nanodemon::analysis::memory_fit::MemoryTheory>,
)> {
    use nanodemon::analysis::memory_fit;
    let sc = nanodemon::scenario::Scenario::load(scenario)?;
    let baths = fit_baths(eq)?;
    let kc = sc.controller.kappa_cold_ev_per_a2;
    let points = if ratios.is_empty() {
        vec![memory_fit::memory_theory(&sc, &baths, None)?]
    } else {
        ratios
            .iter()
            .map(|r| memory_fit::memory_theory(&sc, &baths, Some(r * kc)))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    Ok((baths, points))
}

fn print_memory_theory(
    baths: &nanodemon::analysis::memory_fit::FittedBaths,
    points: &[nanodemon::analysis::memory_fit::MemoryTheory],
) {
    for (name, f) in [("cold", &baths.cold), ("hot", &baths.hot)] {
        println!(
            "{name} bath from {} ({}, {} blocks): {}",
            baths.run, baths.source, baths.blocks, f.model
        );
        for p in &f.parameters {
            println!("    {:<30} {:>12.4e} ± {:.2e}", p.name, p.value, p.error);
        }
        for r in &f.responses {
            println!(
                "    ω = {:.4} /ps: Re γ = {:.4e} ± {:.1e} amu/ps ({:.3e} kg/s), m_add = {:.4e} ± {:.1e} amu",
                r.omega_per_ps,
                r.gamma_re_amu_per_ps,
                r.gamma_re_error,
                r.gamma_re_kg_per_s,
                r.added_mass_amu,
                r.added_mass_error
            );
        }
    }
    println!(
        "{:>10} {:>22} {:>22} {:>12} {:>12}",
        "κ_H/κ_C", "Q̇_C eV/ps", "Q̇_H eV/ps", "T_kin,C K", "T_kin,H K"
    );
    for m in points {
        let (p, e) = (&m.point, &m.errors);
        println!(
            "{:>10.4} {:>12.4e} ± {:.1e} {:>12.4e} ± {:.1e} {:>7.1} ± {:.1} {:>7.1} ± {:.1}  {:?} (memory)",
            p.kappa_ratio,
            p.heat_rate_cold_ev_per_ps,
            e.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            e.heat_rate_hot_ev_per_ps,
            p.kinetic_temperature_cold_k,
            e.kinetic_temperature_cold_k,
            p.kinetic_temperature_hot_k,
            e.kinetic_temperature_hot_k,
            p.regime
        );
        if let (Some(c), Some(ce)) = (p.cop, e.cop) {
            println!("{:>10} COP {c:.3} ± {ce:.3}", "");
        }
        for (name, r, ge, me) in [
            (
                "cold",
                &p.probe_cold,
                e.probe_cold_gamma_re_amu_per_ps,
                e.probe_cold_added_mass_amu,
            ),
            (
                "hot",
                &p.probe_hot,
                e.probe_hot_gamma_re_amu_per_ps,
                e.probe_hot_added_mass_amu,
            ),
        ] {
            println!(
                "{:>10} {name} particle held at ω = {:.4}/ps: Re γ = {:.4e} ± {ge:.1e} amu/ps, m_add = {:.4e} ± {me:.1e} amu",
                "", r.omega_per_ps, r.gamma_re_amu_per_ps, r.added_mass_amu
            );
        }
    }
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
    if let Some(path) = &a.csv {
        std::fs::write(path, drive::series_csv(&report))
            .map_err(|e| anyhow::anyhow!("--csv {}: {e}", path.display()))?;
    }
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

fn compare(
    path: &std::path::Path,
    steps: u64,
    every: u64,
    adapter: Option<usize>,
    json: bool,
) -> anyhow::Result<()> {
    let sc = nanodemon::scenario::Scenario::load(path)?;
    let adapter = nanodemon::gpu::AdapterChoice::resolve(adapter)?;
    let c = nanodemon::compare::compare(&sc, steps, every, &adapter)?;
    if json {
        print_json(&serde_json::to_value(&c)?);
    } else {
        println!(
            "{} ({} atoms), CPU ({} threads) vs {} ({})",
            c.scenario, c.atoms, c.cpu_threads, c.adapter, c.backend
        );
        println!("  step   max|dx| Å  max|dv| Å/ps   T_cold cpu/gpu K    T_hot cpu/gpu K    conserved cpu/gpu eV");
        for r in &c.rows {
            println!(
                "{:6}   {:9.2e}  {:9.2e}   {:8.3} {:8.3}  {:8.3} {:8.3}  {:12.5} {:12.5}",
                r.step,
                r.max_position_dev_a,
                r.max_velocity_dev_a_per_ps,
                r.temperature_cpu_k[0],
                r.temperature_gpu_k[0],
                r.temperature_cpu_k[1],
                r.temperature_gpu_k[1],
                r.conserved_cpu_ev,
                r.conserved_gpu_ev
            );
        }
    }
    Ok(())
}

fn sweep(action: SweepAction) -> anyhow::Result<()> {
    use nanodemon::sweep;
    let emit = |json: bool, v: serde_json::Value, human: &dyn Fn()| {
        if json {
            print_json(&v)
        } else {
            human()
        }
    };
    match action {
        SweepAction::Plan {
            sweep: file,
            out,
            json,
        } => {
            let s = sweep::plan(&file, &out)?;
            emit(json, serde_json::to_value(&s)?, &|| {
                println!(
                    "planned {} points in {} ({} new, {} kept)",
                    s.points,
                    s.dir.display(),
                    s.new.len(),
                    s.kept.len()
                );
                println!(
                    "  time limit per task {}; submit with: {}",
                    s.time_limit, s.submit
                );
            });
        }
        SweepAction::Run {
            dir,
            index,
            all,
            jobs,
            backend,
            adapter,
            threads,
            quiet,
            json,
        } => {
            let opts = sweep::SweepRunOptions {
                backend,
                jobs,
                threads,
                progress: !quiet,
                adapter: nanodemon::gpu::AdapterChoice::resolve(adapter)?,
            };
            let s = match (index, all) {
                (Some(i), _) => sweep::run_index(&dir, i, &opts)?,
                _ => sweep::run_all(&dir, &opts)?,
            };
            emit(json, serde_json::to_value(&s)?, &|| {
                for p in &s.points {
                    println!("point {}: {} ({:.1} s)", p.index, p.outcome, p.wall_s);
                }
            });
        }
        SweepAction::Status { dir, json } => {
            let s = sweep::status(&dir)?;
            emit(json, serde_json::to_value(&s)?, &|| {
                println!(
                    "{}: {} done, {} running, {} interrupted, {} failed, {} pending",
                    s.name, s.done, s.running, s.interrupted, s.failed, s.pending
                );
                for p in &s.points {
                    let state = serde_json::to_value(p.state).expect("state serialises");
                    let rate = p
                        .rate
                        .as_ref()
                        .map(|r| {
                            format!(
                                "  {:.3} ns/day, ETA {:.1} h (as of {})",
                                r.ns_per_day,
                                r.eta_s / 3600.0,
                                r.at_utc
                            )
                        })
                        .unwrap_or_default();
                    println!(
                        "  {:4} {:12} {:7.1} / {} ps  {}{rate}{}",
                        p.index,
                        state.as_str().unwrap_or("?"),
                        p.production_done_ps,
                        p.production_ps,
                        p.params.label(),
                        p.error
                            .as_ref()
                            .map(|e| format!("  error: {e}"))
                            .unwrap_or_default()
                    );
                }
            });
        }
        SweepAction::Collect {
            dir,
            plots,
            blocks,
            friction_kg_per_s,
            json,
        } => {
            let s = sweep::collect(&dir, plots, blocks, friction_kg_per_s)?;
            emit(json, serde_json::to_value(&s)?, &|| {
                println!("{} points in {}", s.table.rows.len(), s.table_csv.display());
                for (i, st) in &s.missing {
                    println!("  point {i} left out: {st:?}");
                }
                for f in &s.figures {
                    println!("  figure {}", f.display());
                }
            });
        }
    }
    Ok(())
}
