//! CLI habits through the binary: a reader that goes away early, and errors under `--json`.

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
