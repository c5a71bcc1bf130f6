//! One source for structs the host shares with a WGSL shader through a buffer.
//!
//! [`wgsl_struct!`] declares the `#[repr(C)]` Rust struct and, under `cfg(test)`, a table of its fields
//! (name, byte offset, WGSL type); [`check_struct`] parses the shader's `struct` of the same name,
//! lays it out by the WGSL rules (W3C WGSL §14.4 "Memory Layout": alignment and size of each type, uniform
//! structs rounded to 16 bytes) and compares field by field. A field added, dropped, renamed, reordered or
//! retyped on one side alone fails the contract test that calls it.

/// The WGSL spelling of a Rust type that may appear in a shared struct.
pub trait WgslType {
    const NAME: &'static str;
}

impl WgslType for u32 {
    const NAME: &'static str = "u32";
}

impl WgslType for f32 {
    const NAME: &'static str = "f32";
}

impl WgslType for [f32; 2] {
    const NAME: &'static str = "vec2<f32>";
}

/// A `#[repr(C)]` struct shared with WGSL, plus (in tests) `FIELDS`: (name, byte offset, WGSL type).
macro_rules! wgsl_struct {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[repr(C)]
        $vis struct $name {
            $($field: $ty,)*
        }

        #[cfg(test)]
        impl $name {
            pub(crate) const FIELDS: &'static [(&'static str, usize, &'static str)] = &[$((
                stringify!($field),
                std::mem::offset_of!($name, $field),
                <$ty as $crate::gpu::layout::WgslType>::NAME,
            ),)*];
        }
    };
}
pub(crate) use wgsl_struct;

/// (alignment, size) in bytes of a WGSL type (WGSL §14.4.1).
#[cfg(test)]
fn align_size(ty: &str) -> Result<(usize, usize), String> {
    let scalar = |s: &str| matches!(s, "u32" | "i32" | "f32");
    if scalar(ty) {
        return Ok((4, 4));
    }
    for (prefix, n) in [("vec2<", 2), ("vec3<", 3), ("vec4<", 4)] {
        if let Some(inner) = ty.strip_prefix(prefix).and_then(|t| t.strip_suffix('>')) {
            if scalar(inner) {
                let align = if n == 2 { 8 } else { 16 };
                return Ok((align, 4 * n));
            }
        }
    }
    Err(format!("type {ty} is not supported in a shared struct"))
}

/// Checks `fields` (from [`wgsl_struct!`]) and the Rust size against `struct <name>` in `wgsl`.
/// `uniform`: the struct is bound as a uniform buffer, whose size WGSL rounds up to 16 bytes.
#[cfg(test)]
pub fn check_struct(
    wgsl: &str,
    name: &str,
    fields: &[(&str, usize, &str)],
    rust_size: usize,
    uniform: bool,
) -> Result<(), String> {
    let head = format!("struct {name} {{");
    let from = wgsl
        .find(&head)
        .ok_or_else(|| format!("no `{head}` in the shader"))?
        + head.len();
    let body = &wgsl[from..from + wgsl[from..].find('}').ok_or("struct not closed")?];
    let mut offset = 0usize;
    let mut align_max = 4usize;
    let mut declared = Vec::new();
    for line in body.lines() {
        let decl = line.split("//").next().unwrap_or("").trim();
        if decl.is_empty() {
            continue;
        }
        let (field, ty) = decl
            .trim_end_matches(',')
            .split_once(':')
            .ok_or_else(|| format!("cannot read member `{decl}` of {name}"))?;
        let ty = ty.trim();
        let (align, size) = align_size(ty)?;
        offset = offset.next_multiple_of(align);
        align_max = align_max.max(align);
        declared.push((field.trim().to_string(), offset, ty.to_string()));
        offset += size;
    }
    let mut wgsl_size = offset.next_multiple_of(align_max);
    if uniform {
        wgsl_size = wgsl_size.next_multiple_of(16);
    }
    if declared.len() != fields.len() {
        return Err(format!(
            "{name}: {} members in WGSL, {} in Rust",
            declared.len(),
            fields.len()
        ));
    }
    for ((wn, wo, wt), &(rn, ro, rt)) in declared.iter().zip(fields) {
        if (wn.as_str(), *wo, wt.as_str()) != (rn, ro, rt) {
            return Err(format!(
                "{name}: WGSL member {wn}: {wt} at byte {wo}, Rust field {rn}: {rt} at byte {ro}"
            ));
        }
    }
    if wgsl_size != rust_size {
        return Err(format!(
            "{name}: {wgsl_size} bytes in WGSL, {rust_size} in Rust"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    wgsl_struct! {
        #[derive(Clone, Copy)]
        struct Sample {
            a: u32,
            b: f32,
            c: [f32; 2],
        }
    }

    const SHADER: &str =
        "struct Sample {\n    a: u32,   // count\n    b: f32,\n    c: vec2<f32>,\n}\n";

    #[test]
    fn matching_struct_passes() {
        check_struct(
            SHADER,
            "Sample",
            Sample::FIELDS,
            std::mem::size_of::<Sample>(),
            true,
        )
        .unwrap();
    }

    #[test]
    fn reordered_retyped_or_missing_members_fail() {
        let size = std::mem::size_of::<Sample>();
        for broken in [
            SHADER.replace("a: u32,   // count\n    b: f32,", "b: f32,\n    a: u32,"),
            SHADER.replace("b: f32", "b: u32"),
            SHADER.replace("    c: vec2<f32>,\n", ""),
            // vec2 aligns to 8: a third scalar before it moves it to byte 16.
            SHADER.replace("b: f32,", "b: f32,\n    pad: f32,"),
        ] {
            assert!(
                check_struct(&broken, "Sample", Sample::FIELDS, size, true).is_err(),
                "{broken}"
            );
        }
    }
}
