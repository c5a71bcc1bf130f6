//! A bath with memory fitted from an equilibrium run (issue 11): the nanoparticle's centre-of-mass
//! velocity and position autocorrelations, measured from com.csv (≈ 10 fs, when the run wrote it) or
//! heat.csv (1 ps), are fitted by the generalised Langevin model of [`crate::theory::memory`] whose
//! exact autocorrelations are [e^{Aτ}Σ]_{VV}/Σ_{VV} and [e^{Aτ}Σ]_{XX}/Σ_{XX}.
//!
//! * Cost: χ² of the normalised autocorrelations at the lags of the grid, each lag weighted by its
//!   block standard error (lags treated as independent, so χ² is a fit measure, not a test statistic).
//! * Candidates: γ₀ plus 0…`max_modes` exponential modes, each with and without an argon shell
//!   (viscously coupled: mass m_s, coupling γ_r, friction γ_s; a spring would add an oscillation the
//!   1-ps sampling aliases).
//! * Criterion for the number of modes: leave-one-block-out cross-validation with the one-standard-error
//!   rule (Hastie, Tibshirani & Friedman, §7.10). Each candidate is refitted on the run without block b
//!   and scored by its χ² against block b alone; the simplest candidate whose summed score is within one
//!   standard error of the lowest wins. An extra mode must predict data it was not fitted to, by more
//!   than the noise of the score, so noise-fitting modes lose without a tuned penalty constant.
//! * Errors: block jackknife over the same leave-one-out fits, σ² = (B−1)/B Σ_b (θ_b − θ̄)², for every
//!   parameter and for everything computed from the bath (Re γ(ω), m_add(ω), driven predictions).

use super::fit::Estimate;
use super::nelder_mead;
use super::run_dir::{HeatTable, RunDir};
use crate::scenario::Scenario;
use crate::theory::memory::bath::{ExpMode, MemoryBath, Response, Shell};
use crate::theory::memory::pair::{MemoryPair, MemoryPoint};
use crate::theory::memory::system::{LinearSystem, Particle};
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::{bail, Context, Result};
use serde::Serialize;

/// How to fit.
#[derive(Clone, Debug)]
pub struct FitOptions {
    /// Contiguous blocks for the jackknife and the cross-validation.
    pub blocks: usize,
    /// Longest lag fitted, ps.
    pub max_lag_ps: f64,
    /// Most exponential modes tried.
    pub max_modes: usize,
    /// Also try each mode count with the argon shell.
    pub shell: bool,
    /// Worker threads for the leave-one-out fits (0: all cores).
    pub threads: usize,
}

impl Default for FitOptions {
    fn default() -> FitOptions {
        FitOptions {
            blocks: 10,
            max_lag_ps: 50.0,
            max_modes: 2,
            shell: true,
            threads: 0,
        }
    }
}

/// Autocovariance sums of one particle, per block: zero lag first, then the lag grid.
#[derive(Clone, Debug)]
pub struct AcfData {
    /// Lags of the grid, ps (zero lag excluded).
    pub times_ps: Vec<f64>,
    /// sums[b][series][k]: Σ a_i a_{i+k} over the block's pairs and the particle's axes (k = 0 first).
    sums: Vec<[Vec<f64>; 2]>,
    /// Number of products in each sum (the same in every block).
    counts: Vec<f64>,
}

/// Normalised autocorrelations (velocity, position) on the lag grid.
#[derive(Clone, Debug)]
struct Target {
    v: Vec<f64>,
    x: Vec<f64>,
}

