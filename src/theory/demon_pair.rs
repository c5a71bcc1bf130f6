//! The two-particle linear Langevin model of seed 000 (Eqs. 1–2) and every stationary prediction built
//! on its covariance, the solution of the Lyapunov equation A Σ + Σ Aᵀ + 2D = 0.
//!
//! State z = (X_C, X_H, V_C, V_H) of one Cartesian axis; each driven axis of the MD is an independent
//! copy, so rates for d axes are d times the 1-D rates returned here. Internally the model works in
//! amu, Å, ps (energy amu·Å²/ps²); results are reported in eV, ps, K and k_B.
//! Sign convention of seed 000: Q > 0 is heat dissipated from a nanoparticle into its bath.

pub mod closed_form;
pub mod linalg;
pub mod power;
pub mod predictions;
pub mod special;

use crate::scenario::Scenario;
use crate::theory::golden::golden_max;
use crate::units::{friction_kg_per_s_to_amu_per_ps, KB_EV_PER_K, MVV2E};
use anyhow::{bail, Result};
use linalg::Mat4;
use power::{GaussianProduct, ParticlePower};
use serde::Serialize;

/// Parameters of seed 000, Eqs. 1–2 for one axis.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct DemonPair {
    pub mass_amu: f64,
    pub gamma_cold_amu_per_ps: f64,
    pub gamma_hot_amu_per_ps: f64,
    pub trap_kappa_ev_per_a2: f64,
    pub kappa_cold_ev_per_a2: f64,
    pub kappa_hot_ev_per_a2: f64,
    pub t_cold_k: f64,
    pub t_hot_k: f64,
}

/// Which way heat flows on average.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Regime {
    /// Heat leaves the hot bath and is dissipated into the cold one (Fig. 2a).
    Heater,
    /// Heat is extracted from the cold bath and released into the hot one (Eq. 6, Fig. 2b).
    Refrigerator,
    /// κ_H/κ_C = T_H/T_C: all currents vanish (detailed balance).
    PseudoEquilibrium,
}

/// Stationary averages of one axis.
#[derive(Clone, Debug, Serialize)]
pub struct SteadyState {
    /// Σ over (X_C, X_H, V_C, V_H): Å², Å²/ps, Å²/ps².
    pub covariance: Mat4,
    /// ⟨Q̇_C⟩, heat dissipated into the cold bath, eV/ps.
    pub heat_rate_cold_ev_per_ps: f64,
    /// ⟨Q̇_H⟩, heat dissipated into the hot bath, eV/ps.
    pub heat_rate_hot_ev_per_ps: f64,
    /// ⟨Ẇ_C⟩ = κ_C ⟨X_H V_C⟩, eV/ps.
    pub work_rate_cold_ev_per_ps: f64,
    /// ⟨Ẇ_H⟩ = κ_H ⟨X_C V_H⟩, eV/ps.
    pub work_rate_hot_ev_per_ps: f64,
    /// ⟨Ẇ⟩ = ⟨Ẇ_C⟩ + ⟨Ẇ_H⟩, eV/ps.
    pub power_ev_per_ps: f64,
    /// ⟨Ṡ_tot⟩ = ⟨Q̇_C⟩/T_C + ⟨Q̇_H⟩/T_H, in k_B per ps.
    pub entropy_production_kb_per_ps: f64,
    /// COP = −⟨Q̇_C⟩/⟨Ẇ⟩ (Eq. 7), only in the refrigerator regime.
    pub cop: Option<f64>,
    /// Carnot COP T_C/(T_H − T_C).
    pub cop_carnot: f64,
    pub regime: Regime,
}

/// Relative tolerance below which κ_H T_C = κ_C T_H counts as the pseudo-equilibrium point.
const PSEUDO_EQUILIBRIUM_TOL: f64 = 1e-9;

