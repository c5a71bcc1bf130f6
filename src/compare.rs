//! `nanodemon compare`: one start state, the same steps on the CPU reference and the GPU engine, and how
//! far they drift apart — the check that the WGSL step is the CPU step up to f32 rounding.

use crate::engine::cpu::{default_threads, min_image, CpuEngine};
use crate::engine::gpu::GpuEngine;
use crate::engine::{Engine, Observation};
use crate::gpu::{AdapterChoice, GpuContext, GpuRequirement};
use crate::scenario::Scenario;
use crate::system::build_system;
use anyhow::{bail, Result};
use glam::DVec3;
use serde::Serialize;

/// Differences at one sampling point (GPU − CPU where signed).
#[derive(Clone, Debug, Serialize)]
pub struct CompareRow {
    pub step: u64,
    /// Largest minimum-image distance between an atom's CPU and GPU positions, Å.
    pub max_position_dev_a: f64,
    /// Largest difference of a bath atom's velocity, Å/ps.
    pub max_velocity_dev_a_per_ps: f64,
    pub temperature_cpu_k: [f64; 2],
    pub temperature_gpu_k: [f64; 2],
    pub conserved_cpu_ev: f64,
    pub conserved_gpu_ev: f64,
    pub thermostat_heat_diff_ev: [f64; 2],
    pub work_diff_ev: [f64; 2],
    pub particle_heat_diff_ev: [f64; 2],
}

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub scenario: String,
    pub atoms: usize,
    pub steps: u64,
    pub adapter: String,
    pub backend: String,
    pub cpu_threads: usize,
    pub rows: Vec<CompareRow>,
}

fn max_dev(a: &[DVec3], b: &[DVec3], box_a: Option<DVec3>) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| box_a.map_or((*x - *y).length(), |l| min_image(*x, *y, l).length()))
        .fold(0.0, f64::max)
}

fn diff2(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [b[0] - a[0], b[1] - a[1]]
}

/// Runs `steps` steps on both engines from the scenario's start, comparing every `every` steps.
pub fn compare(
    sc: &Scenario,
    steps: u64,
    every: u64,
    adapter: &AdapterChoice,
) -> Result<Comparison> {
    if steps == 0 || every == 0 {
        bail!("--steps and --every must be positive");
    }
    let ctx =
        GpuContext::new(GpuRequirement::Required, adapter)?.expect("Required never returns None");
    let (adapter, backend) = (ctx.adapter_name.clone(), ctx.backend.clone());
    let sys = build_system(sc)?;
    let threads = default_threads();
    let mut cpu = CpuEngine::new(sc, &sys, threads)?;
    let mut gpu = GpuEngine::new(sc, &sys, ctx)?;
    let nbath = sys.ranges[1].end;
    let mut rows = Vec::new();
    let mut done = 0;
    while done < steps {
        let n = every.min(steps - done);
        cpu.advance(n)?;
        gpu.advance(n)?;
        done += n;
        let (oc, og): (Observation, Observation) = (cpu.observe()?, gpu.observe()?);
        let (sc_, sg) = (cpu.state()?, gpu.state()?);
        rows.push(CompareRow {
            step: sc_.step,
            max_position_dev_a: max_dev(&sc_.positions, &sg.positions, Some(sys.box_a)),
            max_velocity_dev_a_per_ps: max_dev(
                &sc_.velocities[..nbath],
                &sg.velocities[..nbath],
                None,
            ),
            temperature_cpu_k: oc.temperature,
            temperature_gpu_k: og.temperature,
            conserved_cpu_ev: oc.conserved,
            conserved_gpu_ev: og.conserved,
            thermostat_heat_diff_ev: diff2(oc.thermostat_heat, og.thermostat_heat),
            work_diff_ev: diff2(oc.work, og.work),
            particle_heat_diff_ev: diff2(oc.particle_heat, og.particle_heat),
        });
    }
    Ok(Comparison {
        scenario: sc.name.clone(),
        atoms: sys.len(),
        steps,
        adapter,
        backend,
        cpu_threads: threads,
        rows,
    })
}
