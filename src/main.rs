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
}

fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string(value).expect("JSON values always serialise"));
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gpu { json } => gpu_info(json),
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
