//! Sweep files: a base scenario and the parameters to vary, expanded into one scenario per point.
//!
//! The points are the Cartesian product of every varied list, in the order κ_C, κ_H/κ_C, T_C, T_H, seed (the
//! last varies fastest), so replicas of one parameter set are neighbours in the manifest and the Slurm array.

use crate::engine::Backend;
use crate::scenario::Scenario;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;

/// A sweep file as written by the user.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// Free text, used in job names and scenario names.
    pub name: String,
    /// The scenario every point starts from: a path (relative to the sweep file) or an inline scenario object.
    pub base: Value,
    /// What changes from point to point; absent fields keep the base value.
    #[serde(default)]
    pub vary: Vary,
    pub slurm: SlurmSettings,
}

/// Each field is a list of numbers (`[0.17, 1, 4.8]`) or a range (`{"from": 0.1, "to": 10, "count": 13,
/// "spacing": "log"}`, spacing `linear` by default, both ends included).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vary {
    /// κ_H/κ_C, dimensionless; κ_H = ratio × κ_C of the point (seed 000 varies it over three decades).
    #[serde(default)]
    pub kappa_ratio: Option<Value>,
    /// κ_C, eV/Å².
    #[serde(default)]
    pub kappa_cold_ev_per_a2: Option<Value>,
    /// Cold bath temperature, K.
    #[serde(default)]
    pub cold_temperature_k: Option<Value>,
    /// Hot bath temperature, K.
    #[serde(default)]
    pub hot_temperature_k: Option<Value>,
    /// Replicas: one point per seed (a list of integers, or a count `n` meaning base seed, base seed + 1, …).
    #[serde(default)]
    pub seeds: Option<Value>,
}

/// What the generated batch script asks Slurm for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SlurmSettings {
    /// Simulated ns per wall-clock day of one point on one job's resources (measure it with `nanodemon
    /// bench`); sets the time limit. Give this or `measured_bench`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_ns_per_day: Option<f64>,
    /// A `nanodemon bench --json` output recorded on the cluster's machine (path relative to the sweep file):
    /// its ns/day, scaled by its atom count over the base scenario's (the cost per step grows linearly with
    /// the atoms), sets the time limit instead of `expected_ns_per_day`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measured_bench: Option<String>,
    /// The time limit is this factor times the expected run time (plus 10 minutes of start-up), ≥ 1.
    #[serde(default = "default_margin")]
    pub time_margin: f64,
    /// GPUs per array task (`--gres=gpu:N`); 0 for CPU-only clusters.
    #[serde(default = "default_gpus")]
    pub gpus_per_task: u32,
    #[serde(default)]
    pub cpus_per_task: Option<u32>,
    #[serde(default)]
    pub partition: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    /// At most this many array tasks at once (`--array=0-N%M`).
    #[serde(default)]
    pub max_parallel: Option<usize>,
    /// Backend each task asks for.
    #[serde(default = "default_backend")]
    pub backend: Backend,
    /// More `#SBATCH` lines, verbatim without the prefix (e.g. `"--qos=long"`).
    #[serde(default)]
    pub extra_directives: Vec<String>,
    /// Host memory per task, GB (`--mem`); absent: twice the base scenario's size estimate plus 2 GB for the
    /// GPU driver and runtime.
    #[serde(default)]
    pub mem_gb: Option<f64>,
    /// Seconds before the time limit at which Slurm warns the task (`--signal=B:USR1@N`); the script then has
    /// the run checkpoint and requeues the task.
    #[serde(default = "default_signal_lead")]
    pub signal_lead_s: u32,
    /// Shell lines run before nanodemon in every task, e.g. `"module load cuda"` or
    /// `"export VK_ICD_FILENAMES=/usr/share/vulkan/icd.d/nvidia_icd.json"`; a failing line fails the task.
    #[serde(default)]
    pub setup: Vec<String>,
}

fn default_signal_lead() -> u32 {
    300
}

fn default_margin() -> f64 {
    1.5
}
fn default_gpus() -> u32 {
    1
}
fn default_backend() -> Backend {
    Backend::Auto
}

/// The parameters that make one point, in the units of the scenario fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PointParams {
    /// κ_H/κ_C; absent when κ_C = 0.
    pub kappa_ratio: Option<f64>,
    pub kappa_cold_ev_per_a2: f64,
    pub kappa_hot_ev_per_a2: f64,
    pub cold_temperature_k: f64,
    pub hot_temperature_k: f64,
    pub seed: u64,
}

