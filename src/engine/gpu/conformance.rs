//! Stage-level conformance of the WGSL MD step against the host physics it mirrors, the way OpenMM tests
//! each kernel against its Reference platform: a random but physical state (both baths thermostatted and
//! away from their targets, chains of unequal length in motion, both bodies rotated and hot, the controller
//! on with κ_C ≠ κ_H, a partial demon mask and a drag force) goes into the GPU buffers, ONE kernel runs, and
//! its outputs are compared with the f64 host function that is the reference, evaluated on the very f32
//! inputs the kernel saw. Several seeds per test.
//!
//! Stages and their references:
//! - `integrate1` (pending thermostat scale, first half kick, drift, body atoms placed): `CpuEngine::step_once`'s
//!   scale, kick and `wrap`, and `RigidBody::space_offsets`; `apply_scale` (the factor left pending at the
//!   end of an advance);
//! - the neighbour-list build (bin … build_list): an f64 all-pairs count within r_c + skin;
//! - `forces_kick` (LJ forces, second half kick, Σ|v|² partials): all pairs with `PairCoeff::eval` and
//!   `min_image` in f64, independent of the GPU's neighbour list;
//! - `body_forces` (force/torque reduction): `RigidBody::force_and_torque`;
//! - `scalar_start`: chain half steps (`NoseHooverChain::half_step`, thermostat heat K(1 − f²)) and the
//!   NO_SQUISH update with the controller force at the start (`RigidBody::initial_integrate`,
//!   `Controller::forces`);
//! - `scalar_end`: the body reduction again, final kick with controller force, controller work
//!   (`Controller::work`, seed 000 Eq. 19), particle heat (`rigid::interaction_work`), controller impulse,
//!   bath kinetic energy from the partials and the closing chain half step — every ledger increment;
//! - `energies` (per-atom pair energies by partner group, for `observe`): all pairs, ½ (φ(r) − φ(r_c));
//! - `scalar_end_start`, the fused kernel of every later step: `scalar_end` then `scalar_start`, with the two
//!   pending thermostat factors composed;
//! - the oscillating bath (`bath_target`, the fixed-point phase and the step clock in flags[4..6]): the
//!   chain half steps, their ledger and the fused kernel with T(t) = T₀ + A sin(2πt/P) on both baths at
//!   step counts near 2³¹, across and beyond 2³² and at a quarter period, against
//!   `TemperatureProtocol::at` at the exact step time (start of the step opening, end closing).
//!
//! Tolerances are derived from f32 rounding, not fitted: with unit roundoff u = 2⁻²⁴, each output may differ
//! from the exact f64 value by (number of roundings on its longest dependency path, counted generously) × u ×
//! (the sum of the magnitudes of the terms that enter it), so cancellation cannot hide behind a small result.
//! Transcendentals (exp, sin, cos) are allowed 8 u, the accuracy Vulkan drivers give for small arguments
//! (NVIDIA's fast sin/cos: 2⁻²¹·⁴ absolute). Every check logs its worst |Δ|/tolerance.

use super::kernels::{Kernels, Opening, Stage};
use super::prelude::*;
use super::GpuEngine;
use crate::engine::cpu::min_image;
use crate::engine::{Accumulators, BodyState, Engine, State};
use crate::gpu::GpuContext;
use crate::physics::controller::Controller;
use crate::physics::lj::PairTable;
use crate::physics::rigid::interaction_work;
use crate::physics::thermostat::{NoseHooverChain, TemperatureProtocol};
use crate::scenario::Scenario;
use crate::system::{build::wrap, build_system, Group, RigidBody, System};
use crate::units::{KB_EV_PER_K, MVV2E};
use glam::{DMat3, DQuat, DVec3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Unit roundoff of f32: 2⁻²⁴.
const U: f64 = f32::EPSILON as f64 / 2.0;

/// Seeds of the prepared states each test runs.
const SEEDS: [u64; 3] = [11, 12, 13];

/// Temperature of the bodies' random translation and rotation, K: hot enough that one 2 fs step turns a
/// body by ~5e-4 rad, so a wrong rotation is far above rounding.
const BODY_T: f64 = 3000.0;

/// small-heater shrunk to a 28 Å container (the smallest a 43-atom particle fits; ~1,070 atoms), 2 fs
/// steps, chains of length 3 and 4, demon on x and z only, a drag force on the hot particle.
fn conformance_scenario() -> Scenario {
    // Embedded, so the test binary runs anywhere (a lent GPU machine: scripts/gpu-conformance.sh).
    let mut v: serde_json::Value =
        serde_json::from_str(include_str!("../../../scenarios/small-heater.json")).expect("json");
    v["geometry"]["container_length_a"] = 28.0.into();
    for bath in ["cold", "hot"] {
        v[bath].as_object_mut().expect("bath").remove("argon_atoms");
    }
    v["hot"]["thermostat"]["chain_length"] = 4.into();
    v["hot"]["thermostat"]["damping_ps"] = 0.5.into();
    v["nanoparticle"]["atoms"] = 43.into();
    v["run"]["timestep_fs"] = 2.0.into();
    v["controller"]["demon_axes"] = serde_json::json!(["x", "z"]);
    v["controller"]["drag"] =
        serde_json::json!({"particle": "hot", "force_ev_per_a": [0.02, -0.01, 0.005]});
    Scenario::from_json(&v.to_string()).expect("the conformance scenario is valid")
}

/// The conformance scenario with both targets oscillating, T(t) = T₀ + A sin(2πt/P) (seed 002 in MD,
/// `small-oscillating.json`): periods that are no multiple of dt, so every step count has its own phase.
fn oscillating_scenario() -> Scenario {
    let mut v = serde_json::to_value(conformance_scenario()).expect("the scenario serialises");
    v["cold"]["oscillation"] = serde_json::json!({"amplitude_k": 35.0, "period_ps": 5.0});
    v["hot"]["oscillation"] = serde_json::json!({"amplitude_k": -40.0, "period_ps": 7.3});
    Scenario::from_json(&v.to_string()).expect("the oscillating conformance scenario is valid")
}

/// Completed-step counts at which the oscillating bath is checked: just below 2³¹ (top bit of the clock's
/// low word), 2³² − 1 (the closing half step's clock carries into the high word), 5·2³² + 1,234,567 (high
/// word > 1), and 2500·2²¹ + 625, where the cold bath (P = 2500 steps) stands at a quarter period.
const OSC_STEPS: [u64; 4] = [
    (1 << 31) - 1,
    (1 << 32) - 1,
    (5 << 32) + 1_234_567,
    2500 * (1 << 21) + 625,
];

fn gauss(rng: &mut ChaCha8Rng) -> DVec3 {
    let mut g = || StandardNormal.sample(&mut *rng);
    DVec3::new(g(), g(), g())
}

fn v3(s: &[f32], o: usize) -> DVec3 {
    DVec3::new(s[o] as f64, s[o + 1] as f64, s[o + 2] as f64)
}

fn quat(s: &[f32], o: usize) -> DQuat {
    DQuat::from_xyzw(
        s[o + 1] as f64,
        s[o + 2] as f64,
        s[o + 3] as f64,
        s[o] as f64,
    )
}

fn put3(s: &mut [f32], o: usize, v: DVec3) {
    s[o..o + 3].copy_from_slice(&[v.x as f32, v.y as f32, v.z as f32]);
}

/// The value of the Kahan pair at `o`.
fn kahan(s: &[f32], o: usize) -> f64 {
    s[o] as f64 - s[o + 1] as f64
}

/// The stage families of the scalar kernels, which run several at once: a test asserts the checks of its
/// own families, so a broken stage fails the test named after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Chain,
    Rigid,
    Reduction,
    Controller,
    Ledger,
}

