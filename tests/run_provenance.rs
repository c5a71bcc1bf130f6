//! `nanodemon run` through the binary: what run.json says about the build, host, command and times; run.log;
//! and the way out for a run killed before its first checkpoint (`--restart`).

mod common;

use common::scenario_path;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nanodemon"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-prov-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The small refrigerator with 1 ps equilibration, `prod` ps production, samples every 0.1 ps and
/// checkpoints every `ckpt` ps, written into `dir`.
fn write_scenario(dir: &Path, prod: f64, ckpt: f64) -> PathBuf {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    v["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 1.0, "production_ps": prod,
                      "sample_interval_ps": 0.1, "checkpoint_interval_ps": ckpt});
    let p = dir.join("scenario.json");
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    p
}

fn run_args(sc: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    common::cpu_run_args(sc, out, extra)
}

fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn run_json(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("run.json")).unwrap()).unwrap()
}

fn is_utc_iso8601(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z'
        && s.chars()
            .enumerate()
            .all(|(i, c)| [4, 7, 10, 13, 16, 19].contains(&i) || c.is_ascii_digit())
}

/// `git rev-parse HEAD` of this checkout, when git and a checkout exist.
fn git_head() -> Option<String> {
    let o = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).trim().to_string())
}

/// run.json names the build (the checkout's commit, rustc), the host, the command line and UTC start/end times,
/// the units and signs, and every heat.csv column in order; run.log holds the progress lines even with
/// --quiet, and a resume continues it after a marker and records the earlier invocation.
#[test]
fn run_json_has_provenance_and_run_log_has_progress() {
    let d = tmpdir("prov");
    let sc = write_scenario(&d, 0.3, 0.3);
    let out = d.join("o");
    ok(bin().args(run_args(&sc, &out, &[])).output().unwrap());

    let rj = run_json(&out);
    let p = &rj["provenance"];
    if let Some(head) = git_head() {
        assert_eq!(p["git_commit"], head.as_str(), "{p}");
        assert!(
            rj["version"].as_str().unwrap().contains(&head[..12]),
            "{rj}"
        );
    }
    assert!(p["rustc"].as_str().unwrap().starts_with("rustc "), "{p}");
    let cmd: Vec<&str> = p["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&cmd[1..], &run_args(&sc, &out, &[])[..], "{p}");
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    if !host.trim().is_empty() {
        assert_eq!(p["host"], host.trim());
    }
    let (start, end) = (
        p["started_utc"].as_str().unwrap(),
        p["finished_utc"].as_str().unwrap(),
    );
    assert!(
        is_utc_iso8601(start) && is_utc_iso8601(end) && start <= end,
        "{p}"
    );
    assert!(
        p["adapter"].is_null() && p["driver"].is_null(),
        "CPU run: {p}"
    );
    assert_eq!(rj["conventions"]["energy"], "eV");
    assert!(rj["conventions"]["heat_sign"]
        .as_str()
        .unwrap()
        .contains("Q > 0"));
    let header = std::fs::read_to_string(out.join("heat.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let described: Vec<&str> = rj["heat_column_descriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(described.join(","), header);

    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines[0].contains("started") && lines[0].contains("=== nanodemon"),
        "{log}"
    );
    assert!(lines.iter().any(|l| l.contains("[production]")), "{log}");
    assert!(lines.last().unwrap().contains("completed"), "{log}");
    assert!(lines.iter().all(|l| is_utc_iso8601(&l[..20])), "{log}");

    ok(bin()
        .args(run_args(&sc, &out, &["--resume", "--time-ps", "0.5"]))
        .output()
        .unwrap());
    let log2 = std::fs::read_to_string(out.join("run.log")).unwrap();
    assert!(
        log2.starts_with(&log),
        "run.log was rewritten, not appended"
    );
    assert!(
        log2[log.len()..]
            .lines()
            .next()
            .unwrap()
            .contains("resumed from the checkpoint at step 1300"),
        "{log2}"
    );
    let rj2 = run_json(&out);
    assert_eq!(rj2["earlier_invocations"], json!([p]), "{rj2}");
    assert!(rj2["provenance"]["command_line"]
        .as_array()
        .unwrap()
        .contains(&json!("--resume")));
}

/// A run killed before its first checkpoint: `--resume` says there is nothing to resume and names
/// `--restart`; a plain start is refused with the same way out; `--restart` discards the partial outputs and
/// completes, and run.log keeps both attempts with a marker between them.
#[test]
fn run_killed_before_its_first_checkpoint_can_be_restarted() {
    let d = tmpdir("restart");
    let sc = write_scenario(&d, 100.0, 100.0);
    let out = d.join("o");
    let mut child = bin().args(run_args(&sc, &out, &[])).spawn().unwrap();
    let start = Instant::now();
    while std::fs::read_to_string(out.join("heat.csv")).map_or(0, |s| s.lines().count()) < 3 {
        assert!(start.elapsed() < Duration::from_secs(300), "no progress");
        assert!(child.try_wait().unwrap().is_none(), "run ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!out.join("checkpoint.ckpt").exists());

    let o = bin()
        .args(run_args(&sc, &out, &["--resume"]))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no checkpoint") && err.contains("--restart") && !err.contains("panicked"),
        "{err}"
    );
    let o = bin().args(run_args(&sc, &out, &[])).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("already holds a run") && err.contains("--restart"),
        "{err}"
    );

    ok(bin()
        .args(run_args(&sc, &out, &["--restart", "--time-ps", "0.2"]))
        .output()
        .unwrap());
    let heat = std::fs::read_to_string(out.join("heat.csv")).unwrap();
    assert_eq!(
        heat.lines().count(),
        1 + 3,
        "header + rows at 0, 0.1, 0.2 ps"
    );
    assert_eq!(run_json(&out)["status"], "completed");
    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    let markers: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("=== nanodemon"))
        .collect();
    assert_eq!(markers.len(), 2, "{log}");
    assert!(
        markers[0].contains("started") && markers[1].contains("restarted"),
        "{log}"
    );

    let o = bin()
        .args(run_args(&sc, &out, &["--resume", "--restart"]))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "clap refuses the pair");
}

