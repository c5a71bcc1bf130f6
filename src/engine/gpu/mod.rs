//! The GPU engine: the whole MD step of [`crate::engine::cpu::CpuEngine`] in WGSL (shaders/md_*.wgsl),
//! state resident on the GPU in f32, many steps recorded per submit; the host reads back only at sampling
//! points and checkpoints.
//!
//! Ledger: the GPU sums each step's heat, work, impulse and Δη into Kahan-compensated f32 increments, which
//! the host folds into its f64 accumulators (and zeroes on the GPU) only at points fixed by the step count:
//! every [`FOLD_STEPS`] steps, at `zero_ledger` and at `state` (checkpoints). `observe` adds the increments
//! to a copy of the totals and stores nothing beyond a fold already due at its step (which the next advance
//! would otherwise make from the same state), so the trajectory and every heat.csv byte are independent of
//! how often it is called.
//!
//! Replicas: one engine holds R systems of the same atom count and geometry (R = 1 for a single run) and
//! advances any subset of them in the same dispatches (y = replica, `crate::engine::batch`). What replicas may
//! differ in (seeds, κ, bath temperatures and thermostats) lives in each one's scalar and flag blocks, never
//! in the compiled constants, so a replica runs exactly the arithmetic of the single run of its scenario: its
//! heat.csv is byte-identical to that run's (tests/gpu_batch.rs).
//!
//! Precision: positions are absolute f32 (ulp 4e-6 Å at 36 Å, 1.5e-5 Å at 220 Å); body centres are stored as
//! displacements from the trap centre, so the controller sees X with f32 relative precision. Chain positions
//! η grow without bound over a run, so the GPU keeps only their increments (Kahan) and the host holds η in f64.

pub mod bench;
#[cfg(test)]
mod conformance;
#[cfg(test)]
mod contract;
mod kernels;
#[cfg(test)]
mod list_safety;
mod prelude;

use super::batch::BatchEngine;
use super::baths::Baths;
use super::{Accumulators, Engine, Measurement, Observation, State};
use crate::gpu::GpuContext;
use crate::physics::controller::Controller;
use crate::physics::lj::PairTable;
use crate::physics::thermostat::NoseHooverChain;
use crate::scenario::Scenario;
use crate::system::{build::wrap, Group, RigidBody, System};
use crate::units::MVV2E;
use anyhow::{anyhow, bail, Result};
use glam::{DQuat, DVec3};
use kernels::{Grid, Init, Kernels, Opening};
use prelude::*;

pub use kernels::Stage;

/// The host folds the GPU's f32 ledger increments into its f64 totals at the end of every advance that
/// crosses a multiple of this many steps (counted from step 0, so a resumed run folds where an uninterrupted
/// one does): an f32 Kahan increment then never sums more than about this many steps (1 ps at 1 fs). The
/// fold's readback waits for the GPU, so it is done when the next advance starts (or by `state`), leaving
/// the advance itself free of waits.
const FOLD_STEPS: u64 = 1000;

/// Steps recorded into one command buffer: long enough that submit overhead vanishes, short enough that the
/// GPU starts while the host records the rest.
const STEPS_PER_SUBMIT: u64 = 128;

/// Neighbour slots per atom: the largest count at the start times this, plus a margin.
const LIST_HEADROOM: f64 = 1.5;
const LIST_MARGIN: u32 = 32;

/// Neighbour slots per atom of the first build, which only measures the densest neighbourhood (build_list
/// counts every neighbour but stores at most this many; the list is then built again at the measured size), so
/// the adapter's buffer limit is checked against the list actually needed.
const INITIAL_CAPACITY: u32 = TPA;

/// Storage buffers the kernel binding the most binds (the force kernels; each kernel binds only what it uses).
const STORAGE_BUFFERS: u32 = 10;

pub struct GpuEngine {
    ctx: GpuContext,
    k: Kernels,
    lay: Layout,
    /// Atoms per replica.
    n: usize,
    groups: Vec<Group>,
    box_a: DVec3,
    group_mass: [f64; Group::COUNT],
    /// The timestep, ps, that turns steps into the time of the baths' targets T(t).
    dt: f64,
    walls: bool,
    container: f64,
    reps: Vec<Replica>,
    /// Which replicas the F_ACTIVE words on the GPU let move (as last written by the host).
    active: Vec<bool>,
    /// Whether replica r's pair energies on the GPU are those of its current positions.
    energy_fresh: Vec<bool>,
    list_capacity: u32,
}

