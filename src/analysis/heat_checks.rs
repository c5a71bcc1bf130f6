//! Checks a run's heat must pass whatever the bath: the exact stationary identity between the two heat
//! rates, and the first law per particle. Each deviation is given in standard errors of the diffusive +
//! bounded rate estimator ([`super::heat_rate`]).

use super::heat_rate::{rate_of, SeriesRate};
use anyhow::{bail, Result};
use serde::Serialize;

/// The stationary identity Q̇_H/Q̇_C = −κ_H/κ_C.
///
/// In a steady state d⟨X_C X_H⟩/dt = ⟨V_C X_H⟩ + ⟨X_C V_H⟩ = 0, and the demon powers are
/// Ẇ_C = κ_C⟨X_H V_C⟩, Ẇ_H = κ_H⟨X_C V_H⟩ (seed 000, Eq. 19), so κ_H Ẇ_C + κ_C Ẇ_H = 0; with the first law
/// per particle (Q̇_b = Ẇ_b once the particle energy is stationary) κ_H Q̇_C + κ_C Q̇_H = 0. It holds for any
/// bath, Markovian or not, and makes COP = κ_C/(κ_H − κ_C) exact. It is tested as the rate of the
/// cumulative series Q_H(t) + (κ_H/κ_C) Q_C(t), which must vanish.
#[derive(Clone, Debug, Serialize)]
pub struct StationaryIdentity {
    /// Which heat series: "ledger" (bath ledger) or "particle" (q_particle).
    pub heat: String,
    /// Q̇_H/Q̇_C measured, with its error (delta method: error of the combined rate over |Q̇_C|).
    pub ratio_measured: f64,
    pub ratio_error: f64,
    /// −κ_H/κ_C.
    pub ratio_expected: f64,
    /// Rate of Q_H + (κ_H/κ_C) Q_C, eV/ps, and its standard error.
    pub combined_rate_ev_per_ps: f64,
    pub combined_error_ev_per_ps: f64,
    /// combined rate / its error.
    pub deviation_sigma: f64,
    /// The combined rate over the error of a bounded series (no walk). The works obey
    /// κ_H W_C + κ_C W_H = κ_C κ_H Σ_axes [X_C X_H] exactly (the Stratonovich sums telescope), so with
    /// heat = work − ΔE_particle the combination is bounded unless the heat bookkeeping drifts; this is
    /// the sharper test, and it is stable, while the walk that `deviation_sigma`'s fit allows is pure noise.
    pub deviation_sigma_bounded: f64,
}

/// `cold`/`hot`: the heat series whose walk is resolved; `bounded`: optional bounded parts added to them
/// (for the ledger, ledger − q_particle), see [`super::heat_rate::SplitRate`].
pub fn stationary_identity(
    heat: &str,
    cold: &[f64],
    hot: &[f64],
    bounded: Option<(&[f64], &[f64])>,
    kappa_cold: f64,
    kappa_hot: f64,
    dt_ps: f64,
) -> Result<StationaryIdentity> {
    if kappa_cold == 0.0 {
        bail!("κ_C = 0: the stationary identity Q̇_H/Q̇_C = −κ_H/κ_C needs a demon force on the cold particle");
    }
    let ratio = kappa_hot / kappa_cold;
    let mix = |c: &[f64], h: &[f64]| -> Vec<f64> {
        h.iter().zip(c).map(|(h, c)| h + ratio * c).collect()
    };
    let walk = mix(cold, hot);
    let bounded_mix = bounded.map(|(c, h)| mix(c, h));
    let combined = rate_of(&walk, bounded_mix.as_deref(), dt_ps)?;
    let total: Vec<f64> = match &bounded_mix {
        Some(b) => walk.iter().zip(b).map(|(w, d)| w + d).collect(),
        None => walk.clone(),
    };
    let strict = SeriesRate::bounded(&total, dt_ps)?;
    let cold_rate = rate_of(cold, bounded.map(|b| b.0), dt_ps)?.value;
    let hot_rate = rate_of(hot, bounded.map(|b| b.1), dt_ps)?.value;
    Ok(StationaryIdentity {
        heat: heat.into(),
        ratio_measured: hot_rate / cold_rate,
        ratio_error: combined.error / cold_rate.abs(),
        ratio_expected: -ratio,
        combined_rate_ev_per_ps: combined.value,
        combined_error_ev_per_ps: combined.error,
        deviation_sigma: combined.value / combined.error,
        deviation_sigma_bounded: strict.rate / strict.error,
    })
}

