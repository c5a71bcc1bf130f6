//! Physical constants and unit conversions.
//!
//! Everything inside the engine uses LAMMPS "metal" units: length Å, time ps, energy eV, mass amu,
//! temperature K. SI appears only at the edges (scenario fields that say so, and analysis output that
//! compares with the papers, e.g. friction in kg/s).

/// Boltzmann constant, eV/K (CODATA 2018, exact).
pub const KB_EV_PER_K: f64 = 8.617_333_262e-5;

/// Kinetic energy of 1 amu moving at 1 Å/ps, in eV: 1 amu·Å²/ps² = 1.036426965e-4 eV.
/// Multiply m·v² (amu·Å²/ps²) by this to get eV; divide a force in eV/Å by m·MVV2E to get Å/ps².
pub const MVV2E: f64 = 1.036_426_965e-4;

/// Atomic mass unit in kg (CODATA 2018).
pub const AMU_KG: f64 = 1.660_539_066_60e-27;

/// Elementary charge in J, i.e. 1 eV in joules.
pub const EV_J: f64 = 1.602_176_634e-19;

/// Mass of argon, amu.
pub const MASS_AR_AMU: f64 = 39.948;

/// Mass of copper, amu.
pub const MASS_CU_AMU: f64 = 63.546;

/// Friction coefficient: converts kg/s to the engine's amu/ps.
///
/// 1 kg/s = (1/AMU_KG) amu per 1e12 ps.
pub fn friction_kg_per_s_to_amu_per_ps(gamma_kg_s: f64) -> f64 {
    gamma_kg_s / AMU_KG * 1e-12
}

/// Inverse of [`friction_kg_per_s_to_amu_per_ps`].
pub fn friction_amu_per_ps_to_kg_per_s(gamma: f64) -> f64 {
    gamma * AMU_KG * 1e12
}

/// Stiffness: eV/nm² to eV/Å².
pub fn stiffness_ev_per_nm2_to_ev_per_a2(k: f64) -> f64 {
    k * 1e-2
}

/// Seconds in a day, for ns/day figures.
pub const SECONDS_PER_DAY: f64 = 86_400.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mvv2e_matches_amu_and_ev() {
        // 1 amu * (1 Å/ps)^2 = AMU_KG * (100 m/s)^2 J
        let joules = AMU_KG * 100.0 * 100.0;
        assert!((joules / EV_J - MVV2E).abs() < 1e-12);
    }

    #[test]
    fn friction_round_trip_and_scale() {
        let g = 3.5e-12;
        let back = friction_amu_per_ps_to_kg_per_s(friction_kg_per_s_to_amu_per_ps(g));
        assert!((back - g).abs() < 1e-24);
        // 3.5e-12 kg/s is about 2108 amu/ps
        let amu_ps = friction_kg_per_s_to_amu_per_ps(g);
        assert!((amu_ps - 2107.7).abs() < 1.0, "{amu_ps}");
    }
}
