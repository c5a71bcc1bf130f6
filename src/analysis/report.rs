//! `nanodemon analyze DIR`: everything seed 000 measures on one run, beside the theory for the run's
//! own parameters.

use super::fit::{BlockSlopes, Estimate};
use super::friction::{self, FrictionEstimate};
use super::heat_checks::{self, FirstLaw, IntegratorDrift, StationaryIdentity};
use super::heat_rate::{self, BathHeatRates};
use super::run_dir::RunDir;
use super::stats::{self, ChiSquare};
use crate::scenario::Axis;
use crate::theory::demon_pair::predictions::{TheoryPoint, PAPER_FRICTION_KG_PER_S};
use crate::theory::demon_pair::DemonPair;
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::{Context, Result};
use serde::Serialize;

/// How to analyse.
#[derive(Clone, Debug)]
pub struct Options {
    /// Friction for the theory, kg/s; None: estimate it from this run if it is an equilibrium or drag
    /// run, else seed 000's 3.5e-12 kg/s.
    pub friction_kg_per_s: Option<f64>,
    /// Blocks for error bars.
    pub blocks: usize,
    /// Longest autocorrelation lag fitted for the equilibrium friction estimate, ps.
    pub max_lag_ps: f64,
}

/// Longest autocorrelation lag of the equilibrium friction fit, ps: several relaxation times
/// (2m/γ ≈ 11 ps, γ/κ ≈ 22 ps for seed 000) while the ACF is still above its noise.
pub const DEFAULT_MAX_LAG_PS: f64 = 60.0;

impl Default for Options {
    fn default() -> Options {
        Options {
            friction_kg_per_s: None,
            blocks: 20,
            max_lag_ps: DEFAULT_MAX_LAG_PS,
        }
    }
}

/// A measured value, its standard error, the theory value and how many standard errors apart.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Compared {
    pub measured: f64,
    pub error: f64,
    pub theory: Option<f64>,
    pub z_score: Option<f64>,
}

