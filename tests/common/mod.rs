//! Shared set-up for behaviour tests: small scenarios with edits, and engines on both backends.
#![allow(dead_code)]

use nanodemon::engine::cpu::CpuEngine;
use nanodemon::engine::Engine;
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
