//! The physics suite, written once and run on every engine (`common::engines`: the f64 CPU reference always,
//! the f32 GPU engine wherever an adapter exists, lavapipe in CI), each property checked against an
//! independent standard: conservation laws, the exact impulse of the controller, the first law, and
//! statistical mechanics. Statistical tolerances are the same on both engines; tolerances that rounding sets
//! scale with the engine's unit roundoff `eps`. Sizes are chosen so the GPU engine on lavapipe (~150 steps/s
//! for the 2.6k-atom small scenarios, ~750 for the 550-atom tiny bath on two busy cores) keeps the suite short.

#![allow(clippy::needless_range_loop)] // index loops over the two sides and 3×3 normal equations read best

mod common;

use common::*;
use glam::DVec3;
use nanodemon::engine::cpu::min_image;
use nanodemon::engine::Engine;
use nanodemon::scenario::Scenario;
use nanodemon::system::build_system;
use nanodemon::units::KB_EV_PER_K;
use serde_json::{json, Value};

fn no_thermostats(v: &mut Value) {
    v["cold"]["thermostat"] = Value::Null;
    v["hot"]["thermostat"] = Value::Null;
}

/// Max |H(t) − H(0)| over `steps` steps of NVE, sampled every 10 steps, relative to the kinetic energy.
fn nve_error(e: &mut dyn Engine, steps: u64) -> f64 {
    let o0 = e.observe().unwrap();
    let obs = observe_every(e, 10, (steps / 10) as usize);
    obs.iter()
        .map(|o| (o.conserved - o0.conserved).abs())
        .fold(0.0, f64::max)
        / o0.kinetic_energy
}

/// The tiny bath (below) without thermostats at `timestep_fs`.
fn tiny_nve(timestep_fs: f64) -> Scenario {
    tiny(|v| {
        no_thermostats(v);
        v["run"]["timestep_fs"] = json!(timestep_fs);
    })
}

/// Velocity Verlet conserves a shadow Hamiltonian that differs from H by O(dt²): the energy error stays
/// bounded (no drift) and scales with the square of the timestep. Both are checked on 1 ps of the tiny
/// bath at 2 fs and 1 fs: the largest excursion at 2 fs stays below 1e-3 of the kinetic energy, and halving
/// the timestep divides it by ~4 (the f32 rounding of the GPU's energy sum, ~1e-6 of K, is far below the
/// 1 fs excursion, so the ratio holds on both engines).
#[test]
fn nve_energy_error_is_small_and_second_order_in_dt() {
    for (mut a, mut b) in engines(&tiny_nve(2.0))
        .into_iter()
        .zip(engines(&tiny_nve(1.0)))
    {
        let e1 = nve_error(&mut *a.engine, 500);
        let e2 = nve_error(&mut *b.engine, 1000);
        let ratio = e1 / e2;
        eprintln!(
            "{}: NVE excursion {e1:e} (2 fs), {e2:e} (1 fs), ratio {ratio:.2}",
            a.name
        );
        assert!(
            e1 < 1e-3,
            "{}: max relative energy error at 2 fs: {e1:e}",
            a.name
        );
        assert!(
            (2.5..6.5).contains(&ratio),
            "{}: error ratio dt/(dt/2) = {ratio} ({e1:e} vs {e2:e}); expected ~4",
            a.name
        );
    }
}

/// A small box without nanoparticles, for fast statistics (192 argon atoms per bath), with `edit` applied.
fn tiny(edit: impl FnOnce(&mut Value)) -> Scenario {
    scenario("small-equilibrium.json", |v| {
        v["nanoparticle"]["enabled"] = json!(false);
        v["controller"] = json!({"trap_kappa_ev_per_a2": 0.0, "kappa_cold_ev_per_a2": 0.0, "kappa_hot_ev_per_a2": 0.0});
        v["geometry"]["container_length_a"] = json!(22.0);
        for b in ["cold", "hot"] {
            v[b].as_object_mut().unwrap().remove("argon_atoms");
        }
        edit(v);
    })
}

/// The tiny box with both thermostats at damping time `damping_ps`.
fn tiny_bath(damping_ps: f64) -> Scenario {
    tiny(|v| {
        for b in ["cold", "hot"] {
            v[b]["thermostat"]["damping_ps"] = json!(damping_ps);
        }
    })
}

