//! `nanodemon theory`: seed 000's Langevin model (Lyapunov covariances) for a scenario's parameters, its
//! κ_H/κ_C sweep, its simulation in the MD run format, and the baths with memory (issue 11).

use super::{analyze::fit_baths, print_json, JSON_HELP};
use nanodemon::analysis::memory_fit::{self, FittedBaths, MemoryTheory};
use nanodemon::scenario::Scenario;
use nanodemon::theory::demon_pair::predictions::{self, TheoryReport};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct TheoryArgs {
    /// Scenario JSON file.
    scenario: PathBuf,
    /// κ_H/κ_C to predict for (repeatable); default: the scenario's own κ_H.
    #[arg(long = "kappa-ratio", allow_negative_numbers = true)]
    kappa_ratio: Vec<f64>,
    /// Friction coefficient γ of both nanoparticles, kg/s (seed 000: 3.5e-12).
    #[arg(long, default_value_t = predictions::PAPER_FRICTION_KG_PER_S)]
    friction_kg_per_s: f64,
    /// Also write a log-spaced sweep over κ_H/κ_C to this CSV file.
    #[arg(long)]
    sweep_csv: Option<PathBuf>,
    /// Sweep range MIN:MAX:POINTS of κ_H/κ_C.
    #[arg(long, default_value = "0.01:100:200")]
    sweep: String,
    /// Also simulate the Langevin model for the scenario (its production length and sampling) and
    /// write DIR/heat.csv + DIR/run.json in the MD run format, for `nanodemon analyze`; with
    /// --kappa-ratio, one run directory per ratio under DIR (a sweep).
    #[arg(long)]
    langevin_out: Option<PathBuf>,
    /// Time step of the Langevin simulation, ps.
    #[arg(long, default_value_t = 0.01)]
    langevin_dt_ps: f64,
    /// Also predict with baths with memory fitted from this equilibrium run directory (issue 11);
    /// with --sweep-csv FILE.csv the memory sweep goes to FILE.memory.csv.
    #[arg(long)]
    bath_from: Option<PathBuf>,
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

/// Baths fitted from the equilibrium run and the predictions with them, one per ratio.
type Memory = (FittedBaths, Vec<MemoryTheory>);

impl TheoryArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let ratios = &self.kappa_ratio;
        let memory = self
            .bath_from
            .as_deref()
            .map(|eq| memory_theory(&self.scenario, eq, ratios))
            .transpose()?;
        let sc = Scenario::load(&self.scenario)?;
        let report = predictions::theory_report(&sc, self.friction_kg_per_s, ratios)?;
        let sweep_rows = match &self.sweep_csv {
            Some(path) => Some(write_sweeps(
                &sc,
                &report,
                &self.sweep,
                path,
                memory.as_ref(),
            )?),
            None => None,
        };
        let mut langevin_dirs = Vec::new();
        if let Some(dir) = &self.langevin_out {
            eprintln!(
                "simulating the Langevin model for {} ps into {}",
                sc.run.production_ps,
                dir.display()
            );
            langevin_dirs = nanodemon::analysis::run_dir::write_langevin_runs(
                dir,
                &sc,
                &report.model,
                ratios,
                self.langevin_dt_ps,
            )?;
        }
        if self.json {
            let mut v = serde_json::to_value(&report)?;
            v["sweep_csv"] = serde_json::json!(self.sweep_csv.map(|p| p.display().to_string()));
            v["sweep_rows"] = serde_json::json!(sweep_rows);
            v["langevin_runs"] = serde_json::json!(langevin_dirs
                .iter()
                .map(|d| d.display().to_string())
                .collect::<Vec<_>>());
            if let Some((baths, points)) = &memory {
                v["memory"] = serde_json::json!({"baths": baths, "points": points});
            }
            print_json(&v);
            return Ok(());
        }
        print_report(&report);
        if let Some((baths, points)) = &memory {
            print_memory_theory(baths, points);
        }
        Ok(())
    }
}

/// `--sweep-csv`: the Markov sweep over `range` (MIN:MAX:POINTS) to `path`, and with `--bath-from` the memory
/// sweep to PATH.memory.csv; returns the Markov sweep's row count.
fn write_sweeps(
    sc: &Scenario,
    report: &TheoryReport,
    range: &str,
    path: &Path,
    memory: Option<&Memory>,
) -> anyhow::Result<usize> {
    let (min, max, n) = predictions::parse_sweep(range)?;
    let points = predictions::sweep(
        &report.model,
        report.axes,
        sc.run.sample_interval_ps,
        min,
        max,
        n,
    )?;
    predictions::write_sweep_csv(&points, path)?;
    eprintln!("wrote {} sweep rows to {}", points.len(), path.display());
    if let Some((baths, _)) = memory {
        let mem_path = path.with_extension("memory.csv");
        let rows = memory_fit::write_memory_sweep_csv(sc, baths, (min, max, n), &mem_path)?;
        eprintln!(
            "wrote {rows} memory-bath sweep rows to {}",
            mem_path.display()
        );
    }
    Ok(points.len())
}

