//! One [`Engine`] per replica of a [`BatchEngine`], so that each replica is driven by the ordinary single-run
//! driver (`crate::run`) in a thread of its own, with its own schedule, checkpoints and resume.
//!
//! Queries (observe, state, restore, zero_ledger, positions) act on their replica at once. `advance(n)` says
//! "replica r wants n more steps" and blocks; as soon as every live replica is blocked in `advance`, the batch
//! advances the replica that has waited longest together with every waiting replica that asked for the same n,
//! by n steps in one call, and wakes them. A replica whose run ends (finished, failed, stopped) drops its
//! handle and leaves the live set, and the others then go on without it; so replicas at different steps
//! (resumed from different checkpoints), with different schedules, or failing, never hold the others up.
//!
//! Why whole requests, never a split one: every replica then receives exactly the sequence of `advance` calls
//! its single run makes, so its bits are the single run's even on an engine whose arithmetic depends on how
//! steps are grouped into calls (the GPU engine's does: advance(37) + advance(63) is not bit-identical to
//! advance(100)). Replicas of one sweep share their schedule, so they ask for the same n at every stop and all
//! move together; replicas out of phase (one in equilibration, one in production) take turns.

use super::BatchEngine;
use crate::engine::{Engine, Observation, State};
use anyhow::{anyhow, Result};
use glam::DVec3;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Replica r of a shared batch, as an [`Engine`]. `Send`: each goes to the thread that runs its replica.
pub struct BatchReplica {
    r: usize,
    shared: Arc<Shared>,
}

struct Shared {
    batch: Mutex<Batch>,
    /// Signalled after every batched advance and whenever a replica leaves.
    turn: Condvar,
}

struct Batch {
    engine: Box<dyn BatchEngine>,
    /// Replicas whose handle still exists.
    live: Vec<bool>,
    /// Steps replica r still waits for; 0 while it is not in `advance`.
    wanted: Vec<u64>,
    /// How replica r's last request ended, once it has: met, or the batch's error message.
    ended: Vec<Option<Result<(), String>>>,
    /// When replica r made its current request, in requests made so far (the oldest goes first).
    ticket: Vec<u64>,
    requests: u64,
}

/// Splits a batch into one handle per replica (handle r is replica r).
pub fn split(engine: Box<dyn BatchEngine>) -> Vec<BatchReplica> {
    let n = engine.replicas();
    let shared = Arc::new(Shared {
        batch: Mutex::new(Batch {
            engine,
            live: vec![true; n],
            wanted: vec![0; n],
            ended: vec![None; n],
            ticket: vec![0; n],
            requests: 0,
        }),
        turn: Condvar::new(),
    });
    (0..n)
        .map(|r| BatchReplica {
            r,
            shared: shared.clone(),
        })
        .collect()
}

impl Batch {
    /// Every live replica is waiting in `advance` (at least one is).
    fn all_waiting(&self) -> bool {
        let mut any = false;
        for (&live, &wanted) in self.live.iter().zip(&self.wanted) {
            if live && wanted == 0 {
                return false;
            }
            any |= live && wanted > 0;
        }
        any
    }

    /// One batched advance: the longest-waiting replica and every waiting replica with the same request, by
    /// that request in one call. An error goes to every replica that took part, since none of them can know how
    /// far it got.
    fn advance_oldest(&mut self) {
        let waiting = |r: usize| self.live[r] && self.wanted[r] > 0;
        let oldest = (0..self.live.len())
            .filter(|&r| waiting(r))
            .min_by_key(|&r| self.ticket[r])
            .expect("advance_oldest is called with a replica waiting");
        let n = self.wanted[oldest];
        let active: Vec<bool> = (0..self.live.len())
            .map(|r| waiting(r) && self.wanted[r] == n)
            .collect();
        let result = self
            .engine
            .advance(&active, n)
            .map_err(|e| format!("batched advance of {n} steps: {e:#}"));
        for r in (0..active.len()).filter(|&r| active[r]) {
            self.wanted[r] = 0;
            self.ended[r] = Some(result.clone());
        }
    }
}

