//! `nanodemon analyze`: a run directory, or a directory of them (a κ_H sweep), beside the theory for the
//! runs' own parameters, with optional figures and baths with memory (issue 11).

use super::{plots_dir, print_json, JSON_HELP};
use nanodemon::analysis::memory_fit::{FittedBaths, MemoryTheory};
use nanodemon::analysis::report::{self, Compared, RunAnalysis};
use nanodemon::analysis::{fit::Estimate, run_dir::RunDir, sweep};
use std::path::{Path, PathBuf};

/// A run's memory-bath theory beside its measured kinetic temperatures, by run directory.
type MemoryByRun = Vec<(String, MemoryTheory, [Estimate; 2])>;

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Run directory, or a directory whose subdirectories are run directories.
    dir: PathBuf,
    /// Friction for the theory, kg/s; default: estimated from an equilibrium/drag run, else 3.5e-12.
    #[arg(long)]
    friction_kg_per_s: Option<f64>,
    /// Number of contiguous blocks for the error bars.
    #[arg(long, default_value_t = 20)]
    blocks: usize,
    /// Write the figures (SVG, each with the CSV of what it draws) into PLOTS_DIR, by default DIR/figures.
    #[arg(long, value_name = "PLOTS_DIR", num_args = 0..=1)]
    pub(super) plots: Option<Option<PathBuf>>,
    /// Also compare with baths with memory fitted from this equilibrium run directory (issue 11);
    /// --json puts the predictions under theory.memory.
    #[arg(long)]
    bath_from: Option<PathBuf>,
    #[arg(long, help = JSON_HELP)]
    json: bool,
}

