//! Simulator of seed 000's Eqs. 1–2: ensembles of independent trajectories of the two coupled
//! underdamped Langevin particles (one Cartesian axis each), run on all cores with `std::thread::scope`.
//!
//! Integrator: BAOAB splitting (Leimkuhler & Matthews 2013). The O step solves the friction + noise
//! part exactly, v ← c v + √((1−c²) k_BT/m) ξ with c = e^{−γΔt/m}, so the scheme stays accurate when
//! Δt is not small against m/γ, unlike Euler–Maruyama. Heat and work follow Sekimoto:
//! * heat into bath μ is minus the kinetic energy the O step gives particle μ (Q > 0: dissipated);
//! * work dW_C = κ_C X_H ∘ dX_C and dW_H = κ_H X_C ∘ dX_H (seed 000, Eq. 19) with the midpoint
//!   (Stratonovich) rule on each drift step, during which both positions move linearly in time, so the
//!   midpoint rule is the exact integral along the discrete path.
//!
//! The first law then holds per step up to the O(Δt²) "shadow work" of the B steps.

use super::demon_pair::linalg::Mat4;
use super::demon_pair::DemonPair;
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::{bail, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// How to run an ensemble.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Time step, ps.
    pub dt_ps: f64,
    /// Relaxation from (0, 0, 0, 0) before measuring, ps.
    pub equilibration_ps: f64,
    /// Measured length of each trajectory, ps.
    pub production_ps: f64,
    /// Record a [`Sample`] every this many ps (0: record nothing).
    pub sample_interval_ps: f64,
    pub trajectories: usize,
    /// Worker threads (0: all available cores).
    pub threads: usize,
    pub seed: u64,
}

/// State and cumulative ledger of one trajectory at a sampling time. Energies in eV, positions in Å
/// (displacement from the own trap centre), velocities in Å/ps; index 0 = cold, 1 = hot.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sample {
    pub time_ps: f64,
    pub x: [f64; 2],
    pub v: [f64; 2],
    pub heat_ev: [f64; 2],
    pub work_ev: [f64; 2],
}

/// What one trajectory measured over its production time.
#[derive(Clone, Debug)]
pub struct Trajectory {
    /// Time average of z zᵀ, z = (X_C, X_H, V_C, V_H): Å², Å²/ps, Å²/ps².
    pub second_moments: Mat4,
    /// Heat into each bath, eV.
    pub heat_ev: [f64; 2],
    /// Work on each particle, eV.
    pub work_ev: [f64; 2],
    /// Change of each particle's energy (kinetic + trap + own demon stiffness, Eq. 17 split), eV.
    pub energy_change_ev: [f64; 2],
    pub production_ps: f64,
    pub samples: Vec<Sample>,
}

impl Settings {
    fn validate(&self) -> Result<()> {
        if !(self.dt_ps > 0.0 && self.dt_ps.is_finite()) {
            bail!("Langevin dt_ps = {}: must be positive", self.dt_ps);
        }
        if !(self.production_ps >= self.dt_ps && self.equilibration_ps >= 0.0) {
            bail!(
                "Langevin production_ps = {} and equilibration_ps = {}: need production ≥ one step and equilibration ≥ 0",
                self.production_ps,
                self.equilibration_ps
            );
        }
        if self.sample_interval_ps < 0.0 || self.trajectories == 0 {
            bail!("Langevin sample_interval_ps must be ≥ 0 and trajectories ≥ 1");
        }
        Ok(())
    }
}

/// Runs `settings.trajectories` independent trajectories; trajectory i uses the random stream
/// (seed, i), so results do not depend on the number of threads.
pub fn simulate(model: &DemonPair, settings: &Settings) -> Result<Vec<Trajectory>> {
    model.validate()?;
    settings.validate()?;
    let threads = if settings.threads == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        settings.threads
    }
    .min(settings.trajectories);
    let mut out: Vec<Option<Trajectory>> = vec![None; settings.trajectories];
    let chunk = settings.trajectories.div_ceil(threads);
    std::thread::scope(|scope| {
        for (c, slots) in out.chunks_mut(chunk).enumerate() {
            scope.spawn(move || {
                for (k, slot) in slots.iter_mut().enumerate() {
                    *slot = Some(run_one(model, settings, (c * chunk + k) as u64));
                }
            });
        }
    });
    Ok(out
        .into_iter()
        .map(|t| t.expect("every slot is filled by its thread"))
        .collect())
}