/// Worst |Δ|/tolerance of each named quantity over a test, asserting each comparison it is asked for.
struct Worst {
    seen: Vec<(String, f64)>,
    /// Families whose tagged checks are asserted (untagged checks always are).
    active: Vec<Family>,
}

impl Worst {
    fn new() -> Worst {
        Worst::only(&[])
    }

    fn only(active: &[Family]) -> Worst {
        Worst {
            seen: Vec::new(),
            active: active.to_vec(),
        }
    }

    /// `check` when any of `tags` is active.
    fn check_in(&mut self, tags: &[Family], what: &str, seed: u64, gpu: f64, host: f64, tol: f64) {
        if tags.iter().any(|t| self.active.contains(t)) {
            self.check(what, seed, gpu, host, tol);
        }
    }

    fn check3_in(
        &mut self,
        tags: &[Family],
        what: &str,
        seed: u64,
        gpu: DVec3,
        host: DVec3,
        tol: f64,
    ) {
        for c in 0..3 {
            self.check_in(tags, what, seed, gpu[c], host[c], tol);
        }
    }

    fn check(&mut self, what: &str, seed: u64, gpu: f64, host: f64, tol: f64) {
        let dev = (gpu - host).abs();
        assert!(
            dev <= tol,
            "{what} (seed {seed}): gpu {gpu:e}, host {host:e}, |Δ| {dev:e} > tolerance {tol:e}"
        );
        let ratio = if tol > 0.0 { dev / tol } else { 0.0 };
        match self.seen.iter_mut().find(|(w, _)| w == what) {
            Some((_, r)) => *r = r.max(ratio),
            None => self.seen.push((what.to_string(), ratio)),
        }
    }

    fn check3(&mut self, what: &str, seed: u64, gpu: DVec3, host: DVec3, tol: f64) {
        for c in 0..3 {
            self.check(what, seed, gpu[c], host[c], tol);
        }
    }

    fn report(&self, test: &str) {
        for (what, r) in &self.seen {
            eprintln!("{test}: {what}: worst |Δ|/tolerance {r:.3}");
        }
    }
}

struct Harness {
    e: GpuEngine,
    sc: Scenario,
    sys: System,
    /// Steps completed in the prepared state (the thermostats' clock).
    step: u64,
}

impl Harness {
    fn new(test: &str) -> Option<Harness> {
        Harness::with(test, conformance_scenario())
    }

    fn with(test: &str, sc: Scenario) -> Option<Harness> {
        let ctx = GpuContext::for_test(test)?;
        let sys = build_system(&sc).expect("the conformance system builds");
        let e = GpuEngine::new(&sc, &sys, ctx).expect("the GPU engine starts");
        eprintln!("{test}: {} atoms on {}", sys.len(), e.ctx.adapter_name);
        Some(Harness {
            e,
            sc,
            sys,
            step: 0,
        })
    }

    fn dt(&self) -> f64 {
        self.sc.dt_ps()
    }

    fn protocol(&self, b: usize) -> TemperatureProtocol {
        TemperatureProtocol::new([&self.sc.cold, &self.sc.hot][b])
    }

    /// Bath `b`'s target after `n` completed steps, K: `TemperatureProtocol::at` at time n·dt in f64, as
    /// `CpuEngine::step_once` evaluates it.
    fn target_t(&self, b: usize, n: u64) -> f64 {
        self.protocol(b).at(n as f64 * self.dt())
    }

    /// Relative uncertainty of the f32 k_B T(t) the WGSL forms (md_step.wgsl `bath_target`): the phase
    /// truncated to 2⁻²⁴ of a period (2π u in sin), sin good to 8 u plus the rounding of its argument
    /// (8 u more), and ~4 roundings of T₀ + A·sin and of the f32 constants.
    fn target_rel(&self, b: usize, n: u64) -> f64 {
        let p = self.protocol(b);
        let amp = p.amplitude_k.abs();
        (amp * (std::f64::consts::TAU + 16.0) * U + 4.0 * U * (p.mean_k + amp))
            / self.target_t(b, n)
    }

    /// Sets the thermostats' clock to `n` completed steps, as `GpuEngine::restore` does.
    fn set_clock(&self, n: u64) {
        let words = [n as u32, (n >> 32) as u32];
        self.e
            .ctx
            .queue
            .write_buffer(&self.e.k.buf.flags, 16, bytemuck::cast_slice(&words));
    }

    /// The thermostats' clock as the GPU holds it (flags[4], flags[5]): steps completed.
    fn clock(&self) -> u64 {
        let f: Vec<u32> = self.read(&self.e.k.buf.flags, 6);
        f[4] as u64 | (f[5] as u64) << 32
    }

    fn prepare(&mut self, seed: u64) {
        self.prepare_at(seed, 0);
    }

    /// Writes a random but physical state through `GpuEngine::restore`, which also builds the neighbour
    /// list and computes the forces and the bodies' force and torque: bath atoms jittered 0.2 Å off their
    /// lattice, each bath Maxwellian at 0.6–1.6 × its target, bodies displaced ~0.3 Å, randomly oriented,
    /// moving and spinning at BODY_T, chain velocities and accelerations of order 1/τ and 1/τ², `step`
    /// steps completed.
    fn prepare_at(&mut self, seed: u64, step: u64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let sys = &self.sys;
        let mut positions = sys.positions.clone();
        let mut velocities = vec![DVec3::ZERO; sys.len()];
        for b in 0..2 {
            let t = self.protocol(b).mean_k * rng.random_range(0.6..1.6);
            let sd = (KB_EV_PER_K * t / (sys.group_mass[b] * MVV2E)).sqrt();
            for i in sys.ranges[b].clone() {
                positions[i] = wrap(positions[i] + 0.2 * gauss(&mut rng), sys.box_a);
                velocities[i] = sd * gauss(&mut rng);
            }
        }
        let kt = KB_EV_PER_K * BODY_T / MVV2E;
        let bodies = sys
            .bodies
            .iter()
            .map(|b| {
                let q = DQuat::from_xyzw(
                    StandardNormal.sample(&mut rng),
                    StandardNormal.sample(&mut rng),
                    StandardNormal.sample(&mut rng),
                    StandardNormal.sample(&mut rng),
                )
                .normalize();
                let lb = (b.inertia * kt).powf(0.5) * gauss(&mut rng);
                BodyState {
                    com: b.trap_center + 0.3 * gauss(&mut rng),
                    vcom: (kt / b.mass).sqrt() * gauss(&mut rng),
                    quat: q,
                    angmom: DMat3::from_quat(q) * lb,
                }
            })
            .collect();
        let chains = self.e.reps[0].chains.clone().map(|c| {
            c.map(|mut c| {
                let tau = c.damping_ps;
                for j in 0..c.eta.len() {
                    c.eta_dot[j] = StandardNormal.sample(&mut rng);
                    c.eta_dot[j] /= tau;
                    let a: f64 = StandardNormal.sample(&mut rng);
                    c.eta_dotdot[j] = a / (tau * tau);
                }
                c
            })
        });
        self.step = step;
        let st = State {
            step,
            positions,
            velocities,
            bodies,
            chains,
            accumulators: Accumulators::default(),
            driver: serde_json::Value::Null,
        };
        self.e
            .restore(&st)
            .expect("restore writes the prepared state");
    }