impl DemonPair {
    /// The model for a scenario: m = atoms × copper mass, equal friction γ on both particles (seed 000).
    pub fn from_scenario(s: &Scenario, gamma_kg_per_s: f64) -> Result<DemonPair> {
        let gamma = friction_kg_per_s_to_amu_per_ps(gamma_kg_per_s);
        let model = DemonPair {
            mass_amu: s.nanoparticle.atoms as f64 * s.potential.copper.mass_amu,
            gamma_cold_amu_per_ps: gamma,
            gamma_hot_amu_per_ps: gamma,
            trap_kappa_ev_per_a2: s.controller.trap_kappa_ev_per_a2,
            kappa_cold_ev_per_a2: s.controller.kappa_cold_ev_per_a2,
            kappa_hot_ev_per_a2: s.controller.kappa_hot_ev_per_a2,
            t_cold_k: s.cold.temperature_k,
            t_hot_k: s.hot.temperature_k,
        };
        model.validate()?;
        Ok(model)
    }

    pub fn with_kappa_hot(&self, kappa_hot_ev_per_a2: f64) -> DemonPair {
        DemonPair {
            kappa_hot_ev_per_a2,
            ..*self
        }
    }

    /// Checks that the parameters describe a stable model with a stationary state.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("mass_amu", self.mass_amu),
            (
                "gamma_cold_amu_per_ps (friction)",
                self.gamma_cold_amu_per_ps,
            ),
            ("gamma_hot_amu_per_ps (friction)", self.gamma_hot_amu_per_ps),
            ("t_cold_k", self.t_cold_k),
            ("t_hot_k", self.t_hot_k),
        ] {
            if !(v.is_finite() && v > 0.0) {
                bail!("{name} = {v}: must be a positive finite number");
            }
        }
        for (name, v) in [
            ("trap_kappa_ev_per_a2", self.trap_kappa_ev_per_a2),
            ("kappa_cold_ev_per_a2", self.kappa_cold_ev_per_a2),
            ("kappa_hot_ev_per_a2", self.kappa_hot_ev_per_a2),
        ] {
            if !v.is_finite() {
                bail!("{name} = {v}: must be finite");
            }
        }
        if !self.is_stable() {
            bail!(
                "kappa_hot_ev_per_a2 = {}: the linear model is unstable (Routh–Hurwitz fails; seed 000 needs \
                 κ_H + κ_C > −κ = {}); choose couplings with a bounded stationary state",
                self.kappa_hot_ev_per_a2,
                -self.trap_kappa_ev_per_a2
            );
        }
        Ok(())
    }

    fn kt_cold(&self) -> f64 {
        KB_EV_PER_K * self.t_cold_k / MVV2E
    }
    fn kt_hot(&self) -> f64 {
        KB_EV_PER_K * self.t_hot_k / MVV2E
    }
    /// Stiffnesses in amu/ps² (model units).
    fn stiffnesses(&self) -> (f64, f64, f64) {
        (
            self.trap_kappa_ev_per_a2 / MVV2E,
            self.kappa_cold_ev_per_a2 / MVV2E,
            self.kappa_hot_ev_per_a2 / MVV2E,
        )
    }

    /// Drift matrix A of dz = A z dt + noise, 1/ps and 1/ps².
    pub fn drift(&self) -> Mat4 {
        let m = self.mass_amu;
        let (k, kc, kh) = self.stiffnesses();
        [
            [0.0, 0.0, 1.0, 0.0],
            [0.0, 0.0, 0.0, 1.0],
            [-(k + kc) / m, kc / m, -self.gamma_cold_amu_per_ps / m, 0.0],
            [kh / m, -(k + kh) / m, 0.0, -self.gamma_hot_amu_per_ps / m],
        ]
    }

    /// 2D, the velocity-noise intensity: 2 γ k_B T / m² on the velocity diagonal (Å²/ps³).
    pub fn noise(&self) -> Mat4 {
        let m = self.mass_amu;
        let mut q = [[0.0; 4]; 4];
        q[2][2] = 2.0 * self.gamma_cold_amu_per_ps * self.kt_cold() / (m * m);
        q[3][3] = 2.0 * self.gamma_hot_amu_per_ps * self.kt_hot() / (m * m);
        q
    }

    /// Routh–Hurwitz on det(λ − A) = (mλ² + γ_Cλ + κ+κ_C)(mλ² + γ_Hλ + κ+κ_H) − κ_Cκ_H. With equal
    /// positive frictions it reduces to seed 000's κ_H + κ_C > −κ, but it also holds for unequal ones.
    pub fn is_stable(&self) -> bool {
        let m = self.mass_amu;
        let (gc, gh) = (self.gamma_cold_amu_per_ps, self.gamma_hot_amu_per_ps);
        let (k, kc, kh) = self.stiffnesses();
        let a4 = m * m;
        let a3 = m * (gc + gh);
        let a2 = m * (2.0 * k + kc + kh) + gc * gh;
        let a1 = gc * (k + kh) + gh * (k + kc);
        let a0 = (k + kc) * (k + kh) - kc * kh;
        [a4, a3, a2, a1, a0].iter().all(|&a| a > 0.0)
            && a3 * a2 > a4 * a1
            && a3 * a2 * a1 > a4 * a1 * a1 + a3 * a3 * a0
    }

    /// Stationary covariance Σ (Å², Å²/ps, Å²/ps²) from A Σ + Σ Aᵀ + 2D = 0.
    pub fn covariance(&self) -> Result<Mat4> {
        self.validate()?;
        linalg::lyapunov(&self.drift(), &self.noise())
    }

    /// Stationary heat, work, entropy production and COP for one axis, all from Σ.
    pub fn steady_state(&self) -> Result<SteadyState> {
        let s = self.covariance()?;
        let m = self.mass_amu;
        // Sekimoto heat with Stratonovich product: ⟨(γV − ξ)∘V⟩ = γ(⟨V²⟩ − k_B T/m).
        let heat_cold = self.gamma_cold_amu_per_ps * (s[2][2] - self.kt_cold() / m) * MVV2E;
        let heat_hot = self.gamma_hot_amu_per_ps * (s[3][3] - self.kt_hot() / m) * MVV2E;
        let work_cold = self.kappa_cold_ev_per_a2 * s[1][2];
        let work_hot = self.kappa_hot_ev_per_a2 * s[0][3];
        let power = work_cold + work_hot;
        let entropy = (heat_cold / self.t_cold_k + heat_hot / self.t_hot_k) / KB_EV_PER_K;
        let imbalance =
            self.kappa_hot_ev_per_a2 * self.t_cold_k - self.kappa_cold_ev_per_a2 * self.t_hot_k;
        let scale = (self.kappa_hot_ev_per_a2 * self.t_cold_k).abs()
            + (self.kappa_cold_ev_per_a2 * self.t_hot_k).abs();
        let regime = if imbalance.abs() <= PSEUDO_EQUILIBRIUM_TOL * scale {
            Regime::PseudoEquilibrium
        } else if heat_cold < 0.0 {
            Regime::Refrigerator
        } else {
            Regime::Heater
        };
        let cop = (regime == Regime::Refrigerator && power > 0.0).then(|| -heat_cold / power);
        Ok(SteadyState {
            covariance: s,
            heat_rate_cold_ev_per_ps: heat_cold,
            heat_rate_hot_ev_per_ps: heat_hot,
            work_rate_cold_ev_per_ps: work_cold,
            work_rate_hot_ev_per_ps: work_hot,
            power_ev_per_ps: power,
            entropy_production_kb_per_ps: entropy,
            cop,
            cop_carnot: self.t_cold_k / (self.t_hot_k - self.t_cold_k),
            regime,
        })
    }

    /// κ_H at which all currents vanish: κ_H = κ_C T_H/T_C. There the Gibbs-like density
    /// exp(−U − Σ m V²/2k_BT) with ∂U/∂X_μ = −F_μ/(k_B T_μ) exists, whatever the frictions.
    pub fn pseudo_equilibrium_kappa_hot(&self) -> f64 {
        self.kappa_cold_ev_per_a2 * self.t_hot_k / self.t_cold_k
    }

    /// Seed 000, Eq. 6: the model refrigerates iff κ_H/κ_C > T_H/T_C (for κ_C > 0).
    pub fn refrigerator_condition(&self) -> bool {
        self.kappa_hot_ev_per_a2 / self.kappa_cold_ev_per_a2 > self.t_hot_k / self.t_cold_k
    }

    /// κ_H (eV/Å²) that maximises the heat extracted from the cold bath, −⟨Q̇_C⟩, by golden-section
    /// search on log κ_H above the pseudo-equilibrium point (seed 000 quotes κ_H/κ_C ≈ 3.79).
    pub fn kappa_hot_max_extraction(&self) -> Result<f64> {
        if self.kappa_cold_ev_per_a2 <= 0.0 || self.kappa_cold_ev_per_a2.is_nan() {
            bail!(
                "kappa_cold_ev_per_a2 = {}: heat extraction needs κ_C > 0",
                self.kappa_cold_ev_per_a2
            );
        }
        let extracted = |log_kh: f64| -> Result<f64> {
            Ok(-self
                .with_kappa_hot(log_kh.exp())
                .steady_state()?
                .heat_rate_cold_ev_per_ps)
        };
        let lo = self.pseudo_equilibrium_kappa_hot().ln();
        let hi = (self.kappa_cold_ev_per_a2 * 1e4).ln();
        Ok(golden_max(extracted, lo, hi, 1e-10)?.exp())
    }

    /// Covariance of the pair (z(t), z(t+τ)) as an 8×8 matrix: Cov(z(t+τ), z(t)) = e^{Aτ} Σ.
    fn lagged_covariance(&self, tau_ps: f64) -> Result<[[f64; 8]; 8]> {
        let s = self.covariance()?;
        let c = linalg::mul(&linalg::expm(&self.drift(), tau_ps), &s);
        let mut j = [[0.0; 8]; 8];
        for a in 0..4 {
            for b in 0..4 {
                j[a][b] = s[a][b];
                j[a + 4][b + 4] = s[a][b];
                j[a + 4][b] = c[a][b];
                j[b][a + 4] = c[a][b];
            }
        }
        Ok(j)
    }

    /// Distribution of the power on one particle (Eq. 8) sampled at interval τ ps (τ = 0: the
    /// instantaneous power κ_j X_l V_j, whose exponential form is Eq. 9 with Eq. 21's α, β, ζ).
    pub fn particle_power(&self, cold: bool, tau_ps: f64) -> Result<ParticlePower> {
        if !(tau_ps >= 0.0 && tau_ps.is_finite()) {
            bail!("sampling interval {tau_ps} ps must be ≥ 0");
        }
        let j = self.lagged_covariance(tau_ps)?;
        let (a, b) = power_factors(cold, tau_ps);
        let product =
            GaussianProduct::from_covariance(quad(&a, &j, &a), quad(&b, &j, &b), quad(&a, &j, &b))?;
        let kappa = if cold {
            self.kappa_cold_ev_per_a2
        } else {
            self.kappa_hot_ev_per_a2
        };
        Ok(ParticlePower {
            kappa_ev_per_a2: kappa,
            product,
        })
    }

    /// Mean and variance of the total sampled power Ẇ_C + Ẇ_H (one axis) at interval τ, by Isserlis:
    /// Cov(a₁b₁, a₂b₂) = C(a₁,a₂)C(b₁,b₂) + C(a₁,b₂)C(b₁,a₂).
    pub fn total_power_moments(&self, tau_ps: f64) -> Result<(f64, f64)> {
        let j = self.lagged_covariance(tau_ps)?;
        let terms = [
            (self.kappa_cold_ev_per_a2, power_factors(true, tau_ps)),
            (self.kappa_hot_ev_per_a2, power_factors(false, tau_ps)),
        ];
        let mean = terms.iter().map(|(k, (a, b))| k * quad(a, &j, b)).sum();
        let mut var = 0.0;
        for (k1, (a1, b1)) in &terms {
            for (k2, (a2, b2)) in &terms {
                var += k1
                    * k2
                    * (quad(a1, &j, a2) * quad(b1, &j, b2) + quad(a1, &j, b2) * quad(b1, &j, a2));
            }
        }
        Ok((mean, var))
    }
}