/// The host side of one replica.
struct Replica {
    baths: Baths,
    ctrl: Controller,
    params: ReplicaParams,
    /// Constants of the bodies, and their state as of the last readback.
    bodies: Vec<RigidBody>,
    /// η in f64 (host), η̇ and η̈ as of the last readback.
    chains: [Option<NoseHooverChain>; 2],
    acc: Accumulators,
    step: u64,
    /// The last advance crossed a fold point and the ledger has not been folded since.
    fold_due: bool,
}

/// What one readback of a replica returns (`pos` and `vel` empty when only the scalars were read).
struct Snapshot {
    pos: Vec<[f32; 4]>,
    vel: Vec<[f32; 4]>,
    scalars: Vec<f32>,
    /// The replica's flag words (`F_*`).
    flags: Vec<u32>,
    energy: Option<Vec<f32>>,
}

/// The host's ledger totals, chains and bodies at a readback (see [`GpuEngine::current`]).
struct Current {
    acc: Accumulators,
    chains: [Option<NoseHooverChain>; 2],
    bodies: Vec<RigidBody>,
}

fn to4(v: DVec3, w: f32) -> [f32; 4] {
    [v.x as f32, v.y as f32, v.z as f32, w]
}

fn dvec(p: &[f32; 4]) -> DVec3 {
    DVec3::new(p[0] as f64, p[1] as f64, p[2] as f64)
}

/// Refuses replicas that cannot share one compiled engine, naming the first constant that differs.
fn check_shareable(scs: &[&Scenario], syss: &[&System], lay: &Layout, consts: &str) -> Result<()> {
    for (r, (sc, sys)) in scs.iter().zip(syss).enumerate().skip(1) {
        if sys.len() != syss[0].len() || sys.bodies.len() != syss[0].bodies.len() {
            bail!(
                "replica {r} has {} atoms and {} bodies, replica 0 {} and {}: replicas of one batch must have \
                 the same atom counts (cold/hot argon, walls, particles)",
                sys.len(),
                sys.bodies.len(),
                syss[0].len(),
                syss[0].bodies.len()
            );
        }
        let mine = wgsl_constants(sc, sys, lay, scs.len());
        if let Some((a, b)) = consts.lines().zip(mine.lines()).find(|(a, b)| a != b) {
            bail!(
                "replica {r} cannot share a batch with replica 0: they differ in `{}` (replica 0: `{a}`, replica \
                 {r}: `{b}`); replicas may differ in seeds, controller (κ, κ_C, κ_H, drag) and bath temperatures \
                 and thermostats, but must share geometry, masses, potential and timestep",
                a.split(':').next().unwrap_or(a).trim_start_matches("const "),
            );
        }
    }
    Ok(())
}

/// Refuses an adapter that cannot run the kernels for `replicas` replicas of `atoms` atoms.
fn check_adapter(ctx: &GpuContext, replicas: usize, atoms: usize) -> Result<()> {
    let limits = ctx.device.limits();
    if limits.max_storage_buffers_per_shader_stage < STORAGE_BUFFERS {
        bail!(
            "GPU adapter {:?} ({}) allows {} storage buffers per shader stage, the GPU engine needs {}: use a \
             Vulkan adapter (WGPU_BACKEND=vulkan) or --backend cpu",
            ctx.adapter_name,
            ctx.backend,
            limits.max_storage_buffers_per_shader_stage,
            STORAGE_BUFFERS
        );
    }
    if replicas as u32 > limits.max_compute_workgroups_per_dimension {
        bail!(
            "{replicas} replicas exceed the {} workgroups per dispatch dimension of adapter {:?}",
            limits.max_compute_workgroups_per_dimension,
            ctx.adapter_name
        );
    }
    check_list_fits(ctx, replicas * atoms, INITIAL_CAPACITY)
}

/// The kernels and buffers for `grid`, compiled with the constants `consts` of scenario `sc`; a shader or
/// pipeline the adapter rejects is an error (wgpu's default would panic).
fn compile(
    ctx: &GpuContext,
    consts: &str,
    sc: &Scenario,
    sys: &System,
    lay: &Layout,
    grid: Grid,
) -> Result<Kernels> {
    let coef = coef_table(&PairTable::new(&sc.potential));
    let bcoord: Vec<[f32; 4]> = sys
        .bodies
        .iter()
        .flat_map(|b| b.body_coords.iter().map(|c| to4(*c, 0.0)))
        .collect();
    let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let kernels = Kernels::new(
        ctx,
        consts,
        &Init {
            bcoord: &bcoord,
            scalars: lay.len,
            coef: &coef,
            cells: cell_grid(sc, sys.box_a).iter().product::<u32>(),
            list_capacity: INITIAL_CAPACITY,
        },
        grid,
    );
    if let Some(err) = pollster::block_on(scope.pop()) {
        bail!(
            "GPU adapter {:?} ({}) rejected the MD kernels: {err}",
            ctx.adapter_name,
            ctx.backend
        );
    }
    Ok(kernels)
}

