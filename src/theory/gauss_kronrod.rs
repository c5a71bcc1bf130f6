//! The 7-point Gauss / 15-point Kronrod rule on [−1, 1] (QUADPACK qk15), shared by the adaptive integrators
//! of the theory modules.

/// Kronrod abscissae, non-negative half.
pub const XGK: [f64; 8] = [
    0.991_455_371_120_812_6,
    0.949_107_912_342_758_5,
    0.864_864_423_359_769_1,
    0.741_531_185_599_394_4,
    0.586_087_235_467_691_1,
    0.405_845_151_377_397_2,
    0.207_784_955_007_898_5,
    0.0,
];

/// Kronrod weights matching `XGK`.
pub const WGK: [f64; 8] = [
    0.022_935_322_010_529_225,
    0.063_092_092_629_978_55,
    0.104_790_010_322_250_18,
    0.140_653_259_715_525_92,
    0.169_004_726_639_267_9,
    0.190_350_578_064_785_4,
    0.204_432_940_075_298_9,
    0.209_482_141_084_727_83,
];

/// Weights of the embedded 7-point Gauss rule, whose nodes are `XGK[1]`, `XGK[3]`, `XGK[5]`, `XGK[7]`.
pub const WG: [f64; 4] = [
    0.129_484_966_168_869_7,
    0.279_705_391_489_276_7,
    0.381_830_050_505_118_9,
    0.417_959_183_673_469_4,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_integrate_polynomials_exactly() {
        // Kronrod-15 is exact to degree 22, Gauss-7 to degree 13: check x^12 on [−1, 1] = 2/13.
        let f = |x: f64| x.powi(12);
        let k: f64 = (0..8)
            .map(|i| {
                WGK[i]
                    * if XGK[i] == 0.0 {
                        f(0.0)
                    } else {
                        f(XGK[i]) + f(-XGK[i])
                    }
            })
            .sum();
        let g: f64 = (0..4)
            .map(|i| {
                let x = XGK[2 * i + 1];
                WG[i] * if x == 0.0 { f(0.0) } else { f(x) + f(-x) }
            })
            .sum();
        assert!(
            (k - 2.0 / 13.0).abs() < 1e-15 && (g - 2.0 / 13.0).abs() < 1e-14,
            "{k} {g}"
        );
    }
}
