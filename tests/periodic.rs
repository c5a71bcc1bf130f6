//! Seed 002 theory: the two routes to the moments agree, the heat statistics are self-consistent
//! and match exact limits.

use nanodemon::theory::periodic::heat::HeatDistribution;
use nanodemon::theory::periodic::moments::{self, SecondMoments};
use nanodemon::theory::periodic::{Damping, Oscillator, Sinusoid};

fn paper_protocol(omega: f64) -> Sinusoid {
    Sinusoid::new(20.0, 5.0, omega).unwrap()
}

/// Relative distance of two covariances; ⟨xv⟩ changes sign, so it is measured against σxσv.
fn relative_gap(a: &SecondMoments, b: &SecondMoments) -> f64 {
    let cross_scale = (a.xx * a.vv).sqrt();
    ((a.xx - b.xx).abs() / a.xx)
        .max((a.vv - b.vv).abs() / a.vv)
        .max((a.xv - b.xv).abs() / cross_scale)
}

#[test]
fn quadrature_and_closed_form_agree_in_every_damping_regime() {
    // γ = k = 1: m_c = 1/4. Masses below, at and above it, and a heavy one.
    let cases = [
        (0.05, Damping::Over),
        (0.25, Damping::Critical),
        (1.0, Damping::Under),
        (10.0, Damping::Under),
    ];
    for (mass, regime) in cases {
        let osc = Oscillator::new(mass, 1.0, 1.0, 1.0).unwrap();
        assert_eq!(osc.damping(), regime, "m = {mass}");
        for omega in [0.5, 2.0, 5.0] {
            let p = paper_protocol(omega);
            for t in [0.01, 0.3, 1.0, 2.7, 8.0, 25.0] {
                let quad = moments::by_quadrature(&osc, &p, t);
                let closed = moments::sinusoid_closed_form(&osc, &p, t);
                let gap = relative_gap(&closed, &quad);
                assert!(
                    gap < 1e-8,
                    "m={mass} Ω={omega} t={t}: {quad:?} vs {closed:?} (gap {gap:e})"
                );
            }
        }
    }
}

#[test]
fn critical_limit_is_continuous() {
    let p = paper_protocol(2.0);
    let at = moments::sinusoid_closed_form(&Oscillator::new(0.25, 1.0, 1.0, 1.0).unwrap(), &p, 3.0);
    for eps in [1e-7, -1e-7] {
        let near = moments::sinusoid_closed_form(
            &Oscillator::new(0.25 * (1.0 + eps), 1.0, 1.0, 1.0).unwrap(),
            &p,
            3.0,
        );
        assert!(relative_gap(&at, &near) < 1e-5, "{at:?} vs {near:?}");
    }
}

#[test]
fn pearson_is_bounded_and_vanishes_at_constant_temperature() {
    for mass in [0.01, 0.1, 0.25, 1.0, 3.0, 30.0] {
        for gamma in [0.3, 1.0, 7.0] {
            let osc = Oscillator::new(mass, gamma, 1.0, 1.0).unwrap();
            for omega in [0.2, 1.0, 2.0, 10.0] {
                let p = Sinusoid::new(20.0, 19.0, omega).unwrap();
                for i in 0..200 {
                    let rho = moments::sinusoid_closed_form(&osc, &p, i as f64 * 0.1).pearson();
                    assert!(rho.abs() <= 1.0, "m={mass} γ={gamma} Ω={omega}: ρ = {rho}");
                }
            }
            let constant = |_t: f64| 20.0;
            for t in [0.5, 3.0, 10.0] {
                let rho = moments::by_quadrature(&osc, &constant, t).pearson();
                assert!(
                    rho.abs() < 1e-10,
                    "constant T, m={mass} γ={gamma} t={t}: ρ = {rho}"
                );
                assert_eq!(
                    moments::sinusoid_closed_form(&osc, &Sinusoid::new(20.0, 0.0, 2.0).unwrap(), t)
                        .pearson(),
                    0.0
                );
            }
        }
    }
    // With driving, a non-zero correlation must appear (seed 002, Fig. 1).
    let osc = Oscillator::new(1.0, 1.0, 1.0, 1.0).unwrap();
    let peak = (0..400)
        .map(|i| {
            moments::sinusoid_closed_form(&osc, &paper_protocol(2.0), 10.0 + i as f64 * 0.01)
                .pearson()
                .abs()
        })
        .fold(0.0, f64::max);
    assert!(peak > 0.01, "peak |ρ| = {peak}");
}

