//! The multi-threaded f64 reference executor: each thread integrates whole trajectories (blocks of
//! `WORKGROUP`, dealt round-robin) and accumulates its own per-batch sums, merged at the end.

use super::philox::{key, normal_pair, philox4x32, STREAM_INIT, STREAM_STEP};
use super::stats::{record, HeatHistogram};
use super::{
    initial_spread, sqrt_temperatures, EnsembleResult, EnsembleSpec, Execution, StepCoefficients,
    BATCHES, SUMS, WORKGROUP,
};
use crate::theory::periodic::Protocol;
use anyhow::Result;

struct Accumulator {
    sums: Vec<[f64; SUMS]>,
    histogram: Vec<u64>,
}

/// Runs `spec` on `threads` CPU threads (at least one).
pub fn run(spec: &EnsembleSpec, protocol: &dyn Protocol, threads: usize) -> Result<EnsembleResult> {
    spec.validate()?;
    let osc = spec.oscillator;
    let coeff = StepCoefficients::new(&osc, spec.scheme, spec.dt);
    let sqrt_t = sqrt_temperatures(protocol, &coeff, spec.dt, 0, spec.steps)?;
    let (sx0, sv0) = initial_spread(&osc, protocol)?;
    let key = key(spec.seed);
    let records = spec.records();
    let (bins, slot_of) = histogram_slots(spec);
    let blocks = spec.trajectories.div_ceil(WORKGROUP);
    let threads = threads.clamp(1, blocks);
    let (half_k, half_m) = (0.5 * osc.stiffness, 0.5 * osc.mass);
    let [[m00, m01], [m10, m11]] = coeff.m;
    let [[l00, _], [l10, l11]] = coeff.l;

    let start = std::time::Instant::now();
    let worker = |thread: usize| {
        let mut acc = Accumulator {
            sums: vec![[0.0; SUMS]; records * BATCHES],
            histogram: vec![0; histogram_len(spec)],
        };
        let mut observe = |r: usize, i: usize, x: f64, v: f64, e0: f64| {
            let q = half_k * x * x + half_m * v * v - e0;
            let s = &mut acc.sums[r * BATCHES + EnsembleSpec::batch_of(i)];
            let q2 = q * q;
            for (slot, value) in
                s.iter_mut()
                    .zip([x, v, x * x, x * v, v * v, q, q2, q2 * q, q2 * q2])
            {
                *slot += value;
            }
            if let (Some(slot), Some(h)) = (slot_of[r], &spec.histogram) {
                let bin = HeatHistogram::bin_of(q, h.q_min, h.q_max, bins).unwrap_or(bins + 1);
                acc.histogram[slot * (bins + 2) + bin] += 1;
            }
        };
        for block in (thread..blocks).step_by(threads) {
            for i in block * WORKGROUP..((block + 1) * WORKGROUP).min(spec.trajectories) {
                let (a, b) = normal_pair(philox4x32([0, i as u32, STREAM_INIT, 0], key));
                let (mut x, mut v) = (sx0 * a, sv0 * b);
                let e0 = half_k * x * x + half_m * v * v;
                observe(0, i, x, v, e0);
                for r in 1..records {
                    let first = (r - 1) * spec.record_every;
                    for (n, &s) in sqrt_t
                        .iter()
                        .enumerate()
                        .skip(first)
                        .take(spec.record_every)
                    {
                        let (a, b) =
                            normal_pair(philox4x32([n as u32, i as u32, STREAM_STEP, 0], key));
                        let xn = m00 * x + m01 * v + s * l00 * a;
                        v = m10 * x + m11 * v + s * (l10 * a + l11 * b);
                        x = xn;
                    }
                    observe(r, i, x, v, e0);
                }
            }
        }
        acc
    };
    let parts: Vec<Accumulator> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| scope.spawn(move || worker(t)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("ensemble worker panicked"))
            .collect()
    });
    let elapsed = start.elapsed().as_secs_f64();

    let mut sums = vec![[0.0; SUMS]; records * BATCHES];
    let mut histogram = vec![0u64; histogram_len(spec)];
    for part in &parts {
        for (total, s) in sums.iter_mut().zip(&part.sums) {
            for (t, v) in total.iter_mut().zip(s) {
                *t += v;
            }
        }
        for (total, c) in histogram.iter_mut().zip(&part.histogram) {
            *total += c;
        }
    }
    let execution = Execution {
        backend: "cpu".into(),
        device: format!("{threads} threads"),
        elapsed_s: elapsed,
        trajectory_steps_per_second: spec.trajectories as f64 * spec.steps as f64 / elapsed,
    };
    Ok(assemble(spec, execution, &sums, &histogram))
}

/// Histogram bin count and, for each record, its histogram slot (if binned).
pub(crate) fn histogram_slots(spec: &EnsembleSpec) -> (usize, Vec<Option<usize>>) {
    let mut slot_of = vec![None; spec.records()];
    let bins = spec.histogram.as_ref().map_or(0, |h| {
        for (slot, &r) in h.records.iter().enumerate() {
            slot_of[r] = Some(slot);
        }
        h.bins
    });
    (bins, slot_of)
}

/// Length of the histogram count array: `bins + 2` counts per histogram record.
pub(crate) fn histogram_len(spec: &EnsembleSpec) -> usize {
    spec.histogram
        .as_ref()
        .map_or(0, |h| h.records.len() * (h.bins + 2))
}

/// Number of trajectories in each batch.
pub(crate) fn batch_counts(trajectories: usize) -> [u64; BATCHES] {
    let mut counts = [0u64; BATCHES];
    for block in 0..trajectories.div_ceil(WORKGROUP) {
        let size = WORKGROUP.min(trajectories - block * WORKGROUP);
        counts[block % BATCHES] += size as u64;
    }
    counts
}

/// Records and histograms from the per-record, per-batch sums and the histogram counts laid out
/// as `bins` in-range counts, then "above", then "below" for each slot.
pub(crate) fn assemble(
    spec: &EnsembleSpec,
    execution: Execution,
    sums: &[[f64; SUMS]],
    histogram: &[u64],
) -> EnsembleResult {
    let counts = batch_counts(spec.trajectories);
    let records = (0..spec.records())
        .map(|r| {
            record(
                spec.record_time(r),
                &sums[r * BATCHES..(r + 1) * BATCHES],
                &counts,
            )
        })
        .collect();
    let (bins, slot_of) = histogram_slots(spec);
    let histograms = match &spec.histogram {
        None => Vec::new(),
        Some(h) => (0..spec.records())
            .filter_map(|r| slot_of[r].map(|slot| (r, slot)))
            .map(|(r, slot)| {
                let c = &histogram[slot * (bins + 2)..(slot + 1) * (bins + 2)];
                HeatHistogram {
                    time: spec.record_time(r),
                    q_min: h.q_min,
                    q_max: h.q_max,
                    counts: c[..bins].to_vec(),
                    above: c[bins],
                    below: c[bins + 1],
                }
            })
            .collect(),
    };
    EnsembleResult {
        spec: spec.clone(),
        execution,
        records,
        histograms,
    }
}
