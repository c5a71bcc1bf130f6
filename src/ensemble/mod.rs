//! Ensembles of independent trajectories of seed 002, Eq. 1 (underdamped particle, harmonic trap,
//! bath temperature T(t)), with the moments and heat statistics of the ensemble reduced at record
//! times. Two executors of one algorithm: a multi-threaded f64 CPU loop (`cpu`) and a WGSL kernel
//! with one invocation per trajectory (`gpu`); both draw the same Philox noise.
//!
//! Every step of either scheme is the linear update (x, v) ← M (x, v) + √T(t_n + c·dt) · L ξ with ξ
//! two standard normals; the schemes differ only in M, L and c (see [`StepCoefficients`]).

pub mod cpu;
pub mod drive;
mod figures;
pub mod gpu;
pub mod philox;
pub mod stats;

use crate::theory::periodic::moments::{self, SecondMoments};
use crate::theory::periodic::propagator::propagator;
use crate::theory::periodic::{Oscillator, Protocol};
use anyhow::{bail, Result};
use serde::Serialize;

pub use stats::{EnsembleRecord, HeatHistogram};

/// Trajectories per GPU workgroup; the CPU groups trajectories the same way so that both backends
/// assign every trajectory to the same statistical batch.
pub const WORKGROUP: usize = 256;
/// Number of independent batches whose spread gives the standard errors.
pub const BATCHES: usize = 32;
/// Per-record accumulated sums: x, v, x², xv, v², Q, Q², Q³, Q⁴.
pub const SUMS: usize = 9;

/// The integrator; `--scheme euler|exact` on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// The paper's explicit Euler scheme (seed 002, App. C, Eqs. 69–70): first order, and the
    /// temperature is taken at the start of the step.
    Euler,
    /// Exact propagation of the linear dynamics over a step (propagator G(dt) and the exact noise
    /// covariance of one step) with the temperature frozen at the step's midpoint: exact for
    /// constant T at any dt, error O(dt²·T'') otherwise.
    Exact,
}

/// Optional histogram of Q at chosen record indices (for P(Q, t), seed 002, Fig. 3).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HistogramSpec {
    /// Record indices (0 = t = 0) at which Q is binned.
    pub records: Vec<usize>,
    pub q_min: f64,
    pub q_max: f64,
    pub bins: usize,
}

/// What to simulate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EnsembleSpec {
    pub oscillator: Oscillator,
    pub scheme: Scheme,
    /// Time step, in the oscillator's time unit.
    pub dt: f64,
    /// Total number of steps.
    pub steps: usize,
    /// Steps between records; records are taken at steps 0, r, 2r, …, `steps`.
    pub record_every: usize,
    pub trajectories: usize,
    pub seed: u64,
    pub histogram: Option<HistogramSpec>,
}

impl EnsembleSpec {
    /// Checks every field; errors name the field and the fix.
    pub fn validate(&self) -> Result<()> {
        if !(self.dt.is_finite() && self.dt > 0.0) {
            bail!("time step dt must be positive and finite, got {}", self.dt);
        }
        if self.trajectories == 0 {
            bail!("trajectories must be at least 1");
        }
        if self.trajectories > 65_535 * WORKGROUP {
            bail!(
                "trajectories must be at most {} (one GPU dispatch), got {}",
                65_535 * WORKGROUP,
                self.trajectories
            );
        }
        if self.record_every == 0 || self.steps == 0 || self.steps % self.record_every != 0 {
            bail!(
                "steps ({}) must be a positive multiple of record_every ({})",
                self.steps,
                self.record_every
            );
        }
        if u32::try_from(self.steps).is_err() {
            bail!(
                "steps must be below 2^32 (the Philox counter), got {}",
                self.steps
            );
        }
        if let Some(h) = &self.histogram {
            if h.bins == 0 || h.q_max <= h.q_min || !h.q_min.is_finite() || !h.q_max.is_finite() {
                bail!("heat histogram needs bins >= 1 and finite q_min < q_max, got {} bins on [{}, {}]", h.bins, h.q_min, h.q_max);
            }
            if (1..h.records.len()).any(|i| h.records[..i].contains(&h.records[i])) {
                bail!(
                    "heat histogram record indices must be distinct, got {:?}",
                    h.records
                );
            }
            if let Some(&r) = h.records.iter().find(|&&r| r >= self.records()) {
                bail!(
                    "heat histogram record index {r} is beyond the last record {}",
                    self.records() - 1
                );
            }
        }
        Ok(())
    }