#[test]
fn characteristic_function_is_normalised_and_its_derivatives_are_the_cumulants() {
    let osc = Oscillator::new(1.0, 1.0, 1.0, 1.0).unwrap();
    let p = paper_protocol(2.0);
    for t in [0.2, 1.0, 4.0] {
        let heat = HeatDistribution::for_sinusoid(&osc, &p, t);
        assert_eq!(heat.characteristic(0.0), (1.0, 0.0));
        // ln Z(λ) = Σ_n κ_n (−iλ)^n / n!; recover κ1, κ2 from central differences of ln Z (Eq. 29).
        let ln_z = |l: f64| {
            let (re, im) = heat.characteristic(l);
            (0.5 * (re * re + im * im).ln(), im.atan2(re))
        };
        let k = heat.cumulants();
        let h = 1e-3 / k[1].sqrt();
        let (lp, lm) = (ln_z(h), ln_z(-h));
        let kappa1 = -(lp.1 - lm.1) / (2.0 * h);
        let kappa2 = -(lp.0 + lm.0) / (h * h);
        assert!(
            (kappa1 - k[0]).abs() < 1e-5 * k[1].sqrt(),
            "t={t}: κ1 {kappa1} vs {}",
            k[0]
        );
        assert!(
            (kappa2 - k[1]).abs() < 1e-5 * k[1],
            "t={t}: κ2 {kappa2} vs {}",
            k[1]
        );
        // The mean heat from the moments (Sec. 4.2) is an independent route to κ1.
        let mean = moments::mean_heat(
            &osc,
            &moments::equilibrium(&osc, 20.0),
            &moments::sinusoid_closed_form(&osc, &p, t),
        );
        assert!(
            (mean - k[0]).abs() < 1e-9 * k[1].sqrt(),
            "t={t}: {mean} vs {}",
            k[0]
        );
    }
}

#[test]
fn short_time_heat_is_a_product_of_gaussians() {
    // For t → 0, Q ≈ m v0 δv with δv ~ N(0, 2γk_BT t/m²): excess kurtosis 6 (seed 002, Sec. 4.2).
    let osc = Oscillator::new(1.0, 1.0, 1.0, 1.0).unwrap();
    let s = HeatDistribution::for_sinusoid(&osc, &paper_protocol(2.0), 1e-4).summary();
    assert!((s.excess_kurtosis - 6.0).abs() < 0.05, "{s:?}");
}

#[test]
fn density_integrates_to_one_and_matches_the_laplace_limit() {
    // At constant temperature and t ≫ 1/β, the final and initial energies are independent
    // Exp(k_B T) variables, so Q = E − E0 is Laplace: P(Q) = e^{−|Q|/k_BT}/(2 k_BT).
    let osc = Oscillator::new(1.0, 1.0, 1.0, 1.0).unwrap();
    let temperature = 20.0;
    let heat = HeatDistribution::for_protocol(&osc, &|_t: f64| temperature, 60.0);
    let qs: Vec<f64> = (1..40)
        .map(|i| i as f64 * 5.0)
        .flat_map(|q| [q, -q])
        .collect();
    let p = heat.density(&qs, 0.2);
    for (q, got) in qs.iter().zip(&p) {
        let want = (-q.abs() / temperature).exp() / (2.0 * temperature);
        assert!((got - want).abs() < 1e-3 * want, "Q={q}: {got} vs {want}");
    }

    let driven = HeatDistribution::for_sinusoid(&osc, &paper_protocol(2.0), 3.0);
    let sd = driven.summary().std_dev;
    let dq = sd / 40.0;
    let grid: Vec<f64> = (-480..=480).map(|i| i as f64 * dq).collect();
    let density = driven.density(&grid, 0.01 * sd);
    // Composite Simpson with Q = 0 (the kink of P) on a panel boundary.
    let simpson = |f: &dyn Fn(usize) -> f64| {
        (0..grid.len() - 1)
            .step_by(2)
            .map(|i| (f(i) + 4.0 * f(i + 1) + f(i + 2)) * dq / 3.0)
            .sum::<f64>()
    };
    let total = simpson(&|i| density[i]);
    assert!((total - 1.0).abs() < 1e-4, "∫P = {total}");
    assert!(density.iter().all(|&v| v > -1e-9), "negative density");
    let mean = simpson(&|i| grid[i] * density[i]);
    assert!(
        (mean - driven.cumulants()[0]).abs() < 1e-3 * sd,
        "mean {mean} vs {}",
        driven.cumulants()[0]
    );
}

