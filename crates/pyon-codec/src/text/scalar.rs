//! Python's `repr` of scalars: `float`, `complex` and `bytes`, written as CPython 3.11 writes
//! them. The encoders of both versions and [`repr`](super::repr) build on these.

/// The shortest round-trip decimal digits of a finite, non-zero `|x|` (no leading or trailing
/// zeros) and its scientific exponent: `|x| = d.ddd × 10^exp`.
fn shortest_digits(x: f64) -> (Digits, i32) {
    let mut buf = zmij::Buffer::new();
    let s = buf.format_finite(x.abs()).as_bytes();
    let (mant, exp) = match s.iter().position(|&b| b == b'e').map(|p| s.split_at(p)) {
        Some((mant, exp)) => (mant, parse_exp(exp.get(1..).unwrap_or_default())),
        None => (s, 0),
    };
    let dot = mant.iter().position(|&b| b == b'.').unwrap_or(mant.len());
    let mut exp10 = dot as i32 - 1 + exp;
    let mut digits = Digits::default();
    for &b in mant {
        if b == b'.' || (digits.len == 0 && b == b'0') {
            // A leading zero shifts the exponent; the dot is skipped.
            if b == b'0' {
                exp10 -= 1;
            }
            continue;
        }
        digits.push(b);
    }
    while digits.len > 1 && digits.as_slice().last() == Some(&b'0') {
        digits.len -= 1;
    }
    (digits, exp10)
}

/// Decimal digits, kept inline (no allocation): a double's shortest digits are at most 17.
#[derive(Default)]
struct Digits {
    buf: [u8; 24],
    len: usize,
}

impl Digits {
    fn push(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

fn parse_exp(b: &[u8]) -> i32 {
    let (neg, digits) = match b.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, b),
    };
    let v = digits
        .iter()
        .fold(0i32, |acc, &d| acc * 10 + (d - b'0') as i32);
    if neg { -v } else { v }
}

/// The lower-case hexadecimal digit of `v` (below 16).
pub(crate) fn hex_digit(v: u8) -> char {
    char::from_digit(u32::from(v), 16).unwrap_or('0')
}

/// Appends `repr(x)` for a finite or non-finite float, with Python's rules. `add_dot_zero`
/// is `repr(float)`'s `.0` on integral values (complex parts omit it). Non-finite values
/// are written with the caller's spellings.
fn write_float_digits(out: &mut String, x: f64, add_dot_zero: bool) {
    if x == 0.0 {
        out.push_str(if x.is_sign_negative() { "-0" } else { "0" });
        if add_dot_zero {
            out.push_str(".0");
        }
        return;
    }
    if x.is_sign_negative() {
        out.push('-');
    }
    let (digits, exp10) = shortest_digits(x);
    let digits = digits.as_slice();
    fn text(d: &[u8]) -> &str {
        std::str::from_utf8(d).unwrap_or("")
    }
    if (-4..16).contains(&exp10) {
        if exp10 >= 0 {
            let int_len = exp10 as usize + 1;
            match digits.split_at_checked(int_len) {
                Some((int, frac)) if !frac.is_empty() => {
                    out.push_str(text(int));
                    out.push('.');
                    out.push_str(text(frac));
                }
                _ => {
                    out.push_str(text(digits));
                    for _ in digits.len()..int_len {
                        out.push('0');
                    }
                    if add_dot_zero {
                        out.push_str(".0");
                    }
                }
            }
        } else {
            out.push_str("0.");
            for _ in 0..(-exp10 - 1) {
                out.push('0');
            }
            out.push_str(text(digits));
        }
    } else {
        let (first, rest) = digits.split_at_checked(1).unwrap_or((digits, &[]));
        out.push_str(text(first));
        if !rest.is_empty() {
            out.push('.');
            out.push_str(text(rest));
        }
        out.push('e');
        out.push(if exp10 < 0 { '-' } else { '+' });
        let e = exp10.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        let mut ib = itoa::Buffer::new();
        out.push_str(ib.format(e));
    }
}

/// Appends Python's `repr(float)`; non-finite values are written as `inf`, `-inf`, `nan` (the
/// v1 spelling) unless the caller handles them first. The common case is inlined where it
/// is called (the v2 encoder's items), the rest is a call.
#[inline(always)]
pub(crate) fn write_float_repr(out: &mut String, x: f64) {
    // zmij writes fixed notation exactly when the decimal exponent is in -5..=15, and so does
    // Python for -4..=15: in 1e-4 <= |x| < 1e16 (the common case) its text is Python's as is.
    if (1e-4..1e16).contains(&x.abs()) {
        out.push_str(zmij::Buffer::new().format_finite(x));
    } else {
        write_float_repr_rest(out, x);
    }
}

