//! `nanodemon drive`: the seed-002 study end to end — ensembles of the periodically driven particle
//! on the chosen backend, the exact theory beside them, the deviations in standard errors, and the
//! paper's figures as SVG.

use super::{cpu, gpu, EnsembleResult, EnsembleSpec, HistogramSpec, Scheme};
/// Where the ensembles run: the engines' own choice of cpu, gpu or auto (the GPU when a hardware adapter
/// exists, the CPU otherwise), so `drive`, `run`, `bench` and `sweep run` take one `--backend` type.
pub use crate::engine::Backend;
use crate::gpu::{AdapterChoice, GpuContext, GpuRequirement};
use crate::theory::periodic::heat::{HeatCumulants, HeatDistribution};
use crate::theory::periodic::moments::{self, SecondMoments};
use crate::theory::periodic::{Oscillator, Sinusoid};
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;

/// Driving frequencies of the mean-heat figure (seed 002, Fig. 4).
pub const MEAN_HEAT_OMEGAS: [f64; 2] = [1.0, 5.0];
/// Frictions of the peak-correlation figure (seed 002, Fig. 2a).
pub const PEAK_GAMMAS: [f64; 2] = [1.0, 7.0];
/// Times at which P(Q, t) is shown (seed 002, Fig. 3), where they fall inside the run.
pub const DISTRIBUTION_TIMES: [f64; 4] = [0.5, 1.0, 2.0, 5.0];

/// Parameters of `drive`; the defaults are seed 002's (k = γ = 1, T0 = 20, T = 5, Ω = 2, k_B = 1,
/// m = 1 and 10).
#[derive(Clone, Debug, Serialize)]
pub struct DriveOptions {
    pub mass: f64,
    /// The second, heavier particle of Figs. 1, 4 and 5.
    pub heavy_mass: f64,
    pub gamma: f64,
    pub stiffness: f64,
    pub mean_temperature: f64,
    pub amplitude: f64,
    pub omega: f64,
    pub scheme: Scheme,
    pub dt: f64,
    pub t_max: f64,
    /// Time between records of the ensemble statistics.
    pub record_interval: f64,
    pub trajectories: usize,
    pub seed: u64,
    pub backend: Backend,
    pub threads: usize,
    /// Directory for the SVG figures; none are drawn without it.
    pub plots: Option<PathBuf>,
    /// Benchmark only: one ensemble (m, Ω), no theory, no figures.
    pub bench: bool,
}

impl Default for DriveOptions {
    fn default() -> DriveOptions {
        DriveOptions {
            mass: 1.0,
            heavy_mass: 10.0,
            gamma: 1.0,
            stiffness: 1.0,
            mean_temperature: 20.0,
            amplitude: 5.0,
            omega: 2.0,
            scheme: Scheme::Exact,
            dt: 0.01,
            t_max: 20.0,
            record_interval: 0.1,
            trajectories: 100_000,
            seed: 2002,
            backend: Backend::Auto,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            plots: None,
            bench: false,
        }
    }
}

/// Simulation against theory for one statistic over all records after t = 0.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Agreement {
    /// Largest |sim − theory| / standard error.
    pub max_abs_z: f64,
    /// Root mean square of the z-scores: ≈ 1 when the simulation and theory agree.
    pub rms_z: f64,
}

/// The theory at one record time.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TheoryPoint {
    pub time: f64,
    pub moments: SecondMoments,
    pub pearson: f64,
    pub heat: HeatCumulants,
}

/// One ensemble beside its theory.
#[derive(Clone, Debug, Serialize)]
pub struct CaseReport {
    pub mass: f64,
    pub omega: f64,
    pub execution: super::Execution,
    /// Per statistic: σx², ⟨xv⟩, σv², ρ_xv, ⟨Q⟩, σ_Q, skewness, excess kurtosis.
    pub agreement: Vec<(String, Agreement)>,
    /// The statistics at every record with their standard errors, beside the theory at that time.
    pub time_series: Vec<SeriesRow>,
    #[serde(skip)]
    pub result: EnsembleResult,
    #[serde(skip)]
    pub theory: Vec<TheoryPoint>,
}

/// One record of an ensemble beside the theory at its time.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SeriesRow {
    pub time: f64,
    pub simulated: super::EnsembleRecord,
    pub theory: TheoryPoint,
}