/// Largest |C(t) − C(0)| of the conserved quantity over `samples` samples every 50 steps after `eq` steps,
/// relative to the kinetic energy; and the observations.
fn excursion(
    e: &mut dyn Engine,
    eq: u64,
    samples: usize,
) -> (f64, Vec<nanodemon::engine::Observation>) {
    e.advance(eq).unwrap();
    let o0 = e.observe().unwrap();
    let obs = observe_every(e, 50, samples);
    let worst = obs
        .iter()
        .map(|o| (o.conserved - o0.conserved).abs())
        .fold(0.0, f64::max)
        / o0.kinetic_energy;
    (worst, obs)
}

/// Nosé–Hoover samples the canonical ensemble: each bath's mean temperature equals the target within its
/// statistical error (block averages over 10 ps), and the extended conserved quantity's largest excursion is
/// of the order of the NVE energy's over the same time on the same engine (both are O(dt²) shadow-Hamiltonian
/// excursions, the chain's Trotter splitting adds its own: measured 2.5× here; a heat the ledger missed would
/// show as an excursion of order one, as the thermostat moves ~7 eV per ps against K ≈ 5 eV).
#[test]
fn nose_hoover_holds_each_bath_at_its_target_temperature() {
    for (mut t, mut n) in engines(&tiny_bath(0.2))
        .into_iter()
        .zip(engines(&tiny_nve(1.0)))
    {
        let (drift, obs) = excursion(&mut *t.engine, 2000, 200);
        for (b, target) in [(0, 100.0), (1, 120.0)] {
            let temps: Vec<f64> = obs.iter().map(|o| o.temperature[b]).collect();
            let (mean, err) = mean_and_error(&temps);
            eprintln!(
                "{}: bath {b}: mean T = {mean:.3} ± {err:.3} K, target {target} K",
                t.name
            );
            assert!(
                (mean - target).abs() < 4.0 * err + 0.2,
                "{}: bath {b}: mean T = {mean:.3} ± {err:.3} K, target {target} K",
                t.name
            );
            assert!(
                err < 2.0,
                "{}: bath {b}: error bar {err} K too large to test anything",
                t.name
            );
        }
        let (nve, _) = excursion(&mut *n.engine, 2000, 200);
        eprintln!("{}: NVT excursion {drift:e}, NVE {nve:e}", t.name);
        assert!(
            drift <= 4.0 * nve + 1e-6,
            "{}: NVT conserved-quantity excursion {drift:e} vs NVE {nve:e}",
            t.name
        );
    }
}

