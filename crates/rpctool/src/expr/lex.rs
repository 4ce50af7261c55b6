//! Tokens of the argument grammar: a subset of Python's lexical syntax.

use num_bigint::BigInt;
use num_traits::Num;
use pyon_codec::Value;

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
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) {
            let (value, end) = number(&chars, i)?;
            out.push(Token {
                kind: Tok::Lit(value),
                at: start,
            });
            i = end;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut end = i;
            while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                end += 1;
            }
            let word: String = chars[i..end].iter().collect();
            if chars.get(end).is_some_and(|&q| q == '\'' || q == '"') && is_prefix(&word) {
                let (value, end) = string(&chars, i, end)?;
                out.push(Token {
                    kind: Tok::Lit(value),
                    at: start,
                });
                i = end;
                continue;
            }
            out.push(Token {
                kind: Tok::Name(word),
                at: start,
            });
            i = end;
            continue;
        }
        if c == '\'' || c == '"' {
            let (value, end) = string(&chars, i, i)?;
            out.push(Token {
                kind: Tok::Lit(value),
                at: start,
            });
            i = end;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        match OPS.iter().find(|op| rest.starts_with(**op)) {
            Some(op) => {
                out.push(Token {
                    kind: Tok::Op(op),
                    at: start,
                });
                i += op.len();
            }
            None => return Err(Error::syntax(start, format!("unexpected character {c:?}"))),
        }
    }
    out.push(Token {
        kind: Tok::End,
        at: chars.len(),
    });
    Ok(out)
}

fn is_prefix(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "r" | "b" | "u" | "f" | "rb" | "br" | "fr" | "rf"
    )
}

/// A number literal starting at `i`: ints in any base, floats, imaginary numbers.
fn number(chars: &[char], i: usize) -> Result<(Value, usize), Error> {
    let word_end = |mut j: usize| {
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        j
    };
    let bad = |end: usize| {
        let text: String = chars[i..end].iter().collect();
        Error::syntax(i, format!("invalid number literal `{text}`"))
    };
    if chars[i] == '0' && matches!(chars.get(i + 1), Some('x' | 'X' | 'o' | 'O' | 'b' | 'B')) {
        let end = word_end(i + 2);
        let radix = match chars[i + 1].to_ascii_lowercase() {
            'x' => 16,
            'o' => 8,
            _ => 2,
        };
        let digits: String = chars[i + 2..end].iter().collect();
        return int_digits(&digits, radix)
            .map(|v| (v, end))
            .ok_or_else(|| bad(end));
    }
    let mut j = i;
    let digits = |j: &mut usize| {
        while *j < chars.len() && (chars[*j].is_ascii_digit() || chars[*j] == '_') {
            *j += 1;
        }
    };
    digits(&mut j);
    let mut is_float = false;
    if chars.get(j) == Some(&'.') {
        is_float = true;
        j += 1;
        digits(&mut j);
    }
    if matches!(chars.get(j), Some('e' | 'E')) {
        let mut k = j + 1;
        if matches!(chars.get(k), Some('+' | '-')) {
            k += 1;
        }
        if chars.get(k).is_some_and(char::is_ascii_digit) {
            is_float = true;
            j = k;
            digits(&mut j);
        }
    }
    let imaginary = matches!(chars.get(j), Some('j' | 'J'));
    let text: String = chars[i..j].iter().collect();
    let end = if imaginary { j + 1 } else { j };
    if word_end(end) != end || text.ends_with('_') || text.contains("__") {
        return Err(bad(word_end(end)));
    }
    let clean = text.replace('_', "");
    if imaginary || is_float {
        let x: f64 = clean.parse().map_err(|_| bad(end))?;
        let v = if imaginary {
            Value::Complex(num_complex::Complex64::new(0.0, x))
        } else {
            Value::Float(x)
        };
        return Ok((v, end));
    }
    if clean.len() > 1 && clean.starts_with('0') && clean.bytes().any(|b| b != b'0') {
        return Err(Error::syntax(
            i,
            "leading zeros in decimal integer literals are not permitted",
        ));
    }
    int_digits(&text, 10)
        .map(|v| (v, end))
        .ok_or_else(|| bad(end))
}

fn int_digits(digits: &str, radix: u32) -> Option<Value> {
    let clean = digits.strip_prefix('_').unwrap_or(digits);
    if clean.is_empty() || clean.ends_with('_') || clean.contains("__") {
        return None;
    }
    BigInt::from_str_radix(&clean.replace('_', ""), radix)
        .ok()
        .map(Value::from_bigint)
}

