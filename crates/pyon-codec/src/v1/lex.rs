//! Lexical pieces of PYON v1 (Python literal syntax): number literals and names, recognised
//! with `nom`; their conversion to values. String literals live in `strings.rs`.

use std::borrow::Cow;

use nom::branch::alt;
use nom::bytes::complete::{tag_no_case, take_while};
use nom::character::complete::{char, digit1, one_of, satisfy};
use nom::combinator::{opt, recognize};
use nom::multi::{many0_count, many1_count};
use nom::sequence::{pair, preceded};
use nom::{IResult, Parser};
use num_bigint::BigInt;

use crate::construct::MAX_INT_DIGITS;
use crate::{Error, Result, Value};

/// What a number literal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumKind {
    /// An integer in this radix (10, 16, 8 or 2); the text keeps its prefix and `_`.
    Int(u32),
    /// A float such as `1.`, `.5`, `1e5`.
    Float,
    /// An imaginary literal such as `2j`, `1.5J`.
    Imag,
}

/// `digit (["_"] digit)*`.
fn digitpart(i: &str) -> IResult<&str, &str> {
    recognize(pair(digit1, many0_count(pair(char('_'), digit1)))).parse(i)
}

/// `("e" | "E") ["+" | "-"] digitpart`.
fn exponent(i: &str) -> IResult<&str, &str> {
    recognize((one_of("eE"), opt(one_of("+-")), digitpart)).parse(i)
}

/// `0x`, `0o`, `0b` integers: the prefix then `(["_"] digit)+`.
fn radix_int(i: &str) -> IResult<&str, NumKind> {
    fn digits(radix: u32) -> impl Fn(&str) -> IResult<&str, usize> {
        move |i| many1_count(preceded(opt(char('_')), take_while_1_radix(radix))).parse(i)
    }
    fn take_while_1_radix(radix: u32) -> impl Fn(&str) -> IResult<&str, &str> {
        move |i| {
            recognize(pair(
                satisfy(move |c| c.is_digit(radix)),
                take_while(move |c: char| c.is_digit(radix)),
            ))
            .parse(i)
        }
    }
    alt((
        preceded(tag_no_case("0x"), digits(16)).map(|_| NumKind::Int(16)),
        preceded(tag_no_case("0o"), digits(8)).map(|_| NumKind::Int(8)),
        preceded(tag_no_case("0b"), digits(2)).map(|_| NumKind::Int(2)),
    ))
    .parse(i)
}

/// Decimal integers, floats and imaginary literals.
fn decimal(i: &str) -> IResult<&str, NumKind> {
    let (r, int) = opt(digitpart).parse(i)?;
    let (r, frac) = opt(pair(char('.'), opt(digitpart))).parse(r)?;
    if int.is_none() && !matches!(frac, Some((_, Some(_)))) {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Digit,
        )));
    }
    let (r, exp) = opt(exponent).parse(r)?;
    let (r, j) = opt(one_of("jJ")).parse(r)?;
    let kind = if j.is_some() {
        NumKind::Imag
    } else if frac.is_some() || exp.is_some() {
        NumKind::Float
    } else {
        NumKind::Int(10)
    };
    Ok((r, kind))
}

/// Recognises one number literal at the start of `i`: its length in bytes and its kind.
/// `None` when `i` does not start with a well-formed literal.
pub(crate) fn number(i: &str) -> Option<(usize, NumKind)> {
    if let Some(found) = plain_number(i.as_bytes()) {
        return Some(found);
    }
    let b = i.as_bytes();
    let parsed = if b.first() == Some(&b'0') && b.get(1).is_some_and(u8::is_ascii_alphabetic) {
        alt((radix_int, decimal)).parse(i)
    } else {
        decimal(i)
    };
    let (rest, kind) = parsed.ok()?;
    Some((i.len() - rest.len(), kind))
}

/// The fast path of [`number`] for what encoders write: `123`, `1.5`, `1e-07`, `2.5e+16`, not
/// followed by anything that would extend the literal (`_`, `j`, `.`, letters). `None` sends
/// everything else to the full grammar.
#[inline]
pub(crate) fn plain_number(b: &[u8]) -> Option<(usize, NumKind)> {
    let digits = |from: usize| {
        b.get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count()
    };
    let mut i = digits(0);
    if i == 0 {
        return None;
    }
    let mut kind = NumKind::Int(10);
    if b.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
        kind = NumKind::Float;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let n = digits(i + 1 + sign);
        if n == 0 {
            return None;
        }
        i += 1 + sign + n;
        kind = NumKind::Float;
    }
    match b.get(i) {
        Some(c) if c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.' => None,
        _ => Some((i, kind)),
    }
}

/// Whether `c` may start a Python identifier.
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// Whether `c` may continue a Python identifier.
pub(crate) fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `identifier ("." identifier)*`: the length in bytes of the (possibly dotted) name at the
/// start of `i`, 0 when there is none.
pub(crate) fn name(i: &str) -> usize {
    // Fast path: an ASCII name not followed by a dot or a non-ASCII character.
    let b = i.as_bytes();
    if b.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        let n = b
            .iter()
            .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
            .unwrap_or(b.len());
        if !b.get(n).is_some_and(|&c| c == b'.' || c >= 0x80) {
            return n;
        }
    }
    fn ident(i: &str) -> IResult<&str, &str> {
        recognize(pair(satisfy(is_ident_start), take_while(is_ident_continue))).parse(i)
    }
    recognize(pair(ident, many0_count(preceded(char('.'), ident))))
        .parse(i)
        .map_or(0, |(_, n)| n.len())
}

