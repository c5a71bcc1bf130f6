// Lennard-Jones forces gathered over the full Verlet list: each atom sums its own force (no float atomics),
// TPA threads per atom each taking every TPA-th neighbour, their partial sums added in thread order, so
// the sum order is fixed by the list and runs are bit-reproducible. Same coefficients, mixing and
// exclusions as PairTable (excluded pairs never enter the list). Walls are immobile: no force.
//
// Own bind group with read-only inputs (lets the compiler use the read-only data path for the gathers).
// Neighbour k of atom a (global index, replica·N + i) sits at nlist[((k / TPA) * NTOT + a) * TPA + k % TPA]:
// the TPA threads of an atom, and consecutive atoms, read consecutive words. Dispatched with y = replica;
// a replica whose F_ACTIVE flag is 0 is skipped whole (md_common.wgsl).

@group(0) @binding(0) var<storage, read> pos: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> nlist: array<u32>;
@group(0) @binding(2) var<storage, read> ncount: array<u32>;
@group(0) @binding(3) var<storage, read> coef: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> force: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> energy: array<f32>;
@group(0) @binding(6) var<storage, read_write> vel: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> partial: array<vec2<f32>>;
// Workgroup counts of the rebuild kernels (md_common.wgsl), zeroed here once they have run.
@group(0) @binding(8) var<storage, read_write> rebuild_args: array<u32>;
// The replicas' flag words (md_common.wgsl), read here only for F_ACTIVE.
@group(0) @binding(9) var<storage, read_write> flags: array<u32>;

const ATOMS_PER_WG: u32 = FORCE_WG / TPA;

var<workgroup> wcoef: array<vec4<f32>, NCOEF>;
var<workgroup> red: array<vec3<f32>, FORCE_WG>;
var<workgroup> red_v2: array<vec2<f32>, ATOMS_PER_WG>;
var<workgroup> wg_on: u32;

fn replica_on(r: u32) -> bool {
    return flags[r * FLAG_STRIDE + F_ACTIVE] != 0u;
}

fn skip(i: u32) -> bool {
    return i >= N || (i >= NBATH && i < BODY_START);
}

fn load_coef(lid: u32) {
    for (var c = lid; c < NCOEF; c += FORCE_WG) {
        wcoef[c] = coef[c];
    }
    workgroupBarrier();
}

// Forces on the workgroup's atoms; with `kick`, also the second half kick of velocity Verlet for bath atoms
// and the workgroup's Σ|v|² per bath (added in atom order) for the thermostat's kinetic energy.
fn gather(wg: vec2<u32>, lid: u32, kick: bool) {
    let wid = wg.x;
    let r = wg.y;
    if (wid == 0u && r == 0u && lid == 0u) {
        for (var k = 0u; k < 5u; k++) {
            rebuild_args[3u * k] = 0u;
        }
    }
    if (lid == 0u) {
        wg_on = select(0u, 1u, replica_on(r));
    }
    if (workgroupUniformLoad(&wg_on) == 0u) {
        return;
    }
    load_coef(lid);
    let t = lid % TPA;
    let i = wid * ATOMS_PER_WG + lid / TPA;
    let a = r * N + i;
    var f = vec3<f32>(0.0);
    if (!skip(i)) {
        let pi = pos[a];
        let row = group_of(pi) * NGROUP;
        let n = ncount[a];
        for (var k = t; k < n; k += TPA) {
            let pj = pos[nlist[((k / TPA) * NTOT + a) * TPA + t]];
            let d = min_image(pi.xyz - pj.xyz);
            let r2 = dot(d, d);
            if (r2 < RC2) {
                let c = wcoef[row + group_of(pj)];
                let inv2 = 1.0 / r2;
                let inv6 = inv2 * inv2 * inv2;
                f += d * (inv6 * (c.x * inv6 - c.y) * inv2);
            }
        }
    }
    red[lid] = f;
    workgroupBarrier();
    if (t == 0u) {
        var v2 = vec2<f32>(0.0);
        if (!skip(i)) {
            var sum = red[lid];
            for (var u = 1u; u < TPA; u++) {
                sum += red[lid + u];
            }
            force[a] = vec4<f32>(sum, 0.0);
            if (kick && i < NBATH) {
                let b = select(0u, 1u, i >= COLD_END);
                let v = vel[a].xyz + select(KICK_0, KICK_1, b == 1u) * sum;
                vel[a] = vec4<f32>(v, 0.0);
                let vv = dot(v, v);
                v2 = select(vec2<f32>(vv, 0.0), vec2<f32>(0.0, vv), b == 1u);
            }
        }
        red_v2[lid / TPA] = v2;
    }
    workgroupBarrier();
    if (kick && lid == 0u && wid < NPARTIAL) {
        var total = vec2<f32>(0.0);
        for (var a = 0u; a < ATOMS_PER_WG; a++) {
            total += red_v2[a];
        }
        partial[r * NPARTIAL + wid] = total;
    }
}

@compute @workgroup_size(FORCE_WG)
fn forces_kick(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    gather(wid.xy, lid, true);
}

@compute @workgroup_size(FORCE_WG)
fn forces(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    gather(wid.xy, lid, false);
}

// Shifted LJ energy of atom i with partners of each group, half of each pair (the full list holds every pair
// twice), into energy[NGROUP i + g]; the host sums them by group pair in f64. Sampling points only.
@compute @workgroup_size(64)
fn energies(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let r = gid.y;
    if (i >= N || !replica_on(r)) {
        return;
    }
    let a = r * N + i;
    var e: array<f32, NGROUP>;
    if (!skip(i)) {
        let pi = pos[a];
        let row = group_of(pi) * NGROUP;
        let n = ncount[a];
        for (var k = 0u; k < n; k++) {
            let pj = pos[nlist[((k / TPA) * NTOT + a) * TPA + k % TPA]];
            let d = min_image(pi.xyz - pj.xyz);
            let r2 = dot(d, d);
            if (r2 < RC2) {
                let gj = group_of(pj);
                let c = coef[row + gj];
                let inv2 = 1.0 / r2;
                let inv6 = inv2 * inv2 * inv2;
                e[gj] += 0.5 * (inv6 * (c.z * inv6 - c.w) - coef[GROUP_PAIRS + row + gj].x);
            }
        }
    }
    for (var g = 0u; g < NGROUP; g++) {
        energy[NGROUP * a + g] = e[g];
    }
}
