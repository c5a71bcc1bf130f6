//! Behaviour tests of the seed 001 N-demon (issue 6): demon conditions and conservation, the sign of the
//! COP formula, the COP bound and limits, Eq. 7, and the narrow-resonance limit of Lorentzian lines.

mod common;

use nanodemon::theory::ndemon::distributions::{
    bose_einstein, effective_temperature, entropy_current, fermi_dirac, Statistics,
};
use nanodemon::theory::ndemon::finite_width::finite_width_demon;
use nanodemon::theory::ndemon::four_resonance::{
    check_physical, cop_eq23_as_printed, cop_eq_c10, demon_occupations, narrow_demon,
    optimise_free_parameter, paper_f4, power_paper_closed_form, NDemonParams,
};
use nanodemon::theory::ndemon::landauer::{currents_into, ResonanceShape, Transmission};
use nanodemon::theory::ndemon::quadrature::{integrate, Tolerance};

fn rel(a: f64, b: f64) -> f64 {
    (a / b - 1.0).abs()
}

/// Paper parameters, plus variations of μ and both orders of ε3, ε4, at which the paper's choice of
/// f_l(ε4) is physical.
fn physical_grid() -> Vec<NDemonParams> {
    let mut grid = Vec::new();
    for mu in [0.8, 1.0, 1.3] {
        for eps4 in [1.3, 1.45, 1.52, 1.6, 1.75] {
            for k in 1..20 {
                let mut p = NDemonParams::paper(k as f64 / 20.0, eps4);
                p.mu = mu;
                if check_physical(&p, &demon_occupations(&p, paper_f4(&p))).is_ok() {
                    grid.push(p);
                }
            }
        }
    }
    assert!(
        grid.len() > 100,
        "too few physical points ({}) to test anything",
        grid.len()
    );
    grid
}

#[test]
fn narrow_limit_demon_conditions_conservation_and_cold_to_hot() {
    for p in physical_grid() {
        // Seed 001 Eq. C3, evaluated from the occupations rather than from the algebra that produced them.
        let f_l = demon_occupations(&p, paper_f4(&p));
        let fr = p.f_partner();
        let d: Vec<f64> = (0..4).map(|i| f_l[i] - fr[i]).collect();
        let scale = d.iter().map(|x| x.abs()).fold(0.0, f64::max);
        // Subtracting occupations of order 1 leaves rounding of a few ε_machine.
        let allowed = 1e-12 * scale + 8.0 * f64::EPSILON;
        assert!((d[0] + d[1]).abs() <= allowed, "ṅ_h ≠ 0 at {p:?}");
        assert!((d[2] + d[3]).abs() <= allowed, "ṅ_c ≠ 0 at {p:?}");
        let e_l: f64 = (0..4).map(|i| p.eps[i] * d[i]).sum();
        assert!(e_l.abs() <= 4.0 * allowed, "ε̇_l = {e_l} at {p:?}");

        let r = narrow_demon(&p, paper_f4(&p)).unwrap();
        for (what, total) in [
            (
                "particles",
                r.hot.particle + r.cold.particle + r.demon.particle,
            ),
            ("energy", r.hot.energy + r.cold.energy + r.demon.energy),
        ] {
            assert!(
                total.abs() <= 1e-12 * r.hot.energy.abs().max(1e-300),
                "{what} not conserved at {p:?}"
            );
        }
        assert!(
            r.demon.particle.abs() <= 1e-12 * r.power && r.demon.energy.abs() <= 1e-12 * r.power
        );
        // Heat leaves the cold reservoir and enters the hot one.
        assert!(r.power > 0.0, "ε̇_h = {} at {p:?}", r.power);
        assert!(r.cold.heat(p.mu) < 0.0);
        assert!(
            (r.power - power_paper_closed_form(&p)).abs() <= 1e-12 * r.power,
            "Eq. C5 ≠ Eq. C6 at {p:?}"
        );
        // Second law over the three reservoirs, the demon's entropy gain paying for it.
        let production = r.hot.entropy + r.cold.entropy + r.demon.entropy;
        assert!(
            production >= 0.0 && r.demon.entropy > 0.0,
            "Ṡ_tot = {production} at {p:?}"
        );
    }
}

