//! Globally adaptive Gauss–Kronrod (7/15) quadrature of vector-valued integrands, for the
//! protocol integrals of seed 002, Eqs. 2–5, where the protocol T(s) is arbitrary.

use crate::theory::gauss_kronrod::{WG, WGK, XGK};

struct Panel<const N: usize> {
    a: f64,
    b: f64,
    value: [f64; N],
    error: f64,
}

fn kronrod<const N: usize>(f: &impl Fn(f64) -> [f64; N], a: f64, b: f64) -> Panel<N> {
    let centre = 0.5 * (a + b);
    let half = 0.5 * (b - a);
    let mut k15 = [0.0; N];
    let mut g7 = [0.0; N];
    for (i, (&x, &w)) in XGK.iter().zip(WGK.iter()).enumerate() {
        let nodes: &[f64] = if x == 0.0 { &[0.0] } else { &[-x, x] };
        for &u in nodes {
            let fx = f(centre + half * u);
            for c in 0..N {
                k15[c] += w * fx[c];
                if i % 2 == 1 {
                    g7[c] += WG[i / 2] * fx[c];
                }
            }
        }
    }
    let mut error: f64 = 0.0;
    for c in 0..N {
        k15[c] *= half;
        g7[c] *= half;
        error = error.max((k15[c] - g7[c]).abs());
    }
    Panel {
        a,
        b,
        value: k15,
        error,
    }
}

/// ∫_a^b f(s) ds component-wise, starting from `panels` equal panels and bisecting the panel with the
/// largest error until the summed error is below max(abs_tol, rel_tol·max_c |I_c|). The Kronrod
/// error estimate |K15 − G7| is pessimistic for smooth integrands, so the result is usually far more
/// accurate than the tolerance.
pub fn integrate<const N: usize>(
    f: impl Fn(f64) -> [f64; N],
    a: f64,
    b: f64,
    panels: usize,
    rel_tol: f64,
    abs_tol: f64,
) -> [f64; N] {
    let panels = panels.max(1);
    let width = (b - a) / panels as f64;
    let mut list: Vec<Panel<N>> = (0..panels)
        .map(|i| {
            kronrod(
                &f,
                a + width * i as f64,
                if i + 1 == panels {
                    b
                } else {
                    a + width * (i + 1) as f64
                },
            )
        })
        .collect();
    for _ in 0..10_000 {
        let total = sum_panels(&list);
        let error: f64 = list.iter().map(|p| p.error).sum();
        let scale = total.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        if error <= abs_tol.max(rel_tol * scale) {
            return total;
        }
        let worst = (0..list.len())
            .max_by(|&i, &j| list[i].error.total_cmp(&list[j].error))
            .expect("at least one panel");
        let p = list.swap_remove(worst);
        let mid = 0.5 * (p.a + p.b);
        list.push(kronrod(&f, p.a, mid));
        list.push(kronrod(&f, mid, p.b));
    }
    sum_panels(&list)
}

fn sum_panels<const N: usize>(list: &[Panel<N>]) -> [f64; N] {
    let mut total = [0.0; N];
    for p in list {
        for (t, v) in total.iter_mut().zip(p.value) {
            *t += v;
        }
    }
    total
}

/// Nodes and weights of the 15-point Kronrod rule on `panels` equal panels of [a, b], for
/// integrands evaluated many times at the same nodes (the Fourier inversion of the heat density).
pub fn kronrod_nodes(a: f64, b: f64, panels: usize) -> Vec<(f64, f64)> {
    let panels = panels.max(1);
    let half = 0.5 * (b - a) / panels as f64;
    let mut nodes = Vec::with_capacity(15 * panels);
    for p in 0..panels {
        let centre = a + half * (2 * p + 1) as f64;
        for (&x, &w) in XGK.iter().zip(WGK.iter()) {
            nodes.push((centre - half * x, half * w));
            if x != 0.0 {
                nodes.push((centre + half * x, half * w));
            }
        }
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integrates_oscillatory_and_exponential_functions() {
        let r = integrate(|s| [s.sin(), (-s).exp(), s * s], 0.0, 10.0, 4, 1e-13, 0.0);
        assert!((r[0] - (1.0 - 10f64.cos())).abs() < 1e-12);
        assert!((r[1] - (1.0 - (-10f64).exp())).abs() < 1e-12);
        assert!((r[2] - 1000.0 / 3.0).abs() < 1e-9);
    }
}
