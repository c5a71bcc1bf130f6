//! The WGSL executor (`shaders/ensemble_langevin.wgsl`): one invocation per trajectory with f32
//! state; one dispatch per record interval, each ending in a workgroup reduction of the nine sums
//! into its own row of a partials buffer. The rows are read back once at the end and summed in f64
//! on the host, so no long f32 running sum ever forms.

use super::cpu::{assemble, histogram_len, histogram_slots};
use super::{
    initial_spread, sqrt_temperatures, EnsembleResult, EnsembleSpec, Execution, StepCoefficients,
    BATCHES, SUMS, WORKGROUP,
};
use crate::gpu::layout::wgsl_struct;
use crate::gpu::GpuContext;
use crate::theory::periodic::Protocol;
use anyhow::{anyhow, bail, Result};
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt;

#[cfg(test)]
mod contract;

wgsl_struct! {
    /// Mirrors `Params` in the shader, checked field by field in `contract`.
    #[derive(Clone, Copy, Pod, Zeroable)]
    struct Params {
        n_traj: u32,
        steps: u32,
        step0: u32,
        record: u32,
        seed_lo: u32,
        seed_hi: u32,
        hist_slot: u32,
        hist_bins: u32,
        m00: f32,
        m01: f32,
        m10: f32,
        m11: f32,
        l00: f32,
        l10: f32,
        l11: f32,
        half_k: f32,
        half_m: f32,
        hist_min: f32,
        hist_inv_width: f32,
        init: u32,
        sx0: f32,
        sv0: f32,
        n_groups: u32,
        pad: u32,
    }
}

fn storage(ctx: &GpuContext, label: &str, size: u64, extra: wgpu::BufferUsages) -> wgpu::Buffer {
    ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: size.max(4),
        usage: wgpu::BufferUsages::STORAGE | extra,
        mapped_at_creation: false,
    })
}

fn read_back(ctx: &GpuContext, source: &wgpu::Buffer) -> Result<Vec<u8>> {
    let size = source.size();
    let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("ensemble readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut encoder = ctx
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor {
            label: Some("ensemble readback"),
        });
    encoder.copy_buffer_to_buffer(source, 0, &staging, 0, size);
    ctx.queue.submit([encoder.finish()]);
    let (tx, rx) = std::sync::mpsc::channel();
    staging.map_async(wgpu::MapMode::Read, .., move |r| {
        let _ = tx.send(r);
    });
    ctx.device
        .poll(wgpu::PollType::wait_indefinitely())
        .map_err(|e| anyhow!("waiting for the GPU ensemble: {e}"))?;
    rx.recv()?
        .map_err(|e| anyhow!("mapping the GPU ensemble results: {e}"))?;
    let bytes = staging
        .get_mapped_range(..)
        .map_err(|e| anyhow!("reading the GPU ensemble results: {e:?}"))?
        .to_vec();
    staging.unmap();
    Ok(bytes)
}

/// Runs `spec` on the GPU of `ctx`.
pub fn run(
    ctx: &GpuContext,
    spec: &EnsembleSpec,
    protocol: &dyn Protocol,
) -> Result<EnsembleResult> {
    spec.validate()?;
    let coeff = StepCoefficients::new(&spec.oscillator, spec.scheme, spec.dt);
    let spread = initial_spread(&spec.oscillator, protocol)?;
    let records = spec.records();
    let n_groups = spec.trajectories.div_ceil(WORKGROUP);
    let (bins, slot_of) = histogram_slots(spec);
    let partials_size = (records * n_groups * SUMS * 4) as u64;
    check_partials_fit(ctx, partials_size, records, n_groups)?;
    let kernel = Kernel::new(ctx, spec, partials_size);
    let base = base_params(spec, &coeff, spread, bins, n_groups);

    let start = std::time::Instant::now();
    kernel.dispatch_records(ctx, spec, protocol, &coeff, &base, &slot_of)?;
    let partial_bytes = read_back(ctx, &kernel.partials)?;
    let elapsed = start.elapsed().as_secs_f64();
    let hist_bytes = read_back(ctx, &kernel.hist)?;

    let sums = sum_partials(bytemuck::cast_slice(&partial_bytes), records, n_groups);
    let counts: Vec<u64> = bytemuck::cast_slice::<u8, u32>(&hist_bytes)[..histogram_len(spec)]
        .iter()
        .map(|&c| u64::from(c))
        .collect();
    let execution = Execution {
        backend: "gpu".into(),
        device: format!("{} ({})", ctx.adapter_name, ctx.backend),
        elapsed_s: elapsed,
        trajectory_steps_per_second: spec.trajectories as f64 * spec.steps as f64 / elapsed,
    };
    Ok(assemble(spec, execution, &sums, &counts))
}