#[test]
fn finite_width_demon_conditions_and_conservation_by_quadrature() {
    let tol = Tolerance::DEFAULT;
    for shape in [ResonanceShape::Box, ResonanceShape::Lorentzian] {
        for (ratio, eps4, mu) in [
            (0.5, 1.6, 1.0),
            (0.8, 1.75, 1.0),
            (0.6, 1.3, 1.2),
            (0.35, 1.45, 0.9),
        ] {
            let mut p = NDemonParams::paper(ratio, eps4);
            p.mu = mu;
            let width = 0.05 * p.min_spacing();
            for f4 in [
                paper_f4(&p),
                optimise_free_parameter(&p).unwrap().max_cop_times_power.f4,
            ] {
                let r = finite_width_demon(&p, shape, width, f4, tol).unwrap();
                let scale = r.power.abs();
                let label = format!("{shape:?} T_c/T_h={ratio} ε4={eps4} μ={mu} f4={f4}");
                assert!(
                    r.demon.particle.abs() < 1e-8 * scale,
                    "{label}: ṅ_l = {}",
                    r.demon.particle
                );
                assert!(
                    r.demon.energy.abs() < 1e-8 * scale,
                    "{label}: ε̇_l = {}",
                    r.demon.energy
                );
                assert!(
                    r.hot.particle.abs() < 1e-8 * scale && r.cold.particle.abs() < 1e-8 * scale,
                    "{label}: ṅ_r ≠ 0"
                );
                let n_total = r.hot.particle + r.cold.particle + r.demon.particle;
                let e_total = r.hot.energy + r.cold.energy + r.demon.energy;
                assert!(
                    n_total.abs() < 1e-8 * scale && e_total.abs() < 1e-8 * scale,
                    "{label}: not conserved"
                );
                assert!(
                    r.power > 0.0 && r.cold.heat(p.mu) < 0.0,
                    "{label}: heat does not flow cold → hot"
                );
                assert!(
                    r.demon.entropy > 0.0 && r.cop <= p.carnot_cop(),
                    "{label}: COP {} above bound",
                    r.cop
                );
            }
        }
    }
}

/// Eq. 23 as printed vs Eq. C10: the demon's entropy current, integrated directly from Eq. 6 at finite
/// width, is positive (the second law demands it), so the COP ε̇_h/(T_h Ṡ_l) is positive; Eq. C10
/// reproduces it and Eq. 23 gives its negative.
#[test]
fn eq_c10_is_the_right_cop_and_printed_eq23_has_the_wrong_sign() {
    for p in physical_grid() {
        let r = narrow_demon(&p, paper_f4(&p)).unwrap();
        let c10 = cop_eq_c10(&p, &r.f_l);
        let eq23 = cop_eq23_as_printed(&p, &r.f_l);
        assert!(r.cop > 0.0 && r.demon.entropy > 0.0);
        assert!(
            rel(c10, r.cop) < 1e-8,
            "Eq. C10 {c10} vs current sums {} at {p:?}",
            r.cop
        );
        assert!(
            eq23 < 0.0 && rel(-eq23, r.cop) < 1e-8,
            "Eq. 23 as printed gives {eq23} at {p:?}"
        );
    }
    let p = NDemonParams::paper(0.6, 1.7);
    let narrow = narrow_demon(&p, paper_f4(&p)).unwrap();
    let fw = finite_width_demon(
        &p,
        ResonanceShape::Lorentzian,
        1e-4,
        paper_f4(&p),
        Tolerance::DEFAULT,
    )
    .unwrap();
    assert!(fw.demon.entropy > 0.0);
    assert!(
        rel(fw.cop, cop_eq_c10(&p, &narrow.f_l)) < 0.01,
        "quadrature COP {} vs Eq. C10",
        fw.cop
    );
    assert!(cop_eq23_as_printed(&p, &narrow.f_l) < 0.0);
}

