//! Heat rates whose error bars are honest when the cumulative heat is a random walk plus a bounded term.
//!
//! The bath ledger Q_b(t) of seed 000 (thermostat heat + E_b(t) − E_b(0)) equals the heat the particle
//! dissipated, q_particle, plus energy parked in the particle–bath interaction and the adsorbed argon shell.
//! That parked energy is bounded: the variance of (Q_b − q_particle) increments saturates (≈ 0.02–0.03 eV²
//! after ~50 ps in docs/runs) instead of growing like a random walk. It enters every block increment but
//! cancels in the whole-run slope, so block errors count it once per block and come out ~3× too large.
//!
//! The model here: a cumulative series Y(t) = r t + B(t) + R(t), B a random walk with short-correlated
//! increments, R stationary and bounded. Its drift-free structure function (variogram of the increments)
//!
//!   V(L) = E[(Y(t+L) − Y(t) − rL)²] = b L + a   for L beyond the correlation times,
//!
//! with b = 2D (eV²/ps, the diffusive part) and a = 2 Var R + O(cross terms) (eV², the bounded part). Any
//! linear rate estimator r̂ = Σ w_i Y_i with Σ w_i = 0 then has the exact variance
//!
//!   Var r̂ = −½ Σ_i Σ_j w_i w_j V(|t_i − t_j|),
//!
//! (the variogram identity for processes with stationary increments). The rate is the whole-run least-squares
//! slope (seed 000's estimator); V is the sample structure function at short lags and the fitted a + bL
//! beyond, so the bounded term is counted once, as it enters the whole-run slope, not once per block.
//!
//! Fitted alone, a ledger whose parked energy exceeds its walk at every fitted lag (the heater's hot bath:
//! a ≈ 0.028 eV², b·250 ps ≈ 6e-4 eV²) cannot tell the two apart. So when q_particle is written the ledger
//! is split as q_particle (its walk resolved; its own bounded part −ΔE_particle is small) plus
//! d = ledger − q_particle, fitted as bounded, with the cross structure function for their covariance
//! ([`SplitRate`]). Estimators per bath: the ledger (block error, for comparison, and split error),
//! q_particle, and their least-variance combination; q_particle is preferred (see [`bath_heat_rates`]).
//! 1σ coverage, tests/heat_rates.rs: 0.63–0.68 over 300–400 synthetic and Langevin runs (nominal 0.683;
//! the error has ~10–20 effective degrees of freedom); the 20-block error covers 0.96–1.00.

use super::fit::Estimate;
use anyhow::{bail, Result};
use serde::Serialize;

/// Fraction of the run that is the longest lag of the structure-function fit: long enough that the bounded
/// term has saturated (≈ 50 ps in the paper runs: 250 ps for 2 ns), short enough that the lag-L variances
/// are averaged over ~8 independent windows or more.
pub const FIT_MAX_LAG_FRACTION: f64 = 0.125;
/// The shortest fitted lag is this fraction of the longest (62 ps of 250 ps for 2 ns), or
/// [`SATURATION_PS`] if that is shorter. Below it the sample structure function is used as it is.
pub const FIT_MIN_LAG_RATIO: f64 = 0.25;
/// Lag, ps, beyond which the bounded term is taken as saturated: twice the ≈ 50 ps seen in docs/runs. It
/// caps the shortest fitted lag of long runs, because every sample value below the window adds its noise
/// to the error.
pub const SATURATION_PS: f64 = 100.0;

/// The structure function of one cumulative series, sample values at short lags and the fitted
/// diffusive + bounded law beyond.
#[derive(Clone, Debug, Serialize)]
pub struct StructureFunction {
    /// Sampling interval, ps.
    pub dt_ps: f64,
    /// Fitted bounded part a (eV² for a heat series): the lag-independent offset of V(L).
    pub bounded_variance: f64,
    /// Fitted diffusive part b = 2D (eV²/ps): the growth of V(L) per ps of lag.
    pub diffusivity_per_ps: f64,
    /// Fitted lags, ps.
    pub fit_window_ps: [f64; 2],
    /// Sample V(k·dt) for k = 0..first fitted lag (bridge bias removed).
    #[serde(skip)]
    short: Vec<f64>,
}

