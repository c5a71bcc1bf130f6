//! `cargo bench --bench md_step`: steps/s of the CPU engine on the small and the paper-size system (and of
//! the GPU engine when an adapter exists). The same measurement as `nanodemon bench`, kept here so
//! `cargo bench` tracks it; results belong in BENCHMARKS.md with the command that produced them.

use nanodemon::bench::{bench, sized_scenario};
use nanodemon::engine::Backend;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let threads = nanodemon::engine::cpu::default_threads();
    let adapter =
        nanodemon::gpu::AdapterChoice::resolve(None).expect("NANODEMON_ADAPTER is an index");
    for (name, steps) in [
        ("small-refrigerator.json", 1000),
        ("paper-refrigerator.json", 100),
    ] {
        let sc = sized_scenario(&root.join(name), None).expect("shipped scenario");
        for backend in [Backend::Cpu, Backend::Gpu] {
            match bench(&sc, backend, steps, steps / 5, 1, threads, &adapter) {
                Ok(r) => println!(
                    "{name:<26} {:<40} {:>7} atoms {:>10.1} steps/s {:>10.3e} atom-steps/s {:>8.3} ns/day",
                    r.engine, r.atoms, r.steps_per_s, r.atom_steps_per_s, r.ns_per_day
                ),
                Err(e) => println!("{name:<26} {backend:?}: skipped ({e:#})"),
            }
        }
    }
}
