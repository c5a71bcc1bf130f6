//! `run.com_interval_fs`: com.csv through the binary — one row per interval, the same numbers heat.csv holds
//! at its own samples, resume truncating it to the checkpoint, and a bad interval refused with the field named.

mod common;

use common::scenario_path;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-test-{}-com-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The small refrigerator, 1 ps equilibration, COM every `com_fs`.
fn scenario(dir: &Path, com_fs: f64) -> PathBuf {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    v["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 1.0, "production_ps": 1.0,
                      "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5,
                      "com_interval_fs": com_fs});
    let p = dir.join("scenario.json");
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    p
}

fn run(sc: &Path, out: &Path, extra: &[&str]) -> Output {
    let args = common::cpu_run_args(sc, out, extra);
    Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(&args)
        .output()
        .unwrap()
}

/// 2 ps of production at 10 fs give 200 rows; rows at heat.csv's sample times carry heat.csv's own
/// positions and vx (the same observation, printed exactly); and a run stopped after 1 ps, with junk appended
/// to com.csv as a killed run would leave it, resumes to the byte-identical file.
#[test]
fn com_csv_is_sampled_consistent_with_heat_csv_and_resume_safe() {
    let d = tmpdir("resume");
    let sc = scenario(&d, 10.0);
    let (full, part) = (d.join("full"), d.join("part"));
    let o = run(&sc, &full, &["--time-ps", "2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(full.join("com.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("time_ps,x_cold_a,"));
    assert_eq!(lines.len(), 1 + 200);
    assert!(lines[1].starts_with("0.010000,") && lines[200].starts_with("2.000000,"));

    let heat = std::fs::read_to_string(full.join("heat.csv")).unwrap();
    let hcols: Vec<&str> = heat.lines().next().unwrap().split(',').collect();
    let col = |name: &str| hcols.iter().position(|c| *c == name).unwrap();
    let mut matched = 0;
    for h in heat.lines().skip(2) {
        let hf: Vec<&str> = h.split(',').collect();
        let c = lines
            .iter()
            .find(|l| l.starts_with(&format!("{},", hf[0])))
            .unwrap_or_else(|| panic!("no com.csv row at t = {}", hf[0]));
        let cf: Vec<&str> = c.split(',').collect();
        assert_eq!(cf[1], hf[col("x_cold_a")]);
        assert_eq!(cf[6], hf[col("z_hot_a")]);
        assert_eq!(cf[7], hf[col("vx_cold_a_ps")]);
        assert_eq!(cf[10], hf[col("vx_hot_a_ps")]);
        matched += 1;
    }
    assert_eq!(matched, 20);

    let o = run(&sc, &part, &["--time-ps", "1"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(part.join("com.csv"))
        .unwrap();
    std::io::Write::write_all(&mut f, b"1.010000,junk from a killed run\n").unwrap();
    let o = run(&sc, &part, &["--time-ps", "2", "--resume"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read(part.join("com.csv")).unwrap(),
        text.as_bytes(),
        "resumed com.csv differs from the uninterrupted one"
    );
}

/// An interval that is not a whole number of timesteps is refused, naming the field.
#[test]
fn com_interval_not_a_whole_number_of_steps_is_refused() {
    let d = tmpdir("bad");
    for bad in [0.5, -10.0] {
        let sc = scenario(&d, bad);
        let o = run(&sc, &d.join("o"), &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert!(err.contains("run.com_interval_fs"), "{err}");
    }
}
