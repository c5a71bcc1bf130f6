//! Is a bath a liquid? Bulk density and vapour voids of one container after the argon has adsorbed on the
//! Cu walls and nanoparticle.
//!
//! Argon binds to Cu about six times more strongly than to itself (ε_ArCu = 0.065 eV against 0.0104 eV), so
//! the first one or two layers on every Cu surface take atoms out of the bulk; a container filled at the
//! paper's nominal density is left with a thinner bulk, and in a small box with a vapour void. Both are
//! measured away from the surfaces: the bulk region is the container less `margin_a` next to each wall and
//! less the sphere of the particle's radius plus `margin_a` around its centre of mass.

use super::{Group, System};
use glam::DVec3;

/// What [`bath_structure`] measured.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BathStructure {
    /// Argon atoms per Å³ in the bulk region.
    pub bulk_density_per_a3: f64,
    /// Fraction of the bulk region farther than the probe radius from every argon atom: ≈ 0 in a liquid
    /// (a sphere of radius σ holds ≈ 3 atoms at ρσ³ = 0.75), the void's volume fraction where vapour forms.
    pub void_fraction: f64,
    /// Fraction of the container's volume that the bulk region takes.
    pub bulk_volume_fraction: f64,
}

/// Grid spacing of the void probe, Å: fine against σ, coarse enough to stay cheap at paper size.
const GRID_A: f64 = 1.0;

