//! The host–WGSL contract checked at test time: the bind-group layouts the host builds
//! (`kernels::{MAIN,FORCES}_BINDINGS`, `STORAGE_BUFFERS`) against the `@binding` declarations the shaders
//! make, each kernel's own bind group against the buffers its WGSL names, and the workgroup counts
//! md_integrate.wgsl (and the host, `rebuild_args`) writes as indirect arguments against the
//! `@workgroup_size` of the kernels they dispatch. A change to one side alone fails a test here.

use super::kernels::{
    rebuild_args, uses, BOUND_KERNELS, FORCES_BINDINGS, FORCES_READ_ONLY, MAIN_BINDINGS,
};
use super::STORAGE_BUFFERS;

const COMMON: &str = include_str!("../../../shaders/md_common.wgsl");
const FORCES: &str = include_str!("../../../shaders/md_forces.wgsl");
const NEIGHBOR: &str = include_str!("../../../shaders/md_neighbor.wgsl");
const GEOMETRY: &str = include_str!("../../../shaders/md_geometry.wgsl");
const STEP: &str = include_str!("../../../shaders/md_step.wgsl");
const INTEGRATE: &str = include_str!("../../../shaders/md_integrate.wgsl");

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
fn main_bindings_match_md_common_and_the_limit_check_covers_every_kernel() {
    assert_layout("md_common.wgsl", &bindings(COMMON), MAIN_BINDINGS, 0);
    let most = BOUND_KERNELS
        .iter()
        .map(|k| uses(k).len() as u32)
        .chain([FORCES_BINDINGS])
        .max()
        .expect("kernels");
    assert_eq!(
        STORAGE_BUFFERS, most,
        "limit check and the largest bind group disagree"
    );
}

#[test]
fn forces_bind_group_matches_its_shader() {
    assert_layout(
        "md_forces.wgsl",
        &bindings(FORCES),
        FORCES_BINDINGS,
        FORCES_READ_ONLY,
    );
}

/// integrate1 requests a build with `atomicStore(&rebuild_args[3k], (COUNT + D − 1) / D)` for the k-th
/// rebuild kernel (or 1 workgroup for the single-workgroup scan), and the host's forced build writes the
/// same counts; D must be that kernel's workgroup size or atoms are skipped.
#[test]
fn indirect_arguments_use_the_rebuild_kernels_workgroup_sizes() {
    let kernels = ["bin", "scan", "scatter", "sort_cells", "build_list"];
    let (atoms, cells) = (1000, 77);
    let host = rebuild_args(atoms, cells, true);
    for (k, name) in kernels.iter().enumerate() {
        let call = format!("atomicStore(&rebuild_args[{}], ", 3 * k);
        let from = INTEGRATE
            .find(&call)
            .unwrap_or_else(|| panic!("no request for {name}"))
            + call.len();
        let arg = &INTEGRATE[from..from + INTEGRATE[from..].find(");").expect("store closes")];
        let size = workgroup_size(NEIGHBOR, name);
        assert_eq!(host[3 * k + 1..3 * k + 3], [1, 1], "{name}: y, z");
        if arg == "1u" {
            assert_eq!(*name, "scan", "only the scan runs as one workgroup");
            assert_eq!(host[3 * k], 1, "host count for the scan");
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
        let count = if arg.contains("NCELLS") { cells } else { atoms };
        assert_eq!(host[3 * k], count.div_ceil(size), "{name}: host count");
        assert_eq!(
            rebuild_args(atoms, cells, false)[3 * k],
            0,
            "{name}: no build"
        );
    }
}

/// Functions of `src` (comments stripped): name → body.
fn functions(src: &str) -> std::collections::HashMap<String, String> {
    let code: String = src
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = std::collections::HashMap::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("fn ") {
        let after = &rest[at + 3..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let open = after.find('{').expect("function body");
        let mut depth = 0;
        let mut end = open;
        for (k, c) in after[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                end = open + k;
                break;
            }
        }
        out.insert(name, after[open..end].to_string());
        rest = &after[end..];
    }
    out
}

/// The md_common.wgsl bindings entry point `entry` reaches through the functions it calls.
fn reached(
    funcs: &std::collections::HashMap<String, String>,
    globals: &[(u32, String)],
    entry: &str,
    seen: &mut std::collections::HashSet<String>,
) -> std::collections::BTreeSet<u32> {
    let mut used = std::collections::BTreeSet::new();
    if !seen.insert(entry.to_string()) {
        return used;
    }
    let words: std::collections::HashSet<&str> = funcs[entry]
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .collect();
    for (binding, name) in globals {
        if words.contains(name.as_str()) {
            used.insert(*binding);
        }
    }
    for callee in words {
        if callee != entry && funcs.contains_key(callee) {
            used.extend(reached(funcs, globals, callee, seen));
        }
    }
    used
}

/// Each kernel's bind group (`kernels::uses`) holds exactly the md_common.wgsl buffers its entry point and
/// callees name: one missing fails pipeline creation on the GPU, one extra costs wgpu tracking per dispatch.
#[test]
fn per_kernel_bind_groups_hold_exactly_the_buffers_each_kernel_uses() {
    let globals: Vec<(u32, String)> = COMMON
        .lines()
        .filter(|l| l.starts_with("@group(0)"))
        .map(|l| {
            let name = l.split('>').nth(1).expect("var<...> name").trim();
            let name = name.split(':').next().expect("name: type").trim();
            (bindings(l)[0].1, name.to_string())
        })
        .collect();
    assert_eq!(globals.len() as u32, MAIN_BINDINGS);
    let funcs = functions(&[GEOMETRY, COMMON, STEP, INTEGRATE, NEIGHBOR].concat());
    for entry in BOUND_KERNELS {
        assert!(funcs.contains_key(entry), "no kernel {entry} in the WGSL");
        let want = reached(&funcs, &globals, entry, &mut Default::default());
        let have: std::collections::BTreeSet<u32> = uses(entry).iter().copied().collect();
        assert_eq!(
            have, want,
            "{entry}: bind group {have:?}, WGSL uses {want:?}"
        );
    }
}
