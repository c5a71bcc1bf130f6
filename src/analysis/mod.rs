//! Analysis of runs: heat.csv and run.json readers, fits with autocorrelation-aware error bars,
//! power statistics, friction estimates and figures, always side by side with the theory.

pub mod stats;