/// Structure of bath `side` (0 cold, 1 hot) for atom positions `pos` (any wrapping) of system `sys`, whose
/// containers have edge `container_a`, with walls at x = 0, L, 2L. `probe_a` is the void probe radius
/// (σ_Ar is the natural choice), `margin_a` the layer next to each Cu surface left out of the bulk.
pub fn bath_structure(
    sys: &System,
    pos: &[DVec3],
    side: usize,
    container_a: f64,
    probe_a: f64,
    margin_a: f64,
) -> BathStructure {
    let l = container_a;
    let x0 = side as f64 * l;
    let bath = if side == 0 {
        Group::ColdBath
    } else {
        Group::HotBath
    };
    let wrap = |p: DVec3| {
        let mut q = p;
        q.x = p.x.rem_euclid(2.0 * l);
        q.y = p.y.rem_euclid(l);
        q.z = p.z.rem_euclid(l);
        q
    };
    let argon: Vec<DVec3> = sys.ranges[bath as usize]
        .clone()
        .map(|i| wrap(pos[i]))
        .collect();
    // Particle centre and radius (radius from the rigid shape, centre from the atoms, unwrapped in y, z
    // about the first atom).
    let particle = sys.bodies.get(side).map(|b| {
        let first = pos[b.atoms.start];
        let mut c = DVec3::ZERO;
        for i in b.atoms.clone() {
            let mut d = pos[i] - first;
            d.y -= l * (d.y / l).round();
            d.z -= l * (d.z / l).round();
            c += d;
        }
        let radius = b.body_coords.iter().map(|r| r.length()).fold(0.0, f64::max);
        (wrap(first + c / b.atoms.len() as f64), radius + margin_a)
    });
    let d2 = |a: DVec3, b: DVec3| {
        let mut d = a - b;
        d.y -= l * (d.y / l).round();
        d.z -= l * (d.z / l).round();
        d.length_squared()
    };
    let in_bulk = |p: DVec3| {
        p.x - x0 >= margin_a
            && x0 + l - p.x >= margin_a
            && particle.is_none_or(|(c, r)| d2(p, c) >= r * r)
    };
    // Atoms binned into cells no smaller than the probe, so a probe point looks at 27 cells.
    let cells = ((l / probe_a).floor() as usize).max(1);
    let h = l / cells as f64;
    let cell = |v: f64, lo: f64| (((v - lo) / h).floor() as isize).clamp(0, cells as isize - 1);
    let mut bins: Vec<Vec<DVec3>> = vec![Vec::new(); cells * cells * cells];
    let index = |i: isize, j: isize, k: isize| {
        let w = |v: isize| v.rem_euclid(cells as isize) as usize;
        (w(i) * cells + w(j)) * cells + w(k)
    };
    for &a in &argon {
        bins[index(cell(a.x, x0), cell(a.y, 0.0), cell(a.z, 0.0))].push(a);
    }
    let n = (l / GRID_A).round() as usize;
    let (mut points, mut empty) = (0usize, 0usize);
    for ix in 0..n {
        for iy in 0..n {
            for iz in 0..n {
                let p = DVec3::new(x0, 0.0, 0.0)
                    + (DVec3::new(ix as f64, iy as f64, iz as f64) + 0.5) * (l / n as f64);
                if !in_bulk(p) {
                    continue;
                }
                points += 1;
                let (ci, cj, ck) = (cell(p.x, x0), cell(p.y, 0.0), cell(p.z, 0.0));
                let occupied = (-1..=1).any(|di| {
                    // No wrap in x: the walls bound the container.
                    let i = ci + di;
                    (0..cells as isize).contains(&i)
                        && (-1..=1).any(|dj| {
                            (-1..=1).any(|dk| {
                                bins[index(i, cj + dj, ck + dk)]
                                    .iter()
                                    .any(|&a| d2(p, a) < probe_a * probe_a)
                            })
                        })
                });
                if !occupied {
                    empty += 1;
                }
            }
        }
    }
    let volume_fraction = points as f64 / (n * n * n) as f64;
    let bulk_atoms = argon.iter().filter(|&&a| in_bulk(a)).count();
    BathStructure {
        bulk_density_per_a3: bulk_atoms as f64
            / (volume_fraction * l.powi(3)).max(f64::MIN_POSITIVE),
        void_fraction: empty as f64 / points.max(1) as f64,
        bulk_volume_fraction: volume_fraction,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;
    use crate::system::build_system;

    fn small() -> (Scenario, System) {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/small-equilibrium.json"
        ))
        .unwrap();
        let sc = Scenario::from_json(&text).unwrap();
        let sys = build_system(&sc).unwrap();
        (sc, sys)
    }

    /// The fcc start lattice fills the bulk evenly: no void (at most the odd probe point where the random trim
    /// to `argon_atoms` took out neighbouring sites), and at least the density the lattice was built at.
    #[test]
    fn start_lattice_has_no_void_and_its_own_density() {
        let (sc, sys) = small();
        let l = sc.geometry.container_length_a;
        for side in 0..2 {
            let s = bath_structure(&sys, &sys.positions, side, l, 3.405, 7.0);
            assert!(s.void_fraction < 1e-3, "side {side}: {s:?}");
            assert!(
                s.bulk_volume_fraction > 0.2 && s.bulk_volume_fraction < 0.6,
                "{s:?}"
            );
            let nominal = sys.ranges[side].len() as f64 / l.powi(3);
            assert!(
                s.bulk_density_per_a3 > 0.9 * nominal,
                "{s:?} vs nominal {nominal}"
            );
        }
    }

    /// Removing every bath atom in a slab of the bulk opens a void of that slab's share of the bulk.
    #[test]
    fn a_removed_slab_is_found_as_a_void() {
        let (sc, mut sys) = small();
        let l = sc.geometry.container_length_a;
        // Push the atoms of a 6 Å slab far into the other container's wall region (out of this bath's view).
        let slab = |p: DVec3| p.y > 10.0 && p.y < 16.0;
        let mut pos = sys.positions.clone();
        for i in sys.ranges[0].clone() {
            if slab(pos[i]) {
                pos[i] = DVec3::new(0.2, pos[i].y, pos[i].z);
            }
        }
        sys.positions = pos.clone();
        let s = bath_structure(&sys, &pos, 0, l, 3.405, 7.0);
        // A 6 Å slab less a probe radius on each side leaves ≈ 6 − 2·3.4 + lattice gaps ≳ 0: at least a thin
        // void, and far above the liquid's zero.
        assert!(s.void_fraction > 0.01, "{s:?}");
    }
}
