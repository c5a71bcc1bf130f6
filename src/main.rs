//! The `nanodemon` binary: everything it does lives in [`cli`], one file per family of subcommands.

mod cli;

use clap::Parser;

fn main() {
    cli::restore_default_sigpipe();
    let cli = cli::Cli::try_parse().unwrap_or_else(|e| cli::exit_on_parse_error(e));
    if let Err(e) = cli.execute() {
        cli::exit_with(e);
    }
}