/// `theory` text: the model, the optimum and one line per κ_H/κ_C.
fn print_report(report: &TheoryReport) {
    println!(
        "{}: m = {:.1} amu, γ = {:.3e} kg/s, {} driven axes; pseudo-equilibrium at κ_H/κ_C = {:.4}, Carnot COP {:.3}",
        report.scenario, report.model.mass_amu, report.friction_kg_per_s, report.axes, report.pseudo_equilibrium_ratio, report.cop_carnot
    );
    if let Some(r) = report.max_extraction_ratio {
        println!("maximal heat extraction from the cold bath at κ_H/κ_C = {r:.5}");
    }
    println!(
        "{:>10} {:>13} {:>13} {:>13} {:>13} {:>8} {:>11} {:>11}",
        "κ_H/κ_C", "Q̇_C eV/ps", "Q̇_H eV/ps", "Ẇ eV/ps", "Ṡ k_B/ps", "COP", "Var/⟨Ẇ⟩²", "TUR bound"
    );
    for p in &report.points {
        println!(
            "{:>10.4} {:>13.4e} {:>13.4e} {:>13.4e} {:>13.4e} {:>8} {:>11.4e} {:>11.4e}  {:?}",
            p.kappa_ratio,
            p.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            p.power_ev_per_ps,
            p.entropy_production_kb_per_ps,
            p.cop
                .map(|c| format!("{c:.3}"))
                .unwrap_or_else(|| "-".into()),
            p.relative_uncertainty_total,
            p.tur_bound,
            p.regime
        );
    }
}

/// `theory --bath-from`: baths fitted from the equilibrium run and the predictions with them.
fn memory_theory(scenario: &Path, eq: &Path, ratios: &[f64]) -> anyhow::Result<Memory> {
    let sc = Scenario::load(scenario)?;
    let baths = fit_baths(eq)?;
    let kc = sc.controller.kappa_cold_ev_per_a2;
    let points = if ratios.is_empty() {
        vec![memory_fit::memory_theory(&sc, &baths, None)?]
    } else {
        ratios
            .iter()
            .map(|r| memory_fit::memory_theory(&sc, &baths, Some(r * kc)))
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    Ok((baths, points))
}

/// `theory --bath-from` text: the fitted baths and the memory predictions.
fn print_memory_theory(baths: &FittedBaths, points: &[MemoryTheory]) {
    print_fitted_baths(baths);
    println!(
        "{:>10} {:>22} {:>22} {:>12} {:>12}",
        "κ_H/κ_C", "Q̇_C eV/ps", "Q̇_H eV/ps", "T_kin,C K", "T_kin,H K"
    );
    for m in points {
        let (p, e) = (&m.point, &m.errors);
        println!(
            "{:>10.4} {:>12.4e} ± {:.1e} {:>12.4e} ± {:.1e} {:>7.1} ± {:.1} {:>7.1} ± {:.1}  {:?} (memory)",
            p.kappa_ratio,
            p.heat_rate_cold_ev_per_ps,
            e.heat_rate_cold_ev_per_ps,
            p.heat_rate_hot_ev_per_ps,
            e.heat_rate_hot_ev_per_ps,
            p.kinetic_temperature_cold_k,
            e.kinetic_temperature_cold_k,
            p.kinetic_temperature_hot_k,
            e.kinetic_temperature_hot_k,
            p.regime
        );
        if let (Some(c), Some(ce)) = (p.cop, e.cop) {
            println!("{:>10} COP {c:.3} ± {ce:.3}", "");
        }
        for (name, r, ge, me) in [
            (
                "cold",
                &p.probe_cold,
                e.probe_cold_gamma_re_amu_per_ps,
                e.probe_cold_added_mass_amu,
            ),
            (
                "hot",
                &p.probe_hot,
                e.probe_hot_gamma_re_amu_per_ps,
                e.probe_hot_added_mass_amu,
            ),
        ] {
            println!(
                "{:>10} {name} particle held at ω = {:.4}/ps: Re γ = {:.4e} ± {ge:.1e} amu/ps, m_add = {:.4e} ± {me:.1e} amu",
                "", r.omega_per_ps, r.gamma_re_amu_per_ps, r.added_mass_amu
            );
        }
    }
}

/// The fitted baths: model, parameters with errors, and the response at the probed frequencies.
fn print_fitted_baths(baths: &FittedBaths) {
    for (name, f) in [("cold", &baths.cold), ("hot", &baths.hot)] {
        println!(
            "{name} bath from {} ({}, {} blocks): {}",
            baths.run, baths.source, baths.blocks, f.model
        );
        for p in &f.parameters {
            println!("    {:<30} {:>12.4e} ± {:.2e}", p.name, p.value, p.error);
        }
        for r in &f.responses {
            println!(
                "    ω = {:.4} /ps: Re γ = {:.4e} ± {:.1e} amu/ps ({:.3e} kg/s), m_add = {:.4e} ± {:.1e} amu",
                r.omega_per_ps,
                r.gamma_re_amu_per_ps,
                r.gamma_re_error,
                r.gamma_re_kg_per_s,
                r.added_mass_amu,
                r.added_mass_error
            );
        }
    }
}
