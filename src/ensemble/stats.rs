//! From the per-batch sums the executors accumulate (in f64) to estimates with standard errors:
//! each statistic is computed on the pooled ensemble and on each of `BATCHES` disjoint batches,
//! and the spread of the batch values gives its standard error (valid for any statistic, including
//! the skewness and kurtosis whose analytic errors depend on unknown higher moments).

use super::{BATCHES, SUMS};
use serde::Serialize;

/// A value and its standard error.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub std_error: f64,
}

impl Estimate {
    /// |value − reference| in standard errors.
    pub fn deviation(&self, reference: f64) -> f64 {
        (self.value - reference).abs() / self.std_error
    }
}

/// Sample statistics of the ensemble at one record time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct EnsembleRecord {
    pub time: f64,
    /// σx², ⟨xv⟩ − ⟨x⟩⟨v⟩, σv² (seed 002, Eqs. 3–5).
    pub xx: Estimate,
    pub xv: Estimate,
    pub vv: Estimate,
    /// ρ_xv, seed 002, Eq. 7.
    pub pearson: Estimate,
    /// Heat Q(t) = ΔK + ΔV since t = 0 (Eq. 8): mean, standard deviation, skewness, excess kurtosis.
    pub heat_mean: Estimate,
    pub heat_std_dev: Estimate,
    pub heat_skewness: Estimate,
    pub heat_excess_kurtosis: Estimate,
}

/// The eight statistics of one set of sums, in `EnsembleRecord` order.
fn statistics(s: &[f64; SUMS], n: f64) -> [f64; 8] {
    let m = |j: usize| s[j] / n;
    let (mx, mv) = (m(0), m(1));
    let xx = m(2) - mx * mx;
    let xv = m(3) - mx * mv;
    let vv = m(4) - mv * mv;
    let (q1, q2, q3, q4) = (m(5), m(6), m(7), m(8));
    let c2 = q2 - q1 * q1;
    let c3 = q3 - 3.0 * q1 * q2 + 2.0 * q1.powi(3);
    let c4 = q4 - 4.0 * q1 * q3 + 6.0 * q1 * q1 * q2 - 3.0 * q1.powi(4);
    let (skew, kurt) = if c2 > 0.0 {
        (c3 / c2.powf(1.5), c4 / (c2 * c2) - 3.0)
    } else {
        (0.0, 0.0)
    };
    [
        xx,
        xv,
        vv,
        xv / (xx * vv).sqrt(),
        q1,
        c2.max(0.0).sqrt(),
        skew,
        kurt,
    ]
}

/// Builds a record from the sums of each batch and the number of trajectories in each batch.
pub fn record(
    time: f64,
    batch_sums: &[[f64; SUMS]],
    batch_counts: &[u64; BATCHES],
) -> EnsembleRecord {
    let mut pooled = [0.0; SUMS];
    for sums in batch_sums {
        for (p, v) in pooled.iter_mut().zip(sums) {
            *p += v;
        }
    }
    let total: u64 = batch_counts.iter().sum();
    let value = statistics(&pooled, total as f64);
    let per_batch: Vec<[f64; 8]> = batch_sums
        .iter()
        .zip(batch_counts)
        .filter(|(_, &c)| c > 1)
        .map(|(s, &c)| statistics(s, c as f64))
        .collect();
    let b = per_batch.len() as f64;
    let est = |j: usize| {
        let mean = per_batch.iter().map(|v| v[j]).sum::<f64>() / b;
        let var = per_batch.iter().map(|v| (v[j] - mean).powi(2)).sum::<f64>() / (b - 1.0);
        Estimate {
            value: value[j],
            std_error: (var / b).sqrt(),
        }
    };
    EnsembleRecord {
        time,
        xx: est(0),
        xv: est(1),
        vv: est(2),
        pearson: est(3),
        heat_mean: est(4),
        heat_std_dev: est(5),
        heat_skewness: est(6),
        heat_excess_kurtosis: est(7),
    }
}

/// Counts of Q in equal bins on [q_min, q_max) at one record time, plus what fell outside.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeatHistogram {
    pub time: f64,
    pub q_min: f64,
    pub q_max: f64,
    pub counts: Vec<u64>,
    pub below: u64,
    pub above: u64,
}

impl HeatHistogram {
    /// Bin centres and the estimated density P(Q) there (counts / (total · bin width)).
    pub fn density(&self) -> Vec<(f64, f64)> {
        let total = (self.counts.iter().sum::<u64>() + self.below + self.above) as f64;
        let width = (self.q_max - self.q_min) / self.counts.len() as f64;
        self.counts
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                (
                    self.q_min + (i as f64 + 0.5) * width,
                    c as f64 / (total * width),
                )
            })
            .collect()
    }

    /// Bin index of `q`: `None` below, `Some(bins)` at or above the range.
    pub fn bin_of(q: f64, q_min: f64, q_max: f64, bins: usize) -> Option<usize> {
        if q < q_min {
            return None;
        }
        let i = ((q - q_min) / (q_max - q_min) * bins as f64).floor();
        Some(if i >= bins as f64 { bins } else { i as usize })
    }
}
