//! Throughput of the GPU engine on a scenario: steps/s, atom-steps/s, ns/day, GPU memory, per-kernel GPU
//! time from timestamp queries, and the submit-and-wait round trip that makes a host-driven step loop slow
//! (the reason the engine records many steps per submit and reads back only at sampling points).

use super::kernels::{Opening, Stage};
use super::GpuEngine;
use crate::engine::Engine;
use crate::gpu::GpuContext;
use crate::scenario::Scenario;
use crate::system::build_system;
use anyhow::{anyhow, Result};
use serde::Serialize;
use std::time::Instant;

#[derive(Clone, Debug, Serialize)]
pub struct KernelTime {
    pub kernel: String,
    /// Mean GPU time per step, µs (rebuild kernels: averaged over steps with and without a rebuild).
    pub us_per_step: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct GpuBench {
    pub scenario: String,
    pub adapter: String,
    pub backend: String,
    /// Atoms per replica.
    pub atoms: usize,
    /// Systems advanced in the same dispatches (`--replicas`); each replica's own scenario differs only in
    /// its seed.
    pub replicas: usize,
    /// Steps of every replica.
    pub steps: u64,
    pub seconds: f64,
    /// Host time spent recording and submitting, µs per step (the GPU runs meanwhile; on a CPU adapter such
    /// as lavapipe the "GPU" shares the cores, so this includes its work).
    pub host_record_us_per_step: f64,
    /// Host time spent recording command buffers only, nothing submitted meanwhile, µs per step: wgpu's
    /// per-dispatch validation and barrier tracking, the same on any adapter for the same CPU.
    pub host_encode_us_per_step: f64,
    /// GPU time per step with all steps recorded beforehand, µs (the GPU's own limit).
    pub gpu_us_per_step: f64,
    /// Steps per second of each replica.
    pub steps_per_s: f64,
    /// Replica-steps per second of the whole batch (replicas × steps_per_s).
    pub aggregate_steps_per_s: f64,
    /// Atom-steps per second of the whole batch.
    pub atom_steps_per_s: f64,
    /// ns per day of each replica, and of all of them together.
    pub ns_per_day: f64,
    pub aggregate_ns_per_day: f64,
    pub gpu_memory_bytes: u64,
    pub gpu_memory_bytes_per_replica: u64,
    /// Neighbour-list builds during the timed steps.
    pub list_builds: u64,
    pub neighbour_capacity: u32,
    /// Per-kernel GPU time, each kernel in its own timed pass (absent without timestamp queries).
    pub kernels: Vec<KernelTime>,
    /// Sum of the per-kernel times, µs per step.
    pub kernel_sum_us_per_step: Option<f64>,
    /// Median wall time of one submit of a single small dispatch followed by a wait, µs.
    pub submit_wait_us: f64,
}

impl GpuEngine {
    /// Accounts `steps` steps recorded here outside `advance_replicas` (every replica active).
    fn stepped_all(&mut self, steps: u64) {
        for rep in &mut self.reps {
            rep.step += steps;
            rep.fold_due = true;
        }
        self.energy_fresh.fill(false);
    }

    fn wait(&self) -> Result<()> {
        self.ctx
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| anyhow!("waiting for the GPU failed: {e}"))
    }

