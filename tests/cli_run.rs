//! `nanodemon run` through the binary: reproducibility, kill-and-resume, validation errors, blow-ups.

mod common;

use common::scenario_path;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nanodemon"))
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Writes the small refrigerator scenario with `edit` applied into `dir`, returning its path.
fn write_scenario(dir: &Path, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let mut v: Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    edit(&mut v);
    let p = dir.join("scenario.json");
    std::fs::write(&p, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    p
}

/// A short run: 1 ps equilibration, `prod` ps production, samples every 0.1 ps, checkpoints every 0.5 ps.
fn short(v: &mut Value, prod: f64) {
    v["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 1.0, "production_ps": prod,
                      "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5});
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

fn heat(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("heat.csv")).unwrap()
}

#[test]
fn same_seed_gives_byte_identical_heat_csv() {
    let d = tmpdir("det");
    let sc = write_scenario(&d, |v| short(v, 1.0));
    let (a, b) = (d.join("a"), d.join("b"));
    for out in [&a, &b] {
        let o = bin()
            .args(common::cpu_run_args(&sc, out, &[]))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (ha, hb) = (heat(&a), heat(&b));
    assert_eq!(ha, hb);
    let text = String::from_utf8(ha).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(
        "time_ps,q_cold_ev,q_hot_ev,thermostat_cold_ev,thermostat_hot_ev,e_bath_cold_ev,e_bath_hot_ev,w_cold_ev,w_hot_ev,\
         x_cold_a,y_cold_a,z_cold_a,x_hot_a,y_hot_a,z_hot_a,vx_cold_a_ps,vx_hot_a_ps,temp_cold_k,temp_hot_k"
    ));
    assert_eq!(
        lines.len(),
        1 + 11,
        "header + rows at t = 0, 0.1, ..., 1.0 ps"
    );
    let run_json: Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("run.json")).unwrap()).unwrap();
    assert_eq!(run_json["status"], "completed");
    assert_eq!(run_json["atom_counts"]["cold_particle"], 186);
    assert!(run_json["atom_counts"]["cold_bath"].as_u64().unwrap() > 100);
}

