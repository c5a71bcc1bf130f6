//! The data a bath is fitted to: autocovariance sums of one particle's velocity and position, per
//! contiguous block, on a lag grid fine where the velocity autocorrelation falls (every sample to 1 ps)
//! and coarse on its slow tail (every 1 ps to the longest lag). Blocks are kept apart so that the
//! cross-validation and the jackknife can leave one out.

use anyhow::{bail, Result};

/// Autocovariance sums of one particle, per block: zero lag first, then the lag grid.
#[derive(Clone, Debug)]
pub struct AcfData {
    /// Lags of the grid, ps (zero lag excluded).
    pub times_ps: Vec<f64>,
    /// sums[b][series][k]: Σ a_i a_{i+k} over the block's pairs and the particle's axes (k = 0 first).
    sums: Vec<[Vec<f64>; 2]>,
    /// Number of products in each sum (the same in every block).
    counts: Vec<f64>,
}

/// Normalised autocorrelations (velocity, position) on the lag grid.
#[derive(Clone, Debug)]
pub(super) struct Target {
    pub(super) v: Vec<f64>,
    pub(super) x: Vec<f64>,
}

impl AcfData {
    /// Velocity and position series of one particle (one per axis, all sampled every `h_ps`), cut
    /// into `blocks` equal blocks. Lag grid: every sample up to 1 ps, then every 1 ps up to `max_lag_ps`.
    pub fn new(
        velocities: &[&[f64]],
        positions: &[&[f64]],
        h_ps: f64,
        blocks: usize,
        max_lag_ps: f64,
    ) -> Result<AcfData> {
        let n = velocities
            .iter()
            .chain(positions)
            .map(|s| s.len())
            .min()
            .unwrap_or(0);
        let stride = ((1.0 / h_ps).round() as usize).max(1);
        let max_lag = (max_lag_ps / h_ps).floor() as usize;
        let mut lags: Vec<usize> = (1..=stride.min(max_lag)).collect();
        lags.extend((2..).map(|j| j * stride).take_while(|&k| k <= max_lag));
        if blocks < 4 {
            bail!("--blocks {blocks}: the memory fit needs at least 4 blocks for its jackknife");
        }
        let len = n / blocks;
        if lags.len() < 3 || len < 3 * max_lag {
            bail!("{n} samples every {h_ps} ps cannot hold {blocks} blocks of 3 × the longest lag ({max_lag_ps} ps); use a longer equilibrium run, fewer blocks or a shorter lag");
        }
        let all: Vec<usize> = std::iter::once(0).chain(lags.iter().copied()).collect();
        let sum_over = |series: &[&[f64]], r: std::ops::Range<usize>| -> Vec<f64> {
            all.iter()
                .map(|&k| {
                    series
                        .iter()
                        .map(|s| {
                            let b = &s[r.clone()];
                            b[..len - k]
                                .iter()
                                .zip(&b[k..])
                                .map(|(a, c)| a * c)
                                .sum::<f64>()
                        })
                        .sum()
                })
                .collect()
        };
        let sums = (0..blocks)
            .map(|b| {
                let r = b * len..(b + 1) * len;
                [sum_over(velocities, r.clone()), sum_over(positions, r)]
            })
            .collect();
        Ok(AcfData {
            times_ps: lags.iter().map(|&k| k as f64 * h_ps).collect(),
            sums,
            counts: all.iter().map(|&k| (len - k) as f64).collect(),
        })
    }

    pub fn blocks(&self) -> usize {
        self.sums.len()
    }

    /// Normalised autocorrelations from the blocks for which `keep(b)` holds.
    pub(super) fn target(&self, keep: impl Fn(usize) -> bool) -> Target {
        let norm = |series: usize| -> Vec<f64> {
            let mut total = vec![0.0; self.counts.len()];
            for (_, s) in self.sums.iter().enumerate().filter(|(b, _)| keep(*b)) {
                for (t, v) in total.iter_mut().zip(&s[series]) {
                    *t += v;
                }
            }
            let c: Vec<f64> = total.iter().zip(&self.counts).map(|(t, n)| t / n).collect();
            c[1..].iter().map(|v| v / c[0]).collect()
        };
        Target {
            v: norm(0),
            x: norm(1),
        }
    }

    /// Standard error of the mean of the per-block normalised autocorrelations, per lag.
    pub(super) fn errors(&self) -> Target {
        let per_block: Vec<Target> = (0..self.blocks())
            .map(|b| self.target(|c| c == b))
            .collect();
        let se = |get: &dyn Fn(&Target) -> &Vec<f64>| -> Vec<f64> {
            let nb = per_block.len() as f64;
            (0..self.times_ps.len())
                .map(|k| {
                    let vals: Vec<f64> = per_block.iter().map(|t| get(t)[k]).collect();
                    let (_, var) = crate::analysis::stats::mean_var(&vals);
                    (var / nb).sqrt().max(1e-6)
                })
                .collect()
        };
        Target {
            v: se(&|t| &t.v),
            x: se(&|t| &t.x),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_grid_is_every_sample_to_one_ps_then_every_ps() {
        let x: Vec<f64> = (0..4000).map(|i| (i as f64 * 0.37).sin()).collect();
        let d = AcfData::new(&[&x], &[&x], 0.01, 4, 3.0).unwrap();
        assert_eq!(d.times_ps.len(), 102);
        assert!((d.times_ps[99] - 1.0).abs() < 1e-12);
        assert!((d.times_ps[100] - 2.0).abs() < 1e-12 && (d.times_ps[101] - 3.0).abs() < 1e-12);
    }

    #[test]
    fn block_sums_give_the_autocorrelation_of_the_pooled_blocks() {
        // Brute force over the pairs inside each block, pooled over blocks and two series.
        let a: Vec<f64> = (0..400).map(|i| ((i * 7919) % 113) as f64 - 56.0).collect();
        let b: Vec<f64> = (0..400)
            .map(|i| ((i * 104_729) % 97) as f64 - 48.0)
            .collect();
        let d = AcfData::new(&[&a, &b], &[&a], 1.0, 4, 20.0).unwrap();
        let t = d.target(|blk| blk != 2);
        let c = |k: usize| -> f64 {
            let mut s = 0.0;
            let mut n = 0.0;
            for blk in [0, 1, 3] {
                for series in [&a, &b] {
                    let r = &series[blk * 100..(blk + 1) * 100];
                    for i in 0..100 - k {
                        s += r[i] * r[i + k];
                        n += 1.0;
                    }
                }
            }
            s / n
        };
        for (j, lag) in d.times_ps.iter().enumerate() {
            let want = c(*lag as usize) / c(0);
            assert!(
                (t.v[j] - want).abs() < 1e-12,
                "lag {lag}: {} vs {want}",
                t.v[j]
            );
        }
    }
}
