//! A run directory: `heat.csv` (columns read by header name, SPEC.md contract) and `run.json`
//! (at least `"scenario": {...}`). Also writes Langevin-model runs in the same shape, so every
//! analysis and figure can be exercised on the model as well as on MD.

use crate::scenario::{Axis, Scenario};
use crate::theory::demon_pair::DemonPair;
use crate::theory::langevin::{self, Sample};
use anyhow::{bail, Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The columns of heat.csv that SPEC.md requires, in order.
pub const REQUIRED_COLUMNS: [&str; 19] = [
    "time_ps",
    "q_cold_ev",
    "q_hot_ev",
    "thermostat_cold_ev",
    "thermostat_hot_ev",
    "e_bath_cold_ev",
    "e_bath_hot_ev",
    "w_cold_ev",
    "w_hot_ev",
    "x_cold_a",
    "y_cold_a",
    "z_cold_a",
    "x_hot_a",
    "y_hot_a",
    "z_hot_a",
    "vx_cold_a_ps",
    "vx_hot_a_ps",
    "temp_cold_k",
    "temp_hot_k",
];

/// heat.csv held column by column.
#[derive(Clone, Debug)]
pub struct HeatTable {
    pub names: Vec<String>,
    columns: Vec<Vec<f64>>,
}

impl HeatTable {
    pub fn parse(text: &str, origin: &str) -> Result<HeatTable> {
        Self::parse_columns(text, origin, &REQUIRED_COLUMNS, "SPEC.md heat.csv contract")
    }

    /// A CSV of the heat.csv kind (header, then numbers) with its own `required` columns, e.g.
    /// com.csv; `contract` names where they are required, for the error message.
    pub fn parse_columns(
        text: &str,
        origin: &str,
        required: &[&str],
        contract: &str,
    ) -> Result<HeatTable> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty());
        let (_, header) = lines
            .next()
            .with_context(|| format!("{origin} is empty; expected a header row"))?;
        let names: Vec<String> = header.split(',').map(|s| s.trim().to_string()).collect();
        for column in required {
            if !names.iter().any(|n| n == column) {
                bail!("{origin}: missing column {column:?} ({contract}); header is {header:?}");
            }
        }
        let mut columns = vec![Vec::new(); names.len()];
        for (lineno, line) in lines {
            let fields: Vec<&str> = line.split(',').collect();
            if fields.len() < names.len() {
                bail!(
                    "{origin} line {}: {} fields, header has {}",
                    lineno + 1,
                    fields.len(),
                    names.len()
                );
            }
            for (c, f) in columns.iter_mut().zip(&fields) {
                let v: f64 = f.trim().parse().with_context(|| {
                    format!("{origin} line {}: {:?} is not a number", lineno + 1, f)
                })?;
                if !v.is_finite() {
                    bail!("{origin} line {}: non-finite value {v}", lineno + 1);
                }
                c.push(v);
            }
        }
        if columns[0].len() < 8 {
            bail!(
                "{origin}: {} data rows; the analysis needs at least 8 samples",
                columns[0].len()
            );
        }
        Ok(HeatTable { names, columns })
    }

    pub fn len(&self) -> usize {
        self.columns[0].len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn column(&self, name: &str) -> Result<&[f64]> {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .with_context(|| format!("heat.csv has no column {name:?}"))?;
        Ok(&self.columns[i])
    }
}

/// A loaded run directory.
#[derive(Clone, Debug)]
pub struct RunDir {
    pub dir: PathBuf,
    pub scenario: Scenario,
    pub heat: HeatTable,
    /// The whole run.json, for provenance fields other writers add.
    pub run_json: serde_json::Value,
}

impl RunDir {
    pub fn load(dir: &Path) -> Result<RunDir> {
        let run_path = dir.join("run.json");
        let text = std::fs::read_to_string(&run_path)
            .with_context(|| format!("reading {}", run_path.display()))?;
        let run_json: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("{} is not valid JSON", run_path.display()))?;
        let sc = run_json
            .get("scenario")
            .with_context(|| format!("{} has no \"scenario\" object", run_path.display()))?;
        let scenario: Scenario = serde_json::from_value(sc.clone()).with_context(|| {
            format!(
                "the \"scenario\" of {} does not match the scenario schema",
                run_path.display()
            )
        })?;
        scenario
            .validate()
            .with_context(|| format!("scenario in {}", run_path.display()))?;
        let heat_path = dir.join("heat.csv");
        let csv = std::fs::read_to_string(&heat_path)
            .with_context(|| format!("reading {}", heat_path.display()))?;
        let heat = HeatTable::parse(&csv, &heat_path.display().to_string())?;
        Ok(RunDir {
            dir: dir.to_path_buf(),
            scenario,
            heat,
            run_json,
        })
    }

    /// Interval between samples, ps (from the time column, which must be uniform).
    pub fn sample_interval_ps(&self) -> Result<f64> {
        let t = self.heat.column("time_ps")?;
        let dt = (t[t.len() - 1] - t[0]) / (t.len() - 1) as f64;
        if dt.is_nan()
            || dt <= 0.0
            || t.windows(2)
                .any(|w| ((w[1] - w[0]) - dt).abs() > 1e-6 * dt.max(1.0))
        {
            bail!("heat.csv time_ps is not uniformly increasing; the analysis needs a fixed sampling interval");
        }
        Ok(dt)
    }
}

