//! Seed 000's demon pair (trap κ, nonreciprocal couplings κ_C, κ_H) with each particle in its own bath
//! with memory: the stationary predictions of the extended linear system, from its Lyapunov
//! covariance exactly as the Markov theory (src/theory/demon_pair.rs) builds them from the 4-D one.
//! With memoryless baths (no modes, no shell) every number equals the Markov theory's.

use super::bath::{MemoryBath, Response};
use super::dense::Mat;
use super::system::{LinearSystem, Particle};
use crate::theory::demon_pair::power::{tur_bound, GaussianProduct, ParticlePower};
use crate::theory::demon_pair::{power_factors, quad, DemonPair, Regime};
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::{bail, Result};
use serde::Serialize;

/// The demon pair on one axis with baths with memory.
#[derive(Clone, Debug, Serialize)]
pub struct MemoryPair {
    pub mass_amu: f64,
    pub trap_kappa_ev_per_a2: f64,
    pub kappa_cold_ev_per_a2: f64,
    pub kappa_hot_ev_per_a2: f64,
    pub t_cold_k: f64,
    pub t_hot_k: f64,
    pub bath_cold: MemoryBath,
    pub bath_hot: MemoryBath,
}

/// Stationary predictions summed over `axes` driven axes (keys as the Markov `theory` object), plus
/// the per-particle kinetic temperatures and the one-axis covariance of (X_C, X_H, V_C, V_H).
#[derive(Clone, Debug, Serialize)]
pub struct MemoryPoint {
    pub kappa_ratio: f64,
    pub kappa_hot_ev_per_a2: f64,
    pub axes: usize,
    pub regime: Regime,
    pub heat_rate_cold_ev_per_ps: f64,
    pub heat_rate_hot_ev_per_ps: f64,
    pub work_rate_cold_ev_per_ps: f64,
    pub work_rate_hot_ev_per_ps: f64,
    pub power_ev_per_ps: f64,
    pub entropy_production_kb_per_ps: f64,
    pub cop: Option<f64>,
    /// Sampling interval the power statistics refer to, ps.
    pub sample_interval_ps: f64,
    /// Mean and variance of the sampled power of each particle (seed 000, Eq. 8) on ONE axis,
    /// eV/ps and (eV/ps)², as the Markov theory's.
    pub power_cold_mean_ev_per_ps: f64,
    pub power_cold_variance: f64,
    pub power_hot_mean_ev_per_ps: f64,
    pub power_hot_variance: f64,
    /// Var/mean² of the sampled powers summed over the driven axes (Fig. 6).
    pub relative_uncertainty_cold: f64,
    pub relative_uncertainty_hot: f64,
    pub relative_uncertainty_total: f64,
    /// Seed 000, Eq. 12: 2 k_B/(⟨Ṡ_tot⟩ Δt) for the driven axes.
    pub tur_bound: f64,
    /// m⟨V²⟩/k_B of each particle on one axis, K.
    pub kinetic_temperature_cold_k: f64,
    pub kinetic_temperature_hot_k: f64,
    /// κ⟨X²⟩/k_B of each particle on one axis (trap stiffness only), K.
    pub trap_temperature_cold_k: f64,
    pub trap_temperature_hot_k: f64,
    /// One axis: Σ over (X_C, X_H, V_C, V_H), Å², Å²/ps, Å²/ps².
    pub covariance: [[f64; 4]; 4],
    /// Each bath's Re γ(ω) and m_add(ω) at the frequency its particle is held at,
    /// ω = √((κ + κ_own)/m) (κ_own = κ_C for the cold particle, κ_H for the hot one).
    pub probe_cold: Response,
    pub probe_hot: Response,
}

impl MemoryPair {
    /// The Markov model with its frictions as memoryless baths.
    pub fn from_markov(m: &DemonPair) -> MemoryPair {
        MemoryPair {
            mass_amu: m.mass_amu,
            trap_kappa_ev_per_a2: m.trap_kappa_ev_per_a2,
            kappa_cold_ev_per_a2: m.kappa_cold_ev_per_a2,
            kappa_hot_ev_per_a2: m.kappa_hot_ev_per_a2,
            t_cold_k: m.t_cold_k,
            t_hot_k: m.t_hot_k,
            bath_cold: MemoryBath::markov(m.gamma_cold_amu_per_ps),
            bath_hot: MemoryBath::markov(m.gamma_hot_amu_per_ps),
        }
    }

