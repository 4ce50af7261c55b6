//! numpy's float formatting (dragon4 with `floatmode='maxprec'`, precision 8): positional or
//! scientific digits, and `FloatFormat`'s padding fitted to all the elements shown. Apart from
//! the array layout, which only places the texts made here.

use crate::text::scalar::float_repr;

/// numpy's default `precision`: at most this many fraction digits.
const PRECISION: usize = 8;

/// Shortest round-trip digits of `|x|` (finite) and the decimal exponent of the first digit.
fn shortest(x: f64, single: bool) -> (String, i32) {
    let s = if single {
        format!("{:e}", (x as f32).abs())
    } else {
        format!("{:e}", x.abs())
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    (mant.replace('.', ""), exp.parse().unwrap_or(0))
}

/// dragon4 positional, unique digits with at most `PRECISION` fraction digits: (int, frac).
fn positional(x: f64, single: bool, plus: bool) -> (String, String) {
    let sign = if x.is_sign_negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    let (digits, e) = shortest(x, single);
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
        let s = if single {
            format!("{:.8}", (x as f32).abs())
        } else {
            format!("{:.8}", x.abs())
        };
        let (i, f) = s.split_once('.').unwrap_or((&s, ""));
        (i.to_owned(), f.trim_end_matches('0').to_owned())
    };
    (format!("{sign}{int}"), frac)
}

/// dragon4 scientific, unique digits with at most `PRECISION` fraction digits:
/// (int, frac, exponent with sign).
fn scientific(x: f64, single: bool, plus: bool) -> (String, String, String) {
    let sign = if x.is_sign_negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    let (mut digits, mut e) = shortest(x, single);
    if digits.len() > PRECISION + 1 {
        let s = if single {
            format!("{:.8e}", (x as f32).abs())
        } else {
            format!("{:.8e}", x.abs())
        };
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

/// numpy's `FloatingFormat` after `fillFormat`.
pub(super) struct FloatFormat {
    exp_format: bool,
    pad_left: usize,
    pad_right: usize,
    precision: usize,
    exp_size: usize,
    plus: bool,
    single: bool,
}

impl FloatFormat {
    pub(super) fn new(data: &[f64], single: bool, plus: bool) -> FloatFormat {
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
            single,
        };
        if !nonzero.is_empty() {
            let max = nonzero.iter().copied().fold(f64::MIN, f64::max);
            let min = nonzero.iter().copied().fold(f64::MAX, f64::min);
            let (max_c, min_c) = if single {
                (max as f32 as f64, min as f32 as f64)
            } else {
                (max, min)
            };
            f.exp_format = max_c >= 1e8 || min_c < 0.0001 || max_c / min_c > 1000.0;
        }
        if finite.is_empty() {
        } else if f.exp_format {
            let parts: Vec<_> = finite
                .iter()
                .map(|&x| scientific(x, single, plus))
                .collect();
            f.exp_size = parts.iter().map(|p| p.2.len() - 1).max().unwrap_or(2);
            f.precision = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(1);
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            let parts: Vec<_> = finite
                .iter()
                .map(|&x| positional(x, single, plus))
                .collect();
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
            let (int, frac, exp) = scientific(x, self.single, self.plus);
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
            let (int, frac) = positional(x, self.single, self.plus);
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

/// Python's `repr(float)` layout for shortest digits of a float32.
pub(super) fn python_float_text(x: f64, single: bool) -> String {
    if !single || !x.is_finite() || x == 0.0 {
        return float_repr(x);
    }
    let (digits, e) = shortest(x, true);
    let sign = if x < 0.0 { "-" } else { "" };
    if (-4..16).contains(&e) {
        let (int, frac) = positional(x, true, false);
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
