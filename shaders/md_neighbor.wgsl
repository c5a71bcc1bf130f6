// Verlet-list rebuild on the GPU, dispatched indirectly with the workgroup counts integrate1 writes (zero when
// no atom has moved skin/2, see md_common.wgsl), y = replica; a replica builds only when its own F_REBUILD
// request is set, so its list is the one a single run of it would build: a counting sort of atoms into
// cells (count with integer atomics, prefix sum, scatter, sort each cell by atom index so the list does not
// depend on atomic order), then one thread per atom gathers its full neighbour list from the 27 cells.

var<workgroup> scan_tmp: array<u32, 256>;
var<workgroup> scan_due: u32;

// Replica r's cells: counts at r·NCELLS, starts (offsets within the replica's atoms) at r·(NCELLS + 1).
fn cbase() -> u32 {
    return rep * NCELLS;
}

fn sbase_cells() -> u32 {
    return rep * (NCELLS + 1u);
}

fn cell_coords(p: vec3<f32>) -> vec3<u32> {
    let c = floor(p / BOX * vec3<f32>(NCELL));
    return vec3<u32>(clamp(vec3<i32>(c), vec3<i32>(0), vec3<i32>(NCELL) - vec3<i32>(1)));
}

fn flat_cell(c: vec3<u32>) -> u32 {
    return (c.x * NCELL.y + c.y) * NCELL.z + c.z;
}

@compute @workgroup_size(256)
fn bin(@builtin(global_invocation_id) gid: vec3<u32>) {
    enter(gid.y);
    let i = gid.x;
    if (i >= N || !rebuild_due()) {
        return;
    }
    if (i == 0u) {
        atomicAdd(&flags[fbase + F_BUILDS], 1u);
    }
    let a = abase + i;
    let c = flat_cell(cell_coords(pos[a].xyz));
    atom_cell[a] = c;
    atom_slot[a] = atomicAdd(&cell_count[cbase() + c], 1u);
}

// Exclusive prefix sum of the cell counts by one workgroup (each thread a contiguous chunk); zeroes the
// counts for the next build.
@compute @workgroup_size(256)
fn scan(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    enter(wid.y);
    if (lid == 0u) {
        scan_due = select(0u, 1u, rebuild_due());
    }
    if (workgroupUniformLoad(&scan_due) == 0u) {
        return;
    }
    let cb = cbase();
    let sb = sbase_cells();
    let chunk = (NCELLS + 255u) / 256u;
    let lo = min(lid * chunk, NCELLS);
    let hi = min(lo + chunk, NCELLS);
    var total = 0u;
    for (var c = lo; c < hi; c++) {
        total += atomicLoad(&cell_count[cb + c]);
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
        cell_start[sb + c] = run;
        run += atomicLoad(&cell_count[cb + c]);
        atomicStore(&cell_count[cb + c], 0u);
    }
    if (lid == 255u) {
        cell_start[sb + NCELLS] = scan_tmp[255];
    }
}

@compute @workgroup_size(256)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
    enter(gid.y);
    let i = gid.x;
    if (i >= N || !rebuild_due()) {
        return;
    }
    let a = abase + i;
    cell_atoms[abase + cell_start[sbase_cells() + atom_cell[a]] + atom_slot[a]] = a;
}

@compute @workgroup_size(64)
fn sort_cells(@builtin(global_invocation_id) gid: vec3<u32>) {
    enter(gid.y);
    let c = gid.x;
    if (c >= NCELLS || !rebuild_due()) {
        return;
    }
    let lo = abase + cell_start[sbase_cells() + c];
    let hi = abase + cell_start[sbase_cells() + c + 1u];
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
    enter(gid.y);
    let i = gid.x;
    if (i >= N || !rebuild_due()) {
        return;
    }
    let ia = abase + i;
    let pi = pos[ia];
    refpos[ia] = pi;
    if (i >= NBATH && i < BODY_START) {
        ncount[ia] = 0u;
        return;
    }
    let sb = sbase_cells();
    let gi = group_of(pi);
    let ci = vec3<i32>(cell_coords(pi.xyz));
    let nc = vec3<i32>(NCELL);
    let cap = flag(F_CAP);
    var cnt = 0u;
    for (var dx = stencil_lo(NCELL.x); dx <= stencil_hi(NCELL.x); dx++) {
        for (var dy = stencil_lo(NCELL.y); dy <= stencil_hi(NCELL.y); dy++) {
            for (var dz = stencil_lo(NCELL.z); dz <= stencil_hi(NCELL.z); dz++) {
                let cc = (ci + vec3<i32>(dx, dy, dz) + nc) % nc;
                let c = flat_cell(vec3<u32>(cc));
                let hi = abase + cell_start[sb + c + 1u];
                for (var a = abase + cell_start[sb + c]; a < hi; a++) {
                    let j = cell_atoms[a];
                    let pj = pos[j];
                    if (j == ia || coef[gi * NGROUP + group_of(pj)].x == 0.0) {
                        continue;
                    }
                    let d = min_image(pi.xyz - pj.xyz);
                    if (dot(d, d) < REACH2) {
                        if (cnt < cap) {
                            nlist[((cnt / TPA) * NTOT + ia) * TPA + cnt % TPA] = j;
                        }
                        cnt++;
                    }
                }
            }
        }
    }
    ncount[ia] = min(cnt, cap);
    atomicMax(&flags[fbase + F_MAXN], cnt);
}
