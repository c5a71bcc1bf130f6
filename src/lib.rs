//! nanodemon: molecular dynamics of nanoscale heat machines driven by nonreciprocal "demon" forces,
//! and the stochastic-thermodynamics toolkit that explains what the simulations measure.
//!
//! Every subcommand of the `nanodemon` binary is a library function; `main.rs` only parses and prints.

pub mod analysis;
pub mod bench;
pub mod com_csv;
pub mod compare;
pub mod engine;
pub mod ensemble;
pub mod export;
pub mod gpu;
pub mod ledger;
pub mod physics;
pub mod plot;
pub mod provenance;
pub mod run;
pub mod scenario;
pub mod stop;
pub mod sweep;
pub mod system;
pub mod theory;
pub mod trajectory;
pub mod units;
