//! Seed 000's closed forms for equal frictions γ_C = γ_H = γ, kept only as cross-checks of the
//! Lyapunov solution, each next to the printed version where the print is wrong:
//!
//! * Eqs. 3–4 carry an extra overall minus sign: as printed they make Q̇_C/T_C + Q̇_H/T_H equal to
//!   −(Eq. 5) ≤ 0 and give Q̇_C < 0 for the heater of Fig. 2a, which dissipates into the cold bath.
//! * Eq. 22's denominator reads m[(κ_j+κ_l)² + 2(2κ+κ_j+κ_l)], adding a stiffness to a squared
//!   stiffness; it must be m(κ_j+κ_l)² + 2γ²(2κ+κ_j+κ_l), twice the denominator of Eq. 23.
//! * Eq. 24's denominator reads m(κ_j+κ_l)² + 2(2κ + κ_j κ_l)γ², again mixing a stiffness with a
//!   squared one; κ_j κ_l must be κ_j + κ_l.
//!
//! Arguments are plain numbers in any consistent unit system (mass, friction, stiffness, k_B T as
//! energy); the fixed forms are dimensionally homogeneous, so their values transform like the physical
//! quantity when units change, and the printed 22 and 24 do not.

/// Parameters of the closed forms in one consistent unit system.
#[derive(Clone, Copy, Debug)]
pub struct Raw {
    pub m: f64,
    pub gamma: f64,
    pub kappa: f64,
    pub kappa_j: f64,
    pub kappa_l: f64,
    pub kt_j: f64,
    pub kt_l: f64,
}

fn denominator(r: &Raw) -> f64 {
    0.5 * r.m * (r.kappa_j + r.kappa_l).powi(2)
        + r.gamma.powi(2) * (2.0 * r.kappa + r.kappa_j + r.kappa_l)
}

/// ⟨Q̇_j⟩ (energy/time) with the sign fixed: γ κ_j (κ_j k_BT_l − κ_l k_BT_j) / [(m/2)(κ_j+κ_l)² + γ²(2κ+κ_j+κ_l)],
/// i.e. Eq. 3 (j = C) and Eq. 4 (j = H) times −1.
pub fn heat_rate(r: &Raw) -> f64 {
    r.gamma * r.kappa_j * (r.kappa_j * r.kt_l - r.kappa_l * r.kt_j) / denominator(r)
}

/// Eqs. 3–4 exactly as printed (wrong sign).
pub fn heat_rate_as_printed(r: &Raw) -> f64 {
    -heat_rate(r)
}

/// Seed 000, Eq. 5: ⟨Ṡ_tot⟩ = γ (κ_C T_H − κ_H T_C)² / (T_C T_H D), in k_B per time, with j = C, l = H
/// and k_B T passed as energies (so T_C T_H → k_BT_C k_BT_H).
pub fn entropy_production(r: &Raw) -> f64 {
    r.gamma * (r.kappa_j * r.kt_l - r.kappa_l * r.kt_j).powi(2) / (r.kt_j * r.kt_l * denominator(r))
}

/// Seed 000, Eq. 7 with j = C, l = H: COP = κ_C/(κ_H − κ_C).
pub fn cop(r: &Raw) -> f64 {
    r.kappa_j / (r.kappa_l - r.kappa_j)
}

/// Seed 000, Eq. 23: ⟨Ẋ_j²⟩ (printed correctly).
pub fn velocity_variance(r: &Raw) -> f64 {
    r.kappa_j * (r.kappa_j * r.kt_l - r.kappa_l * r.kt_j) / denominator(r) + r.kt_j / r.m
}

/// Seed 000, Eq. 22 with the denominator fixed: ⟨X_l²⟩.
pub fn position_variance(r: &Raw) -> f64 {
    let Raw {
        m,
        gamma: g,
        kappa: k,
        kappa_j: kj,
        kappa_l: kl,
        kt_j: tj,
        kt_l: tl,
    } = *r;
    let num = m * tl * (kj * kj * (kj + kl) + k * (kj * kj + kl * kl))
        + 2.0 * g * g * (kl * kl * tj + tl * (k + kj) * (2.0 * k + kj) + k * kl * tl)
        + m * tj * kl * kl * (2.0 * k + kj + kl);
    num / (k * (k + kj + kl) * 2.0 * denominator(r))
}

/// Seed 000, Eq. 22 exactly as printed (dimensionally inconsistent denominator).
pub fn position_variance_as_printed(r: &Raw) -> f64 {
    let fixed = position_variance(r);
    let Raw {
        m,
        kappa: k,
        kappa_j: kj,
        kappa_l: kl,
        ..
    } = *r;
    fixed * 2.0 * denominator(r) / (m * ((kj + kl).powi(2) + 2.0 * (2.0 * k + kj + kl)))
}

/// Seed 000, Eq. 24 with the denominator fixed: ⟨X_l Ẋ_j⟩.
pub fn position_velocity_covariance(r: &Raw) -> f64 {
    r.gamma * (r.kappa_j * r.kt_l - r.kappa_l * r.kt_j) / denominator(r)
}

/// Seed 000, Eq. 24 exactly as printed.
pub fn position_velocity_covariance_as_printed(r: &Raw) -> f64 {
    let Raw {
        m,
        gamma: g,
        kappa: k,
        kappa_j: kj,
        kappa_l: kl,
        kt_j: tj,
        kt_l: tl,
    } = *r;
    2.0 * g * (kj * tl - kl * tj) / (m * (kj + kl).powi(2) + 2.0 * (2.0 * k + kj * kl) * g * g)
}

/// Mean and variance of the Eq. 9 form as seed 000's Eq. 25 prints them, with
/// λ± = 2√(αζ) ∓ β, Z = κ_j(1/λ₊ + 1/λ₋) (κ_j > 0): (1/Z){2κ³/λ₋³ + 2κ³/λ₊³ − [κ²/λ₋² + 2κ²/λ₊²]²}. The correct variance of
/// the same density has −[κ²/λ₊² − κ²/λ₋²]²/Z² as its last term: the printed bracket has a + for a −,
/// a spurious factor 2, and a single 1/Z where the squared mean needs 1/Z².
pub fn power_variance_as_printed(kappa_j: f64, lambda_plus: f64, lambda_minus: f64) -> f64 {
    let k = kappa_j;
    let z = k / lambda_plus + k / lambda_minus;
    (2.0 * k.powi(3) / lambda_minus.powi(3) + 2.0 * k.powi(3) / lambda_plus.powi(3)
        - (k * k / lambda_minus.powi(2) + 2.0 * k * k / lambda_plus.powi(2)).powi(2))
        / z
}