/// The digits of a literal without its `_` separators.
fn strip_underscores(text: &str) -> Cow<'_, str> {
    // A plain byte loop: literals are short, too short for `str::contains`' memchr to pay.
    if text.bytes().any(|b| b == b'_') {
        Cow::Owned(text.replace('_', ""))
    } else {
        Cow::Borrowed(text)
    }
}

/// The value of an integer literal (`text` as recognised by [`number`]), negated when `neg`.
pub(crate) fn int_value(text: &str, radix: u32, neg: bool) -> Result<Value> {
    // Fast path, what encoders write: up to 18 plain decimal digits fit an i64 as they are.
    if radix == 10 && text.len() <= 18 && (text.len() == 1 || !text.starts_with('0')) {
        let v = text.bytes().try_fold(0i64, |v, d| {
            d.is_ascii_digit().then(|| v * 10 + i64::from(d - b'0'))
        });
        if let Some(v) = v {
            return Ok(Value::Int(if neg { -v } else { v }));
        }
    }
    let digits = strip_underscores(if radix == 10 { text } else { &text[2..] });
    if radix == 10 && digits.len() > 1 && digits.starts_with('0') {
        if digits.bytes().any(|b| b != b'0') {
            return Err(Error::data(
                "leading zeros in decimal integer literals are not permitted",
            ));
        }
        return Ok(Value::Int(0));
    }
    if digits.len() <= 64
        && let Ok(u) = u64::from_str_radix(&digits, radix)
    {
        let i = if neg { -(u as i128) } else { u as i128 };
        return Ok(match i64::try_from(i) {
            Ok(small) => Value::Int(small),
            Err(_) => Value::BigInt(Box::new(BigInt::from(i))),
        });
    }
    if radix == 10 && digits.len() > MAX_INT_DIGITS {
        return Err(Error::data(format!(
            "integer of more than {MAX_INT_DIGITS} digits (Python refuses it too)"
        )));
    }
    let mut big = BigInt::parse_bytes(digits.as_bytes(), radix)
        .ok_or_else(|| Error::data("invalid integer"))?;
    // Python reads a long literal in a power-of-two radix, but could not write it back; the
    // encoders refuse it too (`write_bigint`), so what decodes here can be encoded.
    if radix != 10 && crate::construct::over_digit_limit(&big) {
        return Err(Error::data(format!(
            "integer of more than {MAX_INT_DIGITS} digits (Python refuses it too)"
        )));
    }
    if neg {
        big = -big;
    }
    Ok(Value::from_bigint(big))
}

/// The value of a float or imaginary literal (without its `j`).
pub(crate) fn float_value(text: &str) -> Result<f64> {
    let text = text.trim_end_matches(['j', 'J']);
    crate::scan::float_text(strip_underscores(text).as_bytes())
        .ok_or_else(|| Error::data("invalid number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_recognised() {
        let cases: &[(&str, Option<(usize, NumKind)>)] = &[
            ("1", Some((1, NumKind::Int(10)))),
            ("1_000,", Some((5, NumKind::Int(10)))),
            ("1__0", Some((1, NumKind::Int(10)))),
            ("1.", Some((2, NumKind::Float))),
            (".5]", Some((2, NumKind::Float))),
            ("1e5", Some((3, NumKind::Float))),
            ("1E-5", Some((4, NumKind::Float))),
            ("1e", Some((1, NumKind::Int(10)))),
            ("1_000.5", Some((7, NumKind::Float))),
            ("2j", Some((2, NumKind::Imag))),
            ("1.5J", Some((4, NumKind::Imag))),
            ("1.e3j", Some((5, NumKind::Imag))),
            ("0xff", Some((4, NumKind::Int(16)))),
            ("0X_f_f", Some((6, NumKind::Int(16)))),
            ("0o17", Some((4, NumKind::Int(8)))),
            ("0b101", Some((5, NumKind::Int(2)))),
            ("0x", Some((1, NumKind::Int(10)))),
            ("12.5e+16, 1", Some((8, NumKind::Float))),
            ("12.5e+1_6", Some((9, NumKind::Float))),
            ("123]", Some((3, NumKind::Int(10)))),
            (".", None),
            ("x", None),
        ];
        for (text, want) in cases {
            assert_eq!(number(text), *want, "{text}");
        }
    }

    #[test]
    fn names_are_recognised() {
        assert_eq!(name("slice(1)"), 5);
        assert_eq!(name("a.b.c("), 5);
        assert_eq!(name("a.(1)"), 1);
        assert_eq!(name("_x9 "), 3);
        assert_eq!(name("9x"), 0);
    }

    #[test]
    fn ints_convert() {
        assert_eq!(int_value("1_000", 10, false).unwrap(), Value::Int(1000));
        assert_eq!(int_value("0xff", 16, true).unwrap(), Value::Int(-255));
        assert_eq!(int_value("0b_1_0", 2, false).unwrap(), Value::Int(2));
        assert_eq!(int_value("000", 10, false).unwrap(), Value::Int(0));
        assert!(int_value("01", 10, false).is_err());
        assert_eq!(
            int_value("9223372036854775808", 10, true).unwrap(),
            Value::Int(i64::MIN)
        );
        assert!(matches!(
            int_value("9223372036854775808", 10, false).unwrap(),
            Value::BigInt(_)
        ));
        assert!(int_value(&"9".repeat(MAX_INT_DIGITS), 10, false).is_ok());
        assert!(int_value(&"9".repeat(MAX_INT_DIGITS + 1), 10, false).is_err());
        assert!(int_value(&format!("0x{}", "f".repeat(5000)), 16, false).is_err());
    }
}
