//! Many systems advanced together: the interface of an engine that holds R replicas (same atom count and
//! geometry; their own seeds, κ values, bath temperatures, thermostats, bodies, ledgers and neighbour lists)
//! and advances any subset of them in the same dispatches.
//!
//! Why a subset: every replica runs the single-run driver (`crate::run`) on its own, so replicas resumed from
//! different checkpoints, or a replica that has finished or failed, fall out of step; the engine freezes the
//! replicas not asked to move (their state, clock and ledger untouched), so each replica's trajectory is that
//! of the single run of its scenario, whatever the others do.

use super::{Observation, State};
use anyhow::Result;
use glam::DVec3;

/// R replicas behind one engine, addressed by index `r < replicas()`. Each per-replica method means exactly
/// what the [`super::Engine`] method of the same name means for a single run.
pub trait BatchEngine: Send {
    /// Number of replicas R.
    fn replicas(&self) -> usize;
    /// "cpu" or "gpu (adapter, …)", as [`super::Engine::describe`], with the replica count.
    fn describe(&self) -> String;
    fn adapter(&self) -> Option<String> {
        None
    }
    fn driver(&self) -> Option<String> {
        None
    }
    /// Advances the replicas with `active[r]` by `steps` steps together; the others do not move.
    /// `active.len() == replicas()`.
    fn advance(&mut self, active: &[bool], steps: u64) -> Result<()>;
    fn observe(&mut self, r: usize) -> Result<Observation>;
    fn zero_ledger(&mut self, r: usize) -> Result<()>;
    fn state(&mut self, r: usize) -> Result<State>;
    /// Replaces replica r's state, rebuilds its neighbour list and recomputes its forces; the other replicas
    /// are not touched.
    fn restore(&mut self, r: usize, state: &State) -> Result<()>;
    fn positions(&mut self, r: usize) -> Result<Vec<DVec3>>;
}

mod cpu;
mod replica;

pub use cpu::CpuBatch;
pub use replica::{split, BatchReplica};

use super::Backend;
use crate::gpu::{AdapterChoice, GpuContext, GpuRequirement};
use crate::scenario::Scenario;
use crate::system::System;

/// Creates the batch engine for `backend` holding one replica per `(scenarios[r], systems[r])`, returning it
/// with the backend actually used, with the choices of [`super::create`]: `Gpu` takes any adapter, `Auto` a
/// hardware GPU when one exists and else the CPU (and says so on stderr). `threads`: CPU worker threads of each
/// replica (a CPU replica sums its forces per thread, so its bits depend on it, as a single run's do).
pub fn create(
    backend: Backend,
    scenarios: &[Scenario],
    systems: &[System],
    threads: usize,
    adapter: &AdapterChoice,
) -> Result<(Box<dyn BatchEngine>, Backend)> {
    let cpu = || -> Result<(Box<dyn BatchEngine>, Backend)> {
        Ok((
            Box::new(CpuBatch::new(scenarios, systems, threads)?),
            Backend::Cpu,
        ))
    };
    let gpu = |ctx: GpuContext| -> Result<(Box<dyn BatchEngine>, Backend)> {
        let scs: Vec<&Scenario> = scenarios.iter().collect();
        let syss: Vec<&System> = systems.iter().collect();
        Ok((
            Box::new(super::gpu::GpuEngine::with_replicas(&scs, &syss, ctx)?),
            Backend::Gpu,
        ))
    };
    match backend {
        Backend::Cpu => cpu(),
        Backend::Gpu => gpu(GpuContext::new(GpuRequirement::Required, adapter)?
            .expect("Required never returns None")),
        Backend::Auto => match GpuContext::new(GpuRequirement::Hardware, adapter)? {
            Some(ctx) => {
                eprintln!(
                    "backend auto: using GPU adapter {} ({}) for {} replicas",
                    ctx.adapter_name,
                    ctx.backend,
                    scenarios.len()
                );
                gpu(ctx)
            }
            None => {
                eprintln!(
                    "backend auto: no hardware GPU adapter, running {} replicas on the CPU ({threads} threads each)",
                    scenarios.len()
                );
                cpu()
            }
        },
    }
}
