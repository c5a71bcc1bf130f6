//! Stopping a run cleanly on a signal: SIGTERM (Slurm's time limit, preemption, `kill`) or SIGUSR1 (Slurm's
//! `--signal` warning) sets a flag the run loop checks at each stop; the run goes on to its next scheduled
//! checkpoint (so `--resume` stays byte-identical to an uninterrupted run), then returns [`Stopped`], which
//! the binary turns into exit code [`EXIT_STOPPED`], so a batch script can tell "checkpointed, requeue me" from
//! success and from failure. Repeated signals change nothing (Slurm may send
//! TERM to the run while the batch script forwards its own warning); SIGINT and SIGKILL still end it at once.

use std::sync::atomic::{AtomicI32, Ordering};

/// Exit code of a run stopped by a signal after checkpointing (EX_TEMPFAIL: try again later).
pub const EXIT_STOPPED: i32 = 75;

/// The signal that asked for a stop, 0 while none has.
static REQUESTED: AtomicI32 = AtomicI32::new(0);

/// The signal handler: async-signal-safe (one atomic compare-and-swap; the first signal is the one reported).
extern "C" fn on_signal(sig: libc::c_int) {
    let _ = REQUESTED.compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst);
}

/// Routes SIGTERM and SIGUSR1 to the stop flag. Called by the binary for `run` and `sweep run` only, so
/// library users and tests keep the default dispositions.
pub fn install() {
    let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
    for sig in [libc::SIGTERM, libc::SIGUSR1] {
        // SAFETY: `on_signal` only touches an atomic, which is async-signal-safe.
        unsafe {
            libc::signal(sig, handler);
        }
    }
}

/// The signal that asked this process to stop, if one has.
pub fn requested() -> Option<i32> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// The error a run returns after it checkpointed on a signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub signal: i32,
    pub step: u64,
}

/// "SIGTERM", "SIGUSR1", or "signal N".
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGTERM => "SIGTERM".to_string(),
        libc::SIGUSR1 => "SIGUSR1".to_string(),
        s => format!("signal {s}"),
    }
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stopped by {} at the checkpoint of step {}; continue with --resume (exit code {EXIT_STOPPED})",
            signal_name(self.signal),
            self.step
        )
    }
}

impl std::error::Error for Stopped {}