    /// Number of records, including t = 0.
    pub fn records(&self) -> usize {
        self.steps / self.record_every + 1
    }

    /// Time of record `r`.
    pub fn record_time(&self, r: usize) -> f64 {
        (r * self.record_every) as f64 * self.dt
    }

    /// Statistical batch of trajectory `i` (whole workgroups, dealt round-robin).
    pub fn batch_of(i: usize) -> usize {
        (i / WORKGROUP) % BATCHES
    }
}

/// M, L and the temperature offset c of one step (module docs); L is lower triangular.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepCoefficients {
    pub m: [[f64; 2]; 2],
    /// L for unit temperature; the step scales it by √T.
    pub l: [[f64; 2]; 2],
    /// The step from t_n samples the temperature at t_n + c·dt.
    pub temperature_offset: f64,
}

impl StepCoefficients {
    pub fn new(osc: &Oscillator, scheme: Scheme, dt: f64) -> StepCoefficients {
        match scheme {
            // Seed 002, Eq. 69–70: x += v dt; v += (−βv − ω0²x) dt + √(2βk_B T dt/m) N(0, 1).
            Scheme::Euler => StepCoefficients {
                m: [[1.0, dt], [-osc.omega0_sq() * dt, 1.0 - osc.beta() * dt]],
                l: [
                    [0.0, 0.0],
                    [0.0, (2.0 * osc.beta() * osc.kb * dt / osc.mass).sqrt()],
                ],
                temperature_offset: 0.0,
            },
            Scheme::Exact => {
                let noise = moments::noise_by_quadrature(osc, &|_t: f64| 1.0, dt);
                let l00 = noise.xx.sqrt();
                let l10 = if l00 > 0.0 { noise.xv / l00 } else { 0.0 };
                let l11 = (noise.vv - l10 * l10).max(0.0).sqrt();
                StepCoefficients {
                    m: propagator(osc, dt),
                    l: [[l00, 0.0], [l10, l11]],
                    temperature_offset: 0.5,
                }
            }
        }
    }
}

/// √T at the temperature sample point of each step in `first..first + count`.
pub fn sqrt_temperatures(
    protocol: &dyn Protocol,
    coeff: &StepCoefficients,
    dt: f64,
    first: usize,
    count: usize,
) -> Result<Vec<f64>> {
    (first..first + count)
        .map(|n| {
            let t = (n as f64 + coeff.temperature_offset) * dt;
            let temperature = protocol.temperature(t);
            if !(temperature.is_finite() && temperature >= 0.0) {
                bail!("the temperature protocol gives T({t}) = {temperature}; it must be finite and >= 0");
            }
            Ok(temperature.sqrt())
        })
        .collect()
}

/// Initial standard deviations of x and v: equilibrium at T(0) (seed 002, Eq. 72, whose printed
/// form omits the square roots).
pub fn initial_spread(osc: &Oscillator, protocol: &dyn Protocol) -> Result<(f64, f64)> {
    let t0 = protocol.temperature(0.0);
    if !(t0.is_finite() && t0 >= 0.0) {
        bail!("the temperature protocol gives T(0) = {t0}; it must be finite and >= 0");
    }
    let eq: SecondMoments = moments::equilibrium(osc, t0);
    Ok((eq.xx.sqrt(), eq.vv.sqrt()))
}

/// Which executor ran an ensemble.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Execution {
    /// "cpu" or "gpu".
    pub backend: String,
    /// GPU adapter name, or the CPU thread count.
    pub device: String,
    /// Wall-clock seconds of the integration (GPU: first submit to results read back).
    pub elapsed_s: f64,
    /// trajectories × steps / elapsed_s.
    pub trajectory_steps_per_second: f64,
}

/// Everything an ensemble run produces.
#[derive(Clone, Debug, Serialize)]
pub struct EnsembleResult {
    pub spec: EnsembleSpec,
    pub execution: Execution,
    pub records: Vec<EnsembleRecord>,
    pub histograms: Vec<HeatHistogram>,
}