#[test]
fn cop_respects_the_thermodynamic_bound_for_every_physical_demon() {
    let mut checked = 0;
    for eps4 in [1.2, 1.4, 1.49, 1.51, 1.6, 1.9] {
        for k in 1..50 {
            let p = NDemonParams::paper(k as f64 / 50.0, eps4);
            let free = optimise_free_parameter(&p).unwrap();
            let (lo, hi) = free.f4_range;
            let mut previous: Option<(f64, f64)> = None;
            for j in 1..=40 {
                // Walk from the equilibrium value (zero power) to the maximum-power end of the range.
                let t = j as f64 / 40.0;
                let start = p.f_cold(p.eps[3]);
                let end = if (start - lo).abs() < (start - hi).abs() {
                    hi
                } else {
                    lo
                };
                let f4 = start + t * (end - start);
                let Ok(r) = narrow_demon(&p, f4) else {
                    continue;
                };
                assert!(
                    r.cop >= 0.0 && r.cop <= p.carnot_cop() * (1.0 + 1e-12),
                    "COP {} > bound at {p:?} f4={f4}",
                    r.cop
                );
                if let Some((pw, cop)) = previous {
                    assert!(
                        r.power >= pw && r.cop <= cop * (1.0 + 1e-12),
                        "no power/COP trade-off at {p:?}"
                    );
                }
                previous = Some((r.power, r.cop));
                checked += 1;
            }
            // The supremum of the COP is the bound itself, approached at vanishing power.
            let near = free.cop_near_zero_power;
            assert!(
                rel(near, p.carnot_cop()) < 1e-4 && near <= p.carnot_cop(),
                "COP near zero power {near} at {p:?}"
            );
        }
    }
    assert!(checked > 5000, "only {checked} physical points checked");
}

#[test]
fn cop_vanishes_as_the_cold_reservoir_approaches_absolute_zero() {
    // Close to ε3 the paper's choice stays physical down to low T_c; the COP must follow the bound to 0.
    let mut last = f64::INFINITY;
    for ratio in [0.2, 0.1, 0.05, 0.02, 0.01] {
        let p = NDemonParams::paper(ratio, 1.5 + 1e-3);
        let r = narrow_demon(&p, paper_f4(&p)).unwrap();
        assert!(r.cop > 0.0 && r.cop < last && r.cop <= p.carnot_cop());
        last = r.cop;
        // The optimised free parameter does no better than the bound either.
        let free = optimise_free_parameter(&p).unwrap();
        assert!(free.max_cop_times_power.cop <= p.carnot_cop());
    }
    assert!(last < 0.006, "COP at T_c/T_h = 0.01 is {last}");
}

/// App. C.3: COP → T_c/(3T_h − T_c) as ε4 → ε3, from either side, with the error shrinking like
/// (ε4 − ε3)²; tolerance 1e-6 at |ε4 − ε3| = 1e-4.
#[test]
fn cop_tends_to_the_limit_curve_as_eps4_approaches_eps3() {
    for ratio in [0.3, 0.5, 0.7, 0.9] {
        for side in [1.0, -1.0] {
            let errors: Vec<f64> = [1e-2, 1e-3, 1e-4]
                .iter()
                .map(|&delta| {
                    let p = NDemonParams::paper(ratio, 1.5 + side * delta);
                    rel(narrow_demon(&p, paper_f4(&p)).unwrap().cop, p.limit_cop())
                })
                .collect();
            assert!(
                errors[2] < 1e-6,
                "T_c/T_h={ratio} side {side}: error {errors:?}"
            );
            assert!(
                errors[0] > 30.0 * errors[1] && errors[1] > 30.0 * errors[2],
                "not quadratic: {errors:?}"
            );
        }
    }
}