/// SIGTERM (a time limit, preemption, `kill`) makes the run go on to its next scheduled checkpoint and exit
/// with code 75 there; `--resume` then finishes it byte-identical to an uninterrupted run of the same length.
#[test]
fn sigterm_stops_at_the_next_checkpoint_exits_75_and_resumes_byte_identical() {
    let d = tmpdir("sigterm");
    let sc = write_scenario(&d, 100.0, 0.5);
    let (out, full) = (d.join("o"), d.join("full"));
    let mut child = bin().args(run_args(&sc, &out, &[])).spawn().unwrap();
    let start = Instant::now();
    while std::fs::read_to_string(out.join("heat.csv")).map_or(0, |s| s.lines().count()) < 4 {
        assert!(start.elapsed() < Duration::from_secs(300), "no progress");
        assert!(child.try_wait().unwrap().is_none(), "run ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(75), "{status:?}");
    assert_eq!(run_json(&out)["status"], "stopped");
    let log = std::fs::read_to_string(out.join("run.log")).unwrap();
    let last = log.lines().last().unwrap();
    assert!(
        last.contains("stopped by SIGTERM at the checkpoint of step"),
        "{log}"
    );
    let step: u64 = last
        .split("step ")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(step % 500 == 0 && step > 1000, "step {step}: {log}");

    ok(bin()
        .args(run_args(&sc, &out, &["--resume", "--time-ps", "2.0"]))
        .output()
        .unwrap());
    ok(bin()
        .args(run_args(&sc, &full, &["--time-ps", "2.0"]))
        .output()
        .unwrap());
    assert_eq!(
        std::fs::read(out.join("heat.csv")).unwrap(),
        std::fs::read(full.join("heat.csv")).unwrap(),
        "stopped and resumed differs from uninterrupted"
    );
    assert_eq!(run_json(&out)["status"], "completed");
}

/// On the GPU, run.json names the adapter and its driver as wgpu reports them (lavapipe in CI).
#[test]
fn gpu_run_json_names_adapter_and_driver() {
    let Some(ctx) = nanodemon::gpu::GpuContext::for_test("gpu_run_json_names_adapter_and_driver")
    else {
        return;
    };
    let d = tmpdir("gpu");
    let sc = write_scenario(&d, 0.1, 0.1);
    let out = d.join("o");
    let mut args = run_args(&sc, &out, &[]);
    args[3] = "gpu".into();
    ok(bin().args(&args).output().unwrap());
    let p = &run_json(&out)["provenance"];
    assert_eq!(p["adapter"], ctx.adapter_name.as_str(), "{p}");
    assert_eq!(p["driver"], ctx.driver.as_str(), "{p}");
    assert!(!ctx.driver.is_empty());
}