#[test]
fn fluctuation_ratio_is_one_at_equilibrium_and_tends_to_its_asymptotic_slope_when_driven() {
    let osc = Oscillator::new(1.0, 1.0, 1.0, 1.0).unwrap();
    // Equilibrium dynamics are time-reversible: P(Q) = P(−Q) exactly.
    let still = HeatDistribution::for_protocol(&osc, &|_t: f64| 20.0, 1.0);
    let sd = still.summary().std_dev;
    let p = still.density(&[3.0 * sd, -3.0 * sd], 0.01 * sd);
    assert!((p[0] / p[1] - 1.0).abs() < 1e-9, "{p:?}");
    assert!(still.asymptotic_delta_beta().unwrap().abs() < 1e-9);

    // Driven: ln[P(Q)/P(−Q)] grows like Δβ·Q at large Q (seed 002, Eq. 27), with
    // Δβ = 1/|μ_min| − 1/μ_max from the tails of the weighted sum of squares.
    let heat = HeatDistribution::for_sinusoid(&osc, &paper_protocol(2.0), 1.0);
    let delta_beta = heat.asymptotic_delta_beta().unwrap();
    let sd = heat.summary().std_dev;
    let qs = [8.0 * sd, -8.0 * sd, 16.0 * sd, -16.0 * sd];
    let p = heat.density(&qs, 0.01 * sd);
    let slope = ((p[2] / p[3]).ln() - (p[0] / p[1]).ln()) / (8.0 * sd);
    assert!(delta_beta > 1e-3, "Δβ = {delta_beta}");
    assert!(
        (slope - delta_beta).abs() < 0.02 * delta_beta,
        "slope {slope} vs Δβ {delta_beta}"
    );
}

/// Seed 002, App. A.1, transcribed (real ω1 only). σx² and ⟨xv⟩ are used as printed; the two
/// e^{−βt} terms of σv² are printed with the wrong overall sign (as printed σv²(0) = k_BT0/m − 2
/// for the paper's parameters instead of k_BT0/m) and are negated here.
fn paper_appendix_a1(osc: &Oscillator, p: &Sinusoid, t: f64) -> SecondMoments {
    let (m, kb, b, w0s) = (osc.mass, osc.kb, osc.beta(), osc.omega0_sq());
    let w1s = osc.omega1_sq();
    let w1 = w1s.sqrt();
    let (t0, amp, w) = (p.mean, p.amplitude, p.omega);
    let d2 = 4.0 * b * b * w * w + (w * w - 4.0 * w0s).powi(2);
    let d = (b * b + w * w) * d2;
    let e = (-b * t).exp();
    let (cw, sw) = ((w * t).cos(), (w * t).sin());
    let (c2, s2) = ((2.0 * w1 * t).cos(), (2.0 * w1 * t).sin());
    let pre = b * kb * amp * w * e / (m * w1s);
    let xx = kb * t0 / osc.stiffness
        + 4.0
            * b
            * kb
            * amp
            * (w * (w * w - 3.0 * b * b - 4.0 * w1s) * cw + b * (4.0 * w0s - 3.0 * w * w) * sw)
            / (m * d)
        + pre
            * ((4.0 * b * w1 * s2 - (w * w + 4.0 * w0s - 8.0 * w1s) * c2) / d2
                + 1.0 / (b * b + w * w));
    let vv_steady = kb * t0 / m
        + b * kb
            * amp
            * (w.powi(3) * (b * b + 12.0 * w1s) - 2.0 * w.powi(5) - 16.0 * w * w0s * w0s)
            * cw
            / (m * d)
        + b * b
            * kb
            * amp
            * (w * w * (b * b - 12.0 * w1s) + 4.0 * w.powi(4) + 16.0 * w0s * w0s)
            * sw
            / (m * d);
    let vv_transient_as_printed = -pre * (w0s / (b * b + w * w))
        + pre
            * ((4.0 * b * w * w * w1 * s2 + (w * w * (b * b - 4.0 * w1s) + 16.0 * w0s * w0s) * c2)
                / (4.0 * d2));
    let xv = -2.0
        * b
        * kb
        * amp
        * w
        * (w * (w * w - 3.0 * b * b - 4.0 * w1s) * sw - b * (4.0 * w0s - 3.0 * w * w) * cw)
        / (m * d)
        + 0.5
            * pre
            * ((2.0 * w1 * (w * w - 4.0 * w0s) * s2 + b * (w * w + 4.0 * w0s) * c2) / d2
                - b / (b * b + w * w));
    SecondMoments {
        xx,
        xv,
        vv: vv_steady - vv_transient_as_printed,
    }
}

