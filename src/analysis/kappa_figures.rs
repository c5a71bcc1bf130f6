//! Seed 000's Figs. 3, 4 and 6 against κ_H/κ_C — the one code path for κ-axis figures, used by
//! `analyze` on a directory of runs and by `sweep collect`: each run's rates, COP and power
//! statistics (points, ±1 block standard error) beside the Langevin theory for the runs' own
//! parameters on a dense κ grid (lines), the refrigerator regime κ_H/κ_C > T_H/T_C (Eq. 6) shaded.
//! With baths with memory fitted from an equilibrium run (`--bath-from`, issue 11), the same
//! quantities of the extended linear system ([`super::memory_fit::memory_theory`]) are drawn beside
//! the Markov lines, dashed, and written to the CSV as their own series.

use super::memory_fit::{memory_theory, FittedBaths, MemoryErrors, MemoryTheory};
use super::report::{Compared, PowerStats, RunAnalysis};
use crate::plot::axis::scientific;
use crate::plot::axis::AxisSpec;
use crate::plot::figure::{Dash, Figure, Mark, Panel, Pt, Series};
use crate::plot::{BLACK, BLUE, GREEN, SIMULATION_AND_THEORY, SKY, VERMILLION};
use crate::scenario::Scenario;
use crate::theory::demon_pair::predictions::{sweep, TheoryPoint};
use crate::theory::demon_pair::DemonPair;
use crate::theory::memory::pair::MemoryPoint;
use anyhow::{bail, Result};
use plotters::style::RGBColor;
use std::path::Path;

/// Theory points on the κ axis.
const DENSE: usize = 400;
/// Memory-bath points on the κ axis: each costs the Lyapunov solution of the extended system for the
/// fit and its jackknife replicas, and the curve is as smooth as the Markov one at this density.
const DENSE_MEMORY: usize = 120;
/// A COP is drawn only where the power is resolved, |Ẇ| ≥ this many standard errors: COP = −Q̇_C/Ẇ
/// is meaningless where Ẇ is compatible with zero (one point of a test sweep gave COP ≈ 12,600).
pub const COP_MIN_POWER_Z: f64 = 2.0;

/// One quantity of a panel: its label, colour, measured value of a run and theory value.
struct Quantity {
    label: &'static str,
    colour: RGBColor,
    measured: fn(&RunAnalysis) -> Option<Compared>,
    theory: fn(&TheoryPoint) -> Option<f64>,
    memory: fn(&MemoryPoint) -> Option<f64>,
    /// Jackknife error of the memory prediction (the band drawn around its line).
    memory_error: fn(&MemoryErrors) -> f64,
}

/// The baths with memory a sweep's scenario is predicted with (`--bath-from`).
pub struct MemoryBaths<'a> {
    /// Any run of the sweep: the memory curve varies its κ_H only.
    pub scenario: &'a Scenario,
    pub baths: &'a FittedBaths,
}

/// The theory lines of a κ-axis figure: Markov always, the bath with memory when fitted.
struct Theory {
    markov: Vec<TheoryPoint>,
    /// Legend text of the Markov lines when the memory lines are drawn beside them.
    markov_label: Option<String>,
    /// Memory-bath predictions with jackknife errors (None where the extended system has no
    /// stationary state) and their legend text.
    memory: Option<(Vec<MemoryAt>, String)>,
}

/// A memory-bath prediction at one κ_H/κ_C.
type MemoryAt = (f64, Option<MemoryTheory>);

impl Theory {
    fn new(
        markov: Vec<TheoryPoint>,
        memory: Option<&MemoryBaths>,
        (x0, x1): (f64, f64),
        friction_kg_per_s: f64,
    ) -> Result<Theory> {
        let Some(m) = memory else {
            return Ok(Theory {
                markov,
                markov_label: None,
                memory: None,
            });
        };
        let kc = m.scenario.controller.kappa_cold_ev_per_a2;
        // The scenario's own κ_H first: a mismatch of system (mass, temperature, liquid) is an
        // error naming the field, not a silently empty curve.
        memory_theory(m.scenario, m.baths, None)?;
        let points = (0..DENSE_MEMORY)
            .map(|i| x0 * (x1 / x0).powf(i as f64 / (DENSE_MEMORY - 1) as f64))
            .map(|r| (r, memory_theory(m.scenario, m.baths, Some(r * kc)).ok()))
            .collect();
        Ok(Theory {
            markov,
            markov_label: Some(markov_label(friction_kg_per_s)),
            memory: Some((points, memory_label(m.baths))),
        })
    }
}

