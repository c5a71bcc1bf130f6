//! Statistics of the stochastic power of one nanoparticle, Ẇ_j = κ_j X_l ∘ Ẋ_j (seed 000, Eq. 8).
//!
//! In the stationary state X_l and Ẋ_j are jointly Gaussian, so Ẇ_j/κ_j is a product of two correlated
//! zero-mean Gaussians. Its exact density has a Bessel K₀; seed 000's Eq. 9 keeps only the exponential
//! factor of K₀'s large-argument form. Sampled every Δt as in the MD analysis, X_l is the midpoint of
//! the two samples and Ẋ_j the difference quotient: still a product of two Gaussians, with the
//! covariances of the pair (state at t, state at t + Δt), so the same density applies exactly.

use super::special::{bessel_k0_scaled, normal_cdf};
use anyhow::{bail, Result};
use std::f64::consts::PI;

/// The product Z = A·B of zero-mean jointly Gaussian A, B with standard deviations σ_A, σ_B and
/// correlation ρ.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct GaussianProduct {
    pub sigma_a: f64,
    pub sigma_b: f64,
    pub rho: f64,
}

impl GaussianProduct {
    pub fn from_covariance(var_a: f64, var_b: f64, cov_ab: f64) -> Result<GaussianProduct> {
        if !(var_a > 0.0 && var_b > 0.0 && var_a.is_finite() && var_b.is_finite()) {
            bail!("variances of a Gaussian product must be positive and finite (got {var_a}, {var_b})");
        }
        let rho = cov_ab / (var_a * var_b).sqrt();
        if rho.is_nan() || rho.abs() >= 1.0 {
            bail!("correlation {rho} of a Gaussian product must lie strictly inside (−1, 1)");
        }
        Ok(GaussianProduct {
            sigma_a: var_a.sqrt(),
            sigma_b: var_b.sqrt(),
            rho,
        })
    }

    fn scale(&self) -> f64 {
        self.sigma_a * self.sigma_b
    }

    /// ⟨AB⟩ = ρ σ_A σ_B.
    pub fn mean(&self) -> f64 {
        self.rho * self.scale()
    }

    /// Var(AB) = σ_A² σ_B² (1 + ρ²) (Isserlis).
    pub fn variance(&self) -> f64 {
        self.scale().powi(2) * (1.0 + self.rho * self.rho)
    }

    /// Exact density p(z) = exp(ρu) K₀(|u|) / (π σ_A σ_B √(1−ρ²)), u = z / (σ_A σ_B (1−ρ²)).
    /// Diverges logarithmically at z = 0; returns +∞ there.
    pub fn density(&self, z: f64) -> f64 {
        let one_minus = 1.0 - self.rho * self.rho;
        let u = z / (self.scale() * one_minus);
        if u == 0.0 {
            return f64::INFINITY;
        }
        (self.rho * u - u.abs()).exp() * bessel_k0_scaled(u.abs())
            / (PI * self.scale() * one_minus.sqrt())
    }

    /// Rates (λ₊, λ₋) of the two exponential tails of seed 000's Eq. 9: p ∝ e^{−λ₊ z} for z > 0 and
    /// e^{λ₋ z} for z < 0, with λ± = (1 ∓ ρ)/(σ_A σ_B (1−ρ²)) = 2√(αζ) ∓ β of Eq. 21.
    pub fn exponential_rates(&self) -> (f64, f64) {
        let c = 1.0 / (self.scale() * (1.0 - self.rho * self.rho));
        let b = self.rho * c;
        (c - b, c + b)
    }

    /// Seed 000, Eq. 9, normalised: the exponential form of the density (no K₀ prefactor).
    pub fn exponential_form_density(&self, z: f64) -> f64 {
        let (lp, lm) = self.exponential_rates();
        let norm = 1.0 / lp + 1.0 / lm;
        if z >= 0.0 {
            (-lp * z).exp() / norm
        } else {
            (lm * z).exp() / norm
        }
    }

