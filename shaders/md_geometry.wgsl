// Geometry helpers shared by every MD kernel (no bindings): groups, periodic box, rotations.

fn group_of(p: vec4<f32>) -> u32 {
    return u32(p.w);
}

// Minimum-image displacement in the periodic box (as min_image of the CPU engine).
fn min_image(d: vec3<f32>) -> vec3<f32> {
    return d - BOX * round(d / BOX);
}

// Wraps into [0, box); (p / L).floor() can leave w == L by rounding, folded onto 0 as on the CPU.
fn wrap(p: vec3<f32>) -> vec3<f32> {
    let w = p - BOX * floor(p / BOX);
    return select(w, w - BOX, w >= BOX);
}

// Rotation matrix of a unit quaternion stored as (w, x, y, z), columns as glam's DMat3::from_quat.
fn rot(q: vec4<f32>) -> mat3x3<f32> {
    let w = q.x;
    let x = q.y;
    let y = q.z;
    let z = q.w;
    return mat3x3<f32>(
        vec3<f32>(1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y + w * z), 2.0 * (x * z - w * y)),
        vec3<f32>(2.0 * (x * y - w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z + w * x)),
        vec3<f32>(2.0 * (x * z + w * y), 2.0 * (y * z - w * x), 1.0 - 2.0 * (x * x + y * y)),
    );
}

