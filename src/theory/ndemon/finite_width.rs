//! The four-resonance N-demon at finite resonance width Γ, with every current an adaptive-quadrature
//! integral of Eq. C1 (box resonances, Eq. C2, or Lorentzian ones), so that the narrow-resonance
//! formulas of App. C can be checked instead of assumed.
//!
//! At finite Γ the demon needs an occupation at every energy, not only at the four resonances. We model
//! it as a background equal to the Fermi function of the reservoir whose resonance is nearest (hot
//! near ε1, ε2, cold near ε3, ε4, switching half-way between neighbouring resonances), with a flat
//! plateau of height v_i around each resonance joined to it by smooth (C¹) steps:
//! f_l(ε) = (1 − Σ φ_i(ε)) f_b(ε) + Σ v_i φ_i(ε),
//! a convex combination, so 0 ≤ f_l ≤ 1 whenever every v_i is. Matching each channel's own reservoir
//! near its resonances keeps the direct hot → cold leak through the Lorentzian tails (a Γ² effect
//! that competes with the pumped heat) as small as this kind of demon allows; a hot background
//! everywhere leaks through the cold tails right next to the plateaus, Γ/p times more. f_l is linear in v, so the demon
//! conditions ṅ_h = ṅ_c = 0 and ε̇_l = 0 are three linear equations for v_1..v_3 once v_4 is chosen;
//! solving them with quadrature coefficients makes the conditions exact at any Γ, and v → Eq. C4 as
//! Γ → 0. Units as in [`landauer`](super::landauer): currents in 1/h, energies in the common unit.

use anyhow::{bail, Result};
use serde::Serialize;

use super::distributions::{fermi_dirac, Statistics};
use super::four_resonance::{check_physical, NDemonParams};
use super::landauer::{
    currents_into, Currents, FermiReservoir, Occupation, ResonanceShape, Transmission,
};
use super::quadrature::{integrate, Tolerance};

/// The demon's occupation at all energies: plateaus of height `values[i]` of half-width `plateau`
/// around `centres[i]` on the nearest resonance's reservoir Fermi function.
#[derive(Clone, Copy, Debug)]
pub struct DemonOccupation {
    params: NDemonParams,
    plateau: f64,
    values: [f64; 4],
}

/// Plateau weight: 1 for |u| ≤ 1, a cubic smooth step down to 0 at |u| = 2, 0 beyond.
fn plateau_weight(u: f64) -> f64 {
    let a = u.abs();
    if a <= 1.0 {
        1.0
    } else if a >= 2.0 {
        0.0
    } else {
        let s = a - 1.0;
        1.0 - s * s * (3.0 - 2.0 * s)
    }
}

impl DemonOccupation {
    /// Plateau half-width: a quarter of the smallest resonance spacing, so neighbouring plateaus and
    /// their steps never overlap.
    fn plateau_for(p: &NDemonParams) -> f64 {
        0.25 * p.min_spacing()
    }

    fn weight(&self, i: usize, e: f64) -> f64 {
        plateau_weight((e - self.params.eps[i]) / self.plateau)
    }

    /// f_l(ε).
    pub fn at(&self, e: f64) -> f64 {
        let mut total = 0.0;
        let mut mixed = 0.0;
        for i in 0..4 {
            let w = self.weight(i, e);
            total += w;
            mixed += w * self.values[i];
        }
        (1.0 - total) * self.background(e) + mixed
    }

    /// Thermal energy of the background reservoir at `e`: that of the nearest resonance's reservoir.
    fn background_kt(&self, e: f64) -> f64 {
        let nearest = (0..4)
            .min_by(|&i, &j| {
                (e - self.params.eps[i])
                    .abs()
                    .total_cmp(&(e - self.params.eps[j]).abs())
            })
            .expect("four resonances");
        if nearest < 2 {
            self.params.kt_hot
        } else {
            self.params.kt_cold
        }
    }

    fn background(&self, e: f64) -> f64 {
        fermi_dirac(e, self.params.mu, self.background_kt(e))
    }

