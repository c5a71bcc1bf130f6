//! The host–WGSL contract checked at test time: the bind-group layouts the host builds
//! (`kernels::{MAIN,FORCES}_BINDINGS`, `STORAGE_BUFFERS`) against the `@binding` declarations the shaders
//! make, each kernel's own bind group against the buffers its WGSL names, the workgroup counts
//! md_integrate.wgsl (and the host, `rebuild_args`) writes as indirect arguments against the
//! `@workgroup_size` of the kernels they dispatch, and the scalar-buffer layout against the constants the
//! kernels are compiled with. A change to one side alone fails a test here. (The ensemble's shared struct:
//! src/ensemble/gpu/contract.rs.)

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
    let host = rebuild_args(atoms, cells, 1, true);
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
            rebuild_args(atoms, cells, 1, false)[3 * k],
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

/// The scalar buffer `s` has one definition, `prelude::Layout` and the `B_*` offsets, which the WGSL sees
/// only as generated constants. Checked here: the per-body slots do not overlap and fit in BODY_STRIDE,
/// the regions of `Layout` tile [0, len) without gaps or overlaps for every chain length, and the
/// generated constant block carries exactly the host's values.
#[test]
fn scalar_layout_is_disjoint_and_generated_from_the_host() {
    use super::prelude::*;
    let mut slots = [
        (B_X, 3),
        (B_V, 3),
        (B_Q, 4),
        (B_L, 3),
        (B_F, 3),
        (B_T, 3),
        (B_X0, 3),
        (B_W0, 3),
        (B_F0, 3),
        (B_T0, 3),
        (B_C0, 3),
    ];
    slots.sort();
    for w in slots.windows(2) {
        assert!(w[0].0 + w[0].1 <= w[1].0, "body slots {w:?} overlap");
    }
    let (last, len) = slots[slots.len() - 1];
    assert!(last + len <= BODY_STRIDE, "body slots overflow BODY_STRIDE");

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small-heater.json");
    let text = std::fs::read_to_string(path).expect("scenario file");
    for chain in 1..=5 {
        let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
        v["hot"]["thermostat"]["chain_length"] = chain.into();
        let sc = crate::scenario::Scenario::from_json(&v.to_string()).expect("valid scenario");
        let l = Layout::covering(&[&sc]);
        let regions = [
            (0, 2 * BODY_STRIDE),
            (l.ch, 2 * l.cs),
            (l.scale, 2),
            (l.ke, 2),
            (l.prm, PRM_LEN),
            (l.l_heat, 4),
            (l.l_work, 4),
            (l.l_pheat, 4),
            (l.l_imp, 6),
            (l.l_deta, 2 * 2 * l.mch),
        ];
        let mut end = 0;
        for (start, size) in regions {
            assert_eq!(
                start, end,
                "chain {chain}: region at {start} should start at {end}"
            );
            end = start + size;
        }
        assert_eq!(end, l.len, "chain {chain}: regions do not fill the layout");
        assert!(
            l.cs >= 2 * l.mch && l.mch >= chain,
            "chain {chain}: slots too short"
        );

        let sys = crate::system::build_system(&sc).expect("system builds");
        let consts = wgsl_constants(&sc, &sys, &l, 1);
        for (name, val) in [
            ("BODY_STRIDE", BODY_STRIDE),
            ("B_Q", B_Q),
            ("B_C0", B_C0),
            ("MCH", l.mch),
            ("CH", l.ch),
            ("CS", l.cs),
            ("SCALE", l.scale),
            ("KE", l.ke),
            ("L_HEAT", l.l_heat),
            ("L_DETA", l.l_deta),
            ("S_LEN", l.len),
        ] {
            let decl = format!("const {name}: u32 = {val}u;");
            assert_eq!(
                consts.matches(&format!("const {name}: ")).count(),
                1,
                "{name} declared once"
            );
            assert!(consts.contains(&decl), "generated block lacks `{decl}`");
        }
    }
}

