//! What `nanodemon theory` prints and the analysis draws: the predictions for d driven axes at one
//! κ_H, and sweeps over κ_H/κ_C. Each driven axis is an independent copy of the 1-D model, so means
//! and variances of summed quantities scale by d and relative uncertainties by 1/d.

use super::{DemonPair, Regime};
use crate::scenario::Scenario;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Seed 000's friction estimate, kg/s (the default when no other is given).
pub const PAPER_FRICTION_KG_PER_S: f64 = 3.5e-12;

/// Predictions for one κ_H, summed over `axes` driven axes.
#[derive(Clone, Debug, Serialize)]
pub struct TheoryPoint {
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
    /// Mean and variance of the sampled power of each particle (Eq. 8) on ONE axis, eV/ps and (eV/ps)².
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
}

impl TheoryPoint {
    pub fn compute(model: &DemonPair, axes: usize, sample_interval_ps: f64) -> Result<TheoryPoint> {
        if axes == 0 {
            bail!("the demon acts on no axis (controller.demon_axes is empty); there is nothing to predict");
        }
        let s = model.steady_state()?;
        let d = axes as f64;
        let cold = model.particle_power(true, sample_interval_ps)?;
        let hot = model.particle_power(false, sample_interval_ps)?;
        let (mean_total, var_total) = model.total_power_moments(sample_interval_ps)?;
        Ok(TheoryPoint {
            kappa_ratio: model.kappa_hot_ev_per_a2 / model.kappa_cold_ev_per_a2,
            kappa_hot_ev_per_a2: model.kappa_hot_ev_per_a2,
            axes,
            regime: s.regime,
            heat_rate_cold_ev_per_ps: d * s.heat_rate_cold_ev_per_ps,
            heat_rate_hot_ev_per_ps: d * s.heat_rate_hot_ev_per_ps,
            work_rate_cold_ev_per_ps: d * s.work_rate_cold_ev_per_ps,
            work_rate_hot_ev_per_ps: d * s.work_rate_hot_ev_per_ps,
            power_ev_per_ps: d * s.power_ev_per_ps,
            entropy_production_kb_per_ps: d * s.entropy_production_kb_per_ps,
            cop: s.cop,
            sample_interval_ps,
            power_cold_mean_ev_per_ps: cold.mean(),
            power_cold_variance: cold.variance(),
            power_hot_mean_ev_per_ps: hot.mean(),
            power_hot_variance: hot.variance(),
            relative_uncertainty_cold: cold.relative_uncertainty() / d,
            relative_uncertainty_hot: hot.relative_uncertainty() / d,
            relative_uncertainty_total: super::power::relative_uncertainty(var_total, mean_total)
                / d,
            tur_bound: super::power::tur_bound(
                d * s.entropy_production_kb_per_ps,
                sample_interval_ps,
            ),
        })
    }
}

/// Everything `nanodemon theory SCENARIO` reports.
#[derive(Clone, Debug, Serialize)]
pub struct TheoryReport {
    pub scenario: String,
    pub model: DemonPair,
    pub friction_kg_per_s: f64,
    pub axes: usize,
    pub pseudo_equilibrium_ratio: f64,
    pub max_extraction_ratio: Option<f64>,
    pub cop_carnot: f64,
    pub points: Vec<TheoryPoint>,
}

