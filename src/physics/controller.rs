//! The demon controller: harmonic traps and nonreciprocal couplings on the nanoparticles' centres of mass
//! (seed 000, Eqs. 1–2), an optional constant drag force, and the Stratonovich work they do (Eq. 19).
//!
//! Positions X are centre-of-mass displacements from each particle's own trap centre; the distance between
//! the particles never enters. Each demon axis is an independent copy of the 1-D model.

use crate::scenario::{Axis, Controller as ControllerSpec, Side};
use glam::DVec3;

#[derive(Clone, Debug, PartialEq)]
pub struct Controller {
    /// Trap stiffness κ, eV/Å².
    pub kappa: f64,
    /// κ_C and κ_H, eV/Å².
    pub kappa_cold: f64,
    pub kappa_hot: f64,
    /// 1 on the axes the demon drives, 0 elsewhere.
    pub mask: DVec3,
    /// Constant forces on the cold and hot particle, eV/Å.
    pub drag: [DVec3; 2],
}

impl Controller {
    pub fn new(spec: &ControllerSpec) -> Controller {
        let mut mask = DVec3::ZERO;
        for a in &spec.demon_axes {
            match a {
                Axis::X => mask.x = 1.0,
                Axis::Y => mask.y = 1.0,
                Axis::Z => mask.z = 1.0,
            }
        }
        let mut drag = [DVec3::ZERO; 2];
        if let Some(d) = &spec.drag {
            drag[match d.particle {
                Side::Cold => 0,
                Side::Hot => 1,
            }] = DVec3::from(d.force_ev_per_a);
        }
        Controller {
            kappa: spec.trap_kappa_ev_per_a2,
            kappa_cold: spec.kappa_cold_ev_per_a2,
            kappa_hot: spec.kappa_hot_ev_per_a2,
            mask,
            drag,
        }
    }

    /// Forces on the cold and hot centres of mass, eV/Å: −κX_C + κ_C(X_H − X_C) and −κX_H + κ_H(X_C − X_H).
    pub fn forces(&self, xc: DVec3, xh: DVec3) -> [DVec3; 2] {
        [
            -self.kappa * xc + self.kappa_cold * self.mask * (xh - xc) + self.drag[0],
            -self.kappa * xh + self.kappa_hot * self.mask * (xc - xh) + self.drag[1],
        ]
    }

    /// The conservative part of the controller, eV: ½(κ + κ_C)X_C² + ½(κ + κ_H)X_H² on driven axes (the
    /// potential of seed 000, Eq. 17), ½κX² on the others.
    pub fn potential(&self, xc: DVec3, xh: DVec3) -> [f64; 2] {
        let e = |x: DVec3, k: f64| {
            0.5 * self.kappa * x.length_squared() + 0.5 * k * (self.mask * x).length_squared()
        };
        [e(xc, self.kappa_cold), e(xh, self.kappa_hot)]
    }

    /// Work done on each particle during one step from (X_C, X_H) to (X_C', X_H'), eV, by the nonconservative
    /// forces, in the Stratonovich (midpoint) sense: dW_C = κ_C X_H ∘ dX_C, dW_H = κ_H X_C ∘ dX_H (Eq. 19),
    /// plus the drag force's F·dX.
    pub fn work(&self, before: [DVec3; 2], after: [DVec3; 2]) -> [f64; 2] {
        let mid = [0.5 * (before[0] + after[0]), 0.5 * (before[1] + after[1])];
        let dx = [after[0] - before[0], after[1] - before[1]];
        [
            self.kappa_cold * (self.mask * mid[1]).dot(dx[0]) + self.drag[0].dot(dx[0]),
            self.kappa_hot * (self.mask * mid[0]).dot(dx[1]) + self.drag[1].dot(dx[1]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctrl() -> Controller {
        Controller {
            kappa: 0.01,
            kappa_cold: 0.1,
            kappa_hot: 0.48,
            mask: DVec3::ONE,
            drag: [DVec3::ZERO; 2],
        }
    }

    #[test]
    fn force_is_gradient_of_potential_plus_nonreciprocal_part() {
        // F_C = −∂U_C/∂X_C + κ_C X_H: the nonconservative part is exactly the term whose work Eq. 19 counts.
        let c = ctrl();
        let (xc, xh) = (DVec3::new(0.3, -0.2, 0.1), DVec3::new(-0.5, 0.4, 0.7));
        let f = c.forces(xc, xh);
        let grad_c = (c.kappa + c.kappa_cold) * xc;
        let grad_h = (c.kappa + c.kappa_hot) * xh;
        assert!((f[0] - (-grad_c + c.kappa_cold * xh)).length() < 1e-15);
        assert!((f[1] - (-grad_h + c.kappa_hot * xc)).length() < 1e-15);
    }

    #[test]
    fn reciprocal_coupling_has_zero_net_force() {
        let mut c = ctrl();
        c.kappa = 0.0;
        c.kappa_hot = c.kappa_cold;
        let f = c.forces(DVec3::new(0.3, -0.2, 0.1), DVec3::new(-0.5, 0.4, 0.7));
        assert!((f[0] + f[1]).length() < 1e-16);
    }
}
