//! CLI habits through the binary: a reader that goes away early, errors under `--json`
//! (the parser's too), and what bare `--plots` means.

use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nanodemon"))
}

/// `nanodemon ndemon --json | head -c0`: the read end is closed before the sweep prints, so the first
/// write meets EPIPE. Before SIGPIPE was restored this panicked ("failed printing to stdout", exit 101).
#[test]
fn stdout_closed_early_is_not_a_panic() {
    let mut child = bin()
        .args(["ndemon", "--json", "--points", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}

#[test]
fn json_error_is_a_json_object_on_stdout_and_a_message_on_stderr() {
    let out = bin()
        .args(["run", "/nonexistent/scenario.json", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    let msg = v["error"].as_str().expect("an error field");
    assert!(msg.contains("/nonexistent/scenario.json"), "{msg}");
    assert!(String::from_utf8_lossy(&out.stderr).contains(msg));
}

/// Bare `--plots` draws into the stated default: ./figures for `ndemon`, which reads no directory (as
/// `drive`; `analyze` and `sweep collect` use DIR/figures, tests/figures.rs and tests/sweep.rs).
#[test]
fn bare_plots_writes_into_the_stated_default_directory() {
    let cwd = std::env::temp_dir().join(format!("nanodemon-bare-plots-{}", std::process::id()));
    std::fs::create_dir_all(&cwd).unwrap();
    let out = bin()
        .current_dir(&cwd)
        .args([
            "ndemon", "--json", "--points", "5", "--eps4", "1.6", "--plots",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: Vec<String> = serde_json::from_value(v["files"].clone()).unwrap();
    assert!(
        files.iter().any(|f| f == "figures/ndemon_sweep.csv"),
        "{files:?}"
    );
    for f in &files {
        assert!(
            cwd.join(f).is_file(),
            "{f} not written under {}",
            cwd.display()
        );
    }
    std::fs::remove_dir_all(&cwd).unwrap();
}

/// A value the parser refuses is an error like any other under `--json`: one JSON object on stdout naming the
/// flag and the allowed values, the message on stderr, clap's usage exit code 2.
#[test]
fn parse_error_under_json_is_a_json_object_too() {
    let out = bin()
        .args(["drive", "--backend", "tpu", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    let msg = v["error"].as_str().expect("an error field");
    assert!(
        msg.contains("--backend") && msg.contains("auto, gpu, cpu"),
        "{msg}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'tpu'"));
}