impl AnalyzeArgs {
    pub fn execute(self) -> anyhow::Result<()> {
        let opts = report::Options {
            friction_kg_per_s: self.friction_kg_per_s,
            blocks: self.blocks,
            ..Default::default()
        };
        let dir = &self.dir;
        let plots = plots_dir(self.plots, || dir.join("figures"));
        let baths = self.bath_from.as_deref().map(fit_baths).transpose()?;
        let (mut value, runs) = analyses(dir, &opts, plots.as_deref(), baths.as_ref())?;
        let memory = match &baths {
            Some(b) => attach_memory_theory(&mut value, dir, b)?,
            None => vec![],
        };
        if self.json {
            print_json(&value);
            return Ok(());
        }
        for a in &runs {
            print_analysis(a);
            if let Some((_, m, md)) = memory.iter().find(|m| m.0 == a.dir) {
                print_memory_comparison(a, m, md);
            }
        }
        if let Some(figs) = value["figures"].as_array().filter(|f| !f.is_empty()) {
            println!(
                "figures: {}",
                figs.iter()
                    .filter_map(|f| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        Ok(())
    }
}

/// The analysis of a run or of a sweep, as the JSON `analyze --json` prints and one entry per run, with the
/// figures drawn into `plots`.
fn analyses(
    dir: &Path,
    opts: &report::Options,
    plots: Option<&Path>,
    baths: Option<&FittedBaths>,
) -> anyhow::Result<(serde_json::Value, Vec<RunAnalysis>)> {
    use nanodemon::analysis::figures;
    if sweep::is_run_dir(dir) {
        let run = RunDir::load(dir)?;
        let a = report::analyze_run(&run, opts)?;
        let figures = match plots {
            Some(out) => figures::run_figures(&run, &a, baths, out)?,
            None => vec![],
        };
        let value = serde_json::json!({"kind": "run", "analysis": a, "figures": figures});
        Ok((value, vec![a]))
    } else {
        let (runs, analyses) = sweep::analyze_sweep(dir, opts)?;
        let figures = match plots {
            Some(out) => figures::sweep_figures(&runs, &analyses, baths, out)?,
            None => vec![],
        };
        let value = serde_json::json!({"kind": "sweep", "runs": analyses, "figures": figures});
        Ok((value, analyses))
    }
}

/// One measured rate ± error beside its theory and z score.
fn show(name: &str, c: &Compared) {
    let theory = c
        .theory
        .map(|t| format!("{t:>12.4e}"))
        .unwrap_or_else(|| format!("{:>12}", "-"));
    let z = c.z_score.map(|z| format!("{z:>7.2}")).unwrap_or_default();
    println!(
        "  {name:<26} {:>12.4e} ± {:<10.2e} theory {theory} z {z}",
        c.measured, c.error
    );
}

/// `analyze` text of one run: header, rates, heat-rate estimators, checks, fluctuations, friction.
fn print_analysis(a: &RunAnalysis) {
    println!(
        "{} ({}): {} samples over {:.0} ps, κ_H/κ_C = {}, γ = {:.3e} kg/s ({}), {} blocks of {:.0} ps",
        a.dir,
        a.scenario,
        a.samples,
        a.duration_ps,
        a.kappa_ratio.map(|r| format!("{r:.4}")).unwrap_or_else(|| "-".into()),
        a.friction_kg_per_s,
        a.friction_source,
        a.blocks,
        a.block_length_ps
    );
    print_rates(&a.rates);
    if let Some(h) = &a.heat_rates {
        print_heat_rates(h);
    }
    if let Some(c) = &a.checks {
        print_heat_checks(c);
    }
    if let Some(p) = &a.power {
        show("Var/⟨Ẇ_C⟩²", &p.relative_uncertainty_cold);
        show("Var/⟨Ẇ_H⟩²", &p.relative_uncertainty_hot);
        show("Var/⟨Ẇ⟩²", &p.relative_uncertainty_total);
        show("TUR bound 2/(Ṡ Δt)", &p.tur_bound);
    }
    if let Some(c) = &a.stochastic_cop {
        println!(
            "  stochastic COP tail exponent {:.2} ± {:.2} (seed 000: 2)",
            c.tail_exponent.value, c.tail_exponent.error
        );
    }
    print_friction(a);
}

/// `analyze` text: the rates of the ledger beside theory.
fn print_rates(r: &report::Rates) {
    show("Q̇_C bath (eV/ps)", &r.heat_cold_ev_per_ps);
    show("Q̇_H bath (eV/ps)", &r.heat_hot_ev_per_ps);
    show("Q̇_C thermostat (eV/ps)", &r.thermostat_cold_ev_per_ps);
    show("Q̇_H thermostat (eV/ps)", &r.thermostat_hot_ev_per_ps);
    show("Ẇ_C (eV/ps)", &r.work_cold_ev_per_ps);
    show("Ẇ_H (eV/ps)", &r.work_hot_ev_per_ps);
    show("Ẇ (eV/ps)", &r.power_ev_per_ps);
    show("Ẇ − Q̇_C − Q̇_H (eV/ps)", &r.first_law_residual_ev_per_ps);
    show("Ṡ_tot (k_B/ps)", &r.entropy_production_kb_per_ps);
    if let Some(c) = &r.cop {
        show("COP", c);
    }
}

/// `analyze` text: every friction estimate, with its stationarity check.
fn print_friction(a: &RunAnalysis) {
    for f in &a.friction_estimates {
        println!(
            "  friction ({}): {:.3e} ± {:.1e} kg/s",
            f.method, f.gamma_kg_per_s.value, f.gamma_kg_per_s.error
        );
        if let Some(st) = &f.stationarity {
            println!(
                "    velocity trend {:+.2e} ± {:.1e} Å/ps² (z {:.1}); second half {:.3e} ± {:.1e} kg/s, systematic {:.1e} kg/s",
                st.velocity_trend_a_per_ps2,
                st.velocity_trend_error,
                st.velocity_trend_z,
                st.gamma_second_half_kg_per_s.value,
                st.gamma_second_half_kg_per_s.error,
                st.systematic_kg_per_s
            );
        }
    }
}

/// `analyze` text: every heat-rate estimator of each bath with its error, resolution and z against theory.
fn print_heat_rates(h: &report::HeatRates) {
    use nanodemon::analysis::heat_rate::RateEstimate;
    println!("  heat rates (eV/ps; σ = resolution |Q̇|/error; z against theory):");
    for (bath, b) in [("Q̇_C", &h.cold), ("Q̇_H", &h.hot)] {
        let line = |name: &str, e: &RateEstimate| {
            let z = e.z_score.map(|z| format!("z {z:>7.2}")).unwrap_or_default();
            println!(
                "    {bath} {name:<34} {:>12.4e} ± {:<10.2e} {:>6.1} σ  {z}",
                e.rate_ev_per_ps, e.error_ev_per_ps, e.resolution_sigma
            );
        };
        line("ledger, 20-block error", &b.ledger_block);
        line("ledger, diffusive + bounded error", &b.ledger);
        if let Some(p) = &b.particle {
            line("q_particle", p);
        }
        if let Some(c) = &b.combined {
            line("combined", c);
        }
        if let (Some(s), Some(a)) = (
            b.ledger_minus_particle_sigma,
            b.ledger_minus_particle_saturation_ev2,
        ) {
            println!(
                "    {bath} ledger − q_particle: rate at {s:.1} σ, structure function saturates at {a:.3} eV²"
            );
        }
        println!(
            "    {bath} preferred: {} ({})",
            b.preferred, b.preferred_because
        );
    }
}

/// Fits the baths with memory of an equilibrium run (`--bath-from`), with progress on stderr.
pub(super) fn fit_baths(dir: &Path) -> anyhow::Result<FittedBaths> {
    use nanodemon::analysis::memory_fit;
    eprintln!("fitting baths with memory to {}", dir.display());
    let run = RunDir::load(dir)?;
    memory_fit::fit_run(&run, &memory_fit::FitOptions::default())
}

/// Puts the memory-bath predictions for each analysed run under its `theory.memory` and returns them
/// by run directory; runs without a Markov theory (drag, equilibrium) are left alone.
fn attach_memory_theory(
    value: &mut serde_json::Value,
    dir: &Path,
    baths: &FittedBaths,
) -> anyhow::Result<MemoryByRun> {
    use nanodemon::analysis::memory_fit;
    let mut out = Vec::new();
    let entries: Vec<&mut serde_json::Value> = if value["kind"] == "run" {
        vec![&mut value["analysis"]]
    } else {
        value["runs"]
            .as_array_mut()
            .map(|a| a.iter_mut().collect())
            .unwrap_or_default()
    };
    for entry in entries {
        if !entry["theory"].is_object() {
            continue;
        }
        let run_dir = entry["dir"].as_str().unwrap_or_default().to_string();
        let path = if run_dir.is_empty() {
            dir.to_path_buf()
        } else {
            PathBuf::from(&run_dir)
        };
        let run = RunDir::load(&path)?;
        let m = memory_fit::memory_theory(&run.scenario, baths, None)?;
        entry["theory"]["memory"] = serde_json::to_value(&m)?;
        let blocks = entry["blocks"].as_u64().unwrap_or(20) as usize;
        let measured = memory_fit::measured_kinetic_temperatures(&run, blocks)?;
        entry["theory"]["memory"]["md_kinetic_temperature_cold_k"] =
            serde_json::to_value(measured[0])?;
        entry["theory"]["memory"]["md_kinetic_temperature_hot_k"] =
            serde_json::to_value(measured[1])?;
        out.push((run_dir, m, measured));
    }
    value["memory_baths"] = serde_json::to_value(baths)?;
    Ok(out)
}

/// `analyze --bath-from` text: the run's rates and kinetic temperatures beside the memory-bath theory.
fn print_memory_comparison(a: &RunAnalysis, m: &MemoryTheory, md: &[Estimate; 2]) {
    println!(
        "  memory theory (baths from {}: cold {}, hot {}):",
        m.bath_from, m.bath_model_cold, m.bath_model_hot
    );
    print_memory_rates(a, m);
    print_memory_temperatures(m, md);
}

/// The measured heat rates, power, entropy production and Var/⟨Ẇ⟩² beside the memory-bath theory, z scores
/// with both errors.
fn print_memory_rates(a: &RunAnalysis, m: &MemoryTheory) {
    let (p, e) = (&m.point, &m.errors);
    // Heat rates: the estimator analyze prefers (q_particle with its diffusive + bounded error when written),
    // else the ledger with its block error.
    let heat = |b: Option<&nanodemon::analysis::heat_rate::BathHeatRates>, c: &Compared| {
        b.map(|b| {
            let r = b.best();
            (r.rate_ev_per_ps, r.error_ev_per_ps)
        })
        .unwrap_or((c.measured, c.error))
    };
    let hr = a.heat_rates.as_ref();
    let pair = |c: &Compared| (c.measured, c.error);
    for (name, (measured, error), theory, terr) in [
        (
            "Q̇_C (eV/ps)",
            heat(hr.map(|h| &h.cold), &a.rates.heat_cold_ev_per_ps),
            p.heat_rate_cold_ev_per_ps,
            e.heat_rate_cold_ev_per_ps,
        ),
        (
            "Q̇_H (eV/ps)",
            heat(hr.map(|h| &h.hot), &a.rates.heat_hot_ev_per_ps),
            p.heat_rate_hot_ev_per_ps,
            e.heat_rate_hot_ev_per_ps,
        ),
        (
            "Ẇ (eV/ps)",
            pair(&a.rates.power_ev_per_ps),
            p.power_ev_per_ps,
            e.power_ev_per_ps,
        ),
        (
            "Ṡ_tot (k_B/ps)",
            pair(&a.rates.entropy_production_kb_per_ps),
            p.entropy_production_kb_per_ps,
            e.entropy_production_kb_per_ps,
        ),
    ]
    .into_iter()
    .chain(a.power.as_ref().map(|pw| {
        (
            "Var/⟨Ẇ⟩²",
            pair(&pw.relative_uncertainty_total),
            p.relative_uncertainty_total,
            e.relative_uncertainty_total,
        )
    })) {
        let z = (measured - theory) / (error * error + terr * terr).sqrt();
        println!(
            "    {name:<24} {measured:>12.4e} ± {error:<10.2e} memory {theory:>12.4e} ± {terr:<9.2e} z {z:>7.2}"
        );
    }
}

/// The measured kinetic temperatures m⟨V²⟩/k_B of both particles beside the memory-bath theory.
fn print_memory_temperatures(m: &MemoryTheory, md: &[Estimate; 2]) {
    let (p, e) = (&m.point, &m.errors);
    for (name, md, theory, terr) in [
        (
            "cold",
            &md[0],
            p.kinetic_temperature_cold_k,
            e.kinetic_temperature_cold_k,
        ),
        (
            "hot",
            &md[1],
            p.kinetic_temperature_hot_k,
            e.kinetic_temperature_hot_k,
        ),
    ] {
        let z = (md.value - theory) / (md.error * md.error + terr * terr).sqrt();
        println!(
            "    m⟨V²⟩/k_B {name:<4} (K)          {:>12.1} ± {:<10.1} memory {theory:>12.1} ± {terr:<9.1} z {z:>7.2}",
            md.value, md.error
        );
    }
}

/// `analyze` text: the stationary identity and the first law per particle, deviations in σ.
fn print_heat_checks(c: &report::HeatChecks) {
    for i in &c.stationary_identity {
        println!(
            "  Q̇_H/Q̇_C = −κ_H/κ_C ({}): {:.4} ± {:.4} vs {:.4}, deviation {:.2} σ ({:.2} σ of a bounded series)",
            i.heat,
            i.ratio_measured,
            i.ratio_error,
            i.ratio_expected,
            i.deviation_sigma,
            i.deviation_sigma_bounded
        );
    }
    if let Some(d) = &c.integrator_drift {
        println!(
            "  Σ(ledger − q_particle) drifts {:.2e} ± {:.1e} eV/ps, conserved quantity {:.2e} eV/ps: {:.2} σ apart",
            d.ledger_minus_particle_drift_ev_per_ps,
            d.ledger_minus_particle_error_ev_per_ps,
            d.conserved_drift_ev_per_ps,
            d.difference_sigma
        );
    }
    for (name, law) in [("cold", &c.first_law_cold), ("hot", &c.first_law_hot)] {
        if let Some(l) = law {
            println!(
                "  first law, {name} particle: Ẇ − Q̇_particle = {:.2e} ± {:.1e} eV/ps ({:.2} σ; {:.2} σ of a bounded series); W − q − ΔE drifts {:.2} σ, max |W − q − ΔE| {:.3} eV (rms ΔE {:.3} eV)",
                l.work_minus_heat_rate_ev_per_ps,
                l.work_minus_heat_error_ev_per_ps,
                l.deviation_sigma,
                l.deviation_sigma_bounded,
                l.closure_drift_sigma,
                l.closure_max_abs_ev,
                l.particle_energy_change_rms_ev
            );
        }
    }
}
