//! The homogeneous solution of seed 002, Eq. 30, as the 2×2 propagator G(τ) that maps (x0, v0) to
//! (x(τ), v(τ)) without noise (the first two terms of each line of App. A, Eq. 33–34).
//!
//! G(τ) = e^{−βτ/2} [[C + βS/2, S], [−ω0² S, C − βS/2]] with C = cos(ω1τ) and S = sin(ω1τ)/ω1,
//! continued to imaginary ω1 (cosh, sinh) and to ω1 = 0 (C = 1, S = τ) so that one formula covers
//! every damping regime.

use super::Oscillator;

/// Row-major 2×2 matrix acting on (x, v).
pub type Mat2 = [[f64; 2]; 2];

/// e^{−βτ/2}·C(τ) and e^{−βτ/2}·S(τ), the damped even and odd fundamental solutions.
///
/// Near critical damping (|ω1²τ²| < 1) the power series in z = ω1²τ² is used: it is exact at
/// ω1 = 0 and free of the 0/0 of sin(ω1τ)/ω1. In the overdamped branch the decay factor is folded
/// into the exponentials so that cosh(|ω1|τ) never overflows at long times.
pub fn damped_pair(osc: &Oscillator, tau: f64) -> (f64, f64) {
    let beta = osc.beta();
    let q = osc.omega1_sq();
    let z = q * tau * tau;
    if z.abs() < 1.0 {
        let decay = (-0.5 * beta * tau).exp();
        let (mut c, mut s) = (0.0, 0.0);
        let mut term_c = 1.0;
        let mut term_s = tau;
        for n in 0..20 {
            c += term_c;
            s += term_s;
            let n = n as f64;
            term_c *= -z / ((2.0 * n + 1.0) * (2.0 * n + 2.0));
            term_s *= -z / ((2.0 * n + 2.0) * (2.0 * n + 3.0));
        }
        (decay * c, decay * s)
    } else if q > 0.0 {
        let w1 = q.sqrt();
        let decay = (-0.5 * beta * tau).exp();
        (decay * (w1 * tau).cos(), decay * (w1 * tau).sin() / w1)
    } else {
        let r = (-q).sqrt();
        let grow = ((r - 0.5 * beta) * tau).exp();
        let fall = ((-r - 0.5 * beta) * tau).exp();
        (0.5 * (grow + fall), 0.5 * (grow - fall) / r)
    }
}

/// The propagator G(τ) of the noiseless dynamics (seed 002, App. A, Eqs. 33–34).
pub fn propagator(osc: &Oscillator, tau: f64) -> Mat2 {
    let (c, s) = damped_pair(osc, tau);
    let half_beta = 0.5 * osc.beta();
    [
        [c + half_beta * s, s],
        [-osc.omega0_sq() * s, c - half_beta * s],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// G(τ) must satisfy dG/dτ = A G with A = [[0, 1], [−ω0², −β]] in every regime, including
    /// on both sides of the series/closed-form switch.
    #[test]
    fn propagator_solves_the_equation_of_motion() {
        for mass in [0.05, 0.25, 0.25 * (1.0 + 1e-9), 1.0, 10.0] {
            let osc = Oscillator::new(mass, 1.0, 1.0, 1.0).unwrap();
            for tau in [1e-3, 0.3, 1.0, 2.0, 7.0] {
                let h = 1e-5;
                let (gp, gm, g) = (
                    propagator(&osc, tau + h),
                    propagator(&osc, tau - h),
                    propagator(&osc, tau),
                );
                for i in 0..2 {
                    for j in 0..2 {
                        let deriv = (gp[i][j] - gm[i][j]) / (2.0 * h);
                        let ag = if i == 0 {
                            g[1][j]
                        } else {
                            -osc.omega0_sq() * g[0][j] - osc.beta() * g[1][j]
                        };
                        assert!(
                            (deriv - ag).abs() < 1e-7 * (1.0 + ag.abs()),
                            "m={mass} tau={tau} ({i},{j}): {deriv} vs {ag}"
                        );
                    }
                }
            }
            assert_eq!(propagator(&osc, 0.0), [[1.0, 0.0], [0.0, 1.0]]);
        }
    }
}