    fn read<T: bytemuck::Pod>(&self, buf: &wgpu::Buffer, count: usize) -> Vec<T> {
        let ctx = &self.e.ctx;
        let size = (count * std::mem::size_of::<T>()) as u64;
        let dst = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("conformance readback"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        enc.copy_buffer_to_buffer(buf, 0, &dst, 0, size);
        ctx.queue.submit([enc.finish()]);
        dst.slice(..).map_async(wgpu::MapMode::Read, |_| ());
        ctx.device
            .poll(wgpu::PollType::wait_indefinitely())
            .expect("the GPU finishes");
        let bytes = dst
            .slice(..)
            .get_mapped_range()
            .expect("readback maps")
            .to_vec();
        bytemuck::pod_collect_to_vec(&bytes)
    }

    fn write<T: bytemuck::Pod>(&self, buf: &wgpu::Buffer, data: &[T]) {
        self.e
            .ctx
            .queue
            .write_buffer(buf, 0, bytemuck::cast_slice(data));
    }

    fn scalars(&self) -> Vec<f32> {
        self.read(&self.e.k.buf.scalars, self.e.lay.len)
    }

    fn atoms(&self, buf: &wgpu::Buffer) -> Vec<[f32; 4]> {
        self.read(buf, self.e.n)
    }

    /// Runs one kernel, recorded by `record` (each kernel binds its own buffers).
    fn dispatch(&self, record: impl FnOnce(&Kernels, &mut wgpu::ComputePass)) {
        self.e.submit(|pass| record(&self.e.k, pass));
    }

    /// Body `k` with the dynamical state held in `s` (centre as displacement from a trap at the origin).
    fn body(&self, s: &[f32], k: usize) -> RigidBody {
        let o = k * BODY_STRIDE;
        let mut b = self.sys.bodies[k].clone();
        b.trap_center = DVec3::ZERO;
        b.com = v3(s, o + B_X);
        b.vcom = v3(s, o + B_V);
        b.quat = quat(s, o + B_Q);
        b.angmom = v3(s, o + B_L);
        b
    }

    fn atom_forces(&self) -> Vec<DVec3> {
        self.atoms(&self.e.k.buf.force)
            .iter()
            .map(super::dvec)
            .collect()
    }
}

/// Bound on the rounding error of a body's reduced force and torque (256-wide tree plus each thread's
/// serial sum: ≤ 10 roundings for ≤ 256 atoms; torque terms (R b) × F add ~11 more from the rotation
/// matrix, the product and f32 body coordinates).
fn reduction_tolerance(body: &RigidBody, force: &[DVec3]) -> (f64, f64) {
    let serial = body.atoms.len().div_ceil(256) as f64;
    let (mut fsum, mut tsum) = (0.0, 0.0);
    for (i, off) in body.atoms.clone().zip(body.space_offsets()) {
        fsum += force[i].length();
        tsum += off.length() * force[i].length();
    }
    (
        2.0 * (9.0 + serial) * U * fsum,
        2.0 * (20.0 + serial) * U * tsum,
    )
}

/// Checks bath `b`'s chain half step (`before` → `after` slots) against `NoseHooverChain::half_step` at
/// kinetic energy `ke` (known to relative `ke_rel`) towards the target after `n` completed steps,
/// including the pending scale deficit, the kinetic energy after scaling, the thermostat heat K(1 − f²)
/// and the η increments, starting from the Kahan pairs in `before`.
fn check_chain(
    h: &Harness,
    w: &mut Worst,
    seed: u64,
    b: usize,
    (before, after): (&[f32], &[f32]),
    (ke, ke_rel): (f64, f64),
    n: u64,
) {
    let Some(chain) = &h.e.reps[0].chains[b] else {
        return;
    };
    let l = h.e.lay;
    let m = chain.eta.len();
    let (ed, edd) = (l.ch + b * l.cs, l.ch + b * l.cs + l.mch);
    let mut host = NoseHooverChain::new(m, chain.damping_ps, chain.ndof);
    for j in 0..m {
        host.eta_dot[j] = before[ed + j] as f64;
        host.eta_dotdot[j] = before[edd + j] as f64;
    }
    let start = host.clone();
    let (dt, t) = (h.dt(), h.target_t(b, n));
    // k_B T enters only η̈₁ = 2K/Q₁ − 1/τ² (the other links' forces are ratios of masses).
    let in_rel = ke_rel + h.target_rel(b, n);
    let f = host.half_step(ke, t, dt);
    let kt = KB_EV_PER_K * t;
    let tau2 = chain.damping_ps * chain.damping_ps;
    let q0 = chain.ndof * kt * tau2;
    // Scales of the chain's inputs: η̇ and dt·η̈ of any link, and the force on link 0, (2K + N_f kT)/Q₁,
    // whose two terms cancel near equilibrium; links j ≥ 1 see Q_{j−1}η̇²/Q_j + kT/Q_j.
    let mut acc_scale = (2.0 * ke + chain.ndof * kt) / q0;
    let mut rate_scale: f64 = 0.0;
    for j in 0..m {
        for c in [&start, &host] {
            rate_scale = rate_scale.max(c.eta_dot[j].abs());
            acc_scale = acc_scale.max(c.eta_dotdot[j].abs());
            if j > 0 {
                let qprev = if j == 1 { q0 } else { kt * tau2 };
                acc_scale = acc_scale.max((qprev * c.eta_dot[j - 1].powi(2) + kt) / (kt * tau2));
            }
        }
    }
    // ~10 dependent roundings and 2 exp per link, over up to 2m links: 64 u of the scale, plus the
    // uncertainty of K itself entering η̈₁.
    let tol_rate = 64.0 * U * (rate_scale + dt * acc_scale) + dt * 2.0 * ke * in_rel / q0;
    let tol_acc = 64.0 * U * acc_scale + 2.0 * ke * in_rel / q0;
    for j in 0..m {
        w.check_in(
            &[Family::Chain],
            "chain η̇",
            seed,
            after[ed + j] as f64,
            host.eta_dot[j],
            tol_rate,
        );
        w.check_in(
            &[Family::Chain],
            "chain η̈",
            seed,
            after[edd + j] as f64,
            host.eta_dotdot[j],
            tol_acc,
        );
        // Δη_j = (dt/2) η̇_j at the chain's midpoint: one product and one Kahan addition.
        w.check_in(
            &[Family::Chain, Family::Ledger],
            "chain Δη ledger",
            seed,
            kahan(after, l.l_deta + 2 * (b * l.mch + j))
                - kahan(before, l.l_deta + 2 * (b * l.mch + j)),
            host.eta[j],
            0.5 * dt * tol_rate + 4.0 * U * host.eta[j].abs(),
        );
    }
    // d = 1 − f from expm1 (Taylor, relative 2e-8 < 1 u) of −(dt/2) η̇₁.
    let d = 1.0 - f;
    let tol_d = 0.5 * dt * tol_rate + 8.0 * U * d.abs();
    w.check_in(
        &[Family::Chain],
        "chain scale deficit 1 − f",
        seed,
        after[l.scale + b] as f64,
        d,
        tol_d,
    );
    w.check_in(
        &[Family::Chain],
        "bath kinetic energy after scaling",
        seed,
        after[l.ke + b] as f64,
        ke * f * f,
        ke * (2.0 * tol_d + 8.0 * U + ke_rel),
    );
    let heat = ke * (1.0 - f * f);
    w.check_in(
        &[Family::Chain, Family::Ledger],
        "thermostat heat ledger",
        seed,
        kahan(after, l.l_heat + 2 * b) - kahan(before, l.l_heat + 2 * b),
        heat,
        2.0 * ke * tol_d + (8.0 * U + ke_rel) * heat.abs(),
    );
}

/// The pending thermostat scale, first half kick and drift of the bath atoms, and the placement of the body
/// atoms from (X, q) (md_integrate.wgsl `integrate1`), against the same operations in f64.
#[test]
fn integrate1_kick_drift_and_body_placement_match_host() {
    let test = "integrate1_kick_drift_and_body_placement_match_host";
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let mut w = Worst::new();
    let dt = h.dt();
    for seed in SEEDS {
        h.prepare(seed);
        let mut s = h.scalars();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for b in 0..2 {
            s[h.e.lay.scale + b] = rng.random_range(1e-5..1e-3);
        }
        h.write(&h.e.k.buf.scalars, &s);
        let (pos0, vel0) = (h.atoms(&h.e.k.buf.pos), h.atoms(&h.e.k.buf.vel));
        let force = h.atom_forces();
        h.dispatch(|k, pass| k.record_stage(pass, Stage::Integrate, Opening::Start));
        let (pos1, vel1) = (h.atoms(&h.e.k.buf.pos), h.atoms(&h.e.k.buf.vel));
        let box_a = h.sys.box_a;
        for b in 0..2 {
            let kick = 0.5 * dt / (h.sys.group_mass[b] * MVV2E);
            let d = s[h.e.lay.scale + b] as f64;
            for i in h.sys.ranges[b].clone() {
                let (x, v) = (super::dvec(&pos0[i]), super::dvec(&vel0[i]));
                let vh = v - d * v + kick * force[i];
                // v − d·v + c·F: 5 roundings (constants included) of its terms' magnitudes.
                let tol_v = 6.0 * U * (v.length() + kick * force[i].length());
                w.check3("bath half kick", seed, super::dvec(&vel1[i]), vh, tol_v);
                let xh = wrap(x + dt * vh, box_a);
                // x + DT·v then the wrap's floor and subtraction: 6 roundings of |x| + dt|v| + |box|.
                let tol_x = 6.0 * U * (x.length() + dt * vh.length() + box_a.length()) + dt * tol_v;
                let dx = min_image(super::dvec(&pos1[i]), xh, box_a).length();
                w.check("bath drift", seed, dx, 0.0, tol_x);
            }
        }
        for (k, body) in h.sys.bodies.iter().enumerate() {
            let mut b = h.body(&s, k);
            b.com += body.trap_center;
            for (i, off) in b.atoms.clone().zip(b.space_offsets()) {
                let xh = wrap(b.com + off, box_a);
                // trap + X + R(q)·b in f32: the rotation matrix (~6 roundings) and the f32 body
                // coordinates, trap centre and sum, then the wrap: 16 u of the terms' magnitudes.
                let tol = 16.0 * U * (body.trap_center.length() + off.length() + box_a.length());
                let dx = min_image(super::dvec(&pos1[i]), xh, box_a).length();
                w.check("body atom placement", seed, dx, 0.0, tol);
            }
        }
    }
    w.report(test);
}

/// The thermostat factor still pending at the end of an advance (md_integrate.wgsl `apply_scale`): bath
/// velocities v − d·v with each bath's deficit d, everything else untouched.
#[test]
fn apply_scale_matches_host() {
    let test = "apply_scale_matches_host";
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let mut w = Worst::new();
    for seed in SEEDS {
        h.prepare(seed);
        let mut s = h.scalars();
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 400);
        for b in 0..2 {
            s[h.e.lay.scale + b] = rng.random_range(1e-5..1e-3);
        }
        h.write(&h.e.k.buf.scalars, &s);
        let vel0 = h.atoms(&h.e.k.buf.vel);
        h.dispatch(|k, pass| {
            k.pipe.apply_scale.set(pass);
            pass.dispatch_workgroups(k.grid.bath_wg.max(1), 1, 1);
        });
        let vel1 = h.atoms(&h.e.k.buf.vel);
        for i in 0..h.e.n {
            let v = super::dvec(&vel0[i]);
            let b = (0..2).find(|&b| h.sys.ranges[b].contains(&i));
            let (host, tol) = match b {
                // Two roundings of |v|.
                Some(b) => (v - s[h.e.lay.scale + b] as f64 * v, 2.0 * U * v.length()),
                None => (v, 0.0),
            };
            w.check3("scaled velocity", seed, super::dvec(&vel1[i]), host, tol);
        }
    }
    w.report(test);
}

