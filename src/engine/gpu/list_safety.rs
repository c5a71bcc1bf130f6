//! List safety of the GPU engine's own rebuild decision: at every step of a run, every pair within the
//! cutoff is in the Verlet list the force kernel just used, and the forces equal f64 forces over a fresh
//! cell-list build at the same (f32) positions to f32 rounding. What guarantees it is the Verlet criterion
//! of md_integrate.wgsl: the list holds the pairs within r_c + skin at its build and is rebuilt after any
//! step in which an atom moved more than skin/2 from its build position, so two atoms approach by at most
//! skin before the list is renewed.

use super::prelude::TPA;
use super::{dvec, GpuEngine};
use crate::engine::cpu::forces::compute_forces;
use crate::engine::cpu::neighbor::{min_image, NeighborList};
use crate::engine::Engine;
use crate::gpu::GpuContext;
use crate::physics::lj::PairTable;
use crate::scenario::Scenario;
use crate::system::{build_system, Group};
use glam::DVec3;

/// Steps before the check: the small start configuration heats up (to 230–320 K within 1 ps, BENCHMARKS.md),
/// after which the list is rebuilt every ~45 steps.
const WARMUP: u64 = 400;
/// Steps checked, each one: about four list lifetimes.
const STEPS: usize = 200;

/// Copies `size` bytes of `src` back from the GPU.
fn fetch(e: &GpuEngine, src: &wgpu::Buffer, size: u64) -> Vec<u8> {
    let dev = &e.ctx.device;
    let dst = dev.create_buffer(&wgpu::BufferDescriptor {
        label: Some("list safety readback"),
        size,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let mut enc = dev.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    enc.copy_buffer_to_buffer(src, 0, &dst, 0, size);
    e.ctx.queue.submit([enc.finish()]);
    dst.slice(..).map_async(wgpu::MapMode::Read, |_| ());
    dev.poll(wgpu::PollType::wait_indefinitely()).unwrap();
    let bytes = dst.slice(..).get_mapped_range().unwrap().to_vec();
    dst.unmap();
    bytes
}

#[test]
fn the_list_never_misses_a_pair_within_the_cutoff() {
    let name = "the_list_never_misses_a_pair_within_the_cutoff";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small-heater.json");
    let sc = Scenario::load(std::path::Path::new(path)).unwrap();
    let Some(ctx) = GpuContext::for_test(name) else {
        return;
    };
    let sys = build_system(&sc).unwrap();
    let mut e = GpuEngine::new(&sc, &sys, ctx).unwrap();
    let table = PairTable::new(&sc.potential);
    let n = sys.len();
    let walls = sys.ranges[Group::Wall as usize].clone();
    e.advance(WARMUP).unwrap();
    let builds0 = e.list_builds(0).unwrap();
    // The LJ force is cut, not shifted, so a pair within f32 rounding of r_c may count on one side and not
    // on the other: each such pair is allowed the largest force any group pair has at r_c.
    let at_cutoff = Group::ALL
        .iter()
        .flat_map(|&a| Group::ALL.map(|b| (a, b)))
        .filter(|&(a, b)| table.active(a, b))
        .map(|(a, b)| {
            table.coeff[a as usize][b as usize]
                .eval(table.cutoff2)
                .0
                .abs()
                * table.cutoff
        })
        .fold(0.0, f64::max);
    let (mut pairs, mut worst) = (0usize, 0f64);
    for _ in 0..STEPS {
        e.advance(1).unwrap();
        let b = &e.k.buf;
        let pos: Vec<[f32; 4]> = bytemuck::pod_collect_to_vec(&fetch(&e, &b.pos, 16 * n as u64));
        let gpu_force: Vec<[f32; 4]> =
            bytemuck::pod_collect_to_vec(&fetch(&e, &b.force, 16 * n as u64));
        let ncount: Vec<u32> = bytemuck::pod_collect_to_vec(&fetch(&e, &b.ncount, 4 * n as u64));
        let cap = e.list_capacity as usize;
        let nlist: Vec<u32> =
            bytemuck::pod_collect_to_vec(&fetch(&e, &b.nlist, 4 * (n * cap) as u64));
        // Neighbour k of atom i at nlist[((k / TPA) * N + i) * TPA + k % TPA] (md_common.wgsl).
        let tpa = TPA as usize;
        let listed: Vec<Vec<u32>> = (0..n)
            .map(|i| {
                let mut l: Vec<u32> = (0..ncount[i] as usize)
                    .map(|k| nlist[((k / tpa) * n + i) * tpa + k % tpa])
                    .collect();
                l.sort_unstable();
                l
            })
            .collect();
        let p: Vec<DVec3> = pos.iter().map(dvec).collect();
        // A 0.01 Å skin lists the pairs just beyond the cutoff too, which f32 rounding may count.
        let mut fresh = NeighborList::new(0.01);
        fresh.build(&p, &sys.groups, &table, sys.box_a, 1);
        let mut edge = vec![0u32; n];
        let mut magnitude = vec![0f64; n];
        for i in 0..n {
            for &j in &fresh.list[fresh.start[i] as usize..fresh.start[i + 1] as usize] {
                let r = min_image(p[i], p[j as usize], sys.box_a).length();
                if (r * r / table.cutoff2 - 1.0).abs() < 1e-5 {
                    edge[i] += 1;
                    edge[j as usize] += 1;
                }
                if r * r >= table.cutoff2 {
                    continue;
                }
                pairs += 1;
                let (gi, gj) = (sys.groups[i] as usize, sys.groups[j as usize] as usize);
                let f = table.coeff[gi][gj].eval(r * r).0.abs() * r;
                magnitude[i] += f;
                magnitude[j as usize] += f;
                for (a, b) in [(i, j as usize), (j as usize, i)] {
                    assert!(
                        walls.contains(&a) || listed[a].binary_search(&(b as u32)).is_ok(),
                        "step {}: pair ({a}, {b}) at {r:.4} Å, within the {:.1} Å cutoff, is missing \
                         from atom {a}'s list",
                        e.reps[0].step,
                        table.cutoff
                    );
                }
            }
        }
        let mut force = vec![DVec3::ZERO; n];
        compute_forces(
            &p,
            &sys.groups,
            &table,
            &fresh,
            sys.box_a,
            &mut force,
            &mut Vec::new(),
            1,
        );
        // f32 rounding: positions to ~1e-6 Å, so each pair force to ~1e-6 Å × its stiffness (≤ 13/r of it
        // for LJ, ~4e-6 relative at 3.4 Å), summed over ~100 pairs: 2e-5 of Σ|f_ij| plus 1e-5 eV/Å, plus the
        // pairs at the cutoff. The list check above is the exact one; this bounds the forces themselves.
        for i in (0..n).filter(|i| !walls.contains(i)) {
            let dev = (dvec(&gpu_force[i]) - force[i]).length();
            let tol = 1e-5 + 2e-5 * magnitude[i] + edge[i] as f64 * at_cutoff;
            worst = worst.max(dev / tol);
            assert!(
                dev <= tol,
                "step {}: atom {i} force {:?} eV/Å on the GPU, {:?} from a fresh list",
                e.reps[0].step,
                gpu_force[i],
                force[i]
            );
        }
    }
    let builds = e.list_builds(0).unwrap() - builds0;
    eprintln!(
        "{STEPS} steps, {builds} GPU list builds, {pairs} pairs within the cutoff checked, worst force \
         deviation {worst:.3} of its tolerance"
    );
    assert!(
        builds >= 3,
        "only {builds} rebuilds: the run never aged a list"
    );
}
