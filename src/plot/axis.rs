//! Axis ticks and tick labels that read the same on every figure: a 1–2–5 sequence on linear axes
//! with an exact zero, decades (and 2, 5 between them on short ranges) on log axes including those
//! below 1, one number format per axis, and a common power of ten moved into the axis label when
//! the values are very small or very large.

/// Linear or logarithmic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

/// What an axis shows: the quantity (symbol and words) and its unit. `unit` is `None` for a
/// dimensionless quantity; reduced units are spelled out as such by the figure's subtitle.
#[derive(Clone, Debug)]
pub struct AxisSpec {
    pub quantity: String,
    pub unit: Option<String>,
    pub scale: Scale,
    /// Fixed range; `None`: from the data.
    pub range: Option<(f64, f64)>,
}

impl AxisSpec {
    pub fn linear(quantity: &str, unit: Option<&str>) -> AxisSpec {
        AxisSpec {
            quantity: quantity.into(),
            unit: unit.map(Into::into),
            scale: Scale::Linear,
            range: None,
        }
    }

    pub fn log(quantity: &str, unit: Option<&str>) -> AxisSpec {
        AxisSpec {
            scale: Scale::Log,
            ..AxisSpec::linear(quantity, unit)
        }
    }

    pub fn with_range(mut self, lo: f64, hi: f64) -> AxisSpec {
        self.range = Some((lo, hi));
        self
    }

    /// "quantity (unit)" as the CSV names it, with no rescaling.
    pub fn csv_name(&self) -> String {
        match &self.unit {
            Some(u) => format!("{} ({u})", self.quantity),
            None => format!("{} (dimensionless)", self.quantity),
        }
    }
}

/// A laid-out axis: its range, ticks and their labels, and the label under or beside it.
#[derive(Clone, Debug)]
pub struct Axis {
    pub scale: Scale,
    pub lo: f64,
    pub hi: f64,
    pub ticks: Vec<f64>,
    pub labels: Vec<String>,
    /// Unlabelled minor ticks (2–9 within decades on log axes).
    pub minor: Vec<f64>,
    pub title: String,
}

impl Axis {
    /// Lays out `spec` over [lo, hi]. Ends a log axis cannot have (≤ 0) or that are not finite are
    /// replaced (three decades below a valid top, else 0.1–1; 0–1 on a linear axis), so that a figure of
    /// degenerate data is drawn, not a panic.
    pub fn new(spec: &AxisSpec, lo: f64, hi: f64) -> Axis {
        let valid = |v: f64| v.is_finite() && (spec.scale == Scale::Linear || v > 0.0);
        let (lo, hi) = match (valid(lo), valid(hi)) {
            (true, true) => (lo.min(hi), lo.max(hi)),
            (false, true) if spec.scale == Scale::Log => (hi / 1e3, hi),
            _ if spec.scale == Scale::Log => (0.1, 1.0),
            _ => (0.0, 1.0),
        };
        match spec.scale {
            Scale::Linear => linear_axis(spec, lo, hi),
            Scale::Log => log_axis(spec, lo, hi),
        }
    }

    /// The drawing coordinate of a value: itself, or log10 of it on a log axis (None where ≤ 0).
    pub fn to_draw(&self, v: f64) -> Option<f64> {
        match self.scale {
            Scale::Linear => v.is_finite().then_some(v),
            Scale::Log => (v.is_finite() && v > 0.0).then(|| v.log10()),
        }
    }

    /// The drawn range, in drawing coordinates.
    pub fn draw_range(&self) -> (f64, f64) {
        (
            self.to_draw(self.lo).expect("axis ends are valid"),
            self.to_draw(self.hi).expect("axis ends are valid"),
        )
    }

    /// Whether `v` lies on the axis.
    pub fn contains(&self, v: f64) -> bool {
        v >= self.lo && v <= self.hi
    }

    /// The tick label of the tick nearest to drawing coordinate `u`.
    pub fn label_at(&self, u: f64) -> String {
        self.ticks
            .iter()
            .zip(&self.labels)
            .filter_map(|(t, l)| self.to_draw(*t).map(|d| ((d - u).abs(), l)))
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, l)| l.clone())
            .unwrap_or_default()
    }
}

const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];

