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

/// Student-t quantile t_ν(p), from statrs (the inverse regularized incomplete beta function; within 1e-9
/// relative of mpmath where the Cornish–Fisher expansion used before was 0.25% off at ν = 4 and 24% at ν = 1),
/// to turn block standard errors into confidence intervals. Needs 0 < p < 1 and ν > 0: callers pass a
/// probability constant and a block count minus one, so anything else is a programming error.
pub fn student_t_quantile(p: f64, nu: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, StudentsT};
    StudentsT::new(0.0, 1.0, nu)
        .expect("Student-t needs ν > 0")
        .inverse_cdf(p)
}

/// Standard normal quantile Φ⁻¹(p) = −√2 erfc⁻¹(2p), erfc⁻¹ from statrs.
pub fn normal_quantile(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * statrs::function::erf::erfc_inv(2.0 * p)
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

    /// (p, ν, t_ν(p)) from mpmath at 40 digits, solving 1 − I_{ν/(ν+t²)}(ν/2, 1/2)/2 = p:
    /// `findroot(lambda t: 1 - betainc(nu/2, 0.5, 0, nu/(nu+t*t), regularized=True)/2 - p, 2)`.
    const T_QUANTILE_MPMATH: [(f64, f64, f64); 8] = [
        (0.975, 1.0, 12.706_204_736_174_693),
        (0.975, 2.0, 4.302_652_729_749_462),
        (0.975, 4.0, 2.776_445_105_197_793_5),
        (0.975, 9.0, 2.262_157_162_798_205),
        (0.975, 19.0, 2.093_024_054_408_309),
        (0.995, 3.0, 5.840_909_309_733_355),
        (0.9, 30.0, 1.310_415_025_391_395_7),
        (0.999, 5.0, 5.893_429_531_356_009),
    ];

    #[test]
    fn t_quantile_matches_mpmath() {
        for (p, nu, want) in T_QUANTILE_MPMATH {
            let got = student_t_quantile(p, nu);
            assert!(
                (got / want - 1.0).abs() < 1e-9,
                "t({p}, {nu}) = {got} vs {want}"
            );
            assert!((student_t_quantile(1.0 - p, nu) + want).abs() < 1e-9 * want);
        }
        // mpmath: sqrt(2) * erfinv(2 * p - 1).
        for (p, want) in [
            (0.975, 1.959_963_984_540_054),
            (1e-10, -6.361_340_902_404_056),
            (0.001, -3.090_232_306_167_813_5),
            (0.1, -1.281_551_565_544_600_5),
            (0.6, 0.253_347_103_135_799_8),
            (0.999, 3.090_232_306_167_813_5),
        ] {
            let got = normal_quantile(p);
            assert!(
                (got / want - 1.0).abs() < 1e-13,
                "Φ⁻¹({p}) = {got} vs {want}"
            );
        }
    }
}
