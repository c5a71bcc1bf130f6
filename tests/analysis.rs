//! The analysis of runs: error bars that cover the truth at their stated rate on synthetic series with
//! known slopes and correlated noise; recovery of the Langevin theory from simulator-written runs;
//! friction estimators; the `analyze` command on a run and on a sweep, with figures.

mod common;

use nanodemon::analysis::fit::{ols, student_t_quantile, BlockSlopes};
use nanodemon::analysis::friction;
use nanodemon::analysis::report::{analyze_run, Options};
use nanodemon::analysis::run_dir::{write_langevin_run, RunDir, REQUIRED_COLUMNS};
use nanodemon::scenario::Scenario;
use nanodemon::theory::demon_pair::DemonPair;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("nanodemon-analysis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn scenario(file: &str, edit: impl FnOnce(&mut Scenario)) -> Scenario {
    let mut s = Scenario::load(Path::new(file)).unwrap();
    edit(&mut s);
    s.validate().unwrap();
    s
}

/// A cumulative series r·t plus integrated AR(1) noise (correlation time ≈ 19 samples) plus a bounded
/// OU term of large amplitude, like Q_b(t) = thermostat heat + E_b(t) − E_b(0) in MD.
fn synthetic_cumulative(
    rng: &mut ChaCha8Rng,
    n: usize,
    dt: f64,
    rate: f64,
    noise: f64,
    bounded: f64,
) -> Vec<f64> {
    let phi: f64 = 0.9;
    let (mut e, mut ou, mut cum) = (0.0, 0.0, 0.0);
    let mut out = Vec::with_capacity(n);
    let ou0 = 0.0;
    for i in 0..n {
        if i > 0 {
            let a: f64 = StandardNormal.sample(rng);
            e = phi * e + (1.0 - phi * phi).sqrt() * a;
            cum += rate * dt + noise * e;
        }
        let b: f64 = StandardNormal.sample(rng);
        ou = 0.95 * ou + (1.0 - 0.95f64 * 0.95).sqrt() * b;
        out.push(cum + bounded * (ou - ou0));
    }
    out
}

#[test]
fn block_error_bars_cover_the_true_slope_at_the_stated_rate() {
    let (n, dt, blocks) = (4000, 1.0, 20);
    let t: Vec<f64> = (0..n).map(|i| i as f64 * dt).collect();
    let quantile = student_t_quantile(0.975, (blocks - 1) as f64);
    let mut rng = ChaCha8Rng::seed_from_u64(2024);
    let (reps, mut covered, mut naive_covered) = (400, 0, 0);
    for _ in 0..reps {
        let y = synthetic_cumulative(&mut rng, n, dt, 2.5e-3, 0.05, 0.4);
        let b = BlockSlopes::new(&t, &[&y], blocks).unwrap();
        let est = b.slope(0);
        if (est.value - 2.5e-3).abs() < quantile * est.error {
            covered += 1;
        }
        // The textbook OLS error assumes independent residuals; on a cumulative series it is far too small.
        let (s, c) = ols(&t, &y);
        let tm = t.iter().sum::<f64>() / n as f64;
        let stt: f64 = t.iter().map(|x| (x - tm).powi(2)).sum();
        let rss: f64 = t.iter().zip(&y).map(|(x, v)| (v - c - s * x).powi(2)).sum();
        if (s - 2.5e-3).abs() < 1.96 * (rss / (n as f64 - 2.0) / stt).sqrt() {
            naive_covered += 1;
        }
    }
    let rate = covered as f64 / reps as f64;
    let naive = naive_covered as f64 / reps as f64;
    eprintln!("95% block intervals covered {rate:.3}; naive OLS intervals {naive:.3}");
    // Binomial standard deviation at 95% and 400 repetitions is 1.1%.
    assert!(
        (0.91..=0.985).contains(&rate),
        "block 95% intervals cover {rate}"
    );
    assert!(naive < 0.5, "naive OLS errors unexpectedly honest: {naive}");
}

#[allow(clippy::needless_range_loop)]
fn write_synthetic_run(dir: &Path, sc: &Scenario, rates: [f64; 4], seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = 6000;
    let cols: Vec<Vec<f64>> = rates
        .iter()
        .map(|&r| synthetic_cumulative(&mut rng, n, 1.0, r, 0.002, 0.05))
        .collect();
    let mut text = REQUIRED_COLUMNS.join(",") + ",extra_column\n";
    for i in 0..n {
        let row: Vec<String> = [
            i as f64, cols[0][i], cols[1][i], cols[0][i], cols[1][i], 0.0, 0.0, cols[2][i],
            cols[3][i],
        ]
        .into_iter()
        .chain((0..8).map(|_| StandardNormal.sample(&mut rng)))
        .chain([100.0, 120.0, 7.0])
        .map(|v: f64| v.to_string())
        .collect();
        text += &(row.join(",") + "\n");
    }
    std::fs::write(dir.join("heat.csv"), text).unwrap();
    std::fs::write(
        dir.join("run.json"),
        serde_json::to_string(&serde_json::json!({"scenario": sc, "version": "test"})).unwrap(),
    )
    .unwrap();
}