/// "10⁻³" for n = −3.
pub fn power_of_ten(n: i32) -> String {
    let mut s = String::from("10");
    if n < 0 {
        s.push('⁻');
    }
    for d in n.unsigned_abs().to_string().bytes() {
        s.push(SUPERSCRIPT[(d - b'0') as usize]);
    }
    s
}

/// A number for text on a figure: `digits` + 1 significant figures, plain between 0.01 and 10⁴, else
/// "m × 10ⁿ"; a true minus sign.
pub fn scientific(v: f64, digits: usize) -> String {
    let s = if v == 0.0 || !v.is_finite() {
        format!("{v}")
    } else if (1e-2..1e4).contains(&v.abs()) {
        // digits + 1 significant figures, trailing zeros dropped.
        let decimals = (digits as i32 - v.abs().log10().floor() as i32).max(0) as usize;
        let t = format!("{v:.decimals$}");
        if t.contains('.') {
            t.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            t
        }
    } else {
        let n = v.abs().log10().floor() as i32;
        let m = v / 10f64.powi(n);
        // Rounding can carry the mantissa to 10.
        let (m, n) = if format!("{:.*}", digits, m.abs()).starts_with("10") {
            (m / 10.0, n + 1)
        } else {
            (m, n)
        };
        format!("{:.*} × {}", digits, m, power_of_ten(n))
    };
    s.replace('-', "−")
}

/// A 1, 2 or 5 × 10ᵏ step giving about `target` intervals over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let nice = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    nice * p
}

fn linear_axis(spec: &AxisSpec, lo: f64, hi: f64) -> Axis {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        let half = if lo != 0.0 { 0.5 * lo.abs() } else { 0.5 };
        (lo - half, hi + half)
    };
    let step = nice_step(hi - lo, 5.0);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // Ticks are integer multiples of the step: zero is exactly zero, never −5.6e−17.
    let ticks: Vec<f64> = (first..=last).map(|k| k as f64 * step).collect();
    let largest = ticks.iter().fold(0.0_f64, |m, t| m.max(t.abs()));
    // Very small or large numbers: one power of ten for the whole axis, written in its label.
    let exponent = if largest > 0.0 && !(0.1..1e4).contains(&largest) {
        largest.log10().floor() as i32
    } else {
        0
    };
    let scale = 10f64.powi(exponent);
    let decimals = (-((step / scale).log10().floor()) as i32).max(0) as usize;
    let labels = ticks
        .iter()
        .map(|t| {
            let s = format!("{:.*}", decimals, t / scale);
            // "−0.0" and "-0" are zero.
            if s.trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                s.trim_start_matches('-').to_string()
            } else {
                s.replace('-', "−")
            }
        })
        .collect();
    let title = match (&spec.unit, exponent) {
        (Some(u), 0) => format!("{} ({u})", spec.quantity),
        (Some(u), e) => format!("{} ({} {u})", spec.quantity, power_of_ten(e)),
        (None, 0) => spec.quantity.clone(),
        (None, e) => format!("{} (× {})", spec.quantity, power_of_ten(e)),
    };
    Axis {
        scale: Scale::Linear,
        lo,
        hi,
        ticks,
        labels,
        minor: Vec::new(),
        title,
    }
}

/// The label of m × 10ⁿ on a log axis: plain decimals, or "m×10ⁿ".
fn log_label(m: u32, n: i32, plain: bool) -> String {
    if plain {
        let v = m as f64 * 10f64.powi(n);
        format!("{:.*}", (-n).max(0) as usize, v)
    } else if m == 1 {
        power_of_ten(n)
    } else {
        format!("{m}×{}", power_of_ten(n))
    }
}