fn axis_name(a: Axis) -> &'static str {
    match a {
        Axis::X => "x",
        Axis::Y => "y",
        Axis::Z => "z",
    }
}

/// Writes a run directory of the Langevin model for `scenario` (sample interval, production length
/// and temperatures from it; one independent trajectory per Cartesian axis, the demon acting on the
/// scenario's demon axes and only the trap on the others). Bath-energy columns are zero and the
/// thermostat heat equals the Sekimoto heat: the model has no bath atoms.
pub fn write_langevin_run(
    dir: &Path,
    scenario: &Scenario,
    model: &DemonPair,
    dt_ps: f64,
    seed: u64,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let settings = langevin::Settings {
        dt_ps,
        equilibration_ps: scenario.run.equilibration_ps,
        production_ps: scenario.run.production_ps,
        sample_interval_ps: scenario.run.sample_interval_ps,
        trajectories: 1,
        threads: 1,
        seed,
    };
    let axes = [Axis::X, Axis::Y, Axis::Z];
    let per_axis: Vec<Vec<Sample>> = std::thread::scope(|scope| {
        let handles: Vec<_> = axes
            .iter()
            .enumerate()
            .map(|(i, &a)| {
                let m = if scenario.controller.demon_axes.contains(&a) {
                    *model
                } else {
                    DemonPair {
                        kappa_cold_ev_per_a2: 0.0,
                        kappa_hot_ev_per_a2: 0.0,
                        ..*model
                    }
                };
                let s = langevin::Settings {
                    seed: seed.wrapping_add(i as u64),
                    ..settings
                };
                scope.spawn(move || langevin::simulate(&m, &s).map(|mut t| t.remove(0).samples))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("Langevin thread panicked"))
            .collect::<Result<Vec<_>>>()
    })?;
    let path = dir.join("heat.csv");
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
    );
    writeln!(f, "{}", REQUIRED_COLUMNS.join(","))?;
    for r in 0..per_axis[0].len() {
        let s: Vec<&Sample> = per_axis.iter().map(|a| &a[r]).collect();
        let q = |p: usize| s.iter().map(|x| x.heat_ev[p]).sum::<f64>();
        let w = |p: usize| s.iter().map(|x| x.work_ev[p]).sum::<f64>();
        writeln!(
            f,
            "{},{},{},{},{},0,0,{},{},{},{},{},{},{},{},{},{},{},{}",
            s[0].time_ps,
            q(0),
            q(1),
            q(0),
            q(1),
            w(0),
            w(1),
            s[0].x[0],
            s[1].x[0],
            s[2].x[0],
            s[0].x[1],
            s[1].x[1],
            s[2].x[1],
            s[0].v[0],
            s[0].v[1],
            model.t_cold_k,
            model.t_hot_k
        )?;
    }
    f.flush()?;
    let run = serde_json::json!({
        "scenario": scenario,
        "backend": "langevin",
        "langevin": {"dt_ps": dt_ps, "seed": seed, "model": model,
                      "axes": axes.iter().map(|&a| axis_name(a)).collect::<Vec<_>>()},
    });
    std::fs::write(dir.join("run.json"), serde_json::to_string_pretty(&run)?)
        .with_context(|| format!("writing {}/run.json", dir.display()))?;
    Ok(())
}

/// [`write_langevin_run`] for the scenario's own κ_H into `dir` (no ratios), or for each κ_H/κ_C into
/// `dir/kappa_ratio_R` (a sweep directory for `nanodemon analyze`). Returns the run directories.
pub fn write_langevin_runs(
    dir: &Path,
    scenario: &Scenario,
    model: &DemonPair,
    ratios: &[f64],
    dt_ps: f64,
) -> Result<Vec<PathBuf>> {
    if ratios.is_empty() {
        write_langevin_run(dir, scenario, model, dt_ps, scenario.seed)?;
        return Ok(vec![dir.to_path_buf()]);
    }
    ratios
        .iter()
        .enumerate()
        .map(|(i, &r)| {
            let mut sc = scenario.clone();
            sc.controller.kappa_hot_ev_per_a2 = r * scenario.controller.kappa_cold_ev_per_a2;
            sc.name = format!("{} κ_H/κ_C={r}", scenario.name);
            let m = model.with_kappa_hot(sc.controller.kappa_hot_ev_per_a2);
            let sub = dir.join(format!("kappa_ratio_{r}"));
            write_langevin_run(
                &sub,
                &sc,
                &m,
                dt_ps,
                scenario.seed.wrapping_add(1000 * i as u64),
            )?;
            Ok(sub)
        })
        .collect()
}
