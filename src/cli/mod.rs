//! The `nanodemon` command line: parse, call the library, print. Every subcommand takes `--json` and
//! then prints exactly one JSON object on stdout; progress and logs go to stderr. One file per family of
//! subcommands: [`run`] (MD engines: run, bench, compare, gpu, gpus), [`analyze`] and [`theory`] (seed 000),
//! [`drive`] (seed 002 `drive`, seed 001 `ndemon`), [`sweep`], [`export`].

mod analyze;
mod drive;
mod export;
mod run;
mod sweep;
mod theory;

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

/// Help of every `--json` flag: the contract of the module doc, stated once.
const JSON_HELP: &str =
    "Print exactly one JSON object on stdout (an error too, as {\"error\": ...}) instead of text";
/// Help of every `--adapter` flag.
const ADAPTER_HELP: &str =
    "GPU adapter index from `nanodemon gpus` (default: NANODEMON_ADAPTER, else the fastest)";

#[derive(Parser)]
#[command(
    name = "nanodemon",
    version = nanodemon::provenance::VERSION,
    about = "MD of nanoscale heat machines driven by nonreciprocal demon forces"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: equilibration, then production writing DIR/heat.csv, DIR/run.json and checkpoints.
    Run(run::RunArgs),
    /// Run several scenarios as the replicas of one batch engine (one GPU for many systems), each into its
    /// own run directory exactly as `run` writes it; --resume continues each from its own checkpoint.
    RunBatch(run::RunBatchArgs),
    /// Measure steps/s, atom-steps/s and ns/day of an engine on the paper system (or one resized to --atoms).
    Bench(run::BenchArgs),
    /// Parameter sweeps: plan (Slurm array), run (locally or one array task), status, collect.
    Sweep {
        #[command(subcommand)]
        action: sweep::SweepAction,
    },
    /// Show the GPU adapter nanodemon would use.
    Gpu(run::GpuArgs),
    /// List every GPU adapter: index (for --adapter and NANODEMON_ADAPTER), name, backend, device type.
    Gpus(run::GpusArgs),
    /// Seed 001 N-demon heat pump: COP and power against T_c/T_h (k_B T_h = μ = ε1 = 1, ε2 = 2,
    /// ε3 = 1.5), narrow-resonance theory checked by quadrature at finite resonance width.
    Ndemon(drive::NdemonArgs),
    /// Predictions of seed 000's Langevin model (Lyapunov covariances) for a scenario's parameters.
    Theory(theory::TheoryArgs),
    /// Analyse a run directory (heat.csv + run.json), or a directory of run directories (a κ_H sweep),
    /// beside the theory for the runs' own parameters.
    Analyze(analyze::AnalyzeArgs),
    /// Run the same start on the CPU reference and the GPU engine and report how far they drift apart.
    Compare(run::CompareArgs),
    /// Periodic thermal driving of a trapped Brownian particle (seed 002): ensembles, theory, figures.
    Drive(drive::DriveArgs),
    /// Write a scenario out for another MD code.
    Export {
        #[command(subcommand)]
        target: export::ExportTarget,
    },
}

impl Cli {
    /// Runs the subcommand; a run (or a sweep's runs) first installs the signal handler that checkpoints.
    pub fn execute(self) -> anyhow::Result<()> {
        match self.command {
            Command::Run(a) => {
                nanodemon::stop::install();
                a.execute()
            }
            Command::RunBatch(a) => {
                nanodemon::stop::install();
                a.execute()
            }
            Command::Sweep { action } => action.execute(),
            Command::Bench(a) => a.execute(),
            Command::Gpu(a) => a.execute(),
            Command::Gpus(a) => a.execute(),
            Command::Ndemon(a) => a.execute(),
            Command::Theory(a) => a.execute(),
            Command::Analyze(a) => a.execute(),
            Command::Compare(a) => a.execute(),
            Command::Drive(a) => a.execute(),
            Command::Export { target } => target.execute(),
        }
    }
}

/// Prints the error on stderr (and as a JSON object on stdout under `--json`) and exits: with
/// [`nanodemon::stop::EXIT_STOPPED`] when a signal stopped a run after its checkpoint, so that a batch script
/// requeues it, else with 1.
pub fn exit_with(e: anyhow::Error) -> ! {
    eprintln!("error: {e:#}");
    if json_requested() {
        print_json(&serde_json::json!({"error": format!("{e:#}")}));
    }
    let stopped = e.downcast_ref::<nanodemon::stop::Stopped>().is_some();
    std::process::exit(if stopped {
        nanodemon::stop::EXIT_STOPPED
    } else {
        1
    });
}

