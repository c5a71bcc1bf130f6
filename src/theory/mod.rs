//! Theory that the simulations are compared with.

pub mod periodic;
