//! Second moments σx²(t), ⟨xv⟩(t), σv²(t) of seed 002, Eqs. 2–5 (first moments vanish, Eq. 2), the
//! Pearson coefficient of Eq. 7 and the mean heat of Sec. 4.2.
//!
//! Two independent routes:
//! * `by_quadrature`: any protocol. The initial equilibrium covariance carried by the propagator plus
//!   the noise integral ∫₀ᵗ (2βk_B T(s)/m) g(t−s) g(t−s)ᵀ ds, g = (G_xv, G_vv) — exactly the integrals
//!   of Eqs. 2–5 written with the regime-independent propagator.
//! * `sinusoid_closed_form`: T(t) = T0 + T sin Ωt (App. A.1). The moments obey the linear ODE
//!   dΣ/dt = AΣ + ΣAᵀ + diag(0, 2βk_B T(t)/m); its periodic solution is found algebraically
//!   (one complex 3×3 solve, done by hand below) and the transient is the propagated mismatch
//!   G(t)[Σ(0) − Σ_p(0)]G(t)ᵀ. Unlike the printed App. A.1 (real ω1 only), this is valid in every
//!   damping regime.

use super::propagator::{propagator, Mat2};
use super::quadrature::integrate;
use super::{Oscillator, Protocol, Sinusoid};
use serde::Serialize;

/// The symmetric covariance of (x, v); means are zero (seed 002, Eq. 2).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SecondMoments {
    /// σx² = ⟨x²⟩.
    pub xx: f64,
    /// ⟨xv⟩.
    pub xv: f64,
    /// σv² = ⟨v²⟩.
    pub vv: f64,
}

impl SecondMoments {
    /// ρ_xv = ⟨xv⟩/(σx σv), seed 002, Eq. 7.
    pub fn pearson(&self) -> f64 {
        self.xv / (self.xx * self.vv).sqrt()
    }

    /// Mean energy ⟨k x²/2 + m v²/2⟩.
    pub fn mean_energy(&self, osc: &Oscillator) -> f64 {
        0.5 * osc.stiffness * self.xx + 0.5 * osc.mass * self.vv
    }

    fn add(self, o: SecondMoments) -> SecondMoments {
        SecondMoments {
            xx: self.xx + o.xx,
            xv: self.xv + o.xv,
            vv: self.vv + o.vv,
        }
    }

    fn sub(self, o: SecondMoments) -> SecondMoments {
        SecondMoments {
            xx: self.xx - o.xx,
            xv: self.xv - o.xv,
            vv: self.vv - o.vv,
        }
    }

    fn as_matrix(&self) -> Mat2 {
        [[self.xx, self.xv], [self.xv, self.vv]]
    }
}

/// Canonical equilibrium at temperature `temperature`: σx² = k_B T/k, σv² = k_B T/m, ⟨xv⟩ = 0
/// (seed 002, Eqs. 18–19).
pub fn equilibrium(osc: &Oscillator, temperature: f64) -> SecondMoments {
    SecondMoments {
        xx: osc.kb * temperature / osc.stiffness,
        xv: 0.0,
        vv: osc.kb * temperature / osc.mass,
    }
}

/// G(τ) Σ G(τ)ᵀ: a covariance carried along by the noiseless dynamics for a time τ.
pub fn transport(osc: &Oscillator, sigma: SecondMoments, tau: f64) -> SecondMoments {
    let g = propagator(osc, tau);
    let s = sigma.as_matrix();
    let gs = [
        [
            g[0][0] * s[0][0] + g[0][1] * s[1][0],
            g[0][0] * s[0][1] + g[0][1] * s[1][1],
        ],
        [
            g[1][0] * s[0][0] + g[1][1] * s[1][0],
            g[1][0] * s[0][1] + g[1][1] * s[1][1],
        ],
    ];
    SecondMoments {
        xx: gs[0][0] * g[0][0] + gs[0][1] * g[0][1],
        xv: gs[0][0] * g[1][0] + gs[0][1] * g[1][1],
        vv: gs[1][0] * g[1][0] + gs[1][1] * g[1][1],
    }
}

/// The noise part of the covariance accumulated between 0 and t (the integrals of seed 002,
/// Eqs. 2–5), by adaptive Gauss–Kronrod quadrature to 1e-13 relative.
pub fn noise_by_quadrature(osc: &Oscillator, protocol: &dyn Protocol, t: f64) -> SecondMoments {
    let strength = 2.0 * osc.beta() * osc.kb / osc.mass;
    let rate = osc.beta() + osc.omega1_sq().abs().sqrt() + osc.omega0_sq().sqrt();
    let panels = (t * rate).ceil() as usize + 1;
    let r = integrate(
        |s| {
            let g = propagator(osc, t - s);
            let d = strength * protocol.temperature(s);
            [
                d * g[0][1] * g[0][1],
                d * g[0][1] * g[1][1],
                d * g[1][1] * g[1][1],
            ]
        },
        0.0,
        t,
        panels,
        1e-13,
        0.0,
    );
    SecondMoments {
        xx: r[0],
        xv: r[1],
        vv: r[2],
    }
}

/// Moments at time t for an arbitrary protocol, starting from equilibrium at T(0) (seed 002,
/// Eqs. 2–5, App. A).
pub fn by_quadrature(osc: &Oscillator, protocol: &dyn Protocol, t: f64) -> SecondMoments {
    transport(osc, equilibrium(osc, protocol.temperature(0.0)), t)
        .add(noise_by_quadrature(osc, protocol, t))
}

