//! The model families of the fit: γ₀ plus exponential (Prony) modes, with or without an argon shell,
//! their parameters in log space with boxes, and the normalised autocorrelations of a trapped particle
//! in such a bath, [e^{Aτ}Σ]_{VV}/Σ_{VV} and [e^{Aτ}Σ]_{XX}/Σ_{XX} of the extended linear system.

use crate::theory::memory::bath::{ExpMode, MemoryBath, Shell};
use crate::theory::memory::system::{LinearSystem, Particle};
use crate::units::MVV2E;
use anyhow::Result;
use serde::Serialize;

/// The particle the bath acts on in the equilibrium run.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TrappedParticle {
    pub mass_amu: f64,
    pub trap_kappa_ev_per_a2: f64,
    pub temperature_k: f64,
}

impl TrappedParticle {
    /// Normalised model autocorrelations (velocity, position) at `times` (ps).
    pub fn model(&self, bath: &MemoryBath, times: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let sys = LinearSystem::new(
            &[vec![self.trap_kappa_ev_per_a2 / MVV2E]],
            &[Particle {
                mass_amu: self.mass_amu,
                t_k: self.temperature_k,
                bath: bath.clone(),
            }],
        );
        let s = sys.covariance()?;
        let (x, v) = (sys.position_index(0), sys.velocity_index(0));
        let cv = sys.autocovariance(&s, v, times);
        let cx = sys.autocovariance(&s, x, times);
        Ok((
            cv.iter().map(|c| c / s[(v, v)]).collect(),
            cx.iter().map(|c| c / s[(x, x)]).collect(),
        ))
    }
}

/// A model family: γ₀ plus `modes` exponential modes, with or without the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Family {
    pub modes: usize,
    pub shell: bool,
}

/// Parameter boxes (natural-log space is what the optimiser sees), model units.
pub(super) const GAMMA_RANGE: (f64, f64) = (1e-2, 1e7);
pub(super) const STRENGTH_RANGE: (f64, f64) = (1e-3, 1e9);
pub(super) const TAU_RANGE: (f64, f64) = (1e-3, 1e4);
pub(super) const SHELL_MASS_RANGE: (f64, f64) = (1.0, 1e7);

impl Family {
    pub fn label(&self) -> String {
        format!(
            "γ₀ + {} exponential mode{}{}",
            self.modes,
            if self.modes == 1 { "" } else { "s" },
            if self.shell { " + shell" } else { "" }
        )
    }

    pub fn parameters(&self) -> usize {
        1 + 2 * self.modes + if self.shell { 3 } else { 0 }
    }

    pub(super) fn names(&self) -> Vec<String> {
        let mut n = vec!["gamma0_amu_per_ps".to_string()];
        for k in 0..self.modes {
            n.push(format!("modes[{k}].strength_amu_per_ps2"));
            n.push(format!("modes[{k}].tau_ps"));
        }
        if self.shell {
            n.push("shell.mass_amu".into());
            n.push("shell.friction_amu_per_ps".into());
            n.push("shell.coupling_friction_amu_per_ps".into());
        }
        n
    }

    /// The bath for log-parameters θ, or None outside the boxes; modes sorted by τ so that
    /// jackknife replicas label them alike.
    pub(super) fn bath(&self, theta: &[f64]) -> Option<MemoryBath> {
        let p: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let inside = |v: f64, r: (f64, f64)| v >= r.0 && v <= r.1;
        if !inside(p[0], GAMMA_RANGE) {
            return None;
        }
        let mut modes = Vec::with_capacity(self.modes);
        for k in 0..self.modes {
            let (c, tau) = (p[1 + 2 * k], p[2 + 2 * k]);
            if !(inside(c, STRENGTH_RANGE) && inside(tau, TAU_RANGE)) {
                return None;
            }
            modes.push(ExpMode {
                strength_amu_per_ps2: c,
                tau_ps: tau,
            });
        }
        modes.sort_by(|a, b| a.tau_ps.total_cmp(&b.tau_ps));
        let shell = if self.shell {
            let j = 1 + 2 * self.modes;
            let (m, gs, gr) = (p[j], p[j + 1], p[j + 2]);
            if !(inside(m, SHELL_MASS_RANGE) && inside(gs, GAMMA_RANGE) && inside(gr, GAMMA_RANGE))
            {
                return None;
            }
            Some(Shell {
                mass_amu: m,
                stiffness_amu_per_ps2: 0.0,
                friction_amu_per_ps: gs,
                coupling_friction_amu_per_ps: gr,
            })
        } else {
            None
        };
        Some(MemoryBath {
            gamma0_amu_per_ps: p[0],
            modes,
            shell,
        })
    }

    pub(super) fn theta(bath: &MemoryBath) -> Vec<f64> {
        let mut t = vec![bath.gamma0_amu_per_ps.ln()];
        for m in &bath.modes {
            t.push(m.strength_amu_per_ps2.ln());
            t.push(m.tau_ps.ln());
        }
        if let Some(s) = &bath.shell {
            t.extend([
                s.mass_amu.ln(),
                s.friction_amu_per_ps.ln(),
                s.coupling_friction_amu_per_ps.ln(),
            ]);
        }
        t
    }

    /// Parameter values in the order of [`Family::names`].
    pub(super) fn values(bath: &MemoryBath) -> Vec<f64> {
        Family::theta(bath).iter().map(|t| t.exp()).collect()
    }
}
