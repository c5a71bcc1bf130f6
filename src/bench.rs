//! `nanodemon bench`: steps/s, atom-steps/s and ns/day of one engine on a system of a given size.
//!
//! The system is the paper's (two baths, walls, two rigid particles, demon and thermostats on) with the
//! container edge chosen so the atom count is close to `--atoms`. Thermalisation is not the point: a short
//! warm-up lets the neighbour list reach its steady rebuild rate before the clock starts.

use crate::engine::{self, Backend};
use crate::gpu::{AdapterChoice, GpuContext, GpuRequirement};
use crate::scenario::Scenario;
use crate::system::build_system;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    pub engine: String,
    pub backend: String,
    pub adapter: Option<String>,
    pub atoms: usize,
    pub steps: u64,
    pub wall_s: f64,
    pub steps_per_s: f64,
    pub atom_steps_per_s: f64,
    pub ns_per_day: f64,
    /// Peak resident memory of this process, MiB (host side; GPU engines report device memory separately).
    pub peak_rss_mib: Option<f64>,
    /// GPU details: device memory, per-kernel times, where the time goes.
    pub gpu: Option<crate::engine::gpu::bench::GpuBench>,
}

/// The scenario at `path` with its container resized for about `atoms` atoms in total.
pub fn sized_scenario(path: &Path, atoms: Option<usize>) -> Result<Scenario> {
    let mut sc = Scenario::load(path)?;
    if let Some(n) = atoms {
        let rho = sc.cold.argon_density_per_a3;
        if rho <= 0.0 {
            anyhow::bail!("--atoms needs a scenario with argon (cold.argon_density_per_a3 > 0)");
        }
        sc.geometry.container_length_a = (n as f64 / (2.0 * rho)).cbrt();
        sc.cold.argon_atoms = None;
        sc.hot.argon_atoms = None;
        sc.validate()
            .with_context(|| format!("--atoms {n}: the resized scenario is not valid"))?;
    }
    Ok(sc)
}

/// Benchmarks the engine `backend` selects (as `run` would). On a GPU it also reports GPU memory, per-kernel
/// times from timestamp queries, host-recording vs GPU time per step and the submit-and-wait round trip.
pub fn bench(
    sc: &Scenario,
    backend: Backend,
    steps: u64,
    warmup: u64,
    replicas: usize,
    threads: usize,
    adapter: &AdapterChoice,
) -> Result<BenchResult> {
    if replicas != 1 && backend == Backend::Cpu {
        anyhow::bail!("--replicas {replicas} needs the GPU engine (--backend gpu or auto with a GPU): the CPU engine runs one system");
    }
    let ctx = match backend {
        Backend::Cpu => None,
        Backend::Gpu => GpuContext::new(GpuRequirement::Required, adapter)?,
        Backend::Auto => GpuContext::new(GpuRequirement::Hardware, adapter)?,
    };
    if let Some(ctx) = ctx {
        let g = crate::engine::gpu::bench::bench(sc, ctx, steps, warmup, replicas)?;
        return Ok(BenchResult {
            engine: format!("gpu ({}, {})", g.adapter, g.backend),
            backend: "gpu".into(),
            adapter: Some(g.adapter.clone()),
            atoms: g.atoms,
            steps: g.steps,
            wall_s: g.seconds,
            steps_per_s: g.steps_per_s,
            atom_steps_per_s: g.atom_steps_per_s,
            ns_per_day: g.ns_per_day,
            peak_rss_mib: peak_rss_mib(),
            gpu: Some(g),
        });
    }
    if replicas != 1 {
        anyhow::bail!(
            "--replicas {replicas} needs a GPU adapter, and none was found (see `nanodemon gpus`)"
        );
    }
    let sys = build_system(sc)?;
    let (mut eng, used) = engine::create(backend, sc, &sys, threads, adapter)?;
    eng.advance(warmup)?;
    eng.observe()?;
    let t0 = Instant::now();
    eng.advance(steps)?;
    // observe() waits for all queued work, so GPU timings include execution, not just submission.
    eng.observe()?;
    let wall = t0.elapsed().as_secs_f64();
    let sps = steps as f64 / wall;
    Ok(BenchResult {
        engine: eng.describe(),
        backend: format!("{used:?}").to_lowercase(),
        adapter: eng.adapter(),
        atoms: sys.len(),
        steps,
        wall_s: wall,
        steps_per_s: sps,
        atom_steps_per_s: sps * sys.len() as f64,
        ns_per_day: sps * sc.dt_ps() * 1e-3 * crate::units::SECONDS_PER_DAY,
        peak_rss_mib: peak_rss_mib(),
        gpu: None,
    })
}

fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
