//! Lennard-Jones 12-6 pair parameters per pair of atom groups (seed 000, Eq. 13, with the exponent 12 the
//! printed equation drops), Lorentz–Berthelot mixing (Eq. 14), exclusions, and the energy shift.
//!
//! Energies are shifted so that φ(r_c) = 0 (LAMMPS `pair_modify shift yes`): forces and so the trajectory are
//! those of the plain truncated potential, but the energy no longer jumps when a pair crosses the cutoff, which
//! keeps the bath energies of the heat ledger free of truncation noise.

use crate::scenario::{Potential, Species};
use crate::system::Group;

/// Coefficients of one group pair. A pair that does not interact has all coefficients zero.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PairCoeff {
    /// 48 ε σ¹², eV·Å¹² (force: F·r = (lj1/r¹² − lj2/r⁶)).
    pub lj1: f64,
    /// 24 ε σ⁶, eV·Å⁶.
    pub lj2: f64,
    /// 4 ε σ¹², eV·Å¹² (energy).
    pub lj3: f64,
    /// 4 ε σ⁶, eV·Å⁶.
    pub lj4: f64,
    /// φ(r_c) of the unshifted potential, eV, subtracted from every pair energy.
    pub offset: f64,
}

/// The 5×5 table of group-pair coefficients and the cutoff.
#[derive(Clone, Debug, PartialEq)]
pub struct PairTable {
    pub cutoff: f64,
    pub cutoff2: f64,
    pub coeff: [[PairCoeff; Group::COUNT]; Group::COUNT],
}

impl PairTable {
    pub fn new(p: &Potential) -> PairTable {
        let rc = p.cutoff_a;
        let mut coeff = [[PairCoeff::default(); Group::COUNT]; Group::COUNT];
        for a in Group::ALL {
            for b in Group::ALL {
                if !Group::interacts(a, b) {
                    continue;
                }
                let sa = if a.is_argon() { p.argon } else { p.copper };
                let sb = if b.is_argon() { p.argon } else { p.copper };
                coeff[a as usize][b as usize] = mix(sa, sb, rc);
            }
        }
        PairTable {
            cutoff: rc,
            cutoff2: rc * rc,
            coeff,
        }
    }

    /// Whether groups `a` and `b` interact at all.
    pub fn active(&self, a: Group, b: Group) -> bool {
        self.coeff[a as usize][b as usize].lj1 != 0.0
    }
}

fn mix(a: Species, b: Species, rc: f64) -> PairCoeff {
    let eps = (a.epsilon_ev * b.epsilon_ev).sqrt();
    let sigma = 0.5 * (a.sigma_a + b.sigma_a);
    let s6 = sigma.powi(6);
    let s12 = s6 * s6;
    let rc6 = rc.powi(6);
    PairCoeff {
        lj1: 48.0 * eps * s12,
        lj2: 24.0 * eps * s6,
        lj3: 4.0 * eps * s12,
        lj4: 4.0 * eps * s6,
        offset: 4.0 * eps * (s12 / (rc6 * rc6) - s6 / rc6),
    }
}

impl PairCoeff {
    /// (F/r, φ) at squared distance `r2` (inside the cutoff): the force on i is (F/r)·(r_i − r_j).
    #[inline(always)]
    pub fn eval(&self, r2: f64) -> (f64, f64) {
        let inv2 = 1.0 / r2;
        let inv6 = inv2 * inv2 * inv2;
        let fpair = inv6 * (self.lj1 * inv6 - self.lj2) * inv2;
        let e = inv6 * (self.lj3 * inv6 - self.lj4) - self.offset;
        (fpair, e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pot() -> Potential {
        Potential {
            cutoff_a: 8.5,
            skin_a: 1.0,
            argon: Species {
                epsilon_ev: 0.0104,
                sigma_a: 3.405,
                mass_amu: 39.948,
            },
            copper: Species {
                epsilon_ev: 0.4093,
                sigma_a: 2.338,
                mass_amu: 63.546,
            },
        }
    }

    #[test]
    fn force_is_minus_gradient_of_energy() {
        let t = PairTable::new(&pot());
        let c = t.coeff[Group::ColdBath as usize][Group::ColdParticle as usize];
        for r in [2.5, 3.0, 3.3, 4.0, 6.0, 8.0] {
            let h = 1e-6;
            let (_, ep) = c.eval((r + h) * (r + h));
            let (_, em) = c.eval((r - h) * (r - h));
            let (fpair, _) = c.eval(r * r);
            let f = fpair * r;
            assert!(
                (f + (ep - em) / (2.0 * h)).abs() < 1e-6 * (1.0 + f.abs()),
                "r = {r}"
            );
        }
    }

    #[test]
    fn mixing_exclusions_and_shift() {
        let t = PairTable::new(&pot());
        let c = t.coeff[Group::HotBath as usize][Group::Wall as usize];
        let eps = (0.0104f64 * 0.4093).sqrt();
        let sigma: f64 = 0.5 * (3.405 + 2.338);
        // The minimum of the shifted potential sits at 2^(1/6) σ with depth ε − |offset|.
        let rmin = 2f64.powf(1.0 / 6.0) * sigma;
        let (f, e) = c.eval(rmin * rmin);
        assert!(f.abs() < 1e-12);
        assert!((e - (-eps - c.offset)).abs() < 1e-12);
        assert!((c.eval(8.5 * 8.5).1).abs() < 1e-15);
        assert!(!t.active(Group::ColdBath, Group::HotBath));
        assert!(!t.active(Group::Wall, Group::Wall));
        assert!(!t.active(Group::HotParticle, Group::HotParticle));
        assert!(t.active(Group::ColdParticle, Group::ColdBath));
    }
}