/// Fitted lags are taken this many apart so that about 48 enter the fit: neighbouring sample values are
/// almost perfectly correlated, so more would cost time and add no information.
fn fit_stride(k_min: usize, k_max: usize) -> usize {
    ((k_max - k_min) / 48).max(1)
}

/// The fitted lags k_min..=k_max for n samples dt_ps apart.
fn fit_window(n: usize, dt_ps: f64) -> Result<(usize, usize)> {
    let k_max = ((n - 1) as f64 * FIT_MAX_LAG_FRACTION).round() as usize;
    let k_min = ((k_max as f64 * FIT_MIN_LAG_RATIO)
        .min(SATURATION_PS / dt_ps)
        .round() as usize)
        .max(1);
    if n < 33 || k_max < k_min + 3 {
        bail!(
            "{n} samples are too few for a heat rate with a diffusive + bounded error (need ≥ 33)"
        );
    }
    Ok((k_min, k_max))
}

impl StructureFunction {
    /// Sample structure function of `y` (uniform sampling `dt_ps`) with the endpoint drift removed, and the
    /// least-squares fit of a + b·L(1 − L/T) over the fit window (see [`StructureFunction::cross`]).
    pub fn fit(y: &[f64], dt_ps: f64) -> Result<StructureFunction> {
        Self::cross(y, y, dt_ps, true)
    }

    /// Cross structure function V_xy(L) = E[(Δx_L − r_x L)(Δy_L − r_y L)] (drifts from the endpoints), fitted
    /// over the window by a + b·L(1 − L/T) (`diffusive`) or by a alone (a bounded series, whose increments
    /// saturate). The factor (1 − L/T) is the exact bias of a random-walk part once the endpoint drift is
    /// subtracted (the increment of a Brownian bridge); it is removed from the short-lag sample values too.
    /// For x = y, a and b are clamped at 0 (a valid variogram).
    pub fn cross(x: &[f64], y: &[f64], dt_ps: f64, diffusive: bool) -> Result<StructureFunction> {
        let n = y.len();
        if x.len() != n {
            bail!("cross structure function of series of different lengths");
        }
        let (k_min, k_max) = fit_window(n, dt_ps)?;
        if x.iter().chain(y).any(|v| !v.is_finite()) {
            bail!("a heat series contains a non-finite value");
        }
        let total = (n - 1) as f64 * dt_ps;
        let drift_x = (x[n - 1] - x[0]) / total;
        let drift_y = (y[n - 1] - y[0]) / total;
        let sample = |k: usize| -> f64 {
            let l = k as f64 * dt_ps;
            (0..n - k)
                .map(|i| (x[i + k] - x[i] - drift_x * l) * (y[i + k] - y[i] - drift_y * l))
                .sum::<f64>()
                / (n - k) as f64
        };
        let bridge = |k: usize| {
            let l = k as f64 * dt_ps;
            l * (1.0 - l / total)
        };
        let (xs, vs): (Vec<f64>, Vec<f64>) = (k_min..=k_max)
            .step_by(fit_stride(k_min, k_max))
            .map(|k| (bridge(k), sample(k)))
            .unzip();
        let m = xs.len() as f64;
        let xm = xs.iter().sum::<f64>() / m;
        let vm = vs.iter().sum::<f64>() / m;
        let sxx: f64 = xs.iter().map(|x| (x - xm).powi(2)).sum();
        let sxv: f64 = xs.iter().zip(&vs).map(|(x, v)| (x - xm) * (v - vm)).sum();
        let auto = std::ptr::eq(x, y);
        let (mut a, mut b) = if diffusive {
            (vm - sxv / sxx * xm, sxv / sxx)
        } else {
            (vm, 0.0)
        };
        if auto && b < 0.0 {
            (a, b) = (vm, 0.0);
        }
        if auto {
            a = a.max(0.0);
        }
        let short = (0..k_min)
            .map(|k| {
                if k == 0 {
                    0.0
                } else {
                    sample(k) + b * (k as f64 * dt_ps - bridge(k))
                }
            })
            .collect();
        Ok(StructureFunction {
            dt_ps,
            bounded_variance: a,
            diffusivity_per_ps: b,
            fit_window_ps: [k_min as f64 * dt_ps, k_max as f64 * dt_ps],
            short,
        })
    }

