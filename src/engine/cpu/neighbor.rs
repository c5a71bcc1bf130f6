//! Cell-list binning and a Verlet half neighbour list with skin.
//!
//! Pairs within r_c + skin are listed once (j > i) and only if their groups interact. The list stays valid
//! until some atom has moved more than skin/2 since the build (then no pair can have crossed from outside
//! r_c + skin to inside r_c), which [`NeighborList::needs_rebuild`] checks every step.

use crate::physics::lj::PairTable;
use crate::system::Group;
use glam::DVec3;
use std::ops::Range;

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

    /// Rebuilds the list from scratch, splitting atoms over `threads` workers: atoms binned into cells
    /// at least r_c + skin wide, each atom's partners searched in the cells around its own, the
    /// workers' lists joined in atom order.
    pub fn build(
        &mut self,
        pos: &[DVec3],
        groups: &[Group],
        table: &PairTable,
        box_a: DVec3,
        threads: usize,
    ) {
        let reach = table.cutoff + self.skin;
        let grid = CellGrid::new(box_a, reach);
        let search = PairSearch {
            bins: CellBins::sort(&grid, pos),
            grid,
            pos,
            groups,
            table,
            box_a,
            reach2: reach * reach,
        };
        self.join(search.in_parallel(threads));
        self.reference = pos.to_vec();
        self.builds += 1;
    }

    /// Concatenates the workers' (per-atom counts, neighbours) parts, in atom order, into `start` and
    /// `list`.
    fn join(&mut self, parts: Vec<(Vec<u32>, Vec<u32>)>) {
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
    }
}

/// The periodic box cut into `dims` cells per axis, each at least the search reach wide (one cell on
/// an axis shorter than the reach), so every pair within reach lies in neighbouring cells.
struct CellGrid {
    box_a: DVec3,
    /// `dims` as floats, for binning.
    ncell: DVec3,
    dims: [usize; 3],
}

impl CellGrid {
    fn new(box_a: DVec3, reach: f64) -> CellGrid {
        let ncell = (box_a / reach).floor().max(DVec3::ONE);
        CellGrid {
            box_a,
            ncell,
            dims: [ncell.x as usize, ncell.y as usize, ncell.z as usize],
        }
    }

    fn len(&self) -> usize {
        self.dims[0] * self.dims[1] * self.dims[2]
    }

    fn flat(&self, c: [usize; 3]) -> usize {
        (c[0] * self.dims[1] + c[1]) * self.dims[2] + c[2]
    }

    /// Flat index of the cell holding `p`, a position wrapped into [0, box); clamped so that a
    /// coordinate rounding up to the box length still lands in the last cell.
    fn cell_of(&self, p: DVec3) -> usize {
        let c = (p / self.box_a * self.ncell).floor();
        self.flat([
            (c.x as usize).min(self.dims[0] - 1),
            (c.y as usize).min(self.dims[1] - 1),
            (c.z as usize).min(self.dims[2] - 1),
        ])
    }

    /// The 27 cells around the flat cell `ci` (itself included, periodic), deduplicated for boxes
    /// only 1 or 2 cells wide.
    fn stencil(&self, ci: usize) -> Vec<usize> {
        let dims = self.dims;
        let c = [
            ci / (dims[1] * dims[2]),
            (ci / dims[2]) % dims[1],
            ci % dims[2],
        ];
        let mut out = Vec::with_capacity(27);
        for dx in [-1i64, 0, 1] {
            for dy in [-1i64, 0, 1] {
                for dz in [-1i64, 0, 1] {
                    let w =
                        |v: usize, d: i64, n: usize| ((v as i64 + d).rem_euclid(n as i64)) as usize;
                    out.push(self.flat([
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
    }
}

/// Atoms binned into the cells of a [`CellGrid`] by a counting sort.
struct CellBins {
    /// Flat cell of every atom.
    cell: Vec<usize>,
    /// The atoms of cell c are `sorted[start[c]..start[c + 1]]`, in ascending index.
    start: Vec<u32>,
    sorted: Vec<u32>,
}

impl CellBins {
    fn sort(grid: &CellGrid, pos: &[DVec3]) -> CellBins {
        let ncells = grid.len();
        let mut start = vec![0u32; ncells + 1];
        let cell: Vec<usize> = pos.iter().map(|p| grid.cell_of(*p)).collect();
        for &c in &cell {
            start[c + 1] += 1;
        }
        for c in 0..ncells {
            start[c + 1] += start[c];
        }
        let mut fill = start.clone();
        let mut sorted = vec![0u32; pos.len()];
        for (i, &c) in cell.iter().enumerate() {
            sorted[fill[c] as usize] = i as u32;
            fill[c] += 1;
        }
        CellBins {
            cell,
            start,
            sorted,
        }
    }

    fn atoms_in(&self, c: usize) -> &[u32] {
        &self.sorted[self.start[c] as usize..self.start[c + 1] as usize]
    }
}

/// Everything one build's workers share: the binned atoms and the pair criterion.
struct PairSearch<'a> {
    grid: CellGrid,
    bins: CellBins,
    pos: &'a [DVec3],
    groups: &'a [Group],
    table: &'a PairTable,
    box_a: DVec3,
    /// (r_c + skin)².
    reach2: f64,
}

impl PairSearch<'_> {
    /// Searches contiguous ranges of atoms on up to `threads` scoped threads; the parts come back in
    /// atom order, each as (neighbour count per atom, neighbours concatenated).
    fn in_parallel(&self, threads: usize) -> Vec<(Vec<u32>, Vec<u32>)> {
        let n = self.pos.len();
        let threads = threads.clamp(1, n.max(1));
        let chunk = n.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .step_by(chunk)
                .map(|lo| {
                    let hi = (lo + chunk).min(n);
                    s.spawn(move || self.neighbours_of_range(lo..hi))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("neighbour-list worker panicked"))
                .collect()
        })
    }

    /// The half lists of the atoms in `atoms`: (neighbour count per atom, neighbours concatenated).
    fn neighbours_of_range(&self, atoms: Range<usize>) -> (Vec<u32>, Vec<u32>) {
        let mut counts = Vec::with_capacity(atoms.len());
        let mut list = Vec::new();
        for i in atoms {
            let before = list.len();
            self.push_neighbours(i, &mut list);
            // Ascending j: memory order, and a list independent of the cell layout.
            list[before..].sort_unstable();
            counts.push((list.len() - before) as u32);
        }
        (counts, list)
    }

    /// Appends every j > i in the cells around atom i's whose group interacts with i's and whose
    /// minimum-image distance is below r_c + skin.
    fn push_neighbours(&self, i: usize, list: &mut Vec<u32>) {
        let gi = self.groups[i];
        for c in self.grid.stencil(self.bins.cell[i]) {
            for &j in self.bins.atoms_in(c) {
                let j_us = j as usize;
                if j_us <= i || !self.table.active(gi, self.groups[j_us]) {
                    continue;
                }
                if min_image(self.pos[i], self.pos[j_us], self.box_a).length_squared() < self.reach2
                {
                    list.push(j);
                }
            }
        }
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
