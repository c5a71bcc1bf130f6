//! The `Engine` trait and what crosses it: one physics, two executors.
//!
//! `cpu` is the readable f64 reference; `gpu` runs the same step in WGSL and is tested against it. The run
//! driver (`crate::run`) only talks to this trait: it advances an engine between sampling points, reads an
//! [`Observation`] at each, and saves/restores a [`State`] at checkpoints.

pub mod batch;
mod baths;
pub mod cpu;
pub mod gpu;
mod observe;
pub mod state;

pub use observe::Measurement;
pub use state::{Accumulators, BodyState, State};

use crate::gpu::{AdapterChoice, GpuContext, GpuRequirement};
use crate::scenario::Scenario;
use crate::system::System;
use anyhow::Result;
use glam::DVec3;
use serde::{Deserialize, Serialize};

/// Which executor runs the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A GPU adapter when one exists, else the CPU (and it says so).
    Auto,
    /// The GPU (f32, long accumulations compensated); an error when no adapter exists.
    Gpu,
    /// The CPU (f64; for MD, the reference engine).
    Cpu,
}

/// Everything the ledger, heat.csv and the conservation tests need at one sampling point. Index 0 is the
/// cold side, 1 the hot side. Energies eV, positions Å, velocities Å/ps, temperatures K.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// Steps since the start of the run (equilibration included).
    pub step: u64,
    /// Energy removed from each bath by its thermostat since the ledger was zeroed.
    pub thermostat_heat: [f64; 2],
    /// Bath energy E_b: kinetic + potential of the bath's argon, with bath–bath and bath–wall pairs in full and
    /// bath–particle pairs half.
    pub bath_energy: [f64; 2],
    /// Bath temperature from its kinetic energy with N_f = 3N − 3.
    pub temperature: [f64; 2],
    /// Stratonovich work of the controller's nonconservative forces on each particle since the ledger was
    /// zeroed (seed 000, Eq. 19).
    pub work: [f64; 2],
    /// Heat each particle dissipated into its surroundings since the ledger was zeroed: minus the Stratonovich
    /// work of the interaction forces and torques on it. Independent of `work` and `particle_energy`, so the
    /// first law ΔE = W − Q per particle is a test, not an identity.
    pub particle_heat: [f64; 2],
    /// Particle energy: ½MV² + ½L·ω + the controller's conservative potential (seed 000, Eq. 17).
    pub particle_energy: [f64; 2],
    /// Centre-of-mass displacement from the own trap centre.
    pub displacement: [DVec3; 2],
    /// Centre-of-mass velocity.
    pub velocity: [DVec3; 2],
    /// Kinetic energy of everything that moves.
    pub kinetic_energy: f64,
    /// LJ energy of all pairs plus the controller's conservative potential.
    pub potential_energy: f64,
    /// Energy stored in the thermostat chains.
    pub chain_energy: f64,
    /// K + U + E_chains − (all nonconservative work since step 0): constant up to integration error.
    pub conserved: f64,
    /// Total momentum of bath atoms and particles, amu·Å/ps.
    pub momentum: DVec3,
    /// Impulse of the controller's forces on both particles since step 0, amu·Å/ps (trapezoidal, exactly as
    /// velocity Verlet applies it).
    pub controller_impulse: DVec3,
}

/// One executor of the MD step.
pub trait Engine {
    /// "cpu", or "gpu" with the adapter, for logs and run.json.
    fn describe(&self) -> String;
    /// The GPU adapter's name, for run.json; `None` on the CPU.
    fn adapter(&self) -> Option<String> {
        None
    }
    /// The GPU driver's name and version, for run.json; `None` on the CPU.
    fn driver(&self) -> Option<String> {
        None
    }
    /// Advances `steps` timesteps. GPU engines record many steps per submit and do not wait.
    fn advance(&mut self, steps: u64) -> Result<()>;
    /// A sampling point: waits for the work in flight and reads everything back. A pure query: it changes
    /// no state and no ledger total, so how often it is called (the progress line calls it on a wall-clock
    /// timer) changes no trajectory and no heat.csv byte.
    fn observe(&mut self) -> Result<Observation>;
    /// Zeroes thermostat heat, work and particle heat (start of production).
    fn zero_ledger(&mut self) -> Result<()>;
    /// The full dynamical state, for checkpoints.
    fn state(&mut self) -> Result<State>;
    /// Replaces the dynamical state, rebuilds neighbour lists and recomputes forces. Runs call it right
    /// after every checkpoint too, so a resumed run follows bit for bit the path of an uninterrupted one.
    fn restore(&mut self, state: &State) -> Result<()>;
    /// Current atom positions (wrapped), for snapshots.
    fn positions(&mut self) -> Result<Vec<DVec3>>;
}

/// Creates the engine for `backend`, returning it with the backend actually used. `Gpu` takes any adapter
/// (lavapipe included, which is how CI tests the GPU path); `Auto` takes a hardware GPU when one exists and
/// says which, else falls back to the CPU and says so (on stderr), since an emulated GPU is slower than the
/// native CPU engine. `adapter` picks the GPU (`--adapter`, NANODEMON_ADAPTER); an explicit one is used
/// under `Auto` too.
pub fn create(
    backend: Backend,
    sc: &Scenario,
    sys: &System,
    threads: usize,
    adapter: &AdapterChoice,
) -> Result<(Box<dyn Engine>, Backend)> {
    let gpu = |ctx: GpuContext| -> Result<(Box<dyn Engine>, Backend)> {
        Ok((Box::new(gpu::GpuEngine::new(sc, sys, ctx)?), Backend::Gpu))
    };
    match backend {
        Backend::Cpu => Ok((
            Box::new(cpu::CpuEngine::new(sc, sys, threads)?),
            Backend::Cpu,
        )),
        Backend::Gpu => gpu(GpuContext::new(GpuRequirement::Required, adapter)?
            .expect("Required never returns None")),
        Backend::Auto => {
            match GpuContext::new(GpuRequirement::Hardware, adapter)? {
                Some(ctx) => {
                    eprintln!(
                        "backend auto: using GPU adapter {} ({})",
                        ctx.adapter_name, ctx.backend
                    );
                    gpu(ctx)
                }
                None => {
                    eprintln!("backend auto: no hardware GPU adapter, running on the CPU ({threads} threads)");
                    Ok((
                        Box::new(cpu::CpuEngine::new(sc, sys, threads)?),
                        Backend::Cpu,
                    ))
                }
            }
        }
    }
}