    /// Mean and variance of the Eq. 9 form (what seed 000's Eq. 25 intends to give).
    pub fn exponential_form_moments(&self) -> (f64, f64) {
        let (lp, lm) = self.exponential_rates();
        let norm = 1.0 / lp + 1.0 / lm;
        let mean = (1.0 / lp.powi(2) - 1.0 / lm.powi(2)) / norm;
        let second = (2.0 / lp.powi(3) + 2.0 / lm.powi(3)) / norm;
        (mean, second - mean * mean)
    }

    /// P(AB ≤ z) by conditioning on A: B | A=a is Gaussian with mean ρσ_B a/σ_A and standard deviation
    /// σ_B√(1−ρ²). An independent route from the K₀ density (no Bessel function), used for bin
    /// probabilities and to check the density.
    pub fn cdf(&self, z: f64) -> f64 {
        let s = self.sigma_b * (1.0 - self.rho * self.rho).sqrt();
        let slope = self.rho * self.sigma_b;
        // a = σ_A t with t standard normal; for t > 0, AB ≤ z ⇔ B ≤ z/a; for t < 0, B ≥ z/a.
        let integrand = |t: f64| -> f64 {
            let phi = (-0.5 * t * t).exp() / (2.0 * PI).sqrt();
            if t == 0.0 {
                return phi * if z >= 0.0 { 1.0 } else { 0.0 };
            }
            let a = self.sigma_a * t;
            let c = normal_cdf((z / a - slope * t) / s);
            phi * if t > 0.0 { c } else { 1.0 - c }
        };
        let n = 3000;
        let h = 10.0 / n as f64;
        let simpson = |sign: f64| -> f64 {
            let mut acc = integrand(sign * 0.0) + integrand(sign * 10.0);
            for i in 1..n {
                let w = if i % 2 == 1 { 4.0 } else { 2.0 };
                acc += w * integrand(sign * i as f64 * h);
            }
            acc * h / 3.0
        };
        (simpson(1.0) + simpson(-1.0)).clamp(0.0, 1.0)
    }
}

/// Power Ẇ = κ·A·B of one particle (eV/ps when κ is in eV/Å², A in Å and B in Å/ps).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct ParticlePower {
    pub kappa_ev_per_a2: f64,
    pub product: GaussianProduct,
}

impl ParticlePower {
    pub fn mean(&self) -> f64 {
        self.kappa_ev_per_a2 * self.product.mean()
    }
    pub fn variance(&self) -> f64 {
        self.kappa_ev_per_a2.powi(2) * self.product.variance()
    }
    /// Var/mean², the relative uncertainty of Fig. 6.
    pub fn relative_uncertainty(&self) -> f64 {
        relative_uncertainty(self.variance(), self.mean())
    }
    /// Exact density of Ẇ, 1/eV·ps.
    pub fn density(&self, w: f64) -> f64 {
        let k = self.kappa_ev_per_a2;
        self.product.density(w / k) / k.abs()
    }
    /// Seed 000, Eq. 9.
    pub fn exponential_form_density(&self, w: f64) -> f64 {
        let k = self.kappa_ev_per_a2;
        self.product.exponential_form_density(w / k) / k.abs()
    }
    /// P(Ẇ ≤ w).
    pub fn cdf(&self, w: f64) -> f64 {
        let k = self.kappa_ev_per_a2;
        if k > 0.0 {
            self.product.cdf(w / k)
        } else {
            1.0 - self.product.cdf(w / k)
        }
    }
}

