//! Underdamped Brownian particle in a harmonic trap whose bath temperature follows a protocol T(t)
//! (seed 002): second moments, the position–velocity Pearson coefficient, the mean heat, and the
//! full heat statistics (characteristic function, cumulants, density).
//!
//! Units are those of seed 002: any consistent set, dimensionless in the paper (k = 1, k_B = 1,
//! T0 = 20, T = 5, Ω = 2). Every quantity here is expressed in the units of the `Oscillator` and the
//! protocol the caller passes; nothing is converted.
//!
//! Why a single propagator for all damping regimes: the printed formulas (seed 002, Eqs. 2–5 and
//! App. A.1) divide by ω1 and are only written for real ω1. Writing the homogeneous solution as
//! e^{−βτ/2}[C(τ) I + S(τ)(A + β/2)] with C = cos(ω1τ), S = sin(ω1τ)/ω1 continued analytically
//! to ω1² ≤ 0 (cosh/sinh, and C = 1, S = τ at critical damping) makes every formula below valid in
//! the under-, over- and critically damped cases without special-casing.

pub mod heat;
pub mod moments;
pub mod propagator;
mod quadrature;

use anyhow::{bail, Result};
use serde::Serialize;

/// Mass, friction and trap stiffness of the particle of seed 002, Eq. 1, plus Boltzmann's constant
/// in the same units (1 in the paper).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Oscillator {
    pub mass: f64,
    pub gamma: f64,
    pub stiffness: f64,
    pub kb: f64,
}

/// Which side of critical damping (m_c = γ²/4k, seed 002 Sec. 3) the parameters lie on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Damping {
    /// ω1² > 0: oscillatory relaxation.
    Under,
    /// ω1² = 0.
    Critical,
    /// ω1² < 0 (ω1 imaginary): exponential relaxation.
    Over,
}

impl Oscillator {
    /// Validates that every parameter is finite and positive; the error names the offending one.
    pub fn new(mass: f64, gamma: f64, stiffness: f64, kb: f64) -> Result<Oscillator> {
        for (name, value) in [
            ("mass", mass),
            ("gamma", gamma),
            ("stiffness k", stiffness),
            ("k_B", kb),
        ] {
            if !(value.is_finite() && value > 0.0) {
                bail!("{name} must be a positive finite number, got {value}");
            }
        }
        Ok(Oscillator {
            mass,
            gamma,
            stiffness,
            kb,
        })
    }

    /// Friction rate β = γ/m (seed 002, App. A).
    pub fn beta(&self) -> f64 {
        self.gamma / self.mass
    }

    /// ω0² = k/m.
    pub fn omega0_sq(&self) -> f64 {
        self.stiffness / self.mass
    }

    /// ω1² = ω0² − β²/4; negative when overdamped (ω1 imaginary).
    pub fn omega1_sq(&self) -> f64 {
        self.omega0_sq() - 0.25 * self.beta() * self.beta()
    }

    /// Critical mass m_c = γ²/(4k) at which ω1 = 0 (seed 002, Sec. 3).
    pub fn critical_mass(&self) -> f64 {
        self.gamma * self.gamma / (4.0 * self.stiffness)
    }

    /// Damping regime; "critical" when |ω1²| is below 1e-12 ω0², where the series branch of the
    /// propagator is exact anyway.
    pub fn damping(&self) -> Damping {
        let q = self.omega1_sq();
        if q.abs() <= 1e-12 * self.omega0_sq() {
            Damping::Critical
        } else if q > 0.0 {
            Damping::Under
        } else {
            Damping::Over
        }
    }
}

/// A bath temperature protocol T(t) (seed 002, Eq. 1), in the oscillator's temperature units.
pub trait Protocol: Sync {
    fn temperature(&self, t: f64) -> f64;
}

impl<F: Fn(f64) -> f64 + Sync> Protocol for F {
    fn temperature(&self, t: f64) -> f64 {
        self(t)
    }
}

/// The sinusoidal protocol of seed 002, Eq. 6: T(t) = T0 + T sin(Ωt).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Sinusoid {
    /// T0, the mean temperature (and the initial one: T(0) = T0).
    pub mean: f64,
    /// T, the amplitude.
    pub amplitude: f64,
    /// Ω, the angular driving frequency.
    pub omega: f64,
}

impl Sinusoid {
    /// Rejects protocols whose temperature would become zero or negative (T0 ≤ |T|).
    pub fn new(mean: f64, amplitude: f64, omega: f64) -> Result<Sinusoid> {
        if !(mean.is_finite() && mean > 0.0) {
            bail!("mean temperature T0 must be positive and finite, got {mean}");
        }
        if !(amplitude.is_finite() && amplitude.abs() < mean) {
            bail!("temperature amplitude T must satisfy |T| < T0 = {mean} so that T(t) stays positive, got {amplitude}");
        }
        if !(omega.is_finite() && omega >= 0.0) {
            bail!("driving frequency Omega must be finite and >= 0, got {omega}");
        }
        Ok(Sinusoid {
            mean,
            amplitude,
            omega,
        })
    }
}

impl Protocol for Sinusoid {
    fn temperature(&self, t: f64) -> f64 {
        self.mean + self.amplitude * (self.omega * t).sin()
    }
}
