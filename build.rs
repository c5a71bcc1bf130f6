//! Embeds provenance in the binary: the git commit it was built from (with a dirty flag) and the rustc
//! version, read into `src/provenance.rs` with `env!`. Nothing here may fail the build: outside a git checkout,
//! or without git, the commit is "unknown".

use std::path::Path;
use std::process::Command;

/// Stdout of a command run in the crate root, trimmed, or `None` when it cannot run or fails.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = output("git", &["rev-parse", "HEAD"]).filter(|c| !c.is_empty());
    // Tracked files only: a build directory or a run's outputs lying in the checkout do not make it dirty.
    let dirty = commit.as_ref().and_then(|_| {
        output("git", &["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty())
    });
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = output(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    let version = match (&commit, dirty) {
        (Some(c), Some(true)) => format!(
            "{}+g{}.dirty",
            env!("CARGO_PKG_VERSION"),
            &c[..12.min(c.len())]
        ),
        (Some(c), _) => format!("{}+g{}", env!("CARGO_PKG_VERSION"), &c[..12.min(c.len())]),
        (None, _) => env!("CARGO_PKG_VERSION").to_string(),
    };
    println!(
        "cargo:rustc-env=NANODEMON_GIT_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    println!(
        "cargo:rustc-env=NANODEMON_GIT_DIRTY={}",
        dirty.map_or("unknown", |d| if d { "true" } else { "false" })
    );
    println!("cargo:rustc-env=NANODEMON_RUSTC={rustc_version}");
    println!("cargo:rustc-env=NANODEMON_BUILD_VERSION={version}");

    // Rerun when HEAD moves (checkout, commit) or the index or a source file changes (the dirty flag).
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=shaders");
    println!("cargo:rerun-if-env-changed=RUSTC");
    // logs/HEAD (the reflog) changes on every commit and checkout, even when the branch ref lives in
    // packed-refs and its loose file does not exist yet.
    for name in ["HEAD", "logs/HEAD", "index", "packed-refs"] {
        if let Some(p) = output("git", &["rev-parse", "--git-path", name]) {
            watch(&p);
        }
    }
    if let Some(r) = output("git", &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(p) = output("git", &["rev-parse", "--git-path", &r]) {
            watch(&p);
        }
    }
}

/// Watches a path relative to the crate root (git prints paths relative to it) when it exists: a
/// rerun-if-changed on a missing file would rerun this script on every build.
fn watch(path: &str) {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let full = Path::new(&dir).join(path);
    if full.exists() {
        println!("cargo:rerun-if-changed={}", full.display());
    }
}
