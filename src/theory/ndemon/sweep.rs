//! COP and power of the N-demon against T_c/T_h (seed 001, Fig. 2) for the paper's choice of f_l(ε4)
//! and for the optimised one, with the narrow-resonance results checked at a finite resonance width.

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use serde::Serialize;

use super::finite_width::finite_width_demon;
use super::four_resonance::{
    cop_eq23_as_printed, cop_eq_c10, narrow_demon, optimise_free_parameter, paper_f4,
    FreeParameter, NDemonParams,
};
use super::landauer::ResonanceShape;
use super::quadrature::Tolerance;

/// What to sweep: the paper's device (k_B T_h = μ = ε1 = 1, ε2 = 2, ε3 = 1.5) for each ε4 and T_c/T_h.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepConfig {
    pub tc_over_th: Vec<f64>,
    pub eps4: Vec<f64>,
    /// Γ for the finite-width cross-check, energy units (k_B T_h = 1).
    pub width: f64,
    pub shape: ResonanceShape,
}

impl SweepConfig {
    /// `points` evenly spaced ratios strictly inside (0, 1).
    pub fn new(points: usize, eps4: Vec<f64>, width: f64, shape: ResonanceShape) -> Result<Self> {
        if points < 2 {
            bail!("--points {points}: the sweep needs at least 2 values of T_c/T_h");
        }
        if eps4.is_empty() {
            bail!("--eps4: give at least one value of ε4");
        }
        for &e in &eps4 {
            let p = NDemonParams::paper(0.5, e);
            p.validate().with_context(|| format!("--eps4 {e}"))?;
            let widest = 0.5 * p.min_spacing();
            if !(width > 0.0 && width <= widest) {
                bail!(
                    "--width {width}: the resonance width Γ must be positive and at most half the smallest \
                     resonance spacing, {widest} for ε4 = {e}; choose a smaller --width"
                );
            }
        }
        let tc_over_th = (1..=points)
            .map(|k| k as f64 / (points + 1) as f64)
            .collect();
        Ok(Self {
            tc_over_th,
            eps4,
            width,
            shape,
        })
    }
}

/// The paper's choice f_l(ε4) = 2f_c(ε4) − f_c(ε3) at one point, where physical.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PaperChoice {
    pub f_l: [f64; 4],
    /// ε̇_h in units of k_B T_h Γ/h (narrow limit).
    pub power: f64,
    /// Ṡ_l in units of k_B Γ/h (Eq. C8).
    pub entropy_rate: f64,
    /// ε̇_h/(T_h Ṡ_l) from the current sums.
    pub cop: f64,
    /// Closed form Eq. C10 (must equal `cop`).
    pub cop_eq_c10: f64,
    /// Eq. 23 as printed (comes out as −COP).
    pub cop_eq23_as_printed: f64,
    /// Power/Γ and COP by quadrature at the configured finite width, or why they are unavailable.
    pub finite_width_power_per_width: Option<f64>,
    pub finite_width_cop: Option<f64>,
    pub finite_width_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SweepPoint {
    pub tc_over_th: f64,
    pub eps4: f64,
    /// T_c/(T_h − T_c).
    pub carnot_cop: f64,
    /// T_c/(3T_h − T_c), Eq. 24.
    pub limit_cop: f64,
    pub paper: Option<PaperChoice>,
    /// Why the paper's choice is unphysical here, when it is.
    pub unphysical: Option<String>,
    /// The free parameter f_l(ε4) optimised instead of fixed.
    pub free: FreeParameter,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sweep {
    pub config: SweepConfig,
    pub points: Vec<SweepPoint>,
}

/// Runs the sweep; progress is not printed (the caller decides).
pub fn run_sweep(config: &SweepConfig) -> Result<Sweep> {
    let mut points = Vec::with_capacity(config.tc_over_th.len() * config.eps4.len());
    for &eps4 in &config.eps4 {
        for &ratio in &config.tc_over_th {
            let p = NDemonParams::paper(ratio, eps4);
            p.validate()
                .with_context(|| format!("--eps4 {eps4} at T_c/T_h = {ratio}"))?;
            let free = optimise_free_parameter(&p)?;
            let f4 = paper_f4(&p);
            let (paper, unphysical) = match narrow_demon(&p, f4) {
                Ok(d) => {
                    let finite =
                        finite_width_demon(&p, config.shape, config.width, f4, Tolerance::DEFAULT);
                    let (fw_power, fw_cop, fw_err) = match finite {
                        Ok(fw) => (Some(fw.power / config.width), Some(fw.cop), None),
                        Err(e) => (None, None, Some(format!("{e:#}"))),
                    };
                    let choice = PaperChoice {
                        f_l: d.f_l,
                        power: d.power,
                        entropy_rate: d.demon.entropy,
                        cop: d.cop,
                        cop_eq_c10: cop_eq_c10(&p, &d.f_l),
                        cop_eq23_as_printed: cop_eq23_as_printed(&p, &d.f_l),
                        finite_width_power_per_width: fw_power,
                        finite_width_cop: fw_cop,
                        finite_width_error: fw_err,
                    };
                    (Some(choice), None)
                }
                Err(e) => (None, Some(format!("{e:#}"))),
            };
            points.push(SweepPoint {
                tc_over_th: ratio,
                eps4,
                carnot_cop: p.carnot_cop(),
                limit_cop: p.limit_cop(),
                paper,
                unphysical,
                free,
            });
        }
    }
    Ok(Sweep {
        config: config.clone(),
        points,
    })
}

/// Per-ε4 digest of a sweep, for the command's summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Digest {
    pub eps4: f64,
    /// Lowest swept T_c/T_h at which the paper's choice is physical (None if nowhere).
    pub lowest_physical_tc_over_th: Option<f64>,
    /// Largest COP/(T_c/(T_h − T_c)) over the physical points; ≤ 1 by the second law.
    pub max_cop_over_bound: Option<f64>,
    pub max_power: Option<f64>,
    /// Largest |finite-width COP / narrow COP − 1| over the physical points.
    pub max_finite_width_cop_deviation: Option<f64>,
}

