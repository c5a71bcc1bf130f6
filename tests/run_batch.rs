//! `nanodemon run-batch` through the binary: each replica of a batch writes what `nanodemon run` of its
//! scenario writes (heat.csv byte for byte), stops on SIGTERM at its own checkpoint, resumes from its own step,
//! fails on its own, and scenarios that cannot share an engine are refused naming the field.

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
    let d = std::env::temp_dir().join(format!("nanodemon-batch-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the small refrigerator as `dir/NAME.json` with `seed`, κ_H (eV/Å²), T_H (K) and `prod_ps` of
/// production after 0.3 ps of equilibration, sampled every 0.1 ps, checkpointed every 0.5 ps; then `edit`.
fn write_scenario(
    dir: &Path,
    name: &str,
    (seed, kappa_hot, hot_k, prod_ps): (u64, f64, f64, f64),
    edit: impl FnOnce(&mut Value),
) -> PathBuf {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    v["seed"] = json!(seed);
    v["controller"]["kappa_hot_ev_per_a2"] = json!(kappa_hot);
    v["hot"]["temperature_k"] = json!(hot_k);
    v["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 0.3, "production_ps": prod_ps,
                      "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5});
    edit(&mut v);
    let p = dir.join(format!("{name}.json"));
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    p
}

/// Three different replicas: seeds, κ_H and hot-bath temperatures all differ.
fn three(dir: &Path, prod_ps: f64) -> Vec<PathBuf> {
    [
        ("a", (1, 0.2, 120.0)),
        ("b", (2, 0.5, 120.0)),
        ("c", (3, 0.2, 140.0)),
    ]
    .map(|(name, (seed, k, t))| write_scenario(dir, name, (seed, k, t, prod_ps), |_| {}))
    .to_vec()
}

fn heat(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("heat.csv")).unwrap_or_default()
}

fn rows(dir: &Path) -> usize {
    String::from_utf8(heat(dir)).unwrap().lines().count()
}

fn stem(sc: &Path) -> String {
    sc.file_stem().unwrap().to_str().unwrap().to_string()
}

/// `nanodemon run-batch SCENARIOS --out-root ROOT --backend BACKEND --threads 2 --quiet` and `extra`.
fn batch_cmd(scenarios: &[PathBuf], root: &Path, backend: &str, extra: &[&str]) -> Command {
    let mut c = bin();
    c.arg("run-batch")
        .args(scenarios)
        .arg("--out-root")
        .arg(root)
        .args(["--backend", backend, "--threads", "2", "--quiet"])
        .args(extra);
    c
}

/// `nanodemon run SC --out OUT --backend BACKEND --threads 2 --quiet`, which must succeed.
fn single_run(sc: &Path, out: &Path, backend: &str) {
    let o = bin()
        .args(["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .args(["--backend", backend, "--threads", "2", "--quiet"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A batch of three different scenarios with `prod_ps` of production on `backend`: each replica's heat.csv is
/// byte-identical to the single run of its scenario on the same backend, and its run.json says completed. For
/// the GPU batch engine, call it with "gpu" (lavapipe in CI; a short `prod_ps` keeps it fast there).
fn assert_batch_matches_single_runs(d: &Path, backend: &str, prod_ps: f64) {
    let scs = three(d, prod_ps);
    let o = batch_cmd(&scs, &d.join("batch"), backend, &["--json"])
        .output()
        .unwrap();
    let s = common::json_of(o);
    assert_eq!(s["completed"], 3, "{s}");
    for (i, sc) in scs.iter().enumerate() {
        assert_eq!(s["replicas"][i]["outcome"], "completed", "{s}");
        let single = d.join(format!("single-{}", stem(sc)));
        single_run(sc, &single, backend);
        let replica = d.join("batch").join(stem(sc));
        let samples = (prod_ps / 0.1).round() as usize + 1;
        assert_eq!(
            rows(&replica),
            1 + samples,
            "header + rows every 0.1 ps from t = 0"
        );
        assert!(
            heat(&replica) == heat(&single),
            "replica {i} ({backend}): heat.csv differs from the single run of {}",
            sc.display()
        );
        let rj = nanodemon::run::read_run_json(&replica).unwrap();
        assert_eq!(rj.status, "completed");
        assert_eq!(rj.backend, backend);
    }
}

#[test]
fn cpu_batch_replicas_are_byte_identical_to_single_runs() {
    assert_batch_matches_single_runs(&tmpdir("same-cpu"), "cpu", 1.0);
}

/// The same through the batched GPU engine (lavapipe in CI), short: lavapipe runs this system at a few hundred
/// steps/s on two busy cores.
#[test]
fn gpu_batch_replicas_are_byte_identical_to_single_runs() {
    let test = "gpu_batch_replicas_are_byte_identical_to_single_runs";
    if nanodemon::gpu::GpuContext::for_test(test).is_none() {
        return;
    }
    assert_batch_matches_single_runs(&tmpdir("same-gpu"), "gpu", 0.3);
}

/// Replicas at different steps: `a` was started alone and killed (SIGKILL) past a checkpoint, `c` completed
/// alone, `b` never started. The batch resumes `a` from its checkpoint, starts `b`, skips `c`; SIGTERM stops
/// it (each replica at its own next checkpoint, exit code 75), and a second `--resume` finishes it. Every
/// heat.csv ends byte-identical to the uninterrupted single run of its scenario.
#[test]
fn batch_resumes_replicas_from_their_own_steps_after_kills_and_sigterm() {
    let d = tmpdir("resume");
    let scs = three(&d, 3.0);
    let root = d.join("batch");
    let out = |i: usize| root.join(stem(&scs[i]));
    for sc in &scs {
        single_run(sc, &d.join(format!("single-{}", stem(sc))), "cpu");
    }
    let mut alone = bin();
    alone.args(common::cpu_run_args(&scs[0], &out(0), &[]));
    common::kill_after_checkpoint(alone, &out(0), 6);
    single_run(&scs[2], &out(2), "cpu");
    let done_before = std::fs::metadata(out(2).join("heat.csv"))
        .unwrap()
        .modified()
        .unwrap();

    let mut child = batch_cmd(&scs, &root, "cpu", &["--resume"])
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !(out(1).join("checkpoint.ckpt").exists() && rows(&out(1)) > 8) {
        assert!(start.elapsed() < Duration::from_secs(300), "no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the batch finished before it could be stopped; lengthen the runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) },
        0
    );
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(nanodemon::stop::EXIT_STOPPED),
        "a stopped batch exits as a stopped run does"
    );
    for i in [0, 1] {
        let rj = nanodemon::run::read_run_json(&out(i)).unwrap();
        assert_eq!(rj.status, "stopped", "replica {i}");
        assert!(heat(&out(i)).len() < heat(&d.join(format!("single-{}", stem(&scs[i])))).len());
    }

    let s = common::json_output(&mut batch_cmd(&scs, &root, "cpu", &["--resume", "--json"]));
    let outcomes: Vec<&str> = s["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "resumed and completed",
            "resumed and completed",
            "already done"
        ],
        "{s}"
    );
    for (i, sc) in scs.iter().enumerate() {
        assert!(
            heat(&out(i)) == heat(&d.join(format!("single-{}", stem(sc)))),
            "replica {i}: resumed heat.csv differs from the uninterrupted single run"
        );
    }
    assert_eq!(
        std::fs::metadata(out(2).join("heat.csv"))
            .unwrap()
            .modified()
            .unwrap(),
        done_before,
        "a complete replica is left alone"
    );
}

/// On the GPU batch engine (lavapipe in CI): replica `a` killed alone (SIGKILL) past a checkpoint and `b`
/// never started are resumed as one batch, at different steps, and both end byte-identical to their
/// uninterrupted single GPU runs.
#[test]
fn gpu_batch_resumes_replicas_from_different_steps() {
    let test = "gpu_batch_resumes_replicas_from_different_steps";
    if nanodemon::gpu::GpuContext::for_test(test).is_none() {
        return;
    }
    let d = tmpdir("resume-gpu");
    let scs: Vec<PathBuf> = three(&d, 0.8).into_iter().take(2).collect();
    for sc in &scs {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(sc).unwrap()).unwrap();
        v["run"]["equilibration_ps"] = json!(0.2);
        v["run"]["checkpoint_interval_ps"] = json!(0.2);
        std::fs::write(sc, v.to_string()).unwrap();
    }
    let root = d.join("batch");
    for sc in &scs {
        single_run(sc, &d.join(format!("single-{}", stem(sc))), "gpu");
    }
    let a = root.join(stem(&scs[0]));
    let mut alone = bin();
    alone
        .args([
            "run",
            scs[0].to_str().unwrap(),
            "--out",
            a.to_str().unwrap(),
        ])
        .args(["--backend", "gpu", "--quiet"])
        .stderr(std::process::Stdio::null());
    common::kill_after_checkpoint(alone, &a, 4);
    let s = common::json_output(&mut batch_cmd(&scs, &root, "gpu", &["--resume", "--json"]));
    assert_eq!(s["replicas"][0]["outcome"], "resumed and completed", "{s}");
    assert_eq!(s["replicas"][1]["outcome"], "completed", "{s}");
    for sc in &scs {
        assert!(
            heat(&root.join(stem(sc))) == heat(&d.join(format!("single-{}", stem(sc)))),
            "{}: the resumed GPU replica's heat.csv differs from the single GPU run",
            stem(sc)
        );
    }
}

/// One replica blows up (10⁵ K hot bath at 10 fs: atoms leave their container within a few steps) and one
/// has an invalid scenario; the third finishes, byte-identical to its single run, and the batch fails naming
/// both failed replicas and why.
#[test]
fn failing_replicas_leave_the_others_finishing() {
    let d = tmpdir("fail");
    let good = write_scenario(&d, "good", (1, 0.2, 120.0, 1.0), |_| {});
    let blows = write_scenario(&d, "blows", (2, 0.2, 1e5, 20.0), |v| {
        v["run"]["timestep_fs"] = json!(10.0);
    });
    let invalid = write_scenario(&d, "invalid", (3, 0.2, 120.0, 1.0), |v| {
        v["cold"]["temperature_k"] = json!(-1.0);
    });
    let scs = [good.clone(), blows, invalid];
    let root = d.join("batch");
    let o = batch_cmd(&scs, &root, "cpu", &[]).output().unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2 of 3 replicas failed")
            && err.contains("replica 1")
            && err.contains("left its container")
            && err.contains("replica 2")
            && err.contains("cold.temperature_k"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let rj = nanodemon::run::read_run_json(&root.join("blows")).unwrap();
    assert_eq!(rj.status, "failed");
    assert!(
        !root.join("invalid").exists(),
        "an invalid replica writes nothing"
    );
    single_run(&good, &d.join("single"), "cpu");
    assert!(heat(&root.join("good")) == heat(&d.join("single")));
    assert_eq!(
        nanodemon::run::read_run_json(&root.join("good"))
            .unwrap()
            .status,
        "completed"
    );
}

/// Scenarios with different atom counts cannot share an engine: refused before anything is written, naming
/// the field and both scenarios.
#[test]
fn incompatible_replicas_are_refused_naming_the_field() {
    let d = tmpdir("incompatible");
    let a = write_scenario(&d, "a", (1, 0.2, 120.0, 1.0), |_| {});
    let b = write_scenario(&d, "b", (2, 0.2, 120.0, 1.0), |v| {
        v["hot"]["argon_atoms"] = json!(900);
    });
    let root = d.join("batch");
    let o = batch_cmd(&[a, b], &root, "cpu", &["--json"])
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    for needle in ["hot.argon_atoms", "a.json", "b.json", "separate batches"] {
        assert!(err.contains(needle), "expected {needle:?} in {err}");
    }
    let out: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(out["error"].as_str().unwrap().contains("hot.argon_atoms"));
    assert!(!root.exists(), "nothing written");
}
