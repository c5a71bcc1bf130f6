//! The CPU executor of a batch: R independent [`CpuEngine`]s, the active ones advanced at once, each on its
//! own thread (and its own force workers), so a batch of R on the CPU runs like R single runs side by side.

use super::BatchEngine;
use crate::engine::cpu::CpuEngine;
use crate::engine::{Engine, Observation, State};
use crate::scenario::Scenario;
use crate::system::System;
use anyhow::{anyhow, bail, Result};
use glam::DVec3;

/// R [`CpuEngine`]s behind [`BatchEngine`]. Replica r is exactly the engine a single run of `scenarios[r]`
/// creates with the same `threads`, and it only ever advances by whole steps of its own, so its trajectory
/// (bits included) is that run's, however the others are scheduled.
///
/// A replica whose step fails (atoms lost, NaN) is frozen with its error, which its next call returns; the
/// batch's `advance` still succeeds for the others, so one replica blowing up ends its own run only, as it
/// would have as a separate run.
pub struct CpuBatch {
    engines: Vec<CpuEngine>,
    failed: Vec<Option<String>>,
}

impl CpuBatch {
    /// One engine per `(scenarios[r], systems[r])`, each with `threads` force workers.
    pub fn new(scenarios: &[Scenario], systems: &[System], threads: usize) -> Result<CpuBatch> {
        if scenarios.len() != systems.len() {
            bail!(
                "{} scenarios but {} systems: one system per scenario",
                scenarios.len(),
                systems.len()
            );
        }
        let engines = scenarios
            .iter()
            .zip(systems)
            .map(|(sc, sys)| CpuEngine::new(sc, sys, threads))
            .collect::<Result<Vec<_>>>()?;
        Ok(CpuBatch {
            failed: vec![None; engines.len()],
            engines,
        })
    }

    /// Replica r's engine, or the error that froze it (or an out-of-range index).
    fn engine(&mut self, r: usize) -> Result<&mut CpuEngine> {
        if let Some(Some(e)) = self.failed.get(r) {
            return Err(anyhow!("{e}"));
        }
        let n = self.engines.len();
        self.engines
            .get_mut(r)
            .ok_or_else(|| anyhow!("replica {r} of a batch of {n}"))
    }
}

impl BatchEngine for CpuBatch {
    fn replicas(&self) -> usize {
        self.engines.len()
    }

    fn describe(&self) -> String {
        let one = self
            .engines
            .first()
            .map(|e| e.describe())
            .unwrap_or_else(|| "cpu".into());
        format!("{one}, batch of {}", self.engines.len())
    }

    fn advance(&mut self, active: &[bool], steps: u64) -> Result<()> {
        if active.len() != self.engines.len() {
            bail!(
                "advance: {} activity flags for {} replicas",
                active.len(),
                self.engines.len()
            );
        }
        let errors: Vec<Option<String>> = std::thread::scope(|s| {
            let running: Vec<_> = self
                .engines
                .iter_mut()
                .zip(active)
                .zip(&self.failed)
                .map(|((e, &on), failed)| {
                    (on && failed.is_none()).then(|| s.spawn(move || e.advance(steps)))
                })
                .collect();
            running
                .into_iter()
                .map(|h| {
                    h.and_then(|h| match h.join() {
                        Ok(r) => r.err().map(|e| format!("{e:#}")),
                        Err(_) => Some("the replica's engine thread panicked".into()),
                    })
                })
                .collect()
        });
        for (f, e) in self.failed.iter_mut().zip(errors) {
            if e.is_some() {
                *f = e;
            }
        }
        Ok(())
    }

    fn observe(&mut self, r: usize) -> Result<Observation> {
        self.engine(r)?.observe()
    }

    fn zero_ledger(&mut self, r: usize) -> Result<()> {
        self.engine(r)?.zero_ledger()
    }

    fn state(&mut self, r: usize) -> Result<State> {
        self.engine(r)?.state()
    }

    fn restore(&mut self, r: usize, state: &State) -> Result<()> {
        self.engine(r)?.restore(state)
    }

    fn positions(&mut self, r: usize) -> Result<Vec<DVec3>> {
        self.engine(r)?.positions()
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::system::build_system;

    /// The small refrigerator with its seed and κ_H replaced (a different start and different forces).
    pub(in crate::engine::batch) fn small(seed: u64, kappa_hot: f64) -> Scenario {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join("small-refrigerator.json");
        let mut sc = Scenario::load(&path).unwrap();
        sc.seed = seed;
        sc.controller.kappa_hot_ev_per_a2 = kappa_hot;
        sc
    }

    /// A replica advanced in uneven pieces while another runs or stands still ends bit for bit where its own
    /// engine, advanced alone, ends: the batch neither mixes replicas nor moves a frozen one.
    #[test]
    fn replicas_follow_their_own_engines_bit_for_bit() {
        let scs = [small(1, 0.2), small(2, 0.5)];
        let systems: Vec<System> = scs.iter().map(|s| build_system(s).unwrap()).collect();
        let mut batch = CpuBatch::new(&scs, &systems, 1).unwrap();
        let mut alone: Vec<CpuEngine> = scs
            .iter()
            .zip(&systems)
            .map(|(sc, sys)| CpuEngine::new(sc, sys, 1).unwrap())
            .collect();
        batch.advance(&[true, true], 7).unwrap();
        batch.advance(&[false, true], 5).unwrap();
        batch.advance(&[true, false], 3).unwrap();
        alone[0].advance(10).unwrap();
        alone[1].advance(12).unwrap();
        for (r, e) in alone.iter_mut().enumerate() {
            assert_eq!(
                batch.observe(r).unwrap(),
                e.observe().unwrap(),
                "replica {r}"
            );
            assert_eq!(
                batch.positions(r).unwrap(),
                e.positions().unwrap(),
                "replica {r}"
            );
        }
        assert_eq!(batch.observe(0).unwrap().step, 10);
        assert!(batch.observe(2).is_err(), "replica out of range");
    }
}