    /// Whether the diffusive part dominates the bounded one at the longest fitted lag, b·L_max > a. When it
    /// does not, the fit cannot tell a slow walk from the bounded term, and b (so the error) is unreliable.
    pub fn walk_resolved(&self) -> bool {
        self.diffusivity_per_ps * self.fit_window_ps[1] > self.bounded_variance
    }

    /// V(k·dt): the sample value below the fit window, a + b·k·dt from it on.
    pub fn at(&self, k: usize) -> f64 {
        match self.short.get(k) {
            Some(v) => *v,
            None => self.bounded_variance + self.diffusivity_per_ps * k as f64 * self.dt_ps,
        }
    }

    /// Variance (covariance, for a cross structure function) of the whole-run least-squares slopes of n
    /// samples: −½ ΣΣ w_i w_j V(|i − j|·dt) with the OLS weights w_i = (t_i − t̄)/S_tt (for x ≠ y too:
    /// ΣΣ w_i w_j Cov(x_i, y_j) = −½ ΣΣ w_i w_j E[(x_i − x_j)(y_i − y_j)] because Σ w = 0).
    ///
    /// Summed by lag with A(k) = Σ_i w_i w_{i+k} in closed form, and reordered so that nothing cancels: with
    /// Σ_{k≥1} A(k) = −1/(2 S_tt) and c(k) = (a + b·k·dt − V(k))/2, which vanishes from the fit window on,
    ///   Var = −b·dt Σ_k k A(k) + a/(2 S_tt) + 2 Σ_{k<k_min} A(k) c(k):
    /// the walk, the bounded term as if white, and its correlation over the short lags. (Summing −A(k)V(k)
    /// directly leaves a bounded-only series' tiny slope variance as the difference of large terms, which
    /// the sampling noise of V turns negative.)
    pub fn slope_covariance(&self, n: usize) -> f64 {
        let dt = self.dt_ps;
        let m = (n - 1) as f64 / 2.0;
        let stt = n as f64 * (n as f64 * n as f64 - 1.0) / 12.0 * dt * dt;
        let c2 = dt * dt / (stt * stt);
        let lag_weight = |k: usize| {
            // Σ_{i=0}^{N−1} (i − m)(i + k − m), N = n − k.
            let (kf, nn) = (k as f64, (n - k) as f64);
            let s1 = nn * (nn - 1.0) / 2.0;
            let s2 = (nn - 1.0) * nn * (2.0 * nn - 1.0) / 6.0;
            c2 * (s2 + (kf - 2.0 * m) * s1 + nn * (m * m - m * kf))
        };
        let (a, b) = (self.bounded_variance, self.diffusivity_per_ps);
        let walk: f64 = -b * dt * (1..n).map(|k| k as f64 * lag_weight(k)).sum::<f64>();
        let correlated: f64 = (1..self.short.len().min(n))
            .map(|k| lag_weight(k) * (a + b * k as f64 * dt - self.short[k]))
            .sum();
        walk + a / (2.0 * stt) + correlated
    }
}

/// The whole-run least-squares slope of a cumulative series with the diffusive + bounded error.
#[derive(Clone, Debug, Serialize)]
pub struct SeriesRate {
    pub rate: f64,
    pub error: f64,
    pub structure: StructureFunction,
}

