//! Nosé–Hoover chain thermostat, one per bath, integrated as LAMMPS `fix nvt` does: a Trotter half step of
//! the chain (Martyna, Tuckerman, Tobias & Klein, Mol. Phys. 87, 1117 (1996)) before and after the
//! velocity-Verlet update of the particles.
//!
//! The chain only ever *scales* the bath's velocities; the kinetic energy that a scaling removes is the
//! thermostat heat of the ledger, exact to rounding (not an integral approximated after the fact).

use crate::scenario::Bath;
use crate::units::KB_EV_PER_K;
use serde::{Deserialize, Serialize};

/// The thermostat's target temperature as a function of time, K.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TemperatureProtocol {
    pub mean_k: f64,
    pub amplitude_k: f64,
    pub period_ps: f64,
}

impl TemperatureProtocol {
    pub fn new(bath: &Bath) -> TemperatureProtocol {
        let (amplitude_k, period_ps) = bath
            .oscillation
            .map_or((0.0, 1.0), |o| (o.amplitude_k, o.period_ps));
        TemperatureProtocol {
            mean_k: bath.temperature_k,
            amplitude_k,
            period_ps,
        }
    }

    /// T(t) = T₀ + A sin(2π t / P) at time `t_ps` since the start of the run.
    pub fn at(&self, t_ps: f64) -> f64 {
        if self.amplitude_k == 0.0 {
            return self.mean_k;
        }
        self.mean_k + self.amplitude_k * (std::f64::consts::TAU * t_ps / self.period_ps).sin()
    }

    pub fn is_constant(&self) -> bool {
        self.amplitude_k == 0.0
    }
}

/// State of one chain. Thermostat variables: η_j (dimensionless), η̇_j (1/ps), η̈_j (1/ps²).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoseHooverChain {
    /// Damping time τ, ps.
    pub damping_ps: f64,
    /// Degrees of freedom N_f of the bath (3N − 3).
    pub ndof: f64,
    pub eta: Vec<f64>,
    pub eta_dot: Vec<f64>,
    pub eta_dotdot: Vec<f64>,
}

impl NoseHooverChain {
    pub fn new(chain_length: usize, damping_ps: f64, ndof: f64) -> NoseHooverChain {
        NoseHooverChain {
            damping_ps,
            ndof,
            eta: vec![0.0; chain_length],
            eta_dot: vec![0.0; chain_length],
            eta_dotdot: vec![0.0; chain_length],
        }
    }

    /// Masses Q₁ = N_f k_B T τ², Q_j = k_B T τ² (eV·ps²) for target temperature `t_k`.
    fn masses(&self, t_k: f64) -> Vec<f64> {
        let kt = KB_EV_PER_K * t_k;
        let tau2 = self.damping_ps * self.damping_ps;
        (0..self.eta.len())
            .map(|j| {
                if j == 0 {
                    self.ndof * kt * tau2
                } else {
                    kt * tau2
                }
            })
            .collect()
    }

    /// Advances the chain by half a timestep `dt/2` given the bath's current kinetic energy `ke` (eV), and
    /// returns the factor by which the bath's velocities must be scaled. LAMMPS `FixNH::nhc_temp_integrate`
    /// with one Suzuki–Yoshida stage.
    pub fn half_step(&mut self, ke: f64, t_k: f64, dt: f64) -> f64 {
        let m = self.eta.len();
        let q = self.masses(t_k);
        let kt = KB_EV_PER_K * t_k;
        let ke_target = self.ndof * kt;
        let (dthalf, dt4, dt8) = (0.5 * dt, 0.25 * dt, 0.125 * dt);
        let next = |v: &[f64], j: usize| if j + 1 < m { v[j + 1] } else { 0.0 };
        let mut two_ke = 2.0 * ke;
        self.eta_dotdot[0] = (two_ke - ke_target) / q[0];
        for j in (1..m).rev() {
            let e = (-dt8 * next(&self.eta_dot, j)).exp();
            self.eta_dot[j] = (self.eta_dot[j] * e + self.eta_dotdot[j] * dt4) * e;
        }
        let e = (-dt8 * next(&self.eta_dot, 0)).exp();
        self.eta_dot[0] = (self.eta_dot[0] * e + self.eta_dotdot[0] * dt4) * e;
        let factor = (-dthalf * self.eta_dot[0]).exp();
        two_ke *= factor * factor;
        self.eta_dotdot[0] = (two_ke - ke_target) / q[0];
        for j in 0..m {
            self.eta[j] += dthalf * self.eta_dot[j];
        }
        self.eta_dot[0] = (self.eta_dot[0] * e + self.eta_dotdot[0] * dt4) * e;
        for j in 1..m {
            let e = (-dt8 * next(&self.eta_dot, j)).exp();
            self.eta_dotdot[j] = (q[j - 1] * self.eta_dot[j - 1] * self.eta_dot[j - 1] - kt) / q[j];
            self.eta_dot[j] = (self.eta_dot[j] * e + self.eta_dotdot[j] * dt4) * e;
        }
        factor
    }

    /// Energy stored in the chain, eV: Σ ½ Q_j η̇_j² + N_f k_B T η₁ + k_B T Σ_{j≥2} η_j. Adding it to the
    /// bath's energy gives the conserved quantity of Nosé–Hoover dynamics.
    pub fn energy(&self, t_k: f64) -> f64 {
        let q = self.masses(t_k);
        let kt = KB_EV_PER_K * t_k;
        let mut e = 0.0;
        for (j, ((qj, eta), eta_dot)) in q.iter().zip(&self.eta).zip(&self.eta_dot).enumerate() {
            e += 0.5 * qj * eta_dot * eta_dot;
            e += if j == 0 {
                self.ndof * kt * eta
            } else {
                kt * eta
            };
        }
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Relative error of H = K + E_chain after `t` ps of a bath of free particles (no forces), where the chain's
    /// only effect is to scale K, so H is conserved by the exact flow.
    fn energy_error(dt: f64, t: f64) -> f64 {
        let (ndof, target) = (300.0, 100.0);
        let mut chain = NoseHooverChain::new(3, 0.1, ndof);
        let mut ke = 0.5 * ndof * KB_EV_PER_K * 180.0;
        let h0 = ke + chain.energy(target);
        for _ in 0..(t / dt).round() as usize {
            for _ in 0..2 {
                let f = chain.half_step(ke, target, dt);
                ke *= f * f;
            }
        }
        ((ke + chain.energy(target) - h0) / h0).abs()
    }

    #[test]
    fn chain_conserves_its_extended_energy_to_second_order() {
        let (e1, e2) = (energy_error(0.002, 10.0), energy_error(0.001, 10.0));
        assert!(e1 < 1e-4, "relative error {e1}");
        // The Trotter splitting is second order: halving dt divides the error by about four.
        let ratio = e1 / e2;
        assert!(
            (3.0..5.5).contains(&ratio),
            "error ratio {ratio} (errors {e1}, {e2})"
        );
    }
}