/// Predictions for the scenario's own κ_H (when `ratios` is empty) or for each κ_H/κ_C in `ratios`.
pub fn theory_report(
    scenario: &Scenario,
    friction_kg_per_s: f64,
    ratios: &[f64],
) -> Result<TheoryReport> {
    let model = DemonPair::from_scenario(scenario, friction_kg_per_s)
        .with_context(|| format!("scenario {:?} as a seed-000 Langevin model", scenario.name))?;
    let axes = scenario.controller.demon_axes.len();
    let dt = scenario.run.sample_interval_ps;
    let kc = model.kappa_cold_ev_per_a2;
    let models: Vec<DemonPair> = if ratios.is_empty() {
        vec![model]
    } else {
        if kc == 0.0 {
            bail!("--kappa-ratio needs controller.kappa_cold_ev_per_a2 ≠ 0 (κ_H is given as a multiple of κ_C)");
        }
        ratios
            .iter()
            .map(|&r| {
                let m = model.with_kappa_hot(r * kc);
                m.validate().with_context(|| format!("--kappa-ratio {r}"))?;
                Ok(m)
            })
            .collect::<Result<_>>()?
    };
    let points = models
        .iter()
        .map(|m| TheoryPoint::compute(m, axes, dt))
        .collect::<Result<Vec<_>>>()?;
    Ok(TheoryReport {
        scenario: scenario.name.clone(),
        model,
        friction_kg_per_s,
        axes,
        pseudo_equilibrium_ratio: model.t_hot_k / model.t_cold_k,
        max_extraction_ratio: if kc > 0.0 {
            Some(model.kappa_hot_max_extraction()? / kc)
        } else {
            None
        },
        cop_carnot: model.t_cold_k / (model.t_hot_k - model.t_cold_k),
        points,
    })
}

/// Log-spaced κ_H/κ_C from `min` to `max` (both > 0), `n` ≥ 2 points, skipping unstable ones.
pub fn sweep(
    model: &DemonPair,
    axes: usize,
    dt: f64,
    min: f64,
    max: f64,
    n: usize,
) -> Result<Vec<TheoryPoint>> {
    if !(min > 0.0 && max > min && n >= 2) {
        bail!("sweep range {min}:{max}:{n} must have 0 < min < max and at least 2 points");
    }
    let kc = model.kappa_cold_ev_per_a2;
    (0..n)
        .map(|i| min * (max / min).powf(i as f64 / (n - 1) as f64))
        .map(|r| model.with_kappa_hot(r * kc))
        .filter(|m| m.is_stable())
        .map(|m| TheoryPoint::compute(&m, axes, dt))
        .collect()
}

/// Writes a sweep as CSV (one header row, one row per κ_H/κ_C).
pub fn write_sweep_csv(points: &[TheoryPoint], path: &Path) -> Result<()> {
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path)
            .with_context(|| format!("creating sweep CSV {}", path.display()))?,
    );
    writeln!(
        f,
        "kappa_ratio,kappa_hot_ev_per_a2,heat_rate_cold_ev_per_ps,heat_rate_hot_ev_per_ps,power_ev_per_ps,\
         entropy_production_kb_per_ps,cop,relative_uncertainty_cold,relative_uncertainty_hot,\
         relative_uncertainty_total,tur_bound"
    )?;
    for p in points {
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{},{}",
            p.kappa_ratio,
            p.kappa_hot_ev_per_a2,
            p.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            p.power_ev_per_ps,
            p.entropy_production_kb_per_ps,
            p.cop.map(|c| c.to_string()).unwrap_or_default(),
            p.relative_uncertainty_cold,
            p.relative_uncertainty_hot,
            p.relative_uncertainty_total,
            p.tur_bound
        )?;
    }
    f.flush()?;
    Ok(())
}

/// Parses `MIN:MAX:POINTS` of `--sweep`.
pub fn parse_sweep(text: &str) -> Result<(f64, f64, usize)> {
    let parts: Vec<&str> = text.split(':').collect();
    let bad = || anyhow::anyhow!("--sweep {text:?}: expected MIN:MAX:POINTS, e.g. 0.01:100:200");
    if parts.len() != 3 {
        return Err(bad());
    }
    let min: f64 = parts[0].trim().parse().map_err(|_| bad())?;
    let max: f64 = parts[1].trim().parse().map_err(|_| bad())?;
    let n: usize = parts[2].trim().parse().map_err(|_| bad())?;
    Ok((min, max, n))
}
