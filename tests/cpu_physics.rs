//! Physics of the CPU reference engine, each property checked against an independent standard: conservation
//! laws, the exact impulse of the controller, the first law, and statistical mechanics.

#![allow(clippy::needless_range_loop)] // index loops over the two sides and 3×3 normal equations read best

mod common;

use common::*;
use glam::DVec3;
use nanodemon::engine::cpu::{min_image, CpuEngine};
use nanodemon::engine::Engine;
use nanodemon::system::build_system;
use nanodemon::units::KB_EV_PER_K;
use serde_json::{json, Value};

fn no_thermostats(v: &mut Value) {
    v["cold"]["thermostat"] = Value::Null;
    v["hot"]["thermostat"] = Value::Null;
}

/// Max |H(t) − H(0)| over `steps` steps of NVE, sampled every 10 steps, relative to the kinetic energy.
fn nve_error(timestep_fs: f64, steps: u64) -> f64 {
    let sc = scenario("small-equilibrium.json", |v| {
        no_thermostats(v);
        v["run"]["timestep_fs"] = json!(timestep_fs);
    });
    let (_, mut e) = cpu(&sc);
    let o0 = e.observe().unwrap();
    let obs = observe_every(&mut e, 10, (steps / 10) as usize);
    obs.iter()
        .map(|o| (o.conserved - o0.conserved).abs())
        .fold(0.0, f64::max)
        / o0.kinetic_energy
}

/// Velocity Verlet conserves a shadow Hamiltonian that differs from H by O(dt²): the energy error stays
/// bounded (no drift) and scales with the square of the timestep. Both are checked: at 1 fs the largest
/// excursion over 2 ps stays below 1e-4 of the kinetic energy, and halving the timestep divides it by ~4.
#[test]
fn nve_energy_error_is_small_and_second_order_in_dt() {
    let e1 = nve_error(1.0, 2000);
    let e2 = nve_error(0.5, 4000);
    assert!(e1 < 1e-4, "max relative energy error at 1 fs: {e1:e}");
    let ratio = e1 / e2;
    assert!(
        (2.5..6.5).contains(&ratio),
        "error ratio dt/(dt/2) = {ratio} ({e1:e} vs {e2:e}); expected ~4"
    );
}

/// A small box without nanoparticles, for fast statistics.
fn tiny_bath(damping_ps: f64) -> nanodemon::scenario::Scenario {
    scenario("small-equilibrium.json", |v| {
        v["nanoparticle"]["enabled"] = json!(false);
        v["controller"] = json!({"trap_kappa_ev_per_a2": 0.0, "kappa_cold_ev_per_a2": 0.0, "kappa_hot_ev_per_a2": 0.0});
        v["geometry"]["container_length_a"] = json!(22.0);
        for b in ["cold", "hot"] {
            v[b].as_object_mut().unwrap().remove("argon_atoms");
            v[b]["thermostat"]["damping_ps"] = json!(damping_ps);
        }
    })
}

/// Nosé–Hoover samples the canonical ensemble: each bath's mean temperature equals the target within its
/// statistical error (block averages over 20 ps), and the extended conserved quantity drifts no more than the
/// NVE energy does over the same time.
#[test]
fn nose_hoover_holds_each_bath_at_its_target_temperature() {
    let sc = tiny_bath(0.2);
    let (_, mut e) = cpu(&sc);
    e.advance(5000).unwrap();
    let o0 = e.observe().unwrap();
    let obs = observe_every(&mut e, 50, 400);
    for (b, target) in [(0, 100.0), (1, 120.0)] {
        let t: Vec<f64> = obs.iter().map(|o| o.temperature[b]).collect();
        let (mean, err) = mean_and_error(&t);
        assert!(
            (mean - target).abs() < 4.0 * err + 0.2,
            "bath {b}: mean T = {mean:.3} ± {err:.3} K, target {target} K"
        );
        assert!(
            err < 2.0,
            "bath {b}: error bar {err} K too large to test anything"
        );
    }
    let drift = obs
        .iter()
        .map(|o| (o.conserved - o0.conserved).abs())
        .fold(0.0, f64::max)
        / o0.kinetic_energy;
    let nve = {
        let sc = scenario("small-equilibrium.json", |v| {
            no_thermostats(v);
            v["nanoparticle"]["enabled"] = json!(false);
            v["controller"] = json!({"trap_kappa_ev_per_a2": 0.0, "kappa_cold_ev_per_a2": 0.0, "kappa_hot_ev_per_a2": 0.0});
            v["geometry"]["container_length_a"] = json!(22.0);
            for b in ["cold", "hot"] {
                v[b].as_object_mut().unwrap().remove("argon_atoms");
            }
        });
        let (_, mut e) = cpu(&sc);
        e.advance(5000).unwrap();
        let o0 = e.observe().unwrap();
        let obs = observe_every(&mut e, 50, 400);
        obs.iter()
            .map(|o| (o.conserved - o0.conserved).abs())
            .fold(0.0, f64::max)
            / o0.kinetic_energy
    };
    assert!(
        drift <= 2.0 * nve + 1e-6,
        "NVT conserved-quantity excursion {drift:e} vs NVE {nve:e}"
    );
}