impl PointParams {
    /// The base scenario with this point's parameters applied, validated (stability of the coupling included).
    pub fn scenario(&self, base: &Scenario, sweep_name: &str) -> Result<Scenario> {
        let mut sc = base.clone();
        sc.name = format!("{sweep_name}: {}", self.label());
        sc.seed = self.seed;
        sc.controller.kappa_cold_ev_per_a2 = self.kappa_cold_ev_per_a2;
        sc.controller.kappa_hot_ev_per_a2 = self.kappa_hot_ev_per_a2;
        sc.cold.temperature_k = self.cold_temperature_k;
        sc.hot.temperature_k = self.hot_temperature_k;
        sc.validate()?;
        Ok(sc)
    }

    /// One line naming the point, for logs and scenario names.
    pub fn label(&self) -> String {
        let ratio = self
            .kappa_ratio
            .map_or_else(|| "-".to_string(), |r| format!("{r}"));
        format!(
            "kH/kC={ratio} kC={} eV/A2 TC={} K TH={} K seed={}",
            self.kappa_cold_ev_per_a2, self.cold_temperature_k, self.hot_temperature_k, self.seed
        )
    }
}

/// A parsed sweep: the base scenario resolved and every point's parameters.
#[derive(Clone, Debug)]
pub struct Sweep {
    pub file: SweepFile,
    pub base: Scenario,
    pub points: Vec<PointParams>,
}

impl Sweep {
    /// Reads, validates and expands a sweep file.
    pub fn load(path: &Path) -> Result<Sweep> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading sweep file {}", path.display()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        Sweep::from_json(&text, dir).with_context(|| format!("sweep file {}", path.display()))
    }

    /// Parses a sweep; a `base` path is resolved against `dir`.
    pub fn from_json(text: &str, dir: &Path) -> Result<Sweep> {
        let file: SweepFile = serde_json::from_str(text).map_err(|e| {
            anyhow::anyhow!(
                "malformed sweep JSON at line {} column {}: {}",
                e.line(),
                e.column(),
                e
            )
        })?;
        let base = match &file.base {
            Value::String(p) => Scenario::load(&dir.join(p)).context("base")?,
            Value::Object(_) => Scenario::from_json(&file.base.to_string()).context("base (inline scenario)")?,
            other => bail!("base = {other}: give a scenario file path (relative to the sweep file) or an inline scenario object"),
        };
        if file.name.trim().is_empty() {
            bail!("name is empty: give the sweep a name (it names the Slurm job)");
        }
        validate_slurm(&file.slurm)?;
        let points = expand(&file.vary, &base)?;
        for (i, p) in points.iter().enumerate() {
            p.scenario(&base, &file.name)
                .with_context(|| format!("point {i} ({}) is not a valid scenario", p.label()))?;
        }
        Ok(Sweep { file, base, points })
    }
}

fn validate_slurm(s: &SlurmSettings) -> Result<()> {
    match (s.expected_ns_per_day, &s.measured_bench) {
        (Some(v), None) if !(v.is_finite() && v > 0.0) => bail!(
            "slurm.expected_ns_per_day = {v}: must be a positive number of simulated ns per day; measure it with \
             `nanodemon bench --atoms N` on the cluster's GPU"
        ),
        (None, None) => bail!(
            "slurm.expected_ns_per_day: give the expected speed (simulated ns per day), or slurm.measured_bench: a \
             `nanodemon bench --json` output recorded on the cluster's machine"
        ),
        (Some(_), Some(_)) => bail!(
            "slurm.expected_ns_per_day and slurm.measured_bench both set the time limit; give one of them"
        ),
        _ => {}
    }
    if !(s.time_margin.is_finite() && s.time_margin >= 1.0) {
        bail!(
            "slurm.time_margin = {}: must be ≥ 1 (the time limit is margin × expected run time)",
            s.time_margin
        );
    }
    if s.max_parallel == Some(0) {
        bail!("slurm.max_parallel = 0: leave it out for no limit, or give at least 1");
    }
    if s.cpus_per_task == Some(0) {
        bail!("slurm.cpus_per_task = 0: leave it out for the cluster default, or give at least 1");
    }
    for d in &s.extra_directives {
        if d.contains('\n') {
            bail!(
                "slurm.extra_directives: {d:?} spans several lines; give one directive per entry"
            );
        }
    }
    for (i, line) in s.setup.iter().enumerate() {
        if line.contains('\n') {
            bail!("slurm.setup[{i}]: {line:?} spans several lines; give one command per entry");
        }
    }
    if let Some(m) = s.mem_gb {
        if !(m.is_finite() && m > 0.0) {
            bail!("slurm.mem_gb = {m}: give the host memory per task in GB (e.g. 8), or leave it out for an estimate");
        }
    }
    if s.signal_lead_s < 30 {
        bail!(
            "slurm.signal_lead_s = {}: leave the run at least 30 s (300 by default) to reach a checkpoint before \
             the time limit",
            s.signal_lead_s
        );
    }
    Ok(())
}

