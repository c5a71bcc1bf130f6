// The scalar part of a step, one workgroup per replica (y = replica): Nosé–Hoover chain half steps per bath, rigid-body
// velocity-Verlet halves with NO_SQUISH rotation, the demon controller, and the ledger increments.
// Mirrors CpuEngine::step_once, NoseHooverChain::half_step, RigidBody::{initial,final}_integrate and
// Controller::{forces,work} in f32. Ledger sums are Kahan-compensated f32 and folded into the host's f64
// accumulators (and reset) at points fixed by the step count (every FOLD_STEPS steps, checkpoints, the start
// of production; src/engine/gpu/mod.rs), so about one sampling interval at most is summed in f32.

var<workgroup> red: array<vec2<f32>, 256>;
// Workgroup copy of the scalar buffer: the step's serial part is a long chain of dependent loads and stores,
// each ~30 cycles here against hundreds in global memory.
var<workgroup> ws: array<f32, S_LEN>;
var<workgroup> w_active: u32;

// Enters replica r; whether it moves in this dispatch, as a workgroup-uniform value (every thread returns or
// none, so the barriers below stay in uniform control flow).
fn enter_uniform(r: u32, lid: u32) -> bool {
    enter(r);
    if (lid == 0u) {
        w_active = select(0u, 1u, replica_on());
    }
    return workgroupUniformLoad(&w_active) != 0u;
}

// A scalar parameter of the replica (prelude.rs `replica_params`), from the workgroup copy.
fn vec3_prm(o: u32) -> vec3<f32> {
    return vec3<f32>(ws[o], ws[o + 1u], ws[o + 2u]);
}

fn bath_prm(b: u32, k: u32) -> f32 {
    return ws[P_BATH + b * PB_STRIDE + k];
}

fn vec3_at(o: u32) -> vec3<f32> {
    return vec3<f32>(ws[o], ws[o + 1u], ws[o + 2u]);
}

fn set_vec3(o: u32, v: vec3<f32>) {
    ws[o] = v.x;
    ws[o + 1u] = v.y;
    ws[o + 2u] = v.z;
}

fn quat_at(k: u32) -> vec4<f32> {
    let o = k * BODY_STRIDE + B_Q;
    return vec4<f32>(ws[o], ws[o + 1u], ws[o + 2u], ws[o + 3u]);
}


var<workgroup> red_f: array<vec3<f32>, 256>;
var<workgroup> red_t: array<vec3<f32>, 256>;