fn run_one(model: &DemonPair, s: &Settings, index: u64) -> Trajectory {
    let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
    rng.set_stream(index);
    let m = model.mass_amu;
    let k = model.trap_kappa_ev_per_a2 / MVV2E;
    let kc = model.kappa_cold_ev_per_a2 / MVV2E;
    let kh = model.kappa_hot_ev_per_a2 / MVV2E;
    let dt = s.dt_ps;
    let gammas = [model.gamma_cold_amu_per_ps, model.gamma_hot_amu_per_ps];
    let kts = [
        KB_EV_PER_K * model.t_cold_k / MVV2E,
        KB_EV_PER_K * model.t_hot_k / MVV2E,
    ];
    let c: [f64; 2] = std::array::from_fn(|i| (-gammas[i] * dt / m).exp());
    let kick: [f64; 2] = std::array::from_fn(|i| ((1.0 - c[i] * c[i]) * kts[i] / m).sqrt());
    let accel = |x: &[f64; 2]| {
        [
            (-(k + kc) * x[0] + kc * x[1]) / m,
            (kh * x[0] - (k + kh) * x[1]) / m,
        ]
    };
    // Particle energies of Eq. 17 split per particle, model units.
    let energy = |x: &[f64; 2], v: &[f64; 2]| {
        [
            0.5 * m * v[0] * v[0] + 0.5 * (k + kc) * x[0] * x[0],
            0.5 * m * v[1] * v[1] + 0.5 * (k + kh) * x[1] * x[1],
        ]
    };

    let (mut x, mut v) = ([0.0f64; 2], [0.0f64; 2]);
    let (mut heat, mut work) = ([0.0f64; 2], [0.0f64; 2]);
    let mut moments = [[0.0f64; 4]; 4];
    let equil_steps = (s.equilibration_ps / dt).round() as usize;
    let prod_steps = (s.production_ps / dt).round() as usize;
    let sample_every = if s.sample_interval_ps > 0.0 {
        ((s.sample_interval_ps / dt).round() as usize).max(1)
    } else {
        0
    };
    let mut samples = Vec::new();
    let mut e0 = [0.0; 2];

    let drift = |x: &mut [f64; 2], v: &[f64; 2], work: &mut [f64; 2]| {
        let old = *x;
        x[0] += 0.5 * dt * v[0];
        x[1] += 0.5 * dt * v[1];
        work[0] += kc * 0.5 * (old[1] + x[1]) * (x[0] - old[0]);
        work[1] += kh * 0.5 * (old[0] + x[0]) * (x[1] - old[1]);
    };
    let mut a = accel(&x);
    for step in 0..equil_steps + prod_steps {
        if step == equil_steps {
            heat = [0.0; 2];
            work = [0.0; 2];
            e0 = energy(&x, &v);
            if sample_every > 0 {
                samples.push(sample(0.0, &x, &v, &heat, &work));
            }
        }
        v[0] += 0.5 * dt * a[0];
        v[1] += 0.5 * dt * a[1];
        drift(&mut x, &v, &mut work);
        for i in 0..2 {
            let before = v[i];
            let xi: f64 = StandardNormal.sample(&mut rng);
            v[i] = c[i] * v[i] + kick[i] * xi;
            heat[i] -= 0.5 * m * (v[i] * v[i] - before * before);
        }
        drift(&mut x, &v, &mut work);
        a = accel(&x);
        v[0] += 0.5 * dt * a[0];
        v[1] += 0.5 * dt * a[1];
        if step >= equil_steps {
            let z = [x[0], x[1], v[0], v[1]];
            for (i, row) in moments.iter_mut().enumerate() {
                for (j, mij) in row.iter_mut().enumerate() {
                    *mij += z[i] * z[j];
                }
            }
            let n = step + 1 - equil_steps;
            if sample_every > 0 && n % sample_every == 0 {
                samples.push(sample(n as f64 * dt, &x, &v, &heat, &work));
            }
        }
    }
    for row in moments.iter_mut() {
        for mij in row.iter_mut() {
            *mij /= prod_steps as f64;
        }
    }
    let e1 = energy(&x, &v);
    Trajectory {
        second_moments: moments,
        heat_ev: heat.map(|q| q * MVV2E),
        work_ev: work.map(|w| w * MVV2E),
        energy_change_ev: [(e1[0] - e0[0]) * MVV2E, (e1[1] - e0[1]) * MVV2E],
        production_ps: prod_steps as f64 * dt,
        samples,
    }
}

fn sample(time_ps: f64, x: &[f64; 2], v: &[f64; 2], heat: &[f64; 2], work: &[f64; 2]) -> Sample {
    Sample {
        time_ps,
        x: *x,
        v: *v,
        heat_ev: heat.map(|q| q * MVV2E),
        work_ev: work.map(|w| w * MVV2E),
    }
}

/// Mean and standard error over trajectories of f(trajectory): the trajectories are independent, so
/// the error is the sample standard deviation over √N (no autocorrelation correction needed).
pub fn mean_and_error(trajectories: &[Trajectory], f: impl Fn(&Trajectory) -> f64) -> (f64, f64) {
    let n = trajectories.len() as f64;
    let values: Vec<f64> = trajectories.iter().map(f).collect();
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}