/// Two free nanoparticles in vacuum: momentum and angular momentum are conserved, and the atoms of each
/// body keep their distances to 1e-10 Å.
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
    let mut e = CpuEngine::new(&sc, &sys, 1).unwrap();
    let mut s = e.state().unwrap();
    s.bodies[0].vcom = DVec3::new(0.3, -0.1, 0.2);
    s.bodies[0].angmom = DVec3::new(9.0e4, -3.0e4, 6.0e4);
    s.bodies[1].angmom = DVec3::new(-1.0e4, 4.0e4, 0.5e4);
    e.restore(&s).unwrap();
    let p0 = e.positions().unwrap();
    let o0 = e.observe().unwrap();
    e.advance(3000).unwrap();
    let s1 = e.state().unwrap();
    let o1 = e.observe().unwrap();
    assert!((o1.momentum - o0.momentum).length() < 1e-9 * o0.momentum.length());
    for k in 0..2 {
        let (l0, l1) = (s.bodies[k].angmom, s1.bodies[k].angmom);
        assert!(
            (l1 - l0).length() < 1e-9 * l0.length(),
            "body {k}: L {l0} -> {l1}"
        );
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
    assert!(worst < 1e-10, "distance change {worst:e} Å");
    assert!(((o1.kinetic_energy - o0.kinetic_energy) / o0.kinetic_energy).abs() < 1e-6);
}

/// Argon and particles without walls or thermostats: internal forces cancel pairwise, so the total momentum
/// changes by exactly the controller's impulse; with κ_C = κ_H (and no trap) that impulse vanishes.
#[test]
fn demon_impulse_is_the_only_momentum_change() {
    for (kc, kh) in [(0.1, 0.48), (0.1, 0.1)] {
        let sc = scenario("small-refrigerator.json", |v| {
            no_thermostats(v);
            v["geometry"]["walls"] = json!(false);
            v["controller"]["trap_kappa_ev_per_a2"] = json!(0.0);
            v["controller"]["kappa_cold_ev_per_a2"] = json!(kc);
            v["controller"]["kappa_hot_ev_per_a2"] = json!(kh);
        });
        let (_, mut e) = cpu(&sc);
        let o0 = e.observe().unwrap();
        e.advance(1500).unwrap();
        let o1 = e.observe().unwrap();
        let dp = o1.momentum - o0.momentum;
        let impulse = o1.controller_impulse - o0.controller_impulse;
        // Scale: the momentum of one argon atom at 100 K is ~ 40 amu · 1.5 Å/ps.
        let tol = 1e-8 * 60.0;
        assert!(
            (dp - impulse).length() < tol,
            "κ_C={kc} κ_H={kh}: ΔP = {dp}, impulse = {impulse}"
        );
        if kc == kh {
            assert!(
                impulse.length() == 0.0 && dp.length() < tol,
                "reciprocal: ΔP = {dp}"
            );
        } else {
            assert!(
                impulse.length() > 1e3 * tol,
                "the test must see a real impulse: {impulse}"
            );
        }
    }
}

/// For each particle, ΔE = W − Q: energy change equals the controller's Stratonovich work minus the heat
/// it dissipated, where Q is integrated independently from the interaction forces and torques.
/// The residual is integration error: it must be small against the heat exchanged and shrink with dt.
#[test]
fn first_law_holds_per_particle() {
    let residual = |timestep_fs: f64, steps: u64| -> [(f64, f64); 2] {
        let sc = scenario("small-refrigerator.json", |v| {
            v["run"]["timestep_fs"] = json!(timestep_fs)
        });
        let (_, mut e) = cpu(&sc);
        let o0 = e.observe().unwrap();
        let mut scale = [0.0f64; 2];
        let mut last = o0.clone();
        for _ in 0..steps / 10 {
            e.advance(10).unwrap();
            let o = e.observe().unwrap();
            for k in 0..2 {
                scale[k] += (o.particle_heat[k] - last.particle_heat[k]).abs();
            }
            last = o;
        }
        [0, 1].map(|k| {
            let de = last.particle_energy[k] - o0.particle_energy[k];
            let w = last.work[k] - o0.work[k];
            let q = last.particle_heat[k] - o0.particle_heat[k];
            ((de - (w - q)).abs(), scale[k])
        })
    };
    let r1 = residual(1.0, 1000);
    for (k, (res, scale)) in r1.iter().enumerate() {
        assert!(*scale > 0.0);
        assert!(
            res / scale < 2e-3,
            "particle {k}: |ΔE − (W − Q)| = {res:e} eV against Σ|dQ| = {scale:e} eV"
        );
    }
}

