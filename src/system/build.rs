//! Deterministic construction of the start configuration from a scenario and its seed.

use super::lattice::{fcc_block, fcc_cluster, square_wall};
use super::{Group, RigidBody, System};
use crate::scenario::{Bath, Scenario};
use crate::units::{KB_EV_PER_K, MVV2E};
use anyhow::{bail, Result};
use glam::DVec3;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// Argon sites closer than this to a wall or nanoparticle atom are removed, in units of σ_ArCu: 0.9·2^(1/6)σ
/// is just inside the LJ minimum, close enough to fill the space and far enough not to explode.
const CLEARANCE_SIGMA: f64 = 0.9 * 1.122_462_048_309_373;

/// Independent random streams, so that changing e.g. the argon count does not change the velocities of the
/// nanoparticles.
#[derive(Clone, Copy)]
enum Stream {
    Trim = 1,
    Velocities = 2,
}

fn rng(seed: u64, stream: Stream, part: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(((stream as u64) << 8) | part);
    r
}

/// Builds the system of seed 000: walls, one nanoparticle per container, argon filling each container.
pub fn build_system(sc: &Scenario) -> Result<System> {
    let l = sc.geometry.container_length_a;
    let box_a = DVec3::new(2.0 * l, l, l);
    let pot = &sc.potential;
    let sigma_arcu = 0.5 * (pot.argon.sigma_a + pot.copper.sigma_a);

    let walls: Vec<DVec3> = if sc.geometry.walls {
        let n = (l / sc.geometry.wall_spacing_a).round().max(1.0) as usize;
        square_wall(0.0, l, n)
            .into_iter()
            .chain(square_wall(l, l, n))
            .map(DVec3::from)
            .collect()
    } else {
        Vec::new()
    };

    let particles: [Vec<DVec3>; 2] = if sc.nanoparticle.enabled {
        let shape: Vec<DVec3> =
            fcc_cluster(sc.nanoparticle.lattice_constant_a, sc.nanoparticle.atoms)
                .into_iter()
                .map(DVec3::from)
                .collect();
        let centre = |side: f64| DVec3::new((side + 0.5) * l, 0.5 * l, 0.5 * l);
        [0.0, 1.0].map(|s| shape.iter().map(|p| *p + centre(s)).collect())
    } else {
        [Vec::new(), Vec::new()]
    };

    let mut baths = Vec::with_capacity(2);
    for (side, bath) in [(0usize, &sc.cold), (1usize, &sc.hot)] {
        // The walls are planes at the container's ends, kept clear by fill_bath's x test.
        let atoms = fill_bath(
            sc,
            bath,
            side as f64 * l,
            &particles[side],
            sigma_arcu * CLEARANCE_SIGMA,
            side,
        )?;
        baths.push(atoms);
    }

    let mut positions = Vec::new();
    let mut groups = Vec::new();
    let mut ranges: [std::ops::Range<usize>; Group::COUNT] = Default::default();
    let parts: [(Group, &Vec<DVec3>); 5] = [
        (Group::ColdBath, &baths[0]),
        (Group::HotBath, &baths[1]),
        (Group::Wall, &walls),
        (Group::ColdParticle, &particles[0]),
        (Group::HotParticle, &particles[1]),
    ];
    for (g, atoms) in parts {
        let start = positions.len();
        positions.extend_from_slice(atoms);
        groups.extend(std::iter::repeat_n(g, atoms.len()));
        ranges[g as usize] = start..positions.len();
    }
    let mut group_mass = [pot.copper.mass_amu; Group::COUNT];
    group_mass[Group::ColdBath as usize] = pot.argon.mass_amu;
    group_mass[Group::HotBath as usize] = pot.argon.mass_amu;

    let mut velocities = vec![DVec3::ZERO; positions.len()];
    for (side, bath) in [(0u64, &sc.cold), (1u64, &sc.hot)] {
        let r = ranges[side as usize].clone();
        maxwell_boltzmann(
            &mut velocities[r],
            pot.argon.mass_amu,
            bath.temperature_k,
            sc.seed,
            side,
        );
    }

    let mut bodies = Vec::new();
    if sc.nanoparticle.enabled {
        for (side, g) in [(0u64, Group::ColdParticle), (1u64, Group::HotParticle)] {
            let r = ranges[g as usize].clone();
            let mut body =
                RigidBody::from_atoms(r.clone(), &positions[r.clone()], pot.copper.mass_amu);
            let t = if side == 0 {
                sc.cold.temperature_k
            } else {
                sc.hot.temperature_k
            };
            let mut rng = rng(sc.seed, Stream::Velocities, 16 + side);
            let s = (KB_EV_PER_K * t / (body.mass * MVV2E)).sqrt();
            body.vcom = s * gaussian3(&mut rng);
            for (i, off) in r.clone().zip(body.space_offsets().collect::<Vec<_>>()) {
                positions[i] = body.com + off;
                velocities[i] = body.vcom;
            }
            bodies.push(body);
        }
    }
    for p in positions.iter_mut() {
        *p = wrap(*p, box_a);
    }
    Ok(System {
        box_a,
        positions,
        velocities,
        groups,
        ranges,
        group_mass,
        bodies,
    })
}