impl SeriesRate {
    pub fn new(y: &[f64], dt_ps: f64) -> Result<SeriesRate> {
        let structure = StructureFunction::fit(y, dt_ps)?;
        let t: Vec<f64> = (0..y.len()).map(|i| i as f64 * dt_ps).collect();
        let (rate, _) = super::fit::ols(&t, y);
        let error = structure.slope_covariance(y.len()).max(0.0).sqrt();
        Ok(SeriesRate {
            rate,
            error,
            structure,
        })
    }

    /// The slope of a series taken to be bounded plus a drift (no walk: b = 0), e.g. ledger − q_particle.
    pub fn bounded(y: &[f64], dt_ps: f64) -> Result<SeriesRate> {
        let structure = StructureFunction::cross(y, y, dt_ps, false)?;
        let t: Vec<f64> = (0..y.len()).map(|i| i as f64 * dt_ps).collect();
        let (rate, _) = super::fit::ols(&t, y);
        let error = structure.slope_covariance(y.len()).max(0.0).sqrt();
        Ok(SeriesRate {
            rate,
            error,
            structure,
        })
    }

    pub fn estimate(&self) -> Estimate {
        Estimate {
            value: self.rate,
            error: self.error,
        }
    }
}

/// A rate with its error, the theory value and how many errors it resolves and lies from theory.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RateEstimate {
    pub rate_ev_per_ps: f64,
    pub error_ev_per_ps: f64,
    /// |rate|/error: how many standard errors separate the rate from zero.
    pub resolution_sigma: f64,
    pub theory_ev_per_ps: Option<f64>,
    pub z_score: Option<f64>,
}

impl RateEstimate {
    pub fn new(rate: f64, error: f64, theory: Option<f64>) -> RateEstimate {
        RateEstimate {
            rate_ev_per_ps: rate,
            error_ev_per_ps: error,
            resolution_sigma: rate.abs() / error,
            theory_ev_per_ps: theory,
            z_score: theory.map(|t| (rate - t) / error).filter(|z| z.is_finite()),
        }
    }
}

/// Rates of a series S = P + d split into a walk part P (fitted diffusive + bounded) and a bounded part d
/// (fitted bounded only: its increments' variance saturates), with the 2×2 covariance of the slopes
/// (r̂_P, r̂_d) from the auto and cross structure functions. This is how the ledger's error is made honest:
/// for the bath ledger P = q_particle (whose walk is resolved, its own bounded part −ΔE_particle being small)
/// and d = ledger − q_particle (the energy parked in the interaction and the shell), whose variance would
/// hide the walk if the ledger were fitted alone.
#[derive(Clone, Debug, Serialize)]
pub struct SplitRate {
    pub walk_rate: f64,
    pub bounded_rate: f64,
    pub walk_variance: f64,
    pub bounded_variance: f64,
    pub covariance: f64,
    pub walk_structure: StructureFunction,
    pub bounded_structure: StructureFunction,
}

impl SplitRate {
    pub fn new(walk: &[f64], bounded: &[f64], dt_ps: f64) -> Result<SplitRate> {
        let n = walk.len();
        let p = SeriesRate::new(walk, dt_ps)?;
        let d_sf = StructureFunction::cross(bounded, bounded, dt_ps, false)?;
        let pd_sf = StructureFunction::cross(walk, bounded, dt_ps, false)?;
        let t: Vec<f64> = (0..n).map(|i| i as f64 * dt_ps).collect();
        let vp = p.error * p.error;
        let vd = d_sf.slope_covariance(n).max(0.0);
        // An estimated covariance matrix need not be positive semi-definite; clip the correlation to ±1.
        let lim = (vp * vd).sqrt();
        let c = pd_sf.slope_covariance(n).clamp(-lim, lim);
        Ok(SplitRate {
            walk_rate: p.rate,
            bounded_rate: super::fit::ols(&t, bounded).0,
            walk_variance: vp,
            bounded_variance: vd,
            covariance: c,
            walk_structure: p.structure,
            bounded_structure: d_sf,
        })
    }

    /// The slope of S = P + d with Var = V_P + V_d + 2C.
    pub fn total(&self) -> Estimate {
        Estimate {
            value: self.walk_rate + self.bounded_rate,
            error: (self.walk_variance + self.bounded_variance + 2.0 * self.covariance)
                .max(0.0)
                .sqrt(),
        }
    }

