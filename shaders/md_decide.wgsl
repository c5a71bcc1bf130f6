// The rebuild decision: turns the displacement flag raised by integrate1 into the workgroup counts of the
// rebuild kernels' indirect dispatches (zero when the list is still valid), so the step never waits on the
// host. Bound alone (flags + indirect arguments), because a buffer cannot be storage and indirect in one
// dispatch.

@group(0) @binding(0) var<storage, read_write> flags: array<atomic<u32>>;
// (x, y, z) workgroup counts of bin, scan, scatter, sort_cells, build_list.
@group(0) @binding(1) var<storage, read_write> args: array<u32>;

fn set_args(k: u32, x: u32) {
    args[3u * k] = x;
    args[3u * k + 1u] = 1u;
    args[3u * k + 2u] = 1u;
}

@compute @workgroup_size(1)
fn decide() {
    let go = atomicExchange(&flags[0], 0u) != 0u;
    set_args(0u, select(0u, (N + 255u) / 256u, go));
    set_args(1u, select(0u, 1u, go));
    set_args(2u, select(0u, (N + 255u) / 256u, go));
    set_args(3u, select(0u, (NCELLS + 63u) / 64u, go));
    set_args(4u, select(0u, (N + 63u) / 64u, go));
    if (go) {
        atomicAdd(&flags[2], 1u);
    }
}
