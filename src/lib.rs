//! nanodemon: molecular dynamics of nanoscale heat machines driven by nonreciprocal "demon" forces,
//! and the stochastic-thermodynamics toolkit that explains what the simulations measure.
//!
//! Every subcommand of the `nanodemon` binary is a library function; `main.rs` only parses and prints.

pub mod compare;
pub mod engine;
pub mod gpu;
pub mod physics;
pub mod scenario;
pub mod system;
pub mod units;