fn log_axis(spec: &AxisSpec, lo: f64, hi: f64) -> Axis {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo / 2.0, hi * 2.0)
    };
    let (n0, n1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let candidates = |mantissas: &[u32]| -> Vec<(u32, i32)> {
        (n0..=n1)
            .flat_map(|n| mantissas.iter().map(move |&m| (m, n)))
            .filter(|&(m, n)| {
                let v = m as f64 * 10f64.powi(n);
                v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9)
            })
            .collect()
    };
    let decades = candidates(&[1]);
    // Few decades: label 2 and 5 too, so that a range such as 0.1–10 reads 0.1, 0.2, 0.5, 1, ….
    let labelled = if decades.len() > 3 {
        // Many decades: every decade, thinned to at most 7 labels.
        let every = decades.len().div_ceil(7);
        decades.into_iter().step_by(every).collect()
    } else if decades.len() >= 2 && (hi / lo) > 30.0 {
        candidates(&[1, 2, 5])
    } else {
        candidates(&[1, 2, 3, 5])
    };
    if labelled.len() < 2 {
        // A range within one decade: widen it to the decades around it.
        return log_axis(spec, 10f64.powi(n0), 10f64.powi(n1.max(n0 + 1)));
    }
    // One format per axis: powers of ten throughout once any label would need one.
    let plain = labelled.iter().all(|&(_, n)| (-3..4).contains(&n));
    let minor = candidates(&[1, 2, 3, 4, 5, 6, 7, 8, 9])
        .into_iter()
        .map(|(m, n)| m as f64 * 10f64.powi(n))
        .collect();
    Axis {
        scale: Scale::Log,
        lo,
        hi,
        ticks: labelled
            .iter()
            .map(|&(m, n)| m as f64 * 10f64.powi(n))
            .collect(),
        labels: labelled
            .iter()
            .map(|&(m, n)| log_label(m, n, plain))
            .collect(),
        minor,
        title: match &spec.unit {
            Some(u) => format!("{} ({u})", spec.quantity),
            None => spec.quantity.clone(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lin(lo: f64, hi: f64) -> Axis {
        Axis::new(&AxisSpec::linear("Q", Some("eV")), lo, hi)
    }

    #[test]
    fn linear_zero_is_plain_and_formats_agree() {
        // 0.1 + 0.2 − 0.3 ≠ 0 in floating point: ticks built from multiples of the step avoid it.
        let a = lin(-0.3, 0.3 + 1e-17);
        assert!(a.labels.contains(&"0.0".to_string()), "{:?}", a.labels);
        let decimals: Vec<usize> = a
            .labels
            .iter()
            .map(|l| l.split('.').nth(1).map_or(0, str::len))
            .collect();
        assert!(decimals.windows(2).all(|w| w[0] == w[1]), "{:?}", a.labels);
        assert!(a.labels.iter().all(|l| !l.contains('e')), "{:?}", a.labels);
    }

    #[test]
    fn tiny_values_move_a_power_of_ten_into_the_label() {
        let a = lin(-3.5e-18, 8.0e-3);
        assert_eq!(a.title, "Q (10⁻³ eV)");
        assert!(a.labels.contains(&"0".to_string()), "{:?}", a.labels);
        assert!(a.labels.iter().all(|l| l.len() <= 4), "{:?}", a.labels);
    }

    #[test]
    fn degenerate_ranges_give_an_axis() {
        for (lo, hi) in [(0.0, 0.0), (-1.0, 5.0), (f64::NAN, 1.0), (2.0, 2.0)] {
            let a = Axis::new(&AxisSpec::log("P", None), lo, hi);
            assert!(
                a.lo > 0.0 && a.hi > a.lo && a.ticks.len() >= 2,
                "{lo}, {hi}: {a:?}"
            );
            let b = Axis::new(&AxisSpec::linear("Q", None), lo, hi);
            assert!(
                b.hi - b.lo >= 1.0 && !b.ticks.is_empty(),
                "{lo}, {hi}: {b:?}"
            );
        }
    }

    #[test]
    fn scientific_text() {
        assert_eq!(scientific(-9.3746e-4, 3), "−9.375 × 10⁻⁴");
        assert_eq!(scientific(9.9996e-5, 2), "1.00 × 10⁻⁴");
        assert_eq!(scientific(0.25, 2), "0.25");
        assert_eq!(scientific(-27.5581, 2), "−27.6");
        assert_eq!(scientific(155.6654, 2), "156");
        assert_eq!(scientific(7.0, 2), "7");
        assert_eq!(scientific(0.0, 2), "0");
    }

    #[test]
    fn log_axis_below_one_is_labelled() {
        let a = Axis::new(&AxisSpec::log("κ_H/κ_C", None), 0.1, 10.0);
        assert_eq!(a.labels, ["0.1", "0.2", "0.5", "1", "2", "5", "10"]);
        let b = Axis::new(&AxisSpec::log("P", None), 1e-7, 1e-1);
        assert_eq!(b.labels.first().map(String::as_str), Some("10⁻⁷"));
        assert!(b.labels.len() <= 7, "{:?}", b.labels);
    }
}