/// Exits on a command line clap refuses (exit code 2): its message on stderr, and under `--json` also as
/// `{"error": ...}` on stdout like every other error; `--help` and `--version` print as usual.
pub fn exit_on_parse_error(e: clap::Error) -> ! {
    use clap::error::ErrorKind;
    let display = matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if display || !json_requested() {
        e.exit()
    }
    // Styled for a terminal on stderr; plain in the JSON.
    let _ = e.print();
    let message = e.render().to_string();
    let message = message.trim().trim_start_matches("error: ");
    print_json(&serde_json::json!({ "error": message }));
    std::process::exit(e.exit_code());
}

/// Whether the command line asks for JSON output, read from the raw arguments so that it holds for errors
/// before (or in) parsing too.
fn json_requested() -> bool {
    std::env::args().any(|a| a == "--json")
}

/// Rust ignores SIGPIPE, so every `println!` after the reader went away (`nanodemon ndemon --json | head -1`)
/// panics on EPIPE. Restoring the default action makes the process end quietly, as Unix filters do, for every
/// writer at once; outputs to files are unaffected.
pub fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string(value).expect("JSON values always serialise")
    );
}

/// What every `--plots [DIR]` means: absent, no figures; bare, the command's stated default directory;
/// with a value, that directory. Figures are SVG, each beside the CSV of what it draws.
fn plots_dir(plots: Option<Option<PathBuf>>, default: impl FnOnce() -> PathBuf) -> Option<PathBuf> {
    plots.map(|dir| dir.unwrap_or_else(default))
}

/// Creates the `--plots` directory, naming the flag when it cannot.
fn create_plots_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("--plots {}: {e}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every argument of every subcommand, as "nanodemon SUB ... --flag", that has no help text.
    fn args_without_help(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let builtin = ["help", "version"].contains(&arg.get_id().as_str());
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            args_without_help(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_flag_of_every_subcommand_has_help() {
        let cmd = Cli::command();
        cmd.clone().debug_assert();
        let mut missing = Vec::new();
        args_without_help(&cmd, "nanodemon", &mut missing);
        assert!(missing.is_empty(), "arguments without help: {missing:?}");
        for sub in cmd.get_subcommands() {
            assert!(sub.get_about().is_some(), "{} has no about", sub.get_name());
        }
    }

    #[test]
    fn drive_backend_and_scheme_are_typed_with_their_values_listed() {
        use nanodemon::ensemble::{drive::Backend, Scheme};
        let cli = Cli::try_parse_from([
            "nanodemon",
            "drive",
            "--backend",
            "cpu",
            "--scheme",
            "euler",
        ])
        .expect("valid values parse");
        let Command::Drive(a) = cli.command else {
            panic!("drive parses as drive")
        };
        assert_eq!((a.backend, a.scheme), (Backend::Cpu, Scheme::Euler));
        for (flag, bad, allowed) in [
            ("--backend", "tpu", "auto, gpu, cpu"),
            ("--scheme", "rk4", "euler, exact"),
        ] {
            let err = Cli::try_parse_from(["nanodemon", "drive", flag, bad])
                .err()
                .expect("a bad value is refused")
                .to_string();
            assert!(
                err.contains(flag) && err.contains(bad) && err.contains(allowed),
                "{err}"
            );
        }
    }

    #[test]
    fn plots_means_the_same_in_every_subcommand() {
        let dirs = |args: &[&str]| -> Option<Option<PathBuf>> {
            let cli = Cli::try_parse_from(args).expect("parses");
            match cli.command {
                Command::Analyze(a) => a.plots,
                Command::Ndemon(a) => a.plots,
                Command::Drive(a) => a.plots,
                Command::Sweep {
                    action: sweep::SweepAction::Collect { plots, .. },
                } => plots,
                _ => panic!("not a --plots subcommand: {args:?}"),
            }
        };
        for sub in [
            &["analyze", "R"][..],
            &["ndemon"][..],
            &["drive"][..],
            &["sweep", "collect", "R"][..],
        ] {
            let with = |extra: &[&str]| {
                let mut v = vec!["nanodemon"];
                v.extend_from_slice(sub);
                v.extend_from_slice(extra);
                dirs(&v)
            };
            assert_eq!(with(&[]), None, "{sub:?}");
            assert_eq!(with(&["--plots"]), Some(None), "{sub:?}");
            assert_eq!(with(&["--plots", "--json"]), Some(None), "{sub:?}");
            assert_eq!(
                with(&["--plots", "out"]),
                Some(Some(PathBuf::from("out"))),
                "{sub:?}"
            );
        }
    }
}
