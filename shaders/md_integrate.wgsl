// Per-atom halves of velocity Verlet. Baths: pending thermostat scale, half kick and drift (integrate1), then
// the second half kick with the per-workgroup kinetic-energy partial sums (kick2). Rigid-body atoms are
// placed from the body's centre of mass and orientation; their forces and torques are reduced here too.

var<workgroup> red_v2: array<vec2<f32>, 256>;
var<workgroup> red_f: array<vec3<f32>, 256>;
var<workgroup> red_t: array<vec3<f32>, 256>;

fn vec3_at(o: u32) -> vec3<f32> {
    return vec3<f32>(s[o], s[o + 1u], s[o + 2u]);
}

fn set_vec3(o: u32, v: vec3<f32>) {
    s[o] = v.x;
    s[o + 1u] = v.y;
    s[o + 2u] = v.z;
}

fn quat_at(k: u32) -> vec4<f32> {
    let o = k * BODY_STRIDE + B_Q;
    return vec4<f32>(s[o], s[o + 1u], s[o + 2u], s[o + 3u]);
}

fn bath_of(i: u32) -> u32 {
    return select(0u, 1u, i >= COLD_END);
}

// Pending thermostat scale (as its deficit, see md_step.wgsl), half kick, drift, wrap; body atoms follow their body; then the skin/2
// displacement check that requests a neighbour-list rebuild (an integer atomic: order-independent).
@compute @workgroup_size(256)
fn integrate1(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= N || (i >= NBATH && i < BODY_START)) {
        return;
    }
    let p = pos[i];
    var x: vec3<f32>;
    if (i < NBATH) {
        let b = bath_of(i);
        let v0 = vel[i].xyz;
        let v = (v0 - s[SCALE + b] * v0) + select(KICK_0, KICK_1, b == 1u) * force[i].xyz;
        vel[i] = vec4<f32>(v, 0.0);
        x = wrap(p.xyz + DT * v);
    } else {
        let k = body_of(i);
        let trap = select(TRAP_0, TRAP_1, k == 1u);
        x = wrap(trap + vec3_at(k * BODY_STRIDE + B_X) + rot(quat_at(k)) * bcoord[i - BODY_START].xyz);
    }
    pos[i] = vec4<f32>(x, p.w);
    let d = min_image(x - refpos[i].xyz);
    if (dot(d, d) > HALF_SKIN2) {
        atomicMax(&flags[0], 1u);
    }
}

// Workgroups below NBATH_WG: optional second half kick of bath atoms and Σ|v|² per bath. The next NBODIES
// workgroups: interaction force and torque on each rigid body. Both reduce in a fixed tree order.
fn finish_forces(wid: u32, lid: u32, kick: bool) {
    if (wid < NBATH_WG) {
        let i = wid * 256u + lid;
        var v2 = vec2<f32>(0.0);
        if (i < NBATH) {
            let b = bath_of(i);
            var v = vel[i].xyz;
            if (kick) {
                v += select(KICK_0, KICK_1, b == 1u) * force[i].xyz;
                vel[i] = vec4<f32>(v, 0.0);
            }
            let vv = dot(v, v);
            v2 = select(vec2<f32>(vv, 0.0), vec2<f32>(0.0, vv), b == 1u);
        }
        red_v2[lid] = v2;
        workgroupBarrier();
        for (var w = 128u; w > 0u; w >>= 1u) {
            if (lid < w) {
                red_v2[lid] += red_v2[lid + w];
            }
            workgroupBarrier();
        }
        if (lid == 0u) {
            partial[wid] = red_v2[0];
        }
        return;
    }
    let k = wid - NBATH_WG;
    let lo = select(B0_START, B1_START, k == 1u);
    let hi = select(B1_START, N, k == 1u);
    let r = rot(quat_at(k));
    var f = vec3<f32>(0.0);
    var t = vec3<f32>(0.0);
    for (var i = lo + lid; i < hi; i += 256u) {
        let fi = force[i].xyz;
        f += fi;
        t += cross(r * bcoord[i - BODY_START].xyz, fi);
    }
    red_f[lid] = f;
    red_t[lid] = t;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w >>= 1u) {
        if (lid < w) {
            red_f[lid] += red_f[lid + w];
            red_t[lid] += red_t[lid + w];
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        set_vec3(k * BODY_STRIDE + B_F, red_f[0]);
        set_vec3(k * BODY_STRIDE + B_T, red_t[0]);
    }
}

@compute @workgroup_size(256)
fn kick2(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    finish_forces(wid.x, lid, true);
}

@compute @workgroup_size(256)
fn reduce_forces(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    finish_forces(wid.x, lid, false);
}

// Applies the closing thermostat factor still pending at the end of an advance, so velocities read back
// are those of the step boundary.
@compute @workgroup_size(256)
fn apply_scale(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= NBATH) {
        return;
    }
    let v = vel[i].xyz;
    vel[i] = vec4<f32>(v - s[SCALE + bath_of(i)] * v, 0.0);
}