/// Legend text of a Markov theory line drawn beside a memory-bath one.
pub(crate) fn markov_label(friction_kg_per_s: f64) -> String {
    format!(
        "theory, Markov γ = {} kg/s",
        scientific(friction_kg_per_s, 4)
    )
}

/// Legend text of a memory-bath theory line: the equilibrium run its kernels were fitted from.
pub(crate) fn memory_label(baths: &FittedBaths) -> String {
    let run = std::path::Path::new(&baths.run)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| baths.run.clone());
    format!("theory, bath with memory (fitted from {run})")
}

/// The κ_H/κ_C axis: log, from 0.1 (or below the smallest ratio) to 10 (or above the largest).
fn kappa_axis(ratios: &[f64]) -> AxisSpec {
    let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = ratios.iter().copied().fold(0.0, f64::max);
    let lo = 10f64.powf((lo / 1.3).log10().floor()).min(0.1);
    let hi = 10f64.powf((hi * 1.3).log10().ceil()).max(10.0);
    AxisSpec::log("κ_H/κ_C", None).with_range(lo, hi)
}

fn series_of(q: &Quantity, analyses: &[RunAnalysis], theory: &Theory) -> Vec<Series> {
    let points = analyses
        .iter()
        .filter_map(|a| {
            let c = (q.measured)(a)?;
            Some(Pt::with_err(a.kappa_ratio?, c.measured, c.error))
        })
        .collect();
    let line = theory
        .markov
        .iter()
        .map(|t| Pt::new(t.kappa_ratio, (q.theory)(t).unwrap_or(f64::NAN)))
        .collect();
    let markov_label = match &theory.markov_label {
        Some(l) => format!("{}: {l}", q.label),
        None => q.label.to_string(),
    };
    let mut out = vec![
        Series::new(q.label, "simulation", Mark::points(q.colour), points),
        Series::new(&markov_label, "theory", Mark::line(q.colour), line),
    ];
    if let Some((memory, label)) = &theory.memory {
        let at = |sign: f64| -> Vec<Pt> {
            memory
                .iter()
                .map(|(r, m)| {
                    let y = m.as_ref().and_then(|m| {
                        Some((q.memory)(&m.point)? + sign * (q.memory_error)(&m.errors))
                    });
                    Pt::new(*r, y.unwrap_or(f64::NAN))
                })
                .collect()
        };
        out.push(Series::new(
            &format!("{}: {label}", q.label),
            "theory (bath with memory)",
            memory_mark(q.colour),
            at(0.0),
        ));
        out.extend(jackknife_band(q.label, q.colour, [at(-1.0), at(1.0)]));
    }
    out
}

/// The memory-bath lines: dashed in the quantity's colour, beside the solid Markov line.
fn memory_mark(colour: RGBColor) -> Mark {
    Mark::Line {
        colour,
        dash: Dash::Dashed,
        width: 2,
    }
}

/// The memory line ± its jackknife error over the blocks of the equilibrium run (the error of the
/// fitted kernels), thin dotted lines under one legend entry.
fn jackknife_band(label: &str, colour: RGBColor, [lower, upper]: [Vec<Pt>; 2]) -> [Series; 2] {
    let name = format!("{label}: bath with memory ± 1 jackknife σ");
    let mark = Mark::Line {
        colour,
        dash: Dash::Dotted,
        width: 1,
    };
    [
        Series::new(&name, "theory (bath with memory) − σ", mark, lower),
        Series::new(&name, "theory (bath with memory) + σ", mark, upper),
    ]
}

fn band(pseudo: f64, hi: f64) -> Series {
    Series::new(
        "refrigerator regime κ_H/κ_C > T_H/T_C (Eq. 6)",
        "reference",
        Mark::Band { colour: SKY },
        vec![Pt::new(pseudo, 0.0), Pt::new(hi, 0.0)],
    )
}

fn panel(
    title: &str,
    x: &AxisSpec,
    y: AxisSpec,
    quantities: &[Quantity],
    analyses: &[RunAnalysis],
    theory: &Theory,
    pseudo: f64,
) -> Panel {
    let mut series = vec![band(pseudo, x.range.expect("κ axis has a range").1)];
    for q in quantities {
        series.extend(series_of(q, analyses, theory));
    }
    Panel::new(title, x.clone(), y, series)
}

