//! Heat statistics of seed 002, Sec. 4: the characteristic function Z(λ) = ⟨e^{−iλQ}⟩ (Eqs. 9–23,
//! App. B), exact cumulants of Q, the density P(Q, t) by Fourier inversion (Eq. 9), and the
//! asymmetry P(Q)/P(−Q) of the fluctuation relation (Eq. 27).
//!
//! Q = ΔK + ΔV = ½ wᵀ B w with w = (x, v, x0, v0) jointly Gaussian (App. B, Eq. 44) and
//! B = diag(k, m, −k, −m). Writing the joint covariance as C = F Fᵀ, Q = ½ Σ_j μ_j y_j² with
//! y_j independent standard normals and μ_j the eigenvalues of the symmetric Fᵀ B F (the same as
//! those of B C). Hence
//!   Z(λ) = det(I + iλ B C)^{−1/2} = Π_j (1 + iλμ_j)^{−1/2},
//! which is Eq. 11 with Ψ = iλ B C (Eq. 16, written in the order (x, x0, v, v0); tests/periodic.rs
//! checks it against the printed Ψ built from Eqs. 17–23), and the cumulants are κ_n = ½ (n − 1)! Σ_j μ_j^n. Taking each factor on its principal branch
//! keeps Z continuous in λ (Re(1 + iλμ) = 1 > 0), which a single det^{−1/2} does not.
//!
//! The factorisation F = [[G Σ0^{1/2}, N^{1/2}], [Σ0^{1/2}, 0]] follows from (x, v) = G (x0, v0) +
//! noise (App. A, Eqs. 33–34), N being the noise covariance; it stays valid at t = 0 where C is
//! singular and a plain Cholesky factorisation of C would fail.

use super::moments::{self, SecondMoments};
use super::propagator::{propagator, Mat2};
use super::quadrature::kronrod_nodes;
use super::{Oscillator, Protocol, Sinusoid};
use serde::Serialize;

/// Mean, standard deviation, skewness and excess kurtosis of Q (seed 002, Fig. 5).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HeatCumulants {
    pub mean: f64,
    pub std_dev: f64,
    pub skewness: f64,
    pub excess_kurtosis: f64,
}

impl HeatCumulants {
    /// From the first four cumulants κ1..κ4; skewness and kurtosis are NaN-free only when κ2 > 0,
    /// so a degenerate distribution (t = 0) reports them as 0.
    pub fn from_cumulants(k: [f64; 4]) -> HeatCumulants {
        let var = k[1];
        if var <= 0.0 {
            return HeatCumulants {
                mean: k[0],
                std_dev: 0.0,
                skewness: 0.0,
                excess_kurtosis: 0.0,
            };
        }
        HeatCumulants {
            mean: k[0],
            std_dev: var.sqrt(),
            skewness: k[2] / var.powf(1.5),
            excess_kurtosis: k[3] / (var * var),
        }
    }
}

/// The distribution of the heat Q(t) exchanged between 0 and t, as the weights μ_j of its
/// representation as a weighted sum of squares of independent normals.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HeatDistribution {
    /// Eigenvalues μ_j of Fᵀ B F, in energy units; Q = ½ Σ μ_j y_j².
    pub weights: [f64; 4],
}

/// Lower-triangular L with L Lᵀ = S for a positive semidefinite 2×2 S (zero columns where S is
/// singular, e.g. the noise covariance at t = 0).
fn cholesky2(s: &SecondMoments) -> Mat2 {
    let l11 = s.xx.max(0.0).sqrt();
    let l21 = if l11 > 0.0 { s.xv / l11 } else { 0.0 };
    let l22 = (s.vv - l21 * l21).max(0.0).sqrt();
    [[l11, 0.0], [l21, l22]]
}

