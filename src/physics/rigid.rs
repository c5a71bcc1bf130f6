//! Rigid nanoparticles: principal axes, and the symplectic NO_SQUISH integrator of LAMMPS `fix rigid/nve`
//! (Miller, Eleftheriou, Pattnaik, Ndirango, Newns & Martyna, J. Chem. Phys. 116, 8649 (2002)).
//!
//! State: centre of mass, its velocity, orientation quaternion q (body → space) and the space-frame angular
//! momentum L. Each half step turns L into the quaternion momentum p = 2 q ⊗ (0, Rᵀ L) and rotates (q, p) by
//! the five-stage free-rotor splitting 3-2-1-2-3. L itself is left as it was: each sub-rotation is the exact
//! flow of H_k = (p · P_k q)² / (8 I_k), which is invariant under q, p → u ⊗ q, u ⊗ p (rotations of space), so
//! by Noether it conserves the space-frame L exactly. (LAMMPS turns p back into L; in f32 on the GPU that
//! changed |L| by about one rounding per step with a consistent sign, unaccounted energy that made the
//! first law per particle drift.) Only the kicks change L. Atom positions are always recomputed from
//! (com, q, body coordinates), so inter-atomic distances stay exact up to rounding.

use crate::system::RigidBody;
use crate::units::MVV2E;
use glam::{DMat3, DQuat, DVec3};

/// q ⊗ (0, v) as a 4-vector (w, x, y, z) — LAMMPS MathExtra::quatvec.
fn quatvec(q: DQuat, v: DVec3) -> [f64; 4] {
    [
        -q.x * v.x - q.y * v.y - q.z * v.z,
        q.w * v.x + q.y * v.z - q.z * v.y,
        q.w * v.y + q.z * v.x - q.x * v.z,
        q.w * v.z + q.x * v.y - q.y * v.x,
    ]
}

/// Exact free rotation about body axis `k` (1, 2, 3) for time `dt` (Miller et al., Eq. 2.22).
fn no_squish_rotate(k: usize, p: &mut [f64; 4], q: &mut [f64; 4], inertia: DVec3, dt: f64) {
    let (kq, kp) = match k {
        1 => ([-q[1], q[0], q[3], -q[2]], [-p[1], p[0], p[3], -p[2]]),
        2 => ([-q[2], -q[3], q[0], q[1]], [-p[2], -p[3], p[0], p[1]]),
        _ => ([-q[3], q[2], -q[1], q[0]], [-p[3], p[2], -p[1], p[0]]),
    };
    let ik = inertia[k - 1];
    let phi = if ik == 0.0 {
        0.0
    } else {
        (p[0] * kq[0] + p[1] * kq[1] + p[2] * kq[2] + p[3] * kq[3]) / (4.0 * ik)
    };
    let (s, c) = (dt * phi).sin_cos();
    for i in 0..4 {
        p[i] = c * p[i] + s * kp[i];
        q[i] = c * q[i] + s * kq[i];
    }
}

/// Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations: (eigenvalues, eigenvectors as
/// columns). Small and exact to rounding, which is all a 3×3 inertia tensor needs.
#[allow(clippy::needless_range_loop)] // matrix-index loops read as the textbook algorithm
fn symmetric_eigen(m: DMat3) -> (DVec3, DMat3) {
    let mut a = [[0.0; 3]; 3];
    for (i, row) in a.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = m.col(j)[i];
        }
    }
    let mut v = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for _sweep in 0..50 {
        let off = a[0][1].powi(2) + a[0][2].powi(2) + a[1][2].powi(2);
        let scale = a[0][0].powi(2) + a[1][1].powi(2) + a[2][2].powi(2);
        if off <= 1e-30 * scale.max(1e-300) {
            break;
        }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] {
            if a[p][q].abs() < 1e-300 {
                continue;
            }
            let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
            let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
            let t = if theta == 0.0 { 1.0 } else { t };
            let c = 1.0 / (t * t + 1.0).sqrt();
            let s = t * c;
            for k in 0..3 {
                let (akp, akq) = (a[k][p], a[k][q]);
                a[k][p] = c * akp - s * akq;
                a[k][q] = s * akp + c * akq;
            }
            for k in 0..3 {
                let (apk, aqk) = (a[p][k], a[q][k]);
                a[p][k] = c * apk - s * aqk;
                a[q][k] = s * apk + c * aqk;
            }
            for row in v.iter_mut() {
                let (vp, vq) = (row[p], row[q]);
                row[p] = c * vp - s * vq;
                row[q] = s * vp + c * vq;
            }
        }
    }
    let vecs = DMat3::from_cols(
        DVec3::new(v[0][0], v[1][0], v[2][0]),
        DVec3::new(v[0][1], v[1][1], v[2][1]),
        DVec3::new(v[0][2], v[1][2], v[2][2]),
    );
    (DVec3::new(a[0][0], a[1][1], a[2][2]), vecs)
}