/// A string or bytes literal whose prefix spans `start..quote_at`.
fn string(chars: &[char], start: usize, quote_at: usize) -> Result<(Value, usize), Error> {
    let prefix: String = chars[start..quote_at]
        .iter()
        .collect::<String>()
        .to_lowercase();
    if prefix.contains('f') {
        return Err(Error::syntax(start, "f-strings are not supported"));
    }
    let raw = prefix.contains('r');
    let bytes = prefix.contains('b');
    let q = chars[quote_at];
    let triple = chars.get(quote_at + 1) == Some(&q) && chars.get(quote_at + 2) == Some(&q);
    let mut i = quote_at + if triple { 3 } else { 1 };
    let mut body: Vec<char> = Vec::new();
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(Error::syntax(start, "unterminated string literal"));
        };
        if c == q && (!triple || (chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q))) {
            i += if triple { 3 } else { 1 };
            break;
        }
        if c == '\n' && !triple {
            return Err(Error::syntax(start, "unterminated string literal"));
        }
        if c == '\\' {
            let Some(&next) = chars.get(i + 1) else {
                return Err(Error::syntax(start, "unterminated string literal"));
            };
            body.push(c);
            body.push(next);
            i += 2;
            continue;
        }
        body.push(c);
        i += 1;
    }
    let value = if raw {
        let s: String = body.into_iter().collect();
        if bytes {
            if !s.is_ascii() {
                return Err(Error::syntax(
                    start,
                    "bytes can only contain ASCII literal characters",
                ));
            }
            Value::Bytes(s.into_bytes())
        } else {
            Value::Str(s)
        }
    } else {
        unescape(&body, bytes).map_err(|m| Error::syntax(start, m))?
    };
    Ok((value, i))
}

/// Python's escape sequences in a non-raw literal body.
fn unescape(body: &[char], bytes: bool) -> Result<Value, String> {
    let mut s = String::new();
    let mut b: Vec<u8> = Vec::new();
    let push = |c: char, s: &mut String, b: &mut Vec<u8>| -> Result<(), String> {
        if bytes {
            if (c as u32) > 0xff {
                return Err("bytes can only contain ASCII literal characters".into());
            }
            b.push(c as u32 as u8);
        } else {
            s.push(c);
        }
        Ok(())
    };
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        if bytes && c != '\\' && !c.is_ascii() {
            return Err("bytes can only contain ASCII literal characters".into());
        }
        if c != '\\' {
            push(c, &mut s, &mut b)?;
            i += 1;
            continue;
        }
        let e = body[i + 1];
        i += 2;
        let simple = match e {
            '\n' => Some(None),
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\x07')),
            'b' => Some(Some('\x08')),
            'f' => Some(Some('\x0c')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(simple) = simple {
            if let Some(c) = simple {
                push(c, &mut s, &mut b)?;
            }
            continue;
        }
        let hex = |n: usize, i: &mut usize| -> Result<u32, String> {
            let digits: String = body.get(*i..*i + n).unwrap_or(&[]).iter().collect();
            if digits.len() != n || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("truncated \\{e} escape"));
            }
            *i += n;
            u32::from_str_radix(&digits, 16).map_err(|e| e.to_string())
        };
        match e {
            '0'..='7' => {
                let mut v = e as u32 - '0' as u32;
                for _ in 0..2 {
                    match body.get(i) {
                        Some(&d @ '0'..='7') => {
                            v = v * 8 + (d as u32 - '0' as u32);
                            i += 1;
                        }
                        _ => break,
                    }
                }
                if bytes {
                    b.push((v & 0xff) as u8);
                } else {
                    s.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
            }
            'x' => {
                let v = hex(2, &mut i)?;
                if bytes {
                    b.push(v as u8);
                } else {
                    s.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                }
            }
            'u' | 'U' if !bytes => {
                let v = hex(if e == 'u' { 4 } else { 8 }, &mut i)?;
                s.push(
                    char::from_u32(v).ok_or_else(|| format!("illegal Unicode character {v:#x}"))?,
                );
            }
            other => {
                // Python keeps an unknown escape as it is (with a warning).
                push('\\', &mut s, &mut b)?;
                push(other, &mut s, &mut b)?;
            }
        }
    }
    Ok(if bytes {
        Value::Bytes(b)
    } else {
        Value::Str(s)
    })
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
    }

    #[test]
    fn errors() {
        for bad in ["'abc", "0777", "1__0", "f'x'", "b'\u{e9}'", "1abc", "$"] {
            assert!(tokenize(bad).is_err(), "{bad}");
        }
    }
}