/// Two free nanoparticles in vacuum: momentum and angular momentum are conserved, and the atoms of each
/// body keep their distances. Only the kicks change P and L (NO_SQUISH's free rotation conserves the
/// space-frame L exactly and moves q alone, src/physics/rigid.rs), and here force and torque are zero, so
/// both stay the same to within one rounding (rebuilding L from the rotated quaternion momentum every step,
/// as before, changed it by ~1.2 eps per step on the CPU and ~3.7 on the GPU, steadily). The atom positions
/// are rebuilt from the body state every step, so distances within 16 eps times the box length (absolute f32
/// positions on the GPU). The kinetic energy, conserved by NO_SQUISH only to its splitting error, within
/// 1e-6.
#[test]
fn free_rigid_body_conserves_momenta_and_shape() {
    let sc = scenario("small-equilibrium.json", |v| {
        no_thermostats(v);
        v["geometry"]["walls"] = json!(false);
        for b in ["cold", "hot"] {
            v[b]["argon_density_per_a3"] = json!(0.0);
            v[b].as_object_mut().unwrap().remove("argon_atoms");
        }
        v["controller"]["trap_kappa_ev_per_a2"] = json!(0.0);
    });
    let sys = build_system(&sc).unwrap();
    let steps = 3000;
    for mut t in engines(&sc) {
        let e = &mut *t.engine;
        let mut s = e.state().unwrap();
        s.bodies[0].vcom = DVec3::new(0.3, -0.1, 0.2);
        s.bodies[0].angmom = DVec3::new(9.0e4, -3.0e4, 6.0e4);
        s.bodies[1].angmom = DVec3::new(-1.0e4, 4.0e4, 0.5e4);
        e.restore(&s).unwrap();
        let p0 = e.positions().unwrap();
        let o0 = e.observe().unwrap();
        e.advance(steps).unwrap();
        let s1 = e.state().unwrap();
        let o1 = e.observe().unwrap();
        let momentum_tol = t.eps;
        let dp = (o1.momentum - o0.momentum).length() / o0.momentum.length();
        eprintln!(
            "{}: relative momentum change {dp:e} (bound {momentum_tol:e})",
            t.name
        );
        assert!(
            dp < momentum_tol,
            "{}: relative momentum change {dp:e}",
            t.name
        );
        for k in 0..2 {
            let (l0, l1) = (s.bodies[k].angmom, s1.bodies[k].angmom);
            let dl = (l1 - l0).length() / l0.length();
            eprintln!("{}: body {k}: relative change of L {dl:e}", t.name);
            assert!(dl < momentum_tol, "{}: body {k}: L {l0} -> {l1}", t.name);
        }
        // The bodies really rotated: otherwise the shape test would be empty.
        assert!(s1.bodies[0].quat.angle_between(s.bodies[0].quat) > 0.5);
        let p1 = e.positions().unwrap();
        let range = sys.ranges[nanodemon::system::Group::ColdParticle as usize].clone();
        let mut worst: f64 = 0.0;
        for i in range.clone() {
            for j in range.clone().step_by(7) {
                let d0 = min_image(p0[i], p0[j], sys.box_a).length();
                let d1 = min_image(p1[i], p1[j], sys.box_a).length();
                worst = worst.max((d1 - d0).abs());
            }
        }
        let shape_tol = 16.0 * t.eps * sys.box_a.max_element();
        eprintln!(
            "{}: largest distance change {worst:e} Å (bound {shape_tol:e})",
            t.name
        );
        assert!(worst < shape_tol, "{}: distance change {worst:e} Å", t.name);
        let dk = ((o1.kinetic_energy - o0.kinetic_energy) / o0.kinetic_energy).abs();
        eprintln!("{}: relative change of K {dk:e}", t.name);
        assert!(dk < 1e-6, "{}: relative change of K {dk:e}", t.name);
    }
}

/// Argon and particles without walls or thermostats: internal forces cancel pairwise, so the total momentum
/// changes by exactly the controller's impulse; with κ_C = κ_H (and no trap) that impulse vanishes. On the
/// CPU ΔP − impulse is f64 rounding; on the GPU each pair force is computed from both sides in f32, so the
/// residual is a random walk of f32 roundings of the atoms' momenta: bounded by 4 eps p √(N·steps), p the
/// momentum of one argon atom (~60 amu·Å/ps). The impulse must be well above that bound.
#[test]
fn demon_impulse_is_the_only_momentum_change() {
    let steps = 500;
    for (kc, kh) in [(0.1, 0.48), (0.1, 0.1)] {
        let sc = scenario("small-refrigerator.json", |v| {
            no_thermostats(v);
            v["geometry"]["walls"] = json!(false);
            v["controller"]["trap_kappa_ev_per_a2"] = json!(0.0);
            v["controller"]["kappa_cold_ev_per_a2"] = json!(kc);
            v["controller"]["kappa_hot_ev_per_a2"] = json!(kh);
        });
        let atoms = build_system(&sc).unwrap().len() as f64;
        for mut t in engines(&sc) {
            let e = &mut *t.engine;
            let o0 = e.observe().unwrap();
            e.advance(steps).unwrap();
            let o1 = e.observe().unwrap();
            let dp = o1.momentum - o0.momentum;
            let impulse = o1.controller_impulse - o0.controller_impulse;
            let tol = (1e-8 * 60.0f64).max(4.0 * t.eps * 60.0 * (atoms * steps as f64).sqrt());
            eprintln!(
                "{}: κ_C={kc} κ_H={kh}: |ΔP − impulse| = {:e}, |impulse| = {:e}, bound {tol:e}",
                t.name,
                (dp - impulse).length(),
                impulse.length()
            );
            assert!(
                (dp - impulse).length() < tol,
                "{}: κ_C={kc} κ_H={kh}: ΔP = {dp}, impulse = {impulse}",
                t.name
            );
            if kc == kh {
                assert!(
                    impulse.length() == 0.0 && dp.length() < tol,
                    "{}: reciprocal: ΔP = {dp}",
                    t.name
                );
            } else {
                assert!(
                    impulse.length() > 100.0 * tol,
                    "{}: the test must see a real impulse: {impulse}",
                    t.name
                );
            }
        }
    }
}

