//! The theory attached to a driven run: the demon pair of its scenario with the fitted baths, its
//! predictions with jackknife errors over the baths' replicas (`theory.memory`), refused for another
//! system, and the same over a κ_H/κ_C range as CSV.

use super::from_run::{FittedBaths, Liquid};
use super::jackknife::jackknife_error;
use crate::scenario::Scenario;
use crate::theory::memory::bath::MemoryBath;
use crate::theory::memory::pair::{MemoryPair, MemoryPoint};
use anyhow::{bail, Context, Result};
use serde::Serialize;

/// Jackknife errors of the memory predictions (same keys as [`MemoryPoint`]).
#[derive(Clone, Debug, Serialize)]
pub struct MemoryErrors {
    pub heat_rate_cold_ev_per_ps: f64,
    pub heat_rate_hot_ev_per_ps: f64,
    pub power_ev_per_ps: f64,
    pub entropy_production_kb_per_ps: f64,
    pub kinetic_temperature_cold_k: f64,
    pub kinetic_temperature_hot_k: f64,
    pub cop: Option<f64>,
    pub relative_uncertainty_cold: f64,
    pub relative_uncertainty_hot: f64,
    pub relative_uncertainty_total: f64,
    pub tur_bound: f64,
    pub probe_cold_gamma_re_amu_per_ps: f64,
    pub probe_cold_added_mass_amu: f64,
    pub probe_hot_gamma_re_amu_per_ps: f64,
    pub probe_hot_added_mass_amu: f64,
}

/// Predictions with the fitted baths for a scenario's own parameters (`theory.memory`).
#[derive(Clone, Debug, Serialize)]
pub struct MemoryTheory {
    #[serde(flatten)]
    pub point: MemoryPoint,
    pub errors: MemoryErrors,
    pub bath_from: String,
    pub bath_model_cold: String,
    pub bath_model_hot: String,
}

/// The demon pair of `scenario` with the fitted baths.
pub fn pair_for(scenario: &Scenario, cold: &MemoryBath, hot: &MemoryBath) -> MemoryPair {
    let c = &scenario.controller;
    MemoryPair {
        mass_amu: scenario.nanoparticle.atoms as f64 * scenario.potential.copper.mass_amu,
        trap_kappa_ev_per_a2: c.trap_kappa_ev_per_a2,
        kappa_cold_ev_per_a2: c.kappa_cold_ev_per_a2,
        kappa_hot_ev_per_a2: c.kappa_hot_ev_per_a2,
        t_cold_k: scenario.cold.temperature_k,
        t_hot_k: scenario.hot.temperature_k,
        bath_cold: cold.clone(),
        bath_hot: hot.clone(),
    }
}

/// Refuses baths fitted for another particle (mass, temperature) or another liquid (container,
/// argon density): a memory kernel belongs to one particle in one liquid.
pub fn check_system(scenario: &Scenario, baths: &FittedBaths) -> Result<()> {
    let mass = scenario.nanoparticle.atoms as f64 * scenario.potential.copper.mass_amu;
    for (name, fit, t_k) in [
        ("cold", &baths.cold, scenario.cold.temperature_k),
        ("hot", &baths.hot, scenario.hot.temperature_k),
    ] {
        let p = &fit.particle;
        if (p.mass_amu - mass).abs() > 1e-9 * mass || p.temperature_k != t_k {
            bail!(
                "scenario {:?}: {name} particle of {mass} amu at {t_k} K, but the bath was fitted for {} amu at {} K in {}; a memory kernel belongs to one particle in one liquid, so fit it from an equilibrium run of the same system",
                scenario.name,
                p.mass_amu,
                p.temperature_k,
                baths.run
            );
        }
    }
    if let Some(l) = &baths.liquid {
        let here = Liquid::of(scenario);
        if &here != l {
            bail!(
                "scenario {:?}: liquid {here:?} differs from the one the baths were fitted in ({l:?}, {}); the memory kernel depends on the container and the argon density, so fit it from an equilibrium run of the same system",
                scenario.name,
                baths.run
            );
        }
    }
    Ok(())
}

