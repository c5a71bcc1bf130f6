//! Golden-section search for the maximum of a unimodal function, shared by the theory modules' optimisers.

use anyhow::Result;

/// The argument in [lo, hi] that maximises `f`, to within `tol` (f unimodal there). Fallible `f` so model
/// evaluations that can fail (an unstable coupling, an unconverged integral) stop the search with their error.
pub fn golden_max(
    mut f: impl FnMut(f64) -> Result<f64>,
    mut lo: f64,
    mut hi: f64,
    tol: f64,
) -> Result<f64> {
    let r = 0.5 * (5f64.sqrt() - 1.0);
    let (mut c, mut d) = (hi - r * (hi - lo), lo + r * (hi - lo));
    let (mut fc, mut fd) = (f(c)?, f(d)?);
    while hi - lo > tol {
        if fc > fd {
            hi = d;
            d = c;
            fd = fc;
            c = hi - r * (hi - lo);
            fc = f(c)?;
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + r * (hi - lo);
            fd = f(d)?;
        }
    }
    Ok(0.5 * (lo + hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_maximum_of_a_parabola() {
        let x = golden_max(|x| Ok(-(x - 0.3).powi(2)), -2.0, 5.0, 1e-12).unwrap();
        assert!((x - 0.3).abs() < 1e-9, "{x}");
    }
}