// Interaction force and torque on body k from its atoms' LJ forces (fixed tree order), into ws.
fn reduce_body(k: u32, lid: u32) {
    let lo = select(B0_START, B1_START, k == 1u);
    let hi = select(B1_START, N, k == 1u);
    let r = rot(quat_at(k));
    var f = vec3<f32>(0.0);
    var t = vec3<f32>(0.0);
    for (var i = lo + lid; i < hi; i += 256u) {
        let fi = force[abase + i].xyz;
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
    workgroupBarrier();
}

fn reduce_bodies(lid: u32) {
    if (NBODIES == 2u) {
        reduce_body(0u, lid);
        reduce_body(1u, lid);
    }
}

fn load_scalars(lid: u32) {
    for (var i = lid; i < S_LEN; i += 256u) {
        ws[i] = s[sbase + i];
    }
    workgroupBarrier();
}

fn store_scalars(lid: u32) {
    workgroupBarrier();
    for (var i = lid; i < S_LEN; i += 256u) {
        s[sbase + i] = ws[i];
    }
}


// Kahan summation into the (sum, compensation) pair at ws[o], ws[o + 1]; the true sum is ws[o] − ws[o + 1].
fn kadd(o: u32, x: f32) {
    let y = x - ws[o + 1u];
    let t = ws[o] + y;
    ws[o + 1u] = (t - ws[o]) - y;
    ws[o] = t;
}

// ---- Nosé–Hoover chain (src/physics/thermostat.rs, LAMMPS FixNH::nhc_temp_integrate) ----

fn ed_at(b: u32, j: u32) -> u32 {
    return CH + b * CS + j;
}

fn edd_at(b: u32, j: u32) -> u32 {
    return CH + b * CS + MCH + j;
}

fn next_ed(b: u32, j: u32, m: u32) -> f32 {
    if (j + 1u < m) {
        return ws[ed_at(b, j + 1u)];
    }
    return 0.0;
}

// The chain's target at one instant: k_B T, its masses Q₁ = N_f k_B T τ² and Q_j = k_B T τ², and the
// kinetic-energy target N_f k_B T (NoseHooverChain::masses and ::half_step).
struct Target {
    kt: f32,
    q1: f32,
    qj: f32,
    ke_target: f32,
}

fn chain_q(t: Target, j: u32) -> f32 {
    if (j == 0u) {
        return t.q1;
    }
    return t.qj;
}

// The high 32 bits of the 64-bit product a·b, from 16-bit pieces (WGSL has no 64-bit integers).
fn mulhi(a: u32, b: u32) -> u32 {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let mid = ((a0 * b0) >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    return a1 * b1 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
}

// sin(2π n·dt/P) after n steps, for the bath whose phase per step dt/P is the 64-bit fixed-point fraction
// (hi, lo) · 2⁻⁶⁴ (prelude.rs): the phase n·dt/P mod 1 is the high word of the exact integer product
// n · (hi, lo) mod 2⁶⁴, so it is computed from the integer step count, never accumulated in f32, and is
// exact to 2⁻²⁴ of a period at any step.
fn phase_sin(n: vec2<u32>, hi: u32, lo: u32) -> f32 {
    let top = mulhi(n.x, lo) + n.x * hi + n.y * lo;
    let frac = f32(top >> 8u) * (1.0 / 16777216.0);
    // sin(2πf) = −sin(2π(f − ½)), whose argument lies in [−π, π), where WGSL's sin is accurate.
    return -sin(6.2831853 * (frac - 0.5));
}

// Bath b's target after n completed steps, time n·dt (TemperatureProtocol::at): T₀ + A sin(2π n dt / P)
// for an oscillating bath, the replica's constant parameters for a constant one.
fn bath_target(b: u32, n: vec2<u32>) -> Target {
    if (flag(F_OSC + b) == 0u) {
        return Target(
            bath_prm(b, PB_KT),
            bath_prm(b, PB_Q1),
            bath_prm(b, PB_QJ),
            bath_prm(b, PB_KE_TARGET),
        );
    }
    let sn = phase_sin(n, flag(F_PHASE + 2u * b), flag(F_PHASE + 2u * b + 1u));
    let kt = bath_prm(b, PB_KT) + bath_prm(b, PB_KT_AMP) * sn;
    return Target(
        kt,
        bath_prm(b, PB_Q1_PER_KT) * kt,
        bath_prm(b, PB_TAU2) * kt,
        bath_prm(b, PB_NDOF) * kt,
    );
}

// Steps completed so far (lo, hi), the thermostat's clock, kept in the replica's F_CLOCK words: written by
// the host at restore, advanced by the kernel that closes a step.
fn clock() -> vec2<u32> {
    return vec2<u32>(flag(F_CLOCK), flag(F_CLOCK + 1u));
}

// Advances the clock by one step (one thread, after every thread has read it).
fn tick(lid: u32) {
    storageBarrier();
    if (lid == 0u) {
        let lo = flag(F_CLOCK) + 1u;
        atomicStore(&flags[fbase + F_CLOCK], lo);
        if (lo == 0u) {
            atomicAdd(&flags[fbase + F_CLOCK + 1u], 1u);
        }
    }
}

// e^x − 1 without the cancellation of exp(x) − 1 near 0 (Taylor to x⁵ for |x| < 0.1: relative error < 2e-8).
fn expm1(x: f32) -> f32 {
    if (abs(x) < 0.1) {
        return x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0)))));
    }
    return exp(x) - 1.0;
}

