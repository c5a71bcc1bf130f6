//! Adaptive Gauss–Kronrod (7/15) quadrature on finite or infinite intervals.
//!
//! Every current of the N-demon is an integral over energy of a transmission times a difference of
//! occupations; box resonances make the integrand discontinuous and Lorentzian ones make it sharply
//! peaked with algebraic tails. A globally adaptive rule (always bisect the piece with the largest error
//! estimate) with caller-supplied breakpoints handles both with a stated tolerance, and reports failure
//! instead of returning an unconverged number.

use crate::theory::gauss_kronrod::{WG, WGK, XGK};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

use anyhow::{bail, Result};

/// Requested accuracy: the estimated absolute error must be below `max(abs, rel·|integral|)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    pub abs: f64,
    pub rel: f64,
}

impl Tolerance {
    /// Tight enough that quadrature errors are invisible next to the O(Γ) physics being tested.
    pub const DEFAULT: Tolerance = Tolerance {
        abs: 1e-14,
        rel: 1e-11,
    };
}

/// Value of an integral with its estimated absolute error.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Integral {
    pub value: f64,
    pub error: f64,
}

/// Upper limit on the number of pieces; reaching it means the integrand is not resolvable at the
/// requested tolerance (for example a non-integrable singularity).
const MAX_PIECES: usize = 20_000;

/// How a piece's parameter t maps onto energy; unbounded pieces are compactified so the Kronrod
/// nodes (which never touch the end points) sample the whole tail.
#[derive(Clone, Copy, Debug)]
enum Map {
    /// x = t on a finite piece.
    Identity,
    /// x = c + t/(1−t) for t ∈ [0, 1): the half line [c, ∞).
    Upper(f64),
    /// x = c − t/(1−t) for t ∈ [0, 1): the half line (−∞, c].
    Lower(f64),
}

