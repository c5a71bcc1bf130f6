//! The `nanodemon` command line: parse, call the library, print. Every subcommand takes `--json` and
//! then prints exactly one JSON object on stdout; progress and logs go to stderr.

use clap::{Parser, Subcommand};

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
    /// Show the GPU adapter nanodemon would use.
    Gpu {
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
    /// Benchmark the GPU engine alone on a scenario (steps/s, ns/day, per-kernel times).
    #[command(hide = true)]
    GpuBench {
        scenario: std::path::PathBuf,
        #[arg(long, default_value_t = 20000)]
        steps: u64,
        #[arg(long, default_value_t = 2000)]
        warmup: u64,
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
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gpu { json } => gpu_info(json),
        Command::Compare {
            scenario,
            steps,
            every,
            json,
        } => compare(&scenario, steps, every, json),
        Command::GpuBench {
            scenario,
            steps,
            warmup,
            json,
        } => gpu_bench(&scenario, steps, warmup, json),
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

fn gpu_bench(path: &std::path::Path, steps: u64, warmup: u64, json: bool) -> anyhow::Result<()> {
    let sc = nanodemon::scenario::Scenario::load(path)?;
    let ctx = nanodemon::gpu::GpuContext::new(nanodemon::gpu::GpuRequirement::Required)?
        .expect("Required never returns None");
    let b = nanodemon::engine::gpu::bench::bench(&sc, ctx, steps, warmup)?;
    if json {
        print_json(&serde_json::to_value(&b)?);
    } else {
        println!(
            "{} ({} atoms) on {} ({}): {:.0} steps/s, {:.3e} atom-steps/s, {:.1} ns/day, {} list builds in {} steps, {:.1} MiB",
            b.scenario,
            b.atoms,
            b.adapter,
            b.backend,
            b.steps_per_s,
            b.atom_steps_per_s,
            b.ns_per_day,
            b.list_builds,
            b.steps,
            b.gpu_memory_bytes as f64 / 1048576.0
        );
        for k in &b.kernels {
            println!("  {:40} {:8.2} µs/step", k.kernel, k.us_per_step);
        }
        println!(
            "  host recording {:.1} µs/step; GPU alone {:.1} µs/step; submit + wait round trip {:.1} µs",
            b.host_record_us_per_step, b.gpu_us_per_step, b.submit_wait_us
        );
    }
    Ok(())
}