/// Seed 001 Eq. 7: for an equilibrium reservoir the entropy current of Eq. 6 is the heat current over
/// its temperature, for fermions and bosons, while a nonthermal reservoir has no such temperature.
#[test]
fn equilibrium_entropy_current_is_heat_over_temperature() {
    let tol = Tolerance::DEFAULT;
    // Box lines on a finite band, so the occupations computed from f (not from their logarithms) never
    // round to exactly 0 or 1 where current flows.
    let t = Transmission::new(ResonanceShape::Box, vec![-0.4, 0.2, 1.1], 0.3).unwrap();
    let (kt1, mu1) = (0.7, 0.3);
    let f1 = |e: f64| fermi_dirac(e, mu1, kt1);
    let f2 = |e: f64| fermi_dirac(e, -0.2, 1.3);
    let c = currents_into(&f1, &[(&t, &f2)], &[], tol).unwrap();
    assert!(c.heat(mu1).abs() > 1e-3);
    assert!(
        rel(c.entropy, c.heat(mu1) / kt1) < 1e-9,
        "fermions: Ṡ = {}, J/T = {}",
        c.entropy,
        c.heat(mu1) / kt1
    );

    // Bosons in a band [1, 2] above both chemical potentials.
    let band = Transmission::new(ResonanceShape::Box, vec![1.5], 1.0).unwrap();
    let (kt_a, mu_a) = (0.4, 0.1);
    let fa = |e: f64| bose_einstein(e, mu_a, kt_a);
    let fb = |e: f64| bose_einstein(e, 0.0, 0.9);
    let ndot = |e: f64| band.at(e) * (fb(e) - fa(e));
    let s = entropy_current(Statistics::Boson, fa, ndot, 1.0, 2.0, &[], tol)
        .unwrap()
        .value;
    let heat = integrate(|e| ndot(e) * (e - mu_a), 1.0, 2.0, &[], tol)
        .unwrap()
        .value;
    assert!(
        rel(s, heat / kt_a) < 1e-9,
        "bosons: Ṡ = {s}, J/T = {}",
        heat / kt_a
    );

    // A two-temperature mixture is not thermal: no single temperature turns its heat into its entropy.
    let mix = |e: f64| 0.5 * (fermi_dirac(e, 0.0, 0.2) + fermi_dirac(e, 0.0, 1.0));
    let cm = currents_into(&mix, &[(&t, &f2)], &[], tol).unwrap();
    let implied = cm.heat(0.0) / cm.entropy;
    let cm2 = currents_into(&mix, &[(&band, &f2)], &[], tol).unwrap();
    assert!(
        rel(cm2.heat(0.0) / cm2.entropy, implied) > 1e-3,
        "mixture behaves as thermal"
    );
}

/// App. A: the effective temperature (Eq. A9) of a mixture of two Fermi functions lies between their
/// temperatures, and Eq. A8 with it reproduces the entropy current of Eq. 6.
#[test]
fn effective_temperature_of_a_mixture() {
    let (t1, t2) = (0.3, 1.2);
    let mix = |e: f64| 0.5 * (fermi_dirac(e, 0.0, t1) + fermi_dirac(e, 0.0, t2));
    for e in [-3.0, -1.0, -0.2, 0.05, 0.5, 2.0, 4.0] {
        let t = effective_temperature(Statistics::Fermion, mix(e), e, 0.0).unwrap();
        assert!(t > t1 && t < t2, "T_eff({e}) = {t}");
    }
    let band = Transmission::new(ResonanceShape::Box, vec![0.5], 2.0).unwrap();
    let other = |e: f64| fermi_dirac(e, 0.4, 0.6);
    let ndot = |e: f64| band.at(e) * (other(e) - mix(e));
    let eq6 = entropy_current(
        Statistics::Fermion,
        mix,
        ndot,
        -0.5,
        1.5,
        &[0.0],
        Tolerance::DEFAULT,
    )
    .unwrap()
    .value;
    let a8 = integrate(
        |e| {
            if e == 0.0 {
                0.0
            } else {
                ndot(e) * e / effective_temperature(Statistics::Fermion, mix(e), e, 0.0).unwrap()
            }
        },
        -0.5,
        1.5,
        &[0.0],
        Tolerance::DEFAULT,
    )
    .unwrap()
    .value;
    assert!(rel(a8, eq6) < 1e-9, "Eq. A8 {a8} vs Eq. 6 {eq6}");
}

/// Currents per unit Γ at finite width approach the narrow-resonance formulas: box lines with error
/// O(Γ²) (the occupations vary across the box), Lorentzian lines with error O(Γ) (their tails).
#[test]
fn finite_width_currents_converge_to_the_narrow_limit() {
    let p = NDemonParams::paper(0.6, 1.7);
    let f4 = paper_f4(&p);
    let narrow = narrow_demon(&p, f4).unwrap();
    for shape in [ResonanceShape::Box, ResonanceShape::Lorentzian] {
        let errors: Vec<[f64; 3]> = [4e-3, 4e-4, 4e-5]
            .iter()
            .map(|&g| {
                let r = finite_width_demon(&p, shape, g, f4, Tolerance::DEFAULT).unwrap();
                [
                    rel(r.power / g, narrow.power),
                    rel(r.demon.entropy / g, narrow.demon.entropy),
                    rel(r.cop, narrow.cop),
                ]
            })
            .collect();
        eprintln!("{shape:?}: {errors:?}");
        let (last_bound, rate) = match shape {
            ResonanceShape::Box => (1e-6, 50.0),
            ResonanceShape::Lorentzian => (2e-3, 5.0),
        };
        for q in 0..3 {
            assert!(errors[2][q] < last_bound, "{shape:?}: errors {errors:?}");
            assert!(
                errors[0][q] > rate * errors[1][q] && errors[1][q] > rate * errors[2][q],
                "{shape:?}: {errors:?}"
            );
        }
    }
}