impl Map {
    /// Energy and Jacobian dx/dt at parameter t.
    fn apply(self, t: f64) -> (f64, f64) {
        match self {
            Map::Identity => (t, 1.0),
            Map::Upper(c) => (c + t / (1.0 - t), 1.0 / ((1.0 - t) * (1.0 - t))),
            Map::Lower(c) => (c - t / (1.0 - t), 1.0 / ((1.0 - t) * (1.0 - t))),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Piece {
    map: Map,
    lo: f64,
    hi: f64,
    value: f64,
    error: f64,
}

impl PartialEq for Piece {
    fn eq(&self, other: &Self) -> bool {
        self.error.total_cmp(&other.error) == Ordering::Equal
    }
}
impl Eq for Piece {}
impl PartialOrd for Piece {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Piece {
    fn cmp(&self, other: &Self) -> Ordering {
        self.error.total_cmp(&other.error)
    }
}

fn kronrod<F: Fn(f64) -> f64>(f: &F, map: Map, lo: f64, hi: f64) -> Result<Piece> {
    let centre = 0.5 * (lo + hi);
    let half = 0.5 * (hi - lo);
    let eval = |t: f64| -> Result<f64> {
        let (x, jac) = map.apply(t);
        let y = f(x);
        if !y.is_finite() {
            bail!("quadrature: the integrand is not finite ({y}) at energy {x}");
        }
        Ok(y * jac)
    };
    let mut kronrod = 0.0;
    let mut gauss = 0.0;
    for (i, (&x, &w)) in XGK.iter().zip(WGK.iter()).enumerate() {
        let pair = if x == 0.0 {
            eval(centre)?
        } else {
            eval(centre - half * x)? + eval(centre + half * x)?
        };
        kronrod += w * pair;
        if i % 2 == 1 {
            gauss += WG[i / 2] * pair;
        }
    }
    Ok(Piece {
        map,
        lo,
        hi,
        value: kronrod * half,
        error: ((kronrod - gauss) * half).abs(),
    })
}

/// ∫_a^b f(x) dx for a < b, where a may be −∞ and b may be +∞. `breakpoints` inside (a, b) split the
/// interval where the integrand has kinks, jumps or narrow peaks (points outside are ignored).
pub fn integrate<F: Fn(f64) -> f64>(
    f: F,
    a: f64,
    b: f64,
    breakpoints: &[f64],
    tol: Tolerance,
) -> Result<Integral> {
    if a.is_nan() || b.is_nan() || a >= b {
        bail!("quadrature: the interval [{a}, {b}] is empty or not a number");
    }
    let mut cuts: Vec<f64> = breakpoints
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x > a && *x < b)
        .collect();
    cuts.sort_by(f64::total_cmp);
    cuts.dedup();
    let mut nodes = vec![a];
    nodes.extend(cuts);
    nodes.push(b);
    let mut heap = BinaryHeap::new();
    for w in nodes.windows(2) {
        let (lo, hi) = (w[0], w[1]);
        let piece = match (lo.is_finite(), hi.is_finite()) {
            (true, true) => kronrod(&f, Map::Identity, lo, hi)?,
            (true, false) => kronrod(&f, Map::Upper(lo), 0.0, 1.0)?,
            (false, true) => kronrod(&f, Map::Lower(hi), 0.0, 1.0)?,
            (false, false) => {
                heap.push(kronrod(&f, Map::Lower(0.0), 0.0, 1.0)?);
                kronrod(&f, Map::Upper(0.0), 0.0, 1.0)?
            }
        };
        heap.push(piece);
    }
    loop {
        let value: f64 = heap.iter().map(|p| p.value).sum();
        let error: f64 = heap.iter().map(|p| p.error).sum();
        let target = tol.abs.max(tol.rel * value.abs());
        if error <= target {
            return Ok(Integral { value, error });
        }
        if heap.len() >= MAX_PIECES {
            bail!(
                "quadrature did not converge: estimated error {error:e} above the tolerance {target:e} \
                 after {MAX_PIECES} subdivisions; loosen the tolerance or add breakpoints at the integrand's peaks"
            );
        }
        let worst = heap
            .pop()
            .expect("the heap always holds at least one piece");
        let mid = 0.5 * (worst.lo + worst.hi);
        if mid <= worst.lo || mid >= worst.hi {
            bail!(
                "quadrature did not converge: a piece shrank to machine precision with error {:e} \
                 (the integrand may be singular near {})",
                worst.error,
                worst.map.apply(mid).0
            );
        }
        heap.push(kronrod(&f, worst.map, worst.lo, mid)?);
        heap.push(kronrod(&f, worst.map, mid, worst.hi)?);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polynomial_is_exact() {
        let r = integrate(
            |x| x.powi(5) - 3.0 * x * x,
            -1.0,
            2.0,
            &[],
            Tolerance::DEFAULT,
        )
        .unwrap();
        let exact = (64.0 - 1.0) / 6.0 - (8.0 + 1.0);
        assert!((r.value - exact).abs() < 1e-13, "{} vs {exact}", r.value);
    }

    #[test]
    fn narrow_lorentzian_on_the_whole_line() {
        let g: f64 = 1e-4;
        let r = integrate(
            |x| g / ((x - 0.3).powi(2) + g * g),
            f64::NEG_INFINITY,
            f64::INFINITY,
            &[0.3],
            Tolerance::DEFAULT,
        )
        .unwrap();
        assert!((r.value - std::f64::consts::PI).abs() < 1e-9, "{}", r.value);
    }

    #[test]
    fn step_with_breakpoint_and_gaussian_tail() {
        let r = integrate(
            |x| if x > 1.0 { (-x * x).exp() } else { 0.0 },
            0.0,
            f64::INFINITY,
            &[1.0],
            Tolerance::DEFAULT,
        )
        .unwrap();
        // ∫_1^∞ e^{-x²} dx = (√π/2) erfc(1), erfc(1) = 0.157299207050285130658...
        let exact = 0.5 * std::f64::consts::PI.sqrt() * 0.157_299_207_050_285_13;
        assert!((r.value - exact).abs() < 1e-13, "{} vs {exact}", r.value);
    }

    #[test]
    fn non_integrable_singularity_is_reported() {
        let err = integrate(|x| 1.0 / x, 0.0, 1.0, &[], Tolerance::DEFAULT).unwrap_err();
        assert!(err.to_string().contains("quadrature"), "{err}");
    }
}
