//! A bath with memory fitted to equilibrium data simulated WITH a known memory kernel recovers the
//! kernel (Re γ(ω), m_add(ω)), picks the right model family, and predicts the driven heater's heat
//! rates of the true kernel within its jackknife errors (issue 11).

use nanodemon::analysis::memory_fit::{
    fit_bath, memory_theory, pair_for, AcfData, BathFit, FitOptions, FittedBaths, TrappedParticle,
};
use nanodemon::scenario::Scenario;
use nanodemon::theory::memory::bath::{ExpMode, MemoryBath, Shell};
use nanodemon::theory::memory::simulate::trajectory;
use nanodemon::theory::memory::system::{LinearSystem, Particle};
use nanodemon::units::MVV2E;

const MASS: f64 = 186.0 * 63.546;
const TRAP: f64 = 0.01;

/// Close to what paper-equilibrium gives: a shell of ~1.3 particle masses, viscously coupled.
fn true_bath() -> MemoryBath {
    MemoryBath {
        gamma0_amu_per_ps: 1500.0,
        modes: vec![],
        shell: Some(Shell {
            mass_amu: 15_000.0,
            stiffness_amu_per_ps2: 0.0,
            friction_amu_per_ps: 2000.0,
            coupling_friction_amu_per_ps: 10_000.0,
        }),
    }
}

/// Three independent axes of a trapped particle sampled every 1 ps (heat.csv's interval) for
/// 20 ns each — ten times the committed MD run — fitted as `nanodemon` fits an equilibrium run.
fn fit(t_k: f64, stream: u64) -> BathFit {
    let particle = TrappedParticle {
        mass_amu: MASS,
        trap_kappa_ev_per_a2: TRAP,
        temperature_k: t_k,
    };
    let sys = LinearSystem::new(
        &[vec![TRAP / MVV2E]],
        &[Particle {
            mass_amu: MASS,
            t_k,
            bath: true_bath(),
        }],
    );
    let axes: Vec<Vec<Vec<f64>>> = (0..3)
        .map(|a| trajectory(&sys, 1.0, 500, 20_000, 2024, 3 * stream + a).unwrap())
        .collect();
    let vel: Vec<&[f64]> = axes.iter().map(|z| z[1].as_slice()).collect();
    let pos: Vec<&[f64]> = axes.iter().map(|z| z[0].as_slice()).collect();
    let opts = FitOptions::default();
    let data = AcfData::new(&vel, &pos, 1.0, opts.blocks, opts.max_lag_ps).unwrap();
    fit_bath(&data, &particle, t_k, &opts).unwrap()
}

#[test]
fn fitted_memory_bath_recovers_the_kernel_and_the_driven_heat_rates() {
    let t0 = std::time::Instant::now();
    let cold = fit(100.0, 0);
    let hot = fit(120.0, 1);
    let truth = true_bath();
    for f in [&cold, &hot] {
        assert!(
            f.family.shell && f.family.modes == 0,
            "cross-validation chose {} (scores {:?})",
            f.model,
            f.candidates
                .iter()
                .map(|c| (c.label.clone(), c.cross_validation))
                .collect::<Vec<_>>()
        );
        // Re γ(ω) and m_add(ω) from zero to the heater's cold-particle frequency √(11κ/m).
        for omega in [0.0, 0.09, 0.3] {
            let r = f.response(omega);
            let t = truth.response(omega);
            for (name, got, err, want) in [
                (
                    "Re γ",
                    r.gamma_re_amu_per_ps,
                    r.gamma_re_error,
                    t.gamma_re_amu_per_ps,
                ),
                (
                    "m_add",
                    r.added_mass_amu,
                    r.added_mass_error,
                    t.added_mass_amu,
                ),
            ] {
                assert!(
                    err < 0.25 * want.abs(),
                    "{name}(ω={omega}) error {err} is too large to test anything"
                );
                assert!(
                    (got - want).abs() < 4.0 * err,
                    "{name}(ω={omega}) = {got} ± {err}, true {want}"
                );
            }
        }
    }
    // Driven predictions of the fitted baths against those of the true kernel.
    let scenario = Scenario::load(std::path::Path::new("scenarios/paper-heater.json")).unwrap();
    let baths = FittedBaths {
        run: "simulated".into(),
        source: "heat.csv".into(),
        sample_interval_ps: 1.0,
        blocks: 10,
        max_lag_ps: 50.0,
        criterion: "test",
        liquid: None,
        cold,
        hot,
    };
    let predicted = memory_theory(&scenario, &baths, None).unwrap();
    let exact = pair_for(&scenario, &truth, &truth)
        .predict(scenario.controller.demon_axes.len(), 1.0)
        .unwrap();
    for (name, got, err, want) in [
        (
            "Q̇_C",
            predicted.point.heat_rate_cold_ev_per_ps,
            predicted.errors.heat_rate_cold_ev_per_ps,
            exact.heat_rate_cold_ev_per_ps,
        ),
        (
            "Q̇_H",
            predicted.point.heat_rate_hot_ev_per_ps,
            predicted.errors.heat_rate_hot_ev_per_ps,
            exact.heat_rate_hot_ev_per_ps,
        ),
        (
            "T_kin,C",
            predicted.point.kinetic_temperature_cold_k,
            predicted.errors.kinetic_temperature_cold_k,
            exact.kinetic_temperature_cold_k,
        ),
    ] {
        assert!(err < 0.1 * want.abs(), "{name} error {err} vs value {want}");
        assert!(
            (got - want).abs() < 4.0 * err,
            "{name}: fitted-bath prediction {got} ± {err}, true-kernel prediction {want}"
        );
    }
    eprintln!("memory fit test took {:.1} s", t0.elapsed().as_secs_f64());
}