impl BatchReplica {
    fn lock(&self) -> Result<MutexGuard<'_, Batch>> {
        self.shared
            .batch
            .lock()
            .map_err(|_| anyhow!("the batch engine panicked while another replica used it"))
    }
}

impl Engine for BatchReplica {
    fn describe(&self) -> String {
        self.lock()
            .map(|b| format!("{}, replica {}", b.engine.describe(), self.r))
            .unwrap_or_else(|e| e.to_string())
    }

    fn adapter(&self) -> Option<String> {
        self.lock().ok()?.engine.adapter()
    }

    fn driver(&self) -> Option<String> {
        self.lock().ok()?.engine.driver()
    }

    fn advance(&mut self, steps: u64) -> Result<()> {
        if steps == 0 {
            return Ok(());
        }
        let mut b = self.lock()?;
        b.wanted[self.r] = steps;
        b.ended[self.r] = None;
        b.ticket[self.r] = b.requests;
        b.requests += 1;
        loop {
            if let Some(end) = b.ended[self.r].take() {
                return end.map_err(|e| anyhow!(e));
            }
            if b.all_waiting() {
                b.advance_oldest();
                self.shared.turn.notify_all();
                continue;
            }
            b =
                self.shared.turn.wait(b).map_err(|_| {
                    anyhow!("the batch engine panicked while another replica used it")
                })?;
        }
    }

    fn observe(&mut self) -> Result<Observation> {
        self.lock()?.engine.observe(self.r)
    }

    fn zero_ledger(&mut self) -> Result<()> {
        self.lock()?.engine.zero_ledger(self.r)
    }

    fn state(&mut self) -> Result<State> {
        self.lock()?.engine.state(self.r)
    }

    fn restore(&mut self, state: &State) -> Result<()> {
        self.lock()?.engine.restore(self.r, state)
    }

    fn positions(&mut self) -> Result<Vec<DVec3>> {
        self.lock()?.engine.positions(self.r)
    }
}

/// Leaving the live set wakes the waiting replicas: if they are now all the live ones, one of them advances
/// the batch (a replica that failed or finished never holds the others up).
impl Drop for BatchReplica {
    fn drop(&mut self) {
        let mut b = self
            .shared
            .batch
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        b.live[self.r] = false;
        b.wanted[self.r] = 0;
        drop(b);
        self.shared.turn.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::super::cpu::tests::small;
    use super::super::CpuBatch;
    use super::*;
    use crate::engine::cpu::CpuEngine;
    use crate::system::{build_system, System};

    /// Every batched advance so far: which replicas, how many steps.
    type Calls = Arc<Mutex<Vec<(Vec<bool>, u64)>>>;

    /// A CPU batch that records every batched advance (which replicas, how many steps) and fails, for every
    /// replica, any advance that would take replica `fail_replica` past step `fail_after`.
    struct Recorder {
        inner: CpuBatch,
        calls: Calls,
        clock: Vec<u64>,
        fail: Option<(usize, u64)>,
    }

    impl BatchEngine for Recorder {
        fn replicas(&self) -> usize {
            self.inner.replicas()
        }
        fn describe(&self) -> String {
            self.inner.describe()
        }
        fn advance(&mut self, active: &[bool], steps: u64) -> Result<()> {
            self.calls.lock().unwrap().push((active.to_vec(), steps));
            if let Some((r, after)) = self.fail {
                if active[r] && self.clock[r] + steps > after {
                    anyhow::bail!("device lost");
                }
            }
            for (c, _) in self.clock.iter_mut().zip(active).filter(|(_, &a)| a) {
                *c += steps;
            }
            self.inner.advance(active, steps)
        }
        fn observe(&mut self, r: usize) -> Result<Observation> {
            self.inner.observe(r)
        }
        fn zero_ledger(&mut self, r: usize) -> Result<()> {
            self.inner.zero_ledger(r)
        }
        fn state(&mut self, r: usize) -> Result<State> {
            self.inner.state(r)
        }
        fn restore(&mut self, r: usize, s: &State) -> Result<()> {
            self.inner.restore(r, s)
        }
        fn positions(&mut self, r: usize) -> Result<Vec<DVec3>> {
            self.inner.positions(r)
        }
    }

    fn batch(n: usize, fail: Option<(usize, u64)>) -> (Vec<BatchReplica>, Calls, Vec<CpuEngine>) {
        let scs: Vec<_> = (0..n).map(|r| small(10 + r as u64, 0.2)).collect();
        let systems: Vec<System> = scs.iter().map(|s| build_system(s).unwrap()).collect();
        let calls = Calls::default();
        let rec = Recorder {
            inner: CpuBatch::new(&scs, &systems, 1).unwrap(),
            calls: calls.clone(),
            clock: vec![0; n],
            fail,
        };
        let alone = scs
            .iter()
            .zip(&systems)
            .map(|(sc, sys)| CpuEngine::new(sc, sys, 1).unwrap())
            .collect();
        (split(Box::new(rec)), calls, alone)
    }

    /// Runs `work(r, handle r)` for every replica in its own thread and returns the results in replica order;
    /// fails (rather than hangs) when they do not all end within a minute, as a deadlock would.
    fn in_threads<T: Send + 'static>(
        handles: Vec<BatchReplica>,
        work: impl Fn(usize, BatchReplica) -> T + Send + Clone + 'static,
    ) -> Vec<T> {
        let (tx, rx) = std::sync::mpsc::channel();
        let n = handles.len();
        for (r, h) in handles.into_iter().enumerate() {
            let (tx, work) = (tx.clone(), work.clone());
            std::thread::spawn(move || tx.send((r, work(r, h))).unwrap());
        }
        let mut out: Vec<Option<T>> = (0..n).map(|_| None).collect();
        for _ in 0..n {
            let (r, v) = rx
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("replicas deadlocked: not all ended within a minute");
            out[r] = Some(v);
        }
        out.into_iter().map(Option::unwrap).collect()
    }

