//! Both baths fitted from an equilibrium run directory (com.csv when the run wrote it, else heat.csv),
//! the liquid they were measured in (what a kernel may be reused for), and the MD kinetic temperatures
//! the memory predictions are compared with.

use super::acf::AcfData;
use super::family::TrappedParticle;
use super::fit::{fit_bath, BathFit};
use super::FitOptions;
use crate::analysis::fit::Estimate;
use crate::analysis::run_dir::{HeatTable, RunDir};
use crate::scenario::Scenario;
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::{bail, Context, Result};
use serde::Serialize;

/// Both baths of an equilibrium run.
#[derive(Clone, Debug, Serialize)]
pub struct FittedBaths {
    pub run: String,
    /// "com.csv" or "heat.csv".
    pub source: String,
    pub sample_interval_ps: f64,
    pub blocks: usize,
    pub max_lag_ps: f64,
    pub criterion: &'static str,
    /// The liquid the kernels were measured in (None: not from a run, e.g. simulated data).
    pub liquid: Option<Liquid>,
    pub cold: BathFit,
    pub hot: BathFit,
}

/// What besides the particle and the temperature shapes the memory kernel: the container and the
/// argon density of each bath.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Liquid {
    pub container_length_a: f64,
    pub walls: bool,
    pub argon_density_per_a3: [f64; 2],
}

impl Liquid {
    pub fn of(s: &Scenario) -> Liquid {
        Liquid {
            container_length_a: s.geometry.container_length_a,
            walls: s.geometry.walls,
            argon_density_per_a3: [s.cold.argon_density_per_a3, s.hot.argon_density_per_a3],
        }
    }
}

/// Fits the cold and the hot particle's baths from an equilibrium run directory (κ_C = κ_H = 0,
/// trap κ > 0), from com.csv when the run wrote one, else from heat.csv.
pub fn fit_run(run: &RunDir, opts: &FitOptions) -> Result<FittedBaths> {
    let sc = &run.scenario;
    let c = &sc.controller;
    if c.kappa_cold_ev_per_a2 != 0.0 || c.kappa_hot_ev_per_a2 != 0.0 || c.drag.is_some() {
        bail!("{}: --bath-from needs an equilibrium run (controller.kappa_cold_ev_per_a2 = kappa_hot_ev_per_a2 = 0, no drag); pass e.g. docs/runs/paper-equilibrium", run.dir.display());
    }
    if c.trap_kappa_ev_per_a2.is_nan() || c.trap_kappa_ev_per_a2 <= 0.0 {
        bail!("{}: controller.trap_kappa_ev_per_a2 = {}: the memory fit needs a trapped particle (κ > 0) for the position autocorrelation", run.dir.display(), c.trap_kappa_ev_per_a2);
    }
    let com_path = run.dir.join("com.csv");
    let (table, source) = if com_path.exists() {
        let text = std::fs::read_to_string(&com_path)
            .with_context(|| format!("reading {}", com_path.display()))?;
        let required: Vec<&str> = crate::com_csv::COM_CSV_HEADER.split(',').collect();
        let origin = com_path.display().to_string();
        (
            HeatTable::parse_columns(
                &text,
                &origin,
                &required,
                "com.csv header of src/com_csv.rs",
            )?,
            "com.csv",
        )
    } else {
        (run.heat.clone(), "heat.csv")
    };
    let t = table.column("time_ps")?;
    let h = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
    if h.is_nan() || h <= 0.0 || t.windows(2).any(|w| ((w[1] - w[0]) - h).abs() > 1e-3 * h) {
        bail!("{source} of {}: time_ps is not uniformly increasing; the memory fit needs a fixed sampling interval", run.dir.display());
    }
    let mass = sc.nanoparticle.atoms as f64 * sc.potential.copper.mass_amu;
    let side = |name: &str, t_k: f64| -> Result<BathFit> {
        let vel: Vec<&[f64]> = ["vx", "vy", "vz"]
            .iter()
            .filter_map(|a| table.column(&format!("{a}_{name}_a_ps")).ok())
            .collect();
        let pos: Vec<&[f64]> = ["x", "y", "z"]
            .iter()
            .filter_map(|a| table.column(&format!("{a}_{name}_a")).ok())
            .collect();
        if vel.is_empty() || pos.is_empty() {
            bail!(
                "{source} of {} has no velocity or position columns of the {name} particle",
                run.dir.display()
            );
        }
        let v2: f64 = vel
            .iter()
            .flat_map(|s| s.iter())
            .map(|v| v * v)
            .sum::<f64>()
            / vel.iter().map(|s| s.len()).sum::<usize>() as f64;
        let data = AcfData::new(&vel, &pos, h, opts.blocks, opts.max_lag_ps)
            .with_context(|| format!("{name} particle of {}", run.dir.display()))?;
        let particle = TrappedParticle {
            mass_amu: mass,
            trap_kappa_ev_per_a2: c.trap_kappa_ev_per_a2,
            temperature_k: t_k,
        };
        fit_bath(&data, &particle, mass * v2 * MVV2E / KB_EV_PER_K, opts)
            .with_context(|| format!("fitting the {name} bath of {}", run.dir.display()))
    };
    Ok(FittedBaths {
        run: run.dir.display().to_string(),
        source: source.to_string(),
        sample_interval_ps: h,
        blocks: opts.blocks,
        max_lag_ps: opts.max_lag_ps,
        criterion: "leave-one-block-out cross-validation of the autocorrelation χ², one-standard-error rule",
        liquid: Some(Liquid::of(sc)),
        cold: side("cold", sc.cold.temperature_k)?,
        hot: side("hot", sc.hot.temperature_k)?,
    })
}

/// The MD's m⟨V²⟩/k_B per particle (K), averaged over the velocity columns present, with a block
/// error over `blocks` contiguous blocks: what the kinetic temperatures of
/// [`crate::theory::memory::pair::MemoryPoint`] predict.
pub fn measured_kinetic_temperatures(run: &RunDir, blocks: usize) -> Result<[Estimate; 2]> {
    let sc = &run.scenario;
    let mass = sc.nanoparticle.atoms as f64 * sc.potential.copper.mass_amu;
    let one = |side: &str| -> Result<Estimate> {
        let cols: Vec<&[f64]> = ["vx", "vy", "vz"]
            .iter()
            .filter_map(|a| run.heat.column(&format!("{a}_{side}_a_ps")).ok())
            .collect();
        if cols.is_empty() {
            bail!(
                "heat.csv of {} has no velocity column of the {side} particle",
                run.dir.display()
            );
        }
        let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
        let t: Vec<f64> = (0..n)
            .map(|i| {
                cols.iter().map(|c| c[i] * c[i]).sum::<f64>() / cols.len() as f64 * mass * MVV2E
                    / KB_EV_PER_K
            })
            .collect();
        let len = n / blocks.max(2);
        if len == 0 {
            bail!("{} samples cannot be cut into {blocks} blocks", n);
        }
        let means: Vec<f64> = t
            .chunks_exact(len)
            .map(|b| b.iter().sum::<f64>() / len as f64)
            .collect();
        let (mean, var) = crate::analysis::stats::mean_var(&means);
        Ok(Estimate {
            value: mean,
            error: (var / means.len() as f64).sqrt(),
        })
    };
    Ok([one("cold")?, one("hot")?])
}