/// Wraps a position into [0, box). The common case (at most one box away, as after one MD step) is two
/// compares; anything farther takes the general path.
#[inline]
pub fn wrap(p: DVec3, box_a: DVec3) -> DVec3 {
    let w = DVec3::select(p.cmplt(DVec3::ZERO), p + box_a, p);
    let w = DVec3::select(w.cmpge(box_a), w - box_a, w);
    if w.cmpge(DVec3::ZERO).all() && w.cmplt(box_a).all() {
        return w;
    }
    let w = p - box_a * (p / box_a).floor();
    // (p / L).floor() can leave w == L by rounding; fold that onto 0.
    DVec3::select(w.cmpge(box_a), w - box_a, w)
}

/// fcc argon in the container starting at x = `x0`, minus sites too close to `obstacles`; trimmed at random to
/// `bath.argon_atoms` when given.
fn fill_bath(
    sc: &Scenario,
    bath: &Bath,
    x0: f64,
    obstacles: &[DVec3],
    clearance: f64,
    side: usize,
) -> Result<Vec<DVec3>> {
    let l = sc.geometry.container_length_a;
    let field = if side == 0 { "cold" } else { "hot" };
    if bath.argon_density_per_a3 == 0.0 && bath.argon_atoms.is_none() {
        return Ok(Vec::new());
    }
    // Only sites within the obstacles' bounding sphere (plus clearance) need the per-atom test.
    let centre = obstacles.iter().copied().sum::<DVec3>() / obstacles.len().max(1) as f64;
    let reach = obstacles
        .iter()
        .map(|o| (*o - centre).length())
        .fold(0.0, f64::max)
        + clearance;
    let mut density = match bath.argon_atoms {
        Some(n) => n as f64 / l.powi(3),
        None => bath.argon_density_per_a3,
    };
    for _attempt in 0..40 {
        // Whole cells in y and z keep the lattice commensurate with the periodic box.
        let cells = ((4.0 / density).cbrt().recip() * l).round().max(1.0) as usize;
        let a = l / cells as f64;
        let sites: Vec<DVec3> = fcc_block(a, [cells; 3], [x0, 0.0, 0.0])
            .into_iter()
            .map(DVec3::from)
            .filter(|p| {
                let wall_ok =
                    !sc.geometry.walls || ((p.x - x0) > clearance && (x0 + l - p.x) > clearance);
                wall_ok
                    && (min_image_dist2(*p, centre, l) > reach * reach
                        || obstacles
                            .iter()
                            .all(|o| min_image_dist2(*p, *o, l) > clearance * clearance))
            })
            .collect();
        match bath.argon_atoms {
            None => {
                if sites.is_empty() {
                    bail!(
                        "{field}.argon_density_per_a3 = {} cannot be realised: no lattice site remains after removing \
                         overlaps with the walls and nanoparticle; raise the density or enlarge the container",
                        bath.argon_density_per_a3
                    );
                }
                return Ok(sites);
            }
            Some(n) if sites.len() >= n => {
                let mut sites = sites;
                let mut r = rng(sc.seed, Stream::Trim, side as u64);
                sites.shuffle(&mut r);
                sites.truncate(n);
                // Keep lattice order, so neighbouring atoms have neighbouring indices (memory locality).
                sites.sort_by(|p, q| p.to_array().partial_cmp(&q.to_array()).expect("finite"));
                return Ok(sites);
            }
            Some(_) => density *= 1.03,
        }
    }
    bail!(
        "{field}.argon_atoms = {} cannot be realised: that many argon atoms do not fit in the container around the \
         nanoparticle at a sane density; lower argon_atoms or enlarge geometry.container_length_a",
        bath.argon_atoms.unwrap_or(0)
    )
}