impl AcfData {
    /// Velocity and position series of one particle (one per axis, all sampled every `h_ps`), cut
    /// into `blocks` equal blocks. Lag grid: every sample up to 1 ps, then every 1 ps up to `max_lag_ps`.
    pub fn new(
        velocities: &[&[f64]],
        positions: &[&[f64]],
        h_ps: f64,
        blocks: usize,
        max_lag_ps: f64,
    ) -> Result<AcfData> {
        let n = velocities
            .iter()
            .chain(positions)
            .map(|s| s.len())
            .min()
            .unwrap_or(0);
        let stride = ((1.0 / h_ps).round() as usize).max(1);
        let max_lag = (max_lag_ps / h_ps).floor() as usize;
        let mut lags: Vec<usize> = (1..=stride.min(max_lag)).collect();
        lags.extend((2..).map(|j| j * stride).take_while(|&k| k <= max_lag));
        if blocks < 4 {
            bail!("--blocks {blocks}: the memory fit needs at least 4 blocks for its jackknife");
        }
        let len = n / blocks;
        if lags.len() < 3 || len < 3 * max_lag {
            bail!("{n} samples every {h_ps} ps cannot hold {blocks} blocks of 3 × the longest lag ({max_lag_ps} ps); use a longer equilibrium run, fewer blocks or a shorter lag");
        }
        let all: Vec<usize> = std::iter::once(0).chain(lags.iter().copied()).collect();
        let sum_over = |series: &[&[f64]], r: std::ops::Range<usize>| -> Vec<f64> {
            all.iter()
                .map(|&k| {
                    series
                        .iter()
                        .map(|s| {
                            let b = &s[r.clone()];
                            b[..len - k]
                                .iter()
                                .zip(&b[k..])
                                .map(|(a, c)| a * c)
                                .sum::<f64>()
                        })
                        .sum()
                })
                .collect()
        };
        let sums = (0..blocks)
            .map(|b| {
                let r = b * len..(b + 1) * len;
                [sum_over(velocities, r.clone()), sum_over(positions, r)]
            })
            .collect();
        Ok(AcfData {
            times_ps: lags.iter().map(|&k| k as f64 * h_ps).collect(),
            sums,
            counts: all.iter().map(|&k| (len - k) as f64).collect(),
        })
    }

    pub fn blocks(&self) -> usize {
        self.sums.len()
    }

    /// Normalised autocorrelations from the blocks for which `keep(b)` holds.
    fn target(&self, keep: impl Fn(usize) -> bool) -> Target {
        let norm = |series: usize| -> Vec<f64> {
            let mut total = vec![0.0; self.counts.len()];
            for (_, s) in self.sums.iter().enumerate().filter(|(b, _)| keep(*b)) {
                for (t, v) in total.iter_mut().zip(&s[series]) {
                    *t += v;
                }
            }
            let c: Vec<f64> = total.iter().zip(&self.counts).map(|(t, n)| t / n).collect();
            c[1..].iter().map(|v| v / c[0]).collect()
        };
        Target {
            v: norm(0),
            x: norm(1),
        }
    }

    /// Standard error of the mean of the per-block normalised autocorrelations, per lag.
    fn errors(&self) -> Target {
        let per_block: Vec<Target> = (0..self.blocks())
            .map(|b| self.target(|c| c == b))
            .collect();
        let se = |get: &dyn Fn(&Target) -> &Vec<f64>| -> Vec<f64> {
            let nb = per_block.len() as f64;
            (0..self.times_ps.len())
                .map(|k| {
                    let vals: Vec<f64> = per_block.iter().map(|t| get(t)[k]).collect();
                    let (_, var) = super::stats::mean_var(&vals);
                    (var / nb).sqrt().max(1e-6)
                })
                .collect()
        };
        Target {
            v: se(&|t| &t.v),
            x: se(&|t| &t.x),
        }
    }
}

/// The particle the bath acts on in the equilibrium run.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct TrappedParticle {
    pub mass_amu: f64,
    pub trap_kappa_ev_per_a2: f64,
    pub temperature_k: f64,
}