/// Refuses a reduction buffer (one row of `SUMS` f32 per record and workgroup) the device cannot bind.
fn check_partials_fit(
    ctx: &GpuContext,
    partials_size: u64,
    records: usize,
    n_groups: usize,
) -> Result<()> {
    let limit = ctx
        .device
        .limits()
        .max_storage_buffer_binding_size
        .min(ctx.device.limits().max_buffer_size);
    if partials_size > limit {
        bail!(
            "the GPU ensemble's reduction buffer ({partials_size} bytes for {records} records × {n_groups} workgroups) exceeds the \
             device limit of {limit} bytes: record less often (larger record_every) or use fewer trajectories"
        );
    }
    Ok(())
}

/// The `advance` pipeline with its buffers, bound in the shader's binding order.
struct Kernel {
    pipeline: wgpu::ComputePipeline,
    bind_group: wgpu::BindGroup,
    params: wgpu::Buffer,
    /// √T at each step of one record interval (the protocol's temperature, from the host in f64).
    sqrt_t: wgpu::Buffer,
    /// One row of `SUMS` f32 per record and workgroup.
    partials: wgpu::Buffer,
    hist: wgpu::Buffer,
}

impl Kernel {
    fn new(ctx: &GpuContext, spec: &EnsembleSpec, partials_size: u64) -> Kernel {
        let module = ctx
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("ensemble_langevin"),
                source: wgpu::ShaderSource::Wgsl(
                    include_str!("../../shaders/ensemble_langevin.wgsl").into(),
                ),
            });
        let pipeline = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("ensemble advance"),
                layout: None,
                module: &module,
                entry_point: Some("advance"),
                compilation_options: Default::default(),
                cache: None,
            });
        let params = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("ensemble params"),
            size: std::mem::size_of::<Params>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let state = storage(
            ctx,
            "ensemble state",
            (spec.trajectories * 16) as u64,
            wgpu::BufferUsages::empty(),
        );
        let sqrt_t = storage(
            ctx,
            "ensemble sqrt(T)",
            (spec.record_every * 4) as u64,
            wgpu::BufferUsages::COPY_DST,
        );
        let partials = storage(
            ctx,
            "ensemble partials",
            partials_size,
            wgpu::BufferUsages::COPY_SRC,
        );
        let hist = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("ensemble heat histogram"),
                contents: bytemuck::cast_slice(&vec![0u32; histogram_len(spec).max(1)]),
                usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            });
        let entries: Vec<wgpu::BindGroupEntry> = [&params, &state, &sqrt_t, &partials, &hist]
            .into_iter()
            .zip(0..)
            .map(|(buffer, binding)| wgpu::BindGroupEntry {
                binding,
                resource: buffer.as_entire_binding(),
            })
            .collect();
        let bind_group = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("ensemble"),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &entries,
        });
        Kernel {
            pipeline,
            bind_group,
            params,
            sqrt_t,
            partials,
            hist,
        }
    }

    /// One dispatch per record: record 0 only initialises and reduces, each later one first advances
    /// `record_every` steps with that interval's √T.
    fn dispatch_records(
        &self,
        ctx: &GpuContext,
        spec: &EnsembleSpec,
        protocol: &dyn Protocol,
        coeff: &StepCoefficients,
        base: &Params,
        slot_of: &[Option<usize>],
    ) -> Result<()> {
        for (r, slot) in slot_of.iter().enumerate() {
            let steps = if r == 0 { 0 } else { spec.record_every };
            let step0 = r.saturating_sub(1) * spec.record_every;
            let p = Params {
                steps: steps as u32,
                step0: step0 as u32,
                record: r as u32,
                init: u32::from(r == 0),
                hist_slot: slot.map_or(u32::MAX, |s| s as u32),
                ..*base
            };
            ctx.queue
                .write_buffer(&self.params, 0, bytemuck::bytes_of(&p));
            if steps > 0 {
                let values: Vec<f32> = sqrt_temperatures(protocol, coeff, spec.dt, step0, steps)?
                    .into_iter()
                    .map(|v| v as f32)
                    .collect();
                ctx.queue
                    .write_buffer(&self.sqrt_t, 0, bytemuck::cast_slice(&values));
            }
            let mut encoder = ctx
                .device
                .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                    label: Some("ensemble step"),
                });
            {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("ensemble advance"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&self.pipeline);
                pass.set_bind_group(0, &self.bind_group, &[]);
                pass.dispatch_workgroups(base.n_groups, 1, 1);
            }
            ctx.queue.submit([encoder.finish()]);
            // Bound the queue's backlog of staged uniform writes on long runs.
            if r % 64 == 63 {
                ctx.device
                    .poll(wgpu::PollType::wait_indefinitely())
                    .map_err(|e| anyhow!("waiting for the GPU ensemble: {e}"))?;
            }
        }
        Ok(())
    }
}

