//! The batched GPU engine (R replicas in the same dispatches) against single runs of the same scenarios on
//! the same engine (lavapipe in CI): every observation and every state of a replica must equal, bit for bit,
//! those of the single run of its scenario, whatever the other replicas do (different seeds, κ values, bath
//! temperatures, chain lengths and an oscillating bath; some replicas frozen while others move; one restored
//! from a checkpoint state mid-run; ledger folds at different steps).

mod common;

use common::scenario;
use nanodemon::engine::batch::BatchEngine;
use nanodemon::engine::gpu::GpuEngine;
use nanodemon::engine::{Engine, State};
use nanodemon::gpu::GpuContext;
use nanodemon::scenario::Scenario;
use nanodemon::system::{build_system, System};

/// Three scenarios that may share a batch: the small heater with other seeds, κ_H, bath temperatures, a
/// shorter cold chain, an unthermostatted (NVE) cold bath, drag forces and an oscillating hot bath.
fn replica_scenarios() -> Vec<Scenario> {
    vec![
        scenario("small-heater.json", |_| {}),
        scenario("small-heater.json", |v| {
            v["seed"] = 7.into();
            v["controller"]["kappa_hot_ev_per_a2"] = 0.05.into();
            v["cold"]["temperature_k"] = 90.0.into();
            v["cold"]["thermostat"]["chain_length"] = 2.into();
        }),
        scenario("small-heater.json", |v| {
            v["seed"] = 11.into();
            v["cold"]["thermostat"] = serde_json::Value::Null;
            v["controller"]["drag"] =
                serde_json::json!({"particle": "hot", "force_ev_per_a": [0.0, -0.002, 0.001]});
            v["hot"]["temperature_k"] = 150.0.into();
            v["hot"]["oscillation"]["amplitude_k"] = 20.0.into();
            v["hot"]["oscillation"]["period_ps"] = 0.37.into();
        }),
    ]
}

fn engines(scs: &[Scenario], test: &str) -> Option<(GpuEngine, Vec<GpuEngine>)> {
    let ctx = GpuContext::for_test(test)?;
    let systems: Vec<System> = scs.iter().map(|sc| build_system(sc).unwrap()).collect();
    let singles = scs
        .iter()
        .zip(&systems)
        .map(|(sc, sys)| GpuEngine::new(sc, sys, ctx.clone()).unwrap())
        .collect();
    let batch = GpuEngine::with_replicas(
        &scs.iter().collect::<Vec<_>>(),
        &systems.iter().collect::<Vec<_>>(),
        ctx,
    )
    .unwrap();
    Some((batch, singles))
}

fn assert_same_state(what: &str, a: &State, b: &State) {
    assert_eq!(a.step, b.step, "{what}: step");
    assert!(a.positions == b.positions, "{what}: positions differ");
    assert!(a.velocities == b.velocities, "{what}: velocities differ");
    assert_eq!(
        serde_json::to_string(&a.bodies).unwrap(),
        serde_json::to_string(&b.bodies).unwrap(),
        "{what}: bodies"
    );
    assert_eq!(
        serde_json::to_string(&a.chains).unwrap(),
        serde_json::to_string(&b.chains).unwrap(),
        "{what}: chains"
    );
    assert_eq!(
        serde_json::to_string(&a.accumulators).unwrap(),
        serde_json::to_string(&b.accumulators).unwrap(),
        "{what}: ledger"
    );
}

/// Advances the replicas named in `which` by `steps` in the batch, and each of their single runs alike; then
/// every replica's observation must equal its single run's exactly.
fn step_and_compare(batch: &mut GpuEngine, singles: &mut [GpuEngine], which: &[usize], steps: u64) {
    let active: Vec<bool> = (0..singles.len()).map(|r| which.contains(&r)).collect();
    BatchEngine::advance(batch, &active, steps).unwrap();
    for &r in which {
        Engine::advance(&mut singles[r], steps).unwrap();
    }
    for (r, single) in singles.iter_mut().enumerate() {
        let (b, s) = (
            BatchEngine::observe(batch, r).unwrap(),
            Engine::observe(single).unwrap(),
        );
        assert!(
            b == s,
            "replica {r} at step {} differs from its single run:\nbatch  {b:?}\nsingle {s:?}",
            s.step
        );
    }
}

