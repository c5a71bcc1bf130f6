//! Landauer–Büttiker currents between reservoirs of noninteracting fermions (seed 001, Eqs. 17–18 and
//! App. C, Eq. C1), for box and Lorentzian resonances.
//!
//! Units: energies in the common energy unit, currents per unit time in units of 1/h (Planck's constant
//! set to 1), entropy currents in units of k_B/h. Currents are positive when they enter the reservoir.

use anyhow::{bail, Result};

use super::distributions::{fermi_dirac, Statistics};
use super::quadrature::{integrate, Tolerance};

/// Line shape of each resonance of a transmission; `ndemon --shape box|lorentzian`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ResonanceShape {
    /// Seed 001 Eq. C2: transmission 1 on [ε_i − Γ/2, ε_i + Γ/2], 0 elsewhere.
    Box,
    /// Breit–Wigner line of peak 1 and the same area Γ as the box, i.e. full width at half maximum
    /// 2Γ/π. Equal areas make both shapes carry identical currents in the narrow-resonance limit, so
    /// that limit can be tested rather than assumed; the Lorentzian's algebraic tails are the physical
    /// correction at finite Γ.
    Lorentzian,
}

/// A transmission T(ε) made of resonances of one shape and one width Γ (energy units).
#[derive(Clone, Debug, PartialEq)]
pub struct Transmission {
    pub shape: ResonanceShape,
    pub centres: Vec<f64>,
    pub width: f64,
}

impl Transmission {
    pub fn new(shape: ResonanceShape, centres: Vec<f64>, width: f64) -> Result<Self> {
        if !(width.is_finite() && width > 0.0) {
            bail!("resonance width Γ = {width} must be positive and finite");
        }
        if centres.is_empty() || centres.iter().any(|c| !c.is_finite()) {
            bail!("a transmission needs at least one finite resonance energy, got {centres:?}");
        }
        Ok(Self {
            shape,
            centres,
            width,
        })
    }

    /// T(ε), a sum over resonances.
    pub fn at(&self, e: f64) -> f64 {
        let g = self.width;
        match self.shape {
            ResonanceShape::Box => self
                .centres
                .iter()
                .filter(|&&c| (e - c).abs() < 0.5 * g)
                .count() as f64,
            ResonanceShape::Lorentzian => {
                let half = g / std::f64::consts::PI;
                self.centres
                    .iter()
                    .map(|&c| half * half / ((e - c) * (e - c) + half * half))
                    .sum()
            }
        }
    }

    /// Energy range outside which T vanishes (the whole line for Lorentzians).
    pub fn support(&self) -> (f64, f64) {
        match self.shape {
            ResonanceShape::Box => {
                let lo = self.centres.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = self
                    .centres
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
                (lo - 0.5 * self.width, hi + 0.5 * self.width)
            }
            ResonanceShape::Lorentzian => (f64::NEG_INFINITY, f64::INFINITY),
        }
    }

    /// Where the quadrature must cut: box edges, or Lorentzian centres plus points on a geometric
    /// ladder of distances so that the peak and its tails are resolved from the first pass.
    pub fn breakpoints(&self) -> Vec<f64> {
        let g = self.width;
        let mut cuts = Vec::new();
        for &c in &self.centres {
            match self.shape {
                ResonanceShape::Box => cuts.extend([c - 0.5 * g, c + 0.5 * g]),
                ResonanceShape::Lorentzian => {
                    cuts.push(c);
                    for k in [1.0, 10.0, 100.0] {
                        cuts.extend([c - k * g, c + k * g]);
                    }
                }
            }
        }
        cuts
    }
}

/// One reservoir's particle, energy and entropy currents (Eqs. 17, 19 and 18 with Eq. 6).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Currents {
    /// ṅ, particles per unit time (units of 1/h).
    pub particle: f64,
    /// ε̇, energy per unit time (energy units / h).
    pub energy: f64,
    /// Ṡ, entropy per unit time (k_B / h), Eq. 6 with the reservoir's own occupation.
    pub entropy: f64,
}

impl Currents {
    /// Heat current J = ε̇ − μ ṅ into a reservoir at chemical potential `mu`.
    pub fn heat(&self, mu: f64) -> f64 {
        self.energy - mu * self.particle
    }
}

