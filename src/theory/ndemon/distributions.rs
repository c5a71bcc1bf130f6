//! Occupations of noninteracting reservoirs and the entropy current of a reservoir with an arbitrary
//! distribution (seed 001, Sec. II and App. A).
//!
//! Units: energies, chemical potentials and k_B T share one energy unit; k_B = 1, so entropies are in
//! units of k_B and an entropy current is (particles per unit time) × k_B.

use anyhow::Result;

use super::quadrature::{integrate, Integral, Tolerance};

/// Quantum statistics of a reservoir's particles; fixes the sign in ln(1/f ± 1) (seed 001, Eq. 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Statistics {
    Fermion,
    Boson,
}

impl Statistics {
    /// Equilibrium occupation at energy `e` for chemical potential `mu` and thermal energy `kt`.
    /// Bose–Einstein is defined only above the chemical potential (`e > mu`).
    pub fn occupation(self, e: f64, mu: f64, kt: f64) -> f64 {
        match self {
            Statistics::Fermion => fermi_dirac(e, mu, kt),
            Statistics::Boson => bose_einstein(e, mu, kt),
        }
    }

    /// ln(1/f ∓ 1) of seed 001 Eq. 6 (minus for fermions, plus for bosons): the entropy a reservoir
    /// gains per particle added at an energy where its occupation is f. Written with ln_1p so that
    /// occupations close to 0 or 1 keep their relative precision.
    pub fn entropy_per_particle(self, f: f64) -> f64 {
        match self {
            Statistics::Fermion => (-f).ln_1p() - f.ln(),
            Statistics::Boson => f.ln_1p() - f.ln(),
        }
    }
}

/// Fermi–Dirac occupation 1/(e^{(ε−μ)/k_BT} + 1), evaluated without overflow for any sign of ε − μ.
pub fn fermi_dirac(e: f64, mu: f64, kt: f64) -> f64 {
    let x = (e - mu) / kt;
    if x > 0.0 {
        let q = (-x).exp();
        q / (1.0 + q)
    } else {
        1.0 / (1.0 + x.exp())
    }
}

/// Bose–Einstein occupation 1/(e^{(ε−μ)/k_BT} − 1) for ε > μ (expm1 keeps precision near ε = μ).
pub fn bose_einstein(e: f64, mu: f64, kt: f64) -> f64 {
    1.0 / ((e - mu) / kt).exp_m1()
}

/// Seed 001 Eq. 6: entropy current Ṡ = k_B ∫ ṅ(ε) ln(1/f(ε) ∓ 1) dε into a reservoir with occupation
/// `f` receiving the particle flux density `ndot` (particles per unit energy and time, positive when
/// entering). `a`, `b` and `breakpoints` describe where `ndot` lives (see
/// [`integrate`](super::quadrature::integrate)). Energies where ṅ = 0 contribute nothing even when
/// f is 0 or 1 there.
pub fn entropy_current(
    stats: Statistics,
    f: impl Fn(f64) -> f64,
    ndot: impl Fn(f64) -> f64,
    a: f64,
    b: f64,
    breakpoints: &[f64],
    tol: Tolerance,
) -> Result<Integral> {
    integrate(
        |e| {
            let n = ndot(e);
            if n == 0.0 {
                0.0
            } else {
                n * stats.entropy_per_particle(f(e))
            }
        },
        a,
        b,
        breakpoints,
        tol,
    )
}

/// Seed 001 Eq. A9: the energy-dependent effective temperature k_B T_eff(ε) = (ε − ε_F)/ln(1/f ∓ 1) that
/// makes Eq. A8 reproduce Eq. 6 for an arbitrary occupation `f` at energy `e`, with `e_ref` the
/// (arbitrary) reference energy ε_F. Undefined (returned as an error) where the logarithm vanishes.
pub fn effective_temperature(stats: Statistics, f: f64, e: f64, e_ref: f64) -> Result<f64> {
    let log = stats.entropy_per_particle(f);
    let in_range = match stats {
        Statistics::Fermion => f > 0.0 && f < 1.0,
        Statistics::Boson => f > 0.0,
    };
    if !in_range || !log.is_finite() || log == 0.0 {
        anyhow::bail!(
            "effective temperature undefined for occupation {f} at energy {e}: ln(1/f ∓ 1) = {log}; \
             it needs 0 < f < 1 (fermions) or f > 0 (bosons) and f away from the occupation at ε = ε_F"
        );
    }
    Ok((e - e_ref) / log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fermi_dirac_is_symmetric_and_stable() {
        for x in [-800.0, -3.0, 0.0, 0.7, 800.0] {
            let f = fermi_dirac(1.0 + x, 1.0, 1.0);
            let g = fermi_dirac(1.0 - x, 1.0, 1.0);
            assert!((f + g - 1.0).abs() < 1e-15, "x = {x}");
            assert!(f.is_finite());
        }
    }

    #[test]
    fn entropy_per_particle_of_equilibrium_is_beta_times_energy() {
        for (stats, e) in [
            (Statistics::Fermion, -2.0),
            (Statistics::Fermion, 3.0),
            (Statistics::Boson, 0.4),
        ] {
            let f = stats.occupation(e, 0.1, 0.5);
            let l = stats.entropy_per_particle(f);
            assert!((l - (e - 0.1) / 0.5).abs() < 1e-12, "{stats:?} {e}: {l}");
        }
    }

    #[test]
    fn effective_temperature_of_equilibrium_is_its_temperature() {
        let t = effective_temperature(Statistics::Fermion, fermi_dirac(1.7, 1.0, 0.3), 1.7, 1.0)
            .unwrap();
        assert!((t - 0.3).abs() < 1e-12);
        let t = effective_temperature(Statistics::Boson, bose_einstein(1.7, 1.0, 0.3), 1.7, 1.0)
            .unwrap();
        assert!((t - 0.3).abs() < 1e-12);
        assert!(effective_temperature(Statistics::Fermion, 0.5, 1.7, 1.0).is_err());
    }
}