/// The parameters every dispatch shares: the step matrices in f32, the seed, the histogram binning and the
/// initial spread `(sx0, sv0)` of [`initial_spread`]; the per-record fields are zero here.
fn base_params(
    spec: &EnsembleSpec,
    coeff: &StepCoefficients,
    (sx0, sv0): (f64, f64),
    bins: usize,
    n_groups: usize,
) -> Params {
    let osc = spec.oscillator;
    let (q_min, inv_width) = spec.histogram.as_ref().map_or((0.0, 0.0), |h| {
        (h.q_min, h.bins as f64 / (h.q_max - h.q_min))
    });
    Params {
        n_traj: spec.trajectories as u32,
        steps: 0,
        step0: 0,
        record: 0,
        seed_lo: spec.seed as u32,
        seed_hi: (spec.seed >> 32) as u32,
        hist_slot: u32::MAX,
        hist_bins: bins as u32,
        m00: coeff.m[0][0] as f32,
        m01: coeff.m[0][1] as f32,
        m10: coeff.m[1][0] as f32,
        m11: coeff.m[1][1] as f32,
        l00: coeff.l[0][0] as f32,
        l10: coeff.l[1][0] as f32,
        l11: coeff.l[1][1] as f32,
        half_k: (0.5 * osc.stiffness) as f32,
        half_m: (0.5 * osc.mass) as f32,
        hist_min: q_min as f32,
        hist_inv_width: inv_width as f32,
        init: 1,
        sx0: sx0 as f32,
        sv0: sv0 as f32,
        n_groups: n_groups as u32,
        pad: 0,
    }
}

/// Folds the workgroups' f32 rows into f64 sums per record and batch (workgroup g feeds batch g mod
/// `BATCHES`), so no long f32 sum forms.
fn sum_partials(partials: &[f32], records: usize, n_groups: usize) -> Vec<[f64; SUMS]> {
    let mut sums = vec![[0.0f64; SUMS]; records * BATCHES];
    for r in 0..records {
        for g in 0..n_groups {
            let row = &partials[(r * n_groups + g) * SUMS..(r * n_groups + g + 1) * SUMS];
            let target = &mut sums[r * BATCHES + g % BATCHES];
            for (t, &v) in target.iter_mut().zip(row) {
                *t += f64::from(v);
            }
        }
    }
    sums
}