    /// The extended linear system of one axis; refuses invalid baths and unstable couplings.
    pub fn system(&self) -> Result<LinearSystem> {
        self.bath_cold.validate("cold bath")?;
        self.bath_hot.validate("hot bath")?;
        for (name, v) in [
            ("mass_amu", self.mass_amu),
            ("t_cold_k", self.t_cold_k),
            ("t_hot_k", self.t_hot_k),
        ] {
            if !(v.is_finite() && v > 0.0) {
                bail!("{name} = {v}: must be a positive finite number");
            }
        }
        let (k, kc, kh) = (
            self.trap_kappa_ev_per_a2 / MVV2E,
            self.kappa_cold_ev_per_a2 / MVV2E,
            self.kappa_hot_ev_per_a2 / MVV2E,
        );
        let part = |t_k: f64, bath: &MemoryBath| Particle {
            mass_amu: self.mass_amu,
            t_k,
            bath: bath.clone(),
        };
        let sys = LinearSystem::new(
            &[vec![k + kc, -kc], vec![-kh, k + kh]],
            &[
                part(self.t_cold_k, &self.bath_cold),
                part(self.t_hot_k, &self.bath_hot),
            ],
        );
        // Static stability: the stiffness matrix must be positive stable, which for this 2×2 is
        // (k+κ_C)(k+κ_H) − κ_Cκ_H > 0 and 2k + κ_C + κ_H > 0 (seed 000: κ_H + κ_C > −κ).
        if !((k + kc) * (k + kh) - kc * kh > 0.0 && 2.0 * k + kc + kh > 0.0) {
            bail!(
                "kappa_hot_ev_per_a2 = {}: the linear model is unstable (seed 000 needs κ_H + κ_C > −κ = {}); choose couplings with a bounded stationary state",
                self.kappa_hot_ev_per_a2,
                -self.trap_kappa_ev_per_a2
            );
        }
        Ok(sys)
    }

    /// Stationary covariance of the extended state; fails when the dynamics has no stationary state.
    pub fn covariance(&self) -> Result<(LinearSystem, Mat)> {
        let sys = self.system()?;
        let s = sys.covariance()?;
        let n = sys.dim();
        if (0..n).any(|i| !(s[(i, i)].is_finite() && s[(i, i)] > 0.0)) {
            bail!("kappa_hot_ev_per_a2 = {}: no stationary state with these baths (the Lyapunov solution is not a covariance); choose couplings closer to κ_H = κ_C", self.kappa_hot_ev_per_a2);
        }
        Ok((sys, s))
    }

    /// The sampled power of one particle on one axis at interval Δt (seed 000, Eq. 8), a product of
    /// two jointly Gaussian variables whose covariance the extended system gives: its exact density
    /// is what Fig. 5 draws beside the Markov one.
    pub fn particle_power(&self, cold: bool, dt_ps: f64) -> Result<ParticlePower> {
        if !(dt_ps >= 0.0 && dt_ps.is_finite()) {
            bail!("sampling interval {dt_ps} ps must be ≥ 0");
        }
        let (sys, s) = self.covariance()?;
        let joint = lagged_covariance(&sys, &s, dt_ps);
        let kappa = if cold {
            self.kappa_cold_ev_per_a2
        } else {
            self.kappa_hot_ev_per_a2
        };
        power_of(kappa, &power_factors(cold, dt_ps), &joint)
    }

