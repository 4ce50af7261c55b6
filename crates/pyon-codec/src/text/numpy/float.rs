//! numpy's float formatting (dragon4 with `floatmode='maxprec'`, precision 8): positional or
//! scientific digits, and `FloatFormat`'s padding fitted to all the elements shown. Apart from
//! the array layout, which only places the texts made here.

use crate::text::scalar::float_repr;

/// numpy's default `precision`: at most this many fraction digits.
const PRECISION: usize = 8;

/// The precision a float element was stored in; its value is held as an `f64` (exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Width {
    /// `float16`.
    Half,
    /// `float32`, `complex64`.
    Single,
    /// `float64`, `complex128`.
    Double,
}

impl Width {
    /// The magnitude from which an array of this width is printed in scientific notation:
    /// `10 ** min(8, finfo(dtype).precision)`.
    fn array_exp_cutoff(self) -> f64 {
        match self {
            Width::Half => 1e3,
            Width::Single => 1e6,
            Width::Double => 1e8,
        }
    }

    /// The magnitude from which a scalar of this width is printed in scientific notation:
    /// `10 ** finfo(dtype).precision`, and Python's own `1e16` for a double.
    fn scalar_exp_cutoff(self) -> f64 {
        match self {
            Width::Half => 1e3,
            Width::Single => 1e6,
            Width::Double => 1e16,
        }
    }

    /// `|x|` with the digits of the rounding to 8 decimals (`{:.8}` or `{:.8e}`) of this
    /// width's value: a `float16` is exact as an `f32`.
    fn rounded(self, x: f64, scientific: bool) -> String {
        match (self, scientific) {
            (Width::Double, false) => format!("{:.8}", x.abs()),
            (Width::Double, true) => format!("{:.8e}", x.abs()),
            (_, false) => format!("{:.8}", (x as f32).abs()),
            (_, true) => format!("{:.8e}", (x as f32).abs()),
        }
    }
}

/// Shortest round-trip digits of `|x|` (finite) in its width, and the decimal exponent of the
/// first digit.
fn shortest(x: f64, width: Width) -> (String, i32) {
    let s = match width {
        Width::Double => format!("{:e}", x.abs()),
        Width::Single => format!("{:e}", (x as f32).abs()),
        Width::Half => shortest_half(x.abs()),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mut digits = mant.replace('.', "");
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
    }
    (digits, exp.parse().unwrap_or(0))
}

/// The shortest decimal (as `{:e}` writes it) that reads back as the `float16` `x` (positive,
/// finite, and a `float16` value): the correctly rounded decimal of the fewest digits that
/// lies inside `x`'s rounding interval (its ends when `x`'s last bit is even).
fn shortest_half(x: f64) -> String {
    if x == 0.0 {
        return "0e0".to_owned();
    }
    // `x` is normal as an f64; its binary exponent gives the float16 spacing around it.
    let e = ((x.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    let ulp = 2f64.powi(if e < -14 { -24 } else { e - 10 });
    let gap_below = if e > -14 && x == 2f64.powi(e) {
        ulp / 2.0
    } else {
        ulp
    };
    let (lo, hi) = (x - gap_below / 2.0, x + ulp / 2.0);
    let even = (x / ulp) % 2.0 == 0.0;
    (0..5)
        .map(|p| format!("{x:.p$e}"))
        .find(|s| {
            s.parse::<f64>()
                .is_ok_and(|d| (lo < d && d < hi) || (even && (d == lo || d == hi)))
        })
        .unwrap_or_else(|| format!("{x:e}"))
}

/// The value of the IEEE 754 half-precision number with these bits.
pub(super) fn half_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// The sign numpy writes before `x`: `-` when negative (`-0.0` too), `+` for the imaginary
/// part of a complex number.
fn sign(x: f64, plus: bool) -> &'static str {
    if x.is_sign_negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    }
}

