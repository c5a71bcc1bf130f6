//! The four-resonance N-demon of seed 001 (Sec. V and App. C) in the narrow-resonance limit: the
//! demon's occupations (Eq. C4), their physicality, the power (Eqs. C5–C6), the demon's entropy current
//! (Eq. C8) and the coefficient of performance (Eq. C10), plus the choice of the free occupation
//! f_l(ε4) that the paper fixes by hand.
//!
//! Units: energies and k_B T in one energy unit (k_B = 1). In this limit every current is Γ/h times a
//! sum over resonances; the currents reported here are those sums, i.e. currents in units of Γ/h
//! (energy currents in energy × Γ/h, entropy currents in k_B Γ/h).
//!
//! Which COP formula is right: the total entropy production of the three reservoirs is
//! Ṡ_h + Ṡ_c + Ṡ_l = ε̇_h/T_h − ε̇_h/T_c + Ṡ_l ≥ 0, so a demon that pumps heat (ε̇_h > 0, T_c < T_h) must
//! gain entropy, Ṡ_l > 0, and COP = ε̇_h/(T_h Ṡ_l) (Eq. C7) is positive and at most T_c/(T_h − T_c).
//! Carrying Eq. C8 through Eq. C9 gives Eq. C10; the main text's Eq. 23 has both logarithms inverted and
//! is exactly −COP, negative wherever the demon works. This module implements Eq. C10 and keeps the
//! printed Eq. 23 only so the tests can show it fails.

use crate::theory::golden::golden_max;
use anyhow::{bail, Result};
use serde::Serialize;

use super::distributions::{fermi_dirac, Statistics};
use super::landauer::Currents;

/// Parameters of the device of seed 001 Fig. 2(a): hot and cold Fermi reservoirs at a common chemical
/// potential, and the resonance energies ε1, ε2 (hot–demon) and ε3, ε4 (cold–demon).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NDemonParams {
    /// k_B T_h, energy units.
    pub kt_hot: f64,
    /// k_B T_c, energy units; 0 < T_c < T_h.
    pub kt_cold: f64,
    /// μ_h = μ_c = μ_0.
    pub mu: f64,
    /// Resonance energies [ε1, ε2, ε3, ε4].
    pub eps: [f64; 4],
}

impl NDemonParams {
    /// The parameters of seed 001 Fig. 2: k_B T_h = μ = ε1 = 1, ε2 = 2, ε3 = 1.5, with T_c/T_h and ε4
    /// free.
    pub fn paper(tc_over_th: f64, eps4: f64) -> Self {
        Self {
            kt_hot: 1.0,
            kt_cold: tc_over_th,
            mu: 1.0,
            eps: [1.0, 2.0, 1.5, eps4],
        }
    }

    /// Rejects temperatures and energies for which the model is undefined, naming the field.
    pub fn validate(&self) -> Result<()> {
        if !(self.kt_hot.is_finite() && self.kt_hot > 0.0) {
            bail!("k_B T_h = {} must be positive and finite", self.kt_hot);
        }
        if !(self.kt_cold.is_finite() && self.kt_cold > 0.0 && self.kt_cold < self.kt_hot) {
            bail!(
                "k_B T_c = {} must lie strictly between 0 and k_B T_h = {} (the device is a heat pump from cold to hot)",
                self.kt_cold,
                self.kt_hot
            );
        }
        if !self.mu.is_finite() || self.eps.iter().any(|e| !e.is_finite()) {
            bail!(
                "μ = {} and the resonance energies {:?} must be finite",
                self.mu,
                self.eps
            );
        }
        let min_gap = self.min_spacing();
        if min_gap <= 1e-12 * (1.0 + self.eps.iter().fold(0.0f64, |m, e| m.max(e.abs()))) {
            bail!(
                "the four resonance energies {:?} must be distinct: the demon's occupation is one function of \
                 energy and ε3 = ε4 or ε1 = ε2 makes the pump carry no current (choose e.g. ε4 = 1.6)",
                self.eps
            );
        }
        Ok(())
    }