/// Seed 000, Eq. 12: Var(Ẇ)/⟨Ẇ⟩² ≥ 2 k_B / (⟨Ṡ_tot⟩ dt), with Ṡ in k_B/ps and dt in ps. Infinite where
/// no entropy is produced (the pseudo-equilibrium point, or rounding just below zero there).
/// Var/mean² of a power (Fig. 6). Where the mean vanishes to rounding against the fluctuations (at
/// κ_H/κ_C = T_H/T_C the mean power is exactly zero in theory but ~1e-17 in floating point) the ratio is
/// infinite, not a finite 1e25 that a z-score would then compare with.
pub fn relative_uncertainty(variance: f64, mean: f64) -> f64 {
    if mean.abs() <= 1e-9 * variance.sqrt() {
        f64::INFINITY
    } else {
        variance / mean.powi(2)
    }
}

pub fn tur_bound(entropy_production_kb_per_ps: f64, dt_ps: f64) -> f64 {
    if entropy_production_kb_per_ps > 0.0 {
        2.0 / (entropy_production_kb_per_ps * dt_ps)
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_uncertainty_is_infinite_where_the_mean_power_vanishes_to_rounding() {
        assert_eq!(relative_uncertainty(4.0, 1.0), 4.0);
        assert_eq!(relative_uncertainty(4.0, 1e-17), f64::INFINITY);
        assert_eq!(relative_uncertainty(4.0, 0.0), f64::INFINITY);
    }

    fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let mut acc = f(a) + f(b);
        for i in 1..n {
            acc += if i % 2 == 1 { 4.0 } else { 2.0 } * f(a + i as f64 * h);
        }
        acc * h / 3.0
    }

    #[test]
    fn k0_density_integrates_to_the_conditional_cdf() {
        let p = GaussianProduct {
            sigma_a: 1.3,
            sigma_b: 0.7,
            rho: -0.45,
        };
        for (a, b) in [(0.05, 0.4), (0.4, 2.0), (-3.0, -0.2), (1.0, 6.0)] {
            let integral = simpson(|z| p.density(z), a, b, 4000);
            let diff = p.cdf(b) - p.cdf(a);
            assert!(
                (integral - diff).abs() < 2e-6,
                "[{a},{b}]: {integral} vs {diff}"
            );
        }
        assert!(p.cdf(-60.0) < 1e-9 && p.cdf(60.0) > 1.0 - 1e-9);
    }

    #[test]
    fn k0_density_has_isserlis_moments() {
        let p = GaussianProduct {
            sigma_a: 0.8,
            sigma_b: 1.9,
            rho: 0.6,
        };
        // Integrate away from the integrable log singularity at 0 by splitting there.
        let moment = |k: i32| {
            simpson(
                |z| {
                    if z == 0.0 {
                        0.0
                    } else {
                        z.powi(k) * p.density(z)
                    }
                },
                0.0,
                60.0,
                200_000,
            ) + simpson(
                |z| {
                    if z == 0.0 {
                        0.0
                    } else {
                        z.powi(k) * p.density(z)
                    }
                },
                -60.0,
                0.0,
                200_000,
            )
        };
        assert!(
            (moment(1) - p.mean()).abs() < 1e-4,
            "{} vs {}",
            moment(1),
            p.mean()
        );
        let var = moment(2) - p.mean().powi(2);
        assert!(
            (var / p.variance() - 1.0).abs() < 1e-4,
            "{var} vs {}",
            p.variance()
        );
    }

    #[test]
    fn exponential_form_is_k0_tail_and_normalised() {
        let p = GaussianProduct {
            sigma_a: 1.0,
            sigma_b: 1.0,
            rho: 0.3,
        };
        let total = simpson(|z| p.exponential_form_density(z), -80.0, 0.0, 20_000)
            + simpson(|z| p.exponential_form_density(z), 0.0, 80.0, 20_000);
        assert!((total - 1.0).abs() < 1e-9);
        // Far in the tails the exact density decays with the same exponential rates as Eq. 9.
        let (lp, lm) = p.exponential_rates();
        let slope_pos = (p.density(30.0) / p.density(31.0)).ln();
        let slope_neg = (p.density(-30.0) / p.density(-31.0)).ln();
        assert!((slope_pos - lp).abs() < 0.03 * lp && (slope_neg - lm).abs() < 0.03 * lm);
    }
}