#[test]
fn analyze_recovers_known_slopes_of_a_synthetic_run() {
    let dir = scratch("synthetic");
    let sc = scenario("scenarios/paper-refrigerator.json", |_| {});
    let rates = [-9e-4, 4.1e-3, -8.8e-4, 4.2e-3];
    write_synthetic_run(&dir, &sc, rates, 99);
    let run = RunDir::load(&dir).unwrap();
    let a = analyze_run(&run, &Options::default()).unwrap();
    let r = &a.rates;
    for (name, c, want) in [
        ("Q_C", r.heat_cold_ev_per_ps, rates[0]),
        ("Q_H", r.heat_hot_ev_per_ps, rates[1]),
        ("W_C", r.work_cold_ev_per_ps, rates[2]),
        ("W_H", r.work_hot_ev_per_ps, rates[3]),
    ] {
        assert!(
            (c.measured - want).abs() < 4.0 * c.error,
            "{name}: {} ± {} vs {want}",
            c.measured,
            c.error
        );
        assert!(
            c.error < 0.2 * want.abs(),
            "{name}: error bar {} too wide",
            c.error
        );
    }
    let w = rates[2] + rates[3];
    assert!((r.power_ev_per_ps.measured - w).abs() < 4.0 * r.power_ev_per_ps.error);
    let s = (rates[0] / 100.0 + rates[1] / 120.0) / nanodemon::units::KB_EV_PER_K;
    assert!(
        (r.entropy_production_kb_per_ps.measured - s).abs()
            < 4.0 * r.entropy_production_kb_per_ps.error
    );
    let cop = r.cop.expect("refrigerator theory gives a COP");
    assert!((cop.measured - (-rates[0] / w)).abs() < 4.0 * cop.error);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_of_langevin_runs_recovers_the_theory() {
    for (name, file) in [
        ("heater", "scenarios/paper-heater.json"),
        ("refrigerator", "scenarios/paper-refrigerator.json"),
    ] {
        let dir = scratch(name);
        let sc = scenario(file, |s| s.run.production_ps = 20000.0);
        let model = DemonPair::from_scenario(&sc, 3.5e-12).unwrap();
        write_langevin_run(&dir, &sc, &model, 0.01, 7).unwrap();
        let a = analyze_run(&RunDir::load(&dir).unwrap(), &Options::default()).unwrap();
        let p = a.power.as_ref().unwrap();
        let r = &a.rates;
        for (what, c) in [
            ("Q̇_C", r.heat_cold_ev_per_ps),
            ("Q̇_H", r.heat_hot_ev_per_ps),
            ("Ẇ_C", r.work_cold_ev_per_ps),
            ("Ẇ_H", r.work_hot_ev_per_ps),
            ("Ẇ", r.power_ev_per_ps),
            ("Ṡ", r.entropy_production_kb_per_ps),
            ("⟨Ẇ_C⟩ per axis", p.cold_mean_ev_per_ps),
            ("Var Ẇ_C per axis", p.cold_variance),
            ("⟨Ẇ_H⟩ per axis", p.hot_mean_ev_per_ps),
            ("Var Ẇ_H per axis", p.hot_variance),
            ("Var/⟨Ẇ⟩²", p.relative_uncertainty_total),
        ] {
            let z = c.z_score.unwrap();
            assert!(
                z.abs() < 4.5,
                "{name} {what}: {} ± {} vs theory {:?} (z = {z})",
                c.measured,
                c.error,
                c.theory
            );
        }
        for fit in [p.cold_fit.unwrap(), p.hot_fit.unwrap()] {
            assert!(
                fit.p_value > 1e-3,
                "{name}: power histogram rejected {fit:?}"
            );
        }
        let tail = a.stochastic_cop.as_ref().unwrap().tail_exponent;
        assert!(
            (tail.value - 2.0).abs() < 4.5 * tail.error,
            "{name}: COP tail exponent {tail:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn friction_from_equilibrium_autocorrelations_recovers_gamma() {
    let dir = scratch("equilibrium");
    let sc = scenario("scenarios/paper-equilibrium.json", |s| {
        s.run.production_ps = 20000.0
    });
    let model = DemonPair::from_scenario(&sc, 3.5e-12).unwrap();
    write_langevin_run(&dir, &sc, &model, 0.01, 3).unwrap();
    let run = RunDir::load(&dir).unwrap();
    let e = friction::from_equilibrium(&run, 8, 60.0).unwrap();
    let g = e.gamma_kg_per_s;
    eprintln!(
        "equilibrium friction {:.4e} ± {:.2e} kg/s (input 3.5e-12)",
        g.value, g.error
    );
    assert!(
        (g.value - 3.5e-12).abs() < 4.0 * g.error && g.error < 0.1 * 3.5e-12,
        "{g:?}"
    );
    // analyze picks the estimate up as the friction of its theory.
    let a = analyze_run(&run, &Options::default()).unwrap();
    assert!(a.friction_source.contains("estimated from this run"));
    assert!(a.power.is_none(), "no demon coupling, no power statistics");
    let figs =
        nanodemon::analysis::figures::run_figures(&run, &a, None, &dir.join("figures")).unwrap();
    assert!(
        figs.iter()
            .any(|f| f.ends_with("friction_autocorrelation.svg")),
        "{figs:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn friction_from_drag_recovers_gamma() {
    // Over 1000 ps the particle crosses the 110 Å box twice. Overdamped drift-diffusion of a free particle pulled by F: x = (F/γ) t + √(2k_BT/γ) W(t).
    let dir = scratch("drag");
    let sc = scenario("scenarios/paper-drag.json", |_| {});
    let drag = sc.controller.drag.clone().unwrap();
    let gamma = nanodemon::units::friction_kg_per_s_to_amu_per_ps(3.0e-12);
    let kt = nanodemon::units::KB_EV_PER_K * 100.0 / nanodemon::units::MVV2E;
    let f = drag.force_ev_per_a[1] / nanodemon::units::MVV2E;
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let mut y = 0.0;
    let mut text = REQUIRED_COLUMNS.join(",") + "\n";
    for i in 0..1000 {
        if i > 0 {
            let n: f64 = StandardNormal.sample(&mut rng);
            y += f / gamma + (2.0 * kt / gamma).sqrt() * n;
        }
        // The engine may write the coordinate wrapped into the periodic box (edge L along y).
        let l = sc.geometry.container_length_a;
        let wrapped = y - l * (y / l).round();
        text += &format!("{i},0,0,0,0,0,0,0,0,0,{wrapped},0,0,0,0,0,0,100,100\n");
    }
    std::fs::write(dir.join("heat.csv"), text).unwrap();
    std::fs::write(
        dir.join("run.json"),
        serde_json::to_string(&serde_json::json!({"scenario": sc})).unwrap(),
    )
    .unwrap();
    let e = friction::from_drag(&RunDir::load(&dir).unwrap(), 10).unwrap();
    let g = e.gamma_kg_per_s;
    assert!(
        (g.value - 3.0e-12).abs() < 4.0 * g.error && g.error < 0.1 * 3.0e-12,
        "{g:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_command_on_a_sweep_writes_figures_and_one_json_object() {
    let root = scratch("sweep");
    for (i, ratio) in [0.17, 0.7, 2.0, 4.8].iter().enumerate() {
        let sc = scenario("scenarios/paper-refrigerator.json", |s| {
            s.run.production_ps = 3000.0;
            s.controller.kappa_hot_ev_per_a2 = ratio * s.controller.kappa_cold_ev_per_a2;
        });
        let model = DemonPair::from_scenario(&sc, 3.5e-12).unwrap();
        write_langevin_run(
            &root.join(format!("run{i}")),
            &sc,
            &model,
            0.02,
            40 + i as u64,
        )
        .unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_nanodemon");
    let v = common::json_output(
        std::process::Command::new(bin)
            .arg("analyze")
            .arg(&root)
            .args(["--plots", "--json"]),
    );
    assert_eq!(v["kind"], "sweep");
    assert_eq!(v["runs"].as_array().unwrap().len(), 4);
    let figs = v["figures"].as_array().unwrap();
    assert_eq!(figs.len(), 3);
    for f in figs {
        let text = std::fs::read_to_string(f.as_str().unwrap()).unwrap();
        assert!(text.starts_with("<svg") && text.contains("κ_H/κ_C"), "{f}");
    }
    // One run on its own: Figs. 2 and 5.
    let v = common::json_output(
        std::process::Command::new(bin)
            .arg("analyze")
            .arg(root.join("run3"))
            .args(["--plots", "--json"]),
    );
    assert_eq!(v["kind"], "run");
    assert_eq!(v["figures"].as_array().unwrap().len(), 2);
    // Bad input names the problem.
    let out = std::process::Command::new(bin)
        .arg("analyze")
        .arg(root.join("missing"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("neither a run directory"));
    std::fs::remove_dir_all(&root).unwrap();
}