/// The values of one varied field, or the base value alone.
fn values(field: &str, v: Option<&Value>, base: f64) -> Result<Vec<f64>> {
    let Some(v) = v else { return Ok(vec![base]) };
    let hint = "give a list of numbers like [0.17, 1, 4.8] or a range like {\"from\": 0.1, \"to\": 10, \"count\": 13, \"spacing\": \"log\"}";
    let out = match v {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_f64()
                    .with_context(|| format!("vary.{field}[{i}] = {x} is not a number; {hint}"))
            })
            .collect::<Result<Vec<f64>>>()?,
        Value::Object(m) => {
            for k in m.keys() {
                if !["from", "to", "count", "spacing"].contains(&k.as_str()) {
                    bail!("vary.{field}: unknown range key `{k}`; {hint}");
                }
            }
            let num = |k: &str| {
                m.get(k)
                    .and_then(Value::as_f64)
                    .with_context(|| format!("vary.{field}.{k} is missing or not a number; {hint}"))
            };
            let (from, to) = (num("from")?, num("to")?);
            let count = m
                .get("count")
                .and_then(Value::as_u64)
                .filter(|&c| c >= 1)
                .with_context(|| format!("vary.{field}.count must be a whole number ≥ 1; {hint}"))?
                as usize;
            let log = match m.get("spacing").map(|s| s.as_str()) {
                None | Some(Some("linear")) => false,
                Some(Some("log")) => true,
                Some(_) => bail!("vary.{field}.spacing must be \"linear\" or \"log\""),
            };
            if log && !(from > 0.0 && to > 0.0) {
                bail!("vary.{field}: a log range needs from > 0 and to > 0 (got {from}, {to}); use linear spacing");
            }
            (0..count)
                .map(|i| {
                    let f = if count == 1 {
                        0.0
                    } else {
                        i as f64 / (count - 1) as f64
                    };
                    if log {
                        (from.ln() + f * (to.ln() - from.ln())).exp()
                    } else {
                        from + f * (to - from)
                    }
                })
                .collect()
        }
        other => bail!("vary.{field} = {other}: {hint}"),
    };
    if out.is_empty() {
        bail!("vary.{field} is an empty list; leave the field out to keep the base value");
    }
    if let Some(x) = out.iter().find(|x| !x.is_finite()) {
        bail!("vary.{field} holds {x}; every value must be finite");
    }
    Ok(out)
}

fn seeds(v: Option<&Value>, base: u64) -> Result<Vec<u64>> {
    let hint = "give a list of integers like [1, 2, 3] or a replica count like 3";
    let out = match v {
        None => vec![base],
        Some(Value::Number(n)) => {
            let n = n
                .as_u64()
                .filter(|&n| n >= 1)
                .with_context(|| format!("vary.seeds = {n}: {hint}"))?;
            (0..n).map(|i| base.wrapping_add(i)).collect()
        }
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_u64().with_context(|| {
                    format!("vary.seeds[{i}] = {x} is not a non-negative integer; {hint}")
                })
            })
            .collect::<Result<Vec<u64>>>()?,
        Some(other) => bail!("vary.seeds = {other}: {hint}"),
    };
    if out.is_empty() {
        bail!("vary.seeds is an empty list; leave it out to use the base seed");
    }
    let mut sorted = out.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        bail!("vary.seeds repeats a seed; replicas with the same seed are the same trajectory");
    }
    Ok(out)
}