/// [`write_float_repr`] outside `1e-4 <= |x| < 1e16`.
#[inline(never)]
fn write_float_repr_rest(out: &mut String, x: f64) {
    if x.is_finite() {
        // zmij's shortest digits in its own layout are Python's repr except for two details, fixed
        // here without re-deriving the digits: Python writes 1e-5 <= |x| < 1e-4 in scientific
        // notation, and its exponents carry a sign and at least two digits (`1e+16`, `1e-07`).
        let mut buf = zmij::Buffer::new();
        let s = buf.format_finite(x);
        match s.bytes().position(|c| c == b'e') {
            None if s.trim_start_matches('-').starts_with("0.0000") => {
                write_float_digits(out, x, true)
            }
            None => out.push_str(s),
            Some(p) => {
                out.push_str(&s[..p]);
                out.push('e');
                let exp = &s[p + 1..];
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp.strip_prefix('+').unwrap_or(exp)),
                };
                out.push(sign);
                if digits.len() == 1 {
                    out.push('0');
                }
                out.push_str(digits);
            }
        }
    } else if x.is_nan() {
        out.push_str("nan");
    } else if x > 0.0 {
        out.push_str("inf");
    } else {
        out.push_str("-inf");
    }
}

/// `repr(float)` as a string.
pub fn float_repr(x: f64) -> String {
    let mut s = String::with_capacity(24);
    write_float_repr(&mut s, x);
    s
}

fn write_complex_part(out: &mut String, x: f64, always_sign: bool) {
    if x.is_nan() {
        if always_sign {
            out.push('+');
        }
        out.push_str("nan");
    } else if x.is_infinite() {
        out.push_str(match (x > 0.0, always_sign) {
            (true, true) => "+inf",
            (true, false) => "inf",
            _ => "-inf",
        });
    } else {
        if always_sign && !x.is_sign_negative() {
            out.push('+');
        }
        write_float_digits(out, x, false);
    }
}

/// Appends Python's `repr(complex)`: `1j`, `(1-9j)`, `(inf-0j)`.
pub(crate) fn write_complex_repr(out: &mut String, re: f64, im: f64) {
    if re == 0.0 && re.is_sign_positive() {
        write_complex_part(out, im, false);
        out.push('j');
    } else {
        out.push('(');
        write_complex_part(out, re, false);
        write_complex_part(out, im, true);
        out.push_str("j)");
    }
}

/// Appends Python's `repr(bytes)`, with its choice of quotes.
pub(crate) fn write_bytes_repr(out: &mut String, b: &[u8]) {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push('b');
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            _ => {
                out.push_str("\\x");
                out.push(hex_digit(c >> 4));
                out.push(hex_digit(c & 15));
            }
        }
    }
    out.push(quote as char);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_reprs_match_python() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (1e-7, "1e-07"),
            (1e-4, "0.0001"),
            (1.5e-5, "1.5e-05"),
            (0.00012345, "0.00012345"),
            (1e22, "1e+22"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (std::f64::consts::PI, "3.141592653589793"),
            (123456789.0, "123456789.0"),
            (1234567890123456.7, "1234567890123456.8"),
            (9999999999999998.0, "9999999999999998.0"),
            (-2.5e100, "-2.5e+100"),
            (12.5, "12.5"),
            (100.0, "100.0"),
            (0.5, "0.5"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for &(x, want) in cases {
            assert_eq!(float_repr(x), want, "{x:e}");
        }
    }

    #[test]
    fn complex_reprs_match_python() {
        let cases: &[(f64, f64, &str)] = &[
            (1.0, -9.0, "(1-9j)"),
            (0.0, 1.0, "1j"),
            (f64::INFINITY, -0.0, "(inf-0j)"),
            (-0.0, 1.0, "(-0+1j)"),
            (1.5, 2.25, "(1.5+2.25j)"),
            (0.0, -1.0, "-1j"),
            (0.0, 1e16, "1e+16j"),
            (f64::NAN, f64::NAN, "(nan+nanj)"),
            (0.0, 0.0, "0j"),
        ];
        for &(re, im, want) in cases {
            let mut s = String::new();
            write_complex_repr(&mut s, re, im);
            assert_eq!(s, want);
        }
    }

    #[test]
    fn bytes_reprs_match_python() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "b''"),
            (
                b"\x00\x01\xfe\xffraw'\"\n",
                r#"b'\x00\x01\xfe\xffraw\'"\n'"#,
            ),
            (b"it's", r#"b"it's""#),
            (b"a\\b\t\r\x7f", r"b'a\\b\t\r\x7f'"),
        ];
        for &(b, want) in cases {
            let mut s = String::new();
            write_bytes_repr(&mut s, b);
            assert_eq!(s, want);
        }
    }
}

#[cfg(test)]
mod python_table {
    /// `tests/data/float_repr.txt` holds Python's own `repr` of ~7,000 doubles (how it was made
    /// is written at its top).
    #[test]
    fn float_repr_matches_python_on_a_large_table() {
        let table = include_str!("../../tests/data/float_repr.txt");
        let mut n = 0;
        for line in table.lines().filter(|l| !l.starts_with('#')) {
            let (bits, want) = line.split_once(' ').unwrap();
            let x = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
            assert_eq!(super::float_repr(x), want, "{bits}");
            n += 1;
        }
        assert!(n > 6000);
    }
}
