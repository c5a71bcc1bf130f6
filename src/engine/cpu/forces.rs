//! Lennard-Jones forces and energies over the half neighbour list, with Newton's third law.
//!
//! Threads take contiguous ranges of i holding equal numbers of pairs; each writes into its own force buffer
//! (a j can belong to any range), and the buffers are summed in a fixed order, so the result depends only on
//! the thread count, never on scheduling.

use super::neighbor::{min_image, NeighborList};
use crate::physics::lj::PairTable;
use crate::system::Group;
use glam::DVec3;

/// Splits atoms into `threads` ranges of about equal pair counts.
fn balanced_ranges(nl: &NeighborList, threads: usize) -> Vec<std::ops::Range<usize>> {
    let n = nl.start.len() - 1;
    let total = nl.list.len().max(1);
    let mut out = Vec::with_capacity(threads);
    let mut lo = 0;
    for t in 1..=threads {
        let target = (total * t / threads) as u32;
        let hi = if t == threads {
            n
        } else {
            nl.start.partition_point(|&s| s < target).clamp(lo, n)
        };
        out.push(lo..hi);
        lo = hi;
    }
    out
}

/// Forces on every atom, eV/Å, into `force` (overwritten). `scratch` holds one buffer per extra thread.
#[allow(clippy::too_many_arguments)]
pub fn compute_forces(
    pos: &[DVec3],
    groups: &[Group],
    table: &PairTable,
    nl: &NeighborList,
    box_a: DVec3,
    force: &mut [DVec3],
    scratch: &mut Vec<Vec<DVec3>>,
    threads: usize,
) {
    let n = pos.len();
    let threads = threads.max(1);
    scratch.resize_with(threads - 1, Vec::new);
    for b in scratch.iter_mut() {
        b.clear();
        b.resize(n, DVec3::ZERO);
    }
    force.iter_mut().for_each(|f| *f = DVec3::ZERO);
    let ranges = balanced_ranges(nl, threads);
    let kernel = |range: std::ops::Range<usize>, out: &mut [DVec3]| {
        for i in range {
            let pi = pos[i];
            let gi = groups[i] as usize;
            let mut fi = DVec3::ZERO;
            for &j in &nl.list[nl.start[i] as usize..nl.start[i + 1] as usize] {
                let j = j as usize;
                let d = min_image(pi, pos[j], box_a);
                let r2 = d.length_squared();
                if r2 < table.cutoff2 {
                    let (fpair, _) = table.coeff[gi][groups[j] as usize].eval(r2);
                    let f = d * fpair;
                    fi += f;
                    out[j] -= f;
                }
            }
            out[i] += fi;
        }
    };
    std::thread::scope(|s| {
        let mut rest = ranges.into_iter();
        let first = rest.next().expect("at least one range");
        for (range, buf) in rest.zip(scratch.iter_mut()) {
            s.spawn(move || kernel(range, buf));
        }
        kernel(first, force);
    });
    for b in scratch.iter() {
        for (f, x) in force.iter_mut().zip(b) {
            *f += *x;
        }
    }
}

/// LJ energy summed per pair of groups, eV: `e[a][b]` (a ≤ b) holds all pairs between groups a and b.
pub fn pair_energies(
    pos: &[DVec3],
    groups: &[Group],
    table: &PairTable,
    nl: &NeighborList,
    box_a: DVec3,
) -> [[f64; Group::COUNT]; Group::COUNT] {
    let mut e = [[0.0; Group::COUNT]; Group::COUNT];
    for i in 0..pos.len() {
        let gi = groups[i] as usize;
        for &j in &nl.list[nl.start[i] as usize..nl.start[i + 1] as usize] {
            let j = j as usize;
            let r2 = min_image(pos[i], pos[j], box_a).length_squared();
            if r2 < table.cutoff2 {
                let gj = groups[j] as usize;
                e[gi.min(gj)][gi.max(gj)] += table.coeff[gi][gj].eval(r2).1;
            }
        }
    }
    e
}
