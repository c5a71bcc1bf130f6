//! Seed 001: entropy currents of nonequilibrium incoherent reservoirs and the Landauer–Büttiker
//! "N-demon" that pumps heat from a cold to a hot reservoir while exchanging neither energy nor
//! particles with the device; its cost is an entropy current (seed 001, Eq. 6).
//!
//! - [`quadrature`]: adaptive Gauss–Kronrod integration with a tolerance.
//! - [`distributions`]: Fermi–Dirac / Bose–Einstein occupations, the entropy current (Eq. 6) and the
//!   effective temperature (Eq. A9).
//! - [`landauer`]: particle, energy and entropy currents through box or Lorentzian resonances
//!   (Eqs. 17–19, C1–C2).
//! - [`four_resonance`]: the N-demon in the narrow-resonance limit (Eqs. C4–C10) and the optimal choice
//!   of its free occupation f_l(ε4).
//! - [`finite_width`]: the same device at finite resonance width by quadrature.
//! - [`sweep`]: COP and power against T_c/T_h (Fig. 2), CSV and SVG output.
//!
//! Typos of the printed paper that this module corrects: Eq. 23 has both logarithms inverted (Eq. C10
//! is right; see [`four_resonance`]), Eq. 18 prints ln(1/f + 1) where fermions need ln(1/f − 1), and
//! Eq. 7 should read Ṡ_r = J_r/T_r with J_r = ∫ṅ(ε)(ε − ε_F)dε.

pub mod distributions;
pub mod figures;
pub mod finite_width;
pub mod four_resonance;
pub mod landauer;
pub mod quadrature;
pub mod sweep;