    /// Every prediction for `axes` independent driven axes, power statistics for samples `dt_ps` apart.
    pub fn predict(&self, axes: usize, dt_ps: f64) -> Result<MemoryPoint> {
        if !(dt_ps >= 0.0 && dt_ps.is_finite()) {
            bail!("sampling interval {dt_ps} ps must be ≥ 0");
        }
        if axes == 0 {
            bail!("the demon acts on no axis (controller.demon_axes is empty); there is nothing to predict");
        }
        let (sys, s) = self.covariance()?;
        let d = axes as f64;
        let heat_c = sys.heat_rate(&s, 0) * MVV2E;
        let heat_h = sys.heat_rate(&s, 1) * MVV2E;
        let work_c = self.kappa_cold_ev_per_a2 * s[(1, 2)];
        let work_h = self.kappa_hot_ev_per_a2 * s[(0, 3)];
        let power_one_axis = work_c + work_h;
        let entropy =
            heat_c / (KB_EV_PER_K * self.t_cold_k) + heat_h / (KB_EV_PER_K * self.t_hot_k);
        let kt_c = KB_EV_PER_K * self.t_cold_k;
        let scale = kt_c * (self.trap_kappa_ev_per_a2.abs() / MVV2E / self.mass_amu).sqrt();
        let regime = if heat_c.abs() <= 1e-9 * scale {
            Regime::PseudoEquilibrium
        } else if heat_c < 0.0 {
            Regime::Refrigerator
        } else {
            Regime::Heater
        };
        let mut cov = [[0.0; 4]; 4];
        for (i, row) in cov.iter_mut().enumerate() {
            for (j, c) in row.iter_mut().enumerate() {
                *c = s[(i, j)];
            }
        }
        let joint = lagged_covariance(&sys, &s, dt_ps);
        let terms = [
            (self.kappa_cold_ev_per_a2, power_factors(true, dt_ps)),
            (self.kappa_hot_ev_per_a2, power_factors(false, dt_ps)),
        ];
        let (p_cold, p_hot) = (
            power_of(terms[0].0, &terms[0].1, &joint)?,
            power_of(terms[1].0, &terms[1].1, &joint)?,
        );
        // Isserlis: Cov(a₁b₁, a₂b₂) = C(a₁,a₂)C(b₁,b₂) + C(a₁,b₂)C(b₁,a₂).
        let mean_total: f64 = terms.iter().map(|(k, (a, b))| k * quad(a, &joint, b)).sum();
        let mut var_total = 0.0;
        for (k1, (a1, b1)) in &terms {
            for (k2, (a2, b2)) in &terms {
                var_total += k1
                    * k2
                    * (quad(a1, &joint, a2) * quad(b1, &joint, b2)
                        + quad(a1, &joint, b2) * quad(b1, &joint, a2));
            }
        }
        let to_k = |e: f64| e / KB_EV_PER_K;
        let omega = |own: f64| {
            ((self.trap_kappa_ev_per_a2 + own) / MVV2E / self.mass_amu)
                .max(0.0)
                .sqrt()
        };
        Ok(MemoryPoint {
            kappa_ratio: self.kappa_hot_ev_per_a2 / self.kappa_cold_ev_per_a2,
            kappa_hot_ev_per_a2: self.kappa_hot_ev_per_a2,
            axes,
            regime,
            heat_rate_cold_ev_per_ps: d * heat_c,
            heat_rate_hot_ev_per_ps: d * heat_h,
            work_rate_cold_ev_per_ps: d * work_c,
            work_rate_hot_ev_per_ps: d * work_h,
            power_ev_per_ps: d * power_one_axis,
            entropy_production_kb_per_ps: d * entropy,
            cop: (regime == Regime::Refrigerator).then(|| -heat_c / power_one_axis),
            sample_interval_ps: dt_ps,
            power_cold_mean_ev_per_ps: p_cold.mean(),
            power_cold_variance: p_cold.variance(),
            power_hot_mean_ev_per_ps: p_hot.mean(),
            power_hot_variance: p_hot.variance(),
            relative_uncertainty_cold: p_cold.relative_uncertainty() / d,
            relative_uncertainty_hot: p_hot.relative_uncertainty() / d,
            relative_uncertainty_total: var_total / mean_total.powi(2) / d,
            tur_bound: tur_bound(d * entropy, dt_ps),
            kinetic_temperature_cold_k: to_k(self.mass_amu * s[(2, 2)] * MVV2E),
            kinetic_temperature_hot_k: to_k(self.mass_amu * s[(3, 3)] * MVV2E),
            trap_temperature_cold_k: to_k(self.trap_kappa_ev_per_a2 * s[(0, 0)]),
            trap_temperature_hot_k: to_k(self.trap_kappa_ev_per_a2 * s[(1, 1)]),
            covariance: cov,
            probe_cold: self.bath_cold.response(omega(self.kappa_cold_ev_per_a2)),
            probe_hot: self.bath_hot.response(omega(self.kappa_hot_ev_per_a2)),
        })
    }
}