// Half step dt/2 of chain `b` at bath kinetic energy `ke` towards target `t`; returns d = 1 − f, where f is
// the velocity scale factor. d is a few 1e-7 to 1e-5 per half step, so rounding f itself to f32 would bias
// it by up to tens of percent; d keeps full relative precision.
fn chain_half(b: u32, ke: f32, t: Target) -> f32 {
    let m = flag(F_CHAIN + b);
    let kt = t.kt;
    let ke_target = t.ke_target;
    let q0 = t.q1;
    let dthalf = 0.5 * DT;
    let dt4 = 0.25 * DT;
    let dt8 = 0.125 * DT;
    var two_ke = 2.0 * ke;
    ws[edd_at(b, 0u)] = (two_ke - ke_target) / q0;
    for (var j = m - 1u; j >= 1u; j--) {
        let e = exp(-dt8 * next_ed(b, j, m));
        ws[ed_at(b, j)] = (ws[ed_at(b, j)] * e + ws[edd_at(b, j)] * dt4) * e;
    }
    let e0 = exp(-dt8 * next_ed(b, 0u, m));
    ws[ed_at(b, 0u)] = (ws[ed_at(b, 0u)] * e0 + ws[edd_at(b, 0u)] * dt4) * e0;
    let d = -expm1(-dthalf * ws[ed_at(b, 0u)]);
    two_ke *= (1.0 - d) * (1.0 - d);
    ws[edd_at(b, 0u)] = (two_ke - ke_target) / q0;
    for (var j = 0u; j < m; j++) {
        kadd(L_DETA + 2u * (b * MCH + j), dthalf * ws[ed_at(b, j)]);
    }
    ws[ed_at(b, 0u)] = (ws[ed_at(b, 0u)] * e0 + ws[edd_at(b, 0u)] * dt4) * e0;
    for (var j = 1u; j < m; j++) {
        let e = exp(-dt8 * next_ed(b, j, m));
        let prev = ws[ed_at(b, j - 1u)];
        ws[edd_at(b, j)] = (chain_q(t, j - 1u) * prev * prev - kt) / chain_q(t, j);
        ws[ed_at(b, j)] = (ws[ed_at(b, j)] * e + ws[edd_at(b, j)] * dt4) * e;
    }
    return d;
}

// Thermostat half step of bath `b` whose kinetic energy is KE[b], towards its target after `n` completed
// steps: the chain's factor f = 1 − d joins the pending velocity scale (kept as its deficit SCALE = 1 − Π f,
// applied as v − SCALE·v), and the kinetic energy it removes, K(1 − f²) = K d(2 − d), is the thermostat heat.
fn thermostat_half(b: u32, n: vec2<u32>) {
    if (flag(F_CHAIN + b) == 0u) {
        return;
    }
    let ke = ws[KE + b];
    let d = chain_half(b, ke, bath_target(b, n));
    kadd(L_HEAT + 2u * b, ke * (d * (2.0 - d)));
    let prev = ws[SCALE + b];
    ws[SCALE + b] = prev + d - prev * d;
    ws[KE + b] = ke * (1.0 - d) * (1.0 - d);
}

// ---- Rigid bodies (src/physics/rigid.rs, NO_SQUISH) ----

fn inertia(k: u32) -> vec3<f32> {
    return select(INERTIA_0, INERTIA_1, k == 1u);
}

fn omega(k: u32) -> vec3<f32> {
    let r = rot(quat_at(k));
    let lb = transpose(r) * vec3_at(k * BODY_STRIDE + B_L);
    let i = inertia(k);
    let w = select(lb / i, vec3<f32>(0.0), i == vec3<f32>(0.0));
    return r * w;
}

// q ⊗ (0, v) with q = (w, x, y, z) stored in .xyzw.
fn quatvec(q: vec4<f32>, v: vec3<f32>) -> vec4<f32> {
    return vec4<f32>(
        -q.y * v.x - q.z * v.y - q.w * v.z,
        q.x * v.x + q.z * v.z - q.w * v.y,
        q.x * v.y + q.w * v.x - q.y * v.z,
        q.x * v.z + q.y * v.y - q.z * v.x,
    );
}

struct Rotor {
    p: vec4<f32>,
    q: vec4<f32>,
}

// Exact free rotation about body axis `a` (1, 2, 3) for time `dt` (Miller et al. 2002, Eq. 2.22).
fn no_squish_rotate(a: u32, r: Rotor, ik: f32, dt: f32) -> Rotor {
    let q = r.q;
    let p = r.p;
    var kq: vec4<f32>;
    var kp: vec4<f32>;
    if (a == 1u) {
        kq = vec4<f32>(-q.y, q.x, q.w, -q.z);
        kp = vec4<f32>(-p.y, p.x, p.w, -p.z);
    } else if (a == 2u) {
        kq = vec4<f32>(-q.z, -q.w, q.x, q.y);
        kp = vec4<f32>(-p.z, -p.w, p.x, p.y);
    } else {
        kq = vec4<f32>(-q.w, q.z, -q.y, q.x);
        kp = vec4<f32>(-p.w, p.z, -p.y, p.x);
    }
    var phi = 0.0;
    if (ik != 0.0) {
        phi = dot(p, kq) / (4.0 * ik);
    }
    let c = cos(dt * phi);
    let sn = sin(dt * phi);
    return Rotor(c * p + sn * kp, c * q + sn * kq);
}

