//! Philox-4x32-10 (Salmon et al., SC'11, "Parallel random numbers: as easy as 1, 2, 3"), the
//! counter-based generator both ensemble backends use: the normal variates of step n of trajectory
//! i are a pure function of (seed, n, i), so trajectories need no stored generator state and the CPU
//! and GPU draw the same noise. `shaders/ensemble_langevin.wgsl` holds the same algorithm.

const M0: u32 = 0xD251_1F53;
const M1: u32 = 0xCD9E_8D57;
const W0: u32 = 0x9E37_79B9;
const W1: u32 = 0xBB67_AE85;

/// Stream tag in counter word 2: step noise and initial conditions never share counters.
pub const STREAM_STEP: u32 = 0;
pub const STREAM_INIT: u32 = 1;

fn mulhilo(a: u32, b: u32) -> (u32, u32) {
    let p = u64::from(a) * u64::from(b);
    ((p >> 32) as u32, p as u32)
}

/// Ten Philox rounds of `counter` under `key`.
pub fn philox4x32(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k = [k[0].wrapping_add(W0), k[1].wrapping_add(W1)];
        }
        let (hi0, lo0) = mulhilo(M0, c[0]);
        let (hi1, lo1) = mulhilo(M1, c[2]);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// Two independent standard normals from the first two words, by Box–Muller on uniforms in (0, 1).
pub fn normal_pair(bits: [u32; 4]) -> (f64, f64) {
    let u1 = (f64::from(bits[0]) + 0.5) / 4_294_967_296.0;
    let u2 = (f64::from(bits[1]) + 0.5) / 4_294_967_296.0;
    let r = (-2.0 * u1.ln()).sqrt();
    let angle = std::f64::consts::TAU * u2;
    (r * angle.cos(), r * angle.sin())
}

/// The key words of a 64-bit seed.
pub fn key(seed: u64) -> [u32; 2] {
    [seed as u32, (seed >> 32) as u32]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors of the Random123 distribution (kat_vectors, philox4x32_10).
    #[test]
    fn matches_random123_known_answers() {
        assert_eq!(
            philox4x32([0; 4], [0; 2]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    #[test]
    fn normals_have_unit_variance() {
        let n = 200_000;
        let (mut s1, mut s2, mut s11, mut s22, mut s12) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for i in 0..n {
            let (a, b) = normal_pair(philox4x32([i, 7, STREAM_STEP, 0], key(42)));
            s1 += a;
            s2 += b;
            s11 += a * a;
            s22 += b * b;
            s12 += a * b;
        }
        let n = f64::from(n);
        // Standard errors: 1/√n for means and the cross moment, √(2/n) for the variances.
        let se = 1.0 / n.sqrt();
        assert!(
            (s1 / n).abs() < 4.0 * se && (s2 / n).abs() < 4.0 * se && (s12 / n).abs() < 4.0 * se
        );
        assert!(
            (s11 / n - 1.0).abs() < 4.0 * se * 2f64.sqrt()
                && (s22 / n - 1.0).abs() < 4.0 * se * 2f64.sqrt()
        );
    }
}
