//! The host–WGSL contract of the ensemble executor, checked at test time: the uniform `Params` struct
//! field by field (names, order, types, byte offsets, size), and the constants both sides hard-code
//! (sums per record, trajectories per workgroup). A change to one side alone fails here.

use super::{Params, SUMS, WORKGROUP};
use crate::gpu::layout::check_struct;

const SHADER: &str = include_str!("../../../shaders/ensemble_langevin.wgsl");

/// The value of `const NAME: u32 = <v>u;` in the shader.
fn shader_const(name: &str) -> usize {
    let head = format!("const {name}: u32 = ");
    let from = SHADER
        .find(&head)
        .unwrap_or_else(|| panic!("ensemble_langevin.wgsl declares no {head}"))
        + head.len();
    let lit = &SHADER[from..from + SHADER[from..].find(';').expect("constant ends")];
    lit.trim_end_matches('u')
        .parse()
        .unwrap_or_else(|_| panic!("{name} = {lit} is not a u32 literal"))
}

#[test]
fn params_struct_matches_the_shader() {
    check_struct(
        SHADER,
        "Params",
        Params::FIELDS,
        std::mem::size_of::<Params>(),
        true,
    )
    .unwrap_or_else(|e| panic!("ensemble_langevin.wgsl vs src/ensemble/gpu.rs: {e}"));
}

/// The partials rows hold SUMS values per workgroup of WORKGROUP trajectories; the shader's reduction and
/// its `advance` entry point must agree, or the host reads shifted rows and mixes batches.
#[test]
fn sums_and_workgroup_size_match_the_shader() {
    assert_eq!(shader_const("SUMS"), SUMS, "sums per record");
    assert_eq!(shader_const("WG"), WORKGROUP, "trajectories per workgroup");
    let entry = SHADER.find("fn advance(").expect("entry point advance");
    let attr = SHADER[..entry]
        .rfind("@workgroup_size(")
        .expect("workgroup size of advance")
        + "@workgroup_size(".len();
    let size = &SHADER[attr..attr + SHADER[attr..].find(')').expect("closing parenthesis")];
    assert!(
        size == "WG" || size.trim_end_matches('u').parse() == Ok(WORKGROUP),
        "advance runs @workgroup_size({size}), the host groups {WORKGROUP} trajectories"
    );
    let stats = format!("var stats = array<f32, {SUMS}>(");
    assert!(
        SHADER.contains(&stats),
        "per-invocation sums are not array<f32, {SUMS}>"
    );
}
