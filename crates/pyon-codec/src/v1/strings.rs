//! String and bytes literals of PYON v1: Python's quoting, prefixes and escapes.

use crate::{Category, Error};

/// A failure inside a literal: the error and the byte offset it points at.
pub(crate) struct Fail {
    pub(crate) err: Error,
    pub(crate) at: usize,
}

fn fail(category: Category, msg: &str, at: usize) -> Fail {
    Fail {
        err: Error::new(category, msg),
        at,
    }
}

/// The prefix of a literal: `r`, `u`, `b`, `br`, `rb` in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Prefix {
    /// Raw: backslashes are kept.
    pub(crate) raw: bool,
    /// A bytes literal.
    pub(crate) bytes: bool,
}

/// If `s[pos..]` starts a string literal (an optional prefix, then a quote), its prefix and
/// the offset of the opening quote.
#[inline]
pub(crate) fn literal_start(s: &[u8], pos: usize) -> Option<(Prefix, usize)> {
    let mut p = Prefix::default();
    let mut i = pos;
    let mut seen_u = false;
    while let Some(&c) = s.get(i) {
        match c {
            b'"' | b'\'' => return Some((p, i)),
            b'r' | b'R' if !p.raw && !seen_u => p.raw = true,
            b'b' | b'B' if !p.bytes && !seen_u => p.bytes = true,
            b'u' | b'U' if i == pos => seen_u = true,
            _ => return None,
        }
        i += 1;
    }
    None
}

/// Where decoded characters go.
pub(crate) trait Sink {
    /// Appends literal text (ASCII only for bytes).
    fn run(&mut self, s: &str);
    /// Appends one escaped code: a character of a `str` (valid), or a byte (< 256) of `bytes`.
    fn code(&mut self, v: u32);
}

