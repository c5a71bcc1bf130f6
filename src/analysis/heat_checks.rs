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
        closure_drift_ev_per_ps: drift,
        closure_drift_sigma: sigma(drift),
        closure_max_abs_ev: residual.iter().fold(0.0, |m, r| m.max(r.abs())),
        particle_energy_change_rms_ev: (de.iter().map(|v| v * v).sum::<f64>() / n as f64).sqrt(),
    })
}