#[test]
fn closed_form_reproduces_the_papers_appendix_formulas() {
    for mass in [0.5, 1.0, 10.0] {
        let osc = Oscillator::new(mass, 1.0, 1.0, 1.0).unwrap();
        for omega in [1.0, 2.0, 5.0] {
            let p = paper_protocol(omega);
            for t in [0.0, 0.4, 2.7, 9.0] {
                let ours = moments::sinusoid_closed_form(&osc, &p, t);
                let paper = paper_appendix_a1(&osc, &p, t);
                assert!(
                    relative_gap(&ours, &paper) < 1e-10,
                    "m={mass} Ω={omega} t={t}: {ours:?} vs {paper:?}"
                );
            }
        }
    }
}

type C = (f64, f64);

fn cmul(a: C, b: C) -> C {
    (a.0 * b.0 - a.1 * b.1, a.0 * b.1 + a.1 * b.0)
}

fn cdiv(a: C, b: C) -> C {
    let n = b.0 * b.0 + b.1 * b.1;
    ((a.0 * b.0 + a.1 * b.1) / n, (a.1 * b.0 - a.0 * b.1) / n)
}

/// Determinant by Gaussian elimination with partial pivoting.
fn complex_det(mut a: [[C; 4]; 4]) -> C {
    let mut det = (1.0, 0.0);
    for col in 0..4 {
        let pivot = (col..4)
            .max_by(|&i, &j| {
                a[i][col]
                    .0
                    .hypot(a[i][col].1)
                    .total_cmp(&a[j][col].0.hypot(a[j][col].1))
            })
            .unwrap();
        if pivot != col {
            a.swap(pivot, col);
            det = (-det.0, -det.1);
        }
        det = cmul(det, a[col][col]);
        let pivot_row = a[col];
        for row in a.iter_mut().skip(col + 1) {
            let f = cdiv(row[col], pivot_row[col]);
            for (x, &y) in row.iter_mut().zip(&pivot_row).skip(col) {
                let sub = cmul(f, y);
                *x = (x.0 - sub.0, x.1 - sub.1);
            }
        }
    }
    det
}

/// Seed 002, Eqs. 16–23 as printed (underdamped): Z(λ)² = 1/det(I + Ψ), built from the paper's
/// two-time correlations; compared with our Z, which comes from the propagator instead.
#[test]
fn characteristic_function_matches_the_papers_psi_matrix() {
    let osc = Oscillator::new(1.0, 1.0, 1.0, 1.0).unwrap();
    let p = paper_protocol(2.0);
    let (k, m, b, kb, t0) = (osc.stiffness, osc.mass, osc.beta(), osc.kb, p.mean);
    let w1 = osc.omega1_sq().sqrt();
    for t in [0.3, 1.5, 4.0] {
        let s = moments::sinusoid_closed_form(&osc, &p, t);
        let e = (-0.5 * b * t).exp();
        let (c, sn) = ((w1 * t).cos(), (w1 * t).sin());
        let x_x0 = kb * t0 * e / (2.0 * k * w1) * (2.0 * w1 * c + b * sn);
        let x_v0 = kb * t0 * e / (m * w1) * sn;
        let v_x0 = -kb * t0 * e / (m * w1) * sn;
        let v_v0 = kb * t0 * e / (2.0 * m * w1) * (2.0 * w1 * c - b * sn);
        let (sx0, sv0) = (kb * t0 / k, kb * t0 / m);
        let rows = [
            [k * s.xx, k * x_x0, k * s.xv, k * x_v0],
            [-k * x_x0, -k * sx0, -k * v_x0, 0.0],
            [m * s.xv, m * v_x0, m * s.vv, m * v_v0],
            [-m * x_v0, 0.0, -m * v_v0, -m * sv0],
        ];
        let heat = HeatDistribution::for_sinusoid(&osc, &p, t);
        for lambda in [0.003, 0.02, 0.1] {
            let mut a = [[(0.0, 0.0); 4]; 4];
            for i in 0..4 {
                for j in 0..4 {
                    a[i][j] = (if i == j { 1.0 } else { 0.0 }, lambda * rows[i][j]);
                }
            }
            let paper = cdiv((1.0, 0.0), complex_det(a));
            let z = heat.characteristic(lambda);
            let ours = cmul(z, z);
            let gap = (paper.0 - ours.0).hypot(paper.1 - ours.1);
            assert!(
                gap < 1e-10,
                "t={t} λ={lambda}: paper {paper:?} vs ours {ours:?}"
            );
        }
    }
}
