// Verlet-list rebuild on the GPU, dispatched indirectly with the workgroup counts integrate1 writes (zero when
// no atom has moved skin/2, see md_common.wgsl): a counting sort of atoms into
// cells (count with integer atomics, prefix sum, scatter, sort each cell by atom index so the list does not
// depend on atomic order), then one thread per atom gathers its full neighbour list from the 27 cells.

var<workgroup> scan_tmp: array<u32, 256>;

fn cell_coords(p: vec3<f32>) -> vec3<u32> {
    let c = floor(p / BOX * vec3<f32>(NCELL));
    return vec3<u32>(clamp(vec3<i32>(c), vec3<i32>(0), vec3<i32>(NCELL) - vec3<i32>(1)));
}

fn flat_cell(c: vec3<u32>) -> u32 {
    return (c.x * NCELL.y + c.y) * NCELL.z + c.z;
}

@compute @workgroup_size(256)
fn bin(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= N) {
        return;
    }
    if (i == 0u) {
        atomicAdd(&flags[2], 1u);
    }
    let c = flat_cell(cell_coords(pos[i].xyz));
    atom_cell[i] = c;
    atom_slot[i] = atomicAdd(&cell_count[c], 1u);
}

// Exclusive prefix sum of the cell counts by one workgroup (each thread a contiguous chunk); zeroes the
// counts for the next build.
@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_index) lid: u32) {
    let chunk = (NCELLS + 255u) / 256u;
    let lo = min(lid * chunk, NCELLS);
    let hi = min(lo + chunk, NCELLS);
    var total = 0u;
    for (var c = lo; c < hi; c++) {
        total += atomicLoad(&cell_count[c]);
    }
    scan_tmp[lid] = total;
    workgroupBarrier();
    for (var off = 1u; off < 256u; off <<= 1u) {
        var add = 0u;
        if (lid >= off) {
            add = scan_tmp[lid - off];
        }
        workgroupBarrier();
        scan_tmp[lid] += add;
        workgroupBarrier();
    }
    var run = scan_tmp[lid] - total;
    for (var c = lo; c < hi; c++) {
        cell_start[c] = run;
        run += atomicLoad(&cell_count[c]);
        atomicStore(&cell_count[c], 0u);
    }
    if (lid == 255u) {
        cell_start[NCELLS] = scan_tmp[255];
    }
}

@compute @workgroup_size(256)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= N) {
        return;
    }
    cell_atoms[cell_start[atom_cell[i]] + atom_slot[i]] = i;
}

@compute @workgroup_size(64)
fn sort_cells(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    if (c >= NCELLS) {
        return;
    }
    let lo = cell_start[c];
    let hi = cell_start[c + 1u];
    for (var a = lo + 1u; a < hi; a++) {
        let v = cell_atoms[a];
        var b = a;
        while (b > lo && cell_atoms[b - 1u] > v) {
            cell_atoms[b] = cell_atoms[b - 1u];
            b--;
        }
        cell_atoms[b] = v;
    }
}

// Cell offsets −1..1 per axis, fewer when the grid is only 1 or 2 cells wide so no cell is visited twice.
fn stencil_lo(n: u32) -> i32 {
    return select(-1, 0, n < 3u);
}

fn stencil_hi(n: u32) -> i32 {
    return select(1, 0, n < 2u);
}

@compute @workgroup_size(64)
fn build_list(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= N) {
        return;
    }
    let pi = pos[i];
    refpos[i] = pi;
    if (i >= NBATH && i < BODY_START) {
        ncount[i] = 0u;
        return;
    }
    let gi = group_of(pi);
    let ci = vec3<i32>(cell_coords(pi.xyz));
    let nc = vec3<i32>(NCELL);
    let cap = atomicLoad(&flags[3]);
    var cnt = 0u;
    for (var dx = stencil_lo(NCELL.x); dx <= stencil_hi(NCELL.x); dx++) {
        for (var dy = stencil_lo(NCELL.y); dy <= stencil_hi(NCELL.y); dy++) {
            for (var dz = stencil_lo(NCELL.z); dz <= stencil_hi(NCELL.z); dz++) {
                let cc = (ci + vec3<i32>(dx, dy, dz) + nc) % nc;
                let c = flat_cell(vec3<u32>(cc));
                let hi = cell_start[c + 1u];
                for (var a = cell_start[c]; a < hi; a++) {
                    let j = cell_atoms[a];
                    let pj = pos[j];
                    if (j == i || coef[gi * NGROUP + group_of(pj)].x == 0.0) {
                        continue;
                    }
                    let d = min_image(pi.xyz - pj.xyz);
                    if (dot(d, d) < REACH2) {
                        if (cnt < cap) {
                            nlist[((cnt / TPA) * N + i) * TPA + cnt % TPA] = j;
                        }
                        cnt++;
                    }
                }
            }
        }
    }
    ncount[i] = min(cnt, cap);
    atomicMax(&flags[1], cnt);
}