/// The first law per particle, W_b = q_particle_b + ΔE_particle_b (E_particle of seed 000, Eq. 17).
///
/// Two deviations: the rate of W_b − q_particle_b, which must vanish because the particle energy is bounded
/// (the steady-state form Ẇ_b = Q̇_b, in its own standard errors), and the closure residual
/// W_b − q_particle_b − ΔE_b, whose drift over the run is compared with that same standard error (a
/// bookkeeping error that accumulates shows up there even when each sample closes to rounding).
#[derive(Clone, Debug, Serialize)]
pub struct FirstLaw {
    /// Rate of W − q_particle, eV/ps, its standard error and their ratio.
    pub work_minus_heat_rate_ev_per_ps: f64,
    pub work_minus_heat_error_ev_per_ps: f64,
    pub deviation_sigma: f64,
    /// The same rate over the error of a bounded series: W − q_particle = ΔE + closure residual is bounded
    /// if the first law holds, so this is the sharper test (the fit above allows a walk that is noise).
    pub deviation_sigma_bounded: f64,
    /// Whole-run slope of W − q_particle − ΔE, eV/ps, in units of the error above.
    pub closure_drift_ev_per_ps: f64,
    pub closure_drift_sigma: f64,
    /// Largest |W − q_particle − ΔE| over the run, eV, and the rms of ΔE for scale.
    pub closure_max_abs_ev: f64,
    pub particle_energy_change_rms_ev: f64,
}

