//! A scenario fuzzer kept as a test: a few hundred mutants of scenarios/small-heater.json (fixed seed) through
//! the loader, validation and the size estimate, and the small accepted ones through the system build and
//! CPU engine creation — never an MD step. Each must be accepted, or refused with a
//! message naming a scenario field; none may panic (a panic inside `catch_unwind` fails the test, and an
//! allocation abort would kill the test binary). The mutations are the ones that found 6 panics and 10 aborts
//! (issue 15): numbers set to 0, negated, huge, tiny or scaled; numbers as strings ("NaN", "inf"); null;
//! deleted and duplicated fields; values of the wrong type.

mod common;

use nanodemon::scenario::Scenario;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

const MUTANTS: usize = 400;
/// Accepted mutants are built (atoms allocated) and given a CPU engine (neighbour lists, thermostat chains,
/// forces) when the estimate says they are at most this big.
const BUILD_ATOMS: f64 = 20_000.0;

/// Every path to a value in `v`, as keys and array indices.
fn paths(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(Step::Index(i));
                out.push(here.clone());
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

fn get_mut<'a>(v: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(v, |v, s| match s {
        Step::Key(k) => &mut v[k.as_str()],
        Step::Index(i) => &mut v[*i],
    })
}

/// Replaces the value at `path` (or removes the field) by one of the mutation kinds.
fn mutate(v: &mut Value, path: &[Step], rng: &mut ChaCha8Rng) {
    let (parent, last) = path.split_at(path.len() - 1);
    if rng.random_bool(0.1) {
        match (&last[0], get_mut(v, parent)) {
            (Step::Key(k), Value::Object(m)) => {
                m.remove(k);
            }
            (Step::Index(i), Value::Array(a)) => {
                a.remove(*i);
            }
            _ => unreachable!("paths come from the value"),
        }
        return;
    }
    let target = get_mut(v, path);
    let x = target.as_f64().unwrap_or(1.0);
    let choices = [
        json!(0),
        json!(0.0),
        json!(-x),
        json!(-1),
        json!(1e300),
        json!(-1e300),
        json!(1e-300),
        json!(x * 2.0),
        json!(x * 0.5),
        json!(x * 10.0),
        json!(x * 1000.0),
        json!(x * 1e-3),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1_000_000_000u64),
        json!("NaN"),
        json!("inf"),
        json!("-Infinity"),
        json!("1e309"),
        json!(null),
        json!(true),
        json!([]),
        json!({}),
        json!([x, x]),
        json!("x"),
    ];
    *target = choices[rng.random_range(0..choices.len())].clone();
}

/// JSON text of `v` with the field at `dup` (an object key) written twice, which a `Value` cannot hold.
fn with_duplicate(v: &Value, dup: &[Step], here: &mut Vec<Step>) -> String {
    match v {
        Value::Object(m) => {
            let mut parts = Vec::new();
            for (k, x) in m {
                here.push(Step::Key(k.clone()));
                let field = format!("{}:{}", json!(k), with_duplicate(x, dup, here));
                if here.as_slice() == dup {
                    parts.push(field.clone());
                }
                parts.push(field);
                here.pop();
            }
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => {
            let items: Vec<String> = a
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    here.push(Step::Index(i));
                    let s = with_duplicate(x, dup, here);
                    here.pop();
                    s
                })
                .collect();
            format!("[{}]", items.join(","))
        }
        _ => v.to_string(),
    }
}

/// Dotted names of every field of the schema this scenario uses (`cold.thermostat.chain_length`) and their
/// last components, which a refusal must mention.
fn field_names(v: &Value) -> Vec<String> {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let mut names: Vec<String> = all
        .iter()
        .filter(|p| matches!(p.last(), Some(Step::Key(_))))
        .map(|p| {
            p.iter()
                .filter_map(|s| match s {
                    Step::Key(k) => Some(k.as_str()),
                    Step::Index(_) => None,
                })
                .collect::<Vec<_>>()
                .join(".")
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn mutated_scenarios_are_accepted_or_refused_naming_a_field() {
    let text = std::fs::read_to_string(common::scenario_path("small-heater.json")).unwrap();
    let base: Value = serde_json::from_str(&text).unwrap();
    let mut all = Vec::new();
    paths(&base, &mut Vec::new(), &mut all);
    let names = field_names(&base);
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let (mut accepted, mut refused, mut built) = (0, 0, 0);
    for m in 0..MUTANTS {
        let mut v = base.clone();
        let mut dup = None;
        let count = [1, 1, 1, 1, 1, 1, 2, 2, 2, 3][rng.random_range(0..10)];
        for _ in 0..count {
            let mut now = Vec::new();
            paths(&v, &mut Vec::new(), &mut now);
            if now.is_empty() {
                break;
            }
            let path = now[rng.random_range(0..now.len())].clone();
            if rng.random_bool(0.05) && matches!(path.last(), Some(Step::Key(_))) {
                dup = Some(path);
            } else {
                mutate(&mut v, &path, &mut rng);
            }
        }
        let mutant = match &dup {
            Some(d) => with_duplicate(&v, d, &mut Vec::new()),
            None => v.to_string(),
        };
        let outcome = std::panic::catch_unwind(|| {
            let sc = Scenario::from_json(&mutant)?;
            let est = sc.size_estimate();
            Ok::<_, anyhow::Error>((sc, est))
        });
        match outcome {
            Err(_) => panic!("mutant {m} panicked in validation: {mutant}"),
            Ok(Err(e)) => {
                let msg = format!("{e:#}");
                let last = |n: &str| n.rsplit('.').next().unwrap_or(n).to_string();
                assert!(
                    names
                        .iter()
                        .any(|n| n.contains('.') && msg.contains(n.as_str()))
                        || msg.contains("scenario field ")
                        || names.iter().any(|n| msg.contains(&format!("{n}:")))
                        || names
                            .iter()
                            .any(|n| msg.contains(&format!("`{}`", last(n)))),
                    "mutant {m} refused without naming a field: {msg}\n{mutant}"
                );
                refused += 1;
            }
            Ok(Ok((sc, est))) => {
                accepted += 1;
                assert!(
                    est.atoms.is_finite() && est.bytes.is_finite() && est.cells.is_finite(),
                    "mutant {m}: {est:?}"
                );
                if est.atoms <= BUILD_ATOMS {
                    match nanodemon::system::build_system(&sc) {
                        Ok(sys) => {
                            assert!(
                                sys.counts().total as f64 <= est.atoms,
                                "mutant {m}: built {} atoms, estimated at most {}",
                                sys.counts().total,
                                est.atoms
                            );
                            nanodemon::engine::cpu::CpuEngine::new(&sc, &sys, 1).unwrap_or_else(
                                |e| panic!("mutant {m}: engine refused a valid scenario: {e:#}"),
                            );
                            built += 1;
                        }
                        Err(e) => {
                            let msg = format!("{e:#}");
                            assert!(
                                names.iter().any(|n| msg.contains(n.as_str())),
                                "mutant {m}: build refused without naming a field: {msg}"
                            );
                        }
                    }
                }
            }
        }
    }
    eprintln!("{MUTANTS} mutants: {accepted} accepted ({built} built), {refused} refused");
    assert!(
        accepted > 20 && refused > 200,
        "the mutations no longer cover both outcomes"
    );
}