/// dragon4 positional, unique digits with at most `PRECISION` fraction digits: (int, frac).
fn positional(x: f64, width: Width, plus: bool) -> (String, String) {
    let sign = sign(x, plus);
    let (digits, e) = shortest(x, width);
    let nfrac = digits.len() as i32 - 1 - e;
    let (int, frac) = if x == 0.0 {
        ("0".to_owned(), String::new())
    } else if nfrac <= PRECISION as i32 {
        if e < 0 {
            let zeros = "0".repeat((-e - 1) as usize);
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else {
            let int_len = e as usize + 1;
            if digits.len() <= int_len {
                (
                    format!("{digits}{}", "0".repeat(int_len - digits.len())),
                    String::new(),
                )
            } else {
                (digits[..int_len].to_owned(), digits[int_len..].to_owned())
            }
        }
    } else {
        let s = width.rounded(x, false);
        let (i, f) = s.split_once('.').unwrap_or((&s, ""));
        (i.to_owned(), f.trim_end_matches('0').to_owned())
    };
    (format!("{sign}{int}"), frac)
}

/// dragon4 scientific, unique digits with at most `PRECISION` fraction digits:
/// (int, frac, exponent with sign).
fn scientific(x: f64, width: Width, plus: bool) -> (String, String, String) {
    let sign = sign(x, plus);
    let (mut digits, mut e) = shortest(x, width);
    if digits.len() > PRECISION + 1 {
        let s = width.rounded(x, true);
        let (m, ex) = s.split_once('e').unwrap_or((&s, "0"));
        digits = m.replace('.', "").trim_end_matches('0').to_owned();
        e = ex.parse().unwrap_or(0);
    }
    let exp = format!("{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs());
    (
        format!("{sign}{}", &digits[..1]),
        digits[1..].to_owned(),
        exp,
    )
}

/// dragon4 scientific of the exact value of `x` with `precision` fraction digits, rounded:
/// (int, frac, exponent with sign), as [`scientific`] splits them.
fn exact_scientific(x: f64, precision: usize, plus: bool) -> (String, String, String) {
    let sign = sign(x, plus);
    let s = format!("{:.precision$e}", x.abs());
    let (mant, e) = s.split_once('e').unwrap_or((&s, "0"));
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let e: i32 = e.parse().unwrap_or(0);
    let exp = format!("{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs());
    (format!("{sign}{int}"), frac.to_owned(), exp)
}

/// numpy's `FloatingFormat` after `fillFormat`.
pub(super) struct FloatFormat {
    exp_format: bool,
    pad_left: usize,
    pad_right: usize,
    precision: usize,
    exp_size: usize,
    plus: bool,
    width: Width,
}

impl FloatFormat {
    pub(super) fn new(data: &[f64], width: Width, plus: bool) -> FloatFormat {
        let finite: Vec<f64> = data.iter().copied().filter(|x| x.is_finite()).collect();
        let nonzero: Vec<f64> = finite
            .iter()
            .map(|x| x.abs())
            .filter(|&x| x != 0.0)
            .collect();
        let mut f = FloatFormat {
            exp_format: false,
            pad_left: 0,
            pad_right: 0,
            precision: PRECISION,
            exp_size: 0,
            plus,
            width,
        };
        if !nonzero.is_empty() {
            let max = nonzero.iter().copied().fold(f64::MIN, f64::max);
            let min = nonzero.iter().copied().fold(f64::MAX, f64::min);
            // numpy divides in the array's own precision.
            let ratio = match width {
                Width::Double => max / min,
                _ => (max / min) as f32 as f64,
            };
            f.exp_format = max >= width.array_exp_cutoff() || min < 0.0001 || ratio > 1000.0;
        }
        if finite.is_empty() {
        } else if f.exp_format {
            let parts: Vec<_> = finite.iter().map(|&x| scientific(x, width, plus)).collect();
            f.exp_size = parts.iter().map(|p| p.2.len() - 1).max().unwrap_or(2);
            f.precision = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(1);
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            let parts: Vec<_> = finite.iter().map(|&x| positional(x, width, plus)).collect();
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(1);
            f.pad_right = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
        }
        if finite.len() != data.len() {
            let neginf = plus || data.iter().any(|x| x.is_infinite() && *x < 0.0);
            let offset = f.pad_right + 1;
            let nan = 3usize.saturating_sub(offset);
            let inf = (3 + neginf as usize).saturating_sub(offset);
            f.pad_left = f.pad_left.max(nan).max(inf);
        }
        f
    }

    pub(super) fn format(&self, x: f64) -> String {
        if !x.is_finite() {
            let text = if x.is_nan() {
                format!("{}nan", if self.plus { "+" } else { "" })
            } else if x < 0.0 {
                "-inf".to_owned()
            } else {
                format!("{}inf", if self.plus { "+" } else { "" })
            };
            return format!("{text:>width$}", width = self.pad_left + self.pad_right + 1);
        }
        if self.exp_format {
            let (int, frac, exp) = match scientific(x, self.width, self.plus) {
                // `min_digits`: past the unique digits, more digits of the exact value.
                (_, frac, _) if frac.len() < self.precision => {
                    exact_scientific(x, self.precision, self.plus)
                }
                parts => parts,
            };
            let digits = exp.len() - 1;
            let exp = format!(
                "{}{}{}",
                &exp[..1],
                "0".repeat(self.exp_size.saturating_sub(digits)),
                &exp[1..]
            );
            format!(
                "{int:>pl$}.{frac:0<p$}e{exp}",
                pl = self.pad_left,
                p = self.precision
            )
        } else {
            let (int, frac) = positional(x, self.width, self.plus);
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

/// Python's `repr(float)` layout for the shortest digits of a float of this width.
pub(super) fn python_float_text(x: f64, width: Width) -> String {
    if width == Width::Double || !x.is_finite() || x == 0.0 {
        return float_repr(x);
    }
    let (digits, e) = shortest(x, width);
    let sign = if x < 0.0 { "-" } else { "" };
    if (1e-4..width.scalar_exp_cutoff()).contains(&x.abs()) {
        let (int, frac) = positional(x, width, false);
        let frac = if frac.is_empty() {
            "0".to_owned()
        } else {
            frac
        };
        format!("{}.{frac}", int)
    } else {
        let frac = if digits.len() > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        format!(
            "{sign}{}{frac}e{}{:02}",
            &digits[..1],
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        )
    }
}