/// For each particle, ΔE = W − Q: energy change equals the controller's Stratonovich work minus the heat
/// it dissipated, where Q is integrated independently from the interaction forces and torques.
/// The residual is integration error: it must be small against the heat exchanged.
#[test]
fn first_law_holds_per_particle() {
    let sc = scenario("small-refrigerator.json", |_| {});
    for mut t in engines(&sc) {
        let e = &mut *t.engine;
        let o0 = e.observe().unwrap();
        let mut scale = [0.0f64; 2];
        let mut last = o0.clone();
        for _ in 0..50 {
            e.advance(10).unwrap();
            let o = e.observe().unwrap();
            for k in 0..2 {
                scale[k] += (o.particle_heat[k] - last.particle_heat[k]).abs();
            }
            last = o;
        }
        for k in 0..2 {
            let de = last.particle_energy[k] - o0.particle_energy[k];
            let w = last.work[k] - o0.work[k];
            let q = last.particle_heat[k] - o0.particle_heat[k];
            let res = (de - (w - q)).abs();
            eprintln!(
                "{}: particle {k}: |ΔE − (W − Q)| = {res:e} eV, Σ|dQ| = {:e} eV",
                t.name, scale[k]
            );
            assert!(scale[k] > 0.0);
            assert!(
                res / scale[k] < 2e-3,
                "{}: particle {k}: |ΔE − (W − Q)| = {res:e} eV against Σ|dQ| = {:e} eV",
                t.name,
                scale[k]
            );
        }
    }
}

/// The thermostat heat in the ledger (exact kinetic energy removed by each velocity scaling) equals the time
/// integral of the chain's drain, η̇₁ · 2K, integrated independently here by the trapezoidal rule.
#[test]
fn thermostat_heat_equals_integral_of_chain_drain() {
    let sc = tiny_bath(0.5);
    let sys = build_system(&sc).unwrap();
    let ndof = |b: usize| (3 * sys.ranges[b].len() - 3) as f64;
    let drain = |e: &mut dyn Engine| -> [f64; 2] {
        let s = e.state().unwrap();
        let o = e.observe().unwrap();
        [0, 1].map(|b| {
            s.chains[b].as_ref().unwrap().eta_dot[0] * ndof(b) * KB_EV_PER_K * o.temperature[b]
        })
    };
    let dt = sc.dt_ps();
    for mut t in engines(&sc) {
        let e = &mut *t.engine;
        e.advance(500).unwrap();
        let q0 = e.observe().unwrap().thermostat_heat;
        let mut integral = [0.0; 2];
        let mut magnitude = [0.0; 2];
        let mut r0 = drain(e);
        for _ in 0..1000 {
            e.advance(1).unwrap();
            let r1 = drain(e);
            for b in 0..2 {
                integral[b] += 0.5 * (r0[b] + r1[b]) * dt;
                magnitude[b] += 0.5 * (r0[b].abs() + r1[b].abs()) * dt;
            }
            r0 = r1;
        }
        let q1 = e.observe().unwrap().thermostat_heat;
        for b in 0..2 {
            let ledger = q1[b] - q0[b];
            eprintln!(
                "{}: bath {b}: ledger {ledger:e} eV, ∫η̇·2K dt {:e} eV, ∫|..| {:e} eV",
                t.name, integral[b], magnitude[b]
            );
            assert!(
                magnitude[b] > 1e-2,
                "{}: bath {b}: the thermostat did almost nothing ({:e} eV)",
                t.name,
                magnitude[b]
            );
            assert!(
                (ledger - integral[b]).abs() < 1e-3 * magnitude[b],
                "{}: bath {b}: ledger {ledger:e} eV vs ∫η̇·2K dt = {:e} eV",
                t.name,
                integral[b]
            );
        }
    }
}

