//! The MD engine subcommands: `run`, `bench`, `compare`, `gpu`, `gpus`.

use super::{print_json, ADAPTER_HELP, JSON_HELP};
use nanodemon::engine::Backend;
use nanodemon::gpu::AdapterChoice;
use std::path::PathBuf;

/// Help of every `--backend` flag of the MD engines.
const BACKEND_HELP: &str =
    "Engine: auto (a hardware GPU when one exists, else the CPU, and it says so), gpu or cpu";

#[derive(clap::Args)]
pub struct RunArgs {
    /// Scenario JSON file (see scenarios/).
    scenario: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Auto, help = BACKEND_HELP)]
    backend: Backend,
    #[arg(long, help = ADAPTER_HELP)]
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
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

impl RunArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let opts = nanodemon::run::RunOptions {
            backend: self.backend,
            out: self.out,
            time_ps: self.time_ps,
            resume: self.resume,
            restart: self.restart,
            threads: self
                .threads
                .unwrap_or_else(nanodemon::engine::cpu::default_threads),
            progress: !self.quiet,
            adapter: AdapterChoice::resolve(self.adapter)?,
        };
        let summary = nanodemon::run::run(&self.scenario, &opts)?;
        print_run(&summary, self.json);
        Ok(())
    }
}

#[derive(clap::Args)]
pub struct RunBatchArgs {
    /// Scenario JSON files, one per replica: same atom counts and box, any seeds, κ values, temperatures and
    /// run lengths.
    #[arg(required = true)]
    scenarios: Vec<PathBuf>,
    /// Directory under which each replica writes its run into a subdirectory named after its scenario file
    /// (DIR/STEM for STEM.json).
    #[arg(
        long,
        value_name = "DIR",
        required_unless_present = "out",
        conflicts_with = "out"
    )]
    out_root: Option<PathBuf>,
    /// The run directory of each replica instead of --out-root: give it once per scenario, in their order.
    #[arg(long, value_name = "DIR")]
    out: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Backend::Auto, help = BACKEND_HELP)]
    backend: Backend,
    #[arg(long, help = ADAPTER_HELP)]
    adapter: Option<usize>,
    /// Production length in ps of every replica (overrides run.production_ps; with --resume, extends the runs).
    #[arg(long)]
    time_ps: Option<f64>,
    /// Continue each replica from its own checkpoint (replicas may stand at different steps); replicas whose
    /// run is complete are skipped, and replicas never started (an empty directory) start.
    #[arg(long, conflicts_with = "restart")]
    resume: bool,
    /// Start every replica over, discarding what an earlier run wrote in its directory (run.log is kept).
    #[arg(long)]
    restart: bool,
    /// CPU worker threads of each replica (default: NANODEMON_THREADS, else all cores, divided among the
    /// replicas). A CPU replica's last bits depend on it, as a single run's do.
    #[arg(long)]
    threads: Option<usize>,
    /// No lines on stderr (replicas starting and ending, the batch's progress line every 30 s); each replica's
    /// progress lines always go to its run.log.
    #[arg(long)]
    quiet: bool,
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

impl RunBatchArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        use nanodemon::run::batch::{out_dirs, run_batch, BatchOptions, Replica};
        let outs = match &self.out_root {
            Some(root) => out_dirs(&self.scenarios, root)?,
            None if self.out.len() == self.scenarios.len() => self.out.clone(),
            None => anyhow::bail!(
                "--out: {} directories for {} scenarios; give one --out per scenario, or --out-root DIR",
                self.out.len(),
                self.scenarios.len()
            ),
        };
        let replicas: Vec<Replica> = self
            .scenarios
            .iter()
            .zip(outs)
            .map(|(scenario, out)| Replica {
                scenario: scenario.clone(),
                out,
                resume: self.resume,
            })
            .collect();
        let opts = BatchOptions {
            backend: self.backend,
            time_ps: self.time_ps,
            restart: self.restart,
            threads: self.threads.unwrap_or_else(|| {
                (nanodemon::engine::cpu::default_threads() / replicas.len()).max(1)
            }),
            progress: !self.quiet,
            adapter: AdapterChoice::resolve(self.adapter)?,
        };
        let s = run_batch(&replicas, &opts)?;
        if !self.json {
            if let Some(e) = &s.engine {
                println!("batch on {e}, {:.1} s", s.wall_s);
            }
            for o in &s.replicas {
                println!(
                    "  replica {} ({}): {} -> {}",
                    o.index,
                    o.scenario.display(),
                    o.outcome,
                    o.out.display()
                );
            }
        }
        let s = s.into_result()?;
        if self.json {
            print_json(&serde_json::to_value(&s)?);
        }
        Ok(())
    }
}

