//! `nanodemon sweep plan --batch R` and `sweep run --batch R` through the binary: the Slurm array has
//! ceil(points/R) tasks, each running R points in one batch engine, and every point's heat.csv is
//! byte-identical to the one an unbatched sweep writes.

mod common;

use common::scenario_path;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nanodemon"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "nanodemon-sweepbatch-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sweep(args: &[&str]) -> Output {
    bin().arg("sweep").args(args).output().unwrap()
}

/// Three κ_H/κ_C points of the small refrigerator on the CPU, 0.2 ps equilibration and 0.5 ps production.
fn write_sweep(dir: &Path) -> PathBuf {
    common::write_kappa_sweep(
        dir,
        json!({"timestep_fs": 1.0, "equilibration_ps": 0.2, "production_ps": 0.5,
              "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5}),
        json!({"expected_ns_per_day": 1.0, "gpus_per_task": 0, "backend": "cpu"}),
    )
}

fn plan(file: &Path, out: &Path, batch: &str) -> Value {
    common::json_of(sweep(&[
        "plan",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--batch",
        batch,
        "--json",
    ]))
}

fn heat(root: &Path, i: usize) -> Vec<u8> {
    std::fs::read(root.join(format!("points/{i:04}/run/heat.csv"))).unwrap()
}

#[test]
fn batched_sweep_tasks_run_their_points_as_an_unbatched_sweep_does() {
    let d = tmpdir("array");
    let file = write_sweep(&d);

    // The reference: every point a single run of its own, one worker thread each.
    let single = d.join("single");
    assert_eq!(plan(&file, &single, "1")["tasks"], 3);
    let r = common::json_of(sweep(&[
        "run",
        single.to_str().unwrap(),
        "--all",
        "--backend",
        "cpu",
        "--threads",
        "1",
        "--quiet",
        "--json",
    ]));
    assert_eq!(r["completed"], 3, "{r}");

    // Two points per task: tasks 0 (points 0, 1) and 1 (point 2), run by hand as Slurm would, with two CPUs
    // per task, so one worker thread per point.
    let batched = d.join("batched");
    let p = plan(&file, &batched, "2");
    assert_eq!(
        (p["tasks"].as_u64(), p["batch"].as_u64()),
        (Some(2), Some(2)),
        "{p}"
    );
    let script = std::fs::read_to_string(batched.join("sweep.sbatch")).unwrap();
    for want in [
        "#SBATCH --array=0-1\n",
        "--index \"$SLURM_ARRAY_TASK_ID\" --batch 2 --backend cpu",
    ] {
        assert!(script.contains(want), "missing {want:?} in:\n{script}");
    }
    for task in 0..2 {
        let o = Command::new("bash")
            .arg(batched.join("sweep.sbatch"))
            .env("NANODEMON", env!("CARGO_BIN_EXE_nanodemon"))
            .env("SLURM_ARRAY_TASK_ID", task.to_string())
            .env("SLURM_JOB_ID", "1")
            .env("SLURM_CPUS_PER_TASK", "2")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "array task {task}: {err}");
        assert!(err.contains("in one batch engine"), "{err}");
    }
    for i in 0..3 {
        assert!(
            heat(&batched, i) == heat(&single, i),
            "point {i}: the batched task's heat.csv differs from the single run's"
        );
        let rj =
            nanodemon::run::read_run_json(&batched.join(format!("points/{i:04}/run"))).unwrap();
        assert_eq!(rj.threads, 1, "two CPUs shared by two points");
    }

    // Locally: point 2 first (batch task 1), then --all runs the open points 0 and 1 in one batch.
    let local = d.join("local");
    plan(&file, &local, "1");
    let run = |extra: &[&str]| {
        let mut a = vec![
            "run",
            local.to_str().unwrap(),
            "--batch",
            "2",
            "--backend",
            "cpu",
            "--threads",
            "1",
            "--quiet",
            "--json",
        ];
        a.extend_from_slice(extra);
        common::json_of(sweep(&a))
    };
    let r = run(&["--index", "1"]);
    assert_eq!(r["points"][0]["index"], 2, "{r}");
    let r = run(&["--all"]);
    let outcomes: Vec<&str> = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["completed", "completed", "already done"], "{r}");
    for i in 0..3 {
        assert!(heat(&local, i) == heat(&single, i), "point {i}");
    }
    let o = sweep(&[
        "run",
        local.to_str().unwrap(),
        "--index",
        "2",
        "--batch",
        "2",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("batch tasks 0 to 1"),
        "{err}"
    );
}

/// A point that blows up (10⁵ K hot bath) in a batch with a healthy one: the healthy point completes, the
/// failed one gets its failed.json and `sweep status` says so, and the task fails naming it.
#[test]
fn a_failing_point_of_a_batch_fails_alone() {
    let d = tmpdir("fail");
    let mut base: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    base["run"] = json!({"timestep_fs": 10.0, "equilibration_ps": 1.0, "production_ps": 5.0,
                         "sample_interval_ps": 0.5, "checkpoint_interval_ps": 5.0});
    let s = json!({"name": "hot", "base": base, "vary": {"hot_temperature_k": [120.0, 1e5]},
                   "slurm": {"expected_ns_per_day": 100.0, "gpus_per_task": 0, "backend": "cpu"}});
    let file = d.join("sweep.json");
    std::fs::write(&file, s.to_string()).unwrap();
    let out = d.join("s");
    plan(&file, &out, "2");
    let o = sweep(&[
        "run",
        out.to_str().unwrap(),
        "--index",
        "0",
        "--batch",
        "2",
        "--backend",
        "cpu",
        "--threads",
        "1",
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("1 of 2 points failed")
            && err.contains("point 1")
            && err.contains("left its container"),
        "{err}"
    );
    let st = common::json_of(sweep(&["status", out.to_str().unwrap(), "--json"]));
    assert_eq!(
        (st["done"].as_u64(), st["failed"].as_u64()),
        (Some(1), Some(1)),
        "{st}"
    );
    assert_eq!(st["points"][0]["state"], "done", "{st}");
    let why = std::fs::read_to_string(out.join("points/0001/failed.json")).unwrap();
    assert!(why.contains("left its container"), "{why}");
}
