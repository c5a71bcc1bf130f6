// First half of velocity Verlet per atom. Baths: pending thermostat scale, half kick and drift (the second
// half kick is fused into the force kernel). Rigid-body atoms are placed from the body's centre of mass and
// orientation.

// The replica's scalar at offset o (its block starts at sbase).
fn sc(o: u32) -> f32 {
    return s[sbase + o];
}

fn vec3_at(o: u32) -> vec3<f32> {
    return vec3<f32>(sc(o), sc(o + 1u), sc(o + 2u));
}

fn quat_at(k: u32) -> vec4<f32> {
    let o = k * BODY_STRIDE + B_Q;
    return vec4<f32>(sc(o), sc(o + 1u), sc(o + 2u), sc(o + 3u));
}

fn bath_of(i: u32) -> u32 {
    return select(0u, 1u, i >= COLD_END);
}

// Requests a build of this replica's list, and the workgroup counts (x; y = R is fixed) of the five rebuild
// kernels, each its kernel's workgroup size. Every thread that requests stores the same values.
fn request_rebuild() {
    atomicStore(&flags[fbase + F_REBUILD], 1u);
    atomicStore(&rebuild_args[0], (N + 255u) / 256u);
    atomicStore(&rebuild_args[3], 1u);
    atomicStore(&rebuild_args[6], (N + 255u) / 256u);
    atomicStore(&rebuild_args[9], (NCELLS + 63u) / 64u);
    atomicStore(&rebuild_args[12], (N + 63u) / 64u);
}

// Pending thermostat scale (as its deficit, see md_step.wgsl), half kick, drift, wrap; body atoms follow their body; then the skin/2
// displacement check that requests a neighbour-list rebuild (an integer atomic: order-independent).
@compute @workgroup_size(256)
fn integrate1(@builtin(global_invocation_id) gid: vec3<u32>) {
    enter(gid.y);
    let i = gid.x;
    if (i >= N || (i >= NBATH && i < BODY_START) || !replica_on()) {
        return;
    }
    let a = abase + i;
    let p = pos[a];
    var x: vec3<f32>;
    if (i < NBATH) {
        let b = bath_of(i);
        let v0 = vel[a].xyz;
        let v = (v0 - sc(SCALE + b) * v0) + select(KICK_0, KICK_1, b == 1u) * force[a].xyz;
        vel[a] = vec4<f32>(v, 0.0);
        x = wrap(p.xyz + DT * v);
    } else {
        let k = body_of(i);
        let trap = select(TRAP_0, TRAP_1, k == 1u);
        x = wrap(trap + vec3_at(k * BODY_STRIDE + B_X) + rot(quat_at(k)) * bcoord[i - BODY_START].xyz);
    }
    pos[a] = vec4<f32>(x, p.w);
    let d = min_image(x - refpos[a].xyz);
    if (dot(d, d) > HALF_SKIN2) {
        request_rebuild();
    }
}

// Applies the closing thermostat factor still pending at the end of an advance, so velocities read back
// are those of the step boundary.
@compute @workgroup_size(256)
fn apply_scale(@builtin(global_invocation_id) gid: vec3<u32>) {
    enter(gid.y);
    let i = gid.x;
    if (i >= NBATH || !replica_on()) {
        return;
    }
    let a = abase + i;
    let v = vel[a].xyz;
    vel[a] = vec4<f32>(v - sc(SCALE + bath_of(i)) * v, 0.0);
}