impl Replica {
    fn new(sc: &Scenario, sys: &System) -> Replica {
        let baths = Baths::new(sc, sys);
        Replica {
            chains: baths.chains(sc),
            baths,
            ctrl: Controller::new(&sc.controller),
            params: replica_params(sc, sys),
            bodies: sys.bodies.clone(),
            acc: Accumulators::default(),
            step: 0,
            fold_due: false,
        }
    }
}

/// Refuses a neighbour list of `capacity` slots for each of `atoms` atoms (all replicas) that one storage
/// buffer of the adapter cannot hold.
fn check_list_fits(ctx: &GpuContext, atoms: usize, capacity: u32) -> Result<()> {
    let bytes = 4 * atoms as u64 * capacity as u64;
    let limit = ctx.device.limits().max_storage_buffer_binding_size;
    if limit < bytes {
        bail!(
            "{atoms} atoms (all replicas) with {capacity} neighbour slots each need a {} MiB neighbour list, more \
             than the {} MiB one buffer may hold on adapter {:?}: simulate fewer atoms or replicas, or use another \
             adapter",
            bytes >> 20,
            limit >> 20,
            ctx.adapter_name
        );
    }
    Ok(())
}

impl GpuEngine {
    /// Uploads the system's start state, builds the neighbour list and computes the first forces.
    pub fn new(sc: &Scenario, sys: &System, ctx: GpuContext) -> Result<GpuEngine> {
        GpuEngine::with_replicas(&[sc], &[sys], ctx)
    }

    /// An engine of R = `scs.len()` replicas, replica r the system `syss[r]` of scenario `scs[r]`, each started
    /// from its system's start state (as [`GpuEngine::new`] starts a single run).
    pub fn with_replicas(
        scs: &[&Scenario],
        syss: &[&System],
        ctx: GpuContext,
    ) -> Result<GpuEngine> {
        if scs.is_empty() || scs.len() != syss.len() {
            bail!(
                "a GPU engine needs at least one replica, and one system per scenario ({} scenarios, {} systems)",
                scs.len(),
                syss.len()
            );
        }
        let (sc, sys) = (scs[0], syss[0]);
        let replicas = scs.len();
        let lay = Layout::covering(scs);
        let consts = wgsl_constants(sc, sys, &lay, replicas);
        check_shareable(scs, syss, &lay, &consts)?;
        check_adapter(&ctx, replicas, sys.len())?;
        let nbath = sys.ranges[Group::HotBath as usize].end;
        let grid = Grid {
            replicas: replicas as u32,
            atoms: sys.len() as u32,
            bath_wg: nbath.div_ceil(256) as u32,
            partials: partials(nbath),
        };
        let mut e = GpuEngine {
            k: compile(&ctx, &consts, sc, sys, &lay, grid)?,
            ctx,
            lay,
            n: sys.len(),
            groups: sys.groups.clone(),
            box_a: sys.box_a,
            group_mass: sys.group_mass,
            dt: sc.dt_ps(),
            walls: sc.geometry.walls,
            container: sc.geometry.container_length_a,
            reps: scs
                .iter()
                .zip(syss)
                .map(|(sc, sys)| Replica::new(sc, sys))
                .collect(),
            active: vec![false; replicas],
            energy_fresh: vec![false; replicas],
            list_capacity: INITIAL_CAPACITY,
        };
        e.start(syss)?;
        Ok(e)
    }

    /// Uploads every replica's start state; sizes the neighbour list from the densest start neighbourhood of
    /// any replica, then builds them all again at that size.
    fn start(&mut self, syss: &[&System]) -> Result<()> {
        let starts: Vec<State> = syss
            .iter()
            .zip(&self.reps)
            .map(|(sys, rep)| {
                State::new(
                    0,
                    sys.positions.clone(),
                    sys.velocities.clone(),
                    &sys.bodies,
                    rep.chains.clone(),
                    Accumulators::default(),
                )
            })
            .collect();
        let mut most = 0;
        for (r, start) in starts.iter().enumerate() {
            self.restore_replica(r, start)?;
            most = most.max(self.read(r, false, false)?.flags[F_MAXN]);
        }
        let capacity =
            ((most as f64 * LIST_HEADROOM).ceil() as u32 + LIST_MARGIN).next_multiple_of(TPA);
        check_list_fits(&self.ctx, self.reps.len() * self.n, capacity)?;
        self.list_capacity = capacity;
        self.k.resize_list(&self.ctx.device, capacity);
        for (r, start) in starts.iter().enumerate() {
            self.restore_replica(r, start)?;
        }
        Ok(())
    }

