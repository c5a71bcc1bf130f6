// Ensembles of seed 002, Eq. 1: one invocation per trajectory. Each dispatch advances every
// trajectory by `steps` steps of (x, v) <- M (x, v) + sqrt(T) L xi (src/ensemble/mod.rs), then
// reduces x, v, x^2, xv, v^2, Q, Q^2, Q^3, Q^4 over the workgroup into one row of `partials`
// (summed in f64 on the host) and bins Q when this record has a histogram slot.
// Noise: Philox-4x32-10 with counter (step, trajectory, stream, 0), as src/ensemble/philox.rs.

struct Params {
    n_traj: u32,
    steps: u32,
    step0: u32,
    record: u32,
    seed_lo: u32,
    seed_hi: u32,
    hist_slot: u32,   // 0xffffffff: no histogram at this record
    hist_bins: u32,
    m00: f32,
    m01: f32,
    m10: f32,
    m11: f32,
    l00: f32,
    l10: f32,
    l11: f32,
    half_k: f32,
    half_m: f32,
    hist_min: f32,
    hist_inv_width: f32,
    init: u32,        // 1: draw the initial equilibrium state instead of loading it
    sx0: f32,
    sv0: f32,
    n_groups: u32,
    pad: u32,
}

const SUMS: u32 = 9u;
const WG: u32 = 256u;
const STREAM_STEP: u32 = 0u;
const STREAM_INIT: u32 = 1u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> state: array<vec4<f32>>;   // x, v, e0, unused
@group(0) @binding(2) var<storage, read> sqrt_t: array<f32>;             // per step of this dispatch
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;     // [record][group][SUMS]
@group(0) @binding(4) var<storage, read_write> hist: array<atomic<u32>>; // [slot][bins + 2]

var<workgroup> red: array<array<f32, 256>, 9>;

// 32x32 -> 64-bit product as (hi, lo) from 16-bit halves (WGSL has no mulhi).
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
    let al = a & 0xffffu;
    let ah = a >> 16u;
    let bl = b & 0xffffu;
    let bh = b >> 16u;
    let ll = al * bl;
    let hl = ah * bl;
    let lh = al * bh;
    let hh = ah * bh;
    let cross = (ll >> 16u) + (hl & 0xffffu) + (lh & 0xffffu);
    let hi = hh + (hl >> 16u) + (lh >> 16u) + (cross >> 16u);
    return vec2<u32>(hi, a * b);
}

fn philox(counter: vec4<u32>, key_in: vec2<u32>) -> vec4<u32> {
    var c = counter;
    var k = key_in;
    for (var round = 0u; round < 10u; round = round + 1u) {
        if (round > 0u) {
            k = k + vec2<u32>(0x9E3779B9u, 0xBB67AE85u);
        }
        let p0 = mulhilo(0xD2511F53u, c.x);
        let p1 = mulhilo(0xCD9E8D57u, c.z);
        c = vec4<u32>(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    }
    return c;
}

// Box-Muller on 24-bit uniforms in (0, 1).
fn normal_pair(bits: vec4<u32>) -> vec2<f32> {
    let u1 = (f32(bits.x >> 8u) + 0.5) * 5.9604645e-8;
    let u2 = (f32(bits.y >> 8u) + 0.5) * 5.9604645e-8;
    let r = sqrt(-2.0 * log(u1));
    let angle = 6.2831853 * u2;
    return vec2<f32>(r * cos(angle), r * sin(angle));
}

@compute @workgroup_size(256)
fn advance(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let i = gid.x;
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    var stats = array<f32, 9>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    if (i < p.n_traj) {
        var st: vec4<f32>;
        if (p.init == 1u) {
            let n = normal_pair(philox(vec4<u32>(0u, i, STREAM_INIT, 0u), key));
            let x0 = p.sx0 * n.x;
            let v0 = p.sv0 * n.y;
            st = vec4<f32>(x0, v0, p.half_k * x0 * x0 + p.half_m * v0 * v0, 0.0);
        } else {
            st = state[i];
        }
        var x = st.x;
        var v = st.y;
        for (var s = 0u; s < p.steps; s = s + 1u) {
            let n = normal_pair(philox(vec4<u32>(p.step0 + s, i, STREAM_STEP, 0u), key));
            let a = sqrt_t[s];
            let xn = p.m00 * x + p.m01 * v + a * p.l00 * n.x;
            v = p.m10 * x + p.m11 * v + a * (p.l10 * n.x + p.l11 * n.y);
            x = xn;
        }
        state[i] = vec4<f32>(x, v, st.z, 0.0);
        let q = p.half_k * x * x + p.half_m * v * v - st.z;
        let q2 = q * q;
        stats = array<f32, 9>(x, v, x * x, x * v, v * v, q, q2, q2 * q, q2 * q2);
        if (p.hist_slot != 0xffffffffu) {
            var bin = p.hist_bins + 1u;
            let f = (q - p.hist_min) * p.hist_inv_width;
            if (f >= f32(p.hist_bins)) {
                bin = p.hist_bins;
            } else if (f >= 0.0) {
                bin = min(u32(floor(f)), p.hist_bins - 1u);
            }
            atomicAdd(&hist[p.hist_slot * (p.hist_bins + 2u) + bin], 1u);
        }
    }
    for (var j = 0u; j < SUMS; j = j + 1u) {
        red[j][lid] = stats[j];
    }
    workgroupBarrier();
    for (var stride = WG / 2u; stride > 0u; stride = stride / 2u) {
        if (lid < stride) {
            for (var j = 0u; j < SUMS; j = j + 1u) {
                red[j][lid] = red[j][lid] + red[j][lid + stride];
            }
        }
        workgroupBarrier();
    }
    if (lid == 0u) {
        let base = (p.record * p.n_groups + wid.x) * SUMS;
        for (var j = 0u; j < SUMS; j = j + 1u) {
            partials[base + j] = red[j][0];
        }
    }
}
