//! Cell-list binning and a Verlet half neighbour list with skin.
//!
//! Pairs within r_c + skin are listed once (j > i) and only if their groups interact. The list stays valid
//! until some atom has moved more than skin/2 since the build (then no pair can have crossed from outside
//! r_c + skin to inside r_c), which [`NeighborList::needs_rebuild`] checks every step.

use crate::physics::lj::PairTable;
use crate::system::Group;
use glam::DVec3;

pub struct NeighborList {
    /// Neighbours of atom i are `list[start[i]..start[i + 1]]`.
    pub start: Vec<u32>,
    pub list: Vec<u32>,
    reference: Vec<DVec3>,
    skin: f64,
    /// Number of builds so far (reported by `bench`).
    pub builds: u64,
}

/// Minimum-image displacement a − b in the periodic box, for positions wrapped into [0, box) (so each
/// component of a − b lies in (−L, L) and one conditional shift suffices). Compares instead of `round`, which
/// is a libm call on baseline x86-64 and would dominate the pair loop.
#[inline(always)]
pub fn min_image(a: DVec3, b: DVec3, box_a: DVec3) -> DVec3 {
    let d = a - b;
    let half = 0.5 * box_a;
    let d = DVec3::select(d.cmpgt(half), d - box_a, d);
    DVec3::select(d.cmplt(-half), d + box_a, d)
}

impl NeighborList {
    pub fn new(skin: f64) -> NeighborList {
        NeighborList {
            start: Vec::new(),
            list: Vec::new(),
            reference: Vec::new(),
            skin,
            builds: 0,
        }
    }

    /// Whether any atom has moved more than half the skin since the last build.
    pub fn needs_rebuild(&self, pos: &[DVec3], box_a: DVec3) -> bool {
        if self.reference.len() != pos.len() {
            return true;
        }
        let lim2 = 0.25 * self.skin * self.skin;
        pos.iter()
            .zip(&self.reference)
            .any(|(p, r)| min_image(*p, *r, box_a).length_squared() > lim2)
    }

    /// Rebuilds the list from scratch, splitting atoms over `threads` workers.
    pub fn build(
        &mut self,
        pos: &[DVec3],
        groups: &[Group],
        table: &PairTable,
        box_a: DVec3,
        threads: usize,
    ) {
        let reach = table.cutoff + self.skin;
        let reach2 = reach * reach;
        let ncell = (box_a / reach).floor().max(DVec3::ONE);
        let dims = [ncell.x as usize, ncell.y as usize, ncell.z as usize];
        let cell_of = |p: DVec3| -> [usize; 3] {
            let c = (p / box_a * ncell).floor();
            [
                (c.x as usize).min(dims[0] - 1),
                (c.y as usize).min(dims[1] - 1),
                (c.z as usize).min(dims[2] - 1),
            ]
        };
        let flat = |c: [usize; 3]| (c[0] * dims[1] + c[1]) * dims[2] + c[2];
        let ncells = dims[0] * dims[1] * dims[2];
        // Counting sort of atoms into cells.
        let mut cell_start = vec![0u32; ncells + 1];
        let cells: Vec<usize> = pos.iter().map(|p| flat(cell_of(*p))).collect();
        for &c in &cells {
            cell_start[c + 1] += 1;
        }
        for c in 0..ncells {
            cell_start[c + 1] += cell_start[c];
        }
        let mut fill = cell_start.clone();
        let mut sorted = vec![0u32; pos.len()];
        for (i, &c) in cells.iter().enumerate() {
            sorted[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        // The 27 surrounding cells, deduplicated for boxes only 1 or 2 cells wide.
        let stencil = |c: [usize; 3]| -> Vec<usize> {
            let mut out = Vec::with_capacity(27);
            for dx in [-1i64, 0, 1] {
                for dy in [-1i64, 0, 1] {
                    for dz in [-1i64, 0, 1] {
                        let w = |v: usize, d: i64, n: usize| {
                            ((v as i64 + d).rem_euclid(n as i64)) as usize
                        };
                        out.push(flat([
                            w(c[0], dx, dims[0]),
                            w(c[1], dy, dims[1]),
                            w(c[2], dz, dims[2]),
                        ]));
                    }
                }
            }
            out.sort_unstable();
            out.dedup();
            out
        };
        let n = pos.len();
        let threads = threads.clamp(1, n.max(1));
        let chunk = n.div_ceil(threads).max(1);
        let parts: Vec<(Vec<u32>, Vec<u32>)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|lo| {
                    let hi = (lo + chunk).min(n);
                    let (cells, sorted, cell_start) = (&cells, &sorted, &cell_start);
                    s.spawn(move || {
                        let mut counts = Vec::with_capacity(hi - lo);
                        let mut list = Vec::new();
                        for i in lo..hi {
                            let before = list.len();
                            let ci = cells[i];
                            let c3 = [
                                ci / (dims[1] * dims[2]),
                                (ci / dims[2]) % dims[1],
                                ci % dims[2],
                            ];
                            let gi = groups[i];
                            for c in stencil(c3) {
                                for &j in
                                    &sorted[cell_start[c] as usize..cell_start[c + 1] as usize]
                                {
                                    let j_us = j as usize;
                                    if j_us <= i || !table.active(gi, groups[j_us]) {
                                        continue;
                                    }
                                    if min_image(pos[i], pos[j_us], box_a).length_squared() < reach2
                                    {
                                        list.push(j);
                                    }
                                }
                            }
                            // Ascending j: memory order, and a list independent of the cell layout.
                            list[before..].sort_unstable();
                            counts.push((list.len() - before) as u32);
                        }
                        (counts, list)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("neighbour-list worker panicked"))
                .collect()
        });
        self.start.clear();
        self.start.push(0);
        self.list.clear();
        for (counts, list) in parts {
            for c in counts {
                let last = *self.start.last().expect("non-empty");
                self.start.push(last + c);
            }
            self.list.extend_from_slice(&list);
        }
        self.reference = pos.to_vec();
        self.builds += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Potential, Species};
    use rand::{Rng, SeedableRng};

    #[test]
    fn list_matches_all_pairs_search() {
        let table = PairTable::new(&Potential {
            cutoff_a: 5.0,
            skin_a: 1.0,
            argon: Species {
                epsilon_ev: 0.01,
                sigma_a: 3.4,
                mass_amu: 40.0,
            },
            copper: Species {
                epsilon_ev: 0.4,
                sigma_a: 2.3,
                mass_amu: 63.5,
            },
        });
        let box_a = DVec3::new(30.0, 13.0, 19.0);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let pos: Vec<DVec3> = (0..600)
            .map(|_| DVec3::new(rng.random(), rng.random(), rng.random()) * box_a)
            .collect();
        let groups: Vec<Group> = (0..600).map(|i| Group::ALL[i % 5]).collect();
        let mut nl = NeighborList::new(1.0);
        nl.build(&pos, &groups, &table, box_a, 3);
        let mut expect = 0;
        for i in 0..600 {
            for j in i + 1..600 {
                if table.active(groups[i], groups[j])
                    && min_image(pos[i], pos[j], box_a).length() < 6.0
                {
                    expect += 1;
                    let l = &nl.list[nl.start[i] as usize..nl.start[i + 1] as usize];
                    assert!(l.contains(&(j as u32)), "pair {i} {j} missing");
                }
            }
        }
        assert_eq!(nl.list.len(), expect);
    }
}
