//! Dense square matrices of any small size, for the linear systems of a particle with auxiliary bath
//! modes (dimension 2 + modes for one particle, 4 + modes of both baths for the demon pair): products,
//! the matrix exponential, the Lyapunov equation, a Cholesky factor and the exact one-step
//! discretisation of a linear SDE (Van Loan 1978).

use crate::theory::demon_pair::linalg::solve_augmented;
use anyhow::{bail, Result};

/// An n×n matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub struct Mat {
    n: usize,
    a: Vec<f64>,
}

impl std::ops::Index<(usize, usize)> for Mat {
    type Output = f64;
    fn index(&self, (i, j): (usize, usize)) -> &f64 {
        &self.a[i * self.n + j]
    }
}

impl std::ops::IndexMut<(usize, usize)> for Mat {
    fn index_mut(&mut self, (i, j): (usize, usize)) -> &mut f64 {
        &mut self.a[i * self.n + j]
    }
}

impl Mat {
    pub fn zeros(n: usize) -> Mat {
        Mat {
            n,
            a: vec![0.0; n * n],
        }
    }

    pub fn identity(n: usize) -> Mat {
        let mut m = Mat::zeros(n);
        for i in 0..n {
            m[(i, i)] = 1.0;
        }
        m
    }

    pub fn dim(&self) -> usize {
        self.n
    }

    pub fn mul(&self, b: &Mat) -> Mat {
        let n = self.n;
        let mut c = Mat::zeros(n);
        for i in 0..n {
            for k in 0..n {
                let x = self[(i, k)];
                if x != 0.0 {
                    for j in 0..n {
                        c.a[i * n + j] += x * b.a[k * n + j];
                    }
                }
            }
        }
        c
    }

    pub fn transpose(&self) -> Mat {
        let mut t = Mat::zeros(self.n);
        for i in 0..self.n {
            for j in 0..self.n {
                t[(j, i)] = self[(i, j)];
            }
        }
        t
    }

    pub fn scaled(&self, s: f64) -> Mat {
        Mat {
            n: self.n,
            a: self.a.iter().map(|v| v * s).collect(),
        }
    }

    pub fn plus(&self, b: &Mat) -> Mat {
        Mat {
            n: self.n,
            a: self.a.iter().zip(&b.a).map(|(x, y)| x + y).collect(),
        }
    }

    /// Maximum absolute row sum (the ∞-norm).
    pub fn norm_inf(&self) -> f64 {
        (0..self.n)
            .map(|i| (0..self.n).map(|j| self[(i, j)].abs()).sum::<f64>())
            .fold(0.0, f64::max)
    }

    /// e^{A t} by scaling and squaring: after scaling to ‖A t‖∞ ≤ 1/2 the 18-term Taylor series is
    /// exact to double precision.
    pub fn expm(&self, t: f64) -> Mat {
        let norm = self.norm_inf() * t.abs();
        let squarings = if norm > 0.5 {
            (norm / 0.5).log2().ceil() as i32
        } else {
            0
        };
        let x = self.scaled(t / 2f64.powi(squarings));
        let mut result = Mat::identity(self.n);
        let mut term = Mat::identity(self.n);
        for k in 1..=18 {
            term = term.mul(&x).scaled(1.0 / k as f64);
            result = result.plus(&term);
        }
        for _ in 0..squarings {
            result = result.mul(&result);
        }
        result
    }

    /// Solves A Σ + Σ Aᵀ + Q = 0 for symmetric Σ (Q symmetric) as the linear system on the upper
    /// triangle of Σ, n(n+1)/2 unknowns, by Gaussian elimination with partial pivoting; a direct solve
    /// is exact to rounding, which the first-law and Markov-limit checks need.
    pub fn lyapunov(&self, q: &Mat) -> Result<Mat> {
        let n = self.n;
        let index = |i: usize, j: usize| {
            let (i, j) = if i <= j { (i, j) } else { (j, i) };
            i * n - i * (i + 1) / 2 + j
        };
        let m = n * (n + 1) / 2;
        let mut sys = vec![vec![0.0; m + 1]; m];
        for i in 0..n {
            for j in i..n {
                let row = index(i, j);
                // (A Σ)_ij = Σ_k A_ik Σ_kj ; (Σ Aᵀ)_ij = Σ_k A_jk Σ_ik.
                for k in 0..n {
                    sys[row][index(k, j)] += self[(i, k)];
                    sys[row][index(i, k)] += self[(j, k)];
                }
                sys[row][m] = -q[(i, j)];
            }
        }
        let x = solve_augmented(sys, 1e-14)?;
        let mut s = Mat::zeros(n);
        for i in 0..n {
            for j in 0..n {
                s[(i, j)] = x[index(i, j)];
            }
        }
        Ok(s)
    }