/// Squared distance with the minimum image in y and z (period `l`); x is bounded by the walls.
fn min_image_dist2(a: DVec3, b: DVec3, l: f64) -> f64 {
    let mut d = a - b;
    d.y -= l * (d.y / l).round();
    d.z -= l * (d.z / l).round();
    d.length_squared()
}

fn gaussian3(r: &mut ChaCha8Rng) -> DVec3 {
    let mut g = || -> f64 { StandardNormal.sample(r) };
    DVec3::new(g(), g(), g())
}

/// Maxwell–Boltzmann velocities at temperature `t_k`, with zero total momentum and rescaled to exactly `t_k`
/// with N_f = 3N − 3 degrees of freedom (the convention the thermostat and temperature output use).
fn maxwell_boltzmann(v: &mut [DVec3], mass: f64, t_k: f64, seed: u64, side: u64) {
    if v.len() < 2 {
        return;
    }
    let mut r = rng(seed, Stream::Velocities, side);
    let s = (KB_EV_PER_K * t_k / (mass * MVV2E)).sqrt();
    for vi in v.iter_mut() {
        *vi = s * gaussian3(&mut r);
    }
    let mean = v.iter().copied().sum::<DVec3>() / v.len() as f64;
    v.iter_mut().for_each(|vi| *vi -= mean);
    let ke: f64 = v
        .iter()
        .map(|vi| 0.5 * mass * vi.length_squared() * MVV2E)
        .sum();
    let ndof = 3.0 * v.len() as f64 - 3.0;
    let scale = (0.5 * ndof * KB_EV_PER_K * t_k / ke).sqrt();
    v.iter_mut().for_each(|vi| *vi *= scale);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Scenario {
        Scenario::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scenarios/small-refrigerator.json"
        )))
        .unwrap()
    }

    #[test]
    fn build_is_deterministic_and_sane() {
        let sc = small();
        let a = build_system(&sc).unwrap();
        let b = build_system(&sc).unwrap();
        assert_eq!(a.positions, b.positions);
        assert_eq!(a.velocities, b.velocities);
        let c = a.counts();
        assert_eq!(c.cold_particle, 186);
        assert_eq!(c.hot_particle, 186);
        assert!(c.cold_bath > 500 && c.hot_bath > 500, "{c:?}");
        assert!(a
            .positions
            .iter()
            .all(|p| p.cmpge(DVec3::ZERO).all() && p.cmplt(a.box_a).all()));
    }

    #[test]
    fn exact_atom_count_is_honoured() {
        let mut sc = small();
        sc.cold.argon_atoms = Some(700);
        let s = build_system(&sc).unwrap();
        assert_eq!(s.counts().cold_bath, 700);
    }

    #[test]
    fn bath_starts_at_target_temperature_with_zero_momentum() {
        let sc = small();
        let s = build_system(&sc).unwrap();
        let r = s.ranges[Group::HotBath as usize].clone();
        let m = sc.potential.argon.mass_amu;
        let p: DVec3 = s.velocities[r.clone()].iter().map(|v| m * *v).sum();
        assert!(p.length() < 1e-9);
        let ke: f64 = s.velocities[r.clone()]
            .iter()
            .map(|v| 0.5 * m * v.length_squared() * MVV2E)
            .sum();
        let t = 2.0 * ke / ((3 * r.len() - 3) as f64 * KB_EV_PER_K);
        assert!((t - sc.hot.temperature_k).abs() < 1e-9);
    }
}