/// The neighbour-list build (md_neighbor.wgsl, requested as a forced rebuild: bin, scan, scatter, sort_cells,
/// build_list) on freshly moved positions: every atom's count equals the number of interacting partners
/// within r_c + skin by an f64 all-pairs search (pairs within rounding of the reach may go either way), and
/// the reference positions are the positions it was built at.
#[test]
fn neighbour_list_holds_every_pair_within_reach() {
    let test = "neighbour_list_holds_every_pair_within_reach";
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let table = PairTable::new(&h.sc.potential);
    let reach = h.sc.potential.cutoff_a + h.sc.potential.skin_a;
    let box_a = h.sys.box_a;
    let mut at_reach = 0;
    for seed in SEEDS {
        h.prepare(seed);
        // Move the bath atoms by up to a skin, so the list must be rebuilt from new cells.
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 500);
        let mut pos = h.atoms(&h.e.k.buf.pos);
        for p in pos[..h.sys.ranges[1].end].iter_mut() {
            let moved = wrap(
                super::dvec(p) + 0.5 * h.sc.potential.skin_a * gauss(&mut rng),
                box_a,
            );
            *p = [moved.x as f32, moved.y as f32, moved.z as f32, p[3]];
        }
        h.write(&h.e.k.buf.pos, &pos);
        h.write(&h.e.k.buf.flags, &[0u32, 0, 0, h.e.list_capacity]);
        h.e.k.request_rebuild(&h.e.ctx.queue, 0);
        h.dispatch(|k, pass| {
            for stage in [
                Stage::Bin,
                Stage::Scan,
                Stage::Scatter,
                Stage::SortCells,
                Stage::BuildList,
            ] {
                k.record_stage(pass, stage, Opening::Start);
            }
        });
        let count: Vec<u32> = h.read(&h.e.k.buf.ncount, h.e.n);
        let refpos = h.atoms(&h.e.k.buf.refpos);
        let flags: Vec<u32> = h.read(&h.e.k.buf.flags, 4);
        let x: Vec<DVec3> = pos.iter().map(super::dvec).collect();
        let groups = &h.sys.groups;
        let mut most = 0;
        for i in (0..h.e.n).filter(|&i| groups[i] != Group::Wall) {
            let (mut sure, mut maybe) = (0u32, 0u32);
            for j in (0..h.e.n).filter(|&j| j != i) {
                if table.coeff[groups[i] as usize][groups[j] as usize].lj1 == 0.0 {
                    continue;
                }
                let raw = x[i] - x[j];
                let d = min_image(x[i], x[j], box_a);
                let ed = U * (raw.length() + (raw - d).length() + d.length());
                let r = d.length();
                if (r - reach).abs() <= 2.0 * ed + 2.0 * U * r {
                    maybe += 1;
                } else if r < reach {
                    sure += 1;
                }
            }
            most = most.max(count[i]);
            assert!(
                (sure..=sure + maybe).contains(&count[i]),
                "atom {i} (seed {seed}): {} neighbours listed, {sure} (+{maybe} at the reach) within r_c + skin",
                count[i]
            );
            assert_eq!(
                refpos[i], pos[i],
                "atom {i}: reference position is the build's"
            );
            at_reach += maybe;
        }
        assert_eq!(flags[1], most, "largest neighbour count");
        assert!(most < h.e.list_capacity, "the list held every neighbour");
    }
    eprintln!("{test}: {at_reach} pairs within rounding of the reach over all seeds");
}