    /// Lower-triangular L with L Lᵀ = self for a symmetric positive semi-definite matrix; directions
    /// with a pivot below 1e-14 of the largest diagonal element are treated as exactly deterministic.
    pub fn cholesky(&self) -> Result<Mat> {
        let n = self.n;
        let scale = (0..n).map(|i| self[(i, i)].abs()).fold(0.0, f64::max);
        let mut l = Mat::zeros(n);
        for j in 0..n {
            let d = self[(j, j)] - (0..j).map(|k| l[(j, k)] * l[(j, k)]).sum::<f64>();
            if d < -1e-10 * scale {
                bail!("covariance matrix is not positive semi-definite (pivot {d:e} in row {j})");
            }
            if d <= 1e-14 * scale {
                continue;
            }
            let ljj = d.sqrt();
            l[(j, j)] = ljj;
            for i in j + 1..n {
                let s = self[(i, j)] - (0..j).map(|k| l[(i, k)] * l[(j, k)]).sum::<f64>();
                l[(i, j)] = s / ljj;
            }
        }
        Ok(l)
    }

    /// Exact one-step law of dz = A z dt + noise with intensity 2D (this is `noise`): z(t+Δt) =
    /// F z(t) + η, F = e^{AΔt}, η ~ N(0, Q_Δ), Q_Δ = ∫₀^Δt e^{As} 2D e^{Aᵀs} ds, both from one
    /// exponential of the block matrix [[−A, 2D], [0, Aᵀ]] Δt (Van Loan 1978). Independent of the
    /// Lyapunov solve, so simulations built on it check Σ rather than reproduce it.
    pub fn discretize(&self, noise: &Mat, dt: f64) -> (Mat, Mat) {
        let n = self.n;
        let mut big = Mat::zeros(2 * n);
        for i in 0..n {
            for j in 0..n {
                big[(i, j)] = -self[(i, j)];
                big[(i, n + j)] = noise[(i, j)];
                big[(n + i, n + j)] = self[(j, i)];
            }
        }
        let e = big.expm(dt);
        let mut f = Mat::zeros(n);
        let mut g = Mat::zeros(n);
        for i in 0..n {
            for j in 0..n {
                f[(i, j)] = e[(n + j, n + i)];
                g[(i, j)] = e[(i, n + j)];
            }
        }
        let mut q = f.mul(&g);
        for i in 0..n {
            for j in i + 1..n {
                let s = 0.5 * (q[(i, j)] + q[(j, i)]);
                q[(i, j)] = s;
                q[(j, i)] = s;
            }
        }
        (f, q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn damped_oscillator() -> (Mat, Mat) {
        let mut a = Mat::zeros(3);
        a[(0, 1)] = 1.0;
        a[(1, 0)] = -2.0;
        a[(1, 1)] = -0.7;
        a[(1, 2)] = 0.5;
        a[(2, 1)] = -0.3;
        a[(2, 2)] = -1.5;
        let mut q = Mat::zeros(3);
        q[(1, 1)] = 0.4;
        q[(2, 2)] = 1.1;
        (a, q)
    }

    #[test]
    fn lyapunov_solution_satisfies_the_equation() {
        let (a, q) = damped_oscillator();
        let s = a.lyapunov(&q).unwrap();
        let r = a.mul(&s).plus(&s.mul(&a.transpose())).plus(&q);
        assert!(r.norm_inf() < 1e-13, "residual {}", r.norm_inf());
    }

    #[test]
    fn van_loan_noise_is_the_stationary_covariance_deficit() {
        // For the stationary Σ, Q_Δ = Σ − F Σ Fᵀ exactly; over a short Δt, Q_Δ ≈ 2D Δt.
        let (a, q) = damped_oscillator();
        let s = a.lyapunov(&q).unwrap();
        let (f, qd) = a.discretize(&q, 2.0);
        let deficit = s.plus(&f.mul(&s).mul(&f.transpose()).scaled(-1.0));
        assert!(qd.plus(&deficit.scaled(-1.0)).norm_inf() < 1e-12 * s.norm_inf());
        let (_, qd) = a.discretize(&q, 1e-6);
        assert!((qd[(2, 2)] / 1e-6 - q[(2, 2)]).abs() < 1e-5);
    }

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let (a, q) = damped_oscillator();
        let s = a.lyapunov(&q).unwrap();
        let l = s.cholesky().unwrap();
        assert!(l.mul(&l.transpose()).plus(&s.scaled(-1.0)).norm_inf() < 1e-14);
    }
}
