// Lennard-Jones forces gathered over the full Verlet list: each atom sums its own force (no float atomics;
// the sum order is the list order, fixed by the build, so runs are bit-reproducible). Same coefficients,
// mixing and exclusions as PairTable (excluded pairs never enter the list). Walls are immobile: no force.

fn skip(i: u32) -> bool {
    return i >= N || (i >= NBATH && i < BODY_START);
}

@compute @workgroup_size(FORCE_WG)
fn forces(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (skip(i)) {
        return;
    }
    let pi = pos[i];
    let row = group_of(pi) * 5u;
    let n = ncount[i];
    var f = vec3<f32>(0.0);
    for (var k = 0u; k < n; k++) {
        let pj = pos[nlist[k * N + i]];
        let d = min_image(pi.xyz - pj.xyz);
        let r2 = dot(d, d);
        if (r2 < RC2) {
            let c = coef[row + group_of(pj)];
            let inv2 = 1.0 / r2;
            let inv6 = inv2 * inv2 * inv2;
            f += d * (inv6 * (c.x * inv6 - c.y) * inv2);
        }
    }
    force[i] = vec4<f32>(f, 0.0);
}

// Shifted LJ energy of atom i with partners of each group, half of each pair (the full list holds every pair
// twice), into energy[5 i + g]; the host sums them by group pair in f64.
@compute @workgroup_size(64)
fn energies(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= N) {
        return;
    }
    var e = array<f32, 5>(0.0, 0.0, 0.0, 0.0, 0.0);
    if (!skip(i)) {
        let pi = pos[i];
        let row = group_of(pi) * 5u;
        let n = ncount[i];
        for (var k = 0u; k < n; k++) {
            let pj = pos[nlist[k * N + i]];
            let d = min_image(pi.xyz - pj.xyz);
            let r2 = dot(d, d);
            if (r2 < RC2) {
                let gj = group_of(pj);
                let c = coef[row + gj];
                let inv2 = 1.0 / r2;
                let inv6 = inv2 * inv2 * inv2;
                e[gj] += 0.5 * (inv6 * (c.z * inv6 - c.w) - coef[25u + row + gj].x);
            }
        }
    }
    for (var g = 0u; g < 5u; g++) {
        energy[5u * i + g] = e[g];
    }
}
