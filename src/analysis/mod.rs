//! Analysis of runs: heat.csv and run.json readers, fits with autocorrelation-aware error bars,
//! power statistics, friction estimates and figures, always side by side with the theory.

pub mod figures;
pub mod fit;
pub mod friction;
pub mod heat_checks;
pub mod heat_rate;
pub mod kappa_figures;
pub mod memory_fit;
pub mod nelder_mead;
pub mod report;
pub mod run_dir;
pub mod stats;
pub mod sweep;