    /// Kinks and background switches of f_l, for the quadrature.
    pub fn breakpoints(&self) -> Vec<f64> {
        let eps = self.params.eps;
        let mut cuts: Vec<f64> = eps
            .iter()
            .flat_map(|&c| [-2.0, -1.0, 1.0, 2.0].map(|k| c + k * self.plateau))
            .collect();
        for i in 0..4 {
            for j in i + 1..4 {
                cuts.push(0.5 * (eps[i] + eps[j]));
            }
        }
        cuts
    }

    /// Plateau heights [v_1, …, v_4] = f_l(ε_i).
    pub fn values(&self) -> [f64; 4] {
        self.values
    }
}

impl Occupation for DemonOccupation {
    fn occupation(&self, e: f64) -> f64 {
        self.at(e)
    }
    /// Away from the plateaus the demon is a Fermi function, whose logarithm is exact.
    fn entropy_log(&self, e: f64) -> f64 {
        if (0..4).all(|i| self.weight(i, e) == 0.0) {
            (e - self.params.mu) / self.background_kt(e)
        } else {
            Statistics::Fermion.entropy_per_particle(self.at(e))
        }
    }
}

/// Result of the finite-width calculation; all currents from direct quadrature of Eq. C1 with the
/// solved occupation.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FiniteWidthDemon {
    pub shape: ResonanceShape,
    /// Γ (box width = Lorentzian area), energy units.
    pub width: f64,
    /// Plateau heights f_l(ε_i).
    pub f_l: [f64; 4],
    pub hot: Currents,
    pub cold: Currents,
    pub demon: Currents,
    /// Heat into the hot reservoir J_h = ε̇_h − μ ṅ_h (energy/h).
    pub power: f64,
    /// J_h/(T_h Ṡ_l), Eq. 22 with T_0 = T_h.
    pub cop: f64,
}

/// Solves the demon conditions at resonance width `width` for the chosen f_l(ε4) = `f4` and evaluates
/// every current by quadrature. Fails when Γ is too wide for the plateau model, when the solved
/// occupations are unphysical, or when a quadrature does not converge.
pub fn finite_width_demon(
    p: &NDemonParams,
    shape: ResonanceShape,
    width: f64,
    f4: f64,
    tol: Tolerance,
) -> Result<FiniteWidthDemon> {
    p.validate()?;
    let plateau = DemonOccupation::plateau_for(p);
    if !(width > 0.0 && width <= 2.0 * plateau) {
        bail!(
            "resonance width Γ = {width} must be positive and at most half the smallest resonance spacing \
             ({}); the narrow-resonance model needs Γ ≪ |ε_i − ε_j|",
            p.min_spacing()
        );
    }
    let [e1, e2, e3, e4] = p.eps;
    let t_hot = Transmission::new(shape, vec![e1, e2], width)?;
    let t_cold = Transmission::new(shape, vec![e3, e4], width)?;
    let f_h = &FermiReservoir {
        mu: p.mu,
        kt: p.kt_hot,
    };
    let f_c = &FermiReservoir {
        mu: p.mu,
        kt: p.kt_cold,
    };
    let shell = DemonOccupation {
        params: *p,
        plateau,
        values: [0.0; 4],
    };
    let kinks = shell.breakpoints();

    let hot_lead = LeadConditions::integrate(&t_hot, f_h, &shell, &kinks, tol)?;
    let cold_lead = LeadConditions::integrate(&t_cold, f_c, &shell, &kinks, tol)?;
    let values = solve_plateaus(&hot_lead, &cold_lead, f4)?;
    check_physical(p, &values)?;
    let f_l = &DemonOccupation {
        params: *p,
        plateau,
        values,
    };

    let hot = currents_into(f_h, &[(&t_hot, f_l)], &kinks, tol)?;
    let cold = currents_into(f_c, &[(&t_cold, f_l)], &kinks, tol)?;
    let demon = currents_into(f_l, &[(&t_hot, f_h), (&t_cold, f_c)], &kinks, tol)?;
    let power = hot.heat(p.mu);
    Ok(FiniteWidthDemon {
        shape,
        width,
        f_l: values,
        hot,
        cold,
        demon,
        power,
        cop: power / (p.kt_hot * demon.entropy),
    })
}