#[test]
fn batched_replicas_follow_their_single_runs_bit_for_bit() {
    let scs = replica_scenarios();
    let test = "batched_replicas_follow_their_single_runs_bit_for_bit";
    let Some((mut batch, mut singles)) = engines(&scs, test) else {
        return;
    };
    assert_eq!(BatchEngine::replicas(&batch), 3);
    // All together past several list rebuilds; then a subset while replica 1 is frozen, and replica 1 alone
    // to catch up; the ledger zeroed on one replica only; a checkpoint cycle (state, restore) on replica 1
    // alone; then all together across the 1000-step fold of the f32 ledger.
    step_and_compare(&mut batch, &mut singles, &[0, 1, 2], 300);
    step_and_compare(&mut batch, &mut singles, &[0, 2], 250);
    step_and_compare(&mut batch, &mut singles, &[1], 250);
    BatchEngine::zero_ledger(&mut batch, 2).unwrap();
    Engine::zero_ledger(&mut singles[2]).unwrap();
    let (b1, s1) = (
        BatchEngine::state(&mut batch, 1).unwrap(),
        Engine::state(&mut singles[1]).unwrap(),
    );
    assert_same_state("replica 1 at its checkpoint", &b1, &s1);
    BatchEngine::restore(&mut batch, 1, &b1).unwrap();
    Engine::restore(&mut singles[1], &s1).unwrap();
    step_and_compare(&mut batch, &mut singles, &[0, 1, 2], 520);
    for (r, single) in singles.iter_mut().enumerate() {
        let (b, s) = (
            BatchEngine::state(&mut batch, r).unwrap(),
            Engine::state(single).unwrap(),
        );
        assert_same_state(&format!("replica {r} at the end"), &b, &s);
    }
    let builds = batch.list_builds(0).unwrap();
    assert!(
        builds > 1,
        "the test must cross neighbour-list rebuilds (replica 0 built {builds} times)"
    );
}

/// A replica restored from another replica's start state follows that replica's single run (the
/// parameters stay the restored replica's own: this checks that only the state moved, not the replica's
/// κ and temperatures), and restoring one replica leaves the others untouched.
#[test]
fn restoring_one_replica_leaves_the_others_untouched() {
    let scs = replica_scenarios();
    let test = "restoring_one_replica_leaves_the_others_untouched";
    let Some((mut batch, mut singles)) = engines(&scs, test) else {
        return;
    };
    step_and_compare(&mut batch, &mut singles, &[0, 1, 2], 120);
    let before: Vec<State> = (0..3)
        .map(|r| BatchEngine::state(&mut batch, r).unwrap())
        .collect();
    for (r, (st, single)) in before.iter().zip(singles.iter_mut()).enumerate() {
        BatchEngine::restore(&mut batch, r, st).unwrap();
        Engine::restore(single, st).unwrap();
    }
    // A restore re-places body atoms from the body's centre and orientation, so the reference is the state
    // just after the restores.
    let after: Vec<State> = (0..3)
        .map(|r| BatchEngine::state(&mut batch, r).unwrap())
        .collect();
    BatchEngine::restore(&mut batch, 0, &before[0]).unwrap();
    for (r, want) in after.iter().enumerate().skip(1) {
        assert_same_state(
            &format!("replica {r} after replica 0 was restored"),
            &BatchEngine::state(&mut batch, r).unwrap(),
            want,
        );
    }
    step_and_compare(&mut batch, &mut singles, &[0, 1, 2], 150);
}

/// Scenarios that cannot share compiled kernels are refused with the constant that differs.
#[test]
fn replicas_that_differ_in_geometry_are_refused_by_name() {
    let test = "replicas_that_differ_in_geometry_are_refused_by_name";
    let Some(ctx) = GpuContext::for_test(test) else {
        return;
    };
    let a = scenario("small-heater.json", |_| {});
    let b = scenario("small-heater.json", |v| {
        v["run"]["timestep_fs"] = 2.0.into();
    });
    let c = scenario("small-heater.json", |v| {
        v["hot"]["argon_atoms"] = 900.into();
    });
    let (sa, sb, sc) = (
        build_system(&a).unwrap(),
        build_system(&b).unwrap(),
        build_system(&c).unwrap(),
    );
    let err = GpuEngine::with_replicas(&[&a, &b], &[&sa, &sb], ctx.clone())
        .err()
        .expect("different timesteps must be refused");
    let msg = format!("{err:#}");
    assert!(msg.contains("`DT`") && msg.contains("replica 1"), "{msg}");
    let err = GpuEngine::with_replicas(&[&a, &c], &[&sa, &sc], ctx)
        .err()
        .expect("different atom counts must be refused");
    assert!(format!("{err:#}").contains("atom counts"), "{err:#}");
}