/// Linear combinations (a_j, b_j) whose product times κ_j is the sampled power of Eq. 8 for particle
/// `cold`/hot at interval τ: a = midpoint of X_l, b = (X_j(t+τ) − X_j(t))/τ. At τ = 0, a = X_l and
/// b = V_j (the continuous-time power).
pub(crate) fn power_factors(cold: bool, tau_ps: f64) -> ([f64; 8], [f64; 8]) {
    let (j, l) = if cold { (0, 1) } else { (1, 0) };
    let mut a = [0.0; 8];
    let mut b = [0.0; 8];
    if tau_ps == 0.0 {
        a[l] = 1.0;
        b[j + 2] = 1.0;
    } else {
        a[l] = 0.5;
        a[l + 4] = 0.5;
        b[j] = -1.0 / tau_ps;
        b[j + 4] = 1.0 / tau_ps;
    }
    (a, b)
}

/// xᵀ J y for the joint covariance J of (state at t, state at t+τ).
pub(crate) fn quad(x: &[f64; 8], j: &[[f64; 8]; 8], y: &[f64; 8]) -> f64 {
    (0..8)
        .map(|a| (0..8).map(|b| x[a] * j[a][b] * y[b]).sum::<f64>())
        .sum()
}

/// The parameters of seed 000's MD: m = 186 Cu atoms, γ = 3.5e-12 kg/s, κ = 1 eV/nm², κ_C = 10κ,
/// T_C = 100 K, T_H = 120 K; κ_H is the argument.
pub fn paper_model(kappa_hot_ev_per_a2: f64) -> DemonPair {
    let gamma = friction_kg_per_s_to_amu_per_ps(3.5e-12);
    DemonPair {
        mass_amu: 186.0 * crate::units::MASS_CU_AMU,
        gamma_cold_amu_per_ps: gamma,
        gamma_hot_amu_per_ps: gamma,
        trap_kappa_ev_per_a2: 0.01,
        kappa_cold_ev_per_a2: 0.1,
        kappa_hot_ev_per_a2,
        t_cold_k: 100.0,
        t_hot_k: 120.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equilibrium_without_coupling_is_equipartition() {
        let mut p = paper_model(0.0);
        p.kappa_cold_ev_per_a2 = 0.0;
        let s = p.covariance().unwrap();
        let kt_c = KB_EV_PER_K * 100.0;
        assert!((s[0][0] * p.trap_kappa_ev_per_a2 / kt_c - 1.0).abs() < 1e-10);
        assert!((s[2][2] * p.mass_amu * MVV2E / kt_c - 1.0).abs() < 1e-10);
        assert!(s[0][1].abs() < 1e-12 && s[0][2].abs() < 1e-12);
    }

    #[test]
    fn sampled_power_tends_to_instantaneous_power() {
        let p = paper_model(0.48);
        let inst = p.particle_power(true, 0.0).unwrap();
        let fine = p.particle_power(true, 1e-4).unwrap();
        assert!((fine.mean() / inst.mean() - 1.0).abs() < 1e-3);
        assert!((fine.variance() / inst.variance() - 1.0).abs() < 1e-3);
    }
}
