//! Derivative-free minimisation by the Nelder–Mead simplex with the dimension-adapted coefficients of
//! Gao & Han (2012), for the few-parameter least-squares fits of the memory-kernel model, whose cost
//! (a Lyapunov solve and matrix exponentials) has no cheap gradient. Infinite costs (parameters outside
//! the model's domain) are allowed; the simplex contracts away from them.

/// Result of a minimisation.
#[derive(Clone, Debug)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    pub evaluations: usize,
}

/// Minimises `f` from `start` with initial simplex steps `step` per coordinate; stops when the
/// simplex's cost spread falls below `f_tol` (absolute) and its extent below `x_tol`, or after
/// `max_evaluations`. Restarts once from the best point with a fresh simplex, which guards against
/// the simplex collapsing in a valley.
pub fn minimize(
    f: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    f_tol: f64,
    x_tol: f64,
    max_evaluations: usize,
) -> Minimum {
    let first = run(f, start, step, f_tol, x_tol, max_evaluations);
    let second = run(
        f,
        &first.x,
        step * 0.5,
        f_tol,
        x_tol,
        max_evaluations.saturating_sub(first.evaluations),
    );
    let evaluations = first.evaluations + second.evaluations;
    let best = if second.value <= first.value {
        second
    } else {
        first
    };
    Minimum {
        evaluations,
        ..best
    }
}

fn run(
    f: &dyn Fn(&[f64]) -> f64,
    start: &[f64],
    step: f64,
    f_tol: f64,
    x_tol: f64,
    max_evaluations: usize,
) -> Minimum {
    let n = start.len();
    let nf = n as f64;
    let (alpha, beta, gamma, delta) = (
        1.0,
        1.0 + 2.0 / nf,
        0.75 - 0.5 / nf,
        1.0 - 1.0 / nf.max(2.0),
    );
    let eval = |x: &[f64]| {
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    simplex.push((start.to_vec(), eval(start)));
    for i in 0..n {
        let mut x = start.to_vec();
        x[i] += step;
        let v = eval(&x);
        simplex.push((x, v));
    }
    let mut evaluations = n + 1;
    while evaluations < max_evaluations {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[n].1);
        let extent = simplex[1..]
            .iter()
            .flat_map(|(x, _)| x.iter().zip(&simplex[0].0).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if (worst - best).abs() <= f_tol && extent <= x_tol {
            break;
        }
        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|(x, _)| x[j]).sum::<f64>() / nf)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[n].0)
                .map(|(c, w)| c + t * (c - w))
                .collect()
        };
        let xr = along(alpha);
        let fr = eval(&xr);
        evaluations += 1;
        if fr < simplex[0].1 {
            let xe = along(beta);
            let fe = eval(&xe);
            evaluations += 1;
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let (xc, fc) = if fr < simplex[n].1 {
                let x = along(gamma);
                let v = eval(&x);
                (x, v)
            } else {
                let x = along(-gamma);
                let v = eval(&x);
                (x, v)
            };
            evaluations += 1;
            if fc < simplex[n].1.min(fr) {
                simplex[n] = (xc, fc);
            } else {
                let x0 = simplex[0].0.clone();
                for (x, v) in simplex[1..].iter_mut() {
                    for (xi, bi) in x.iter_mut().zip(&x0) {
                        *xi = bi + delta * (*xi - bi);
                    }
                    *v = eval(x);
                }
                evaluations += n;
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    let (x, value) = simplex.swap_remove(0);
    Minimum {
        x,
        value,
        evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_minimum_of_the_rosenbrock_valley() {
        let f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimize(&f, &[-1.2, 1.0], 0.5, 1e-14, 1e-8, 5000);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
            "{:?}",
            m.x
        );
    }

    #[test]
    fn respects_an_infinite_wall() {
        // Minimum of (x − 2)² restricted to x ≤ 1 lies on the wall.
        let f = |x: &[f64]| {
            if x[0] > 1.0 {
                f64::INFINITY
            } else {
                (x[0] - 2.0).powi(2) + x[1] * x[1]
            }
        };
        let m = minimize(&f, &[0.0, 0.5], 0.3, 1e-14, 1e-9, 4000);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-3 && m.x[1].abs() < 1e-3,
            "{:?}",
            m.x
        );
    }
}
