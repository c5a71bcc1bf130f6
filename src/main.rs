//! The `nanodemon` binary: everything it does lives in [`cli`], one file per family of subcommands.

mod cli;

use clap::Parser;

fn main() {
    cli::restore_default_sigpipe();
    if let Err(e) = cli::Cli::parse().execute() {
        cli::exit_with(e);
    }
}