impl Compared {
    /// A non-finite theory (e.g. Var/mean² where the mean power vanishes) has no value to compare with.
    fn new(e: Estimate, theory: Option<f64>) -> Compared {
        let theory = theory.filter(|t| t.is_finite());
        let z = theory.map(|t| (e.value - t) / e.error);
        Compared {
            measured: e.value,
            error: e.error,
            theory,
            z_score: z.filter(|v| v.is_finite()),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Rates {
    /// Bath heat Q_C, Q_H (thermostat + bath energy change), eV/ps.
    pub heat_cold_ev_per_ps: Compared,
    pub heat_hot_ev_per_ps: Compared,
    /// Thermostat-only heat, eV/ps (the paper's Fig. 3 measure).
    pub thermostat_cold_ev_per_ps: Compared,
    pub thermostat_hot_ev_per_ps: Compared,
    /// Demon work (Stratonovich, every MD step), eV/ps.
    pub work_cold_ev_per_ps: Compared,
    pub work_hot_ev_per_ps: Compared,
    pub power_ev_per_ps: Compared,
    /// First law: Ẇ − Q̇_C − Q̇_H (zero on average in a steady state).
    pub first_law_residual_ev_per_ps: Compared,
    /// Q̇_C/T_C + Q̇_H/T_H in k_B/ps.
    pub entropy_production_kb_per_ps: Compared,
    /// −Q̇_C/Ẇ (seed 000, Eq. 7), reported in the refrigerator regime of the theory or of the data.
    pub cop: Option<Compared>,
}

/// Every heat-rate estimator of each bath ([`heat_rate`]), and which one is preferred.
#[derive(Clone, Debug, Serialize)]
pub struct HeatRates {
    pub cold: BathHeatRates,
    pub hot: BathHeatRates,
}

/// Checks that hold for any bath, with deviations in standard errors ([`heat_checks`]).
#[derive(Clone, Debug, Serialize)]
pub struct HeatChecks {
    /// Q̇_H/Q̇_C = −κ_H/κ_C with the particle heat (when written) and with the bath ledger.
    pub stationary_identity: Vec<StationaryIdentity>,
    /// W_b = q_particle_b + ΔE_particle_b (needs the q_particle and e_particle columns).
    pub first_law_cold: Option<FirstLaw>,
    pub first_law_hot: Option<FirstLaw>,
    /// Σ_b (ledger − q_particle) against the conserved quantity's drift (needs q_particle and conserved_ev).
    pub integrator_drift: Option<IntegratorDrift>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PowerStats {
    /// Per-axis sampled power of Eq. 8, pooled over the driven axes: mean, variance, and χ² of its
    /// histogram against the exact density (samples thinned to ~independent ones).
    pub cold_mean_ev_per_ps: Compared,
    pub cold_variance: Compared,
    pub hot_mean_ev_per_ps: Compared,
    pub hot_variance: Compared,
    pub cold_fit: Option<ChiSquare>,
    pub hot_fit: Option<ChiSquare>,
    /// Var/mean² of the sampled powers summed over the driven axes (Fig. 6).
    pub relative_uncertainty_cold: Compared,
    pub relative_uncertainty_hot: Compared,
    pub relative_uncertainty_total: Compared,
    /// 2 k_B/(Ṡ Δt) from the measured entropy production and from the theory.
    pub tur_bound: Compared,
}

#[derive(Clone, Debug, Serialize)]
pub struct StochasticCop {
    pub samples: usize,
    /// Exponent of the density tail P(ε) ∝ |ε|^{−e} (Hill estimator + 1; seed 000, Eq. 11 says 2).
    pub tail_exponent: Estimate,
    pub tail_samples: usize,
    /// Fraction of intervals with ε_r above the Carnot COP.
    pub fraction_above_carnot: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunAnalysis {
    pub dir: String,
    pub scenario: String,
    pub samples: usize,
    pub duration_ps: f64,
    pub sample_interval_ps: f64,
    pub driven_axes: usize,
    pub kappa_ratio: Option<f64>,
    pub friction_kg_per_s: f64,
    pub friction_source: String,
    pub friction_estimates: Vec<FrictionEstimate>,
    pub blocks: usize,
    pub block_length_ps: f64,
    /// Integrated autocorrelation time of the cold-heat increments, ps (blocks should be ≫ this).
    pub heat_increment_correlation_ps: f64,
    pub rates: Rates,
    /// Heat-rate estimators with diffusive + bounded errors (None when the run is too short for them).
    pub heat_rates: Option<HeatRates>,
    pub checks: Option<HeatChecks>,
    pub power: Option<PowerStats>,
    pub stochastic_cop: Option<StochasticCop>,
    pub theory: Option<TheoryPoint>,
}

/// Per-interval power of Eq. 8 for one particle and axis: κ_j · midpoint(X_l) · ΔX_j/Δt, eV/ps.
pub fn sampled_power(kappa: f64, x_self: &[f64], x_other: &[f64], dt: f64) -> Vec<f64> {
    (0..x_self.len() - 1)
        .map(|i| kappa * 0.5 * (x_other[i] + x_other[i + 1]) * (x_self[i + 1] - x_self[i]) / dt)
        .collect()
}

fn axis_columns(a: Axis) -> (&'static str, &'static str) {
    match a {
        Axis::X => ("x_cold_a", "x_hot_a"),
        Axis::Y => ("y_cold_a", "y_hot_a"),
        Axis::Z => ("z_cold_a", "z_hot_a"),
    }
}

/// The friction the theory uses and where it came from, plus any estimates this run allows.
fn choose_friction(run: &RunDir, opts: &Options) -> (f64, String, Vec<FrictionEstimate>) {
    let mut estimates = Vec::new();
    let c = &run.scenario.controller;
    if c.drag.is_some() {
        match friction::from_drag(run, opts.blocks.min(10)) {
            Ok(e) => estimates.push(e),
            Err(e) => eprintln!("note: no drag friction estimate: {e:#}"),
        }
    } else if c.kappa_cold_ev_per_a2 == 0.0 && c.kappa_hot_ev_per_a2 == 0.0 {
        match friction::from_equilibrium(run, 8, opts.max_lag_ps) {
            Ok(e) => estimates.push(e),
            Err(e) => eprintln!("note: no equilibrium friction estimate: {e:#}"),
        }
    }
    if let Some(g) = opts.friction_kg_per_s {
        (g, "given (--friction-kg-per-s)".into(), estimates)
    } else if let Some(e) = estimates.first() {
        (
            e.gamma_kg_per_s.value,
            format!("estimated from this run: {}", e.method),
            estimates,
        )
    } else {
        (
            PAPER_FRICTION_KG_PER_S,
            "seed 000's estimate, 3.5e-12 kg/s".into(),
            estimates,
        )
    }
}

/// Analyses one run directory.
pub fn analyze_run(run: &RunDir, opts: &Options) -> Result<RunAnalysis> {
    let h = &run.heat;
    let sc = &run.scenario;
    let dt = run.sample_interval_ps()?;
    let t = h.column("time_ps")?;
    let (friction_kg, friction_source, friction_estimates) = choose_friction(run, opts);
    let axes = sc.controller.demon_axes.len();
    let (model, theory) = langevin_theory(sc, friction_kg, axes, dt)?;
    let th_ = theory.as_ref();

    let (b, blocks) = ledger_block_slopes(run, opts.blocks)?;
    let (tc, th) = (sc.cold.temperature_k, sc.hot.temperature_k);
    let entropy = b.estimate(|r| (r[0] / tc + r[1] / th) / KB_EV_PER_K);
    let rates = compare_rates(&b, entropy, th_);
    // Power statistics need both demon forces: with κ_C or κ_H = 0 that power vanishes identically.
    let coupled =
        sc.controller.kappa_cold_ev_per_a2 != 0.0 && sc.controller.kappa_hot_ev_per_a2 != 0.0;
    let power = match (&model, th_) {
        (Some(m), Some(p)) if coupled => Some(power_stats(run, m, p, dt, blocks, entropy)?),
        _ => None,
    };
    let stochastic_cop = match &model {
        Some(m) if coupled && sc.controller.demon_axes.contains(&Axis::X) => {
            stochastic_cop(run, m, dt).ok()
        }
        _ => None,
    };
    let heat_rates = heat_rate_estimators(run, &b, dt, th_)
        .map_err(|e| eprintln!("note: no diffusive + bounded heat rates: {e:#}"))
        .ok();
    let checks = heat_checks(run, dt)
        .map_err(|e| eprintln!("note: no stationary-identity / first-law checks: {e:#}"))
        .ok();
    let increments: Vec<f64> = h
        .column("q_cold_ev")?
        .windows(2)
        .map(|w| w[1] - w[0])
        .collect();
    Ok(RunAnalysis {
        dir: run.dir.display().to_string(),
        scenario: sc.name.clone(),
        samples: h.len(),
        duration_ps: t[t.len() - 1] - t[0],
        sample_interval_ps: dt,
        driven_axes: axes,
        kappa_ratio: (sc.controller.kappa_cold_ev_per_a2 != 0.0)
            .then(|| sc.controller.kappa_hot_ev_per_a2 / sc.controller.kappa_cold_ev_per_a2),
        friction_kg_per_s: friction_kg,
        friction_source,
        friction_estimates,
        blocks,
        block_length_ps: b.block_length as f64 * dt,
        heat_increment_correlation_ps: stats::integrated_autocorrelation_time(&increments) * dt,
        rates,
        heat_rates,
        checks,
        power,
        stochastic_cop,
        theory,
    })
}

/// Seed 000's Langevin model for the run's parameters at `friction_kg` and its predictions for `axes`
/// driven axes sampled every `dt` ps; neither for a drag run, no predictions without a driven axis.
fn langevin_theory(
    sc: &crate::scenario::Scenario,
    friction_kg: f64,
    axes: usize,
    dt: f64,
) -> Result<(Option<DemonPair>, Option<TheoryPoint>)> {
    // A pulled particle has no stationary state, so a drag run is compared with nothing but its friction.
    let model =
        if sc.controller.drag.is_some() {
            eprintln!("note: drag run: no Langevin-model theory, friction only");
            None
        } else {
            Some(DemonPair::from_scenario(sc, friction_kg).context(
                "the Langevin model for the run's parameters (check --friction-kg-per-s)",
            )?)
        };
    let theory = match (&model, axes) {
        (Some(m), d) if d > 0 => Some(TheoryPoint::compute(m, d, dt)?),
        _ => None,
    };
    Ok((model, theory))
}

/// Block-averaged slopes of the six ledger series (Q_C, Q_H, thermostat C/H, W_C, W_H) with the number
/// of blocks used: `requested`, fewer for a short run so each block holds at least 5 samples.
fn ledger_block_slopes(run: &RunDir, requested: usize) -> Result<(BlockSlopes, usize)> {
    let h = &run.heat;
    let t = h.column("time_ps")?;
    let qc = h.column("q_cold_ev")?;
    let qh = h.column("q_hot_ev")?;
    let series: [&[f64]; 6] = [
        qc,
        qh,
        h.column("thermostat_cold_ev")?,
        h.column("thermostat_hot_ev")?,
        h.column("w_cold_ev")?,
        h.column("w_hot_ev")?,
    ];
    // Short runs (a few tens of samples) still get error bars, from fewer blocks of ≥ 5 samples.
    let blocks = requested.min(h.len() / 5).max(4);
    if blocks != requested {
        eprintln!(
            "note: {} samples: using {blocks} blocks instead of {}",
            h.len(),
            requested
        );
    }
    let b = BlockSlopes::new(t, &series, blocks).context("heat-rate block averaging")?;
    Ok((b, blocks))
}

/// Measured rates (eV/ps; entropy production k_B/ps, given as `entropy`) beside the theory's where there
/// is one; the COP only where the run, measured or predicted, refrigerates.
fn compare_rates(b: &BlockSlopes, entropy: Estimate, th_: Option<&TheoryPoint>) -> Rates {
    let theory_refrigerates = th_
        .map(|p| p.heat_rate_cold_ev_per_ps < 0.0)
        .unwrap_or(false);
    let data_refrigerates = b.full[0] < 0.0 && b.full[4] + b.full[5] > 0.0;
    Rates {
        heat_cold_ev_per_ps: Compared::new(b.slope(0), th_.map(|p| p.heat_rate_cold_ev_per_ps)),
        heat_hot_ev_per_ps: Compared::new(b.slope(1), th_.map(|p| p.heat_rate_hot_ev_per_ps)),
        thermostat_cold_ev_per_ps: Compared::new(
            b.slope(2),
            th_.map(|p| p.heat_rate_cold_ev_per_ps),
        ),
        thermostat_hot_ev_per_ps: Compared::new(b.slope(3), th_.map(|p| p.heat_rate_hot_ev_per_ps)),
        work_cold_ev_per_ps: Compared::new(b.slope(4), th_.map(|p| p.work_rate_cold_ev_per_ps)),
        work_hot_ev_per_ps: Compared::new(b.slope(5), th_.map(|p| p.work_rate_hot_ev_per_ps)),
        power_ev_per_ps: Compared::new(b.estimate(|r| r[4] + r[5]), th_.map(|p| p.power_ev_per_ps)),
        first_law_residual_ev_per_ps: Compared::new(
            b.estimate(|r| r[4] + r[5] - r[0] - r[1]),
            th_.map(|_| 0.0),
        ),
        entropy_production_kb_per_ps: Compared::new(
            entropy,
            th_.map(|p| p.entropy_production_kb_per_ps),
        ),
        cop: (theory_refrigerates || data_refrigerates).then(|| {
            Compared::new(
                b.estimate(|r| -r[0] / (r[4] + r[5])),
                th_.and_then(|p| p.cop),
            )
        }),
    }
}

/// [`heat_rate::bath_heat_rates`] for both baths; `blocks` holds the ledger's block slopes (series 0, 1).
fn heat_rate_estimators(
    run: &RunDir,
    blocks: &BlockSlopes,
    dt: f64,
    theory: Option<&TheoryPoint>,
) -> Result<HeatRates> {
    let h = &run.heat;
    let bath = |ledger: &str, particle: &str, s: usize, th: Option<f64>| {
        heat_rate::bath_heat_rates(
            h.column(ledger)?,
            h.column(particle).ok(),
            blocks.slope(s),
            dt,
            th,
        )
        .with_context(|| format!("heat rate of {ledger}"))
    };
    Ok(HeatRates {
        cold: bath(
            "q_cold_ev",
            "q_particle_cold_ev",
            0,
            theory.map(|p| p.heat_rate_cold_ev_per_ps),
        )?,
        hot: bath(
            "q_hot_ev",
            "q_particle_hot_ev",
            1,
            theory.map(|p| p.heat_rate_hot_ev_per_ps),
        )?,
    })
}

/// The stationary identity (runs with κ_C ≠ 0) and the first law per particle (runs that write q_particle
/// and e_particle).
fn heat_checks(run: &RunDir, dt: f64) -> Result<HeatChecks> {
    let h = &run.heat;
    let c = &run.scenario.controller;
    let mut identity = Vec::new();
    if c.kappa_cold_ev_per_a2 != 0.0 && c.drag.is_none() {
        let (lc, lh) = (h.column("q_cold_ev")?, h.column("q_hot_ev")?);
        let (kc, kh) = (c.kappa_cold_ev_per_a2, c.kappa_hot_ev_per_a2);
        match (
            h.column("q_particle_cold_ev"),
            h.column("q_particle_hot_ev"),
        ) {
            (Ok(pc), Ok(ph)) => {
                let minus = |a: &[f64], b: &[f64]| -> Vec<f64> {
                    a.iter().zip(b).map(|(x, y)| x - y).collect()
                };
                let (dc, dh) = (minus(lc, pc), minus(lh, ph));
                identity.push(heat_checks::stationary_identity(
                    "particle", pc, ph, None, kc, kh, dt,
                )?);
                identity.push(heat_checks::stationary_identity(
                    "ledger",
                    pc,
                    ph,
                    Some((&dc, &dh)),
                    kc,
                    kh,
                    dt,
                )?);
            }
            _ => identity.push(heat_checks::stationary_identity(
                "ledger", lc, lh, None, kc, kh, dt,
            )?),
        }
    }
    let law = |side: &str| -> Result<Option<FirstLaw>> {
        match (
            h.column(&format!("q_particle_{side}_ev")),
            h.column(&format!("e_particle_{side}_ev")),
        ) {
            (Ok(q), Ok(e)) => Ok(Some(heat_checks::first_law(
                h.column(&format!("w_{side}_ev"))?,
                q,
                e,
                dt,
            )?)),
            _ => Ok(None),
        }
    };
    let integrator_drift = match (
        h.column("q_particle_cold_ev"),
        h.column("q_particle_hot_ev"),
        h.column("conserved_ev"),
    ) {
        (Ok(pc), Ok(ph), Ok(hc)) => {
            let (lc, lh) = (h.column("q_cold_ev")?, h.column("q_hot_ev")?);
            let excess: Vec<f64> = (0..h.len())
                .map(|i| lc[i] - pc[i] + lh[i] - ph[i])
                .collect();
            Some(heat_checks::integrator_drift(&excess, hc, dt)?)
        }
        _ => None,
    };
    Ok(HeatChecks {
        stationary_identity: identity,
        first_law_cold: law("cold")?,
        first_law_hot: law("hot")?,
        integrator_drift,
    })
}

/// Block-jackknife of a statistic of per-interval samples (the blocks are contiguous in time).
fn block_jackknife(columns: &[&[f64]], blocks: usize, f: impl Fn(&[Vec<f64>]) -> f64) -> Estimate {
    let n = columns[0].len();
    let len = n / blocks;
    let whole: Vec<Vec<f64>> = columns.iter().map(|c| c[..len * blocks].to_vec()).collect();
    let value = f(&whole);
    let leave: Vec<f64> = (0..blocks)
        .map(|b| {
            let cut: Vec<Vec<f64>> = columns
                .iter()
                .map(|c| {
                    c[..len * blocks]
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i / len != b)
                        .map(|(_, v)| *v)
                        .collect()
                })
                .collect();
            f(&cut)
        })
        .collect();
    let m = leave.iter().sum::<f64>() / blocks as f64;
    let var =
        (blocks - 1) as f64 / blocks as f64 * leave.iter().map(|v| (v - m).powi(2)).sum::<f64>();
    Estimate {
        value,
        error: var.sqrt(),
    }
}

fn power_stats(
    run: &RunDir,
    m: &DemonPair,
    p: &TheoryPoint,
    dt: f64,
    blocks: usize,
    entropy: Estimate,
) -> Result<PowerStats> {
    let h = &run.heat;
    let mut cold_axes = Vec::new();
    let mut hot_axes = Vec::new();
    for &a in &run.scenario.controller.demon_axes {
        let (c, hcol) = axis_columns(a);
        let (xc, xh) = (h.column(c)?, h.column(hcol)?);
        cold_axes.push(sampled_power(m.kappa_cold_ev_per_a2, xc, xh, dt));
        hot_axes.push(sampled_power(m.kappa_hot_ev_per_a2, xh, xc, dt));
    }
    let sum_axes = |v: &[Vec<f64>]| -> Vec<f64> {
        (0..v[0].len())
            .map(|i| v.iter().map(|a| a[i]).sum())
            .collect()
    };
    let (cold_sum, hot_sum) = (sum_axes(&cold_axes), sum_axes(&hot_axes));
    let total: Vec<f64> = cold_sum.iter().zip(&hot_sum).map(|(a, b)| a + b).collect();
    let mean = |c: &[Vec<f64>]| c[0].iter().sum::<f64>() / c[0].len() as f64;
    let var = |c: &[Vec<f64>]| stats::mean_var(&c[0]).1;
    let rel = |c: &[Vec<f64>]| stats::mean_var(&c[0]).1 / mean(c).powi(2);
    // Pooled per-axis moments: the mean over axes of per-axis statistics.
    let per_axis = |axes: &[Vec<f64>], f: &dyn Fn(&[Vec<f64>]) -> f64| -> Estimate {
        let refs: Vec<&[f64]> = axes.iter().map(|a| a.as_slice()).collect();
        block_jackknife(&refs, blocks, |cols| {
            cols.iter().map(|c| f(std::slice::from_ref(c))).sum::<f64>() / cols.len() as f64
        })
    };
    let single =
        |s: &[f64], f: &dyn Fn(&[Vec<f64>]) -> f64| block_jackknife(&[s], blocks, |c| f(c));
    let cold_model = m.particle_power(true, dt)?;
    let hot_model = m.particle_power(false, dt)?;
    let fit = |axes: &[Vec<f64>],
               model: &crate::theory::demon_pair::power::ParticlePower|
     -> Option<ChiSquare> {
        let thin = (2.0 * stats::integrated_autocorrelation_time(&axes[0])).ceil() as usize;
        let sub: Vec<f64> = axes
            .iter()
            .flat_map(|a| a.iter().step_by(thin.max(1)).copied())
            .collect();
        let bins = (sub.len() / 50).clamp(5, 40);
        if sub.len() < 100 {
            return None;
        }
        let edges: Vec<f64> = (1..bins)
            .map(|i| quantile_of(model, i as f64 / bins as f64))
            .collect();
        let mut counts = vec![0usize; bins];
        for &v in &sub {
            counts[edges.partition_point(|&e| e <= v)] += 1;
        }
        stats::chi_square(&counts, &vec![1.0 / bins as f64; bins], sub.len()).ok()
    };
    let tur_theory = p.tur_bound;
    let tur = Estimate {
        value: 2.0 / (entropy.value * dt),
        error: 2.0 / (entropy.value.powi(2) * dt) * entropy.error,
    };
    Ok(PowerStats {
        cold_mean_ev_per_ps: Compared::new(per_axis(&cold_axes, &mean), Some(cold_model.mean())),
        cold_variance: Compared::new(per_axis(&cold_axes, &var), Some(cold_model.variance())),
        hot_mean_ev_per_ps: Compared::new(per_axis(&hot_axes, &mean), Some(hot_model.mean())),
        hot_variance: Compared::new(per_axis(&hot_axes, &var), Some(hot_model.variance())),
        cold_fit: fit(&cold_axes, &cold_model),
        hot_fit: fit(&hot_axes, &hot_model),
        relative_uncertainty_cold: Compared::new(
            single(&cold_sum, &rel),
            Some(p.relative_uncertainty_cold),
        ),
        relative_uncertainty_hot: Compared::new(
            single(&hot_sum, &rel),
            Some(p.relative_uncertainty_hot),
        ),
        relative_uncertainty_total: Compared::new(
            single(&total, &rel),
            Some(p.relative_uncertainty_total),
        ),
        tur_bound: Compared::new(tur, Some(tur_theory)),
    })
}

/// Quantile of a particle's sampled power by bisection on its CDF.
pub fn quantile_of(model: &crate::theory::demon_pair::power::ParticlePower, q: f64) -> f64 {
    let sd = model.variance().sqrt();
    let (mut lo, mut hi) = (model.mean() - 40.0 * sd, model.mean() + 40.0 * sd);
    for _ in 0..48 {
        let mid = 0.5 * (lo + hi);
        if model.cdf(mid) < q {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

/// Stochastic COP per interval on the x axis (seed 000, Eq. 10): ε_r = |ΔQ_C|/ΔW, with ΔW the Eq. 8
/// power of both particles times Δt and ΔQ_C = ΔW_C − ΔE_C the Sekimoto heat of the cold particle
/// (E_C = m v_x²/2 + (κ+κ_C) x²/2, the cold half of Eq. 17). Bath-energy heat per 1-ps interval is
/// dominated by the bath's own energy fluctuations, so it cannot resolve single intervals.
pub fn stochastic_cop_samples(run: &RunDir, m: &DemonPair, dt: f64) -> Result<Vec<f64>> {
    let h = &run.heat;
    let (xc, xh, vc) = (
        h.column("x_cold_a")?,
        h.column("x_hot_a")?,
        h.column("vx_cold_a_ps")?,
    );
    let wc = sampled_power(m.kappa_cold_ev_per_a2, xc, xh, dt);
    let wh = sampled_power(m.kappa_hot_ev_per_a2, xh, xc, dt);
    let e = |i: usize| {
        0.5 * m.mass_amu * vc[i] * vc[i] * MVV2E
            + 0.5 * (m.trap_kappa_ev_per_a2 + m.kappa_cold_ev_per_a2) * xc[i] * xc[i]
    };
    Ok((0..wc.len())
        .map(|i| {
            let dq = wc[i] * dt - (e(i + 1) - e(i));
            dq.abs() / ((wc[i] + wh[i]) * dt)
        })
        .filter(|v| v.is_finite())
        .collect())
}

fn stochastic_cop(run: &RunDir, m: &DemonPair, dt: f64) -> Result<StochasticCop> {
    let eps = stochastic_cop_samples(run, m, dt)?;
    let k = (eps.len() / 50).max(10);
    let (a, se) = stats::hill_tail_index(&eps, k)?;
    let carnot = m.t_cold_k / (m.t_hot_k - m.t_cold_k);
    Ok(StochasticCop {
        samples: eps.len(),
        tail_exponent: Estimate {
            value: a + 1.0,
            error: se,
        },
        tail_samples: k,
        fraction_above_carnot: eps.iter().filter(|&&v| v > carnot).count() as f64
            / eps.len() as f64,
    })
}
