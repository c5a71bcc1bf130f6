//! `observe` is a pure query on the GPU engine: observing every few steps or only at the samples gives the
//! same observations and the same state, bit for bit (lavapipe in CI). The binary-level counterpart, a GPU
//! run killed and resumed with progress lines on, is in tests/cli_run.rs.

mod common;

use common::scenario;
use nanodemon::engine::gpu::GpuEngine;
use nanodemon::engine::Engine;
use nanodemon::gpu::GpuContext;
use nanodemon::system::build_system;

/// Two engines from one start (placed at step 900 so the run crosses the engine's fixed fold point at step
/// 1000), advanced one step at a time alike; one is observed after every step, the other only every 50
/// steps. Before observe became pure, each extra observe folded and zeroed the GPU's f32 ledger increments,
/// so the ledger columns differed in the last bits.
#[test]
fn gpu_observations_do_not_depend_on_how_often_it_is_observed() {
    let test = "gpu_observations_do_not_depend_on_how_often_it_is_observed";
    let sc = scenario("small-refrigerator.json", |_| {});
    let (Some(ca), Some(cb)) = (GpuContext::for_test(test), GpuContext::for_test(test)) else {
        return;
    };
    let sys = build_system(&sc).unwrap();
    let mut often = GpuEngine::new(&sc, &sys, ca).unwrap();
    let mut rarely = GpuEngine::new(&sc, &sys, cb).unwrap();
    let mut start = often.state().unwrap();
    start.step = 900;
    for e in [&mut often, &mut rarely] {
        e.restore(&start).unwrap();
        e.zero_ledger().unwrap();
    }
    let mut compared = 0;
    for step in 1..=200 {
        often.advance(1).unwrap();
        rarely.advance(1).unwrap();
        let o = often.observe().unwrap();
        if step % 50 == 0 {
            assert_eq!(
                o,
                rarely.observe().unwrap(),
                "observations differ at step {}",
                o.step
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4);
    assert_eq!(often.state().unwrap(), rarely.state().unwrap());
}