/// Runs `sc` to the end in `d/full`; runs it again in `d/killed`, kills that with SIGKILL once it has
/// checkpointed and written more than `kill_after_rows` heat.csv lines, resumes it, and asserts the two
/// heat.csv files are byte-identical. `backend` is "cpu" or "gpu"; with `progress` the runs print their
/// progress lines (which observe the engine on a wall-clock timer) instead of running `--quiet`.
fn assert_kill_and_resume_is_byte_identical(
    d: &Path,
    sc: &Path,
    backend: &str,
    progress: bool,
    kill_after_rows: usize,
) {
    let (full, killed) = (d.join("full"), d.join("killed"));
    let args = |out: &Path| {
        let mut a = vec![
            "run".to_string(),
            sc.to_str().unwrap().to_string(),
            "--backend".into(),
            backend.into(),
            "--threads".into(),
            "2".into(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
        ];
        if !progress {
            a.push("--quiet".into());
        }
        a
    };
    let o = bin().args(args(&full)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    // Kill the second run once it has checkpointed and written rows past that checkpoint.
    let mut cmd = bin();
    cmd.args(args(&killed)).stderr(std::process::Stdio::null());
    common::kill_after_checkpoint(cmd, &killed, kill_after_rows);
    let partial = heat(&killed);
    assert!(partial.len() < heat(&full).len());

    let mut resume = args(&killed);
    resume.push("--resume".into());
    let o = bin().args(&resume).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        heat(&killed),
        heat(&full),
        "resumed heat.csv differs from the uninterrupted one"
    );
}

#[test]
fn killed_and_resumed_run_is_byte_identical_to_an_uninterrupted_one() {
    let d = tmpdir("resume");
    let sc = write_scenario(&d, |v| short(v, 4.0));
    assert_kill_and_resume_is_byte_identical(&d, &sc, "cpu", false, 18);
}

/// The same on the GPU engine, with progress lines on: they observe the engine every ~2 s of wall clock,
/// at steps that differ between the runs, so this holds only because `observe` is a pure query. Snapshots
/// every 30 steps put stops between the samples, where a progress line lands mid sampling interval. Short
/// (1.2 ps: lavapipe runs this system at ~150 steps/s on two busy cores).
#[test]
fn gpu_killed_and_resumed_run_with_progress_lines_is_byte_identical() {
    let test = "gpu_killed_and_resumed_run_with_progress_lines_is_byte_identical";
    if nanodemon::gpu::GpuContext::for_test(test).is_none() {
        return;
    }
    let d = tmpdir("resume-gpu");
    let sc = write_scenario(&d, |v| {
        v["run"] = json!({"timestep_fs": 1.0, "equilibration_ps": 0.2, "production_ps": 1.0,
                          "sample_interval_ps": 0.1, "checkpoint_interval_ps": 0.5,
                          "xyz_interval_ps": 0.03});
    });
    assert_kill_and_resume_is_byte_identical(&d, &sc, "gpu", true, 7);
}

#[test]
fn starting_over_an_existing_run_is_refused() {
    let d = tmpdir("exists");
    let sc = write_scenario(&d, |v| short(v, 0.2));
    let out = d.join("o");
    let a = [
        "run",
        sc.to_str().unwrap(),
        "--backend",
        "cpu",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    assert!(run(&a).status.success());
    let o = run(&a);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume"));
}

/// Each invalid scenario is rejected before any work, with an error naming the field.
#[test]
fn validation_errors_name_the_field() {
    let d = tmpdir("invalid");
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "kappa_hot_ev_per_a2",
            Box::new(|v| v["controller"]["kappa_hot_ev_per_a2"] = json!(-0.2)),
        ),
        (
            "cold.temperature_k",
            Box::new(|v| v["cold"]["temperature_k"] = json!(0.0)),
        ),
        (
            "hot.temperature_k",
            Box::new(|v| v["hot"]["temperature_k"] = json!(-5.0)),
        ),
        (
            "potential.argon.mass_amu",
            Box::new(|v| v["potential"]["argon"]["mass_amu"] = json!(0.0)),
        ),
        (
            "run.timestep_fs",
            Box::new(|v| v["run"]["timestep_fs"] = json!(-1.0)),
        ),
        (
            "geometry.container_length_a",
            Box::new(|v| v["geometry"]["container_length_a"] = json!(15.0)),
        ),
        (
            "does not fit",
            Box::new(|v| v["nanoparticle"]["atoms"] = json!(2000)),
        ),
        (
            "cannot be realised",
            Box::new(|v| {
                v["cold"]["argon_density_per_a3"] = json!(0.2);
                v["cold"].as_object_mut().unwrap().remove("argon_atoms");
            }),
        ),
        (
            "unknown field `colour`",
            Box::new(|v| v["hot"]["colour"] = json!("red")),
        ),
    ];
    for (needle, edit) in cases {
        let sc = write_scenario(&d, |v| edit(v));
        let out = d.join("never");
        let o = run(&[
            "run",
            sc.to_str().unwrap(),
            "--backend",
            "cpu",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{needle}: {err}");
        assert!(err.contains(needle), "expected '{needle}' in: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!out.join("heat.csv").exists());
    }
    let bad = d.join("bad.json");
    std::fs::write(&bad, "{\n  \"name\": \"x\",\n  \"seed\": 1,\n  oops\n}\n").unwrap();
    let o = run(&[
        "run",
        bad.to_str().unwrap(),
        "--backend",
        "cpu",
        "--quiet",
        "--out",
        d.join("n").to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !o.status.success() && err.contains("line 4 column"),
        "{err}"
    );
}

/// A compressed start (argon neighbours at 0.86 σ, the densest the loader accepts) with a 10 fs timestep blows
/// up within a few steps: the run stops with a message and keeps what it wrote.
#[test]
fn blow_up_stops_with_a_message_and_keeps_the_output() {
    let d = tmpdir("blowup");
    let sc = write_scenario(&d, |v| {
        v["cold"]["argon_density_per_a3"] = json!(0.056);
        v["cold"].as_object_mut().unwrap().remove("argon_atoms");
        v["run"] = json!({"timestep_fs": 10.0, "equilibration_ps": 0.0, "production_ps": 20.0,
                          "sample_interval_ps": 0.01, "checkpoint_interval_ps": 1.0});
    });
    let out = d.join("o");
    let o = run(&[
        "run",
        sc.to_str().unwrap(),
        "--backend",
        "cpu",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("blew up") || err.contains("atoms lost"),
        "{err}"
    );
    let text = std::fs::read_to_string(out.join("heat.csv")).unwrap();
    assert!(
        text.starts_with("time_ps,") && text.lines().count() >= 2,
        "heat.csv was not kept"
    );
    let rj: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(rj["status"], "failed", "run.json says why the run stopped");
    let why = rj["error"].as_str().unwrap_or_default();
    assert!(
        why.contains("blew up") || why.contains("atoms lost"),
        "{why}"
    );
}

/// Snapshots are extended XYZ as OVITO and ASE read it: a count line, a comment line with Lattice and
/// Properties, then one line per atom whose fields match Properties.
#[test]
fn xyz_snapshots_are_extended_xyz() {
    let d = tmpdir("xyz");
    let sc = write_scenario(&d, |v| {
        short(v, 1.0);
        v["run"]["xyz_interval_ps"] = json!(0.5);
    });
    let out = d.join("o");
    let o = run(&[
        "run",
        sc.to_str().unwrap(),
        "--backend",
        "cpu",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(out.join("trajectory.xyz")).unwrap();
    let mut lines = text.lines();
    let mut frames = 0;
    while let Some(count) = lines.next() {
        let n: usize = count.trim().parse().unwrap();
        let comment = lines.next().unwrap();
        assert!(
            comment.contains("Lattice=\"72 0 0 0 36 0 0 0 36\""),
            "{comment}"
        );
        assert!(
            comment.contains("Properties=species:S:1:pos:R:3:velo:R:3:masses:R:1:id:I:1:group:S:1"),
            "{comment}"
        );
        for _ in 0..n {
            let f: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
            assert_eq!(f.len(), 10);
            assert!(f[0] == "Ar" || f[0] == "Cu");
            let x: f64 = f[1].parse().unwrap();
            assert!((0.0..72.0).contains(&x));
        }
        frames += 1;
    }
    // Production only (1 ps), a frame every 0.5 ps from its start: t = 0, 0.5, 1.
    assert_eq!(frames, 3);
}

/// Every shipped scenario loads, validates and builds.
#[test]
fn shipped_scenarios_are_valid() {
    for entry in std::fs::read_dir(scenario_path("")).unwrap() {
        let p = entry.unwrap().path();
        let sc = nanodemon::scenario::Scenario::load(&p)
            .unwrap_or_else(|e| panic!("{}: {e:#}", p.display()));
        let sys = nanodemon::system::build_system(&sc).unwrap();
        let c = sys.counts();
        if p.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("paper-")
        {
            assert_eq!(
                (c.cold_bath, c.hot_bath, c.cold_particle),
                (25_280, 25_280, 186),
                "{}",
                p.display()
            );
        }
    }
}
