//! Seed 002 ensembles: the simulator against the exact theory, and the GPU against the CPU.

mod common;

use nanodemon::ensemble::stats::Estimate;
use nanodemon::ensemble::{cpu, gpu, EnsembleResult, EnsembleSpec, HistogramSpec, Scheme};
use nanodemon::gpu::GpuContext;
use nanodemon::theory::periodic::heat::HeatDistribution;
use nanodemon::theory::periodic::moments;
use nanodemon::theory::periodic::{Oscillator, Sinusoid};

fn paper_protocol() -> Sinusoid {
    Sinusoid::new(20.0, 5.0, 2.0).unwrap()
}

fn spec(
    mass: f64,
    scheme: Scheme,
    dt: f64,
    steps: usize,
    record_every: usize,
    trajectories: usize,
) -> EnsembleSpec {
    EnsembleSpec {
        oscillator: Oscillator::new(mass, 1.0, 1.0, 1.0).unwrap(),
        scheme,
        dt,
        steps,
        record_every,
        trajectories,
        seed: 2002,
        histogram: None,
    }
}

/// Every statistic of every record after t = 0 within `z` standard errors of the closed-form theory.
fn assert_matches_theory(result: &EnsembleResult, z: f64) {
    let osc = result.spec.oscillator;
    let p = paper_protocol();
    for rec in result.records.iter().skip(1) {
        let m = moments::sinusoid_closed_form(&osc, &p, rec.time);
        let h = HeatDistribution::for_sinusoid(&osc, &p, rec.time).summary();
        let checks: [(&str, Estimate, f64); 8] = [
            ("σx²", rec.xx, m.xx),
            ("⟨xv⟩", rec.xv, m.xv),
            ("σv²", rec.vv, m.vv),
            ("ρ_xv", rec.pearson, m.pearson()),
            ("⟨Q⟩", rec.heat_mean, h.mean),
            ("σ_Q", rec.heat_std_dev, h.std_dev),
            ("skewness", rec.heat_skewness, h.skewness),
            (
                "excess kurtosis",
                rec.heat_excess_kurtosis,
                h.excess_kurtosis,
            ),
        ];
        for (name, est, theory) in checks {
            assert!(
                est.deviation(theory) < z,
                "{} m={} t={}: {name} = {} ± {} vs theory {theory}",
                result.execution.backend,
                osc.mass,
                rec.time,
                est.value,
                est.std_error
            );
        }
    }
}

#[test]
fn exact_scheme_matches_theory_for_light_and_heavy_particles() {
    for mass in [1.0, 10.0] {
        let result = cpu::run(
            &spec(mass, Scheme::Exact, 0.01, 800, 100, 50_000),
            &paper_protocol(),
            2,
        )
        .unwrap();
        assert_eq!(result.records.len(), 9);
        assert_matches_theory(&result, 4.5);
    }
}

#[test]
fn paper_euler_scheme_matches_theory_at_small_steps() {
    let result = cpu::run(
        &spec(1.0, Scheme::Euler, 1e-3, 3000, 500, 20_000),
        &paper_protocol(),
        2,
    )
    .unwrap();
    assert_matches_theory(&result, 4.5);
}

#[test]
fn heat_histogram_matches_the_inverted_characteristic_function() {
    let mut s = spec(1.0, Scheme::Exact, 0.01, 300, 100, 100_000);
    s.histogram = Some(HistogramSpec {
        records: vec![3],
        q_min: -100.0,
        q_max: 100.0,
        bins: 40,
    });
    let result = cpu::run(&s, &paper_protocol(), 2).unwrap();
    let hist = &result.histograms[0];
    assert_eq!(
        hist.counts.iter().sum::<u64>() + hist.above + hist.below,
        100_000
    );
    let heat = HeatDistribution::for_sinusoid(&s.oscillator, &paper_protocol(), hist.time);
    let width = 200.0 / 40.0;
    for (q, p) in hist.density() {
        // Bin average of the theory density by 8 midpoints; Poisson error of the count.
        let qs: Vec<f64> = (0..8)
            .map(|j| q - 0.5 * width + (j as f64 + 0.5) * width / 8.0)
            .collect();
        let theory = heat.density(&qs, 0.05).iter().sum::<f64>() / 8.0;
        let se = (theory / (100_000.0 * width)).sqrt();
        assert!(
            (p - theory).abs() < 5.0 * se + 1e-6,
            "Q={q}: {p} vs {theory} ± {se}"
        );
    }
}