/// The drive statistics over time as CSV: a comment line on units, a header, then one row per (case,
/// record), each statistic with its standard error and its theory value, in seed 002's reduced units.
pub fn series_csv(report: &DriveReport) -> String {
    let mut out = String::from(
        "# seed 002, reduced units (k_B = 1, energies and Q in k_B × temperature units); NAME_stderr: one \
         standard error (spread of independent batches); NAME_theory: the exact theory at that time\n\
         mass,omega,time",
    );
    for name in STATISTICS {
        out.push_str(&format!(",{name},{name}_stderr,{name}_theory"));
    }
    out.push('\n');
    for case in &report.cases {
        for row in &case.time_series {
            let (r, t) = (&row.simulated, &row.theory);
            let pairs = [
                (r.xx, t.moments.xx),
                (r.xv, t.moments.xv),
                (r.vv, t.moments.vv),
                (r.pearson, t.pearson),
                (r.heat_mean, t.heat.mean),
                (r.heat_std_dev, t.heat.std_dev),
                (r.heat_skewness, t.heat.skewness),
                (r.heat_excess_kurtosis, t.heat.excess_kurtosis),
            ];
            out.push_str(&format!("{},{},{}", case.mass, case.omega, row.time));
            for (e, theory) in pairs {
                out.push_str(&format!(",{},{},{theory}", e.value, e.std_error));
            }
            out.push('\n');
        }
    }
    out
}

/// Peak steady-state correlation against mass for one friction (seed 002, Fig. 2a).
#[derive(Clone, Debug, Serialize)]
pub struct PeakCurve {
    pub gamma: f64,
    pub critical_mass: f64,
    pub peak_at_critical_mass: f64,
    pub masses: Vec<f64>,
    pub peaks: Vec<f64>,
}

/// The asymmetry of P(Q, t) (seed 002, Eq. 27) at one time.
#[derive(Clone, Debug, Serialize)]
pub struct DistributionReport {
    pub time: f64,
    /// Asymptotic slope of ln[P(Q)/P(−Q)].
    pub delta_beta: Option<f64>,
    pub q: Vec<f64>,
    pub theory_density: Vec<f64>,
    pub simulated_density: Vec<f64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DriveReport {
    pub options: DriveOptions,
    pub backend: String,
    pub device: String,
    /// Best trajectories·steps per second over the ensembles run.
    pub trajectory_steps_per_second: f64,
    pub cases: Vec<CaseReport>,
    pub peak_correlation: Vec<PeakCurve>,
    pub distributions: Vec<DistributionReport>,
    pub figures: Vec<String>,
}

enum Executor {
    Cpu(usize),
    Gpu(Box<GpuContext>),
}

impl Executor {
    /// The backend `--backend` asks for; `auto` falls back to the CPU (and logs it) when no hardware
    /// GPU adapter exists.
    fn choose(opts: &DriveOptions, log: &mut dyn FnMut(&str)) -> Result<Executor> {
        Ok(match opts.backend {
            Backend::Cpu => Executor::Cpu(opts.threads.max(1)),
            Backend::Gpu => Executor::Gpu(Box::new(
                GpuContext::new(GpuRequirement::Required, &AdapterChoice::resolve(None)?)?
                    .expect("Required never returns None"),
            )),
            Backend::Auto => {
                match GpuContext::new(GpuRequirement::Hardware, &AdapterChoice::resolve(None)?)? {
                    Some(ctx) => Executor::Gpu(Box::new(ctx)),
                    None => {
                        log("no hardware GPU adapter: running the ensembles on the CPU");
                        Executor::Cpu(opts.threads.max(1))
                    }
                }
            }
        })
    }

    /// The report's backend: "cpu" or "gpu".
    fn name(&self) -> &'static str {
        match self {
            Executor::Cpu(_) => "cpu",
            Executor::Gpu(_) => "gpu",
        }
    }

    /// The report's device: the thread count, or the adapter and its graphics API.
    fn device(&self) -> String {
        match self {
            Executor::Cpu(t) => format!("{t} threads"),
            Executor::Gpu(ctx) => format!("{} ({})", ctx.adapter_name, ctx.backend),
        }
    }

    fn run(&self, spec: &EnsembleSpec, protocol: &Sinusoid) -> Result<EnsembleResult> {
        match self {
            Executor::Cpu(threads) => cpu::run(spec, protocol, *threads),
            Executor::Gpu(ctx) => gpu::run(ctx, spec, protocol),
        }
    }
}

