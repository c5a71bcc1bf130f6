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
        Command::Theory { scenario, kappa_ratio, friction_kg_per_s, sweep_csv, sweep, json } => {
            theory(&scenario, &kappa_ratio, friction_kg_per_s, sweep_csv.as_deref(), &sweep, json)
        }
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
    json: bool,
) -> anyhow::Result<()> {
    use nanodemon::theory::demon_pair::predictions;
    let sc = nanodemon::scenario::Scenario::load(scenario)?;
    let report = predictions::theory_report(&sc, friction_kg_per_s, ratios)?;
    let mut sweep_rows = None;
    if let Some(path) = sweep_csv {
        let (min, max, n) = predictions::parse_sweep(sweep)?;
        let points = predictions::sweep(&report.model, report.axes, sc.run.sample_interval_ps, min, max, n)?;
        predictions::write_sweep_csv(&points, path)?;
        eprintln!("wrote {} sweep rows to {}", points.len(), path.display());
        sweep_rows = Some(points.len());
    }
    if json {
        let mut v = serde_json::to_value(&report)?;
        v["sweep_csv"] = serde_json::json!(sweep_csv.map(|p| p.display().to_string()));
        v["sweep_rows"] = serde_json::json!(sweep_rows);
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
    println!("{:>10} {:>13} {:>13} {:>13} {:>13} {:>8} {:>11} {:>11}", "κ_H/κ_C", "Q̇_C eV/ps", "Q̇_H eV/ps", "Ẇ eV/ps", "Ṡ k_B/ps", "COP", "Var/⟨Ẇ⟩²", "TUR bound");
    for p in &report.points {
        println!(
            "{:>10.4} {:>13.4e} {:>13.4e} {:>13.4e} {:>13.4e} {:>8} {:>11.4e} {:>11.4e}  {:?}",
            p.kappa_ratio,
            p.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            p.power_ev_per_ps,
            p.entropy_production_kb_per_ps,
            p.cop.map(|c| format!("{c:.3}")).unwrap_or_else(|| "-".into()),
            p.relative_uncertainty_total,
            p.tur_bound,
            p.regime
        );
    }
    Ok(())
}
