//! The generated Slurm batch script's habits, run by bash without Slurm: the time limit from a speed measured
//! on the machine, `--signal`, `--mem`, `--threads` from the task's CPUs, the setup hook, and the trap that has the run checkpoint and the task requeue itself when
//! Slurm warns of the time limit (`scontrol` is a stand-in that records its arguments).

mod common;

use common::scenario_path;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-sigsweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// One point of the small refrigerator, long enough (100 ps) to be stopped, checkpointing every 0.5 ps (a few
/// seconds here, which the stop waits for), with a setup hook that leaves a file behind and exports a variable.
fn plan(dir: &Path) -> PathBuf {
    let mut base: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    base["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 0.2, "production_ps": 100.0,
                         "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5});
    let setup = format!("touch {}", dir.join("setup-ran").display());
    // The speed as `nanodemon bench --json` recorded it on "the cluster": 2 ns/day at the scenario's 2584 atoms.
    let bench = json!({"engine": "gpu", "adapter": "Test GPU", "atoms": 2584, "ns_per_day": 2.0});
    std::fs::write(dir.join("bench-test-gpu.json"), bench.to_string()).unwrap();
    let s = json!({"name": "sig", "base": base,
                   "slurm": {"measured_bench": "bench-test-gpu.json", "gpus_per_task": 0, "signal_lead_s": 120,
                             "setup": [setup, "export VK_ICD_FILENAMES=/nonexistent/icd.json"]}});
    let file = dir.join("sweep.json");
    std::fs::write(&file, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let out = dir.join("s");
    let o = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(["sweep", "plan", file.to_str().unwrap(), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

#[test]
fn batch_script_checkpoints_and_requeues_on_slurms_warning() {
    let d = tmpdir("trap");
    let out = plan(&d);
    let script = std::fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    for want in [
        // 100.2 ps at 2 ns/day is 72.1 min; × 1.5 margin + 10 min start-up = 118.2 min.
        "#SBATCH --time=0-01:59:00",
        "2 ns/day measured with 2584 atoms on Test GPU",
        "#SBATCH --signal=B:USR1@120",
        "#SBATCH --mem=3G",
        "#SBATCH --requeue",
        "--threads \"${SLURM_CPUS_PER_TASK:-${NANODEMON_THREADS:-1}}\"",
        "export VK_ICD_FILENAMES=/nonexistent/icd.json",
    ] {
        assert!(script.contains(want), "missing {want:?} in:\n{script}");
    }

    // A stand-in scontrol on PATH that records how it was called.
    let fake = d.join("bin");
    std::fs::create_dir_all(&fake).unwrap();
    let calls = d.join("scontrol-calls");
    std::fs::write(
        fake.join("scontrol"),
        format!("#!/bin/sh\necho \"$@\" >> {}\n", calls.display()),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(fake.join("scontrol"))
        .status()
        .unwrap();
    let path = format!(
        "{}:{}",
        fake.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let log = d.join("task.log");
    let mut task = Command::new("bash")
        .arg(out.join("sweep.sbatch"))
        .env("PATH", path)
        .env("NANODEMON", env!("CARGO_BIN_EXE_nanodemon"))
        .env("SLURM_ARRAY_JOB_ID", "4242")
        .env("SLURM_ARRAY_TASK_ID", "0")
        .env("SLURM_CPUS_PER_TASK", "2")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let heat = out.join("points/0000/run/heat.csv");
    let start = Instant::now();
    while std::fs::read_to_string(&heat).map_or(0, |s| s.lines().count()) < 4 {
        assert!(start.elapsed() < Duration::from_secs(300), "no progress");
        assert!(task.try_wait().unwrap().is_none(), "task ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Slurm's `--signal=B:USR1@N` signals the batch shell only.
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(
        unsafe { libc::kill(task.id() as libc::pid_t, libc::SIGUSR1) },
        0
    );
    let status = task.wait().unwrap();
    let task_log = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(0), "{task_log}");
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "requeue 4242_0\n",
        "{task_log}"
    );
    assert!(d.join("setup-ran").exists(), "the setup hook ran");
    let point = out.join("points/0000");
    assert!(point.join("run/checkpoint.ckpt").exists(), "{task_log}");
    assert!(!point.join("failed.json").exists(), "a stop is no failure");
    assert!(
        task_log.contains("[production]") && task_log.contains("stopped by SIGUSR1"),
        "progress and the stop in the task's log: {task_log}"
    );

    let st = Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(["sweep", "status", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    let st: Value = serde_json::from_slice(&st.stdout).unwrap();
    assert_eq!(st["interrupted"], 1, "{st}");
    let rate = &st["points"][0]["rate"];
    assert!(rate["ns_per_day"].as_f64().unwrap() > 0.0, "{st}");
    assert!(rate["eta_s"].as_f64().unwrap() > 0.0, "{st}");
}