/// LJ forces (md_forces.wgsl `forces_kick`) against an f64 all-pairs sum (no neighbour list), then the
/// second half kick and the per-workgroup Σ|v|² partials against the same operations in f64.
#[test]
fn forces_kick_matches_all_pairs_lj_and_partials() {
    let test = "forces_kick_matches_all_pairs_lj_and_partials";
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let mut w = Worst::new();
    let table = PairTable::new(&h.sc.potential);
    let box_a = h.sys.box_a;
    let dt = h.dt();
    for seed in SEEDS {
        h.prepare(seed);
        let pos: Vec<[f32; 4]> = h.atoms(&h.e.k.buf.pos);
        let vel0 = h.atoms(&h.e.k.buf.vel);
        h.dispatch(|k, pass| k.record_stage(pass, Stage::Forces, Opening::Start));
        let force = h.atom_forces();
        let vel1 = h.atoms(&h.e.k.buf.vel);
        let n = h.e.n;
        let x: Vec<DVec3> = pos.iter().map(super::dvec).collect();
        let groups = &h.sys.groups;
        let skip = |i: usize| groups[i] == Group::Wall;
        for i in (0..n).filter(|&i| !skip(i)) {
            let (mut f, mut tol, mut fabs, mut count) = (DVec3::ZERO, 0.0, 0.0, 0.0);
            for j in (0..n).filter(|&j| j != i) {
                let c = table.coeff[groups[i] as usize][groups[j] as usize];
                if c.lj1 == 0.0 {
                    continue;
                }
                let raw = x[i] - x[j];
                let d = min_image(x[i], x[j], box_a);
                let r2 = d.length_squared();
                // f32 displacement: the difference and the image shift each round once.
                let ed = U * (raw.length() + (raw - d).length() + d.length());
                let r = r2.sqrt();
                if r - 2.0 * ed > table.cutoff {
                    continue;
                }
                let inv2 = 1.0 / r2;
                let inv6 = inv2 * inv2 * inv2;
                let terms = r * inv6 * (c.lj1 * inv6 + c.lj2) * inv2;
                let fij = d * c.eval(r2).0;
                if (r - table.cutoff).abs() <= 2.0 * ed + 2.0 * U * r {
                    // Within rounding of the cutoff: either side is right.
                    tol += 2.0 * fij.length();
                    continue;
                }
                f += fij;
                fabs += fij.length();
                count += 1.0;
                // The r⁻¹⁴ term turns a relative error ed/r of r into 14 ed/r; 12 roundings in
                // 1/r², r⁻⁶, the two products, the difference, d·(…) and the f32 coefficients.
                tol += terms * (14.0 * ed / r + 12.0 * U);
            }
            // Summation: each of TPA threads adds ≤ count/TPA terms, then TPA partials in order.
            tol += (count / TPA as f64 + TPA as f64 + 1.0) * U * fabs;
            w.check3("LJ force", seed, force[i], f, tol);
        }
        let mut partial_host = vec![[0.0f64; 2]; partials(h.sys.ranges[1].end) as usize];
        let mut partial_abs = partial_host.clone();
        for b in 0..2 {
            let kick = 0.5 * dt / (h.sys.group_mass[b] * MVV2E);
            for i in h.sys.ranges[b].clone() {
                let v = super::dvec(&vel0[i]) + kick * force[i];
                let tol = 4.0 * U * (v.length() + kick * force[i].length());
                let got = super::dvec(&vel1[i]);
                w.check3("second half kick", seed, got, v, tol);
                let wg = i / (FORCE_WG / TPA) as usize;
                partial_host[wg][b] += got.length_squared();
                partial_abs[wg][b] += got.length_squared();
            }
        }
        let partial: Vec<[f32; 2]> = h.read(&h.e.k.buf.partial, partial_host.len());
        for (p, (host, abs)) in partial.iter().zip(partial_host.iter().zip(&partial_abs)) {
            for b in 0..2 {
                // |v|² (3 roundings) summed over ≤ FORCE_WG/TPA atoms in order.
                let tol = ((FORCE_WG / TPA) as f64 + 4.0) * U * abs[b];
                w.check("Σ|v|² partial", seed, p[b] as f64, host[b], tol);
            }
        }
    }
    w.report(test);
}

/// The bodies' interaction force and torque from their atoms' forces (md_step.wgsl `reduce_body`, alone in
/// `body_forces` and inside `scalar_end`) against `RigidBody::force_and_torque`.
#[test]
fn body_force_torque_reduction_matches_rigid_body() {
    let test = "body_force_torque_reduction_matches_rigid_body";
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let mut w = Worst::new();
    for seed in SEEDS {
        h.prepare(seed);
        // Fresh random forces, so the reduction cannot pass on stale sums from `restore`.
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 100);
        let mut f4 = h.atoms(&h.e.k.buf.force);
        for v in f4.iter_mut() {
            let g = 0.3 * gauss(&mut rng);
            *v = [g.x as f32, g.y as f32, g.z as f32, 0.0];
        }
        h.write(&h.e.k.buf.force, &f4);
        let s = h.scalars();
        h.dispatch(|k, pass| {
            k.pipe.body_forces.set(pass);
            pass.dispatch_workgroups(1, 1, 1);
        });
        let after = h.scalars();
        let force = h.atom_forces();
        for k in 0..2 {
            let body = h.body(&s, k);
            let (f, t) = body.force_and_torque(&force);
            let (tol_f, tol_t) = reduction_tolerance(&body, &force);
            let o = k * BODY_STRIDE;
            w.check3("body force", seed, v3(&after, o + B_F), f, tol_f);
            w.check3("body torque", seed, v3(&after, o + B_T), t, tol_t);
        }
    }
    // The same reduction inside the closing scalar kernel.
    let mut w_end = Worst::only(&[Family::Reduction]);
    for seed in SEEDS {
        scalar_end_checks(&mut h, &mut w_end, seed, 0);
    }
    w.report(test);
    w_end.report(&format!("{test}, inside scalar_end"));
}