/// No kernel indexes the scalar buffer with a literal offset: every offset must come from the generated
/// constants, or a layout change would silently leave the shader behind.
#[test]
fn shaders_index_scalars_only_through_generated_offsets() {
    for (name, src) in [
        (
            "md_step.wgsl",
            include_str!("../../../shaders/md_step.wgsl"),
        ),
        (
            "md_integrate.wgsl",
            include_str!("../../../shaders/md_integrate.wgsl"),
        ),
    ] {
        for pat in ["s[", "ws["] {
            for (at, _) in src.match_indices(pat) {
                let before = src[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let next = src[at + pat.len()..].chars().next();
                assert!(
                    !next.is_some_and(|c| c.is_ascii_digit()),
                    "{name}: literal scalar offset at `{}`",
                    &src[at..at + 12]
                );
            }
        }
    }
}

/// The per-group tables (the pair coefficients `coef`, the per-atom energies `energy`) are as wide as
/// `Group::COUNT` on both sides: the host builds them from it (`coef_table`, `COEF_LEN`), the generated block
/// declares NGROUP = COUNT, GROUP_PAIRS = COUNT², NCOEF = 2·COUNT², the table holds each group pair where
/// the WGSL looks for it, and no shader line that touches a group table spells a width as a literal (any
/// integer but 0 and 1 there fails, so a width of the old group count fails too when COUNT changes).
#[test]
fn group_table_widths_come_from_group_count() {
    use super::prelude::{coef_table, wgsl_constants, Layout, COEF_LEN};
    use crate::physics::lj::PairTable;
    use crate::system::Group;
    let n = Group::COUNT;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/small-heater.json");
    let text = std::fs::read_to_string(path).expect("scenario file");
    let sc = crate::scenario::Scenario::from_json(&text).expect("valid scenario");
    let sys = crate::system::build_system(&sc).expect("system builds");
    let consts = wgsl_constants(&sc, &sys, &Layout::covering(&[&sc]), 1);
    for (name, val) in [("NGROUP", n), ("GROUP_PAIRS", n * n), ("NCOEF", 2 * n * n)] {
        let decl = format!("const {name}: u32 = {val}u;");
        assert!(consts.contains(&decl), "generated block lacks `{decl}`");
    }
    let table = PairTable::new(&sc.potential);
    let coef = coef_table(&table);
    assert_eq!(coef.len(), COEF_LEN);
    assert_eq!(COEF_LEN, 2 * n * n);
    for a in 0..n {
        for b in 0..n {
            let c = table.coeff[a][b];
            assert_eq!(coef[a * n + b][2], c.lj3 as f32, "lj3 of pair ({a}, {b})");
            assert_eq!(
                coef[n * n + a * n + b][0],
                c.offset as f32,
                "offset ({a}, {b})"
            );
        }
    }
    let keys = [
        "coef",
        "energy[",
        "group_of(",
        "NGROUP",
        "GROUP_PAIRS",
        "NCOEF",
        "var e",
        "e[g",
    ];
    let mut lines = 0;
    for (name, src) in [
        ("md_common.wgsl", COMMON),
        ("md_forces.wgsl", FORCES),
        ("md_neighbor.wgsl", NEIGHBOR),
        ("md_geometry.wgsl", GEOMETRY),
    ] {
        for (no, line) in src.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            // Binding declarations carry binding numbers, checked above.
            if code.trim_start().starts_with('@') || !keys.iter().any(|k| code.contains(k)) {
                continue;
            }
            lines += 1;
            for tok in code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
                let digits = tok.trim_end_matches(['u', 'i']);
                let literal = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
                assert!(
                    !literal || digits == "0" || digits == "1",
                    "{name}:{}: group-table width as the literal `{tok}` in `{}`; use NGROUP, GROUP_PAIRS \
                     or NCOEF (generated from Group::COUNT)",
                    no + 1,
                    code.trim()
                );
            }
        }
    }
    assert!(
        lines >= 10,
        "only {lines} group-table lines found: the keys are stale"
    );
}
