//! Small dense linear algebra for the 4-D linear Langevin system: 4×4 products, the matrix
//! exponential (propagator of the mean over one sampling interval) and the Lyapunov equation.

use anyhow::{bail, Result};

/// A 4×4 matrix, row-major, acting on the state (X_C, X_H, V_C, V_H).
pub type Mat4 = [[f64; 4]; 4];

pub fn mul(a: &Mat4, b: &Mat4) -> Mat4 {
    let mut c = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            c[i][j] = (0..4).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    c
}

pub fn transpose(a: &Mat4) -> Mat4 {
    let mut t = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            t[j][i] = a[i][j];
        }
    }
    t
}

fn max_abs(a: &Mat4) -> f64 {
    a.iter().flatten().fold(0.0_f64, |m, v| m.max(v.abs()))
}

/// e^{A t} by scaling and squaring with a Taylor series; the 4×4 drift matrices here have norms of
/// order 1/ps, so after scaling to norm ≤ 1/2 eighteen terms reach double precision.
pub fn expm(a: &Mat4, t: f64) -> Mat4 {
    let norm = max_abs(a) * t.abs() * 4.0;
    let squarings = if norm > 0.5 {
        (norm / 0.5).log2().ceil() as i32
    } else {
        0
    };
    let scale = t / 2f64.powi(squarings);
    let mut x = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            x[i][j] = a[i][j] * scale;
        }
    }
    let mut result = identity();
    let mut term = identity();
    for k in 1..=18 {
        term = mul(&term, &x);
        for row in term.iter_mut() {
            for v in row.iter_mut() {
                *v /= k as f64;
            }
        }
        for i in 0..4 {
            for j in 0..4 {
                result[i][j] += term[i][j];
            }
        }
    }
    for _ in 0..squarings {
        result = mul(&result, &result);
    }
    result
}

pub fn identity() -> Mat4 {
    let mut m = [[0.0; 4]; 4];
    for (i, row) in m.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    m
}

/// Solves A Σ + Σ Aᵀ + Q = 0 for symmetric Σ by writing it as the 16×16 linear system
/// (I⊗A + A⊗I) vec Σ = −vec Q; a direct solve is exact to rounding, which the first-law checks need.
pub fn lyapunov(a: &Mat4, q: &Mat4) -> Result<Mat4> {
    let n = 16;
    let mut m = vec![vec![0.0; n + 1]; n];
    for i in 0..4 {
        for j in 0..4 {
            let row = 4 * i + j;
            // (A Σ)_{ij} = Σ_k A_ik Σ_kj ; (Σ Aᵀ)_{ij} = Σ_k Σ_ik A_jk
            for k in 0..4 {
                m[row][4 * k + j] += a[i][k];
                m[row][4 * i + k] += a[j][k];
            }
            m[row][n] = -q[i][j];
        }
    }
    let x = solve_augmented(m, 1e-13)?;
    let mut s = [[0.0; 4]; 4];
    for i in 0..4 {
        for j in 0..4 {
            s[i][j] = 0.5 * (x[4 * i + j] + x[4 * j + i]);
        }
    }
    Ok(s)
}

/// Gaussian elimination with partial pivoting on an augmented matrix [M | b] of a Lyapunov equation; a pivot
/// below `singular_rel` times the largest |M| entry means a marginally stable drift.
pub(crate) fn solve_augmented(mut m: Vec<Vec<f64>>, singular_rel: f64) -> Result<Vec<f64>> {
    let n = m.len();
    let scale = m
        .iter()
        .flat_map(|r| r[..n].iter())
        .fold(0.0_f64, |s, v| s.max(v.abs()));
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))
            .expect("non-empty range");
        if m[pivot][col].abs() <= singular_rel * scale {
            bail!("the Lyapunov equation is singular: the drift matrix has an eigenvalue pair summing to zero (marginally stable system)");
        }
        m.swap(col, pivot);
        for r in col + 1..n {
            let f = m[r][col] / m[col][col];
            if f != 0.0 {
                let (upper, lower) = m.split_at_mut(r);
                for (dst, src) in lower[0][col..].iter_mut().zip(&upper[col][col..]) {
                    *dst -= f * src;
                }
            }
        }
    }
    let mut x = vec![0.0; n];
    for r in (0..n).rev() {
        let s: f64 = (r + 1..n).map(|c| m[r][c] * x[c]).sum();
        x[r] = (m[r][n] - s) / m[r][r];
    }
    Ok(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expm_of_rotation_generator_is_a_rotation() {
        let mut a = [[0.0; 4]; 4];
        a[0][1] = -1.0;
        a[1][0] = 1.0;
        a[2][2] = -0.3;
        let e = expm(&a, 2.0);
        assert!((e[0][0] - 2f64.cos()).abs() < 1e-13);
        assert!((e[1][0] - 2f64.sin()).abs() < 1e-13);
        assert!((e[2][2] - (-0.6f64).exp()).abs() < 1e-13);
        assert!((e[3][3] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn lyapunov_of_diagonal_system_is_q_over_two_rates() {
        let mut a = [[0.0; 4]; 4];
        let mut q = [[0.0; 4]; 4];
        for i in 0..4 {
            a[i][i] = -(i as f64 + 1.0);
            q[i][i] = 2.0;
        }
        let s = lyapunov(&a, &q).unwrap();
        for (i, row) in s.iter().enumerate() {
            assert!((row[i] - 1.0 / (i as f64 + 1.0)).abs() < 1e-14);
        }
    }
}
