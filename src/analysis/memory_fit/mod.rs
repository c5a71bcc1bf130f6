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
//!
//! Modules: [`acf`] (the data), [`family`] (the models), [`fit`] (fit, cross-validation, errors),
//! [`jackknife`], [`from_run`] (an equilibrium run's two baths), [`theory`] (predictions for a driven run).

pub mod acf;
pub mod family;
pub mod fit;
pub mod from_run;
pub mod jackknife;
pub mod theory;

pub use acf::AcfData;
pub use family::{Family, TrappedParticle};
pub use fit::{fit_bath, BathFit, CandidateScore, NamedEstimate, ResponseEstimate};
pub use from_run::{fit_run, measured_kinetic_temperatures, FittedBaths, Liquid};
pub use jackknife::jackknife_error;
pub use theory::{
    check_system, memory_theory, pair_for, write_memory_sweep_csv, MemoryErrors, MemoryTheory,
};

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