const STATISTICS: [&str; 8] = [
    "sigma_x2",
    "xv",
    "sigma_v2",
    "pearson",
    "heat_mean",
    "heat_std_dev",
    "heat_skewness",
    "heat_excess_kurtosis",
];

fn theory_series(osc: &Oscillator, p: &Sinusoid, result: &EnsembleResult) -> Vec<TheoryPoint> {
    result
        .records
        .iter()
        .map(|r| {
            let m = moments::sinusoid_closed_form(osc, p, r.time);
            TheoryPoint {
                time: r.time,
                moments: m,
                pearson: m.pearson(),
                heat: HeatDistribution::for_sinusoid(osc, p, r.time).summary(),
            }
        })
        .collect()
}

fn agreement(result: &EnsembleResult, theory: &[TheoryPoint]) -> Vec<(String, Agreement)> {
    let mut z: Vec<Vec<f64>> = vec![Vec::new(); STATISTICS.len()];
    for (r, t) in result.records.iter().zip(theory).skip(1) {
        let pairs = [
            (r.xx, t.moments.xx),
            (r.xv, t.moments.xv),
            (r.vv, t.moments.vv),
            (r.pearson, t.pearson),
            (r.heat_mean, t.heat.mean),
            (r.heat_std_dev, t.heat.std_dev),
            (r.heat_skewness, t.heat.skewness),
            (r.heat_excess_kurtosis, t.heat.excess_kurtosis),
        ];
        for (list, (est, theory)) in z.iter_mut().zip(pairs) {
            list.push(est.deviation(theory));
        }
    }
    STATISTICS
        .iter()
        .zip(z)
        .map(|(name, list)| {
            let n = list.len().max(1) as f64;
            let agreement = Agreement {
                max_abs_z: list.iter().fold(0.0, |m: f64, v| m.max(*v)),
                rms_z: (list.iter().map(|v| v * v).sum::<f64>() / n).sqrt(),
            };
            (name.to_string(), agreement)
        })
        .collect()
}

/// Peak over one period of |ρ_xv| in the periodic steady state.
pub fn steady_peak_correlation(osc: &Oscillator, p: &Sinusoid) -> f64 {
    if p.omega == 0.0 {
        // Constant temperature: the steady state is equilibrium, where ρ_xv = 0.
        return 0.0;
    }
    let period = std::f64::consts::TAU / p.omega;
    (0..256)
        .map(|i| {
            moments::periodic_steady_state(osc, p, period * i as f64 / 256.0)
                .pearson()
                .abs()
        })
        .fold(0.0, f64::max)
}

/// Steps between records and steps in all, shared by every ensemble of one study: `t_max` rounded
/// up to a whole number of record intervals, each a whole number of steps.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    record_every: usize,
    steps: usize,
}

impl Schedule {
    /// Checks `--dt`, `--t-max` and `--record-interval` and derives the step counts from them.
    fn new(opts: &DriveOptions) -> Result<Schedule> {
        if !(opts.dt.is_finite() && opts.dt > 0.0) {
            bail!("--dt must be positive, got {}", opts.dt);
        }
        if !(opts.t_max.is_finite() && opts.t_max > 0.0) {
            bail!("--t-max must be positive, got {}", opts.t_max);
        }
        if !(opts.record_interval.is_finite() && opts.record_interval >= opts.dt) {
            bail!(
                "--record-interval must be at least --dt = {}, got {}",
                opts.dt,
                opts.record_interval
            );
        }
        let record_every = (opts.record_interval / opts.dt).round() as usize;
        let steps = record_every * (opts.t_max / (record_every as f64 * opts.dt)).ceil() as usize;
        Ok(Schedule {
            record_every,
            steps,
        })
    }

    /// The ensemble of `osc` under this schedule and the options' scheme, size and seed.
    fn spec(
        &self,
        opts: &DriveOptions,
        osc: Oscillator,
        histogram: Option<HistogramSpec>,
    ) -> EnsembleSpec {
        EnsembleSpec {
            oscillator: osc,
            scheme: opts.scheme,
            dt: opts.dt,
            steps: self.steps,
            record_every: self.record_every,
            trajectories: opts.trajectories,
            seed: opts.seed,
            histogram,
        }
    }
}