#[derive(Clone, Copy)]
struct Complex {
    re: f64,
    im: f64,
}

impl Complex {
    fn mul(self, o: Complex) -> Complex {
        Complex {
            re: self.re * o.re - self.im * o.im,
            im: self.re * o.im + self.im * o.re,
        }
    }
    fn add(self, o: Complex) -> Complex {
        Complex {
            re: self.re + o.re,
            im: self.im + o.im,
        }
    }
    fn scale(self, s: f64) -> Complex {
        Complex {
            re: self.re * s,
            im: self.im * s,
        }
    }
    fn inv(self) -> Complex {
        let n = self.re * self.re + self.im * self.im;
        Complex {
            re: self.re / n,
            im: -self.im / n,
        }
    }
}

/// Complex amplitudes a of the periodic response Σ_osc(t) = Im(a e^{iΩt}) to the forcing
/// diag(0, 2βk_B T sin Ωt / m): the solution of iΩ a = L a + (0, 0, d), L the moment operator.
fn oscillating_amplitudes(osc: &Oscillator, p: &Sinusoid) -> [Complex; 3] {
    let (w, beta, w0sq) = (p.omega, osc.beta(), osc.omega0_sq());
    let d = 2.0 * beta * osc.kb * p.amplitude / osc.mass;
    let iw = Complex { re: 0.0, im: w };
    // From the xx and xv rows: a_xv = iΩ a_xx / 2, a_vv = [(iΩ + β) iΩ/2 + ω0²] a_xx.
    let xv_per_xx = iw.scale(0.5);
    let vv_per_xx = iw
        .add(Complex { re: beta, im: 0.0 })
        .mul(xv_per_xx)
        .add(Complex { re: w0sq, im: 0.0 });
    // The vv row: (iΩ + 2β) a_vv + 2ω0² a_xv = d.
    let coefficient = iw
        .add(Complex {
            re: 2.0 * beta,
            im: 0.0,
        })
        .mul(vv_per_xx)
        .add(xv_per_xx.scale(2.0 * w0sq));
    let a_xx = coefficient.inv().scale(d);
    [a_xx, xv_per_xx.mul(a_xx), vv_per_xx.mul(a_xx)]
}

/// The time-periodic state the sinusoidally driven particle settles into (the periodic
/// non-equilibrium steady state of seed 002, Sec. 5), at phase Ωt.
pub fn periodic_steady_state(osc: &Oscillator, p: &Sinusoid, t: f64) -> SecondMoments {
    let base = equilibrium(osc, p.mean);
    let a = oscillating_amplitudes(osc, p);
    let phase = Complex {
        re: (p.omega * t).cos(),
        im: (p.omega * t).sin(),
    };
    SecondMoments {
        xx: base.xx + a[0].mul(phase).im,
        xv: base.xv + a[1].mul(phase).im,
        vv: base.vv + a[2].mul(phase).im,
    }
}

/// Closed-form moments for the sinusoid (seed 002, App. A.1), starting from equilibrium at T0.
pub fn sinusoid_closed_form(osc: &Oscillator, p: &Sinusoid, t: f64) -> SecondMoments {
    let mismatch = equilibrium(osc, p.mean).sub(periodic_steady_state(osc, p, 0.0));
    periodic_steady_state(osc, p, t).add(transport(osc, mismatch, t))
}

/// Noise part of the closed-form covariance, Σ(t) − G(t)Σ(0)G(t)ᵀ, for the heat statistics.
pub fn sinusoid_noise_closed_form(osc: &Oscillator, p: &Sinusoid, t: f64) -> SecondMoments {
    sinusoid_closed_form(osc, p, t).sub(transport(osc, equilibrium(osc, p.mean), t))
}

/// Mean heat ⟨Q(t)⟩ = ⟨ΔK + ΔV⟩ (seed 002, Eq. 8 averaged; Sec. 4.2): Q > 0 is heat received by the
/// particle.
pub fn mean_heat(osc: &Oscillator, initial: &SecondMoments, now: &SecondMoments) -> f64 {
    now.mean_energy(osc) - initial.mean_energy(osc)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The periodic solution must satisfy the moment ODE; checked by a central difference.
    #[test]
    fn periodic_state_solves_the_moment_equation() {
        for mass in [0.1, 0.25, 1.0, 10.0] {
            let osc = Oscillator::new(mass, 1.0, 1.0, 1.0).unwrap();
            let p = Sinusoid::new(20.0, 5.0, 2.0).unwrap();
            let (t, h) = (0.7, 1e-5);
            let (sp, sm, s) = (
                periodic_steady_state(&osc, &p, t + h),
                periodic_steady_state(&osc, &p, t - h),
                periodic_steady_state(&osc, &p, t),
            );
            let dxx = (sp.xx - sm.xx) / (2.0 * h);
            let dxv = (sp.xv - sm.xv) / (2.0 * h);
            let dvv = (sp.vv - sm.vv) / (2.0 * h);
            let d = 2.0 * osc.beta() * osc.kb * p.temperature(t) / osc.mass;
            assert!((dxx - 2.0 * s.xv).abs() < 1e-6 * s.xx);
            assert!(
                (dxv - (s.vv - osc.omega0_sq() * s.xx - osc.beta() * s.xv)).abs()
                    < 1e-6 * s.vv.max(s.xx)
            );
            assert!(
                (dvv - (-2.0 * osc.omega0_sq() * s.xv - 2.0 * osc.beta() * s.vv + d)).abs()
                    < 1e-6 * s.vv.max(d)
            );
        }
    }
}
