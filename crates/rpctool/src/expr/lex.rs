//! Tokens of the argument grammar: a subset of Python's lexical syntax. Number and string
//! literals are read by `pyon_codec::text`, the reader of PYON v1's Python literals, so the
//! two agree on every literal (digit limits, escapes, prefixes).

use pyon_codec::{Value, text};

use crate::Error;

/// One token and where it starts (a character offset into the expression).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub kind: Tok,
    pub at: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// A number, string or bytes literal, already decoded.
    Lit(Value),
    Name(String),
    /// Operators and punctuation: `+ - * / // % ** ~ ( ) [ ] { } , : . =`.
    Op(&'static str),
    End,
}

const OPS: &[&str] = &[
    "**", "//", "+", "-", "*", "/", "%", "~", "(", ")", "[", "]", "{", "}", ",", ":", ".", "=",
];

/// Splits `text` into tokens.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, Error> {
    let mut out = Vec::new();
    // `pos` counts bytes (to slice), `at` characters (for messages).
    let (mut pos, mut at) = (0, 0);
    while let Some(rest) = text.get(pos..) {
        let Some(c) = rest.chars().next() else {
            break;
        };
        if c.is_whitespace() {
            pos += c.len_utf8();
            at += 1;
            continue;
        }
        let (kind, len) = if let Some((value, len)) = literal(rest, at)? {
            (Tok::Lit(value), len)
        } else if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            (
                Tok::Name(rest.get(..len).unwrap_or_default().to_owned()),
                len,
            )
        } else if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            (Tok::Op(op), op.len())
        } else {
            return Err(Error::syntax(at, format!("unexpected character {c:?}")));
        };
        out.push(Token { kind, at });
        at += rest.get(..len).map_or(0, |t| t.chars().count());
        pos += len;
    }
    out.push(Token { kind: Tok::End, at });
    Ok(out)
}

/// The number, string or bytes literal at the start of `rest` (which starts at character `at`)
/// and its length in bytes; `None` when `rest` starts with something else.
fn literal(rest: &str, at: usize) -> Result<Option<(Value, usize)>, Error> {
    let refused = |e: pyon_codec::Error| Error::syntax(at, e.message());
    let mut chars = rest.chars();
    let first = chars.next();
    let starts_number = match first {
        Some(c) if c.is_ascii_digit() => true,
        Some('.') => chars.next().is_some_and(|c| c.is_ascii_digit()),
        _ => false,
    };
    if starts_number {
        return text::number_literal(rest).map_err(|e| {
            let word = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
                .and_then(|end| rest.get(..end))
                .unwrap_or(rest);
            Error::syntax(at, format!("{}: `{word}`", e.message()))
        });
    }
    if is_f_string(rest) {
        return Err(Error::syntax(at, "f-strings are not supported"));
    }
    text::string_literal(rest).map_err(refused)
}

/// Whether `rest` starts with an f-string (`f'`, `rf"`, `Fr'`...), which Python would format
/// and this grammar refuses.
fn is_f_string(rest: &str) -> bool {
    let prefix_len = rest
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(rest.len());
    let (prefix, after) = rest.split_at(prefix_len);
    matches!(prefix.to_ascii_lowercase().as_str(), "f" | "fr" | "rf")
        && (after.starts_with('\'') || after.starts_with('"'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Value {
        match tokenize(text).unwrap().remove(0).kind {
            Tok::Lit(v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn literals() {
        assert_eq!(lit("42"), Value::Int(42));
        assert_eq!(lit("1_000"), Value::Int(1000));
        assert_eq!(lit("0xff"), Value::Int(255));
        assert_eq!(lit("0b101"), Value::Int(5));
        assert_eq!(lit("0o17"), Value::Int(15));
        assert_eq!(lit("1e16"), Value::Float(1e16));
        assert_eq!(lit("1."), Value::Float(1.0));
        assert_eq!(lit(".5"), Value::Float(0.5));
        assert_eq!(
            lit("2j"),
            Value::Complex(num_complex::Complex64::new(0.0, 2.0))
        );
        assert_eq!(lit("'a\\'b'"), Value::str("a'b"));
        assert_eq!(lit("\"\\x41\\u00e9\\n\""), Value::str("A\u{e9}\n"));
        assert_eq!(lit("r'a\\n'"), Value::str("a\\n"));
        assert_eq!(lit("b'\\x00ab'"), Value::Bytes(vec![0, b'a', b'b']));
        assert_eq!(lit("'''a'b'''"), Value::str("a'b"));
        assert_eq!(lit("'\\101'"), Value::str("A"));
        assert_eq!(lit("'it' 's'"), Value::str("it"));
        assert_eq!(
            lit("2.5e-3j"),
            Value::Complex(num_complex::Complex64::new(0.0, 2.5e-3))
        );
    }

    #[test]
    fn errors() {
        let cases = [
            ("'abc", "unterminated string at column 1"),
            (
                "0777",
                "leading zeros in decimal integer literals are not permitted: `0777`",
            ),
            ("1__0", "invalid number: `1__0`"),
            ("1abc", "invalid number: `1abc`"),
            ("x + f'x'", "f-strings are not supported at column 5"),
            (
                "b'\u{e9}'",
                "bytes can only contain ASCII literal characters",
            ),
            ("'\\x4'", "truncated `\\xXX` escape"),
            ("é $", "unexpected character '$' at column 3"),
        ];
        for (bad, want) in cases {
            let e = tokenize(bad).unwrap_err().to_string();
            assert!(e.starts_with(want), "{bad}: {e}");
        }
        // Python's limit on the digits of an int literal, as in PYON v1.
        assert!(tokenize(&"9".repeat(4300)).is_ok());
        assert!(tokenize(&"9".repeat(4301)).is_err());
    }
}
