//! One nanoparticle's bath with memory: the generalised Langevin equation
//! m V̇ = F_sys − ∫₀^t K(t−s) V(s) ds + ξ(t), ⟨ξ(t)ξ(s)⟩ = k_B T K(|t−s|) (second fluctuation–dissipation
//! theorem), with K(t) = 2γ₀δ(t) + Σ_k c_k e^{−t/τ_k} + K_shell(t), written as a Markovian embedding:
//!
//! * instantaneous friction γ₀ with white noise, as in seed 000's Eqs. 1–2;
//! * each exponential mode is an Ornstein–Uhlenbeck force u_k on the particle,
//!   du_k = (−u_k/τ_k − c_k V) dt + √(2 c_k k_B T/τ_k) dW_k, so ⟨u_k²⟩ = c_k k_B T;
//! * an optional "shell" (argon that moves with the particle, sharing its momentum): a mass m_s with
//!   velocity W, tied to the particle by a damper γ_r (force γ_r(W − V) + η on the particle and the
//!   opposite on the shell, ⟨η η⟩ = 2γ_r k_BT δ) and optionally a spring k_s on the relative
//!   displacement r = S − X (ṙ = W − V), and dragged by the rest of the liquid with white friction γ_s.
//!   The damper makes K(t) = 2(γ₀ + γ_r)δ(t) minus a positive exponential: friction that is large on
//!   short time scales and small on long ones, with a positive added mass, which exponential modes
//!   (K > 0) cannot give. In the frequency domain the shell is two impedances in series,
//!   γ_shell(ω) = Z Y/(Z + Y) with Z = γ_r + i k_s/ω (the coupling) and Y = γ_s − iω m_s (the shell).
//!
//! The extended system is linear with Gibbs state ∝ exp(−H/k_BT), where
//! H = ½mV² + U(X) + Σ u_k²/(2c_k) + ½m_sW² + ½k_s r², so the equilibrium position and velocity variances are those of the Markov
//! model for every bath; only the dynamics (and hence driven steady states) differ.
//!
//! Units: amu, Å, ps; c_k and k_s in amu/ps², frictions in amu/ps.

use anyhow::{bail, Result};
use serde::Serialize;

/// One exponential term c e^{−t/τ} of the memory kernel.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ExpMode {
    pub strength_amu_per_ps2: f64,
    pub tau_ps: f64,
}

/// A shell degree of freedom (see the module documentation); `stiffness_amu_per_ps2 = 0` is a purely
/// viscous coupling (no relative-position variable), the form the fit uses.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Shell {
    pub mass_amu: f64,
    pub stiffness_amu_per_ps2: f64,
    /// γ_s, shell to the rest of the bath.
    pub friction_amu_per_ps: f64,
    /// γ_r, particle to shell.
    pub coupling_friction_amu_per_ps: f64,
}

impl Shell {
    /// Auxiliary variables: W, and r when there is a spring.
    pub fn aux_dim(&self) -> usize {
        if self.stiffness_amu_per_ps2 > 0.0 {
            2
        } else {
            1
        }
    }
}

/// The memory kernel of one particle's bath.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryBath {
    pub gamma0_amu_per_ps: f64,
    pub modes: Vec<ExpMode>,
    pub shell: Option<Shell>,
}

/// Frequency response of the bath at angular frequency ω (1/ps): the friction force on a particle
/// moving as V e^{−iωt} is −γ(ω)V = −Re γ(ω) V − m_add(ω) V̇, so Re γ(ω) is the dissipative friction
/// and m_add(ω) = −Im γ(ω)/ω the mass the bath adds (negative: the bath acts as a spring).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Response {
    pub omega_per_ps: f64,
    pub gamma_re_amu_per_ps: f64,
    pub added_mass_amu: f64,
}

impl MemoryBath {
    /// Seed 000's memoryless bath: K(t) = 2γδ(t).
    pub fn markov(gamma_amu_per_ps: f64) -> MemoryBath {
        MemoryBath {
            gamma0_amu_per_ps: gamma_amu_per_ps,
            modes: vec![],
            shell: None,
        }
    }

