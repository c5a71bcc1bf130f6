//! One [`Engine`] per replica of a [`BatchEngine`], so that each replica is driven by the ordinary single-run
//! driver (`crate::run`) in a thread of its own, with its own schedule, checkpoints and resume.
//!
//! Queries (observe, state, restore, zero_ledger, positions) act on their replica at once. `advance(n)` says
//! "replica r wants n more steps" and blocks; as soon as every live replica is blocked in `advance`, the batch
//! advances all of them by m = the least of their remaining requests, with exactly them active, and wakes
//! those whose request is met. A replica whose run ends (finished, failed, stopped) drops its handle and
//! leaves the live set, and the others then go on without it; so replicas at different steps (resumed from
//! different checkpoints), with different sampling schedules, or failing, never hold the others up.

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

    /// One batched advance of every waiting replica by the least of their requests. An error goes to every
    /// replica that took part, since none of them can know how far it got.
    fn advance_waiting(&mut self) {
        let active: Vec<bool> = self
            .live
            .iter()
            .zip(&self.wanted)
            .map(|(&l, &w)| l && w > 0)
            .collect();
        let m = self
            .wanted
            .iter()
            .zip(&active)
            .filter(|(_, &a)| a)
            .map(|(&w, _)| w)
            .min()
            .expect("advance_waiting is called with a replica waiting");
        let result = self
            .engine
            .advance(&active, m)
            .map_err(|e| format!("batched advance of {m} steps: {e:#}"));
        for r in (0..active.len()).filter(|&r| active[r]) {
            match &result {
                Ok(()) => {
                    self.wanted[r] -= m;
                    if self.wanted[r] == 0 {
                        self.ended[r] = Some(Ok(()));
                    }
                }
                Err(e) => {
                    self.wanted[r] = 0;
                    self.ended[r] = Some(Err(e.clone()));
                }
            }
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
        loop {
            if let Some(end) = b.ended[self.r].take() {
                return end.map_err(|e| anyhow!(e));
            }
            if b.all_waiting() {
                b.advance_waiting();
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

    /// Three replicas in threads asking for steps in different pieces (4+4+4+3, 6+6+3, 12 then leaving) are
    /// advanced together by the least request, and each ends exactly where its own engine, advanced alone,
    /// ends. The one that leaves early does not hold the others up.
    #[test]
    fn uneven_requests_advance_together_and_end_where_single_engines_do() {
        let (handles, calls, mut alone) = batch(3, None);
        let pieces = [vec![4, 4, 4, 3], vec![6, 6, 3], vec![12]];
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
        // All three wait from the start: 4 steps together first; once 2 has its 12 steps and leaves, 0 and 1
        // take their last 3 steps together without it.
        let calls = calls.lock().unwrap().clone();
        assert_eq!(calls[0], (vec![true, true, true], 4), "{calls:?}");
        assert_eq!(
            calls.last().unwrap(),
            &(vec![true, true, false], 3),
            "{calls:?}"
        );
        let total: [u64; 3] = std::array::from_fn(|r| {
            calls
                .iter()
                .filter(|(a, _)| a[r])
                .map(|(_, m)| m)
                .sum::<u64>()
        });
        assert_eq!(total, [15, 15, 12]);
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