impl Sink for String {
    #[inline]
    fn run(&mut self, s: &str) {
        self.push_str(s);
    }
    fn code(&mut self, v: u32) {
        self.push(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn run(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
    fn code(&mut self, v: u32) {
        self.push(v as u8);
    }
}

fn hex_digits(s: &[u8], at: usize, n: usize) -> Option<u32> {
    let h = s.get(at..at + n)?;
    h.iter().try_fold(0u32, |acc, &c| {
        (c as char).to_digit(16).map(|d| acc * 16 + d)
    })
}

/// Decodes the body of a literal whose opening quote is at `open`, appending to `sink`;
/// returns the offset just past the closing quote.
pub(crate) fn scan<S: Sink>(
    text: &str,
    open: usize,
    prefix: Prefix,
    sink: &mut S,
) -> Result<usize, Fail> {
    let s = text.as_bytes();
    let unterminated = || fail(Category::Eof, "unterminated string", open);
    let &q = s.get(open).ok_or_else(unterminated)?;
    let triple = s.get(open + 1) == Some(&q) && s.get(open + 2) == Some(&q);
    let mut i = open + if triple { 3 } else { 1 };
    let mut run = i;
    let bytes = prefix.bytes;
    loop {
        i = crate::scan::literal_stop(s, i, q, bytes).ok_or_else(unterminated)?;
        let &b = s.get(i).ok_or_else(unterminated)?;
        if b == q {
            if !triple {
                sink.run(&text[run..i]);
                return Ok(i + 1);
            }
            if s.get(i + 1) == Some(&q) && s.get(i + 2) == Some(&q) {
                sink.run(&text[run..i]);
                return Ok(i + 3);
            }
            i += 1;
            continue;
        }
        if b == b'\n' || b == b'\r' {
            if !triple {
                return Err(fail(Category::Syntax, "unterminated string", open));
            }
            i += 1;
            continue;
        }
        if b >= 0x80 {
            return Err(fail(
                Category::Syntax,
                "bytes can only contain ASCII literal characters",
                i,
            ));
        }
        // A backslash.
        let esc = i;
        i += 1;
        let &c = s.get(i).ok_or_else(unterminated)?;
        if raw_or_unknown(c, prefix) {
            // Kept as is: the backslash, then the next character is read normally (but it
            // cannot end the literal).
            if prefix.raw && (c == q || c == b'\\') {
                i += 1;
            }
            continue;
        }
        sink.run(&text[run..esc]);
        i += 1;
        match c {
            b'\n' => {}
            b'\r' if s.get(i) == Some(&b'\n') => i += 1,
            b'\r' => {}
            b'\\' | b'\'' | b'"' => sink.code(c as u32),
            b'a' => sink.code(7),
            b'b' => sink.code(8),
            b'f' => sink.code(12),
            b'n' => sink.code(10),
            b'r' => sink.code(13),
            b't' => sink.code(9),
            b'v' => sink.code(11),
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                for _ in 0..2 {
                    match s.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                if bytes && v > 0xff {
                    return Err(fail(Category::Syntax, "octal escape out of range", esc));
                }
                sink.code(v);
            }
            b'x' => {
                let v = hex_digits(s, i, 2)
                    .ok_or_else(|| fail(Category::Syntax, "truncated `\\xXX` escape", esc))?;
                i += 2;
                sink.code(v);
            }
            b'u' | b'U' => {
                let n = if c == b'u' { 4 } else { 8 };
                let mut v = hex_digits(s, i, n).ok_or_else(|| {
                    let msg = if n == 4 {
                        "truncated `\\uXXXX` escape"
                    } else {
                        "truncated `\\UXXXXXXXX` escape"
                    };
                    fail(Category::Syntax, msg, esc)
                })?;
                i += n;
                if (0xD800..0xDC00).contains(&v) {
                    // JSON-style surrogate pair, as the v1 encoder writes non-BMP characters.
                    let lo = match s.get(i..i + 2) {
                        Some(b"\\u") => hex_digits(s, i + 2, 4),
                        _ => None,
                    };
                    match lo {
                        Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                            i += 6;
                        }
                        _ => {
                            return Err(fail(Category::Data, "unpaired surrogate in string", esc));
                        }
                    }
                } else if (0xDC00..0xE000).contains(&v) {
                    return Err(fail(Category::Data, "unpaired surrogate in string", esc));
                }
                if char::from_u32(v).is_none() {
                    return Err(fail(Category::Syntax, "invalid unicode escape", esc));
                }
                sink.code(v);
            }
            b'N' => {
                return Err(fail(
                    Category::Syntax,
                    "`\\N{...}` escapes are not supported",
                    esc,
                ));
            }
            // `raw_or_unknown` let no other character through.
            _ => {}
        }
        run = i;
    }
}

/// Whether the character after a backslash leaves the backslash in the text: always in raw
/// literals, and for characters that are not escapes (`\u`, `\U`, `\N` are not escapes in
/// bytes).
#[inline]
fn raw_or_unknown(c: u8, prefix: Prefix) -> bool {
    if prefix.raw {
        return true;
    }
    match c {
        b'\n'
        | b'\r'
        | b'\\'
        | b'\''
        | b'"'
        | b'a'
        | b'b'
        | b'f'
        | b'n'
        | b'r'
        | b't'
        | b'v'
        | b'0'..=b'7'
        | b'x' => false,
        b'u' | b'U' | b'N' => prefix.bytes,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn str_lit(text: &str) -> Result<(String, usize), String> {
        let (p, open) = literal_start(text.as_bytes(), 0).ok_or("not a literal")?;
        assert!(!p.bytes);
        let mut out = String::new();
        scan(text, open, p, &mut out)
            .map(|end| (out, end))
            .map_err(|f| format!("{} @{}", f.err.message(), f.at))
    }

    fn bytes_lit(text: &str) -> Result<Vec<u8>, String> {
        let (p, open) = literal_start(text.as_bytes(), 0).ok_or("not a literal")?;
        assert!(p.bytes);
        let mut out = Vec::new();
        scan(text, open, p, &mut out)
            .map(|_| out)
            .map_err(|f| format!("{} @{}", f.err.message(), f.at))
    }

    #[test]
    fn prefixes() {
        let raw = Prefix {
            raw: true,
            bytes: false,
        };
        let rb = Prefix {
            raw: true,
            bytes: true,
        };
        assert_eq!(literal_start(b"'x'", 0), Some((Prefix::default(), 0)));
        assert_eq!(literal_start(b"r'x'", 0), Some((raw, 1)));
        assert_eq!(literal_start(b"Rb'x'", 0), Some((rb, 2)));
        assert_eq!(literal_start(b"bR'x'", 0), Some((rb, 2)));
        assert_eq!(literal_start(b"u'x'", 0).map(|p| p.1), Some(1));
        assert_eq!(literal_start(b"ub'x'", 0), None);
        assert_eq!(literal_start(b"rr'x'", 0), None);
        assert_eq!(literal_start(b"f'x'", 0), None);
        assert_eq!(literal_start(b"x", 0), None);
    }

    #[test]
    fn strings() {
        assert_eq!(str_lit(r#""abc" x"#).unwrap(), ("abc".into(), 5));
        assert_eq!(str_lit(r"'a\'b'").unwrap().0, "a'b");
        assert_eq!(str_lit(r#"'a"b'"#).unwrap().0, "a\"b");
        assert_eq!(
            str_lit(r#""\n\t\r\\\'\"\a\b\f\v\0\101\x41\u00e9\U0001F600""#)
                .unwrap()
                .0,
            "\n\t\r\\'\"\x07\x08\x0c\x0b\0AA\u{e9}\u{1F600}"
        );
        assert_eq!(str_lit(r#""\ud83d\ude00""#).unwrap().0, "\u{1F600}");
        assert_eq!(str_lit(r#""\777""#).unwrap().0, "\u{1ff}");
        assert_eq!(str_lit(r#""\q\é""#).unwrap().0, "\\q\\é");
        assert_eq!(str_lit("\"a\\\nb\"").unwrap().0, "ab");
        assert_eq!(str_lit(r#"r"a\"b\\""#).unwrap().0, r#"a\"b\\"#);
        assert_eq!(str_lit(r#"r'\n'"#).unwrap().0, r"\n");
        assert_eq!(str_lit("'''a'b''c\n'''").unwrap(), ("a'b''c\n".into(), 13));
        assert_eq!(str_lit(r#""""""""#).unwrap(), ("".into(), 6));
        assert_eq!(
            str_lit("\"caf\u{e9} \u{269b}\"").unwrap().0,
            "caf\u{e9} \u{269b}"
        );
        assert_eq!(str_lit(r#""abc"#).unwrap_err(), "unterminated string @0");
        assert_eq!(str_lit("\"a\nb\"").unwrap_err(), "unterminated string @0");
        assert_eq!(str_lit(r#"r"\""#).unwrap_err(), "unterminated string @1");
        assert_eq!(str_lit(r#""a\"#).unwrap_err(), "unterminated string @0");
        assert_eq!(
            str_lit(r#""\x4""#).unwrap_err(),
            "truncated `\\xXX` escape @1"
        );
        assert_eq!(
            str_lit(r#""\ud83d""#).unwrap_err(),
            "unpaired surrogate in string @1"
        );
        assert_eq!(
            str_lit(r#""\ude00""#).unwrap_err(),
            "unpaired surrogate in string @1"
        );
        assert_eq!(
            str_lit(r#""\U00110000""#).unwrap_err(),
            "invalid unicode escape @1"
        );
        assert_eq!(
            str_lit(r#""\N{DASH}""#).unwrap_err(),
            "`\\N{...}` escapes are not supported @1"
        );
    }

    #[test]
    fn bytes() {
        assert_eq!(bytes_lit(r#"b"abc""#).unwrap(), b"abc");
        assert_eq!(
            bytes_lit(r#"b'\x00\x01\xfe\xffraw\'\"\n\777'"#).unwrap_err(),
            "octal escape out of range @27"
        );
        assert_eq!(
            bytes_lit(r#"b'\x00\x01\xfe\xffraw\'\"\n\377\u00e9'"#).unwrap(),
            b"\x00\x01\xfe\xffraw'\"\n\xff\\u00e9"
        );
        assert_eq!(bytes_lit(r"rb'\x00'").unwrap(), b"\\x00");
        assert_eq!(
            bytes_lit("b'caf\u{e9}'").unwrap_err(),
            "bytes can only contain ASCII literal characters @5"
        );
    }
}