/// Memory-bath predictions for `scenario` (or a κ_H override), with jackknife errors from the
/// replicas of both baths, refitted without the same block.
pub fn memory_theory(
    scenario: &Scenario,
    baths: &FittedBaths,
    kappa_hot_ev_per_a2: Option<f64>,
) -> Result<MemoryTheory> {
    check_system(scenario, baths)?;
    let axes = scenario.controller.demon_axes.len();
    let build = |cold: &MemoryBath, hot: &MemoryBath| {
        let mut p = pair_for(scenario, cold, hot);
        if let Some(k) = kappa_hot_ev_per_a2 {
            p.kappa_hot_ev_per_a2 = k;
        }
        p.predict(axes, scenario.run.sample_interval_ps)
    };
    let point = build(&baths.cold.bath, &baths.hot.bath).with_context(|| {
        format!(
            "scenario {:?} with the baths fitted from {}",
            scenario.name, baths.run
        )
    })?;
    let reps = baths
        .cold
        .replicas
        .iter()
        .zip(&baths.hot.replicas)
        .map(|(c, h)| build(c, h))
        .collect::<Result<Vec<_>>>()
        .context("a jackknife replica of the fitted baths")?;
    let err =
        |f: &dyn Fn(&MemoryPoint) -> f64| jackknife_error(&reps.iter().map(f).collect::<Vec<_>>());
    let cop = if point.cop.is_some() && reps.iter().all(|r| r.cop.is_some()) {
        Some(err(&|r| r.cop.expect("checked above")))
    } else {
        None
    };
    let errors = MemoryErrors {
        heat_rate_cold_ev_per_ps: err(&|r| r.heat_rate_cold_ev_per_ps),
        heat_rate_hot_ev_per_ps: err(&|r| r.heat_rate_hot_ev_per_ps),
        power_ev_per_ps: err(&|r| r.power_ev_per_ps),
        entropy_production_kb_per_ps: err(&|r| r.entropy_production_kb_per_ps),
        kinetic_temperature_cold_k: err(&|r| r.kinetic_temperature_cold_k),
        kinetic_temperature_hot_k: err(&|r| r.kinetic_temperature_hot_k),
        cop,
        relative_uncertainty_cold: err(&|r| r.relative_uncertainty_cold),
        relative_uncertainty_hot: err(&|r| r.relative_uncertainty_hot),
        relative_uncertainty_total: err(&|r| r.relative_uncertainty_total),
        tur_bound: err(&|r| r.tur_bound),
        probe_cold_gamma_re_amu_per_ps: err(&|r| r.probe_cold.gamma_re_amu_per_ps),
        probe_cold_added_mass_amu: err(&|r| r.probe_cold.added_mass_amu),
        probe_hot_gamma_re_amu_per_ps: err(&|r| r.probe_hot.gamma_re_amu_per_ps),
        probe_hot_added_mass_amu: err(&|r| r.probe_hot.added_mass_amu),
    };
    Ok(MemoryTheory {
        point,
        errors,
        bath_from: baths.run.clone(),
        bath_model_cold: baths.cold.model.clone(),
        bath_model_hot: baths.hot.model.clone(),
    })
}

/// The memory-bath predictions over log-spaced κ_H/κ_C from `min` to `max` (`n` ≥ 2 points), skipping
/// couplings without a stationary state, written as CSV beside the Markov sweep (one row per ratio,
/// with jackknife errors of the heat rates and kinetic temperatures).
pub fn write_memory_sweep_csv(
    scenario: &Scenario,
    baths: &FittedBaths,
    (min, max, n): (f64, f64, usize),
    path: &std::path::Path,
) -> Result<usize> {
    use std::io::Write;
    if !(min > 0.0 && max > min && n >= 2) {
        bail!("sweep range {min}:{max}:{n} must have 0 < min < max and at least 2 points");
    }
    let kc = scenario.controller.kappa_cold_ev_per_a2;
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(path)
            .with_context(|| format!("creating memory sweep CSV {}", path.display()))?,
    );
    writeln!(
        f,
        "kappa_ratio,kappa_hot_ev_per_a2,heat_rate_cold_ev_per_ps,heat_rate_cold_error,\
         heat_rate_hot_ev_per_ps,heat_rate_hot_error,power_ev_per_ps,entropy_production_kb_per_ps,cop,\
         kinetic_temperature_cold_k,kinetic_temperature_cold_error,kinetic_temperature_hot_k,\
         kinetic_temperature_hot_error,relative_uncertainty_total,tur_bound"
    )?;
    let mut rows = 0;
    for i in 0..n {
        let r = min * (max / min).powf(i as f64 / (n - 1) as f64);
        let Ok(m) = memory_theory(scenario, baths, Some(r * kc)) else {
            continue;
        };
        let (p, e) = (&m.point, &m.errors);
        writeln!(
            f,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            p.kappa_ratio,
            p.kappa_hot_ev_per_a2,
            p.heat_rate_cold_ev_per_ps,
            e.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            e.heat_rate_hot_ev_per_ps,
            p.power_ev_per_ps,
            p.entropy_production_kb_per_ps,
            p.cop.map(|c| c.to_string()).unwrap_or_default(),
            p.kinetic_temperature_cold_k,
            e.kinetic_temperature_cold_k,
            p.kinetic_temperature_hot_k,
            e.kinetic_temperature_hot_k,
            p.relative_uncertainty_total,
            p.tur_bound
        )?;
        rows += 1;
    }
    f.flush()?;
    Ok(rows)
}
