//! `nanodemon sweep` through the binary: plan, run with --jobs 2, kill and resume, status, collect, and the
//! generated Slurm batch script running the array.

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
    let d = std::env::temp_dir().join(format!("nanodemon-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn ok(o: Output) -> Value {
    common::json_of(o)
}

fn sweep(args: &[&str]) -> Output {
    bin().arg("sweep").args(args).output().unwrap()
}

/// Three κ_H/κ_C values of the small refrigerator, 0.5 ps equilibration and 2 ps production each,
/// sampled every 0.02 ps (enough rows for the analysis' 20 blocks).
fn write_sweep(dir: &Path) -> PathBuf {
    common::write_kappa_sweep(
        dir,
        json!({"timestep_fs": 1.0, "equilibration_ps": 0.5, "production_ps": 2.0,
              "sample_interval_ps": 0.02, "checkpoint_interval_ps": 0.5}),
        json!({"expected_ns_per_day": 1.0, "gpus_per_task": 0}),
    )
}

fn rows_of(dir: &Path, i: usize) -> usize {
    std::fs::read_to_string(dir.join(format!("points/{i:04}/run/heat.csv")))
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

#[test]
fn local_sweep_killed_resumed_and_collected_once_per_point() {
    let d = tmpdir("local");
    let file = write_sweep(&d);
    let out = d.join("s");
    let plan = ok(sweep(&[
        "plan",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(plan["points"], 3);
    let script = std::fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    assert!(
        script.contains("#SBATCH --array=0-2")
            && script.contains("--index \"$SLURM_ARRAY_TASK_ID\""),
        "{script}"
    );
    assert!(
        !script.contains("--gres"),
        "gpus_per_task = 0 asks for no GPU"
    );

    // Kill the whole local run once a point has checkpointed during production.
    let args = [
        "sweep",
        "run",
        out.to_str().unwrap(),
        "--all",
        "--jobs",
        "2",
        "--backend",
        "cpu",
        "--threads",
        "1",
        "--quiet",
    ];
    let mut child = bin().args(args).spawn().unwrap();
    let start = Instant::now();
    loop {
        let ckpt = (0..3).any(|i| {
            out.join(format!("points/{i:04}/run/checkpoint.ckpt"))
                .exists()
                && rows_of(&out, i) > 8
        });
        if ckpt {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "sweep made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "sweep finished before it could be killed; lengthen the runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let st = ok(sweep(&["status", out.to_str().unwrap(), "--json"]));
    assert!(st["interrupted"].as_u64().unwrap() >= 1, "{st}");
    assert_eq!(
        st["done"].as_u64().unwrap()
            + st["interrupted"].as_u64().unwrap()
            + st["pending"].as_u64().unwrap(),
        3,
        "{st}"
    );

    let r = ok(bin()
        .args(&args[..args.len() - 1])
        .arg("--quiet")
        .arg("--json")
        .output()
        .unwrap());
    assert!(
        r["points"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["outcome"] == "resumed and completed"),
        "{r}"
    );
    let st = ok(sweep(&["status", out.to_str().unwrap(), "--json"]));
    assert_eq!(st["done"], 3, "{st}");

    let c = ok(sweep(&[
        "collect",
        out.to_str().unwrap(),
        "--plots",
        "--json",
    ]));
    let cols: Vec<String> = serde_json::from_value(c["table"]["columns"].clone()).unwrap();
    // NaN (a value a point does not have) is null in JSON.
    let rows: Vec<Vec<f64>> = c["table"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect()
        })
        .collect();
    assert_eq!(
        rows.iter().map(|r| r[0] as usize).collect::<Vec<_>>(),
        vec![0, 1, 2],
        "each point exactly once"
    );
    let col = |name: &str| {
        cols.iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("no column {name}: {cols:?}"))
    };
    for (i, row) in rows.iter().enumerate() {
        // The point's own analysis.
        let run = out.join(format!("points/{i:04}/run"));
        let a = ok(bin()
            .args(["analyze", run.to_str().unwrap(), "--json"])
            .output()
            .unwrap());
        let rates = &a["analysis"]["rates"];
        for (column, value) in [
            (
                "heat_cold_ev_per_ps",
                &rates["heat_cold_ev_per_ps"]["measured"],
            ),
            (
                "heat_cold_ev_per_ps_err",
                &rates["heat_cold_ev_per_ps"]["error"],
            ),
            (
                "heat_hot_ev_per_ps_theory",
                &rates["heat_hot_ev_per_ps"]["theory"],
            ),
            (
                "work_hot_ev_per_ps",
                &rates["work_hot_ev_per_ps"]["measured"],
            ),
            (
                "entropy_production_kb_per_ps",
                &rates["entropy_production_kb_per_ps"]["measured"],
            ),
            ("power_ev_per_ps_err", &rates["power_ev_per_ps"]["error"]),
        ] {
            assert_eq!(
                row[col(column)],
                value.as_f64().unwrap(),
                "point {i}, {column}"
            );
        }
    }
    assert!(!c["figures"].as_array().unwrap().is_empty());
    for f in c["figures"].as_array().unwrap() {
        assert!(std::fs::read_to_string(f.as_str().unwrap())
            .unwrap()
            .starts_with("<svg"));
    }
    let csv = std::fs::read_to_string(out.join("sweep-results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4);

    // Re-planning keeps the finished points as they are.
    let before = std::fs::read(out.join("points/0001/run/heat.csv")).unwrap();
    let again = ok(sweep(&[
        "plan",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]));
    assert_eq!(again["new"].as_array().unwrap().len(), 0, "{again}");
    assert_eq!(
        std::fs::read(out.join("points/0001/run/heat.csv")).unwrap(),
        before
    );
    let r = ok(sweep(&[
        "run",
        out.to_str().unwrap(),
        "--index",
        "1",
        "--json",
        "--quiet",
    ]));
    assert_eq!(r["points"][0]["outcome"], "already done");

    // The batch script's array, run by Slurm, gives the same table.
    let slurm_out = d.join("slurm");
    ok(sweep(&[
        "plan",
        file.to_str().unwrap(),
        "--out",
        slurm_out.to_str().unwrap(),
        "--json",
    ]));
    run_array(&slurm_out, 3);
    let cs = ok(sweep(&["collect", slurm_out.to_str().unwrap(), "--json"]));
    assert_eq!(
        cs["table"], c["table"],
        "the Slurm array's table differs from the local run's"
    );
}

/// Runs the array of DIR/sweep.sbatch on a real single-node Slurm (munged, slurmctld and slurmd started on this
/// host by scripts/slurm-local.sh, configuration in a temporary directory). Where that cannot work (Slurm not
/// installed, not root, daemons failing), it says why and runs `sbatch --test-only` when possible, then each
/// array task by hand with SLURM_ARRAY_TASK_ID set, as Slurm would.
fn run_array(dir: &Path, n: usize) {
    let script = dir.join("sweep.sbatch");
    match LocalSlurm::start(&dir.join("slurm-daemons")) {
        Ok(slurm) => {
            eprintln!("submitting {} to a single-node Slurm", script.display());
            let o = Command::new("sbatch")
                .arg("--wait")
                .arg(&script)
                .env("SLURM_CONF", slurm.conf())
                .env("NANODEMON", env!("CARGO_BIN_EXE_nanodemon"))
                .env("NANODEMON_THREADS", "1")
                .output()
                .unwrap();
            assert!(
                o.status.success(),
                "sbatch --wait: {}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            );
            let logs = std::fs::read_dir(dir.join("slurm")).unwrap().count();
            assert_eq!(logs, n, "one Slurm output file per array task");
            return;
        }
        Err(why) => {
            eprintln!("cannot start a real Slurm here ({why}); running the array tasks by hand")
        }
    }
    match Command::new("sbatch")
        .arg("--test-only")
        .arg(&script)
        .output()
    {
        Ok(o) => eprintln!(
            "sbatch --test-only: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => eprintln!("sbatch is not installed ({e})"),
    }
    // One worker thread, as the local run used: the summation order, and so the last bits, depend on it.
    for i in 0..n {
        let o = Command::new("bash")
            .arg(&script)
            .env("NANODEMON", env!("CARGO_BIN_EXE_nanodemon"))
            .env("SLURM_ARRAY_TASK_ID", i.to_string())
            .env("SLURM_JOB_ID", "1")
            .env("NANODEMON_THREADS", "1")
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "array task {i}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// munged + slurmctld + slurmd on this host, stopped on drop.
struct LocalSlurm {
    dir: PathBuf,
}

impl LocalSlurm {
    fn helper() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-local.sh")
    }

    fn start(dir: &Path) -> Result<LocalSlurm, String> {
        for tool in ["munged", "slurmctld", "slurmd", "sbatch", "sinfo"] {
            let found = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {tool} || test -x /usr/sbin/{tool}"))
                .output();
            if !found.is_ok_and(|o| o.status.success()) {
                return Err(format!(
                    "{tool} is not installed; apt-get install slurm-wlm munge"
                ));
            }
        }
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .map_err(|e| e.to_string())?;
        if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
            return Err("the daemons need root".into());
        }
        let slurm = LocalSlurm {
            dir: dir.to_path_buf(),
        };
        let o = Command::new("bash")
            .arg(Self::helper())
            .arg("start")
            .arg(dir)
            .env(
                "PATH",
                format!(
                    "/usr/sbin:/sbin:{}",
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .map_err(|e| e.to_string())?;
        if !o.status.success() {
            return Err(format!(
                "slurm-local.sh start: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ));
        }
        Ok(slurm)
    }

    fn conf(&self) -> PathBuf {
        self.dir.join("slurm.conf")
    }
}

impl Drop for LocalSlurm {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(Self::helper())
            .arg("stop")
            .arg(&self.dir)
            .output();
    }
}

#[test]
fn bad_sweep_files_are_refused_with_the_field_named() {
    let d = tmpdir("bad");
    let cases = [
        (
            json!({"name": "x", "base": "nope.json", "slurm": {"expected_ns_per_day": 1.0}}),
            "nope.json",
        ),
        (
            json!({"name": "x", "base": scenario_path("small-heater.json"), "slurm": {"expected_ns_per_day": 0.0}}),
            "slurm.expected_ns_per_day",
        ),
        (
            json!({"name": "x", "base": scenario_path("small-heater.json"), "vary": {"kappa_ratio": [-20.0]},
                "slurm": {"expected_ns_per_day": 1.0}}),
            "unstable",
        ),
    ];
    for (s, needle) in cases {
        let f = d.join("s.json");
        std::fs::write(&f, s.to_string()).unwrap();
        let o = sweep(&[
            "plan",
            f.to_str().unwrap(),
            "--out",
            d.join("o").to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(
            err.contains(needle) && !err.contains("panicked"),
            "expected {needle:?} in {err}"
        );
    }
    let o = sweep(&["run", d.to_str().unwrap(), "--index", "0"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("sweep plan"));
}