impl TrappedParticle {
    /// Normalised model autocorrelations (velocity, position) at `times` (ps).
    fn model(&self, bath: &MemoryBath, times: &[f64]) -> Result<(Vec<f64>, Vec<f64>)> {
        let sys = LinearSystem::new(
            &[vec![self.trap_kappa_ev_per_a2 / MVV2E]],
            &[Particle {
                mass_amu: self.mass_amu,
                t_k: self.temperature_k,
                bath: bath.clone(),
            }],
        );
        let s = sys.covariance()?;
        let (x, v) = (sys.position_index(0), sys.velocity_index(0));
        let cv = sys.autocovariance(&s, v, times);
        let cx = sys.autocovariance(&s, x, times);
        Ok((
            cv.iter().map(|c| c / s[(v, v)]).collect(),
            cx.iter().map(|c| c / s[(x, x)]).collect(),
        ))
    }
}

/// A model family: γ₀ plus `modes` exponential modes, with or without the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Family {
    pub modes: usize,
    pub shell: bool,
}

/// Parameter boxes (natural-log space is what the optimiser sees), model units.
const GAMMA_RANGE: (f64, f64) = (1e-2, 1e7);
const STRENGTH_RANGE: (f64, f64) = (1e-3, 1e9);
const TAU_RANGE: (f64, f64) = (1e-3, 1e4);
const SHELL_MASS_RANGE: (f64, f64) = (1.0, 1e7);

impl Family {
    pub fn label(&self) -> String {
        format!(
            "γ₀ + {} exponential mode{}{}",
            self.modes,
            if self.modes == 1 { "" } else { "s" },
            if self.shell { " + shell" } else { "" }
        )
    }

    pub fn parameters(&self) -> usize {
        1 + 2 * self.modes + if self.shell { 3 } else { 0 }
    }

    fn names(&self) -> Vec<String> {
        let mut n = vec!["gamma0_amu_per_ps".to_string()];
        for k in 0..self.modes {
            n.push(format!("modes[{k}].strength_amu_per_ps2"));
            n.push(format!("modes[{k}].tau_ps"));
        }
        if self.shell {
            n.push("shell.mass_amu".into());
            n.push("shell.friction_amu_per_ps".into());
            n.push("shell.coupling_friction_amu_per_ps".into());
        }
        n
    }

    /// The bath for log-parameters θ, or None outside the boxes; modes sorted by τ so that
    /// jackknife replicas label them alike.
    fn bath(&self, theta: &[f64]) -> Option<MemoryBath> {
        let p: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
        let inside = |v: f64, r: (f64, f64)| v >= r.0 && v <= r.1;
        if !inside(p[0], GAMMA_RANGE) {
            return None;
        }
        let mut modes = Vec::with_capacity(self.modes);
        for k in 0..self.modes {
            let (c, tau) = (p[1 + 2 * k], p[2 + 2 * k]);
            if !(inside(c, STRENGTH_RANGE) && inside(tau, TAU_RANGE)) {
                return None;
            }
            modes.push(ExpMode {
                strength_amu_per_ps2: c,
                tau_ps: tau,
            });
        }
        modes.sort_by(|a, b| a.tau_ps.total_cmp(&b.tau_ps));
        let shell = if self.shell {
            let j = 1 + 2 * self.modes;
            let (m, gs, gr) = (p[j], p[j + 1], p[j + 2]);
            if !(inside(m, SHELL_MASS_RANGE) && inside(gs, GAMMA_RANGE) && inside(gr, GAMMA_RANGE))
            {
                return None;
            }
            Some(Shell {
                mass_amu: m,
                stiffness_amu_per_ps2: 0.0,
                friction_amu_per_ps: gs,
                coupling_friction_amu_per_ps: gr,
            })
        } else {
            None
        };
        Some(MemoryBath {
            gamma0_amu_per_ps: p[0],
            modes,
            shell,
        })
    }

    fn theta(bath: &MemoryBath) -> Vec<f64> {
        let mut t = vec![bath.gamma0_amu_per_ps.ln()];
        for m in &bath.modes {
            t.push(m.strength_amu_per_ps2.ln());
            t.push(m.tau_ps.ln());
        }
        if let Some(s) = &bath.shell {
            t.extend([
                s.mass_amu.ln(),
                s.friction_amu_per_ps.ln(),
                s.coupling_friction_amu_per_ps.ln(),
            ]);
        }
        t
    }

