//! Reading a run's progress back from its run.log: the last progress line `run` wrote (simulated time, speed,
//! ETA), for `sweep status` and for the progress lines of `run-batch`, which read it while the run goes on.

use anyhow::Result;
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// A run's speed and position from the last progress line of its run.log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProgressRate {
    /// Simulated ns per wall-clock day.
    pub ns_per_day: f64,
    /// Wall-clock seconds to the end of the run at that speed, counted from `at_utc`.
    pub eta_s: f64,
    /// When the line was written (UTC, ISO 8601).
    pub at_utc: String,
    /// Simulated time so far and at the end of the run (equilibration included), ns.
    pub done_ns: f64,
    pub total_ns: f64,
}

/// The last progress line of DIR/run.log (`None` before the first one).
pub fn last_progress(run_dir: &Path) -> Option<ProgressRate> {
    let text = tail(&run_dir.join("run.log"), 16_384).ok()?;
    text.lines().rev().find_map(parse_progress)
}

/// Reads "TIME [phase] A / B ns simulated (..), R steps/s, X ns/day, ETA .." as `run::progress_line` writes it.
fn parse_progress(line: &str) -> Option<ProgressRate> {
    let (at, rest) = line.split_once(' ')?;
    let rest = rest.strip_prefix('[')?;
    let (_, rest) = rest.split_once("] ")?;
    let (done, rest) = rest.split_once(" / ")?;
    let (total, rest) = rest.split_once(" ns simulated")?;
    let (_, rest) = rest.split_once("steps/s, ")?;
    let (rate, _) = rest.split_once(" ns/day")?;
    let (done_ns, total_ns, ns_per_day): (f64, f64, f64) =
        (done.parse().ok()?, total.parse().ok()?, rate.parse().ok()?);
    Some(ProgressRate {
        ns_per_day,
        eta_s: if ns_per_day > 0.0 {
            (total_ns - done_ns).max(0.0) / ns_per_day * crate::units::SECONDS_PER_DAY
        } else {
            f64::INFINITY
        },
        at_utc: at.to_string(),
        done_ns,
        total_ns,
    })
}

/// The last `n` bytes of a file, from the first full line.
pub fn tail(path: &Path, n: u64) -> Result<String> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let start = len.saturating_sub(n);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::new();
    f.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    Ok(match (start > 0, text.find('\n')) {
        (true, Some(i)) => text[i + 1..].to_string(),
        _ => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_lines_give_rate_and_eta() {
        let r = parse_progress(
            "2026-12-03T15:13:36Z [production] 0.250 / 1.250 ns simulated (20%), 303 steps/s, 2.000 ns/day, \
             ETA 1 h 0 min, T_C 100.1 K, T_H 119.8 K",
        )
        .unwrap();
        assert_eq!(r.ns_per_day, 2.0);
        assert_eq!(r.eta_s, 0.5 * 86_400.0);
        assert_eq!(r.at_utc, "2026-12-03T15:13:36Z");
        assert_eq!((r.done_ns, r.total_ns), (0.25, 1.25));
        assert_eq!(parse_progress("2026-12-03T15:13:35Z engine: cpu"), None);
    }
}