    /// Adapter name and backend.
    pub fn adapter(&self) -> (&str, &str) {
        (&self.ctx.adapter_name, &self.ctx.backend)
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// Number of replicas.
    pub fn replicas(&self) -> usize {
        self.reps.len()
    }

    /// Neighbour-list builds of replica `r` since it was created or restored.
    pub fn list_builds(&mut self, r: usize) -> Result<u64> {
        Ok(self.read(r, false, false)?.flags[F_BUILDS] as u64)
    }

    /// Bytes of GPU memory held by this engine's buffers (all replicas).
    pub fn gpu_bytes(&self) -> u64 {
        let b = &self.k.buf;
        b.bound().iter().chain([&&b.args]).map(|x| x.size()).sum()
    }

    fn submit(&self, record: impl FnOnce(&mut wgpu::ComputePass)) {
        self.ctx.queue.submit([self.encode(record)]);
    }

    /// Makes the F_ACTIVE words on the GPU say `which` (written before the next submit; only those that change).
    fn set_active(&mut self, which: &[bool]) {
        for (r, (&want, have)) in which.iter().zip(self.active.iter_mut()).enumerate() {
            if want != *have {
                self.ctx.queue.write_buffer(
                    &self.k.buf.flags,
                    4 * (r * FLAG_STRIDE + F_ACTIVE) as u64,
                    bytemuck::bytes_of(&u32::from(want)),
                );
                *have = want;
            }
        }
    }

    /// Only replica `r` active.
    fn only(&self, r: usize) -> Vec<bool> {
        (0..self.reps.len()).map(|q| q == r).collect()
    }

    /// Waits for all submitted work and copies replica `r`'s blocks back: its scalars and flags always, positions
    /// and velocities when `atoms`, pair energies when `energies` (computed first unless they already hold at
    /// these positions: one dispatch computes them for every replica that moved, so the replicas of a batch
    /// sampled at the same step share it).
    fn read(&mut self, r: usize, atoms: bool, energies: bool) -> Result<Snapshot> {
        let mut enc = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        if energies && !self.energy_fresh[r] {
            let mut with_r = self.active.clone();
            with_r[r] = true;
            self.set_active(&with_r);
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            self.k.record_energies(&mut pass);
            for (fresh, &on) in self.energy_fresh.iter_mut().zip(&with_r) {
                *fresh |= on;
            }
        }
        let b = &self.k.buf;
        let (n, r64) = (self.n as u64, r as u64);
        let (len, fs, ng) = (self.lay.len as u64, FLAG_STRIDE as u64, Group::COUNT as u64);
        let mut sources = vec![
            (&b.scalars, 4 * r64 * len, 4 * len),
            (&b.flags, 4 * r64 * fs, 4 * fs),
        ];
        if atoms {
            sources.extend([
                (&b.pos, 16 * r64 * n, 16 * n),
                (&b.vel, 16 * r64 * n, 16 * n),
            ]);
        }
        if energies {
            sources.push((&b.energy, 4 * ng * r64 * n, 4 * ng * n));
        }
        let bytes = self.copy_back(enc, &sources)?;
        let (pos, vel) = if atoms {
            (
                bytemuck::pod_collect_to_vec(&bytes[2]),
                bytemuck::pod_collect_to_vec(&bytes[3]),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(Snapshot {
            pos,
            vel,
            scalars: bytemuck::pod_collect_to_vec(&bytes[0]),
            flags: bytemuck::pod_collect_to_vec(&bytes[1]),
            energy: energies.then(|| bytemuck::pod_collect_to_vec(&bytes[bytes.len() - 1])),
        })
    }

    /// Records copies of the (buffer, offset, bytes) `sources` after what `enc` holds, submits, waits for the
    /// GPU and returns their bytes.
    fn copy_back(
        &self,
        mut enc: wgpu::CommandEncoder,
        sources: &[(&wgpu::Buffer, u64, u64)],
    ) -> Result<Vec<Vec<u8>>> {
        let dev = &self.ctx.device;
        let staging: Vec<wgpu::Buffer> = sources
            .iter()
            .map(|(src, offset, size)| {
                let dst = dev.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("readback"),
                    size: *size,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                enc.copy_buffer_to_buffer(src, *offset, &dst, 0, *size);
                dst
            })
            .collect();
        self.ctx.queue.submit([enc.finish()]);
        // A failed mapping surfaces as an error from get_mapped_range below.
        for s in &staging {
            s.slice(..).map_async(wgpu::MapMode::Read, |_| ());
        }
        dev.poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| anyhow!("waiting for the GPU failed: {e}"))?;
        staging
            .iter()
            .map(|s| {
                let v = s
                    .slice(..)
                    .get_mapped_range()
                    .map_err(|e| anyhow!("reading back from the GPU failed: {e}"))?
                    .to_vec();
                s.unmap();
                Ok(v)
            })
            .collect()
    }

    /// Folds the ledgers of the replicas in `active` whose fold is due, from one readback of every replica's
    /// scalars and flags (not one wait per replica).
    fn fold_due(&mut self, active: &[bool]) -> Result<()> {
        let due: Vec<usize> = (0..self.reps.len())
            .filter(|&r| active[r] && self.reps[r].fold_due)
            .collect();
        if due.is_empty() {
            return Ok(());
        }
        let enc = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        let b = &self.k.buf;
        let bytes = self.copy_back(
            enc,
            &[
                (&b.scalars, 0, b.scalars.size()),
                (&b.flags, 0, b.flags.size()),
            ],
        )?;
        let scalars: Vec<f32> = bytemuck::pod_collect_to_vec(&bytes[0]);
        let flags: Vec<u32> = bytemuck::pod_collect_to_vec(&bytes[1]);
        let len = self.lay.len;
        for r in due {
            let snap = Snapshot {
                pos: Vec::new(),
                vel: Vec::new(),
                scalars: scalars[r * len..(r + 1) * len].to_vec(),
                flags: flags[r * FLAG_STRIDE..(r + 1) * FLAG_STRIDE].to_vec(),
                energy: None,
            };
            self.fold(r, &snap);
        }
        Ok(())
    }

    /// Replica `r`'s host view at a readback, computed without storing anything: its f64 totals plus the
    /// GPU's unfolded Kahan increments (sum − compensation), chain η likewise, and the bodies' and chains'
    /// momenta as read back.
    fn current(&self, r: usize, snap: &Snapshot) -> Current {
        let rep = &self.reps[r];
        let s = &snap.scalars;
        let l = self.lay;
        let kahan = |o: usize| s[o] as f64 - s[o + 1] as f64;
        let mut acc = rep.acc.clone();
        let mut chains = rep.chains.clone();
        for b in 0..2 {
            acc.thermostat_heat[b] += kahan(l.l_heat + 2 * b);
            let w = kahan(l.l_work + 2 * b);
            acc.work[b] += w;
            acc.work_since_start += w;
            acc.particle_heat[b] += kahan(l.l_pheat + 2 * b);
            if let Some(c) = chains[b].as_mut() {
                for j in 0..c.eta.len() {
                    c.eta[j] += kahan(l.l_deta + 2 * (b * l.mch + j));
                    c.eta_dot[j] = s[l.ch + b * l.cs + j] as f64;
                    c.eta_dotdot[j] = s[l.ch + b * l.cs + l.mch + j] as f64;
                }
            }
        }
        acc.controller_impulse +=
            DVec3::new(kahan(l.l_imp), kahan(l.l_imp + 2), kahan(l.l_imp + 4));
        let mut bodies = rep.bodies.clone();
        for (k, body) in bodies.iter_mut().enumerate() {
            let o = k * BODY_STRIDE;
            let v =
                |i: usize| DVec3::new(s[o + i] as f64, s[o + i + 1] as f64, s[o + i + 2] as f64);
            body.com = body.trap_center + v(B_X);
            body.vcom = v(B_V);
            let q = &s[o + B_Q..o + B_Q + 4];
            body.quat = DQuat::from_xyzw(q[1] as f64, q[2] as f64, q[3] as f64, q[0] as f64);
            body.angmom = v(B_L);
        }
        Current {
            acc,
            chains,
            bodies,
        }
    }

    /// Folds replica `r`'s GPU ledger into its f64 accumulators and chain η, takes its bodies' and chains'
    /// state from the snapshot, and zeroes its GPU ledger. Called only at points fixed by the step count.
    fn fold(&mut self, r: usize, snap: &Snapshot) {
        let Current {
            acc,
            chains,
            bodies,
        } = self.current(r, snap);
        let rep = &mut self.reps[r];
        rep.acc = acc;
        rep.chains = chains;
        rep.bodies = bodies;
        rep.fold_due = false;
        let l = self.lay;
        let zeros = vec![0f32; l.len - l.l_heat];
        self.ctx.queue.write_buffer(
            &self.k.buf.scalars,
            4 * (r * l.len + l.l_heat) as u64,
            bytemuck::cast_slice(&zeros),
        );
    }

    fn bath_ke(&self, vel: &[[f32; 4]], b: usize) -> f64 {
        0.5 * self.group_mass[b]
            * MVV2E
            * vel[self.reps[0].baths.ranges[b].clone()]
                .iter()
                .map(|v| dvec(v).length_squared())
                .sum::<f64>()
    }

    /// Errors out when replica `r` has blown up (the CPU engine's checks and messages), or when its neighbour
    /// list overflowed.
    fn check_sane(&self, r: usize, snap: &Snapshot, bodies: &[RigidBody]) -> Result<()> {
        if snap.flags[F_MAXN] > self.list_capacity {
            bail!(
                "an atom had {} neighbours within r_c + skin, more than the {} the GPU list holds (sized from the \
                 start configuration): the density collapsed locally, so the run blew up",
                snap.flags[F_MAXN],
                self.list_capacity
            );
        }
        super::observe::check_sane(
            self.reps[r].step,
            &self.reps[r].baths.ranges,
            self.walls,
            self.container,
            |i| dvec(&snap.pos[i]),
            |i| dvec(&snap.vel[i]),
            bodies,
        )
    }

    fn encode(&self, record: impl FnOnce(&mut wgpu::ComputePass)) -> wgpu::CommandBuffer {
        let mut enc = self
            .ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        {
            let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            record(&mut pass);
        }
        enc.finish()
    }

    /// Records and submits `steps` steps without waiting. Recording (wgpu's validation and barrier
    /// tracking, ~8 µs per dispatch) costs more host time than the GPU needs for a step, so chunks of
    /// STEPS_PER_SUBMIT steps are recorded on several threads at once and submitted in order.
    fn record_advance(&self, steps: u64) {
        self.encode_steps(steps, |buffers| {
            self.ctx.queue.submit(buffers);
        });
    }

    /// Records `steps` steps as command buffers, handing each batch to `sink` in order.
    fn encode_steps(&self, steps: u64, mut sink: impl FnMut(Vec<wgpu::CommandBuffer>)) {
        let chunks: Vec<(u64, Opening, bool)> = (0..steps.div_ceil(STEPS_PER_SUBMIT))
            .map(|c| {
                let lo = c * STEPS_PER_SUBMIT;
                let len = STEPS_PER_SUBMIT.min(steps - lo);
                let first = if c == 0 {
                    Opening::Start
                } else {
                    Opening::EndStart
                };
                (len, first, lo + len == steps)
            })
            .collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        for batch in chunks.chunks(threads) {
            let buffers: Vec<wgpu::CommandBuffer> = std::thread::scope(|scope| {
                let handles: Vec<_> = batch
                    .iter()
                    .map(|&(len, first, last)| {
                        scope.spawn(move || {
                            self.encode(|pass| {
                                self.k.record_steps(pass, len, first);
                                if last {
                                    self.k.record_close(pass);
                                }
                            })
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a command-recording thread panicked"))
                    .collect()
            });
            sink(buffers);
        }
    }
}

/// The per-replica operations behind [`Engine`] (replica 0 of a single run) and [`BatchEngine`].
impl GpuEngine {
    /// Advances the replicas with `active[r]` by `steps` steps in the same dispatches; the others stay frozen.
    fn advance_replicas(&mut self, active: &[bool], steps: u64) -> Result<()> {
        if active.len() != self.reps.len() {
            bail!(
                "advance names {} replicas, the engine holds {}",
                active.len(),
                self.reps.len()
            );
        }
        self.fold_due(active)?;
        if steps == 0 || !active.contains(&true) {
            return Ok(());
        }
        self.set_active(active);
        self.record_advance(steps);
        for (fresh, _) in self.energy_fresh.iter_mut().zip(active).filter(|(_, &a)| a) {
            *fresh = false;
        }
        for (rep, _) in self.reps.iter_mut().zip(active).filter(|(_, &a)| a) {
            let before = rep.step;
            rep.step += steps;
            rep.fold_due = before / FOLD_STEPS != rep.step / FOLD_STEPS;
        }
        Ok(())
    }

    fn observe_replica(&mut self, r: usize) -> Result<Observation> {
        let snap = self.read(r, true, true)?;
        let now = self.current(r, &snap);
        self.check_sane(r, &snap, &now.bodies)?;
        // A fold that is due (set by the step count alone) is done from this snapshot rather than by a second
        // blocking read at the next advance: same step, same values, one GPU idle fewer per sample.
        if self.reps[r].fold_due {
            self.fold(r, &snap);
        }
        let e = snap.energy.as_ref().expect("energies were requested");
        // pair[a][b]: LJ energy of all pairs between groups a and b. The full list holds each pair from both
        // sides, except that walls (immobile) keep no list, so wall pairs count twice from the other side.
        let mut side = [[0.0f64; Group::COUNT]; Group::COUNT];
        for i in 0..self.n {
            let g = self.groups[i] as usize;
            for h in 0..Group::COUNT {
                side[g][h] += e[Group::COUNT * i + h] as f64;
            }
        }
        let wall = Group::Wall as usize;
        let pair = |a: Group, b: Group| {
            let (a, b) = (a as usize, b as usize);
            if a == b {
                side[a][a]
            } else if a == wall {
                2.0 * side[b][a]
            } else if b == wall {
                2.0 * side[a][b]
            } else {
                side[a][b] + side[b][a]
            }
        };
        let mut pair_energy = [[0.0; Group::COUNT]; Group::COUNT];
        for a in Group::ALL {
            for b in Group::ALL {
                pair_energy[a as usize][b as usize] = pair(a, b);
            }
        }
        let rep = &self.reps[r];
        Observation::assemble(Measurement {
            step: rep.step,
            pair_energy,
            bath_kinetic: [self.bath_ke(&snap.vel, 0), self.bath_ke(&snap.vel, 1)],
            bath_momentum: [0, 1].map(|b| {
                self.group_mass[b]
                    * snap.vel[rep.baths.ranges[b].clone()]
                        .iter()
                        .map(dvec)
                        .sum::<DVec3>()
            }),
            ndof: rep.baths.ndof,
            bodies: &now.bodies,
            controller: &rep.ctrl,
            chain_energy: rep
                .baths
                .chain_energy(&now.chains, rep.step as f64 * self.dt),
            acc: &now.acc,
        })
    }

    fn zero_ledger_replica(&mut self, r: usize) -> Result<()> {
        let snap = self.read(r, false, false)?;
        self.fold(r, &snap);
        self.reps[r].acc.zero_ledger();
        Ok(())
    }

    fn state_replica(&mut self, r: usize) -> Result<State> {
        let snap = self.read(r, true, false)?;
        self.fold(r, &snap);
        let rep = &self.reps[r];
        self.check_sane(r, &snap, &rep.bodies)?;
        Ok(State::new(
            rep.step,
            snap.pos.iter().map(dvec).collect(),
            snap.vel.iter().map(dvec).collect(),
            &rep.bodies,
            rep.chains.clone(),
            rep.acc.clone(),
        ))
    }

    /// Writes replica `r`'s state (and its parameters) into its blocks, then builds its list and computes its
    /// forces with only it active.
    fn restore_replica(&mut self, r: usize, st: &State) -> Result<()> {
        let box_a = self.box_a;
        let rep = &mut self.reps[r];
        st.check_fits(self.n, rep.bodies.len())?;
        rep.step = st.step;
        rep.fold_due = false;
        rep.acc = st.accumulators.clone();
        self.energy_fresh[r] = false;
        rep.chains = st.chains.clone();
        let mut pos = st.positions.clone();
        for (b, bs) in rep.bodies.iter_mut().zip(&st.bodies) {
            bs.apply_to(b);
            for (i, off) in b.atoms.clone().zip(b.space_offsets()) {
                pos[i] = wrap(b.com + off, box_a);
            }
        }
        let pos4: Vec<[f32; 4]> = pos
            .iter()
            .zip(&self.groups)
            .map(|(p, g)| to4(*p, *g as u8 as f32))
            .collect();
        let vel4: Vec<[f32; 4]> = st.velocities.iter().map(|v| to4(*v, 0.0)).collect();
        let l = self.lay;
        let rep = &self.reps[r];
        let mut s = vec![0f32; l.len];
        for (k, b) in rep.bodies.iter().enumerate() {
            let o = k * BODY_STRIDE;
            let put = |s: &mut [f32], at: usize, v: DVec3| {
                s[at..at + 3].copy_from_slice(&[v.x as f32, v.y as f32, v.z as f32])
            };
            put(&mut s, o + B_X, b.com - b.trap_center);
            put(&mut s, o + B_V, b.vcom);
            s[o + B_Q..o + B_Q + 4].copy_from_slice(&[
                b.quat.w as f32,
                b.quat.x as f32,
                b.quat.y as f32,
                b.quat.z as f32,
            ]);
            put(&mut s, o + B_L, b.angmom);
        }
        for b in 0..2 {
            if let Some(c) = &rep.chains[b] {
                if c.eta.len() > l.mch {
                    bail!(
                        "checkpoint chain of {} thermostats does not match the scenario's {}",
                        c.eta.len(),
                        l.mch
                    );
                }
                for j in 0..c.eta.len() {
                    s[l.ch + b * l.cs + j] = c.eta_dot[j] as f32;
                    s[l.ch + b * l.cs + l.mch + j] = c.eta_dotdot[j] as f32;
                }
            }
            s[l.ke + b] = self.bath_ke(&vel4, b) as f32;
        }
        s[l.prm..l.prm + PRM_LEN].copy_from_slice(&rep.params.scalars);
        let mut flags = rep.params.flags;
        flags[F_CAP] = self.list_capacity;
        flags[F_CLOCK] = st.step as u32;
        flags[F_CLOCK + 1] = (st.step >> 32) as u32;
        flags[F_ACTIVE] = 1;
        self.active[r] = true;
        self.set_active(&self.only(r));
        let (n, q) = (self.n as u64, &self.ctx.queue);
        q.write_buffer(
            &self.k.buf.pos,
            16 * r as u64 * n,
            bytemuck::cast_slice(&pos4),
        );
        q.write_buffer(
            &self.k.buf.vel,
            16 * r as u64 * n,
            bytemuck::cast_slice(&vel4),
        );
        q.write_buffer(
            &self.k.buf.scalars,
            4 * (r * l.len) as u64,
            bytemuck::cast_slice(&s),
        );
        q.write_buffer(
            &self.k.buf.flags,
            4 * (r * FLAG_STRIDE) as u64,
            bytemuck::cast_slice(&flags),
        );
        self.k.request_rebuild(q, r);
        self.submit(|pass| self.k.record_refresh(pass));
        Ok(())
    }

    fn positions_replica(&mut self, r: usize) -> Result<Vec<DVec3>> {
        Ok(self.read(r, true, false)?.pos.iter().map(dvec).collect())
    }
}

/// A single run: replica 0 (an engine made by [`GpuEngine::new`] holds only it).
impl Engine for GpuEngine {
    fn describe(&self) -> String {
        format!(
            "gpu ({}, {}, f32 state, f64 host ledger)",
            self.ctx.adapter_name, self.ctx.backend
        )
    }

    fn adapter(&self) -> Option<String> {
        Some(self.ctx.adapter_name.clone())
    }

    fn driver(&self) -> Option<String> {
        Some(self.ctx.driver.clone())
    }

    fn advance(&mut self, steps: u64) -> Result<()> {
        self.advance_replicas(&self.only(0), steps)
    }

    fn observe(&mut self) -> Result<Observation> {
        self.observe_replica(0)
    }

    fn zero_ledger(&mut self) -> Result<()> {
        self.zero_ledger_replica(0)
    }

    fn state(&mut self) -> Result<State> {
        self.state_replica(0)
    }

    fn restore(&mut self, st: &State) -> Result<()> {
        self.restore_replica(0, st)
    }

    fn positions(&mut self) -> Result<Vec<DVec3>> {
        self.positions_replica(0)
    }
}

impl BatchEngine for GpuEngine {
    fn replicas(&self) -> usize {
        self.reps.len()
    }

    fn describe(&self) -> String {
        format!(
            "gpu ({}, {}, f32 state, f64 host ledger, {} replicas in the same dispatches)",
            self.ctx.adapter_name,
            self.ctx.backend,
            self.reps.len()
        )
    }

    fn adapter(&self) -> Option<String> {
        Some(self.ctx.adapter_name.clone())
    }

    fn driver(&self) -> Option<String> {
        Some(self.ctx.driver.clone())
    }

    fn advance(&mut self, active: &[bool], steps: u64) -> Result<()> {
        self.advance_replicas(active, steps)
    }

    fn observe(&mut self, r: usize) -> Result<Observation> {
        self.observe_replica(r)
    }

    fn zero_ledger(&mut self, r: usize) -> Result<()> {
        self.zero_ledger_replica(r)
    }

    fn state(&mut self, r: usize) -> Result<State> {
        self.state_replica(r)
    }

    fn restore(&mut self, r: usize, st: &State) -> Result<()> {
        self.restore_replica(r, st)
    }

    fn positions(&mut self, r: usize) -> Result<Vec<DVec3>> {
        self.positions_replica(r)
    }
}