fn expand(vary: &Vary, base: &Scenario) -> Result<Vec<PointParams>> {
    let c = &base.controller;
    let kcs = values(
        "kappa_cold_ev_per_a2",
        vary.kappa_cold_ev_per_a2.as_ref(),
        c.kappa_cold_ev_per_a2,
    )?;
    let ratios = match &vary.kappa_ratio {
        Some(v) => Some(values("kappa_ratio", Some(v), 0.0)?),
        None => None,
    };
    let tcs = values(
        "cold_temperature_k",
        vary.cold_temperature_k.as_ref(),
        base.cold.temperature_k,
    )?;
    let ths = values(
        "hot_temperature_k",
        vary.hot_temperature_k.as_ref(),
        base.hot.temperature_k,
    )?;
    let seeds = seeds(vary.seeds.as_ref(), base.seed)?;
    let mut points = Vec::new();
    for &kc in &kcs {
        // κ_H per point: from the ratio when it is varied, else the base κ_H.
        let khs: Vec<(Option<f64>, f64)> = match &ratios {
            Some(rs) => {
                if kc == 0.0 {
                    bail!("vary.kappa_ratio needs κ_C ≠ 0, but κ_C = 0 (base or vary.kappa_cold_ev_per_a2); vary κ_H through κ_C ≠ 0");
                }
                rs.iter().map(|&r| (Some(r), r * kc)).collect()
            }
            None => {
                let kh = c.kappa_hot_ev_per_a2;
                vec![((kc != 0.0).then(|| kh / kc), kh)]
            }
        };
        for &(ratio, kh) in &khs {
            for &tc in &tcs {
                for &th in &ths {
                    for &seed in &seeds {
                        points.push(PointParams {
                            kappa_ratio: ratio,
                            kappa_cold_ev_per_a2: kc,
                            kappa_hot_ev_per_a2: kh,
                            cold_temperature_k: tc,
                            hot_temperature_k: th,
                            seed,
                        });
                    }
                }
            }
        }
    }
    for (i, a) in points.iter().enumerate() {
        if let Some(j) = points[..i].iter().position(|b| b == a) {
            bail!(
                "points {j} and {i} are identical ({}); remove the repeated value from vary",
                a.label()
            );
        }
    }
    Ok(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base_json() -> Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/small-refrigerator.json");
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    }

    fn sweep(vary: Value) -> Result<Sweep> {
        let v = serde_json::json!({"name": "t", "base": base_json(), "vary": vary,
                                   "slurm": {"expected_ns_per_day": 10.0}});
        Sweep::from_json(&v.to_string(), Path::new("."))
    }

    #[test]
    fn product_of_lists_and_ranges_with_seeds_fastest() {
        let s = sweep(serde_json::json!({"kappa_ratio": {"from": 0.1, "to": 10.0, "count": 3, "spacing": "log"},
                                         "seeds": 2}))
        .unwrap();
        assert_eq!(s.points.len(), 6);
        let r: Vec<f64> = s.points.iter().map(|p| p.kappa_ratio.unwrap()).collect();
        assert!(
            (r[0] - 0.1).abs() < 1e-12 && (r[2] - 1.0).abs() < 1e-12 && (r[4] - 10.0).abs() < 1e-9
        );
        assert_eq!(s.points[0].seed + 1, s.points[1].seed);
        let kc = s.base.controller.kappa_cold_ev_per_a2;
        assert!((s.points[5].kappa_hot_ev_per_a2 - r[5] * kc).abs() < 1e-15);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (
                serde_json::json!({"kappa_ratio": []}),
                "vary.kappa_ratio is an empty list",
            ),
            (
                serde_json::json!({"kappa_ratio": ["a"]}),
                "vary.kappa_ratio[0]",
            ),
            (
                serde_json::json!({"cold_temperature_k": {"from": 0, "to": 1, "count": 2, "spacing": "log"}}),
                "log range",
            ),
            (
                serde_json::json!({"hot_temperature_k": {"from": 1, "to": 2}}),
                "vary.hot_temperature_k.count",
            ),
            (serde_json::json!({"seeds": [1, 1]}), "repeats a seed"),
            (serde_json::json!({"kappa_ratio": [-5.0]}), "unstable"),
            (
                serde_json::json!({"cold_temperature_k": [-1.0]}),
                "cold.temperature_k",
            ),
            (
                serde_json::json!({"kapa_ratio": [1.0]}),
                "unknown field `kapa_ratio`",
            ),
        ];
        for (vary, needle) in cases {
            let e = format!("{:#}", sweep(vary).unwrap_err());
            assert!(e.contains(needle), "expected {needle:?} in {e}");
        }
    }
}