fn body_kick(k: u32, f: vec3<f32>, t: vec3<f32>) {
    let o = k * BODY_STRIDE;
    set_vec3(o + B_V, vec3_at(o + B_V) + select(BODY_KICK_0, BODY_KICK_1, k == 1u) * f);
    set_vec3(o + B_L, vec3_at(o + B_L) + ANG_KICK * t);
}

// Controller forces on the cold and hot centres of mass at displacements xc, xh (eV/Å).
fn ctrl_force(k: u32, xc: vec3<f32>, xh: vec3<f32>) -> vec3<f32> {
    let kappa = ws[P_KAPPA];
    let mask = vec3_prm(P_MASK);
    if (k == 0u) {
        return -kappa * xc + ws[P_KAPPA_COLD] * mask * (xh - xc) + vec3_prm(P_DRAG);
    }
    return -kappa * xh + ws[P_KAPPA_HOT] * mask * (xc - xh) + vec3_prm(P_DRAG + 3u);
}

fn displacement(k: u32) -> vec3<f32> {
    return vec3_at(k * BODY_STRIDE + B_X);
}

// First half of the body step: remember the start point for the ledger, kick, drift, NO_SQUISH rotation.
// The rotation moves q only: each of its five sub-rotations is the exact flow of a Hamiltonian invariant
// under rotations of space, so it conserves the space-frame L exactly (src/physics/rigid.rs). Turning p back
// into L in f32 instead changed |L| by a few roundings per step with a consistent sign (lavapipe: +1 eps per
// step; on the H100 the rotational energy lost ≈ 10 eps of itself, ≈ 8e-9 eV, per step), energy no ledger
// term counts, so W − Q − ΔE per particle drifted linearly (tests/gpu_first_law.rs).
fn bodies_start() {
    let xc = displacement(0u);
    let xh = displacement(1u);
    for (var k = 0u; k < 2u; k++) {
        let o = k * BODY_STRIDE;
        let c0 = ctrl_force(k, xc, xh);
        set_vec3(o + B_X0, vec3_at(o + B_X));
        set_vec3(o + B_W0, omega(k));
        set_vec3(o + B_C0, c0);
        set_vec3(o + B_F0, vec3_at(o + B_F));
        set_vec3(o + B_T0, vec3_at(o + B_T));
        body_kick(k, vec3_at(o + B_F) + c0, vec3_at(o + B_T));
        set_vec3(o + B_X, vec3_at(o + B_X) + DT * vec3_at(o + B_V));
        let q = quat_at(k);
        let i = inertia(k);
        var r = Rotor(2.0 * quatvec(q, transpose(rot(q)) * vec3_at(o + B_L)), q);
        let dtq = 0.5 * DT;
        r = no_squish_rotate(3u, r, i.z, dtq);
        r = no_squish_rotate(2u, r, i.y, dtq);
        r = no_squish_rotate(1u, r, i.x, DT);
        r = no_squish_rotate(2u, r, i.y, dtq);
        r = no_squish_rotate(3u, r, i.z, dtq);
        let qn = normalize(r.q);
        for (var c = 0u; c < 4u; c++) {
            ws[o + B_Q + c] = qn[c];
        }
    }
}

// Second half: kick with the new interaction force + controller force, then the ledger increments:
// controller work (seed 000, Eq. 19), particle heat (minus the Stratonovich work of interaction forces and
// torques), controller impulse.
fn bodies_end() {
    let xc = displacement(0u);
    let xh = displacement(1u);
    var c1: array<vec3<f32>, 2>;
    for (var k = 0u; k < 2u; k++) {
        let o = k * BODY_STRIDE;
        c1[k] = ctrl_force(k, xc, xh);
        body_kick(k, vec3_at(o + B_F) + c1[k], vec3_at(o + B_T));
    }
    let x0c = vec3_at(B_X0);
    let x0h = vec3_at(BODY_STRIDE + B_X0);
    let midc = 0.5 * (x0c + xc);
    let midh = 0.5 * (x0h + xh);
    let dxc = xc - x0c;
    let dxh = xh - x0h;
    let mask = vec3_prm(P_MASK);
    kadd(L_WORK, ws[P_KAPPA_COLD] * dot(mask * midh, dxc) + dot(vec3_prm(P_DRAG), dxc));
    kadd(L_WORK + 2u, ws[P_KAPPA_HOT] * dot(mask * midc, dxh) + dot(vec3_prm(P_DRAG + 3u), dxh));
    var imp = vec3<f32>(0.0);
    for (var k = 0u; k < 2u; k++) {
        let o = k * BODY_STRIDE;
        let dx = vec3_at(o + B_X) - vec3_at(o + B_X0);
        let translational = 0.5 * dot(vec3_at(o + B_F0) + vec3_at(o + B_F), dx);
        let w_mid = 0.5 * (vec3_at(o + B_W0) + omega(k));
        let rotational = 0.5 * dot(vec3_at(o + B_T0) + vec3_at(o + B_T), w_mid) * DT;
        kadd(L_PHEAT + 2u * k, -(translational + rotational));
        imp += vec3_at(o + B_C0) + c1[k];
    }
    for (var c = 0u; c < 3u; c++) {
        kadd(L_IMP + 2u * c, IMPULSE_C * imp[c]);
    }
}