/// `--bench`: the one ensemble (m, Ω), timed, with no theory and no figures.
fn bench(
    opts: &DriveOptions,
    executor: &Executor,
    schedule: Schedule,
    osc: Oscillator,
    protocol: &Sinusoid,
    log: &mut dyn FnMut(&str),
) -> Result<DriveReport> {
    log(&format!(
        "benchmark: {} trajectories × {} steps on {} ({})",
        opts.trajectories,
        schedule.steps,
        executor.name(),
        executor.device()
    ));
    let result = executor.run(&schedule.spec(opts, osc, None), protocol)?;
    let case = CaseReport {
        mass: opts.mass,
        omega: opts.omega,
        execution: result.execution.clone(),
        agreement: Vec::new(),
        time_series: Vec::new(),
        result,
        theory: Vec::new(),
    };
    Ok(DriveReport {
        options: opts.clone(),
        backend: executor.name().to_string(),
        device: executor.device(),
        trajectory_steps_per_second: case.execution.trajectory_steps_per_second,
        cases: vec![case],
        peak_correlation: Vec::new(),
        distributions: Vec::new(),
        figures: Vec::new(),
    })
}

/// The P(Q, t) histograms of seed 002, Fig. 3: the records nearest the [`DISTRIBUTION_TIMES`] inside
/// the run, binned on ±6 theoretical standard deviations of Q at the widest of those times. None when
/// no shown time falls inside the run.
fn heat_histogram(
    osc: &Oscillator,
    protocol: &Sinusoid,
    dt: f64,
    schedule: Schedule,
) -> Option<HistogramSpec> {
    let Schedule {
        record_every,
        steps,
    } = schedule;
    let shown: Vec<(usize, f64)> = DISTRIBUTION_TIMES
        .iter()
        .map(|&t| ((t / (record_every as f64 * dt)).round() as usize, t))
        .filter(|&(r, _)| r >= 1 && r <= steps / record_every)
        .fold(Vec::new(), |mut kept: Vec<(usize, f64)>, (r, t)| {
            // Coarse record intervals can round two shown times onto one record.
            if kept.iter().all(|&(k, _)| k != r) {
                kept.push((r, t));
            }
            kept
        });
    let widest = shown
        .iter()
        .map(|&(_, t)| {
            HeatDistribution::for_sinusoid(osc, protocol, t)
                .summary()
                .std_dev
        })
        .fold(0.0, f64::max);
    (!shown.is_empty()).then(|| HistogramSpec {
        records: shown.iter().map(|&(r, _)| r).collect(),
        q_min: -6.0 * widest,
        q_max: 6.0 * widest,
        bins: 60,
    })
}

/// The ensembles of the study in run order: the light and the heavy particle at Ω (seed 002, Figs. 1
/// and 5; the light one with the P(Q, t) histograms of Fig. 3), then both at every
/// [`MEAN_HEAT_OMEGAS`] (Fig. 4). Every protocol is checked before any ensemble runs.
fn ensemble_plan(
    opts: &DriveOptions,
    light: Oscillator,
    heavy: Oscillator,
    protocol: Sinusoid,
    histogram: Option<HistogramSpec>,
) -> Result<Vec<(Oscillator, Sinusoid, Option<HistogramSpec>)>> {
    let mut plan = vec![(light, protocol, histogram), (heavy, protocol, None)];
    for o in [light, heavy] {
        for w in MEAN_HEAT_OMEGAS {
            plan.push((
                o,
                Sinusoid::new(opts.mean_temperature, opts.amplitude, w)?,
                None,
            ));
        }
    }
    Ok(plan)
}

/// Runs one ensemble and sets it beside the exact theory at every record.
fn run_case(
    executor: &Executor,
    spec: &EnsembleSpec,
    protocol: &Sinusoid,
    log: &mut dyn FnMut(&str),
) -> Result<CaseReport> {
    let o = &spec.oscillator;
    log(&format!(
        "ensemble m = {}, Ω = {}: {} trajectories × {} steps on {}",
        o.mass,
        protocol.omega,
        spec.trajectories,
        spec.steps,
        executor.name()
    ));
    let result = executor.run(spec, protocol)?;
    let theory = theory_series(o, protocol, &result);
    let agreement = agreement(&result, &theory);
    let time_series = result
        .records
        .iter()
        .zip(&theory)
        .map(|(r, t)| SeriesRow {
            time: r.time,
            simulated: *r,
            theory: *t,
        })
        .collect();
    Ok(CaseReport {
        mass: o.mass,
        omega: protocol.omega,
        execution: result.execution.clone(),
        agreement,
        time_series,
        result,
        theory,
    })
}