/// A fermionic reservoir's occupation f(ε) together with its entropy per particle ln(1/f − 1) of Eq. 6.
/// The default takes the logarithm of f; equilibrium reservoirs override it with the exact
/// (ε − μ)/k_BT, which stays finite deep in the Fermi sea where f rounds to 1.
pub trait Occupation {
    fn occupation(&self, e: f64) -> f64;
    fn entropy_log(&self, e: f64) -> f64 {
        Statistics::Fermion.entropy_per_particle(self.occupation(e))
    }
}

impl<F: Fn(f64) -> f64> Occupation for F {
    fn occupation(&self, e: f64) -> f64 {
        self(e)
    }
}

/// An equilibrium Fermi reservoir at chemical potential `mu` and thermal energy `kt`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FermiReservoir {
    pub mu: f64,
    pub kt: f64,
}

impl Occupation for FermiReservoir {
    fn occupation(&self, e: f64) -> f64 {
        fermi_dirac(e, self.mu, self.kt)
    }
    fn entropy_log(&self, e: f64) -> f64 {
        (e - self.mu) / self.kt
    }
}

/// Currents into the fermionic reservoir `own`, connected through each `(transmission, other
/// reservoir)` link: ṅ(ε) = Σ T(ε)(f_other − f_own) (Eq. 17 with T symmetric), and Ṡ = ∫ṅ ln(1/f_own − 1)
/// (Eqs. 6 and 18). `extra_breakpoints` mark kinks of the occupations themselves.
pub fn currents_into(
    own: &dyn Occupation,
    links: &[(&Transmission, &dyn Occupation)],
    extra_breakpoints: &[f64],
    tol: Tolerance,
) -> Result<Currents> {
    if links.is_empty() {
        bail!("a reservoir needs at least one link to carry a current");
    }
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut cuts = extra_breakpoints.to_vec();
    for (t, _) in links {
        let (a, b) = t.support();
        lo = lo.min(a);
        hi = hi.max(b);
        cuts.extend(t.breakpoints());
    }
    let flux = |e: f64| -> f64 {
        let fo = own.occupation(e);
        links
            .iter()
            .map(|(t, other)| {
                let te = t.at(e);
                if te == 0.0 {
                    0.0
                } else {
                    te * (other.occupation(e) - fo)
                }
            })
            .sum()
    };
    let particle = integrate(flux, lo, hi, &cuts, tol)?.value;
    let energy = integrate(|e| e * flux(e), lo, hi, &cuts, tol)?.value;
    let entropy = integrate(
        |e| {
            let n = flux(e);
            if n == 0.0 {
                0.0
            } else {
                n * own.entropy_log(e)
            }
        },
        lo,
        hi,
        &cuts,
        tol,
    )?
    .value;
    Ok(Currents {
        particle,
        energy,
        entropy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_and_lorentzian_have_unit_peak_and_area_gamma() {
        for shape in [ResonanceShape::Box, ResonanceShape::Lorentzian] {
            let t = Transmission::new(shape, vec![0.5], 0.01).unwrap();
            assert!((t.at(0.5) - 1.0).abs() < 1e-15);
            let (a, b) = t.support();
            let area = integrate(|e| t.at(e), a, b, &t.breakpoints(), Tolerance::DEFAULT)
                .unwrap()
                .value;
            assert!((area - 0.01).abs() < 1e-12, "{shape:?}: {area}");
        }
    }

    #[test]
    fn landauer_formula_for_a_box_matches_its_closed_form() {
        // Equal temperatures and a box much wider than the bias window: ∫(f_L − f_R) dε = μ_L − μ_R and
        // ∫ε(f_L − f_R) dε = (μ_L² − μ_R²)/2 exactly for Fermi functions.
        let t = Transmission::new(ResonanceShape::Box, vec![0.0], 1.0).unwrap();
        let left = |e: f64| fermi_dirac(e, 0.2, 1e-3);
        let right = |e: f64| fermi_dirac(e, -0.1, 1e-3);
        let c = currents_into(&right, &[(&t, &left)], &[0.2, -0.1], Tolerance::DEFAULT).unwrap();
        assert!((c.particle - 0.3).abs() < 1e-9, "{}", c.particle);
        assert!((c.energy - 0.015).abs() < 1e-9, "{}", c.energy);
    }
}