    /// Smallest distance between two resonance energies.
    pub fn min_spacing(&self) -> f64 {
        let mut gap = f64::INFINITY;
        for i in 0..4 {
            for j in i + 1..4 {
                gap = gap.min((self.eps[i] - self.eps[j]).abs());
            }
        }
        gap
    }

    pub fn f_hot(&self, e: f64) -> f64 {
        fermi_dirac(e, self.mu, self.kt_hot)
    }

    pub fn f_cold(&self, e: f64) -> f64 {
        fermi_dirac(e, self.mu, self.kt_cold)
    }

    /// Equilibrium occupation of the reservoir each resonance couples the demon to: hot for ε1, ε2 and
    /// cold for ε3, ε4.
    pub fn f_partner(&self) -> [f64; 4] {
        let [e1, e2, e3, e4] = self.eps;
        [
            self.f_hot(e1),
            self.f_hot(e2),
            self.f_cold(e3),
            self.f_cold(e4),
        ]
    }

    /// Thermodynamic bound T_c/(T_h − T_c) on the COP (seed 001, after Eq. 23).
    pub fn carnot_cop(&self) -> f64 {
        self.kt_cold / (self.kt_hot - self.kt_cold)
    }

    /// Seed 001 Eq. 24 (App. C.3): the COP of the paper's choice of f_l(ε4) as ε4 → ε3.
    pub fn limit_cop(&self) -> f64 {
        self.kt_cold / (3.0 * self.kt_hot - self.kt_cold)
    }

    /// (ε3 − ε4)/(ε1 − ε2): how much the hot-side occupations move per unit of cold-side imbalance.
    fn lever(&self) -> f64 {
        let [e1, e2, e3, e4] = self.eps;
        (e3 - e4) / (e1 - e2)
    }
}

/// Seed 001 Eq. C4 (last line, the paper's choice): f_l(ε4) = 2 f_c(ε4) − f_c(ε3).
pub fn paper_f4(p: &NDemonParams) -> f64 {
    2.0 * p.f_cold(p.eps[3]) - p.f_cold(p.eps[2])
}

/// Seed 001 Eq. C4 (first three lines, = Eq. 20) written as the imbalances f_l(ε_i) − f_r(ε_i) between
/// the demon and the reservoir each resonance couples it to, for a chosen f_l(ε4) = `f4`. Working with
/// the imbalances keeps full relative precision when they are far smaller than the occupations.
pub fn demon_imbalances(p: &NDemonParams, f4: f64) -> [f64; 4] {
    let x = p.f_partner()[3] - f4;
    let r = p.lever();
    [-r * x, r * x, x, -x]
}

/// Seed 001 Eq. C4 (= Eq. 20): the demon's occupations [f_l(ε1), …, f_l(ε4)] that satisfy the demon
/// conditions ṅ_l = ε̇_l = 0 and ṅ_h = ṅ_c = 0 for a chosen f_l(ε4) = `f4`.
pub fn demon_occupations(p: &NDemonParams, f4: f64) -> [f64; 4] {
    let partner = p.f_partner();
    let d = demon_imbalances(p, f4);
    [partner[0] + d[0], partner[1] + d[1], partner[2] + d[2], f4]
}

/// The seed's physicality condition 0 ≤ f_l(ε_i) ≤ 1, with a message saying which occupation fails and
/// what that means for the device.
pub fn check_physical(p: &NDemonParams, f_l: &[f64; 4]) -> Result<()> {
    for (i, &f) in f_l.iter().enumerate() {
        if !(0.0..=1.0).contains(&f) {
            bail!(
                "unphysical N-demon: f_l(ε{}) = {f:.6} lies outside [0, 1] at k_B T_c = {}, k_B T_h = {}, μ = {}, \
                 ε = {:?}; no demon with this f_l(ε4) can pump heat here (raise T_c, move ε4 closer to ε3, \
                 or choose f_l(ε4) inside the physical range)",
                i + 1,
                p.kt_cold,
                p.kt_hot,
                p.mu,
                p.eps
            );
        }
    }
    Ok(())
}