    /// Parameter values in the order of [`Family::names`].
    fn values(bath: &MemoryBath) -> Vec<f64> {
        Family::theta(bath).iter().map(|t| t.exp()).collect()
    }
}

/// χ² of a bath against normalised autocorrelations with per-lag errors.
fn chi_square(
    particle: &TrappedParticle,
    bath: &MemoryBath,
    times: &[f64],
    target: &Target,
    err: &Target,
) -> f64 {
    let Ok((v, x)) = particle.model(bath, times) else {
        return f64::INFINITY;
    };
    let part = |m: &[f64], d: &[f64], e: &[f64]| -> f64 {
        m.iter()
            .zip(d)
            .zip(e)
            .map(|((m, d), e)| ((m - d) / e).powi(2))
            .sum()
    };
    let c = part(&v, &target.v, &err.v) + part(&x, &target.x, &err.x);
    if c.is_finite() {
        c
    } else {
        f64::INFINITY
    }
}

/// Best fit of one family from several starting baths.
fn fit_family(
    family: Family,
    starts: &[MemoryBath],
    particle: &TrappedParticle,
    times: &[f64],
    target: &Target,
    err: &Target,
) -> Option<(MemoryBath, f64)> {
    let cost = |theta: &[f64]| match family.bath(theta) {
        Some(b) => chi_square(particle, &b, times, target, err),
        None => f64::INFINITY,
    };
    let n = family.parameters();
    starts
        .iter()
        .map(|s| nelder_mead::minimize(&cost, &Family::theta(s), 0.4, 1e-7, 1e-6, 400 + 250 * n))
        .filter(|m| m.value.is_finite())
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .and_then(|m| family.bath(&m.x).map(|b| (b, m.value)))
}

/// Starting baths for `family` built from the best fit of the next simpler family.
fn starts(family: Family, simpler: &MemoryBath, mass: f64) -> Vec<MemoryBath> {
    let g = simpler.gamma0_amu_per_ps;
    let mut out = Vec::new();
    if family.shell && simpler.shell.is_none() {
        // Shell masses around the particle's, particle–shell relaxation μ/γ_r of 0.1 and 1 ps.
        for m_s in [0.3 * mass, 1.5 * mass] {
            for relax in [0.1, 1.0] {
                let mu = mass * m_s / (mass + m_s);
                let mut b = simpler.clone();
                b.shell = Some(Shell {
                    mass_amu: m_s,
                    stiffness_amu_per_ps2: 0.0,
                    friction_amu_per_ps: g.max(1.0),
                    coupling_friction_amu_per_ps: mu / relax,
                });
                out.push(b);
            }
        }
    } else {
        for tau in [0.3, 3.0, 30.0] {
            let mut b = simpler.clone();
            b.gamma0_amu_per_ps = (0.5 * g).max(GAMMA_RANGE.0 * 2.0);
            b.modes.push(ExpMode {
                strength_amu_per_ps2: (0.5 * g / tau).max(STRENGTH_RANGE.0 * 2.0),
                tau_ps: tau,
            });
            out.push(b);
        }
    }
    out
}

/// How one candidate family did.
#[derive(Clone, Debug, Serialize)]
pub struct CandidateScore {
    pub family: Family,
    pub label: String,
    pub parameters: usize,
    /// χ² of the whole-run fit and the number of fitted points.
    pub chi_square: f64,
    pub points: usize,
    /// Σ_b χ² of the fit without block b against block b (smaller is better), and its standard
    /// error √B·sd over the blocks.
    pub cross_validation: f64,
    pub cross_validation_error: f64,
}

/// A value with its jackknife error.
#[derive(Clone, Debug, Serialize)]
pub struct NamedEstimate {
    pub name: String,
    pub value: f64,
    pub error: f64,
}

