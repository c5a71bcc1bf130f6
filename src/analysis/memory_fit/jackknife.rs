//! The block jackknife: the standard error of a statistic from its B leave-one-block-out values,
//! σ² = (B−1)/B Σ_b (θ_b − θ̄)² (Efron & Tibshirani 1993, ch. 11).

/// Jackknife standard error of a statistic from its leave-one-out values.
pub fn jackknife_error(values: &[f64]) -> f64 {
    let b = values.len() as f64;
    let mean = values.iter().sum::<f64>() / b;
    ((b - 1.0) / b * values.iter().map(|v| (v - mean).powi(2)).sum::<f64>()).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jackknife_of_leave_one_out_means_is_the_standard_error() {
        let x = [1.0, 4.0, 2.5, 7.0, 3.0, 5.5];
        let n = x.len() as f64;
        let total: f64 = x.iter().sum();
        let loo: Vec<f64> = x.iter().map(|v| (total - v) / (n - 1.0)).collect();
        let (_, var) = crate::analysis::stats::mean_var(&x);
        assert!((jackknife_error(&loo) - (var / n).sqrt()).abs() < 1e-12);
    }
}