/// Ẇ = κ·A·B with A = a·z, B = b·z of the joint state z (see [`power_factors`]).
fn power_of(
    kappa_ev_per_a2: f64,
    (a, b): &([f64; 8], [f64; 8]),
    joint: &[[f64; 8]; 8],
) -> Result<ParticlePower> {
    Ok(ParticlePower {
        kappa_ev_per_a2,
        product: GaussianProduct::from_covariance(
            quad(a, joint, a),
            quad(b, joint, b),
            quad(a, joint, b),
        )?,
    })
}

/// Joint covariance of (X_C, X_H, V_C, V_H) at t and at t + τ (indices 0–3 and 4–7), from Σ and
/// ⟨z(t+τ) z(t)ᵀ⟩ = e^{Aτ} Σ of the extended system.
fn lagged_covariance(sys: &LinearSystem, sigma: &Mat, tau_ps: f64) -> [[f64; 8]; 8] {
    let c = sys.drift.expm(tau_ps).mul(sigma);
    let mut j = [[0.0; 8]; 8];
    for a in 0..4 {
        for b in 0..4 {
            j[a][b] = sigma[(a, b)];
            j[a + 4][b + 4] = sigma[(a, b)];
            j[a + 4][b] = c[(a, b)];
            j[b][a + 4] = c[(a, b)];
        }
    }
    j
}

#[cfg(test)]
mod tests {
    use super::super::bath::{ExpMode, Shell};
    use super::*;
    use crate::theory::demon_pair::paper_model;
    use crate::theory::demon_pair::predictions::TheoryPoint;

    #[test]
    fn memoryless_power_density_is_the_markov_one() {
        // Fig. 5 draws both densities: with memoryless baths they must coincide (second implementation:
        // the 4-D Markov lagged covariance of src/theory/demon_pair.rs).
        for (ratio, cold) in [(0.17, true), (4.8, true), (4.8, false)] {
            let markov = paper_model(0.1 * ratio);
            let want = markov.particle_power(cold, 1.0).unwrap();
            let got = MemoryPair::from_markov(&markov)
                .particle_power(cold, 1.0)
                .unwrap();
            let sd = want.variance().sqrt();
            for z in [-3.0, -0.7, 0.4, 2.5] {
                let w = want.mean() + z * sd;
                let (a, b) = (got.density(w), want.density(w));
                assert!(
                    (a - b).abs() <= 1e-9 * b,
                    "ratio {ratio} at {z} sd: {a} vs {b}"
                );
            }
        }
    }

    #[test]
    fn memoryless_baths_reproduce_the_markov_theory() {
        for ratio in [0.17, 1.2, 4.8] {
            let markov = paper_model(0.1 * ratio);
            let t = TheoryPoint::compute(&markov, 3, 1.0).unwrap();
            let m = MemoryPair::from_markov(&markov).predict(3, 1.0).unwrap();
            // At the pseudo-equilibrium ratio 1.2 every rate is rounding noise (≲ 1e-17 eV/ps).
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs() + 1e-15;
            assert!(close(
                m.heat_rate_cold_ev_per_ps,
                t.heat_rate_cold_ev_per_ps
            ));
            assert!(close(m.heat_rate_hot_ev_per_ps, t.heat_rate_hot_ev_per_ps));
            assert!(close(m.power_ev_per_ps, t.power_ev_per_ps));
            for (a, b) in [
                (m.power_cold_mean_ev_per_ps, t.power_cold_mean_ev_per_ps),
                (m.power_cold_variance, t.power_cold_variance),
                (m.power_hot_mean_ev_per_ps, t.power_hot_mean_ev_per_ps),
                (m.power_hot_variance, t.power_hot_variance),
            ] {
                assert!((a - b).abs() <= 1e-8 * b.abs() + 1e-15, "{a} vs {b}");
            }
            // Var/mean² divides by a rounding-level mean at the pseudo-equilibrium point.
            if t.regime != Regime::PseudoEquilibrium {
                let (a, b) = (m.relative_uncertainty_total, t.relative_uncertainty_total);
                assert!((a - b).abs() <= 1e-8 * b.abs(), "{a} vs {b}");
            }
            assert!(close(
                m.entropy_production_kb_per_ps,
                t.entropy_production_kb_per_ps
            ));
            assert_eq!(m.regime, t.regime);
            assert_eq!(m.cop.is_some(), t.cop.is_some());
            if let (Some(a), Some(b)) = (m.cop, t.cop) {
                assert!(close(a, b));
            }
            let sigma = markov.covariance().unwrap();
            for (i, (row, want)) in m.covariance.iter().zip(&sigma).enumerate() {
                for (a, b) in row.iter().zip(want) {
                    assert!((a - b).abs() <= 1e-9 * sigma[i][i].abs());
                }
            }
        }
    }

