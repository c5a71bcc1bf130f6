//! A bath with memory (issue 11): the generalised Langevin equation in Markovian embedding, its exact
//! stationary statistics by the Lyapunov equation of the extended linear system, the demon pair with
//! such baths, and an exact simulator of the extended SDE.

pub mod bath;
pub mod dense;
pub mod pair;
pub mod simulate;
pub mod system;