#[test]
fn free_parameter_optimum_against_brute_force() {
    for (ratio, eps4) in [(0.5, 1.6), (0.8, 1.75), (0.3, 1.4), (0.05, 1.6)] {
        let p = NDemonParams::paper(ratio, eps4);
        let free = optimise_free_parameter(&p).unwrap();
        let (lo, hi) = free.f4_range;
        let mut best_chi: f64 = 0.0;
        let mut best_power: f64 = 0.0;
        for j in 0..=20_000 {
            let f4 = lo + (hi - lo) * j as f64 / 20_000.0;
            if let Ok(r) = narrow_demon(&p, f4) {
                best_chi = best_chi.max(r.cop * r.power);
                best_power = best_power.max(r.power);
            }
        }
        let opt = free.max_cop_times_power;
        check_physical(&p, &opt.f_l).unwrap();
        assert!(
            opt.cop * opt.power >= best_chi * (1.0 - 1e-9),
            "χ optimum {} below scan {best_chi}",
            opt.cop * opt.power
        );
        assert!(free.max_power.power >= best_power * (1.0 - 1e-12));
        assert!(
            free.max_power.f_l.iter().any(|&f| f == 0.0 || f == 1.0),
            "max power must sit on the boundary"
        );
        if let Ok(paper) = narrow_demon(&p, paper_f4(&p)) {
            assert!(opt.cop * opt.power >= paper.cop * paper.power);
        }
    }
    // With f_l(ε4) free the demon still pumps where the paper's choice has no physical solution.
    let p = NDemonParams::paper(0.05, 1.6);
    assert!(narrow_demon(&p, paper_f4(&p)).is_err());
    let opt = optimise_free_parameter(&p).unwrap().max_cop_times_power;
    assert!(opt.power > 0.0 && opt.cop > 0.0);
}

#[test]
fn unphysical_and_invalid_parameters_are_reported_clearly() {
    let p = NDemonParams::paper(0.05, 1.6);
    let err = narrow_demon(&p, paper_f4(&p)).unwrap_err().to_string();
    assert!(
        err.contains("unphysical N-demon") && err.contains("f_l(ε4)"),
        "{err}"
    );
    let err = narrow_demon(&NDemonParams::paper(1.2, 1.6), 0.1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("k_B T_c"), "{err}");
    let err = narrow_demon(&NDemonParams::paper(0.5, 1.5), 0.1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("distinct"), "{err}");
    let p = NDemonParams::paper(0.5, 1.6);
    let err = finite_width_demon(
        &p,
        ResonanceShape::Box,
        0.2,
        paper_f4(&p),
        Tolerance::DEFAULT,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("resonance width"), "{err}");
}

#[test]
fn command_writes_one_json_object_csv_and_figures() {
    let dir = std::env::temp_dir().join(format!("nanodemon-ndemon-{}", std::process::id()));
    let v = common::json_output(
        std::process::Command::new(env!("CARGO_BIN_EXE_nanodemon"))
            .args([
                "ndemon", "--json", "--points", "9", "--eps4", "1.6,1.4", "--plots",
            ])
            .arg(&dir),
    );
    assert_eq!(v["points"].as_array().unwrap().len(), 18);
    for d in v["digest"].as_array().unwrap() {
        assert!(d["max_cop_over_bound"].as_f64().unwrap() <= 1.0);
    }
    let csv = std::fs::read_to_string(dir.join("ndemon_sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 19);
    for name in ["ndemon_cop.svg", "ndemon_power.svg"] {
        let svg = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(svg.contains("<svg") && svg.contains("polyline"), "{name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();

    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(["ndemon", "--width", "0.5"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("error:") && err.contains("--width"), "{err}");
}
