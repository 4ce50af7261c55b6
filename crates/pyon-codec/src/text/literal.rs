//! Python's number and string literals, read exactly as the PYON v1 decoder reads them, for
//! tools that read Python expressions (the arguments of `sipyco_rpctool`) without a second
//! lexer that could disagree with the first.

use num_complex::Complex64;

use crate::error::line_col;
use crate::v1::lex::{self, NumKind};
use crate::v1::strings;
use crate::{Error, Result, Value};

/// The number literal, without sign, at the start of `text`: its value and its length in
/// bytes. Integers of any size up to Python's limit of 4300 digits, floats, and imaginary
/// literals (`2j`, a `complex`); `_` separators as Python allows them. `Ok(None)` when `text`
/// does not start with a digit or `.` and a digit; an error (positioned in `text`) for
/// malformed literals: `0777`, `1__0`, `1x`, `1_`, too many digits.
///
/// ```
/// use pyon_codec::{Value, text};
///
/// assert_eq!(text::number_literal("0x_ff + 1")?, Some((Value::Int(255), 5)));
/// assert_eq!(text::number_literal("1.5e3]")?, Some((Value::Float(1500.0), 5)));
/// assert!(text::number_literal("0777").is_err());
/// assert_eq!(text::number_literal("x")?, None);
/// # Ok::<(), pyon_codec::Error>(())
/// ```
pub fn number_literal(text: &str) -> Result<Option<(Value, usize)>> {
    let Some((len, kind)) = lex::number(text) else {
        return Ok(None);
    };
    let at_start = |e: Error| {
        let (l, c) = line_col(text.as_bytes(), 0);
        e.at(l, c)
    };
    let rest = text.get(len..).unwrap_or_default();
    let runs_on = rest.chars().next().is_some_and(|c| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric() || c == '_' || c == '.'
        } else {
            lex::is_ident_continue(c)
        }
    });
    if runs_on {
        return Err(at_start(Error::data("invalid number")));
    }
    let digits = text.get(..len).unwrap_or_default();
    let value = match kind {
        NumKind::Int(radix) => lex::int_value(digits, radix, false).map_err(at_start)?,
        NumKind::Float => Value::Float(lex::float_value(digits).map_err(at_start)?),
        NumKind::Imag => Value::Complex(Complex64::new(
            0.0,
            lex::float_value(digits).map_err(at_start)?,
        )),
    };
    Ok(Some((value, len)))
}

/// The string or bytes literal at the start of `text`: its value and its length in bytes.
/// Prefixes `r`, `u`, `b`, `rb`, `br` in any case, single or triple quotes, and Python's
/// escapes (`\n`, `\x41`, `\101`, `\u00e9`, `\U0001f600`; unknown escapes stay as they are).
/// Adjacent literals are not joined: that is the caller's grammar. `Ok(None)` when `text` does
/// not start with a literal; an error (positioned in `text`) for an unterminated literal, a bad
/// escape or non-ASCII text in bytes.
///
/// ```
/// use pyon_codec::{Value, text};
///
/// assert_eq!(text::string_literal(r"'a\n' + x")?, Some((Value::str("a\n"), 5)));
/// assert_eq!(text::string_literal(r"rb'\x00'")?, Some((Value::Bytes(br"\x00".to_vec()), 8)));
/// assert!(text::string_literal("'open").is_err());
/// # Ok::<(), pyon_codec::Error>(())
/// ```
pub fn string_literal(text: &str) -> Result<Option<(Value, usize)>> {
    let Some((prefix, open)) = strings::literal_start(text.as_bytes(), 0) else {
        return Ok(None);
    };
    let positioned = |f: strings::Fail| {
        let (l, c) = line_col(text.as_bytes(), f.at);
        f.err.at(l, c)
    };
    if prefix.bytes {
        let mut out = Vec::new();
        let end = strings::scan(text, open, prefix, &mut out).map_err(positioned)?;
        Ok(Some((Value::Bytes(out), end)))
    } else {
        let mut out = String::new();
        let end = strings::scan(text, open, prefix, &mut out).map_err(positioned)?;
        Ok(Some((Value::Str(out.into()), end)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        let cases: &[(&str, Option<(Value, usize)>)] = &[
            ("42", Some((Value::Int(42), 2))),
            ("1_000)", Some((Value::Int(1000), 5))),
            ("0xff", Some((Value::Int(255), 4))),
            ("0b101", Some((Value::Int(5), 5))),
            ("0o17", Some((Value::Int(15), 4))),
            ("000", Some((Value::Int(0), 3))),
            ("1e16", Some((Value::Float(1e16), 4))),
            ("1.", Some((Value::Float(1.0), 2))),
            (".5", Some((Value::Float(0.5), 2))),
            ("2j", Some((Value::Complex(Complex64::new(0.0, 2.0)), 2))),
            ("1 + 2", Some((Value::Int(1), 1))),
            ("x", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(number_literal(text).unwrap(), *want, "{text}");
        }
    }

    #[test]
    fn bad_numbers() {
        let too_long = "9".repeat(4301);
        let cases = [
            "0777", "1__0", "1_", "1abc", "0x", "1e", "1.5.", "1é", &too_long,
        ];
        for text in cases {
            assert!(number_literal(text).is_err(), "{text}");
        }
        assert!(number_literal(&"9".repeat(4300)).is_ok());
    }

    #[test]
    fn strings() {
        let cases: &[(&str, Option<(Value, usize)>)] = &[
            ("'a\\'b'", Some((Value::str("a'b"), 6))),
            ("\"\\x41\\u00e9\\n\"", Some((Value::str("A\u{e9}\n"), 14))),
            ("r'a\\n'", Some((Value::str("a\\n"), 6))),
            ("b'\\x00ab'", Some((Value::Bytes(vec![0, b'a', b'b']), 9))),
            ("'''a'b''' 'c'", Some((Value::str("a'b"), 9))),
            ("'\\101'", Some((Value::str("A"), 6))),
            ("U'x'", Some((Value::str("x"), 4))),
            ("'\\q'", Some((Value::str("\\q"), 4))),
            ("x'a'", None),
            ("f'a'", None),
        ];
        for (text, want) in cases {
            assert_eq!(string_literal(text).unwrap(), *want, "{text}");
        }
    }

    #[test]
    fn bad_strings() {
        for text in ["'abc", "'a\nb'", "b'\u{e9}'", "'\\x4'", "'\\ud800'"] {
            let e = string_literal(text).unwrap_err();
            assert_eq!(e.line(), Some(1), "{text}");
        }
    }
}