/// The fitted bath of one particle.
#[derive(Clone, Debug, Serialize)]
pub struct BathFit {
    pub particle: TrappedParticle,
    /// m⟨V²⟩/k_B measured over all axes, K (≈ the bath temperature in equilibrium).
    pub measured_kinetic_temperature_k: f64,
    pub model: String,
    pub family: Family,
    pub bath: MemoryBath,
    pub parameters: Vec<NamedEstimate>,
    pub candidates: Vec<CandidateScore>,
    /// Re γ(ω) and m_add(ω) at ω = 0 and at the equilibrium trap frequency √(κ/m), with errors.
    pub responses: Vec<ResponseEstimate>,
    pub lags_ps: Vec<f64>,
    pub vacf: Vec<f64>,
    pub vacf_error: Vec<f64>,
    pub vacf_model: Vec<f64>,
    pub pacf: Vec<f64>,
    pub pacf_error: Vec<f64>,
    pub pacf_model: Vec<f64>,
    /// The chosen family refitted without each block in turn (jackknife replicas).
    #[serde(skip)]
    pub replicas: Vec<MemoryBath>,
}

/// Re γ(ω) (amu/ps and kg/s) and m_add(ω) (amu) with jackknife errors.
#[derive(Clone, Debug, Serialize)]
pub struct ResponseEstimate {
    pub omega_per_ps: f64,
    pub gamma_re_amu_per_ps: f64,
    pub gamma_re_error: f64,
    pub gamma_re_kg_per_s: f64,
    pub added_mass_amu: f64,
    pub added_mass_error: f64,
}

/// Jackknife standard error of a statistic from its leave-one-out values.
pub fn jackknife_error(values: &[f64]) -> f64 {
    let b = values.len() as f64;
    let mean = values.iter().sum::<f64>() / b;
    ((b - 1.0) / b * values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()).sqrt()
}

impl BathFit {
    pub fn response(&self, omega: f64) -> ResponseEstimate {
        let r: Response = self.bath.response(omega);
        let reps: Vec<Response> = self.replicas.iter().map(|b| b.response(omega)).collect();
        ResponseEstimate {
            omega_per_ps: omega,
            gamma_re_amu_per_ps: r.gamma_re_amu_per_ps,
            gamma_re_error: jackknife_error(
                &reps
                    .iter()
                    .map(|r| r.gamma_re_amu_per_ps)
                    .collect::<Vec<_>>(),
            ),
            gamma_re_kg_per_s: crate::units::friction_amu_per_ps_to_kg_per_s(r.gamma_re_amu_per_ps),
            added_mass_amu: r.added_mass_amu,
            added_mass_error: jackknife_error(
                &reps.iter().map(|r| r.added_mass_amu).collect::<Vec<_>>(),
            ),
        }
    }
}

/// f over `items` on `threads` scoped threads (0: all cores), results in item order.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let threads = if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    };
    let mut out: Vec<Option<R>> = items.iter().map(|_| None).collect();
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        for (slots, part) in out.chunks_mut(chunk).zip(items.chunks(chunk)) {
            scope.spawn(move || {
                for (slot, item) in slots.iter_mut().zip(part) {
                    *slot = Some(f(item));
                }
            });
        }
    });
    out.into_iter()
        .map(|r| r.expect("every slot is filled by its thread"))
        .collect()
}

