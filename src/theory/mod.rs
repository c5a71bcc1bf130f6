//! Theory that the simulations are compared with.

pub mod demon_pair;
pub mod gauss_kronrod;
pub mod golden;
pub mod langevin;
pub mod memory;
pub mod ndemon;
pub mod periodic;
