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
    println!("{}", serde_json::to_string(value).expect("JSON values always serialise"));
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gpu { json } => gpu_info(json),
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
        print_json(&serde_json::json!({"adapter": ctx.adapter_name, "backend": ctx.backend, "timestamp_queries": ctx.timestamps}));
    } else {
        println!("adapter: {} ({})", ctx.adapter_name, ctx.backend);
    }
    Ok(())
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