/// Everything the narrow-resonance limit says about one operating point.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NarrowDemon {
    /// [f_l(ε1), …, f_l(ε4)].
    pub f_l: [f64; 4],
    /// Currents into the hot reservoir (Eq. C1 with box resonances collapsed to their centres).
    pub hot: Currents,
    /// Currents into the cold reservoir.
    pub cold: Currents,
    /// Currents into the demon; its entropy current is Eq. C8.
    pub demon: Currents,
    /// ε̇_h, Eq. C5: the heat delivered to the hot reservoir (ṅ_h = 0), the pump's "power".
    pub power: f64,
    /// COP = ε̇_h/(T_h Ṡ_l), Eq. C7 with T_0 = T_h; 0 where nothing is pumped or Ṡ_l diverges (an
    /// occupation at 0 or 1).
    pub cop: f64,
}

/// Evaluates the device for the demon occupation `f4 = f_l(ε4)` from the current sums of Eq. C1 (not
/// from the closed forms, which the tests compare against). Fails when the occupations are unphysical.
pub fn narrow_demon(p: &NDemonParams, f4: f64) -> Result<NarrowDemon> {
    p.validate()?;
    let f_l = demon_occupations(p, f4);
    check_physical(p, &f_l)?;
    let fermion = Statistics::Fermion;
    let mut hot = Currents {
        particle: 0.0,
        energy: 0.0,
        entropy: 0.0,
    };
    let mut cold = hot;
    let mut demon = hot;
    let imbalance = demon_imbalances(p, f4);
    for i in 0..4 {
        let into_reservoir = imbalance[i];
        let e = p.eps[i];
        let side = if i < 2 { &mut hot } else { &mut cold };
        side.particle += into_reservoir;
        side.energy += e * into_reservoir;
        // Equilibrium reservoirs: ln(1/f − 1) = (ε − μ)/k_BT exactly, finite even where f rounds to 0 or 1.
        let kt = if i < 2 { p.kt_hot } else { p.kt_cold };
        side.entropy += into_reservoir * (e - p.mu) / kt;
        demon.particle -= into_reservoir;
        demon.energy -= e * into_reservoir;
        if into_reservoir != 0.0 {
            demon.entropy -= into_reservoir * fermion.entropy_per_particle(f_l[i]);
        }
    }
    let power = hot.heat(p.mu);
    // A demon that pumps nothing (f4 = f_c(ε4)) or pays an infinite entropy current has COP 0; the
    // 0/0 limit of vanishing imbalance is the bound (see [`FreeParameter`]).
    let cop = if power == 0.0 || !demon.entropy.is_finite() {
        0.0
    } else {
        power / (p.kt_hot * demon.entropy)
    };
    Ok(NarrowDemon {
        f_l,
        hot,
        cold,
        demon,
        power,
        cop,
    })
}

/// Seed 001 Eq. C6: ε̇_h = −(ε3 − ε4)[f_c(ε3) − f_c(ε4)] (units of energy × Γ/h) for the paper's
/// choice of f_l(ε4); non-negative for any T_c because f_c decreases with energy.
pub fn power_paper_closed_form(p: &NDemonParams) -> f64 {
    let [_, _, e3, e4] = p.eps;
    -(e3 - e4) * (p.f_cold(e3) - p.f_cold(e4))
}

/// The two bracketed logarithm terms of Eq. C10 (divided by their energy differences), without the
/// factor k_B T_0.
fn c10_terms(p: &NDemonParams, f: &[f64; 4]) -> (f64, f64) {
    let [e1, e2, e3, e4] = p.eps;
    let hot = (((1.0 - f[1]) / (1.0 - f[0])) * (f[0] / f[1])).ln() / (e1 - e2);
    let cold = (((1.0 - f[2]) / (1.0 - f[3])) * (f[3] / f[2])).ln() / (e3 - e4);
    (hot, cold)
}

/// Seed 001 Eq. C10 with T_0 = T_h: the closed-form COP for demon occupations `f`.
pub fn cop_eq_c10(p: &NDemonParams, f: &[f64; 4]) -> f64 {
    let (hot, cold) = c10_terms(p, f);
    1.0 / (p.kt_hot * (hot + cold))
}