/// An exponential (Prony) mode resolved by com.csv-like 10 fs sampling (3 axes × 4 ns): the fit
/// finds one mode and recovers γ(ω) and m_add(ω) of the true kernel.
#[test]
fn fitted_memory_bath_recovers_an_exponential_mode_from_fine_sampling() {
    let truth = MemoryBath {
        gamma0_amu_per_ps: 800.0,
        modes: vec![ExpMode {
            strength_amu_per_ps2: 4000.0,
            tau_ps: 0.5,
        }],
        shell: None,
    };
    let particle = TrappedParticle {
        mass_amu: MASS,
        trap_kappa_ev_per_a2: TRAP,
        temperature_k: 100.0,
    };
    let sys = LinearSystem::new(
        &[vec![TRAP / MVV2E]],
        &[Particle {
            mass_amu: MASS,
            t_k: 100.0,
            bath: truth.clone(),
        }],
    );
    let h = 0.01;
    let axes: Vec<Vec<Vec<f64>>> = (0..3)
        .map(|a| trajectory(&sys, h, 5000, 400_000, 77, a).unwrap())
        .collect();
    let vel: Vec<&[f64]> = axes.iter().map(|z| z[1].as_slice()).collect();
    let pos: Vec<&[f64]> = axes.iter().map(|z| z[0].as_slice()).collect();
    let opts = FitOptions::default();
    let data = AcfData::new(&vel, &pos, h, opts.blocks, opts.max_lag_ps).unwrap();
    let f = fit_bath(&data, &particle, 100.0, &opts).unwrap();
    assert!(
        f.family.modes == 1 && !f.family.shell,
        "cross-validation chose {}",
        f.model
    );
    // Seeds 77, 78, 79 put the recovered values 1–2.8 jackknife σ from the truth (10 blocks give a
    // rough error), so the bound is 4σ.
    for omega in [0.0, 0.3, 2.0] {
        let r = f.response(omega);
        let t = truth.response(omega);
        for (name, got, err, want) in [
            (
                "Re γ",
                r.gamma_re_amu_per_ps,
                r.gamma_re_error,
                t.gamma_re_amu_per_ps,
            ),
            (
                "m_add",
                r.added_mass_amu,
                r.added_mass_error,
                t.added_mass_amu,
            ),
        ] {
            assert!(
                err < 0.3 * want.abs(),
                "{name}(ω={omega}) error {err} vs {want}"
            );
            assert!(
                (got - want).abs() < 4.0 * err,
                "{name}(ω={omega}) = {got} ± {err}, true {want}"
            );
        }
    }
}

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// `analyze --bath-from` on the committed H100 runs puts the memory predictions beside the Markov ones
/// under `theory.memory`, with the Markov keys and jackknife errors; a driven run as the bath source
/// is refused with the fields named.
#[test]
fn analyze_and_theory_take_the_bath_from_an_equilibrium_run() {
    let bin = env!("CARGO_BIN_EXE_nanodemon");
    let out = std::process::Command::new(bin)
        .arg("analyze")
        .arg(repo("docs/runs/paper-heater"))
        .arg("--bath-from")
        .arg(repo("docs/runs/paper-equilibrium"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let theory = &v["analysis"]["theory"];
    let memory = &theory["memory"];
    for key in [
        "heat_rate_cold_ev_per_ps",
        "heat_rate_hot_ev_per_ps",
        "power_ev_per_ps",
        "entropy_production_kb_per_ps",
    ] {
        assert!(theory[key].is_f64() && memory[key].is_f64(), "{key}");
        assert!(memory["errors"][key].as_f64().unwrap() > 0.0, "{key} error");
    }
    for key in ["kinetic_temperature_cold_k", "kinetic_temperature_hot_k"] {
        let t = memory[key].as_f64().unwrap();
        assert!(t > 50.0 && t < 300.0, "{key} = {t}");
        assert!(memory[format!("md_{key}")]["error"].as_f64().unwrap() > 0.0);
    }
    assert!(memory["relative_uncertainty_total"].as_f64().unwrap() > 0.0);
    // The stationary identity Q̇_H/Q̇_C = −κ_H/κ_C holds for any bath.
    let ratio = memory["heat_rate_hot_ev_per_ps"].as_f64().unwrap()
        / memory["heat_rate_cold_ev_per_ps"].as_f64().unwrap();
    assert!((ratio + 0.17).abs() < 1e-9, "{ratio}");
    assert_eq!(v["memory_baths"]["source"], "heat.csv");

    let out = std::process::Command::new(bin)
        .arg("theory")
        .arg(repo("scenarios/paper-refrigerator.json"))
        .arg("--bath-from")
        .arg(repo("docs/runs/paper-heater"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kappa_cold_ev_per_a2") && err.contains("equilibrium run"),
        "{err}"
    );

    // A kernel measured in the 11-nm containers does not describe the small system's 3.6-nm ones.
    let out = std::process::Command::new(bin)
        .arg("theory")
        .arg(repo("scenarios/small-heater.json"))
        .arg("--bath-from")
        .arg(repo("docs/runs/paper-equilibrium"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("container_length_a"), "{err}");
}

/// A run directory with com.csv is fitted from com.csv at its own interval (here 0.1 ps), not from
/// heat.csv.
#[test]
fn fit_run_prefers_com_csv() {
    use nanodemon::analysis::memory_fit::fit_run;
    use nanodemon::analysis::run_dir::RunDir;
    let dir = std::env::temp_dir().join(format!("nanodemon-memory-com-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let eq = repo("docs/runs/paper-equilibrium");
    for f in ["run.json", "heat.csv"] {
        std::fs::copy(eq.join(f), dir.join(f)).unwrap();
    }
    let (h, steps) = (0.1, 16_000);
    let columns: Vec<Vec<Vec<f64>>> = [(100.0, 0), (120.0, 1)]
        .iter()
        .map(|&(t_k, side)| {
            let sys = LinearSystem::new(
                &[vec![TRAP / MVV2E]],
                &[Particle {
                    mass_amu: MASS,
                    t_k,
                    bath: true_bath(),
                }],
            );
            (0..3)
                .map(|a| trajectory(&sys, h, 1000, steps, 9, 3 * side + a).unwrap())
                .flat_map(|z| [z[0].clone(), z[1].clone()])
                .collect()
        })
        .collect();
    // columns[side] = [x_x, v_x, x_y, v_y, x_z, v_z].
    let mut text = String::from(nanodemon::com_csv::COM_CSV_HEADER);
    text.push('\n');
    for i in 0..steps {
        let c = &columns[0];
        let w = &columns[1];
        text.push_str(&format!(
            "{:.6},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            i as f64 * h,
            c[0][i],
            c[2][i],
            c[4][i],
            w[0][i],
            w[2][i],
            w[4][i],
            c[1][i],
            c[3][i],
            c[5][i],
            w[1][i],
            w[3][i],
            w[5][i]
        ));
    }
    std::fs::write(dir.join("com.csv"), text).unwrap();
    let run = RunDir::load(&dir).unwrap();
    let fitted = fit_run(&run, &FitOptions::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(fitted.source, "com.csv");
    assert!((fitted.sample_interval_ps - 0.1).abs() < 1e-9);
    assert!(fitted.cold.family.shell && fitted.hot.family.shell);
    let r = fitted.cold.response(0.0);
    let t = true_bath().response(0.0);
    assert!(
        (r.gamma_re_amu_per_ps - t.gamma_re_amu_per_ps).abs() < 4.0 * r.gamma_re_error,
        "Re γ(0) {} ± {} vs {}",
        r.gamma_re_amu_per_ps,
        r.gamma_re_error,
        t.gamma_re_amu_per_ps
    );
}