impl RigidBody {
    /// A body at rest from its atoms' positions (contiguous, unwrapped) and the mass of each atom.
    pub fn from_atoms(
        atoms: std::ops::Range<usize>,
        positions: &[DVec3],
        atom_mass: f64,
    ) -> RigidBody {
        let n = positions.len() as f64;
        let com = positions.iter().copied().sum::<DVec3>() / n;
        let mut tensor = DMat3::ZERO;
        for p in positions {
            let r = *p - com;
            tensor +=
                atom_mass * (DMat3::from_diagonal(DVec3::splat(r.length_squared())) - outer(r, r));
        }
        let (inertia, mut axes) = symmetric_eigen(tensor);
        if axes.determinant() < 0.0 {
            axes = DMat3::from_cols(axes.x_axis, axes.y_axis, -axes.z_axis);
        }
        let quat = DQuat::from_mat3(&axes).normalize();
        let rot = DMat3::from_quat(quat);
        let body_coords = positions
            .iter()
            .map(|p| rot.transpose() * (*p - com))
            .collect();
        RigidBody {
            atoms,
            mass: atom_mass * n,
            com,
            vcom: DVec3::ZERO,
            quat,
            angmom: DVec3::ZERO,
            inertia,
            body_coords,
            trap_center: com,
        }
    }

    /// Space-frame displacement of each atom from the centre of mass.
    pub fn space_offsets(&self) -> impl Iterator<Item = DVec3> + '_ {
        let rot = DMat3::from_quat(self.quat);
        self.body_coords.iter().map(move |b| rot * *b)
    }

    /// Angular velocity in the space frame, rad/ps: ω = R I⁻¹ Rᵀ L.
    pub fn omega(&self) -> DVec3 {
        let rot = DMat3::from_quat(self.quat);
        let lb = rot.transpose() * self.angmom;
        let inv = |l: f64, i: f64| if i == 0.0 { 0.0 } else { l / i };
        rot * DVec3::new(
            inv(lb.x, self.inertia.x),
            inv(lb.y, self.inertia.y),
            inv(lb.z, self.inertia.z),
        )
    }

    /// Interaction force Σ Fᵢ (eV/Å) and torque Σ (R bᵢ) × Fᵢ (eV) on the body from its atoms' forces
    /// `force` (indexed by atom), R the rotation of `quat`: what LAMMPS `fix rigid` sums each step.
    pub fn force_and_torque(&self, force: &[DVec3]) -> (DVec3, DVec3) {
        self.atoms
            .clone()
            .zip(self.space_offsets())
            .fold((DVec3::ZERO, DVec3::ZERO), |(f, t), (i, off)| {
                (f + force[i], t + off.cross(force[i]))
            })
    }

    /// Translational kinetic energy, eV.
    pub fn translational_energy(&self) -> f64 {
        0.5 * self.mass * self.vcom.length_squared() * MVV2E
    }

    /// Rotational kinetic energy ½ L·ω, eV.
    pub fn rotational_energy(&self) -> f64 {
        0.5 * self.angmom.dot(self.omega()) * MVV2E
    }

    /// First half of a velocity-Verlet step: half kick of momentum and angular momentum with the force and
    /// torque at time t (eV/Å, eV), then a full drift of the centre of mass and a full NO_SQUISH rotation.
    pub fn initial_integrate(&mut self, force: DVec3, torque: DVec3, dt: f64) {
        self.kick(force, torque, dt);
        self.com += dt * self.vcom;
        let rot = DMat3::from_quat(self.quat);
        let mut p = quatvec(self.quat, rot.transpose() * self.angmom).map(|c| 2.0 * c);
        let mut q = [self.quat.w, self.quat.x, self.quat.y, self.quat.z];
        let dtq = 0.5 * dt;
        no_squish_rotate(3, &mut p, &mut q, self.inertia, dtq);
        no_squish_rotate(2, &mut p, &mut q, self.inertia, dtq);
        no_squish_rotate(1, &mut p, &mut q, self.inertia, dt);
        no_squish_rotate(2, &mut p, &mut q, self.inertia, dtq);
        no_squish_rotate(3, &mut p, &mut q, self.inertia, dtq);
        self.quat = DQuat::from_xyzw(q[1], q[2], q[3], q[0]).normalize();
    }

    /// Second half of a velocity-Verlet step: half kick with the force and torque at t + dt.
    pub fn final_integrate(&mut self, force: DVec3, torque: DVec3, dt: f64) {
        self.kick(force, torque, dt);
    }

    fn kick(&mut self, force: DVec3, torque: DVec3, dt: f64) {
        self.vcom += (0.5 * dt / (self.mass * MVV2E)) * force;
        self.angmom += (0.5 * dt / MVV2E) * torque;
    }
}

