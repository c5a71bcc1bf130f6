//! Which build made an output, where, when and how: the provenance block of run.json, and the units and
//! sign conventions a reader of heat.csv needs without the source at hand.
//!
//! The git commit, its dirty flag and the rustc version are embedded at build time by `build.rs` (they read
//! "unknown" when the crate was built outside a git checkout), so a version in an output changes with the code.

use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// `git rev-parse HEAD` of the checkout this binary was built from, or "unknown".
pub const GIT_COMMIT: &str = env!("NANODEMON_GIT_COMMIT");
/// "true" when tracked files differed from that commit at build time, "false", or "unknown".
pub const GIT_DIRTY: &str = env!("NANODEMON_GIT_DIRTY");
/// `rustc --version` of the compiler that built this binary.
pub const RUSTC: &str = env!("NANODEMON_RUSTC");
/// The crate version with the commit as semver build metadata, e.g. "0.1.0+g0e2ba94c1f2a.dirty".
pub const VERSION: &str = env!("NANODEMON_BUILD_VERSION");

/// Who made a run directory's outputs: build, machine, command and times.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    pub version: String,
    pub git_commit: String,
    pub git_dirty: String,
    pub rustc: String,
    /// The command line of the process that wrote the file (argv, unquoted).
    pub command_line: Vec<String>,
    pub host: String,
    /// UTC, ISO 8601 (e.g. "2026-12-03T15:07:52Z").
    pub started_utc: String,
    /// UTC, ISO 8601; `None` while the run is going.
    pub finished_utc: Option<String>,
    /// GPU adapter name, `None` on the CPU engine.
    pub adapter: Option<String>,
    /// GPU driver name and version as the adapter reports them, `None` on the CPU engine.
    pub driver: Option<String>,
}

impl Provenance {
    /// This process, now, on this host.
    pub fn now(adapter: Option<String>, driver: Option<String>) -> Provenance {
        Provenance {
            version: VERSION.into(),
            git_commit: GIT_COMMIT.into(),
            git_dirty: GIT_DIRTY.into(),
            rustc: RUSTC.into(),
            command_line: std::env::args().collect(),
            host: host_name(),
            started_utc: utc_now(),
            finished_utc: None,
            adapter,
            driver,
        }
    }
}

/// The host's name (kernel node name), or "unknown".
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().to_string())
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "unknown".into())
}

/// The current time, UTC, ISO 8601 to the second.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_iso8601(secs as i64)
}

/// Seconds since the Unix epoch as "YYYY-MM-DDThh:mm:ssZ" (proleptic Gregorian calendar; the days-to-date
/// step is Hinnant's `civil_from_days`, exact for every date after year 0).
pub fn utc_iso8601(unix_s: i64) -> String {
    let days = unix_s.div_euclid(86_400);
    let sod = unix_s.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60
    )
}

/// The units and sign conventions of every number nanodemon writes (LAMMPS "metal" units, seed 000's signs).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Conventions {
    pub length: String,
    pub time: String,
    pub energy: String,
    pub mass: String,
    pub temperature: String,
    pub velocity: String,
    pub boltzmann_ev_per_k: f64,
    pub heat_sign: String,
    pub bath_heat: String,
    pub work: String,
    pub positions: String,
    pub time_origin: String,
}

impl Conventions {
    pub fn current() -> Conventions {
        Conventions {
            length: "Å".into(),
            time: "ps".into(),
            energy: "eV".into(),
            mass: "amu".into(),
            temperature: "K".into(),
            velocity: "Å/ps".into(),
            boltzmann_ev_per_k: crate::units::KB_EV_PER_K,
            heat_sign: "seed 000: Q > 0 is heat dissipated from the nanoparticle into the bath".into(),
            bath_heat: "Q_b(t) = (energy the thermostat removed from bath b) + E_b(t) − E_b(0); E_b = bath kinetic \
                        energy + bath–bath and bath–wall pairs in full + bath–particle pairs half"
                .into(),
            work: "demon work, Stratonovich (midpoint) sums every step: dW_C = κ_C X_H ∘ dX_C, dW_H = κ_H X_C ∘ dX_H \
                   (seed 000, Eq. 19); W > 0 is work the demon force does on the particle"
                .into(),
            positions: "X = centre-of-mass displacement of each particle from its own trap centre".into(),
            time_origin: "heat.csv time_ps = 0 at the end of equilibration, where the ledger is zeroed".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference strings from GNU date: `date -u -d @SECONDS +%Y-%m-%dT%H:%M:%SZ`.
    #[test]
    fn iso8601_matches_gnu_date() {
        for (s, want) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_709_251_199, "2024-02-29T23:59:59Z"),
            (1_796_310_472, "2026-12-03T15:07:52Z"),
            (4_107_542_400, "2100-03-01T00:00:00Z"),
            (-1, "1969-12-31T23:59:59Z"),
        ] {
            assert_eq!(utc_iso8601(s), want, "{s}");
        }
    }

    #[test]
    fn build_provenance_is_embedded() {
        assert!(!GIT_COMMIT.is_empty() && !RUSTC.is_empty());
        assert!(VERSION.starts_with(env!("CARGO_PKG_VERSION")), "{VERSION}");
        assert!(
            GIT_COMMIT == "unknown" || GIT_COMMIT.len() == 40,
            "{GIT_COMMIT}"
        );
    }
}