/// Theory of seed 002, Fig. 2a: the steady-state peak |ρ_xv| on 81 masses log-spaced over
/// 10⁻²..10², for each of the [`PEAK_GAMMAS`], with its value at the critical mass m = γ²/(4k)
/// (critical damping).
fn peak_correlation_curves(stiffness: f64, protocol: &Sinusoid) -> Result<Vec<PeakCurve>> {
    let masses: Vec<f64> = (0..=80)
        .map(|i| 10f64.powf(-2.0 + 4.0 * i as f64 / 80.0))
        .collect();
    PEAK_GAMMAS
        .iter()
        .map(|&gamma| -> Result<PeakCurve> {
            let peak = |m: f64| -> Result<f64> {
                Ok(steady_peak_correlation(
                    &Oscillator::new(m, gamma, stiffness, 1.0)?,
                    protocol,
                ))
            };
            let critical_mass = gamma * gamma / (4.0 * stiffness);
            Ok(PeakCurve {
                gamma,
                critical_mass,
                peak_at_critical_mass: peak(critical_mass)?,
                peaks: masses.iter().map(|&m| peak(m)).collect::<Result<_>>()?,
                masses: masses.clone(),
            })
        })
        .collect()
}

/// Simulated P(Q, t) beside the exact density (smoothed over 0.005 σ_Q) and the asymmetry slope
/// Δβ of seed 002, Eq. 27, at every histogram time of `case`.
fn heat_distributions(
    case: &CaseReport,
    osc: &Oscillator,
    protocol: &Sinusoid,
) -> Vec<DistributionReport> {
    case.result
        .histograms
        .iter()
        .map(|h| {
            let heat = HeatDistribution::for_sinusoid(osc, protocol, h.time);
            let (q, simulated_density): (Vec<f64>, Vec<f64>) = h.density().into_iter().unzip();
            let theory_density = heat.density(&q, 0.005 * heat.summary().std_dev);
            DistributionReport {
                time: h.time,
                delta_beta: heat.asymptotic_delta_beta(),
                q,
                theory_density,
                simulated_density,
            }
        })
        .collect()
}

/// Runs the study. `log` receives progress lines (the CLI sends them to stderr).
pub fn drive(opts: &DriveOptions, log: &mut dyn FnMut(&str)) -> Result<DriveReport> {
    let osc = Oscillator::new(opts.mass, opts.gamma, opts.stiffness, 1.0)?;
    let heavy = Oscillator::new(opts.heavy_mass, opts.gamma, opts.stiffness, 1.0)?;
    let protocol = Sinusoid::new(opts.mean_temperature, opts.amplitude, opts.omega)?;
    let schedule = Schedule::new(opts)?;
    let executor = Executor::choose(opts, log)?;
    if opts.bench {
        return bench(opts, &executor, schedule, osc, &protocol, log);
    }

    let histogram = heat_histogram(&osc, &protocol, opts.dt, schedule);
    let cases = ensemble_plan(opts, osc, heavy, protocol, histogram)?
        .into_iter()
        .map(|(o, p, hist)| run_case(&executor, &schedule.spec(opts, o, hist), &p, log))
        .collect::<Result<Vec<_>>>()?;

    log("theory: peak correlation against mass, P(Q, t)");
    let peak_correlation = peak_correlation_curves(opts.stiffness, &protocol)?;
    let distributions = heat_distributions(&cases[0], &osc, &protocol);
    let mut report = DriveReport {
        options: opts.clone(),
        backend: executor.name().to_string(),
        device: executor.device(),
        trajectory_steps_per_second: cases
            .iter()
            .map(|c| c.execution.trajectory_steps_per_second)
            .fold(0.0, f64::max),
        cases,
        peak_correlation,
        distributions,
        figures: Vec::new(),
    };
    if let Some(dir) = &opts.plots {
        log(&format!("figures → {}", dir.display()));
        report.figures = super::figures::draw_all(&report, &osc, &protocol, dir)?;
        let csv = dir.join("drive_statistics.csv");
        std::fs::write(&csv, series_csv(&report))
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", csv.display()))?;
    }
    Ok(report)
}