// Σ|v|² per bath from the force kernel's per-workgroup partial sums, in a fixed tree order (deterministic).
fn reduce_bath_v2(lid: u32) -> vec2<f32> {
    var acc = vec2<f32>(0.0);
    for (var p = lid; p < NPARTIAL; p += 256u) {
        acc += partial[rep * NPARTIAL + p];
    }
    red[lid] = acc;
    workgroupBarrier();
    for (var w = 128u; w > 0u; w >>= 1u) {
        if (lid < w) {
            red[lid] += red[lid + w];
        }
        workgroupBarrier();
    }
    return red[0];
}

// The serial part runs on three threads at once, each touching only its own slots: thread 0 the bodies and
// their ledger, thread 1 the cold bath's chain, thread 2 the hot bath's.

// End of a step for bath `b`: its kinetic energy from the reduction, then the closing thermostat half step
// (target at the step's end, after `n` completed steps), whose factor stays pending in SCALE (applied by the
// next step's first kick, or by apply_scale).
fn bath_end(b: u32, v2: f32, n: vec2<u32>) {
    ws[KE + b] = select(KE_C_0, KE_C_1, b == 1u) * v2;
    ws[SCALE + b] = 0.0;
    thermostat_half(b, n);
}

// As CpuEngine::step_once, the opening half step takes the target at the step's start and the closing one at
// its end: with `done` steps completed before this dispatch, a closing half step ends step done + 1, and an
// opening one that follows it starts that same instant.
fn serial(lid: u32, v2: vec2<f32>, end: bool, start: bool, done: vec2<u32>) {
    let lo = done.x + 1u;
    let next = vec2<u32>(lo, done.y + select(0u, 1u, lo == 0u));
    if (lid == 0u && NBODIES == 2u) {
        if (end) {
            bodies_end();
        }
        if (start) {
            bodies_start();
        }
    }
    if (lid == 1u || lid == 2u) {
        let b = lid - 1u;
        if (end) {
            bath_end(b, v2[b], next);
        } else {
            ws[SCALE + b] = 0.0;
        }
        if (start) {
            thermostat_half(b, select(done, next, end));
        }
    }
}

// The scalar kernels clear the replica's list-rebuild request (thread 0, before integrate1 of the step can
// set it again).
fn clear_rebuild(lid: u32) {
    if (lid == 0u) {
        atomicStore(&flags[fbase + F_REBUILD], 0u);
    }
}

@compute @workgroup_size(256)
fn scalar_start(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    if (!enter_uniform(wid.y, lid)) {
        return;
    }
    clear_rebuild(lid);
    let done = clock();
    load_scalars(lid);
    serial(lid, vec2<f32>(0.0), false, true, done);
    store_scalars(lid);
}

@compute @workgroup_size(256)
fn scalar_end_start(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    if (!enter_uniform(wid.y, lid)) {
        return;
    }
    clear_rebuild(lid);
    let done = clock();
    load_scalars(lid);
    reduce_bodies(lid);
    let v2 = reduce_bath_v2(lid);
    serial(lid, v2, true, true, done);
    store_scalars(lid);
    tick(lid);
}

@compute @workgroup_size(256)
fn scalar_end(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    if (!enter_uniform(wid.y, lid)) {
        return;
    }
    clear_rebuild(lid);
    let done = clock();
    load_scalars(lid);
    reduce_bodies(lid);
    let v2 = reduce_bath_v2(lid);
    serial(lid, v2, true, false, done);
    store_scalars(lid);
    tick(lid);
}

// Body forces and torques alone, after a forced list build (start and restore).
@compute @workgroup_size(256)
fn body_forces(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    if (!enter_uniform(wid.y, lid)) {
        return;
    }
    load_scalars(lid);
    reduce_bodies(lid);
    store_scalars(lid);
}