fn power(a: &RunAnalysis, f: fn(&PowerStats) -> Compared) -> Option<Compared> {
    a.power.as_ref().map(f)
}

/// Writes fig3_rates_entropy_power, fig4_cop and fig6_uncertainty_tur (SVG + CSV) into `out` for
/// runs that differ in κ_H only, with the theory of `model` (the runs' parameters and friction) and,
/// when given, of the baths with memory; returns the SVG paths.
pub fn kappa_figures(
    analyses: &[RunAnalysis],
    model: &DemonPair,
    memory: Option<&MemoryBaths>,
    axes: usize,
    out: &Path,
) -> Result<Vec<String>> {
    let ratios: Vec<f64> = analyses.iter().filter_map(|a| a.kappa_ratio).collect();
    if ratios.is_empty() || ratios.iter().any(|r| r.is_nan() || *r <= 0.0) {
        bail!("κ-axis figures need runs with κ_H/κ_C > 0");
    }
    let x = kappa_axis(&ratios);
    let (x0, x1) = x.range.expect("set");
    let dt = analyses[0].sample_interval_ps;
    let theory = Theory::new(
        sweep(model, axes, dt, x0, x1, DENSE)?,
        memory,
        (x0, x1),
        analyses[0].friction_kg_per_s,
    )?;
    let pseudo = model.t_hot_k / model.t_cold_k;
    let friction = format!(
        "Theory: seed 000's Langevin model at γ = {:.4} × 10⁻¹² kg/s, {axes} driven axes, T_C = {} K, T_H = {} K.",
        analyses[0].friction_kg_per_s * 1e12,
        model.t_cold_k,
        model.t_hot_k
    );
    let statement = match &theory.memory {
        Some((_, label)) => format!("{SIMULATION_AND_THEORY} {friction} Dashed: {label}, the generalised Langevin model with the kernels fitted to the equilibrium autocorrelations (issue 11), at the same Δt and axes."),
        None => format!("{SIMULATION_AND_THEORY} {friction}"),
    };
    // Each is written before the next is built, so one that fails leaves the earlier ones on disk.
    let svg =
        |figure: Figure| -> Result<String> { Ok(figure.render(out)?.svg.display().to_string()) };
    Ok(vec![
        svg(rates_figure(analyses, &x, &theory, pseudo, &statement))?,
        svg(cop_figure(
            analyses, model, &x, &theory, pseudo, &statement,
        )?)?,
        svg(uncertainty_figure(
            analyses, &x, &theory, pseudo, &statement, dt,
        ))?,
    ])
}

/// Fig. 3: heat rates into each bath, entropy production and demon power against κ_H/κ_C.
fn rates_figure(
    analyses: &[RunAnalysis],
    x: &AxisSpec,
    theory: &Theory,
    pseudo: f64,
    statement: &str,
) -> Figure {
    let heat = [
        Quantity {
            label: "Q̇_C (cold bath)",
            colour: BLUE,
            measured: |a| Some(a.rates.heat_cold_ev_per_ps),
            theory: |t| Some(t.heat_rate_cold_ev_per_ps),
            memory: |t| Some(t.heat_rate_cold_ev_per_ps),
            memory_error: |e| e.heat_rate_cold_ev_per_ps,
        },
        Quantity {
            label: "Q̇_H (hot bath)",
            colour: VERMILLION,
            measured: |a| Some(a.rates.heat_hot_ev_per_ps),
            theory: |t| Some(t.heat_rate_hot_ev_per_ps),
            memory: |t| Some(t.heat_rate_hot_ev_per_ps),
            memory_error: |e| e.heat_rate_hot_ev_per_ps,
        },
    ];
    let entropy = [Quantity {
        label: "Ṡ_tot",
        colour: BLACK,
        measured: |a| Some(a.rates.entropy_production_kb_per_ps),
        theory: |t| Some(t.entropy_production_kb_per_ps),
        memory: |t| Some(t.entropy_production_kb_per_ps),
        memory_error: |e| e.entropy_production_kb_per_ps,
    }];
    let power_q = [Quantity {
        label: "Ẇ = Ẇ_C + Ẇ_H",
        colour: GREEN,
        measured: |a| Some(a.rates.power_ev_per_ps),
        theory: |t| Some(t.power_ev_per_ps),
        memory: |t| Some(t.power_ev_per_ps),
        memory_error: |e| e.power_ev_per_ps,
    }];
    Figure {
        stem: "fig3_rates_entropy_power".into(),
        title: "Heat into each bath (Q > 0: from the particle into the bath), entropy production and demon power against κ_H/κ_C".into(),
        statement: statement.to_string(),
        double_column: false,
        columns: 1,
        panel_height: 430,
        panels: vec![
            panel("heat rates", x, AxisSpec::linear("Q̇", Some("eV/ps")), &heat, analyses, theory, pseudo),
            panel("entropy production", x, AxisSpec::linear("Ṡ_tot", Some("k_B/ps")), &entropy, analyses, theory, pseudo),
            panel("power of the demon", x, AxisSpec::linear("Ẇ", Some("eV/ps")), &power_q, analyses, theory, pseudo),
        ],
        notes: Vec::new(),
    }
}

