//! The extended linear SDE dz = A z dt + noise (intensity 2D) of P harmonically coupled particles,
//! each with its own bath with memory (see [`super::bath`]). State layout: X_0..X_{P−1},
//! V_0..V_{P−1}, then each particle's auxiliary variables in turn (its modes u_k, then the shell's
//! W and, with a spring, r). Units amu, Å, ps; energies in amu·Å²/ps² (× MVV2E for eV).

use super::bath::MemoryBath;
use super::dense::Mat;
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::Result;

/// One particle: its mass, its bath and the bath's temperature.
#[derive(Clone, Debug)]
pub struct Particle {
    pub mass_amu: f64,
    pub t_k: f64,
    pub bath: MemoryBath,
}

/// Drift and noise of the extended system.
#[derive(Clone, Debug)]
pub struct LinearSystem {
    pub drift: Mat,
    pub noise: Mat,
    pub particles: Vec<Particle>,
    /// Index of each particle's first auxiliary variable.
    aux_start: Vec<usize>,
}

impl Particle {
    /// k_B T in model units (amu·Å²/ps²).
    pub fn kt(&self) -> f64 {
        KB_EV_PER_K * self.t_k / MVV2E
    }
}

impl LinearSystem {
    /// `stiffness[p][q]` (amu/ps²): the conservative force on particle p is −Σ_q stiffness[p][q] X_q.
    pub fn new(stiffness: &[Vec<f64>], particles: &[Particle]) -> LinearSystem {
        let p_n = particles.len();
        let mut aux_start = Vec::with_capacity(p_n);
        let mut n = 2 * p_n;
        for p in particles {
            aux_start.push(n);
            n += p.bath.aux_dim();
        }
        let mut a = Mat::zeros(n);
        let mut q = Mat::zeros(n);
        for (p, part) in particles.iter().enumerate() {
            let (x, v, m, kt) = (p, p_n + p, part.mass_amu, part.kt());
            let b = &part.bath;
            a[(x, v)] = 1.0;
            for (qi, k) in stiffness[p].iter().enumerate() {
                a[(v, qi)] = -k / m;
            }
            a[(v, v)] = -b.gamma0_amu_per_ps / m;
            q[(v, v)] = 2.0 * b.gamma0_amu_per_ps * kt / (m * m);
            let mut j = aux_start[p];
            for mode in &b.modes {
                // du = (−u/τ − c V) dt + √(2 c k_BT/τ) dW; force u on the particle.
                a[(v, j)] = 1.0 / m;
                a[(j, j)] = -1.0 / mode.tau_ps;
                a[(j, v)] = -mode.strength_amu_per_ps2;
                q[(j, j)] = 2.0 * mode.strength_amu_per_ps2 * kt / mode.tau_ps;
                j += 1;
            }
            if let Some(s) = &b.shell {
                // Shell velocity W; damper γ_r between particle and shell with its noise acting on
                // both with opposite signs; friction γ_s on the shell; optional spring on r = S − X.
                let w = j;
                let (ms, gr, gs) = (
                    s.mass_amu,
                    s.coupling_friction_amu_per_ps,
                    s.friction_amu_per_ps,
                );
                a[(v, v)] -= gr / m;
                a[(v, w)] = gr / m;
                a[(w, v)] = gr / ms;
                a[(w, w)] = -(gr + gs) / ms;
                q[(v, v)] += 2.0 * gr * kt / (m * m);
                q[(w, w)] = 2.0 * (gr + gs) * kt / (ms * ms);
                q[(v, w)] = -2.0 * gr * kt / (m * ms);
                q[(w, v)] = q[(v, w)];
                if s.stiffness_amu_per_ps2 > 0.0 {
                    let r = j + 1;
                    let ks = s.stiffness_amu_per_ps2;
                    a[(v, r)] = ks / m;
                    a[(w, r)] = -ks / ms;
                    a[(r, w)] = 1.0;
                    a[(r, v)] = -1.0;
                }
            }
        }
        LinearSystem {
            drift: a,
            noise: q,
            particles: particles.to_vec(),
            aux_start,
        }
    }

    pub fn dim(&self) -> usize {
        self.drift.dim()
    }

    pub fn position_index(&self, p: usize) -> usize {
        p
    }

    pub fn velocity_index(&self, p: usize) -> usize {
        self.particles.len() + p
    }

    /// Stationary covariance Σ from A Σ + Σ Aᵀ + 2D = 0.
    pub fn covariance(&self) -> Result<Mat> {
        self.drift.lyapunov(&self.noise)
    }

    /// ⟨Q̇_p⟩, the power the particle dissipates into its bath, −⟨F_bath ∘ V⟩, in amu·Å²/ps³:
    /// γ₀(⟨V²⟩ − k_BT/m) (Stratonovich, as seed 000's Markov heat) − Σ_k ⟨u_k V⟩, and for the shell
    /// γ_r(⟨V²⟩ − ⟨W V⟩ − k_BT/m) − k_s ⟨r V⟩. In a stationary state the auxiliary energies are
    /// constant, so this is also the heat the bath's reservoirs receive.
    pub fn heat_rate(&self, sigma: &Mat, p: usize) -> f64 {
        let part = &self.particles[p];
        let v = self.velocity_index(p);
        let b = &part.bath;
        let thermal = part.kt() / part.mass_amu;
        let mut q = b.gamma0_amu_per_ps * (sigma[(v, v)] - thermal);
        let mut j = self.aux_start[p];
        for _ in &b.modes {
            q -= sigma[(j, v)];
            j += 1;
        }
        if let Some(s) = &b.shell {
            q += s.coupling_friction_amu_per_ps * (sigma[(v, v)] - sigma[(j, v)] - thermal);
            if s.stiffness_amu_per_ps2 > 0.0 {
                q -= s.stiffness_amu_per_ps2 * sigma[(j + 1, v)];
            }
        }
        q
    }

    /// Stationary autocovariance ⟨z_i(t) z_i(0)⟩ = [e^{At} Σ]_ii at each of the ascending `times`
    /// (ps): Σ's column is propagated from one time to the next, with e^{A·gap} recomputed only when
    /// the gap changes (a lag grid has one or two distinct gaps).
    pub fn autocovariance(&self, sigma: &Mat, i: usize, times: &[f64]) -> Vec<f64> {
        let n = self.dim();
        let mut w: Vec<f64> = (0..n).map(|j| sigma[(j, i)]).collect();
        let mut now = 0.0;
        let mut cached: Option<(f64, Mat)> = None;
        let mut out = Vec::with_capacity(times.len());
        for &t in times {
            let gap = t - now;
            if gap > 0.0 {
                let same = matches!(&cached, Some((g, _)) if (g - gap).abs() <= 1e-9 * gap);
                if !same {
                    cached = Some((gap, self.drift.expm(gap)));
                }
                let f = &cached.as_ref().expect("propagator set above").1;
                w = (0..n)
                    .map(|r| (0..n).map(|c| f[(r, c)] * w[c]).sum())
                    .collect();
                now = t;
            }
            out.push(w[i]);
        }
        out
    }
}