/// The opening scalar kernel (md_step.wgsl `scalar_start`) on the prepared state of `seed`: both chains'
/// half steps, and for both bodies the start-of-step controller force, the half kick and the NO_SQUISH
/// drift and rotation, each check tagged with its stage family.
fn scalar_start_checks(h: &mut Harness, w: &mut Worst, seed: u64, step: u64) {
    let dt = h.dt();
    let ctrl = Controller::new(&h.sc.controller);
    {
        h.prepare_at(seed, step);
        let before = h.scalars();
        h.dispatch(|k, pass| {
            k.pipe.scalar_start.set(pass);
            pass.dispatch_workgroups(1, 1, 1);
        });
        let after = h.scalars();
        assert_eq!(h.clock(), step, "scalar_start must not advance the clock");
        // The opening half step's target is at the step's start, after `step` completed steps.
        for b in 0..2 {
            let ke = before[h.e.lay.ke + b] as f64;
            check_chain(h, w, seed, b, (&before, &after), (ke, 0.0), step);
        }
        let x = [0, 1].map(|k| v3(&before, k * BODY_STRIDE + B_X));
        let c0 = ctrl.forces(x[0], x[1]);
        let c_terms = |k: usize| {
            let (own, other) = (x[k].length(), x[1 - k].length());
            let kappa_k = [ctrl.kappa_cold, ctrl.kappa_hot][k];
            ctrl.kappa * own + kappa_k * (own + other) + ctrl.drag[k].length()
        };
        for k in 0..2 {
            let o = k * BODY_STRIDE;
            let mut body = h.body(&before, k);
            let (f, t) = (v3(&before, o + B_F), v3(&before, o + B_T));
            let w0 = body.omega();
            let l0 = body.angmom.length();
            body.initial_integrate(f + c0[k], t, dt);
            let kick = 0.5 * dt / (body.mass * MVV2E);
            let ang_kick = 0.5 * dt / MVV2E;
            // Controller force: 8 roundings of its terms; kick and drift a few more.
            let tol_c = 8.0 * U * c_terms(k);
            w.check3_in(
                &[Family::Controller],
                "controller force at step start",
                seed,
                v3(&after, o + B_C0),
                c0[k],
                tol_c,
            );
            let scale_v = body.vcom.length() + kick * (f.length() + c_terms(k));
            w.check3_in(
                &[Family::Rigid, Family::Controller],
                "body half kick",
                seed,
                v3(&after, o + B_V),
                body.vcom,
                8.0 * U * scale_v,
            );
            let scale_x = x[k].length() + dt * scale_v;
            w.check3_in(
                &[Family::Rigid],
                "body drift",
                seed,
                v3(&after, o + B_X),
                body.com,
                8.0 * U * scale_x,
            );
            // NO_SQUISH: five free-rotor stages, each c·(p, q) + s·(kp, kq) (3 roundings of |q| = 1) with
            // sin and cos good to 8 u, then normalisation: 5·(3 + 2·8) + 4 ≈ 100 u of |q|, taken as 128 u.
            let qg = quat(&after, o + B_Q);
            for (c, (g, r)) in qg.to_array().iter().zip(body.quat.to_array()).enumerate() {
                w.check_in(
                    &[Family::Rigid],
                    &format!("NO_SQUISH quaternion {c}"),
                    seed,
                    *g,
                    r,
                    128.0 * U,
                );
            }
            let scale_l = l0 + ang_kick * t.length();
            w.check3_in(
                &[Family::Rigid],
                "NO_SQUISH angular momentum",
                seed,
                v3(&after, o + B_L),
                body.angmom,
                128.0 * U * scale_l,
            );
            // ω = R I⁻¹ Rᵀ L: two rotations (6 u each) and a division.
            let i_min = body.inertia.min_element();
            w.check3_in(
                &[Family::Rigid],
                "ω at step start",
                seed,
                v3(&after, o + B_W0),
                w0,
                16.0 * U * l0 / i_min,
            );
            for (what, at, v) in [
                ("start displacement copy", B_X0, x[k]),
                ("start force copy", B_F0, f),
                ("start torque copy", B_T0, t),
            ] {
                w.check3_in(&[Family::Rigid], what, seed, v3(&after, o + at), v, 0.0);
            }
        }
    }
}

/// The closing scalar kernel (md_step.wgsl `scalar_end`) on the prepared state of `seed` completed to the
/// end of a step (start point, Σ|v|² partials): body reduction, final kick with the controller force, and
/// every ledger increment — controller work (Eq. 19), particle heat, impulse, thermostat heat and η from the
/// bath kinetic energy reduced from the partials — each check tagged with its stage family.
fn scalar_end_checks(h: &mut Harness, w: &mut Worst, seed: u64, step: u64) {
    let dt = h.dt();
    let ctrl = Controller::new(&h.sc.controller);
    let l = h.e.lay;
    {
        h.prepare_at(seed, step);
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 200);
        let mut s = h.scalars();
        // The step's start point, as `scalar_start` would have left it: displacement one drift back,
        // ω, force and torque near the current ones, the controller force there.
        let x = [0, 1].map(|k| v3(&s, k * BODY_STRIDE + B_X));
        let x0 = [0, 1].map(|k| {
            let v = v3(&s, k * BODY_STRIDE + B_V);
            x[k] - dt * (v + 0.2 * v.length() * gauss(&mut rng))
        });
        let c0 = ctrl.forces(x0[0], x0[1]);
        for k in 0..2 {
            let o = k * BODY_STRIDE;
            let body = h.body(&s, k);
            let jitter = |v: DVec3, rng: &mut ChaCha8Rng| v + 0.2 * v.length() * gauss(rng);
            put3(&mut s, o + B_X0, x0[k]);
            put3(&mut s, o + B_W0, jitter(body.omega(), &mut rng));
            put3(&mut s, o + B_C0, c0[k]);
            let (f, t) = (v3(&s, o + B_F), v3(&s, o + B_T));
            put3(&mut s, o + B_F0, jitter(f, &mut rng));
            put3(&mut s, o + B_T0, jitter(t, &mut rng));
        }
        let npart = partials(h.sys.ranges[1].end) as usize;
        let part: Vec<[f32; 2]> = (0..npart)
            .map(|_| [rng.random_range(50.0..150.0), rng.random_range(50.0..150.0)])
            .collect();
        h.write(&h.e.k.buf.partial, &part);
        h.write(&h.e.k.buf.scalars, &s);
        let before = h.scalars();
        // The references start from the f32 values the kernel reads.
        let x0 = [0, 1].map(|k| v3(&before, k * BODY_STRIDE + B_X0));
        let c0 = [0, 1].map(|k| v3(&before, k * BODY_STRIDE + B_C0));
        h.dispatch(|k, pass| {
            k.pipe.scalar_end.set(pass);
            pass.dispatch_workgroups(1, 1, 1);
        });
        let after = h.scalars();
        let force = h.atom_forces();
        assert_eq!(h.clock(), step + 1, "scalar_end closes one step");
        for b in 0..2 {
            let v2: f64 = part.iter().map(|p| p[b] as f64).sum();
            let ke = 0.5 * h.sys.group_mass[b] * MVV2E * v2;
            // Σ over NPARTIAL partials (serial per thread, then a 256-wide tree) and the f32 constant.
            let ke_rel = (npart.div_ceil(256) as f64 + 10.0) * U;
            // The closing half step's target is at the step's end, time (step + 1)·dt.
            check_chain(h, w, seed, b, (&before, &after), (ke, ke_rel), step + 1);
        }
        let c1 = ctrl.forces(x[0], x[1]);
        let c_terms = |k: usize, x: [DVec3; 2]| {
            let (own, other) = (x[k].length(), x[1 - k].length());
            let kappa_k = [ctrl.kappa_cold, ctrl.kappa_hot][k];
            ctrl.kappa * own + kappa_k * (own + other) + ctrl.drag[k].length()
        };
        let work = ctrl.work(x0, x);
        let mut impulse_terms = 0.0;
        for k in 0..2 {
            let o = k * BODY_STRIDE;
            let mut body = h.body(&before, k);
            let (f1, t1) = body.force_and_torque(&force);
            let (tol_f, tol_t) = reduction_tolerance(&body, &force);
            w.check3_in(
                &[Family::Reduction],
                "body force",
                seed,
                v3(&after, o + B_F),
                f1,
                tol_f,
            );
            w.check3_in(
                &[Family::Reduction],
                "body torque",
                seed,
                v3(&after, o + B_T),
                t1,
                tol_t,
            );
            let l0 = body.angmom.length();
            body.final_integrate(f1 + c1[k], t1, dt);
            let kick = 0.5 * dt / (body.mass * MVV2E);
            let ang_kick = 0.5 * dt / MVV2E;
            let tol_v = 8.0 * U * (body.vcom.length() + kick * (f1.length() + c_terms(k, x)))
                + kick * tol_f;
            w.check3_in(
                &[Family::Rigid, Family::Controller],
                "body final kick with controller force",
                seed,
                v3(&after, o + B_V),
                body.vcom,
                tol_v,
            );
            let tol_l = 8.0 * U * (l0 + ang_kick * t1.length()) + ang_kick * tol_t;
            w.check3_in(
                &[Family::Rigid],
                "body final angular kick",
                seed,
                v3(&after, o + B_L),
                body.angmom,
                tol_l,
            );
            // Eq. 19 midpoint work: X − X₀ and the midpoint round once each, the dot product 3 times.
            let dx = x[k] - x0[k];
            let edx = dx.length() + U * (x[k].length() + x0[k].length());
            let kappa_k = [ctrl.kappa_cold, ctrl.kappa_hot][k];
            let mid_other = 0.5 * (x[1 - k].length() + x0[1 - k].length());
            let tol_w = 12.0 * U * (kappa_k * mid_other + ctrl.drag[k].length()) * edx
                + 2.0
                    * U
                    * (kappa_k * mid_other + ctrl.drag[k].length())
                    * (x[k].length() + x0[k].length());
            w.check_in(
                &[Family::Controller, Family::Ledger],
                "controller work ledger",
                seed,
                kahan(&after, l.l_work + 2 * k) - kahan(&before, l.l_work + 2 * k),
                work[k],
                tol_w,
            );
            let (f0, t0, w0) = (
                v3(&before, o + B_F0),
                v3(&before, o + B_T0),
                v3(&before, o + B_W0),
            );
            let w1 = body.omega();
            let pheat = -interaction_work([f0, f1], [t0, t1], [x0[k], x[k]], [w0, w1], dt);
            let i_min = body.inertia.min_element();
            let tol_w1 = 16.0 * U * body.angmom.length() / i_min + tol_l / i_min;
            let rot_scale = 0.25 * dt * (t0.length() + t1.length()) * (w0.length() + w1.length());
            let tol_q = 16.0 * U * (0.5 * (f0.length() + f1.length()) * edx + rot_scale)
                + 0.5 * edx * tol_f
                + 0.25
                    * dt
                    * ((w0.length() + w1.length()) * tol_t + (t0.length() + t1.length()) * tol_w1);
            w.check_in(
                &[Family::Ledger],
                "particle heat ledger",
                seed,
                kahan(&after, l.l_pheat + 2 * k) - kahan(&before, l.l_pheat + 2 * k),
                pheat,
                tol_q,
            );
            impulse_terms += c0[k].length() + c_terms(k, x);
        }
        let impulse = 0.5 * dt / MVV2E * (c0[0] + c0[1] + c1[0] + c1[1]);
        for c in 0..3 {
            w.check_in(
                &[Family::Controller, Family::Ledger],
                "controller impulse ledger",
                seed,
                kahan(&after, l.l_imp + 2 * c) - kahan(&before, l.l_imp + 2 * c),
                impulse[c],
                8.0 * U * 0.5 * dt / MVV2E * impulse_terms,
            );
        }
    }
}