    /// GPU time of each kernel over `steps` steps, each kernel in its own pass with timestamps.
    fn kernel_times(&mut self, steps: u32) -> Result<Vec<KernelTime>> {
        let dev = &self.ctx.device;
        let stages = Stage::ALL.len() as u32;
        let count = 2 * stages * steps;
        let set = dev.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("kernel timestamps"),
            ty: wgpu::QueryType::Timestamp,
            count,
        });
        let resolve = dev.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: 8 * count as u64,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let read = dev.create_buffer(&wgpu::BufferDescriptor {
            label: None,
            size: 8 * count as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = dev.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        for step in 0..steps {
            let opening = if step == 0 {
                Opening::Start
            } else {
                Opening::EndStart
            };
            for (k, stage) in Stage::ALL.into_iter().enumerate() {
                let q = 2 * (step * stages + k as u32);
                let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: None,
                    timestamp_writes: Some(wgpu::ComputePassTimestampWrites {
                        query_set: &set,
                        beginning_of_pass_write_index: Some(q),
                        end_of_pass_write_index: Some(q + 1),
                    }),
                });
                self.k.record_stage(&mut pass, stage, opening);
            }
        }
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            self.k.record_close(&mut pass);
        }
        enc.resolve_query_set(&set, 0..count, &resolve, 0);
        enc.copy_buffer_to_buffer(&resolve, 0, &read, 0, 8 * count as u64);
        self.ctx.queue.submit([enc.finish()]);
        read.slice(..).map_async(wgpu::MapMode::Read, |_| ());
        self.wait()?;
        let ticks: Vec<u64> = bytemuck::pod_collect_to_vec(
            &read
                .slice(..)
                .get_mapped_range()
                .map_err(|e| anyhow!("reading timestamps failed: {e}"))?,
        );
        read.unmap();
        self.stepped_all(steps as u64);
        let period_ns = self.ctx.queue.get_timestamp_period() as f64;
        Ok(Stage::ALL
            .into_iter()
            .enumerate()
            .map(|(k, stage)| {
                let total: u64 = (0..steps)
                    .map(|s| {
                        let q = 2 * (s * stages + k as u32) as usize;
                        ticks[q + 1].saturating_sub(ticks[q])
                    })
                    .sum();
                KernelTime {
                    kernel: stage.name().to_string(),
                    us_per_step: total as f64 * period_ns / 1e3 / steps as f64,
                }
            })
            .collect())
    }

    /// Host recording time and GPU execution time per step, µs: `steps` steps recorded first (timed, nothing
    /// running meanwhile), then submitted at once and waited for, so host recording cannot hold the GPU back.
    fn encode_and_gpu_us_per_step(&mut self, steps: u64) -> Result<(f64, f64)> {
        let mut buffers = Vec::new();
        let t = Instant::now();
        self.encode_steps(steps, |b| buffers.extend(b));
        let encode = t.elapsed().as_secs_f64() * 1e6 / steps as f64;
        let t = Instant::now();
        self.ctx.queue.submit(buffers);
        self.wait()?;
        self.stepped_all(steps);
        Ok((encode, t.elapsed().as_secs_f64() * 1e6 / steps as f64))
    }

    /// Median µs of one submit (a single indirect dispatch of zero workgroups: no list build is due) plus a
    /// wait for it.
    fn submit_wait_us(&self, repeats: usize) -> Result<f64> {
        let mut times = Vec::with_capacity(repeats);
        for _ in 0..repeats {
            let t = Instant::now();
            self.submit(|pass| {
                self.k.record_stage(pass, Stage::Bin, Opening::Start);
            });
            self.wait()?;
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
        times.sort_by(f64::total_cmp);
        Ok(times[repeats / 2])
    }
}

/// Runs `warmup` untimed steps, then `steps` timed ones (recorded STEPS_PER_SUBMIT per submit, one wait at
/// the end), then the per-kernel and round-trip measurements; with `replicas` > 1, that many copies of the
/// system (seeds seed, seed + 1, …) advance in the same dispatches, as `nanodemon run-batch` runs them.
pub fn bench(
    sc: &Scenario,
    ctx: GpuContext,
    steps: u64,
    warmup: u64,
    replicas: usize,
) -> Result<GpuBench> {
    if replicas == 0 {
        anyhow::bail!("--replicas must be at least 1");
    }
    let scs: Vec<Scenario> = (0..replicas as u64)
        .map(|r| Scenario {
            seed: sc.seed.wrapping_add(r),
            ..sc.clone()
        })
        .collect();
    let syss = scs.iter().map(build_system).collect::<Result<Vec<_>>>()?;
    let mut e = GpuEngine::with_replicas(
        &scs.iter().collect::<Vec<_>>(),
        &syss.iter().collect::<Vec<_>>(),
        ctx,
    )?;
    let all = vec![true; replicas];
    let sys = &syss[0];
    e.advance_replicas(&all, warmup)?;
    e.observe_replica(0)?;
    let builds0 = e.list_builds(0)?;
    let t = Instant::now();
    e.advance_replicas(&all, steps)?;
    let record_seconds = t.elapsed().as_secs_f64();
    e.wait()?;
    let seconds = t.elapsed().as_secs_f64();
    let list_builds = e.list_builds(0)? - builds0;
    e.observe()?;
    let kernels = if e.ctx.timestamps {
        e.kernel_times(50)?
    } else {
        Vec::new()
    };
    e.observe()?;
    let (host_encode_us_per_step, gpu_us_per_step) =
        e.encode_and_gpu_us_per_step(steps.min(5000))?;
    e.observe()?;
    let submit_wait_us = e.submit_wait_us(101)?;
    let steps_per_s = steps as f64 / seconds;
    let ns_per_day = steps_per_s * sc.dt_ps() * 86_400.0 / 1e3;
    Ok(GpuBench {
        scenario: sc.name.clone(),
        adapter: e.ctx.adapter_name.clone(),
        backend: e.ctx.backend.clone(),
        atoms: sys.len(),
        replicas,
        steps,
        seconds,
        host_record_us_per_step: record_seconds / steps as f64 * 1e6,
        host_encode_us_per_step,
        gpu_us_per_step,
        steps_per_s,
        aggregate_steps_per_s: steps_per_s * replicas as f64,
        atom_steps_per_s: steps_per_s * (replicas * sys.len()) as f64,
        ns_per_day,
        aggregate_ns_per_day: ns_per_day * replicas as f64,
        gpu_memory_bytes: e.gpu_bytes(),
        gpu_memory_bytes_per_replica: e.gpu_bytes() / replicas as u64,
        list_builds,
        neighbour_capacity: e.list_capacity,
        kernel_sum_us_per_step: (!kernels.is_empty())
            .then(|| kernels.iter().map(|k| k.us_per_step).sum()),
        kernels,
        submit_wait_us,
    })
}
