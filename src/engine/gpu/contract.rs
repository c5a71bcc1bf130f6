//! The host–WGSL contract checked at test time: the bind-group layouts the host builds
//! (`kernels::{MAIN,DECIDE,FORCES}_BINDINGS`, `STORAGE_BUFFERS`) against the `@binding` declarations the
//! shaders make, and the workgroup counts md_decide.wgsl writes as indirect arguments against the
//! `@workgroup_size` of the kernels they dispatch. A change to one side alone fails a test here.

use super::kernels::{DECIDE_BINDINGS, FORCES_BINDINGS, FORCES_READ_ONLY, MAIN_BINDINGS};
use super::STORAGE_BUFFERS;

const COMMON: &str = include_str!("../../../shaders/md_common.wgsl");
const DECIDE: &str = include_str!("../../../shaders/md_decide.wgsl");
const FORCES: &str = include_str!("../../../shaders/md_forces.wgsl");
const NEIGHBOR: &str = include_str!("../../../shaders/md_neighbor.wgsl");

/// Every `@group(G) @binding(B) var<storage, ACCESS>` declaration of `src`: (group, binding, read-only).
fn bindings(src: &str) -> Vec<(u32, u32, bool)> {
    let num = |s: &str, key: &str| -> u32 {
        let from = s.find(key).expect("attribute present") + key.len();
        let to = from + s[from..].find(')').expect("closing parenthesis");
        s[from..to].trim().parse().expect("integer attribute")
    };
    src.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("@group("))
        .map(|l| {
            let read_only = !l.contains("read_write");
            (num(l, "@group("), num(l, "@binding("), read_only)
        })
        .collect()
}

/// The `@workgroup_size` of entry point `name` in `src`.
fn workgroup_size(src: &str, name: &str) -> u32 {
    let at = src
        .find(&format!("fn {name}("))
        .unwrap_or_else(|| panic!("entry point {name} not found"));
    let attr =
        src[..at].rfind("@workgroup_size(").expect("workgroup size") + "@workgroup_size(".len();
    let end = attr + src[attr..].find(')').expect("closing parenthesis");
    src[attr..end]
        .trim()
        .parse()
        .expect("literal workgroup size")
}

/// Asserts `decl` are bindings 0..n−1 of group 0 in order, the first `read_only` of them read-only.
fn assert_layout(shader: &str, decl: &[(u32, u32, bool)], n: u32, read_only: u32) {
    assert_eq!(
        decl.len() as u32,
        n,
        "{shader}: {} bindings in WGSL, host layout has {n}",
        decl.len()
    );
    for (k, &(group, binding, ro)) in decl.iter().enumerate() {
        assert_eq!(
            (group, binding),
            (0, k as u32),
            "{shader}: declaration {k} out of order"
        );
        assert_eq!(
            ro,
            (k as u32) < read_only,
            "{shader}: binding {k} access differs from the host"
        );
    }
}

#[test]
fn main_bind_group_matches_md_common() {
    assert_eq!(
        MAIN_BINDINGS, STORAGE_BUFFERS,
        "limit check and layout disagree"
    );
    assert_layout("md_common.wgsl", &bindings(COMMON), MAIN_BINDINGS, 0);
}

#[test]
fn decide_and_forces_bind_groups_match_their_shaders() {
    assert_layout("md_decide.wgsl", &bindings(DECIDE), DECIDE_BINDINGS, 0);
    assert_layout(
        "md_forces.wgsl",
        &bindings(FORCES),
        FORCES_BINDINGS,
        FORCES_READ_ONLY,
    );
}

/// md_decide writes `set_args(k, (COUNT + D − 1) / D)` for the k-th rebuild kernel (or 1 workgroup for
/// the single-workgroup scan); D must be that kernel's workgroup size or atoms are skipped.
#[test]
fn indirect_arguments_use_the_rebuild_kernels_workgroup_sizes() {
    let kernels = ["bin", "scan", "scatter", "sort_cells", "build_list"];
    for (k, name) in kernels.iter().enumerate() {
        let call = format!("set_args({k}u, select(0u, ");
        let from = DECIDE
            .find(&call)
            .unwrap_or_else(|| panic!("no set_args for {name}"))
            + call.len();
        let arg = &DECIDE[from..from + DECIDE[from..].find(", go)").expect("set_args closes")];
        let size = workgroup_size(NEIGHBOR, name);
        if arg == "1u" {
            assert_eq!(*name, "scan", "only the scan runs as one workgroup");
            continue;
        }
        let divisor: u32 = arg
            .rsplit('/')
            .next()
            .and_then(|d| d.trim().trim_end_matches('u').parse().ok())
            .unwrap_or_else(|| panic!("{name}: cannot read divisor of {arg}"));
        assert_eq!(
            divisor, size,
            "{name}: indirect count divides by {divisor}, workgroup is {size}"
        );
        let rounding = format!("+ {}u)", size - 1);
        assert!(
            arg.contains(&rounding),
            "{name}: count {arg} does not round up by {size}"
        );
    }
}