/// Runs the scalar kernels' checks of `families` over every seed.
fn scalar_stage_test(test: &str, families: &[Family]) {
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let mut w = Worst::only(families);
    for seed in SEEDS {
        scalar_start_checks(&mut h, &mut w, seed, 0);
        scalar_end_checks(&mut h, &mut w, seed, 0);
    }
    w.report(test);
}

/// An oscillating target on both baths at step counts where the clock's words matter (OSC_STEPS): both
/// chains' opening half step (target at n·dt), closing half step (target at (n + 1)·dt, the clock carried
/// into its high word at 2³² − 1) and their ledger against `NoseHooverChain::half_step` at
/// `TemperatureProtocol::at` in f64 — the runtime k_B T(t) of md_step.wgsl `bath_target`, the fixed-point
/// phase of the prelude and the step clock in flags[4..6] against the host's T(t).
#[test]
fn oscillating_bath_half_steps_match_the_host_target_at_the_step_time() {
    let test = "oscillating_bath_half_steps_match_the_host_target_at_the_step_time";
    let Some(mut h) = Harness::with(test, oscillating_scenario()) else {
        return;
    };
    let mut w = Worst::only(&[Family::Chain, Family::Ledger]);
    for (step, seed) in OSC_STEPS.into_iter().zip(SEEDS.into_iter().cycle()) {
        for b in 0..2 {
            eprintln!(
                "{test}: step {step}: bath {b} target {:.4} K → {:.4} K",
                h.target_t(b, step),
                h.target_t(b, step + 1)
            );
        }
        scalar_start_checks(&mut h, &mut w, seed, step);
        scalar_end_checks(&mut h, &mut w, seed, step);
    }
    w.report(test);
}

/// Nosé–Hoover chain half steps (md_step.wgsl `chain_half`, `thermostat_half`, both the opening and the
/// closing one) against `NoseHooverChain::half_step`, with the pending scale and the heat they produce.
#[test]
fn chain_half_steps_match_nose_hoover_chain() {
    scalar_stage_test("chain_half_steps_match_nose_hoover_chain", &[Family::Chain]);
}

/// NO_SQUISH rotation, drift and both half kicks of the bodies (`bodies_start`, `bodies_end`) against
/// `RigidBody::{initial,final}_integrate`.
#[test]
fn no_squish_update_matches_rigid_body() {
    scalar_stage_test("no_squish_update_matches_rigid_body", &[Family::Rigid]);
}

/// Controller forces at both ends of the step, the kicks they give, their Stratonovich work (seed 000,
/// Eq. 19) and impulse against `Controller::{forces, work}`.
#[test]
fn controller_forces_and_work_match_controller() {
    scalar_stage_test(
        "controller_forces_and_work_match_controller",
        &[Family::Controller],
    );
}

/// Every ledger increment of a step (thermostat heat, η, controller work, particle heat, impulse) against
/// the host quantities the CPU engine accumulates.
#[test]
fn ledger_increments_match_host() {
    scalar_stage_test("ledger_increments_match_host", &[Family::Ledger]);
}