impl Sweep {
    pub fn digest(&self) -> Vec<Digest> {
        let fold_max = |it: &mut dyn Iterator<Item = f64>| {
            it.fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
        };
        self.config
            .eps4
            .iter()
            .map(|&eps4| {
                let physical: Vec<(&SweepPoint, &PaperChoice)> = self
                    .points
                    .iter()
                    .filter(|pt| pt.eps4 == eps4)
                    .filter_map(|pt| pt.paper.as_ref().map(|c| (pt, c)))
                    .collect();
                Digest {
                    eps4,
                    lowest_physical_tc_over_th: physical
                        .iter()
                        .map(|(pt, _)| pt.tc_over_th)
                        .reduce(f64::min),
                    max_cop_over_bound: fold_max(
                        &mut physical.iter().map(|(pt, c)| c.cop / pt.carnot_cop),
                    ),
                    max_power: fold_max(&mut physical.iter().map(|(_, c)| c.power)),
                    max_finite_width_cop_deviation: fold_max(&mut physical.iter().filter_map(
                        |(_, c)| c.finite_width_cop.map(|fw| (fw / c.cop - 1.0).abs()),
                    )),
                }
            })
            .collect()
    }

    /// One row per (ε4, T_c/T_h); empty cells where the paper's choice is unphysical.
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        writeln!(
            out,
            "tc_over_th,eps4,physical,f_l1,f_l2,f_l3,f_l4,power_gamma_over_h,entropy_rate_gamma_over_h,cop,\
             cop_eq23_as_printed,finite_width_power_per_width,finite_width_cop,carnot_cop,limit_cop,\
             free_f4_min,free_f4_max,chi_opt_f4,chi_opt_power,chi_opt_cop,max_power,cop_near_zero_power"
        )?;
        let opt = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:e}"));
        for pt in &self.points {
            let paper = match &pt.paper {
                Some(c) => format!(
                    "true,{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{},{}",
                    c.f_l[0],
                    c.f_l[1],
                    c.f_l[2],
                    c.f_l[3],
                    c.power,
                    c.entropy_rate,
                    c.cop,
                    c.cop_eq23_as_printed,
                    opt(c.finite_width_power_per_width),
                    opt(c.finite_width_cop)
                ),
                None => "false,,,,,,,,,,".to_string(),
            };
            let f = &pt.free;
            writeln!(
                out,
                "{},{},{paper},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e},{:e}",
                pt.tc_over_th,
                pt.eps4,
                pt.carnot_cop,
                pt.limit_cop,
                f.f4_range.0,
                f.f4_range.1,
                f.max_cop_times_power.f4,
                f.max_cop_times_power.power,
                f.max_cop_times_power.cop,
                f.max_power.power,
                f.cop_near_zero_power
            )?;
        }
        out.flush()?;
        Ok(())
    }
}