/// The flows from the demon into one reservoir r through its lead T_r (seed 001, Eq. C1: h ṅ_r =
/// ∫T_r (f_l − f_r) dε and h ε̇_r = ∫ε T_r (f_l − f_r) dε) as linear functions of the plateau heights:
/// with f_l = A + Σ_i v_i φ_i, where A = (1 − Σ_i φ_i) f_b is the v-independent part,
/// h ṅ_r = `base[0]` + Σ_i `particle[i]` v_i and h ε̇_r = `base[1]` + Σ_i `energy[i]` v_i.
struct LeadConditions {
    /// ∫T_r (A − f_r) dε and ∫ε T_r (A − f_r) dε.
    base: [f64; 2],
    /// ∫T_r φ_i dε.
    particle: [f64; 4],
    /// ∫ε T_r φ_i dε.
    energy: [f64; 4],
}

impl LeadConditions {
    /// Every coefficient by adaptive quadrature over the lead's support, split at the lead's and the
    /// occupation's breakpoints `kinks`; `shell` is the demon occupation with every plateau at 0 (= A).
    fn integrate(
        t: &Transmission,
        reservoir: &FermiReservoir,
        shell: &DemonOccupation,
        kinks: &[f64],
        tol: Tolerance,
    ) -> Result<LeadConditions> {
        let (lo, hi) = t.support();
        let mut cuts = t.breakpoints();
        cuts.extend(kinks);
        let a_minus_f = |e: f64| {
            let te = t.at(e);
            if te == 0.0 {
                0.0
            } else {
                te * (shell.at(e) - reservoir.occupation(e))
            }
        };
        let mut lead = LeadConditions {
            base: [
                integrate(a_minus_f, lo, hi, &cuts, tol)?.value,
                integrate(|e| e * a_minus_f(e), lo, hi, &cuts, tol)?.value,
            ],
            particle: [0.0; 4],
            energy: [0.0; 4],
        };
        for (i, (n, en)) in lead
            .particle
            .iter_mut()
            .zip(lead.energy.iter_mut())
            .enumerate()
        {
            let t_phi = |e: f64| t.at(e) * shell.weight(i, e);
            *n = integrate(t_phi, lo, hi, &cuts, tol)?.value;
            *en = integrate(|e| e * t_phi(e), lo, hi, &cuts, tol)?.value;
        }
        Ok(lead)
    }
}

/// The plateau heights [v_1, v_2, v_3, f4] that meet the demon conditions at finite Γ (seed 001,
/// Eq. C3 before the narrow-resonance limit): ṅ_h = 0, ṅ_c = 0 and ε̇_l = −(ε̇_h + ε̇_c) = 0, with
/// v_4 = `f4` given; three linear equations in v_1..v_3.
fn solve_plateaus(hot: &LeadConditions, cold: &LeadConditions, f4: f64) -> Result<[f64; 4]> {
    let matrix = [
        [hot.particle[0], hot.particle[1], hot.particle[2]],
        [cold.particle[0], cold.particle[1], cold.particle[2]],
        [
            hot.energy[0] + cold.energy[0],
            hot.energy[1] + cold.energy[1],
            hot.energy[2] + cold.energy[2],
        ],
    ];
    let rhs = [
        -hot.base[0] - hot.particle[3] * f4,
        -cold.base[0] - cold.particle[3] * f4,
        -(hot.base[1] + cold.base[1]) - (hot.energy[3] + cold.energy[3]) * f4,
    ];
    let v = solve3(matrix, rhs)?;
    Ok([v[0], v[1], v[2], f4])
}

/// Cramer's rule for the 3 × 3 demon conditions, refusing a numerically singular system.
fn solve3(m: [[f64; 3]; 3], b: [f64; 3]) -> Result<[f64; 3]> {
    let det = |a: [[f64; 3]; 3]| {
        a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
            - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
            + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0])
    };
    let d = det(m);
    let scale: f64 = m
        .iter()
        .map(|row| row.iter().map(|x| x.abs()).sum::<f64>())
        .product();
    if d.is_nan() || d.abs() <= 1e-12 * scale {
        bail!("the demon conditions are degenerate for these resonances (determinant {d:e}); check that ε1 ≠ ε2 and ε3 ≠ ε4");
    }
    let mut x = [0.0; 3];
    for (col, xc) in x.iter_mut().enumerate() {
        let mut mc = m;
        for row in 0..3 {
            mc[row][col] = b[row];
        }
        *xc = det(mc) / d;
    }
    Ok(x)
}
