//! `nanodemon sweep`: plan, run, status and collect a parameter sweep.

use super::{plots_dir, print_json, JSON_HELP};
use nanodemon::engine::Backend;
use nanodemon::sweep;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum SweepAction {
    /// Write one directory per point, the manifest DIR/sweep.json and the Slurm script DIR/sweep.sbatch.
    Plan {
        /// Sweep JSON file: base scenario, vary, slurm.
        sweep: PathBuf,
        /// Sweep directory DIR to create (or extend: points already there are kept).
        #[arg(long)]
        out: PathBuf,
        /// Points per array task, run together in one batch engine (`sweep run --index I --batch R` runs
        /// points I·R … I·R+R−1): ceil(points/R) tasks. The time limit then takes slurm.expected_ns_per_day
        /// (or measured_bench) as the speed of one replica within a batch of R, and --mem grows with R.
        #[arg(long, default_value_t = 1)]
        batch: usize,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// Run one point (--index, as a Slurm array task does) or every unfinished point (--all); with --batch R,
    /// R points at a time in one batch engine.
    Run {
        /// Sweep directory written by `sweep plan`.
        dir: PathBuf,
        /// The one point to run (a Slurm array task passes its SLURM_ARRAY_TASK_ID); with --batch R, the batch
        /// task: points INDEX·R … INDEX·R+R−1.
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        index: Option<usize>,
        /// Run every point that is not done yet.
        #[arg(long)]
        all: bool,
        /// Points at once with --all (with --batch, batches at once).
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// Points per batch engine: the unfinished points run R at a time as the replicas of one engine (one
        /// GPU for R systems), each into its own point directory as a single run; 1: one run per point.
        #[arg(long, default_value_t = 1)]
        batch: usize,
        /// Engine of every point: auto (a hardware GPU when one exists, else the CPU), gpu or cpu.
        #[arg(long, value_enum, default_value_t = Backend::Auto)]
        backend: Backend,
        /// GPU adapter index for every point (default: NANODEMON_ADAPTER; unset, --all gives job j hardware
        /// adapter j mod their number when there are several).
        #[arg(long)]
        adapter: Option<usize>,
        /// CPU worker threads per point (default: the cores divided among the points running at once).
        #[arg(long)]
        threads: Option<usize>,
        /// No progress lines on stderr.
        #[arg(long)]
        quiet: bool,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// Done / running / interrupted / failed / pending per point, with progress.
    Status {
        /// Sweep directory written by `sweep plan`.
        dir: PathBuf,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
    /// One table (DIR/sweep-results.csv) of every finished point, and with --plots the κ-axis figures.
    Collect {
        /// Sweep directory written by `sweep plan`.
        dir: PathBuf,
        /// Write the κ-axis figures (SVG, each with the CSV of what it draws) into PLOTS_DIR, by default
        /// DIR/figures.
        #[arg(long, value_name = "PLOTS_DIR", num_args = 0..=1)]
        plots: Option<Option<PathBuf>>,
        /// Number of contiguous blocks for the error bars (as `nanodemon analyze --blocks`).
        #[arg(long, default_value_t = 20)]
        blocks: usize,
        /// Friction for the theory, kg/s (as `nanodemon analyze --friction-kg-per-s`).
        #[arg(long)]
        friction_kg_per_s: Option<f64>,
        #[arg(long, help = JSON_HELP)]
        json: bool,
    },
}

impl SweepAction {
    pub fn execute(self) -> anyhow::Result<()> {
        match self {
            SweepAction::Plan {
                sweep,
                out,
                batch,
                json,
            } => plan(&sweep, &out, batch, json),
            SweepAction::Run {
                dir,
                index,
                all: _,
                jobs,
                batch,
                backend,
                adapter,
                threads,
                quiet,
                json,
            } => {
                nanodemon::stop::install();
                let opts = sweep::SweepRunOptions {
                    backend,
                    jobs,
                    threads,
                    progress: !quiet,
                    adapter: nanodemon::gpu::AdapterChoice::resolve(adapter)?,
                    batch,
                };
                run(&dir, index, &opts, json)
            }
            SweepAction::Status { dir, json } => status(&dir, json),
            SweepAction::Collect {
                dir,
                plots,
                blocks,
                friction_kg_per_s,
                json,
            } => {
                let plots = plots_dir(plots, || dir.join(sweep::collect::FIGURES));
                collect(&dir, plots, blocks, friction_kg_per_s, json)
            }
        }
    }
}

/// The summary as one JSON object, or the human lines.
fn emit(json: bool, v: serde_json::Value, human: impl FnOnce()) {
    if json {
        print_json(&v)
    } else {
        human()
    }
}

fn plan(
    file: &std::path::Path,
    out: &std::path::Path,
    batch: usize,
    json: bool,
) -> anyhow::Result<()> {
    let s = sweep::plan(file, out, batch)?;
    emit(json, serde_json::to_value(&s)?, || {
        println!(
            "planned {} points in {} ({} new, {} kept), {} array tasks of up to {} points",
            s.points,
            s.dir.display(),
            s.new.len(),
            s.kept.len(),
            s.tasks,
            s.batch
        );
        println!(
            "  time limit per task {}; submit with: {}",
            s.time_limit, s.submit
        );
    });
    Ok(())
}

/// One point (`index`) or, without it (`--all`), every unfinished point.
fn run(
    dir: &std::path::Path,
    index: Option<usize>,
    opts: &sweep::SweepRunOptions,
    json: bool,
) -> anyhow::Result<()> {
    let s = match index {
        Some(i) => sweep::run_index(dir, i, opts)?,
        None => sweep::run_all(dir, opts)?,
    };
    emit(json, serde_json::to_value(&s)?, || {
        for p in &s.points {
            println!("point {}: {} ({:.1} s)", p.index, p.outcome, p.wall_s);
        }
    });
    Ok(())
}

fn status(dir: &std::path::Path, json: bool) -> anyhow::Result<()> {
    let s = sweep::status(dir)?;
    emit(json, serde_json::to_value(&s)?, || {
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
    Ok(())
}

fn collect(
    dir: &std::path::Path,
    plots: Option<PathBuf>,
    blocks: usize,
    friction_kg_per_s: Option<f64>,
    json: bool,
) -> anyhow::Result<()> {
    let s = sweep::collect(dir, plots.as_deref(), blocks, friction_kg_per_s)?;
    emit(json, serde_json::to_value(&s)?, || {
        println!("{} points in {}", s.table.rows.len(), s.table_csv.display());
        for (i, st) in &s.missing {
            println!("  point {i} left out: {st:?}");
        }
        for f in &s.figures {
            println!("  figure {}", f.display());
        }
    });
    Ok(())
}