    /// Four replicas in threads asking for steps in different pieces (two alike, 4+4+4+3; 6+6+3; 12, then
    /// leaving): each receives exactly its own requests as whole calls (so its bits are its single run's on any
    /// engine), the two alike always in the same call, and each ends exactly where its own engine, advanced
    /// alone, ends. None waits for one that has left.
    #[test]
    fn replicas_get_their_own_requests_whole_and_alike_ones_move_together() {
        let (handles, calls, mut alone) = batch(4, None);
        let pieces = [vec![4, 4, 4, 3], vec![4, 4, 4, 3], vec![6, 6, 3], vec![12]];
        let p = pieces.clone();
        let obs = in_threads(handles, move |r, mut h| {
            for &n in &p[r] {
                h.advance(n).unwrap();
            }
            h.observe().unwrap()
        });
        for ((e, o), p) in alone.iter_mut().zip(&obs).zip(&pieces) {
            e.advance(p.iter().sum()).unwrap();
            assert_eq!(&e.observe().unwrap(), o);
        }
        let calls = calls.lock().unwrap().clone();
        for (r, p) in pieces.iter().enumerate() {
            let got: Vec<u64> = calls
                .iter()
                .filter(|(a, _)| a[r])
                .map(|(_, n)| *n)
                .collect();
            assert_eq!(&got, p, "replica {r}'s calls: {calls:?}");
        }
        assert!(calls.iter().all(|(a, _)| a[0] == a[1]), "{calls:?}");
    }

    /// A replica that never advances (its run failed before its first step) and then drops does not
    /// deadlock the others; an engine error reaches every replica that was waiting on that advance.
    #[test]
    fn a_dropped_replica_releases_the_others_and_errors_reach_every_waiter() {
        let (handles, _, _) = batch(3, Some((1, 5)));
        let results = in_threads(handles, |r, mut h| {
            if r == 2 {
                std::thread::sleep(std::time::Duration::from_millis(50));
                return Ok(());
            }
            h.advance(3).map_err(|e| e.to_string())?;
            h.advance(3).map_err(|e| e.to_string())
        });
        assert_eq!(results[2], Ok(()));
        for e in &results[..2] {
            let e = e.as_ref().unwrap_err();
            assert!(e.contains("device lost") && e.contains("3 steps"), "{e}");
        }
    }
}