/// The thermostat heat in the ledger (exact kinetic energy removed by each velocity scaling) equals the time
/// integral of the chain's drain, η̇₁ · 2K, integrated independently here by the trapezoidal rule.
#[test]
fn thermostat_heat_equals_integral_of_chain_drain() {
    let sc = tiny_bath(0.5);
    let (sys, mut e) = cpu(&sc);
    e.advance(500).unwrap();
    let ndof = |b: usize| (3 * sys.ranges[b].len() - 3) as f64;
    let drain = |e: &mut CpuEngine| -> [f64; 2] {
        let s = e.state().unwrap();
        let o = e.observe().unwrap();
        [0, 1].map(|b| {
            s.chains[b].as_ref().unwrap().eta_dot[0] * ndof(b) * KB_EV_PER_K * o.temperature[b]
        })
    };
    let q0 = e.observe().unwrap().thermostat_heat;
    let dt = sc.dt_ps();
    let mut integral = [0.0; 2];
    let mut magnitude = [0.0; 2];
    let mut r0 = drain(&mut e);
    for _ in 0..2000 {
        e.advance(1).unwrap();
        let r1 = drain(&mut e);
        for b in 0..2 {
            integral[b] += 0.5 * (r0[b] + r1[b]) * dt;
            magnitude[b] += 0.5 * (r0[b].abs() + r1[b].abs()) * dt;
        }
        r0 = r1;
    }
    let q1 = e.observe().unwrap().thermostat_heat;
    for b in 0..2 {
        let ledger = q1[b] - q0[b];
        assert!(
            magnitude[b] > 1e-2,
            "bath {b}: the thermostat did almost nothing ({:e} eV)",
            magnitude[b]
        );
        assert!(
            (ledger - integral[b]).abs() < 1e-3 * magnitude[b],
            "bath {b}: ledger {ledger:e} eV vs ∫η̇·2K dt = {:e} eV",
            integral[b]
        );
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

/// A bath whose thermostat target oscillates, T(t) = 100 K + 20 K sin(2πt/10 ps), follows it: the fitted
/// mean, amplitude and phase of the measured temperature match the protocol (with τ = 0.2 ps ≪ 10 ps the
/// Nosé–Hoover response is essentially instantaneous), while the constant hot bath shows no oscillation.
#[test]
fn oscillating_bath_follows_its_protocol() {
    let sc = scenario("small-oscillating.json", |v| {
        v["nanoparticle"]["enabled"] = json!(false);
        v["controller"] = json!({"trap_kappa_ev_per_a2": 0.0, "kappa_cold_ev_per_a2": 0.0, "kappa_hot_ev_per_a2": 0.0});
        v["geometry"]["container_length_a"] = json!(22.0);
        for b in ["cold", "hot"] {
            v[b].as_object_mut().unwrap().remove("argon_atoms");
        }
        v["hot"]["thermostat"]["damping_ps"] = json!(0.2);
    });
    let (_, mut e) = cpu(&sc);
    e.advance(3000).unwrap();
    let obs = observe_every(&mut e, 50, 400);
    let t: Vec<f64> = obs.iter().map(|o| o.step as f64 * sc.dt_ps()).collect();
    let omega = std::f64::consts::TAU / 10.0;
    let cold: Vec<f64> = obs.iter().map(|o| o.temperature[0]).collect();
    let (mean, amp, phase) = fit_sinusoid(&t, &cold, omega);
    assert!((mean - 100.0).abs() < 2.0, "mean {mean}");
    assert!((amp - 20.0).abs() < 2.0, "amplitude {amp} K, target 20 K");
    assert!(phase.abs() < 0.15, "phase {phase} rad, target 0");
    let hot: Vec<f64> = obs.iter().map(|o| o.temperature[1]).collect();
    let (mean_h, amp_h, _) = fit_sinusoid(&t, &hot, omega);
    assert!(
        (mean_h - 120.0).abs() < 2.0 && amp_h < 2.0,
        "hot bath: mean {mean_h}, amplitude {amp_h}"
    );
}
