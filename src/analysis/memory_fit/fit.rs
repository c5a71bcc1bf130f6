//! The fit of one particle's bath: χ² of the normalised autocorrelations, Nelder–Mead in log space
//! from starts built on the next simpler family, leave-one-block-out refits of every family, the family
//! chosen by cross-validation with the one-standard-error rule, and jackknife errors of the chosen
//! family's parameters and of Re γ(ω), m_add(ω).

use super::acf::{AcfData, Target};
use super::family::{Family, TrappedParticle, GAMMA_RANGE, STRENGTH_RANGE};
use super::jackknife::jackknife_error;
use super::FitOptions;
use crate::analysis::nelder_mead;
use crate::theory::memory::bath::{ExpMode, MemoryBath, Response, Shell};
use crate::units::MVV2E;
use anyhow::{bail, Context, Result};
use serde::Serialize;

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
    let families = candidate_families(opts);
    let best = fit_whole_run(&families, particle, times, &whole, &err)?;
    let (candidates, mut replicas_of) = cross_validate(&best, data, particle, &err, opts.threads);
    let chosen = one_standard_error_choice(&candidates)?;
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
    let trap_omega = (particle.trap_kappa_ev_per_a2 / MVV2E / particle.mass_amu).sqrt();
    fit.responses = [0.0, trap_omega].iter().map(|&w| fit.response(w)).collect();
    Ok(fit)
}

/// The families to try, simplest first: 0..=max_modes exponential modes, each below the maximum also
/// with a shell when `opts.shell`.
fn candidate_families(opts: &FitOptions) -> Vec<Family> {
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
    families
}

/// Whole-run fits of every family with their χ², each family started from its simpler neighbour's
/// optimum (the Markov family from a log scan of γ).
fn fit_whole_run(
    families: &[Family],
    particle: &TrappedParticle,
    times: &[f64],
    whole: &Target,
    err: &Target,
) -> Result<Vec<(Family, MemoryBath, f64)>> {
    let mass = particle.mass_amu;
    let scan = (0..=80)
        .map(|i| MemoryBath::markov((1e1f64).powf(i as f64 * 0.075)))
        .min_by(|a, b| {
            chi_square(particle, a, times, whole, err)
                .total_cmp(&chi_square(particle, b, times, whole, err))
        })
        .expect("non-empty scan");
    let mut best: Vec<(Family, MemoryBath, f64)> = Vec::new();
    for &family in families {
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
        let (bath, chi) = fit_family(family, &start_set, particle, times, whole, err)
            .with_context(|| format!("no finite fit for the family {}", family.label()))?;
        best.push((family, bath, chi));
    }
    Ok(best)
}

/// Leave-one-block-out refits of every family (started from its whole-run fit), in parallel: each
/// family's cross-validation score with its standard error, and its jackknife replicas (none, and an
/// infinite score, where a refit failed).
fn cross_validate(
    best: &[(Family, MemoryBath, f64)],
    data: &AcfData,
    particle: &TrappedParticle,
    err: &Target,
    threads: usize,
) -> (Vec<CandidateScore>, Vec<Vec<MemoryBath>>) {
    let times = &data.times_ps;
    let nb = data.blocks();
    let jobs: Vec<(usize, usize)> = (0..best.len())
        .flat_map(|f| (0..nb).map(move |b| (f, b)))
        .collect();
    let refits = parallel_map(&jobs, threads, |&(f, b)| {
        let (family, start, _) = &best[f];
        let train = data.target(|c| c != b);
        fit_family(
            *family,
            std::slice::from_ref(start),
            particle,
            times,
            &train,
            err,
        )
        .map(|(bath, _)| {
            let held = data.target(|c| c == b);
            // The held-out block's noise is √B times the whole run's.
            let score = chi_square(particle, &bath, times, &held, err) / nb as f64;
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
                let (mean, var) = crate::analysis::stats::mean_var(&scores);
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
    (candidates, replicas_of)
}

/// One-standard-error rule: the simplest candidate whose score is within one standard error of the
/// best score, so a mode must improve the prediction of unseen blocks by more than the noise.
fn one_standard_error_choice(candidates: &[CandidateScore]) -> Result<usize> {
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
    Ok((0..candidates.len())
        .filter(|&c| candidates[c].cross_validation <= threshold)
        .min_by_key(|&c| (candidates[c].parameters, candidates[c].family.shell))
        .expect("the lowest score passes its own threshold"))
}
