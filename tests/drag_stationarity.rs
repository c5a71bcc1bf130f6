//! `analyze` on the committed drag run reports whether the pulled particle's velocity is stationary
//! (issue 11): the velocity trend with its error, γ from the second half, and the systematic error.

#[test]
fn drag_run_reports_its_velocity_trend_and_a_systematic_error() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nanodemon"))
        .arg("analyze")
        .arg(root.join("docs/runs/paper-drag"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let est = v["analysis"]["friction_estimates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["method"].as_str().unwrap().starts_with("drag"))
        .expect("a drag estimate");
    let st = &est["stationarity"];
    let whole = est["gamma_kg_per_s"]["value"].as_f64().unwrap();
    let late = st["gamma_second_half_kg_per_s"]["value"].as_f64().unwrap();
    let late_err = st["gamma_second_half_kg_per_s"]["error"].as_f64().unwrap();
    assert!(st["velocity_trend_error"].as_f64().unwrap() > 0.0);
    assert!(late_err > 0.0 && late > 0.0);
    let sys = st["systematic_kg_per_s"].as_f64().unwrap();
    assert!((sys - (whole - late).abs()).abs() < 1e-6 * whole);
    let z = st["velocity_trend_z"].as_f64().unwrap();
    let trend = st["velocity_trend_a_per_ps2"].as_f64().unwrap();
    let err = st["velocity_trend_error"].as_f64().unwrap();
    assert!((z - trend / err).abs() < 1e-9 * z.abs().max(1.0));
}