/// Fits every candidate family to one particle's autocorrelations, chooses one by cross-validation
/// and attaches jackknife errors.
pub fn fit_bath(
    data: &AcfData,
    particle: &TrappedParticle,
    measured_kinetic_temperature_k: f64,
    opts: &FitOptions,
) -> Result<BathFit> {
    let times = &data.times_ps;
    let whole = data.target(|_| true);
    let err = data.errors();
    let nb = data.blocks();
    let mut families = Vec::new();
    for modes in 0..=opts.max_modes {
        families.push(Family {
            modes,
            shell: false,
        });
        if opts.shell && modes < opts.max_modes {
            families.push(Family { modes, shell: true });
        }
    }
    // Whole-run fits, each family started from its simpler neighbour's optimum.
    let mass = particle.mass_amu;
    let scan = (0..=80)
        .map(|i| MemoryBath::markov((1e1f64).powf(i as f64 * 0.075)))
        .min_by(|a, b| {
            chi_square(particle, a, times, &whole, &err)
                .total_cmp(&chi_square(particle, b, times, &whole, &err))
        })
        .expect("non-empty scan");
    let mut best: Vec<(Family, MemoryBath, f64)> = Vec::new();
    for &family in &families {
        let start_set = if family.modes == 0 && !family.shell {
            vec![scan.clone()]
        } else {
            let simpler = best
                .iter()
                .find(|(f, _, _)| {
                    if family.shell {
                        f.modes == family.modes && !f.shell
                    } else {
                        f.modes + 1 == family.modes && !f.shell
                    }
                })
                .map(|(_, b, _)| b.clone())
                .expect("families are visited from simple to complex");
            starts(family, &simpler, mass)
        };
        let (bath, chi) = fit_family(family, &start_set, particle, times, &whole, &err)
            .with_context(|| format!("no finite fit for the family {}", family.label()))?;
        best.push((family, bath, chi));
    }
    // Leave-one-block-out refits of every family: cross-validation scores and jackknife replicas.
    let jobs: Vec<(usize, usize)> = (0..best.len())
        .flat_map(|f| (0..nb).map(move |b| (f, b)))
        .collect();
    let refits = parallel_map(&jobs, opts.threads, |&(f, b)| {
        let (family, start, _) = &best[f];
        let train = data.target(|c| c != b);
        fit_family(
            *family,
            std::slice::from_ref(start),
            particle,
            times,
            &train,
            &err,
        )
        .map(|(bath, _)| {
            let held = data.target(|c| c == b);
            // The held-out block's noise is √B times the whole run's.
            let score = chi_square(particle, &bath, times, &held, &err) / nb as f64;
            (bath, score)
        })
    });
    let mut candidates = Vec::new();
    let mut replicas_of = Vec::new();
    for (f, (family, _, chi)) in best.iter().enumerate() {
        let fits: Option<Vec<(MemoryBath, f64)>> =
            refits[f * nb..(f + 1) * nb].iter().cloned().collect();
        let (cv, cv_err, reps) = match fits {
            Some(v) => {
                let scores: Vec<f64> = v.iter().map(|(_, s)| *s).collect();
                let (mean, var) = super::stats::mean_var(&scores);
                (
                    mean * nb as f64,
                    (var * nb as f64).sqrt(),
                    v.into_iter().map(|(b, _)| b).collect(),
                )
            }
            None => (f64::INFINITY, f64::INFINITY, vec![]),
        };
        candidates.push(CandidateScore {
            family: *family,
            label: family.label(),
            parameters: family.parameters(),
            chi_square: *chi,
            points: 2 * times.len(),
            cross_validation: cv,
            cross_validation_error: cv_err,
        });
        replicas_of.push(reps);
    }
    // One-standard-error rule: the simplest candidate whose score is within one standard error of the
    // best score, so a mode must improve the prediction of unseen blocks by more than the noise.
    let lowest = (0..candidates.len())
        .min_by(|&a, &b| {
            candidates[a]
                .cross_validation
                .total_cmp(&candidates[b].cross_validation)
        })
        .expect("at least the Markov candidate");
    let threshold = candidates[lowest].cross_validation + candidates[lowest].cross_validation_error;
    if !threshold.is_finite() {
        bail!("every leave-one-block-out refit failed; the autocorrelations carry no usable signal (check the equilibrium run)");
    }
    let chosen = (0..candidates.len())
        .filter(|&c| candidates[c].cross_validation <= threshold)
        .min_by_key(|&c| (candidates[c].parameters, candidates[c].family.shell))
        .expect("the lowest score passes its own threshold");
    let (family, bath, _) = best[chosen].clone();
    let replicas = std::mem::take(&mut replicas_of[chosen]);
    let values = Family::values(&bath);
    let rep_values: Vec<Vec<f64>> = replicas.iter().map(Family::values).collect();
    let parameters = family
        .names()
        .into_iter()
        .enumerate()
        .map(|(i, name)| NamedEstimate {
            name,
            value: values[i],
            error: jackknife_error(&rep_values.iter().map(|v| v[i]).collect::<Vec<_>>()),
        })
        .collect();
    let (vm, xm) = particle.model(&bath, times)?;
    let mut fit = BathFit {
        particle: *particle,
        measured_kinetic_temperature_k,
        model: family.label(),
        family,
        bath,
        parameters,
        candidates,
        responses: vec![],
        lags_ps: times.clone(),
        vacf: whole.v,
        vacf_error: err.v,
        vacf_model: vm,
        pacf: whole.x,
        pacf_error: err.x,
        pacf_model: xm,
        replicas,
    };
    let trap_omega = (particle.trap_kappa_ev_per_a2 / MVV2E / mass).sqrt();
    fit.responses = [0.0, trap_omega].iter().map(|&w| fit.response(w)).collect();
    Ok(fit)
}

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

