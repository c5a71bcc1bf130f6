//! Shared set-up for behaviour tests: small scenarios with edits, and engines on both backends.
#![allow(dead_code)]

use nanodemon::engine::cpu::CpuEngine;
use nanodemon::engine::gpu::GpuEngine;
use nanodemon::engine::Engine;
use nanodemon::gpu::GpuContext;
use nanodemon::scenario::Scenario;
use nanodemon::system::{build_system, System};

pub fn scenario_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name)
}

/// A shipped scenario with `edit` applied to its JSON, validated.
pub fn scenario(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Scenario {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(scenario_path(name)).unwrap()).unwrap();
    edit(&mut v);
    Scenario::from_json(&v.to_string()).unwrap()
}

pub fn cpu(sc: &Scenario) -> (System, CpuEngine) {
    let sys = build_system(sc).unwrap();
    let e = CpuEngine::new(sc, &sys, 2).unwrap();
    (sys, e)
}

/// One executor of a physics test, with the precision its tolerances scale with.
pub struct TestEngine {
    /// "cpu" or "gpu", for messages.
    pub name: &'static str,
    pub engine: Box<dyn Engine>,
    /// Unit roundoff of the engine's state arithmetic: 2⁻⁵³ for the f64 CPU engine, 2⁻²⁴ for the GPU
    /// engine's f32. A tolerance that rounding limits is written as a multiple of it times the quantity's
    /// scale, so the GPU's is as tight as f32 allows and still fails on a real defect.
    pub eps: f64,
}

/// Every engine available for `sc`: the CPU engine always; the GPU engine when an adapter exists. Without
/// one the GPU is left out with a loud SKIPPED line, or the test fails when NANODEMON_REQUIRE_GPU is set
/// (as in CI), so no property silently runs on the CPU alone there.
pub fn engines(sc: &Scenario) -> Vec<TestEngine> {
    let sys = build_system(sc).unwrap();
    let mut out = vec![TestEngine {
        name: "cpu",
        engine: Box::new(CpuEngine::new(sc, &sys, 2).unwrap()),
        eps: f64::EPSILON / 2.0,
    }];
    let test = std::thread::current()
        .name()
        .unwrap_or("a physics test")
        .to_string();
    if let Some(ctx) = GpuContext::for_test(&test) {
        out.push(TestEngine {
            name: "gpu",
            engine: Box::new(GpuEngine::new(sc, &sys, ctx).unwrap()),
            eps: f32::EPSILON as f64 / 2.0,
        });
    }
    out
}

/// `nanodemon run SC --backend cpu --threads 2 --quiet --out OUT` followed by `extra`: the quiet CPU run the
/// binary tests start from.
pub fn cpu_run_args(sc: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut a: Vec<String> = [
        "run",
        sc.to_str().unwrap(),
        "--backend",
        "cpu",
        "--threads",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]
    .map(String::from)
    .to_vec();
    a.extend(extra.iter().map(|s| s.to_string()));
    a
}

/// Starts `nanodemon ARGS` writing into `dir` and kills it (SIGKILL) once it has written a checkpoint and more
/// than `rows` lines of heat.csv, i.e. rows past that checkpoint that `--resume` must cut and redo.
pub fn kill_after_checkpoint(mut cmd: std::process::Command, dir: &std::path::Path, rows: usize) {
    use std::time::{Duration, Instant};
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    loop {
        let written = std::fs::read_to_string(dir.join("heat.csv"))
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if dir.join("checkpoint.ckpt").exists() && written > rows {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "run made no progress"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "run finished before it could be killed; lengthen it"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Mean and standard error of a series, the error from the variance of block means (10 blocks), which
/// accounts for autocorrelation as long as a block is longer than the correlation time.
pub fn mean_and_error(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let blocks = 10;
    let len = x.len() / blocks;
    let means: Vec<f64> = (0..blocks)
        .map(|b| x[b * len..(b + 1) * len].iter().sum::<f64>() / len as f64)
        .collect();
    let bm = means.iter().sum::<f64>() / blocks as f64;
    let var = means.iter().map(|m| (m - bm).powi(2)).sum::<f64>() / (blocks - 1) as f64;
    (mean, (var / blocks as f64).sqrt())
}

pub fn observe_every(
    e: &mut dyn Engine,
    every: u64,
    samples: usize,
) -> Vec<nanodemon::engine::Observation> {
    (0..samples)
        .map(|_| {
            e.advance(every).unwrap();
            e.observe().unwrap()
        })
        .collect()
}

/// The `--json` contract: asserts the command succeeded and returns the one JSON object it printed on stdout
/// (parsing fails on anything else there).
pub fn json_of(o: std::process::Output) -> serde_json::Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON object")
}

/// Runs `cmd` and applies [`json_of`].
pub fn json_output(cmd: &mut std::process::Command) -> serde_json::Value {
    json_of(cmd.output().expect("the nanodemon binary runs"))
}

/// Writes DIR/sweep.json: three κ_H/κ_C points (0.17, 1, 4.8) of the small refrigerator with the `run` block
/// and Slurm settings given, for the sweep tests.
pub fn write_kappa_sweep(
    dir: &std::path::Path,
    run: serde_json::Value,
    slurm: serde_json::Value,
) -> std::path::PathBuf {
    let mut base: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(scenario_path("small-refrigerator.json")).unwrap(),
    )
    .unwrap();
    base["run"] = run;
    let s = serde_json::json!({"name": "tiny", "base": base, "vary": {"kappa_ratio": [0.17, 1.0, 4.8]},
                               "slurm": slurm});
    let p = dir.join("sweep.json");
    std::fs::write(&p, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    p
}
