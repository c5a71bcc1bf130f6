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
    /// Parameter sweeps: plan (Slurm array), run (locally or one array task), status, collect.
    Sweep {
        #[command(subcommand)]
        action: SweepAction,
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
        /// Write SVG figures into DIR/figures.
        #[arg(long)]
        plots: bool,
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
        Command::Sweep { action } => sweep(action),
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
        Command::Theory {
            scenario,
            kappa_ratio,
            friction_kg_per_s,
            sweep_csv,
            sweep,
            langevin_out,
            langevin_dt_ps,
            json,
        } => theory(
            &scenario,
            &kappa_ratio,
            friction_kg_per_s,
            sweep_csv.as_deref(),
            &sweep,
            langevin_out.as_deref().map(|d| (d, langevin_dt_ps)),
            json,
        ),
        Command::Analyze {
            dir,
            friction_kg_per_s,
            blocks,
            plots,
            json,
        } => analyze(&dir, friction_kg_per_s, blocks, plots, json),
        Command::Drive(args) => drive(args),
        Command::Compare {
            scenario,
            steps,
            every,
            json,
        } => compare(&scenario, steps, every, json),
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
        std::process::exit(1);
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

fn theory(
    scenario: &std::path::Path,
    ratios: &[f64],
    friction_kg_per_s: f64,
    sweep_csv: Option<&std::path::Path>,
    sweep: &str,
    langevin: Option<(&std::path::Path, f64)>,
    json: bool,
) -> anyhow::Result<()> {
    use nanodemon::theory::demon_pair::predictions;
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
    Ok(())
}

fn analyze(
    dir: &std::path::Path,
    friction_kg_per_s: Option<f64>,
    blocks: usize,
    plots: bool,
    json: bool,
) -> anyhow::Result<()> {
    use nanodemon::analysis::{report, sweep};
    let opts = report::Options {
        friction_kg_per_s,
        blocks,
        ..Default::default()
    };
    let (value, runs) = if sweep::is_run_dir(dir) {
        let run = nanodemon::analysis::run_dir::RunDir::load(dir)?;
        let a = report::analyze_run(&run, &opts)?;
        let figures = if plots {
            nanodemon::analysis::figures::run_figures(&run, &a, &dir.join("figures"))?
        } else {
            vec![]
        };
        (
            serde_json::json!({"kind": "run", "analysis": a, "figures": figures}),
            vec![a],
        )
    } else {
        let (runs, analyses) = sweep::analyze_sweep(dir, &opts)?;
        let figures = if plots {
            nanodemon::analysis::figures::sweep_figures(&runs, &analyses, &dir.join("figures"))?
        } else {
            vec![]
        };
        (
            serde_json::json!({"kind": "sweep", "runs": analyses, "figures": figures}),
            analyses,
        )
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

fn compare(path: &std::path::Path, steps: u64, every: u64, json: bool) -> anyhow::Result<()> {
    let sc = nanodemon::scenario::Scenario::load(path)?;
    let c = nanodemon::compare::compare(&sc, steps, every)?;
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
            threads,
            quiet,
            json,
        } => {
            let opts = sweep::SweepRunOptions {
                backend,
                jobs,
                threads,
                progress: !quiet,
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
                    println!(
                        "  {:4} {:12} {:7.1} / {} ps  {}{}",
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
            json,
        } => {
            let s = sweep::collect(&dir, plots, blocks)?;
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