/// Eigenvalues of a symmetric 4×4 matrix by cyclic Jacobi rotations (converges quadratically; 50
/// sweeps is far more than a 4×4 ever needs).
fn symmetric_eigenvalues(mut a: [[f64; 4]; 4]) -> [f64; 4] {
    for _ in 0..50 {
        let off: f64 = (0..4)
            .flat_map(|i| (0..4).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let diag: f64 = (0..4).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-30 * diag || off == 0.0 {
            break;
        }
        for p in 0..3 {
            for q in p + 1..4 {
                if a[p][q] == 0.0 {
                    continue;
                }
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                a[p] = std::array::from_fn(|k| c * rp[k] - s * rq[k]);
                a[q] = std::array::from_fn(|k| s * rp[k] + c * rq[k]);
            }
        }
    }
    let mut e = [a[0][0], a[1][1], a[2][2], a[3][3]];
    e.sort_by(|x, y| x.total_cmp(y));
    e
}

impl HeatDistribution {
    /// From the initial covariance Σ0 of (x0, v0), the propagator G(t) and the noise covariance
    /// N(t) accumulated since 0 (App. B, Eqs. 49–56 rebuilt from App. A).
    pub fn new(
        osc: &Oscillator,
        initial: &SecondMoments,
        g: &Mat2,
        noise: &SecondMoments,
    ) -> HeatDistribution {
        let s0 = cholesky2(initial);
        let n = cholesky2(noise);
        let mut f = [[0.0; 4]; 4];
        for i in 0..2 {
            for j in 0..2 {
                f[i][j] = (0..2).map(|k| g[i][k] * s0[k][j]).sum();
                f[i][j + 2] = n[i][j];
                f[i + 2][j] = s0[i][j];
            }
        }
        let b = [osc.stiffness, osc.mass, -osc.stiffness, -osc.mass];
        let mut m = [[0.0; 4]; 4];
        for i in 0..4 {
            for j in 0..4 {
                m[i][j] = (0..4).map(|k| f[k][i] * b[k] * f[k][j]).sum();
            }
        }
        HeatDistribution {
            weights: symmetric_eigenvalues(m),
        }
    }

    /// Heat exchanged between 0 and t under the sinusoid, from the closed-form moments.
    pub fn for_sinusoid(osc: &Oscillator, p: &Sinusoid, t: f64) -> HeatDistribution {
        let initial = moments::equilibrium(osc, p.mean);
        let noise = moments::sinusoid_noise_closed_form(osc, p, t);
        HeatDistribution::new(osc, &initial, &propagator(osc, t), &noise)
    }

    /// Heat exchanged between 0 and t under any protocol, from the quadrature moments.
    pub fn for_protocol(osc: &Oscillator, protocol: &dyn Protocol, t: f64) -> HeatDistribution {
        let initial = moments::equilibrium(osc, protocol.temperature(0.0));
        let noise = moments::noise_by_quadrature(osc, protocol, t);
        HeatDistribution::new(osc, &initial, &propagator(osc, t), &noise)
    }

    /// Z(λ) = ⟨e^{−iλQ}⟩ = Π (1 + iλμ_j)^{−1/2} as (Re, Im) (seed 002, Eq. 11).
    pub fn characteristic(&self, lambda: f64) -> (f64, f64) {
        let (modulus, phase) = self.characteristic_polar(lambda);
        (modulus * phase.cos(), modulus * phase.sin())
    }

    /// |Z(λ)| and arg Z(λ), continuous in λ.
    fn characteristic_polar(&self, lambda: f64) -> (f64, f64) {
        let mut log_modulus = 0.0;
        let mut phase = 0.0;
        for &mu in &self.weights {
            let x = lambda * mu;
            log_modulus -= 0.25 * (x * x).ln_1p();
            phase -= 0.5 * x.atan();
        }
        (log_modulus.exp(), phase)
    }

    /// Exact cumulants κ1..κ4 of Q: κ_n = ½ (n − 1)! Σ μ_j^n (the derivatives of ln Z at λ = 0,
    /// seed 002, Eq. 29).
    pub fn cumulants(&self) -> [f64; 4] {
        let power_sum = |n: i32| self.weights.iter().map(|mu| mu.powi(n)).sum::<f64>();
        [
            0.5 * power_sum(1),
            0.5 * power_sum(2),
            power_sum(3),
            3.0 * power_sum(4),
        ]
    }

    pub fn summary(&self) -> HeatCumulants {
        HeatCumulants::from_cumulants(self.cumulants())
    }

    /// Asymptotic slope Δβ of ln[P(Q)/P(−Q)] at large |Q| (seed 002, Eqs. 26–27): the tails decay as
    /// e^{−Q/μ_max} for Q > 0 and e^{−|Q|/|μ_min|} for Q < 0, so Δβ = 1/|μ_min| − 1/μ_max. `None`
    /// before any heat can flow in both directions (t = 0).
    pub fn asymptotic_delta_beta(&self) -> Option<f64> {
        let (lo, hi) = (self.weights[0], self.weights[3]);
        (lo < 0.0 && hi > 0.0).then(|| 1.0 / lo.abs() - 1.0 / hi)
    }

    /// P(Q) at each of `qs` by numerical Fourier inversion of Z (seed 002, Eq. 9):
    /// P(Q) = (1/π) ∫₀^∞ Re[e^{iλQ} Z(λ)] dλ. Z decays only like λ⁻², so the integral is regularised
    /// with a Gaussian window e^{−ε²λ²/2}: the result is the exact density convolved with a normal
    /// of standard deviation ε = `resolution` (it still integrates to 1; the bias is of order
    /// ε²P''/2, largest at the kink of P at Q = 0). The window lets the λ integral stop at 9/ε and
    /// be done with a fixed Kronrod rule fine enough for the fastest oscillation cos(λ·max|Q|).
    pub fn density(&self, qs: &[f64], resolution: f64) -> Vec<f64> {
        let scale = self.weights.iter().fold(0.0_f64, |m, w| m.max(w.abs()));
        if scale == 0.0 || resolution <= 0.0 {
            return qs.iter().map(|_| f64::NAN).collect();
        }
        let q_max = qs.iter().fold(0.0_f64, |m, q| m.max(q.abs()));
        let lambda_max = 9.0 / resolution;
        let panels = (lambda_max * (q_max + scale) / 2.0).ceil() as usize + 8;
        let nodes: Vec<(f64, f64, f64)> = kronrod_nodes(0.0, lambda_max, panels)
            .into_iter()
            .map(|(lambda, w)| {
                let (modulus, phase) = self.characteristic_polar(lambda);
                (
                    lambda,
                    w * modulus * (-0.5 * (resolution * lambda).powi(2)).exp(),
                    phase,
                )
            })
            .collect();
        qs.iter()
            .map(|&q| {
                nodes
                    .iter()
                    .map(|&(lambda, w, phase)| w * (lambda * q + phase).cos())
                    .sum::<f64>()
                    / std::f64::consts::PI
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_recovers_known_spectrum() {
        // Q Λ Qᵀ with a rotation in the (0, 2) and (1, 3) planes.
        let (c, s) = (0.6_f64, 0.8_f64);
        let lambda = [3.0, -1.0, 0.5, -2.0];
        let mut r = [[0.0; 4]; 4];
        r[0][0] = c;
        r[0][2] = -s;
        r[2][0] = s;
        r[2][2] = c;
        r[1][1] = c;
        r[1][3] = s;
        r[3][1] = -s;
        r[3][3] = c;
        let mut a = [[0.0; 4]; 4];
        for i in 0..4 {
            for j in 0..4 {
                a[i][j] = (0..4).map(|k| r[i][k] * lambda[k] * r[j][k]).sum();
            }
        }
        let e = symmetric_eigenvalues(a);
        for (got, want) in e.iter().zip([-2.0, -1.0, 0.5, 3.0]) {
            assert!((got - want).abs() < 1e-13, "{e:?}");
        }
    }
}