    fn memory_pair(kappa_hot: f64) -> MemoryPair {
        let mut p = MemoryPair::from_markov(&paper_model(kappa_hot));
        p.bath_cold.modes.push(ExpMode {
            strength_amu_per_ps2: 400.0,
            tau_ps: 3.0,
        });
        p.bath_hot.shell = Some(Shell {
            mass_amu: 4000.0,
            stiffness_amu_per_ps2: 3000.0,
            friction_amu_per_ps: 800.0,
            coupling_friction_amu_per_ps: 1500.0,
        });
        p
    }

    #[test]
    fn first_law_and_the_stationary_identity_hold_for_any_bath() {
        for kh in [0.017, 0.48] {
            let p = memory_pair(kh);
            let r = p.predict(1, 1.0).unwrap();
            let w = r.power_ev_per_ps;
            let resid = w - r.heat_rate_cold_ev_per_ps - r.heat_rate_hot_ev_per_ps;
            assert!(resid.abs() < 1e-9 * w.abs(), "first law: {resid:e}");
            // d⟨X_C X_H⟩/dt = 0 ⇒ ⟨Ẇ_H⟩/⟨Ẇ_C⟩ = −κ_H/κ_C, and per particle Q̇ = Ẇ.
            let ratio = r.heat_rate_hot_ev_per_ps / r.heat_rate_cold_ev_per_ps;
            assert!(
                (ratio + kh / 0.1).abs() < 1e-8 * ratio.abs(),
                "ratio {ratio}"
            );
            assert!(
                (r.heat_rate_cold_ev_per_ps - r.work_rate_cold_ev_per_ps).abs()
                    < 1e-9 * r.heat_rate_cold_ev_per_ps.abs()
            );
        }
    }

    /// At κ_H/κ_C = T_H/T_C the stationary density ∝ exp(−H_C/k_BT_C − H_H/k_BT_H) with the coupling
    /// κ_C X_C X_H/T_C = κ_H X_C X_H/T_H shared, so every current vanishes whatever the baths.
    #[test]
    fn pseudo_equilibrium_point_is_bath_independent() {
        let p = memory_pair(0.1 * 1.2);
        let r = p.predict(1, 1.0).unwrap();
        let scale = memory_pair(0.48)
            .predict(1, 1.0)
            .unwrap()
            .heat_rate_hot_ev_per_ps;
        assert_eq!(r.regime, Regime::PseudoEquilibrium);
        assert!(r.heat_rate_cold_ev_per_ps.abs() < 1e-12 * scale.abs());
        let off = memory_pair(0.1 * 1.25).predict(1, 1.0).unwrap();
        assert!(off.heat_rate_cold_ev_per_ps.abs() > 1e-3 * scale.abs());
    }

    #[test]
    fn uncoupled_particles_are_in_equilibrium_with_their_own_baths() {
        let mut p = memory_pair(0.0);
        p.kappa_cold_ev_per_a2 = 0.0;
        let r = p.predict(1, 1.0).unwrap();
        for (t, want) in [
            (r.kinetic_temperature_cold_k, 100.0),
            (r.kinetic_temperature_hot_k, 120.0),
            (r.trap_temperature_cold_k, 100.0),
            (r.trap_temperature_hot_k, 120.0),
        ] {
            assert!((t - want).abs() < 1e-9 * want, "{t} vs {want}");
        }
        assert!(r.heat_rate_cold_ev_per_ps.abs() < 1e-15);
    }
}