/// Least-squares fit of y(t) = a + b sin(ωt) + c cos(ωt): (a, amplitude, phase) with y = a + amp·sin(ωt + phase).
fn fit_sinusoid(t: &[f64], y: &[f64], omega: f64) -> (f64, f64, f64) {
    let mut m = [[0.0f64; 3]; 3];
    let mut r = [0.0f64; 3];
    for (&ti, &yi) in t.iter().zip(y) {
        let f = [1.0, (omega * ti).sin(), (omega * ti).cos()];
        for i in 0..3 {
            r[i] += f[i] * yi;
            for j in 0..3 {
                m[i][j] += f[i] * f[j];
            }
        }
    }
    // Gaussian elimination on the 3×3 normal equations.
    for c in 0..3 {
        for row in c + 1..3 {
            let k = m[row][c] / m[c][c];
            for j in 0..3 {
                m[row][j] -= k * m[c][j];
            }
            r[row] -= k * r[c];
        }
    }
    let mut x = [0.0; 3];
    for i in (0..3).rev() {
        x[i] = (r[i] - (i + 1..3).map(|j| m[i][j] * x[j]).sum::<f64>()) / m[i][i];
    }
    (x[0], x[1].hypot(x[2]), x[2].atan2(x[1]))
}

/// A bath whose thermostat target oscillates, T(t) = 100 K + 40 K sin(2πt/10 ps), follows it: over one
/// period the fitted mean, amplitude and phase of the measured temperature match the protocol (with
/// τ = 0.2 ps ≪ 10 ps the Nosé–Hoover response is essentially instantaneous), while the constant hot bath
/// shows no oscillation. (Single samples scatter by ~6 K in this 192-atom bath; the fits' standard errors
/// are ~1 K for mean and amplitude and ~0.03 rad for the phase.)
#[test]
fn oscillating_bath_follows_its_protocol() {
    let sc = scenario("small-oscillating.json", |v| {
        v["nanoparticle"]["enabled"] = json!(false);
        v["controller"] = json!({"trap_kappa_ev_per_a2": 0.0, "kappa_cold_ev_per_a2": 0.0, "kappa_hot_ev_per_a2": 0.0});
        v["geometry"]["container_length_a"] = json!(22.0);
        for b in ["cold", "hot"] {
            v[b].as_object_mut().unwrap().remove("argon_atoms");
        }
        v["cold"]["oscillation"]["amplitude_k"] = json!(40.0);
        v["hot"]["thermostat"]["damping_ps"] = json!(0.2);
    });
    for mut t in engines(&sc) {
        let e = &mut *t.engine;
        e.advance(1000).unwrap();
        let obs = observe_every(e, 50, 200);
        let time: Vec<f64> = obs.iter().map(|o| o.step as f64 * sc.dt_ps()).collect();
        let omega = std::f64::consts::TAU / 10.0;
        let cold: Vec<f64> = obs.iter().map(|o| o.temperature[0]).collect();
        let (mean, amp, phase) = fit_sinusoid(&time, &cold, omega);
        eprintln!(
            "{}: cold bath: mean {mean:.2} K, amplitude {amp:.2} K, phase {phase:.3} rad",
            t.name
        );
        assert!((mean - 100.0).abs() < 3.0, "{}: mean {mean}", t.name);
        assert!(
            (amp - 40.0).abs() < 4.0,
            "{}: amplitude {amp} K, target 40 K",
            t.name
        );
        assert!(
            phase.abs() < 0.15,
            "{}: phase {phase} rad, target 0",
            t.name
        );
        let hot: Vec<f64> = obs.iter().map(|o| o.temperature[1]).collect();
        let (mean_h, amp_h, _) = fit_sinusoid(&time, &hot, omega);
        eprintln!(
            "{}: hot bath: mean {mean_h:.2} K, amplitude {amp_h:.2} K",
            t.name
        );
        assert!(
            (mean_h - 120.0).abs() < 3.0 && amp_h < 4.0,
            "{}: hot bath: mean {mean_h}, amplitude {amp_h}",
            t.name
        );
    }
}