/// Memory-bath predictions for `scenario` (or a κ_H override), with jackknife errors from the
/// replicas of both baths, refitted without the same block.
pub fn memory_theory(
    scenario: &Scenario,
    baths: &FittedBaths,
    kappa_hot_ev_per_a2: Option<f64>,
) -> Result<MemoryTheory> {
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

/// The MD's m⟨V²⟩/k_B per particle (K), averaged over the velocity columns present, with a block
/// error over `blocks` contiguous blocks: what [`MemoryPoint`]'s kinetic temperatures predict.
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
        let (mean, var) = super::stats::mean_var(&means);
        Ok(Estimate {
            value: mean,
            error: (var / means.len() as f64).sqrt(),
        })
    };
    Ok([one("cold")?, one("hot")?])
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_grid_is_every_sample_to_one_ps_then_every_ps() {
        let x: Vec<f64> = (0..4000).map(|i| (i as f64 * 0.37).sin()).collect();
        let d = AcfData::new(&[&x], &[&x], 0.01, 4, 3.0).unwrap();
        assert_eq!(d.times_ps.len(), 102);
        assert!((d.times_ps[99] - 1.0).abs() < 1e-12);
        assert!((d.times_ps[100] - 2.0).abs() < 1e-12 && (d.times_ps[101] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn block_sums_give_the_autocorrelation_of_the_pooled_blocks() {
        // Brute force over the pairs inside each block, pooled over blocks and two series.
        let a: Vec<f64> = (0..400).map(|i| ((i * 7919) % 113) as f64 - 56.0).collect();
        let b: Vec<f64> = (0..400)
            .map(|i| ((i * 104_729) % 97) as f64 - 48.0)
            .collect();
        let d = AcfData::new(&[&a, &b], &[&a], 1.0, 4, 20.0).unwrap();
        let t = d.target(|blk| blk != 2);
        let c = |k: usize| -> f64 {
            let mut s = 0.0;
            let mut n = 0.0;
            for blk in [0, 1, 3] {
                for series in [&a, &b] {
                    let r = &series[blk * 100..(blk + 1) * 100];
                    for i in 0..100 - k {
                        s += r[i] * r[i + k];
                        n += 1.0;
                    }
                }
            }
            s / n
        };
        for (j, lag) in d.times_ps.iter().enumerate() {
            let want = c(*lag as usize) / c(0);
            assert!(
                (t.v[j] - want).abs() < 1e-12,
                "lag {lag}: {} vs {want}",
                t.v[j]
            );
        }
    }

    #[test]
    fn jackknife_of_leave_one_out_means_is_the_standard_error() {
        let x = [1.0, 4.0, 2.5, 7.0, 3.0, 5.5];
        let n = x.len() as f64;
        let total: f64 = x.iter().sum();
        let loo: Vec<f64> = x.iter().map(|v| (total - v) / (n - 1.0)).collect();
        let (_, var) = crate::analysis::stats::mean_var(&x);
        assert!((jackknife_error(&loo) - (var / n).sqrt()).abs() < 1e-12);
    }
}