    /// The slope of P alone.
    pub fn walk(&self) -> Estimate {
        Estimate {
            value: self.walk_rate,
            error: self.walk_variance.sqrt(),
        }
    }

    /// Rate of d in its standard errors: d is bounded, so this must be consistent with zero.
    pub fn bounded_sigma(&self) -> f64 {
        if self.bounded_variance > 0.0 {
            self.bounded_rate / self.bounded_variance.sqrt()
        } else {
            0.0
        }
    }

    /// Control-variate combination r̂_P + g r̂_d (g = 1: the slope of S, g = 0: of P): d's rate is zero in a
    /// steady state, so every g is unbiased, and g = −C/V_d minimises the variance, V_P − C²/V_d (the
    /// generalised-least-squares average of the two estimators). Returns the estimate and g.
    pub fn combined(&self) -> (Estimate, f64) {
        if self.bounded_variance <= 0.0 {
            return (self.walk(), 0.0);
        }
        let g = -self.covariance / self.bounded_variance;
        let var = self.walk_variance - self.covariance.powi(2) / self.bounded_variance;
        (
            Estimate {
                value: self.walk_rate + g * self.bounded_rate,
                error: var.max(0.0).sqrt(),
            },
            g,
        )
    }
}

/// The slope of the cumulative series `walk` (+ `bounded`, when given) with the diffusive + bounded error.
pub fn rate_of(walk: &[f64], bounded: Option<&[f64]>, dt_ps: f64) -> Result<Estimate> {
    Ok(match bounded {
        Some(d) => SplitRate::new(walk, d, dt_ps)?.total(),
        None => SeriesRate::new(walk, dt_ps)?.estimate(),
    })
}

/// Every heat-rate estimator for one bath, and which one the analysis prefers.
#[derive(Clone, Debug, Serialize)]
pub struct BathHeatRates {
    /// Bath ledger, whole-run slope with 20-block error (the `heat_*_ev_per_ps` of `rates`): the error
    /// counts the bounded term once per block.
    pub ledger_block: RateEstimate,
    /// Bath ledger, whole-run slope with the diffusive + bounded error (split as q_particle + the rest when
    /// q_particle is written, else from the ledger's own structure function).
    pub ledger: RateEstimate,
    /// Whether the ledger's error rests on a resolved walk: always with q_particle; without it, only if the
    /// ledger's own fit has b·L_max > a (see [`StructureFunction::walk_resolved`]).
    pub ledger_walk_resolved: bool,
    /// Heat the particle dissipated (q_particle), whole-run slope with the diffusive + bounded error.
    pub particle: Option<RateEstimate>,
    /// Control-variate combination q_particle + g·(ledger − q_particle), g chosen for least variance.
    pub combined: Option<RateEstimate>,
    /// g of the combination (0: q_particle, 1: ledger).
    pub combination_weight_on_ledger: Option<f64>,
    /// Rate of ledger − q_particle in standard errors: bounded, so it must be consistent with 0.
    pub ledger_minus_particle_sigma: Option<f64>,
    /// Fitted saturation a of the structure function of ledger − q_particle, eV² (twice the variance of
    /// the parked energy).
    pub ledger_minus_particle_saturation_ev2: Option<f64>,
    /// Fitted structure function of the series whose walk sets the error: q_particle if written, else the
    /// ledger.
    pub walk_structure: StructureFunction,
    /// "combined", "particle" or "ledger".
    pub preferred: String,
    pub preferred_because: String,
}

impl BathHeatRates {
    /// The preferred estimate.
    pub fn best(&self) -> RateEstimate {
        match self.preferred.as_str() {
            "combined" => self.combined.unwrap_or(self.ledger),
            "particle" => self.particle.unwrap_or(self.ledger),
            "ledger_block" => self.ledger_block,
            _ => self.ledger,
        }
    }
}