/// Stratonovich (midpoint) work of the interaction force and torque on a body over one step, eV:
/// ½(F₀ + F₁)·(X₁ − X₀) + ½(τ₀ + τ₁)·½(ω₀ + ω₁) dt, with forces and torques at the step's ends and ω the
/// space-frame angular velocity (rad/ps). The particle heat of seed 000 (Eq. 19's bookkeeping) decreases by
/// it: energy the bath's forces put into the particle is heat it received.
pub fn interaction_work(
    force: [DVec3; 2],
    torque: [DVec3; 2],
    com: [DVec3; 2],
    omega: [DVec3; 2],
    dt: f64,
) -> f64 {
    let translational = 0.5 * (force[0] + force[1]).dot(com[1] - com[0]);
    let rotational = 0.5 * (torque[0] + torque[1]).dot(0.5 * (omega[0] + omega[1])) * dt;
    translational + rotational
}

fn outer(a: DVec3, b: DVec3) -> DMat3 {
    DMat3::from_cols(a * b.x, a * b.y, a * b.z)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Vec<DVec3> {
        // An asymmetric, rigid little molecule so all three principal moments differ.
        vec![
            DVec3::new(0.0, 0.0, 0.0),
            DVec3::new(1.9, 0.1, 0.0),
            DVec3::new(0.2, 2.7, 0.3),
            DVec3::new(-0.4, 0.5, 3.6),
            DVec3::new(1.0, 1.0, 1.0),
        ]
    }

    #[test]
    fn principal_frame_diagonalises_the_inertia_tensor() {
        let pos = cluster();
        let body = RigidBody::from_atoms(0..5, &pos, 2.0);
        let mut tensor = DMat3::ZERO;
        for b in &body.body_coords {
            tensor +=
                2.0 * (DMat3::from_diagonal(DVec3::splat(b.length_squared())) - outer(*b, *b));
        }
        for i in 0..3 {
            for j in 0..3 {
                let expect = if i == j { body.inertia[i] } else { 0.0 };
                assert!((tensor.col(j)[i] - expect).abs() < 1e-9, "I[{i}][{j}]");
            }
        }
        for (p, off) in pos.iter().zip(body.space_offsets()) {
            assert!((body.com + off - *p).length() < 1e-12);
        }
    }

    #[test]
    fn free_rotor_conserves_energy_and_angular_momentum() {
        let mut body = RigidBody::from_atoms(0..5, &cluster(), 30.0);
        body.angmom = DVec3::new(40.0, -25.0, 60.0);
        let (l0, e0) = (body.angmom, body.rotational_energy());
        for _ in 0..20_000 {
            body.initial_integrate(DVec3::ZERO, DVec3::ZERO, 0.002);
            body.final_integrate(DVec3::ZERO, DVec3::ZERO, 0.002);
        }
        assert!((body.angmom - l0).length() < 1e-10 * l0.length());
        // NO_SQUISH is symplectic: the energy error stays bounded at O(dt²), far below 1e-4 here.
        assert!(((body.rotational_energy() - e0) / e0).abs() < 1e-4);
    }

    #[test]
    fn torque_changes_angular_momentum_by_its_impulse() {
        let mut body = RigidBody::from_atoms(0..5, &cluster(), 30.0);
        let tau = DVec3::new(0.1, 0.2, -0.3);
        let dt = 0.001;
        for _ in 0..1000 {
            body.initial_integrate(DVec3::ZERO, tau, dt);
            body.final_integrate(DVec3::ZERO, tau, dt);
        }
        let expect = tau * (1000.0 * dt / MVV2E);
        assert!((body.angmom - expect).length() < 1e-9 * expect.length());
    }
}