#[test]
fn gpu_and_cpu_ensembles_agree() {
    let Some(ctx) = GpuContext::for_test("gpu_and_cpu_ensembles_agree") else {
        return;
    };
    let mut s = spec(1.0, Scheme::Exact, 0.01, 300, 50, 16_384);
    s.histogram = Some(HistogramSpec {
        records: vec![6],
        q_min: -100.0,
        q_max: 100.0,
        bins: 20,
    });
    let on_gpu = gpu::run(&ctx, &s, &paper_protocol()).unwrap();
    let on_cpu = cpu::run(&s, &paper_protocol(), 2).unwrap();
    assert_matches_theory(&on_gpu, 4.5);
    for (g, c) in on_gpu.records.iter().zip(&on_cpu.records) {
        assert_eq!(g.time, c.time);
        let pairs = [
            (g.xx, c.xx),
            (g.xv, c.xv),
            (g.vv, c.vv),
            (g.pearson, c.pearson),
            (g.heat_mean, c.heat_mean),
            (g.heat_std_dev, c.heat_std_dev),
            (g.heat_skewness, c.heat_skewness),
            (g.heat_excess_kurtosis, c.heat_excess_kurtosis),
        ];
        // At t = 0, Q ≡ 0 on the CPU but is f32 rounding noise on the GPU: compare moments only.
        let compared = if g.time == 0.0 { 4 } else { pairs.len() };
        for (i, (a, b)) in pairs.into_iter().take(compared).enumerate() {
            // Independent-ensemble tolerance: 4 combined standard errors. The two executors share
            // the Philox noise, so in practice they agree to f32 rounding, far inside it.
            let combined = (a.std_error.powi(2) + b.std_error.powi(2)).sqrt();
            assert!(
                (a.value - b.value).abs() < 4.0 * combined,
                "t={} statistic {i}: gpu {a:?} cpu {b:?}",
                g.time
            );
        }
    }
    let (hg, hc) = (&on_gpu.histograms[0], &on_cpu.histograms[0]);
    assert_eq!(hg.counts.iter().sum::<u64>() + hg.above + hg.below, 16_384);
    for (a, b) in hg.counts.iter().zip(&hc.counts) {
        let combined = ((a + b) as f64).sqrt();
        assert!(
            (*a as f64 - *b as f64).abs() < 4.0 * combined + 1.0,
            "histogram: gpu {a} cpu {b}"
        );
    }
}

#[test]
fn invalid_specs_are_rejected_with_the_field_named() {
    let mut s = spec(1.0, Scheme::Exact, 0.01, 300, 70, 1000);
    let e = cpu::run(&s, &paper_protocol(), 1).unwrap_err().to_string();
    assert!(e.contains("record_every"), "{e}");
    s.record_every = 100;
    s.dt = -1.0;
    let e = cpu::run(&s, &paper_protocol(), 1).unwrap_err().to_string();
    assert!(e.contains("dt"), "{e}");
}

#[test]
fn drive_command_prints_one_json_object_and_draws_the_figures() {
    let dir = std::env::temp_dir().join(format!("nanodemon-drive-{}", std::process::id()));
    let report = common::json_output(
        std::process::Command::new(env!("CARGO_BIN_EXE_nanodemon"))
            .args([
                "drive",
                "--json",
                "--backend",
                "cpu",
                "--trajectories",
                "4096",
                "--t-max",
                "1",
                "--plots",
            ])
            .arg(&dir),
    );
    assert!(report["trajectory_steps_per_second"].as_f64().unwrap() > 0.0);
    assert_eq!(report["cases"].as_array().unwrap().len(), 6);
    for case in report["cases"].as_array().unwrap() {
        for entry in case["agreement"].as_array().unwrap() {
            assert!(entry[1]["max_abs_z"].as_f64().unwrap() < 5.0, "{case}");
        }
    }
    let figures = report["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 6);
    for f in figures {
        let text = std::fs::read_to_string(f.as_str().unwrap()).unwrap();
        assert!(text.starts_with("<svg") && text.len() > 1000, "{f}");
    }
    std::fs::remove_dir_all(&dir).unwrap();

    // Typed flags: the parser refuses a bad value with the flag and the allowed values (usage error, 2).
    for (flag, bad, allowed) in [
        ("--backend", "tpu", "auto, gpu, cpu"),
        ("--scheme", "rk4", "euler, exact"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_nanodemon"))
            .args(["drive", flag, bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains(bad) && stderr.contains(allowed),
            "{stderr}"
        );
    }
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .args(["drive", "--amplitude", "25"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("amplitude"));
}