    /// Auxiliary state variables of the embedding: one per mode, one or two for the shell.
    pub fn aux_dim(&self) -> usize {
        self.modes.len() + self.shell.map_or(0, |s| s.aux_dim())
    }

    /// Every parameter finite and non-negative, time constants and shell mass positive; `name` says
    /// which bath in the error.
    pub fn validate(&self, name: &str) -> Result<()> {
        let g = self.gamma0_amu_per_ps;
        if !(g.is_finite() && g >= 0.0) {
            bail!("{name}: gamma0_amu_per_ps = {g}: must be finite and ≥ 0");
        }
        for (k, m) in self.modes.iter().enumerate() {
            if !(m.strength_amu_per_ps2.is_finite() && m.strength_amu_per_ps2 >= 0.0) {
                bail!(
                    "{name}: modes[{k}].strength_amu_per_ps2 = {}: must be finite and ≥ 0",
                    m.strength_amu_per_ps2
                );
            }
            if !(m.tau_ps.is_finite() && m.tau_ps > 0.0) {
                bail!("{name}: modes[{k}].tau_ps = {}: must be positive", m.tau_ps);
            }
        }
        if let Some(s) = &self.shell {
            for (field, v) in [
                ("mass_amu", s.mass_amu),
                ("friction_amu_per_ps", s.friction_amu_per_ps),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    bail!("{name}: shell.{field} = {v}: must be positive and finite");
                }
            }
            for (field, v) in [
                ("stiffness_amu_per_ps2", s.stiffness_amu_per_ps2),
                (
                    "coupling_friction_amu_per_ps",
                    s.coupling_friction_amu_per_ps,
                ),
            ] {
                if !(v.is_finite() && v >= 0.0) {
                    bail!("{name}: shell.{field} = {v}: must be finite and ≥ 0");
                }
            }
            if s.stiffness_amu_per_ps2 == 0.0 && s.coupling_friction_amu_per_ps == 0.0 {
                bail!("{name}: the shell is not coupled to the particle (stiffness and coupling friction both 0); drop it or couple it");
            }
        }
        if self.gamma0_amu_per_ps == 0.0 && self.modes.is_empty() && self.shell.is_none() {
            bail!("{name}: the bath has no friction at all (γ₀ = 0, no modes, no shell); the particle would never equilibrate");
        }
        Ok(())
    }

    /// γ(ω) = ∫₀^∞ K(t) e^{iωt} dt as (Re, Im), amu/ps: γ₀ + Σ c τ/(1 − iωτ) + Z Y/(Z + Y) for the
    /// shell (module documentation); ω > 0.
    pub fn gamma_omega(&self, omega: f64) -> (f64, f64) {
        let mut re = self.gamma0_amu_per_ps;
        let mut im = 0.0;
        for m in &self.modes {
            let wt = omega * m.tau_ps;
            let d = 1.0 + wt * wt;
            re += m.strength_amu_per_ps2 * m.tau_ps / d;
            im += m.strength_amu_per_ps2 * m.tau_ps * wt / d;
        }
        if let Some(s) = &self.shell {
            let z = (
                s.coupling_friction_amu_per_ps,
                s.stiffness_amu_per_ps2 / omega,
            );
            let y = (s.friction_amu_per_ps, -omega * s.mass_amu);
            let num = (z.0 * y.0 - z.1 * y.1, z.0 * y.1 + z.1 * y.0);
            let den = (z.0 + y.0, z.1 + y.1);
            let d2 = den.0 * den.0 + den.1 * den.1;
            re += (num.0 * den.0 + num.1 * den.1) / d2;
            im += (num.1 * den.0 - num.0 * den.1) / d2;
        }
        (re, im)
    }

    /// Re γ(ω) and m_add(ω) (see [`Response`]); ω = 0 is evaluated at ω = 10⁻⁶/ps, where every term
    /// is at its zero-frequency limit to a relative (ωτ)² ≤ 10⁻⁴ for time scales τ up to 10⁴ ps.
    pub fn response(&self, omega: f64) -> Response {
        let w = omega.max(1e-6);
        let (re, im) = self.gamma_omega(w);
        Response {
            omega_per_ps: omega,
            gamma_re_amu_per_ps: re,
            added_mass_amu: -im / w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::dense::Mat;
    use super::super::system::{LinearSystem, Particle};
    use super::*;

    fn bath(stiffness: f64) -> MemoryBath {
        MemoryBath {
            gamma0_amu_per_ps: 300.0,
            modes: vec![ExpMode {
                strength_amu_per_ps2: 150.0,
                tau_ps: 4.0,
            }],
            shell: Some(Shell {
                mass_amu: 3000.0,
                stiffness_amu_per_ps2: stiffness,
                friction_amu_per_ps: 900.0,
                coupling_friction_amu_per_ps: 2000.0,
            }),
        }
    }

    /// K(t) = −m A_{V,aux} e^{A_aux t} A_{aux,V} from the embedding's drift, and the instantaneous
    /// friction −m A_{VV}: a route to γ(ω) that does not use the impedance formula.
    fn kernel_from_embedding(b: &MemoryBath) -> (impl Fn(f64) -> f64, f64) {
        let m = 10_000.0;
        let sys = LinearSystem::new(
            &[vec![1.0]],
            &[Particle {
                mass_amu: m,
                t_k: 100.0,
                bath: b.clone(),
            }],
        );
        let na = b.aux_dim();
        let mut g = Mat::zeros(na);
        for i in 0..na {
            for j in 0..na {
                g[(i, j)] = sys.drift[(2 + i, 2 + j)];
            }
        }
        let drift = sys.drift.clone();
        let kernel = move |t: f64| {
            let e = g.expm(t);
            let mut k = 0.0;
            for i in 0..na {
                for j in 0..na {
                    k -= m * drift[(1, 2 + i)] * e[(i, j)] * drift[(2 + j, 1)];
                }
            }
            k
        };
        (kernel, -m * sys.drift[(1, 1)])
    }

    #[test]
    fn closed_form_gamma_omega_is_the_fourier_integral_of_the_embedding_kernel() {
        for stiffness in [0.0, 4000.0] {
            let b = bath(stiffness);
            let (kernel, instant) = kernel_from_embedding(&b);
            // Trapezoid rule, step 2 fs, to 120 ps where the kernel has decayed to < 1e-12 of K(0).
            let h = 2e-3;
            let n = 60_000;
            let ks: Vec<f64> = (0..=n).map(|k| kernel(k as f64 * h)).collect();
            for omega in [1e-3, 0.1, 0.5, 2.0] {
                let (mut re, mut im) = (instant, 0.0);
                for (k, kt) in ks.iter().enumerate() {
                    let t = k as f64 * h;
                    let w = if k == 0 || k == n { 0.5 } else { 1.0 };
                    re += w * h * kt * (omega * t).cos();
                    im += w * h * kt * (omega * t).sin();
                }
                let (cr, ci) = b.gamma_omega(omega);
                let scale = instant;
                assert!(
                    (re - cr).abs() < 1e-4 * scale,
                    "k_s={stiffness} ω={omega}: Re {re} vs {cr}"
                );
                assert!(
                    (im - ci).abs() < 1e-4 * scale,
                    "k_s={stiffness} ω={omega}: Im {im} vs {ci}"
                );
            }
        }
    }

    #[test]
    fn viscous_shell_adds_its_mass_and_its_friction_in_series_at_low_frequency() {
        let s = Shell {
            mass_amu: 3000.0,
            stiffness_amu_per_ps2: 0.0,
            friction_amu_per_ps: 900.0,
            coupling_friction_amu_per_ps: 2000.0,
        };
        let b = MemoryBath {
            gamma0_amu_per_ps: 0.0,
            modes: vec![],
            shell: Some(s),
        };
        let r = b.response(0.0);
        let (gs, gr) = (s.friction_amu_per_ps, s.coupling_friction_amu_per_ps);
        assert!((r.gamma_re_amu_per_ps - gs * gr / (gs + gr)).abs() < 1e-6 * gs);
        // Z Y/(Z+Y) to first order in ω: m_add(0) = m_s γ_r²/(γ_r + γ_s)².
        let expected = s.mass_amu * gr * gr / (gr + gs).powi(2);
        assert!((r.added_mass_amu - expected).abs() < 1e-6 * s.mass_amu);
    }
}