/// |z| above which ledger and particle heat are taken to disagree in rate, so the combination (which
/// assumes they share one) is not preferred.
pub const DISAGREEMENT_SIGMA: f64 = 3.0;
/// Relative error reduction the combination must bring over q_particle alone to be preferred: below it,
/// the ledger's integrator drift (a bias the error does not count) outweighs the gain.
pub const COMBINATION_GAIN: f64 = 0.05;

/// All estimators for one bath from its ledger, optional particle heat, and the ledger's block estimate.
///
/// Preference: q_particle, unless the combination beats its error by more than [`COMBINATION_GAIN`] while
/// ledger and q_particle agree in rate. In docs/runs the combination never gains 1%, and the ledger carries
/// the integrator's energy drift (Σ_b(ledger − q_particle) drifts as the conserved quantity does). Without
/// q_particle: the ledger's own fit if its walk is resolved, else the block error (which errs large).
pub fn bath_heat_rates(
    ledger: &[f64],
    particle: Option<&[f64]>,
    ledger_block: Estimate,
    dt_ps: f64,
    theory: Option<f64>,
) -> Result<BathHeatRates> {
    let est = |e: Estimate| RateEstimate::new(e.value, e.error, theory);
    let Some(p) = particle else {
        let l = SeriesRate::new(ledger, dt_ps)?;
        let resolved = l.structure.walk_resolved();
        return Ok(BathHeatRates {
            ledger_block: est(ledger_block),
            ledger: est(l.estimate()),
            ledger_walk_resolved: resolved,
            particle: None,
            combined: None,
            combination_weight_on_ledger: None,
            ledger_minus_particle_sigma: None,
            ledger_minus_particle_saturation_ev2: None,
            walk_structure: l.structure,
            preferred: if resolved { "ledger" } else { "ledger_block" }.into(),
            preferred_because: if resolved {
                "no q_particle column; the ledger's walk is resolved at the fitted lags, so its diffusive + bounded error holds".into()
            } else {
                "no q_particle column, and the ledger's bounded term exceeds its walk at every fitted lag: the diffusive + bounded error cannot be trusted, the block error is kept (it over-counts the bounded term, so it errs large)".into()
            },
        });
    };
    let diff: Vec<f64> = ledger.iter().zip(p).map(|(a, b)| a - b).collect();
    let split = SplitRate::new(p, &diff, dt_ps)?;
    let (c, g) = split.combined();
    let d_sigma = split.bounded_sigma();
    let gain = 1.0 - c.error / split.walk().error;
    let (preferred, because) = if d_sigma.abs() <= DISAGREEMENT_SIGMA && gain > COMBINATION_GAIN {
        ("combined", format!(
            "ledger and q_particle agree in rate ({d_sigma:.1} σ apart), and their combination (weight {g:.2} on the ledger) has a {:.0}% smaller error than q_particle alone",
            100.0 * gain
        ))
    } else if d_sigma.abs() > DISAGREEMENT_SIGMA {
        ("particle", format!(
            "ledger − q_particle drifts at {d_sigma:.1} σ: the ledger also collects the energy the integrator adds to the bath (see checks.integrator_drift), while q_particle closes the first law with the demon work"
        ))
    } else {
        ("particle", format!(
            "q_particle closes the first law with the demon work and carries neither the parked-energy term nor the integrator's energy drift of the ledger (ledger − q_particle: {d_sigma:.1} σ); the combination would gain only {:.1}% in error",
            100.0 * gain.max(0.0)
        ))
    };
    Ok(BathHeatRates {
        ledger_block: est(ledger_block),
        ledger: est(split.total()),
        ledger_walk_resolved: true,
        particle: Some(est(split.walk())),
        combined: Some(est(c)),
        combination_weight_on_ledger: Some(g),
        ledger_minus_particle_sigma: Some(d_sigma),
        ledger_minus_particle_saturation_ev2: Some(split.bounded_structure.bounded_variance),
        walk_structure: split.walk_structure,
        preferred: preferred.into(),
        preferred_because: because,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, StandardNormal};

    #[test]
    fn slope_variance_of_a_random_walk_is_six_fifths_sigma2_over_t() {
        // Pure walk with unit step variance: V(L) = L, Var slope of n points = 12/(n(n²−1))·Σ… → 6/(5T).
        let sf = StructureFunction {
            dt_ps: 1.0,
            bounded_variance: 0.0,
            diffusivity_per_ps: 1.0,
            fit_window_ps: [0.0, 0.0],
            short: vec![0.0],
        };
        let n = 2001;
        let v = sf.slope_covariance(n);
        let exact = 1.2 / 2000.0 * (1.0 + 1.0 / 2000.0);
        assert!((v / exact - 1.0).abs() < 2e-3, "{v} vs {exact}");
    }

    #[test]
    fn slope_variance_of_white_bounded_noise_is_sigma2_sum_w2() {
        // V(L) = 2s² for L > 0 (independent values of variance s²): Var slope = s²/S_tt.
        let sf = StructureFunction {
            dt_ps: 0.5,
            bounded_variance: 2.0,
            diffusivity_per_ps: 0.0,
            fit_window_ps: [0.0, 0.0],
            short: vec![0.0],
        };
        let n = 300;
        let stt = n as f64 * ((n * n) as f64 - 1.0) / 12.0 * 0.25;
        assert!((sf.slope_covariance(n) * stt - 1.0).abs() < 1e-9);
    }

    #[test]
    fn fit_separates_walk_from_bounded_term() {
        // Walk of step variance 0.0025 (b = 0.0025 per sample) plus an OU term of variance 1 and
        // correlation time 5 samples (a = 2): averaged over replicas, the fit recovers both.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let phi: f64 = (-1.0f64 / 5.0).exp();
        let reps = 50;
        let (mut a_sum, mut b_sum) = (0.0, 0.0);
        for _ in 0..reps {
            let (mut walk, mut ou) = (0.0, 0.0);
            let y: Vec<f64> = (0..4001)
                .map(|_| {
                    let a: f64 = StandardNormal.sample(&mut rng);
                    let b: f64 = StandardNormal.sample(&mut rng);
                    walk += 0.05 * a;
                    ou = phi * ou + (1.0 - phi * phi).sqrt() * b;
                    walk + ou
                })
                .collect();
            let sf = StructureFunction::fit(&y, 1.0).unwrap();
            a_sum += sf.bounded_variance;
            b_sum += sf.diffusivity_per_ps;
        }
        let (a, b) = (a_sum / reps as f64, b_sum / reps as f64);
        assert!((b / 0.0025 - 1.0).abs() < 0.2, "b = {b}");
        assert!((a / 2.0 - 1.0).abs() < 0.2, "a = {a}");
    }

    #[test]
    fn without_q_particle_the_ledger_is_trusted_only_when_its_walk_is_resolved() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
        let block = Estimate {
            value: 0.0,
            error: 1.0,
        };
        let phi: f64 = (-1.0f64 / 15.0).exp();
        let series = |b: f64, var: f64, rng: &mut rand_chacha::ChaCha8Rng| -> Vec<f64> {
            let (mut walk, mut ou) = (0.0, 0.0);
            (0..2001)
                .map(|_| {
                    let x: f64 = StandardNormal.sample(rng);
                    let y: f64 = StandardNormal.sample(rng);
                    walk += b.sqrt() * x;
                    ou = phi * ou + (var * (1.0 - phi * phi)).sqrt() * y;
                    walk + ou
                })
                .collect()
        };
        let walk = bath_heat_rates(&series(1e-3, 1e-3, &mut rng), None, block, 1.0, None).unwrap();
        assert_eq!(walk.preferred, "ledger", "{walk:?}");
        let parked =
            bath_heat_rates(&series(1e-7, 0.0125, &mut rng), None, block, 1.0, None).unwrap();
        assert_eq!(parked.preferred, "ledger_block", "{parked:?}");
        assert_eq!(parked.best().error_ev_per_ps, 1.0);
    }
}
