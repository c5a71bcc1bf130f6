//! Rates from cumulative series with honest error bars.
//!
//! The rate is the least-squares slope of the whole cumulative series (what seed 000 does). Its error
//! comes from block averaging: the run is cut into contiguous blocks much longer than the correlation
//! time of the increments, the slope is fitted in each block, and block slopes are treated as
//! independent. For a random walk the full-series slope and the mean of block slopes have the same
//! variance (6σ²/5T each), so the spread of block slopes/√B is the error of the full slope. Derived
//! quantities (entropy production, COP, ratios) get jackknife errors over the same blocks, which
//! carries the correlations between the series.

use anyhow::{bail, Result};
use serde::Serialize;

/// A value with its one-standard-error uncertainty.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub error: f64,
}

/// Least-squares slope and intercept of y(t).
pub fn ols(t: &[f64], y: &[f64]) -> (f64, f64) {
    let n = t.len() as f64;
    let tm = t.iter().sum::<f64>() / n;
    let ym = y.iter().sum::<f64>() / n;
    let (mut sty, mut stt) = (0.0, 0.0);
    for (a, b) in t.iter().zip(y) {
        sty += (a - tm) * (b - ym);
        stt += (a - tm) * (a - tm);
    }
    let slope = sty / stt;
    (slope, ym - slope * tm)
}

/// Slopes of several cumulative series sampled at the same times, over the whole run and per block.
#[derive(Clone, Debug)]
pub struct BlockSlopes {
    /// Whole-run OLS slope of each series.
    pub full: Vec<f64>,
    /// blocks[b][s]: slope of series s in block b.
    pub blocks: Vec<Vec<f64>>,
    pub block_length: usize,
}

impl BlockSlopes {
    pub fn new(t: &[f64], series: &[&[f64]], n_blocks: usize) -> Result<BlockSlopes> {
        if n_blocks < 4 {
            bail!("--blocks {n_blocks}: need at least 4 blocks for an error bar");
        }
        let len = t.len() / n_blocks;
        if len < 4 {
            bail!("{} samples are too few for {n_blocks} blocks of at least 4 samples; use fewer blocks or a longer run", t.len());
        }
        let full = series.iter().map(|y| ols(t, y).0).collect();
        let blocks = (0..n_blocks)
            .map(|b| {
                let r = b * len..(b + 1) * len;
                series
                    .iter()
                    .map(|y| ols(&t[r.clone()], &y[r.clone()]).0)
                    .collect()
            })
            .collect();
        Ok(BlockSlopes {
            full,
            blocks,
            block_length: len,
        })
    }

    /// f of the whole-run slopes, with a jackknife error over blocks.
    pub fn estimate(&self, f: impl Fn(&[f64]) -> f64) -> Estimate {
        let b = self.blocks.len();
        let k = self.full.len();
        let sums: Vec<f64> = (0..k)
            .map(|s| self.blocks.iter().map(|r| r[s]).sum())
            .collect();
        let leave_out: Vec<f64> = self
            .blocks
            .iter()
            .map(|row| {
                let mean: Vec<f64> = (0..k)
                    .map(|s| (sums[s] - row[s]) / (b - 1) as f64)
                    .collect();
                f(&mean)
            })
            .collect();
        let avg = leave_out.iter().sum::<f64>() / b as f64;
        let var =
            (b - 1) as f64 / b as f64 * leave_out.iter().map(|v| (v - avg).powi(2)).sum::<f64>();
        Estimate {
            value: f(&self.full),
            error: var.sqrt(),
        }
    }

    /// Slope of series `s` with its block error.
    pub fn slope(&self, s: usize) -> Estimate {
        self.estimate(|r| r[s])
    }
}

/// Student-t quantile t_{ν}(p) for p > 0.5 (Cornish–Fisher expansion about the normal quantile;
/// within 0.2% for ν ≥ 4), to turn block standard errors into confidence intervals.
pub fn student_t_quantile(p: f64, nu: f64) -> f64 {
    let z = normal_quantile(p);
    z + (z.powi(3) + z) / (4.0 * nu)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * nu * nu)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * nu.powi(3))
}

/// Standard normal quantile by bisection on Φ (only a handful of calls per analysis).
pub fn normal_quantile(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0, 40.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if crate::theory::demon_pair::special::normal_cdf(mid) < p {
            lo = mid
        } else {
            hi = mid
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ols_recovers_a_line() {
        let t: Vec<f64> = (0..50).map(|i| i as f64).collect();
        let y: Vec<f64> = t.iter().map(|x| 3.0 * x - 2.0).collect();
        let (s, c) = ols(&t, &y);
        assert!((s - 3.0).abs() < 1e-12 && (c + 2.0).abs() < 1e-10);
    }

    #[test]
    fn t_quantile_matches_tables() {
        assert!((student_t_quantile(0.975, 19.0) - 2.093).abs() < 0.003);
        assert!((student_t_quantile(0.975, 9.0) - 2.262).abs() < 0.005);
        assert!((normal_quantile(0.975) - 1.959_964).abs() < 1e-5);
    }
}