pub fn first_law(
    work: &[f64],
    q_particle: &[f64],
    e_particle: &[f64],
    dt_ps: f64,
) -> Result<FirstLaw> {
    let n = work.len();
    if q_particle.len() != n || e_particle.len() != n {
        bail!("first law: work, q_particle and e_particle must have one value per sample");
    }
    let w_minus_q: Vec<f64> = work.iter().zip(q_particle).map(|(w, q)| w - q).collect();
    let rate = SeriesRate::new(&w_minus_q, dt_ps)?;
    let strict = SeriesRate::bounded(&w_minus_q, dt_ps)?;
    let de: Vec<f64> = e_particle.iter().map(|e| e - e_particle[0]).collect();
    let residual: Vec<f64> = w_minus_q.iter().zip(&de).map(|(a, b)| a - b).collect();
    let t: Vec<f64> = (0..n).map(|i| i as f64 * dt_ps).collect();
    let (drift, _) = super::fit::ols(&t, &residual);
    let sigma = |v: f64| {
        if rate.error > 0.0 {
            v / rate.error
        } else {
            0.0
        }
    };
    Ok(FirstLaw {
        work_minus_heat_rate_ev_per_ps: rate.rate,
        work_minus_heat_error_ev_per_ps: rate.error,
        deviation_sigma: sigma(rate.rate),
        deviation_sigma_bounded: strict.rate / strict.error,
        closure_drift_ev_per_ps: drift,
        closure_drift_sigma: sigma(drift),
        closure_max_abs_ev: residual.iter().fold(0.0, |m, r| m.max(r.abs())),
        particle_energy_change_rms_ev: (de.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt(),
    })
}

/// Whether the bath ledger's excess over the particle heat is the integrator's energy drift.
///
/// Ledger − q_particle is bounded in exact dynamics (energy parked in the interaction and the adsorbed
/// shell), but the ledger also collects whatever energy the integrator injects into a bath (f32 forces,
/// finite time step), which q_particle, integrated from the forces on the particle, does not. So the summed
/// drift Σ_b (Q_b − q_particle_b) should equal the drift of the conserved quantity; tested as the rate of
/// Σ_b (Q_b − q_particle_b) − (H(t) − H(0)) in the standard errors of a bounded series (both differences
/// are bounded in exact dynamics; the integrator's drift in docs/runs is steady, not a walk).
#[derive(Clone, Debug, Serialize)]
pub struct IntegratorDrift {
    /// Whole-run slope of the conserved quantity H, eV/ps.
    pub conserved_drift_ev_per_ps: f64,
    /// Whole-run slope of Σ_b (Q_b − q_particle_b), eV/ps, and its standard error.
    pub ledger_minus_particle_drift_ev_per_ps: f64,
    pub ledger_minus_particle_error_ev_per_ps: f64,
    /// Slope of their difference over its standard error.
    pub difference_sigma: f64,
}

pub fn integrator_drift(
    ledger_minus_particle: &[f64],
    conserved: &[f64],
    dt_ps: f64,
) -> Result<IntegratorDrift> {
    let d = SeriesRate::bounded(ledger_minus_particle, dt_ps)?;
    let t: Vec<f64> = (0..conserved.len()).map(|i| i as f64 * dt_ps).collect();
    let (h_rate, _) = super::fit::ols(&t, conserved);
    let diff: Vec<f64> = ledger_minus_particle
        .iter()
        .zip(conserved)
        .map(|(a, h)| a - (h - conserved[0]))
        .collect();
    let r = SeriesRate::bounded(&diff, dt_ps)?;
    Ok(IntegratorDrift {
        conserved_drift_ev_per_ps: h_rate,
        ledger_minus_particle_drift_ev_per_ps: d.rate,
        ledger_minus_particle_error_ev_per_ps: d.error,
        difference_sigma: if r.error > 0.0 { r.rate / r.error } else { 0.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    /// OU values of variance `var` and correlation time `tau` samples.
    fn ou(n: usize, tau: f64, var: f64, rng: &mut rand_chacha::ChaCha8Rng) -> Vec<f64> {
        let phi = (-1.0 / tau).exp();
        let z0: f64 = StandardNormal.sample(rng);
        let mut x = var.sqrt() * z0;
        (0..n)
            .map(|_| {
                let z: f64 = StandardNormal.sample(rng);
                x = phi * x + (var * (1.0 - phi * phi)).sqrt() * z;
                x
            })
            .collect()
    }

    #[test]
    fn ledger_excess_matches_the_conserved_drift_only_when_it_is_that_drift() {
        // Parked energy (0.0125 eV², 15 ps) plus an injected 1.5e-4 eV/ps that also shows in H.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let n = 2001;
        let parked = ou(n, 15.0, 0.0125, &mut rng);
        let h_noise = ou(n, 5.0, 1e-6, &mut rng);
        let excess: Vec<f64> = (0..n).map(|i| parked[i] + 1.5e-4 * i as f64).collect();
        let conserved: Vec<f64> = (0..n)
            .map(|i| -2575.0 + 1.5e-4 * i as f64 + h_noise[i])
            .collect();
        let ok = integrator_drift(&excess, &conserved, 1.0).unwrap();
        assert!(ok.difference_sigma.abs() < 3.0, "{ok:?}");
        assert!(
            ok.ledger_minus_particle_drift_ev_per_ps / ok.ledger_minus_particle_error_ev_per_ps
                > 3.0
        );
        // H conserved exactly: the excess is then unexplained heat, and the check says so.
        let flat: Vec<f64> = h_noise.iter().map(|v| v - 2575.0).collect();
        let broken = integrator_drift(&excess, &flat, 1.0).unwrap();
        assert!(broken.difference_sigma > 3.0, "{broken:?}");
    }
}