/// Per-atom LJ energies by partner group (md_forces.wgsl `energies`, what `observe` sums into the pair
/// energies of the ledger) against an f64 all-pairs sum of ½ (φ(r) − φ(r_c)).
#[test]
fn energies_match_all_pairs_shifted_lj() {
    let test = "energies_match_all_pairs_shifted_lj";
    let Some(mut h) = Harness::new(test) else {
        return;
    };
    let mut w = Worst::new();
    let table = PairTable::new(&h.sc.potential);
    let box_a = h.sys.box_a;
    for seed in SEEDS {
        h.prepare(seed);
        let x: Vec<DVec3> = h.atoms(&h.e.k.buf.pos).iter().map(super::dvec).collect();
        h.e.submit(|pass| h.e.k.record_energies(pass));
        let n = h.e.n;
        let energy: Vec<f32> = h.read(&h.e.k.buf.energy, Group::COUNT * n);
        let groups = &h.sys.groups;
        for i in (0..n).filter(|&i| groups[i] != Group::Wall) {
            let mut e = [0.0f64; Group::COUNT];
            let mut tol = [0.0f64; Group::COUNT];
            let mut abs = [0.0f64; Group::COUNT];
            let mut pairs = 0.0;
            for j in (0..n).filter(|&j| j != i) {
                let c = table.coeff[groups[i] as usize][groups[j] as usize];
                if c.lj1 == 0.0 {
                    continue;
                }
                let d = min_image(x[i], x[j], box_a);
                let raw = x[i] - x[j];
                let r2 = d.length_squared();
                let ed = U * (raw.length() + (raw - d).length() + d.length());
                let r = r2.sqrt();
                // The shifted potential is continuous at r_c, so pairs within rounding of it cost nothing.
                if r >= table.cutoff {
                    continue;
                }
                let g = groups[j] as usize;
                let inv6 = 1.0 / (r2 * r2 * r2);
                let half = 0.5 * c.eval(r2).1;
                e[g] += half;
                abs[g] += half.abs();
                pairs += 1.0;
                // r⁻¹² and r⁻⁶ terms: relative errors 12 ed/r and 6 ed/r from r, ~10 roundings each.
                tol[g] += 0.5
                    * (c.lj3 * inv6 * inv6 * (12.0 * ed / r + 10.0 * U)
                        + c.lj4 * inv6 * (6.0 * ed / r + 10.0 * U)
                        + 2.0 * U * c.offset.abs());
            }
            for g in 0..Group::COUNT {
                // Serial sum over the atom's list.
                let t = tol[g] + (pairs + 2.0) * U * abs[g];
                w.check(
                    "pair energy by partner group",
                    seed,
                    energy[Group::COUNT * i + g] as f64,
                    e[g],
                    t,
                );
            }
        }
    }
    w.report(test);
}

/// The fused kernel every step but the first runs (`scalar_end_start`: this step's end and the next one's
/// start in one dispatch) against `scalar_end` followed by `scalar_start` on the same state, which the tests
/// above pin to the host. Slot by slot, to a few roundings (the two pipelines may contract multiply-adds
/// differently).
#[test]
fn fused_end_start_equals_end_then_start() {
    let runs = SEEDS.map(|seed| (seed, 0));
    fused_test(
        "fused_end_start_equals_end_then_start",
        conformance_scenario(),
        &runs,
    );
}

/// As `fused_end_start_equals_end_then_start` with both baths oscillating at the step counts of OSC_STEPS:
/// the fused kernel's opening half step must take the target of the step it opens, (n + 1)·dt, as the split
/// `scalar_start` does after `scalar_end` advanced the clock.
#[test]
fn fused_end_start_equals_end_then_start_with_oscillating_baths() {
    let runs: Vec<(u64, u64)> = SEEDS.into_iter().cycle().zip(OSC_STEPS).collect();
    fused_test(
        "fused_end_start_equals_end_then_start_with_oscillating_baths",
        oscillating_scenario(),
        &runs,
    );
}

/// The fused kernel against the split pair on scenario `sc`, for each (seed, completed steps) of `runs`.
fn fused_test(test: &str, sc: Scenario, runs: &[(u64, u64)]) {
    let Some(mut h) = Harness::with(test, sc) else {
        return;
    };
    let mut w = Worst::new();
    for &(seed, step) in runs {
        h.prepare_at(seed, step);
        let mut rng = ChaCha8Rng::seed_from_u64(seed + 300);
        let npart = partials(h.sys.ranges[1].end) as usize;
        let part: Vec<[f32; 2]> = (0..npart)
            .map(|_| [rng.random_range(50.0..150.0), rng.random_range(50.0..150.0)])
            .collect();
        h.write(&h.e.k.buf.partial, &part);
        let start = h.scalars();
        h.dispatch(|k, pass| {
            k.pipe.scalar_end_start.set(pass);
            pass.dispatch_workgroups(1, 1, 1);
        });
        let fused = h.scalars();
        h.write(&h.e.k.buf.scalars, &start);
        h.set_clock(step);
        h.dispatch(|k, pass| {
            k.pipe.scalar_end.set(pass);
            pass.dispatch_workgroups(1, 1, 1);
        });
        let end = h.scalars();
        h.dispatch(|k, pass| {
            k.pipe.scalar_start.set(pass);
            pass.dispatch_workgroups(1, 1, 1);
        });
        let mut split = h.scalars();
        let l = h.e.lay;
        // Split, the closing factor f_e is applied (apply_scale) before scalar_start opens a fresh one; fused,
        // both stay pending as one deficit 1 − f_e f_s = d_e + d_s − d_e d_s.
        for b in 0..2 {
            let (de, ds) = (end[l.scale + b], split[l.scale + b]);
            split[l.scale + b] = de + ds - de * ds;
        }
        // Rounding is relative to the field a slot belongs to (a body vector, a chain, a Kahan pair), not
        // to the slot alone, which may be a small difference of larger terms.
        let mut field: Vec<std::ops::Range<usize>> = Vec::new();
        for k in 0..2 {
            let o = k * BODY_STRIDE;
            for (at, len) in [
                (B_X, 3),
                (B_V, 3),
                (B_Q, 4),
                (B_L, 3),
                (B_F, 3),
                (B_T, 3),
                (B_X0, 3),
                (B_W0, 3),
                (B_F0, 3),
                (B_T0, 3),
                (B_C0, 3),
            ] {
                field.push(o + at..o + at + len);
            }
        }
        for b in 0..2 {
            field.push(l.ch + b * l.cs..l.ch + (b + 1) * l.cs);
        }
        field.extend((l.scale..l.l_heat).map(|o| o..o + 1));
        field.extend((l.l_heat..l.len).step_by(2).map(|o| o..o + 2));
        let ke_force = |b: usize| {
            let chain = h.e.reps[0].chains[b].as_ref()?;
            let v2: f64 = part.iter().map(|p| p[b] as f64).sum();
            let ke = 0.5 * h.sys.group_mass[b] * MVV2E * v2;
            let kt = KB_EV_PER_K * h.target_t(b, h.step);
            Some((2.0 * ke + chain.ndof * kt) / (chain.ndof * kt * chain.damping_ps.powi(2)))
        };
        for r in field {
            let scale = r
                .clone()
                .map(|o| (fused[o] as f64).abs().max((split[o] as f64).abs()))
                .fold(0.0, f64::max);
            let chain = (0..2).find(|b| r.start == l.ch + b * l.cs);
            let scale = scale.max(chain.and_then(ke_force).unwrap_or(0.0));
            if r.start >= l.l_heat {
                w.check(
                    &format!("Kahan ledger pair at {}", r.start),
                    seed,
                    kahan(&fused, r.start),
                    kahan(&split, r.start),
                    64.0 * U * scale,
                );
                continue;
            }
            let what = format!("scalar slots {r:?}");
            for o in r {
                w.check(
                    &what,
                    seed,
                    fused[o] as f64,
                    split[o] as f64,
                    64.0 * U * scale,
                );
            }
        }
    }
    w.report(test);
}