/// Seed 001 Eq. 23 exactly as printed (both logarithms inverted relative to Eq. C10). Kept only to
/// demonstrate that it gives −COP; do not use it for results.
pub fn cop_eq23_as_printed(p: &NDemonParams, f: &[f64; 4]) -> f64 {
    let (hot, cold) = c10_terms(p, f);
    1.0 / (p.kt_hot * (-hot - cold))
}

/// One operating point of the free parameter f_l(ε4).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Optimum {
    pub f4: f64,
    pub f_l: [f64; 4],
    /// ε̇_h in energy × Γ/h.
    pub power: f64,
    pub cop: f64,
}

/// Going past the paper: what the free occupation f_l(ε4) can buy. The power is linear in
/// x = f_c(ε4) − f_l(ε4) and the COP falls monotonically from T_c/(T_h − T_c) at x → 0 to 0 where the
/// first occupation reaches 0 or 1 (there the demon's entropy current diverges logarithmically). So
/// "max COP" is the reversible zero-power limit and "max power" costs an infinite entropy current; the
/// useful optimum is the compromise maximising COP × power (the χ criterion used for refrigerators).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct FreeParameter {
    /// Values of f_l(ε4) (low, high) for which all occupations are physical and ε̇_h ≥ 0.
    pub f4_range: (f64, f64),
    /// The end of that range with maximal power; its COP is 0.
    pub max_power: Optimum,
    /// The interior maximum of COP × ε̇_h.
    pub max_cop_times_power: Optimum,
    /// COP at 10⁻⁹ of the maximal power: the COP falls linearly with power from its supremum, so this
    /// is the supremum to about 10⁻⁶ relative.
    pub cop_near_zero_power: f64,
}

/// Scans then refines (golden section) the free parameter; see [`FreeParameter`].
pub fn optimise_free_parameter(p: &NDemonParams) -> Result<FreeParameter> {
    p.validate()?;
    let [_, _, e3, e4] = p.eps;
    // y ≥ 0 measures the imbalance in the pumping direction: x = s·y makes ε̇_h = |ε3 − ε4| y.
    let s = (e4 - e3).signum();
    let r = p.lever();
    let base = p.f_partner();
    let slope = [-r * s, r * s, s, -s];
    let mut y_max = f64::INFINITY;
    for (a, c) in base.iter().zip(slope) {
        if c > 0.0 {
            y_max = y_max.min((1.0 - a) / c);
        } else if c < 0.0 {
            y_max = y_max.min(a / -c);
        }
    }
    let f4_of = |y: f64| base[3] - s * y;
    let point = |y: f64| -> Result<Optimum> {
        let f4 = f4_of(y);
        let d = narrow_demon(p, f4)?;
        Ok(Optimum {
            f4,
            f_l: d.f_l,
            power: d.power,
            cop: d.cop,
        })
    };
    let chi = |y: f64| -> Result<f64> {
        let o = point(y)?;
        Ok(o.power * o.cop)
    };
    // The occupation that limits y sits exactly on 0 or 1 there; rebuild it from the limit so rounding
    // cannot push it a hair outside [0, 1].
    let max_power = {
        let f4 = f4_of(y_max);
        let mut f_l = demon_occupations(p, f4);
        for f in &mut f_l {
            *f = f.clamp(0.0, 1.0);
        }
        Optimum {
            f4: f_l[3],
            f_l,
            power: (e3 - e4).abs() * y_max,
            cop: 0.0,
        }
    };
    const SCAN: usize = 256;
    let mut best = (1, chi(y_max / SCAN as f64)?);
    for k in 2..SCAN {
        let v = chi(y_max * k as f64 / SCAN as f64)?;
        if v > best.1 {
            best = (k, v);
        }
    }
    let (lo, hi) = (
        y_max * (best.0 - 1) as f64 / SCAN as f64,
        y_max * (best.0 + 1) as f64 / SCAN as f64,
    );
    let y = golden_max(chi, lo, hi, 1e-12 * y_max)?;
    let max_cop_times_power = point(y)?;
    let (f_a, f_b) = (f4_of(0.0), max_power.f4);
    Ok(FreeParameter {
        f4_range: (f_a.min(f_b), f_a.max(f_b)),
        max_power,
        max_cop_times_power,
        cop_near_zero_power: point(1e-9 * y_max)?.cop,
    })
}