#[derive(clap::Args)]
pub struct BenchArgs {
    #[arg(long, value_enum, default_value_t = Backend::Auto, help = BACKEND_HELP)]
    backend: Backend,
    #[arg(long, help = ADAPTER_HELP)]
    adapter: Option<usize>,
    /// Approximate total atom count (default: the scenario as it is, 55k atoms for the paper).
    #[arg(long)]
    atoms: Option<usize>,
    /// Scenario JSON file to time.
    #[arg(long, default_value = "scenarios/paper-refrigerator.json")]
    scenario: PathBuf,
    /// Timed steps.
    #[arg(long, default_value_t = 200)]
    steps: u64,
    /// Untimed warm-up steps.
    #[arg(long, default_value_t = 50)]
    warmup: u64,
    /// Systems advanced in the same GPU dispatches (copies of the scenario with seeds seed, seed + 1, …, as
    /// `run-batch` runs a sweep): reports per-replica and aggregate steps/s and memory per replica. GPU only.
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// CPU worker threads (default: all cores, or NANODEMON_THREADS).
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

impl BenchArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let sc = nanodemon::bench::sized_scenario(&self.scenario, self.atoms)?;
        let r = nanodemon::bench::bench(
            &sc,
            self.backend,
            self.steps,
            self.warmup,
            self.replicas,
            self.threads
                .unwrap_or_else(nanodemon::engine::cpu::default_threads),
            &AdapterChoice::resolve(self.adapter)?,
        )?;
        print_bench(&r, self.json);
        Ok(())
    }
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Scenario JSON file.
    scenario: PathBuf,
    /// Steps to run on both engines.
    #[arg(long, default_value_t = 1000)]
    steps: u64,
    /// Compare every this many steps.
    #[arg(long, default_value_t = 100)]
    every: u64,
    #[arg(long, help = ADAPTER_HELP)]
    adapter: Option<usize>,
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

#[derive(clap::Args)]
pub struct GpuArgs {
    #[arg(long, help = ADAPTER_HELP)]
    adapter: Option<usize>,
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

impl GpuArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let ctx = nanodemon::gpu::GpuContext::new(
            nanodemon::gpu::GpuRequirement::Required,
            &AdapterChoice::resolve(self.adapter)?,
        )?
        .expect("Required never returns None");
        if self.json {
            print_json(
                &serde_json::json!({"adapter": ctx.adapter_name, "backend": ctx.backend, "timestamp_queries": ctx.timestamps}),
            );
        } else {
            println!("adapter: {} ({})", ctx.adapter_name, ctx.backend);
        }
        Ok(())
    }
}

#[derive(clap::Args)]
pub struct GpusArgs {
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

impl GpusArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let list = nanodemon::gpu::adapters();
        if self.json {
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
        if g.replicas > 1 {
            println!(
                "  {} replicas in the same dispatches: {:.1} steps/s each, {:.1} replica-steps/s and {:.3} ns/day \
                 in all",
                g.replicas, g.steps_per_s, g.aggregate_steps_per_s, g.aggregate_ns_per_day
            );
        }
        println!(
            "  GPU memory {:.1} MiB ({:.1} MiB per replica), {} list builds in {} steps (replica 0)",
            g.gpu_memory_bytes as f64 / 1048576.0,
            g.gpu_memory_bytes_per_replica as f64 / 1048576.0,
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

impl CompareArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let sc = nanodemon::scenario::Scenario::load(&self.scenario)?;
        let adapter = AdapterChoice::resolve(self.adapter)?;
        let c = nanodemon::compare::compare(&sc, self.steps, self.every, &adapter)?;
        if self.json {
            print_json(&serde_json::to_value(&c)?);
            return Ok(());
        }
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
        Ok(())
    }
}
