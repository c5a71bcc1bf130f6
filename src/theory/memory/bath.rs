//! One nanoparticle's bath with memory: the generalised Langevin equation
//! m V̇ = F_sys − ∫₀^t K(t−s) V(s) ds + ξ(t), ⟨ξ(t)ξ(s)⟩ = k_B T K(|t−s|) (second fluctuation–dissipation
//! theorem), with K(t) = 2γ₀δ(t) + Σ_k c_k e^{−t/τ_k} + K_shell(t), written as a Markovian embedding:
//!
//! * instantaneous friction γ₀ with white noise, as in seed 000's Eqs. 1–2;
//! * each exponential mode is an Ornstein–Uhlenbeck force u_k on the particle,
//!   du_k = (−u_k/τ_k − c_k V) dt + √(2 c_k k_B T/τ_k) dW_k, so ⟨u_k²⟩ = c_k k_B T;
//! * an optional "shell" (argon that moves with the particle): a mass m_s at relative displacement
//!   r = S − X on a spring k_s, with its own white friction γ_s at the bath temperature,
//!   ṙ = W − V, m_s Ẇ = −k_s r − γ_s W + √(2γ_s k_B T) ξ, force on the particle k_s r.
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

/// An underdamped shell degree of freedom (see the module documentation).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Shell {
    pub mass_amu: f64,
    pub stiffness_amu_per_ps2: f64,
    pub friction_amu_per_ps: f64,
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

    /// Auxiliary state variables of the embedding: one per mode, two for the shell.
    pub fn aux_dim(&self) -> usize {
        self.modes.len() + if self.shell.is_some() { 2 } else { 0 }
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
                ("stiffness_amu_per_ps2", s.stiffness_amu_per_ps2),
                ("friction_amu_per_ps", s.friction_amu_per_ps),
            ] {
                if !(v.is_finite() && v > 0.0) {
                    bail!("{name}: shell.{field} = {v}: must be positive and finite");
                }
            }
        }
        if self.gamma0_amu_per_ps == 0.0 && self.modes.is_empty() && self.shell.is_none() {
            bail!("{name}: the bath has no friction at all (γ₀ = 0, no modes, no shell); the particle would never equilibrate");
        }
        Ok(())
    }

    /// Memory kernel K(t) for t > 0 without the δ part, amu/ps² (the shell's part from its damped
    /// spring response, K_shell(t) = k_s e^{−Γt}[cos ω_s t + (Γ/ω_s) sin ω_s t] with Γ = γ_s/2m_s).
    pub fn kernel(&self, t_ps: f64) -> f64 {
        let modes: f64 = self
            .modes
            .iter()
            .map(|m| m.strength_amu_per_ps2 * (-t_ps / m.tau_ps).exp())
            .sum();
        let shell = self.shell.map_or(0.0, |s| {
            let g = s.friction_amu_per_ps / (2.0 * s.mass_amu);
            let w2 = s.stiffness_amu_per_ps2 / s.mass_amu - g * g;
            let (c, sn) = if w2 > 0.0 {
                let w = w2.sqrt();
                ((w * t_ps).cos(), (w * t_ps).sin() / w)
            } else if w2 < 0.0 {
                let w = (-w2).sqrt();
                ((w * t_ps).cosh(), (w * t_ps).sinh() / w)
            } else {
                (1.0, t_ps)
            };
            s.stiffness_amu_per_ps2 * (-g * t_ps).exp() * (c + g * sn)
        });
        modes + shell
    }

    /// γ(ω) = ∫₀^∞ K(t) e^{iωt} dt as (Re, Im), amu/ps: γ₀ + Σ c τ/(1 − iωτ)
    /// + k_s (γ_s − i m_s ω)/(k_s − m_s ω² − iωγ_s).
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
            let (nr, ni) = (s.friction_amu_per_ps, -s.mass_amu * omega);
            let (dr, di) = (
                s.stiffness_amu_per_ps2 - s.mass_amu * omega * omega,
                -omega * s.friction_amu_per_ps,
            );
            let d2 = dr * dr + di * di;
            re += s.stiffness_amu_per_ps2 * (nr * dr + ni * di) / d2;
            im += s.stiffness_amu_per_ps2 * (ni * dr - nr * di) / d2;
        }
        (re, im)
    }

    /// Re γ(ω) and m_add(ω) (see [`Response`]); at ω = 0 the limit m_add(0) = lim −Im γ/ω.
    pub fn response(&self, omega: f64) -> Response {
        let w = if omega == 0.0 { 1e-9 } else { omega };
        let (re, im) = self.gamma_omega(w);
        Response {
            omega_per_ps: omega,
            gamma_re_amu_per_ps: if omega == 0.0 {
                self.gamma_omega(0.0).0
            } else {
                re
            },
            added_mass_amu: -im / w,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bath() -> MemoryBath {
        MemoryBath {
            gamma0_amu_per_ps: 300.0,
            modes: vec![ExpMode {
                strength_amu_per_ps2: 150.0,
                tau_ps: 4.0,
            }],
            shell: Some(Shell {
                mass_amu: 3000.0,
                stiffness_amu_per_ps2: 4000.0,
                friction_amu_per_ps: 900.0,
            }),
        }
    }

    #[test]
    fn closed_form_gamma_omega_is_the_fourier_integral_of_the_kernel() {
        let b = bath();
        for omega in [0.0, 0.1, 0.5, 2.0] {
            // Trapezoid rule on a fine grid; the kernel has decayed by 200 ps.
            let h = 1e-3;
            let n = 200_000;
            let (mut re, mut im) = (0.0, 0.0);
            for k in 0..=n {
                let t = k as f64 * h;
                let w = if k == 0 || k == n { 0.5 } else { 1.0 };
                re += w * h * b.kernel(t) * (omega * t).cos();
                im += w * h * b.kernel(t) * (omega * t).sin();
            }
            let (cr, ci) = b.gamma_omega(omega);
            assert!(
                (re + b.gamma0_amu_per_ps - cr).abs() < 1e-3 * cr,
                "ω={omega}: Re {re} vs {cr}"
            );
            assert!((im - ci).abs() < 1e-3 * cr, "ω={omega}: Im {im} vs {ci}");
        }
    }

    #[test]
    fn shell_adds_its_mass_at_low_frequency() {
        let s = Shell {
            mass_amu: 3000.0,
            stiffness_amu_per_ps2: 4000.0,
            friction_amu_per_ps: 900.0,
        };
        let b = MemoryBath {
            gamma0_amu_per_ps: 0.0,
            modes: vec![],
            shell: Some(s),
        };
        let r = b.response(0.0);
        assert!((r.gamma_re_amu_per_ps - s.friction_amu_per_ps).abs() < 1e-9);
        let expected = s.mass_amu - s.friction_amu_per_ps.powi(2) / s.stiffness_amu_per_ps2;
        assert!((r.added_mass_amu - expected).abs() < 1e-6 * s.mass_amu);
    }
}