/// Fig. 6: relative uncertainty of the power sampled every `dt` ps with the TUR bound (seed 000, Eq. 12)
/// against κ_H/κ_C.
fn uncertainty_figure(
    analyses: &[RunAnalysis],
    x: &AxisSpec,
    theory: &Theory,
    pseudo: f64,
    statement: &str,
    dt: f64,
) -> Figure {
    let uncertainty = [
        Quantity {
            label: "Var/⟨Ẇ_C⟩²",
            colour: BLUE,
            measured: |a| power(a, |p| p.relative_uncertainty_cold),
            theory: |t| Some(t.relative_uncertainty_cold),
            memory: |t| Some(t.relative_uncertainty_cold),
            memory_error: |e| e.relative_uncertainty_cold,
        },
        Quantity {
            label: "Var/⟨Ẇ_H⟩²",
            colour: VERMILLION,
            measured: |a| power(a, |p| p.relative_uncertainty_hot),
            theory: |t| Some(t.relative_uncertainty_hot),
            memory: |t| Some(t.relative_uncertainty_hot),
            memory_error: |e| e.relative_uncertainty_hot,
        },
        Quantity {
            label: "Var/⟨Ẇ⟩²",
            colour: GREEN,
            measured: |a| power(a, |p| p.relative_uncertainty_total),
            theory: |t| Some(t.relative_uncertainty_total),
            memory: |t| Some(t.relative_uncertainty_total),
            memory_error: |e| e.relative_uncertainty_total,
        },
        Quantity {
            label: "TUR bound 2k_B/(Ṡ_tot Δt) (Eq. 12)",
            colour: BLACK,
            measured: |a| power(a, |p| p.tur_bound),
            theory: |t| Some(t.tur_bound),
            memory: |t| Some(t.tur_bound),
            memory_error: |e| e.tur_bound,
        },
    ];
    Figure {
        stem: "fig6_uncertainty_tur".into(),
        title: format!("Relative uncertainty of the power sampled every Δt = {dt} ps and the TUR bound (Eq. 12) against κ_H/κ_C"),
        statement: statement.to_string(),
        double_column: false,
        columns: 1,
        panel_height: 560,
        panels: vec![panel(
            "",
            x,
            AxisSpec::log("Var(Ẇ)/⟨Ẇ⟩²", None),
            &uncertainty,
            analyses,
            theory,
            pseudo,
        )],
        notes: Vec::new(),
    }
}

