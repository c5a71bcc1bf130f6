//! `nanodemon export`: a scenario written out for another MD code.

use super::print_json;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum ExportTarget {
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

impl ExportTarget {
    pub fn execute(self) -> anyhow::Result<()> {
        let ExportTarget::Lammps {
            scenario,
            out,
            json,
        } = self;
        let e = nanodemon::export::lammps::export(&scenario, &out)?;
        if json {
            print_json(&serde_json::to_value(&e).expect("export summary serialises"));
            return Ok(());
        }
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
        Ok(())
    }
}