/// Fig. 4: the COP in the refrigerator regime with the Carnot bound; runs whose power is not
/// resolved are listed, not drawn.
fn cop_figure(
    analyses: &[RunAnalysis],
    model: &DemonPair,
    x: &AxisSpec,
    theory: &Theory,
    pseudo: f64,
    statement: &str,
) -> Result<Figure> {
    let carnot = model.t_cold_k / (model.t_hot_k - model.t_cold_k);
    let (resolved, unresolved) = measured_cops(analyses);
    let mut notes = if unresolved.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "Open circles: runs whose power Ẇ is within {COP_MIN_POWER_Z} standard errors of 0 (κ_H/κ_C = {}), where −Q̇_C/Ẇ is not determined.",
            unresolved
                .iter()
                .map(|p| format!("{}", (p.x * 1e4).round() / 1e4))
                .collect::<Vec<_>>()
                .join(", ")
        )]
    };
    let points: Vec<Pt> = resolved.iter().chain(&unresolved).copied().collect();
    let (x0, x1) = x.range.expect("κ axis has a range");
    let line = theory
        .markov
        .iter()
        .map(|t| Pt::new(t.kappa_ratio, t.cop.unwrap_or(f64::NAN)))
        .collect();
    let cop_label = "COP = −Q̇_C/Ẇ (Eq. 7)";
    let markov_label = match &theory.markov_label {
        Some(l) => format!("{cop_label}: {l}"),
        None => cop_label.to_string(),
    };
    let lo = points
        .iter()
        .map(|p| p.y - p.err.unwrap_or(0.0))
        .fold(0.0, f64::min)
        .max(-carnot);
    let hi = points
        .iter()
        .map(|p| p.y + p.err.unwrap_or(0.0))
        .fold(1.15 * carnot, f64::max)
        .min(3.0 * carnot);
    let mut series = vec![
        band(pseudo, x1),
        Series::new(
            "Carnot bound T_C/(T_H − T_C)",
            "reference",
            Mark::dashed(BLACK),
            vec![Pt::new(x0, carnot), Pt::new(x1, carnot)],
        ),
        Series::new(
            "COP = −Q̇_C/Ẇ (Eq. 7)",
            "simulation",
            Mark::points(BLUE),
            resolved,
        ),
        Series::new(
            &format!("COP where Ẇ is within {COP_MIN_POWER_Z} s.e. of 0"),
            "simulation",
            Mark::Points {
                colour: BLUE,
                filled: false,
            },
            unresolved,
        ),
        Series::new(&markov_label, "theory", Mark::line(BLUE), line),
    ];
    series.extend(memory_cop_series(theory, cop_label));
    if theory.memory.is_some() {
        notes.push("The dashed memory line lies on the Markov one: the stationary identity Q̇_H/Q̇_C = −κ_H/κ_C holds for any bath, so COP = κ_C/(κ_H − κ_C) does too.".into());
    }
    Ok(Figure {
        stem: "fig4_cop".into(),
        title: "Coefficient of performance in the refrigerator regime against κ_H/κ_C".into(),
        statement: statement.to_string(),
        double_column: false,
        columns: 1,
        panel_height: 480,
        panels: vec![Panel::new(
            "",
            x.clone(),
            AxisSpec::linear("COP", None).with_range(lo - 0.05 * (hi - lo), hi),
            series,
        )],
        notes,
    })
}

/// The measured COP against κ_H/κ_C of every run that has one, as (resolved, unresolved): a run whose
/// power is within `COP_MIN_POWER_Z` standard errors of 0 has no determined COP and is drawn apart.
fn measured_cops(analyses: &[RunAnalysis]) -> (Vec<Pt>, Vec<Pt>) {
    let mut resolved = Vec::new();
    let mut unresolved = Vec::new();
    for a in analyses {
        let (Some(r), Some(c)) = (a.kappa_ratio, a.rates.cop) else {
            continue;
        };
        let w = a.rates.power_ev_per_ps;
        let p = Pt::with_err(r, c.measured, c.error);
        if w.measured.abs() < COP_MIN_POWER_Z * w.error {
            unresolved.push(p);
        } else {
            resolved.push(p);
        }
    }
    (resolved, unresolved)
}

/// The COP of the bath with memory, with its jackknife band, where the theory has one (else nothing).
fn memory_cop_series(theory: &Theory, cop_label: &str) -> Vec<Series> {
    let mut series = Vec::new();
    if let Some((memory, label)) = &theory.memory {
        let at = |sign: f64| -> Vec<Pt> {
            memory
                .iter()
                .map(|(r, m)| {
                    // A replica without a COP (not a refrigerator) leaves the band open there.
                    let y = m.as_ref().and_then(|m| {
                        let spread = match sign {
                            0.0 => 0.0,
                            _ => sign * m.errors.cop.unwrap_or(f64::NAN),
                        };
                        Some(m.point.cop? + spread)
                    });
                    Pt::new(*r, y.unwrap_or(f64::NAN))
                })
                .collect()
        };
        series.push(Series::new(
            &format!("{cop_label}: {label}"),
            "theory (bath with memory)",
            memory_mark(BLUE),
            at(0.0),
        ));
        series.extend(jackknife_band(cop_label, BLUE, [at(-1.0), at(1.0)]));
    }
    series
}
