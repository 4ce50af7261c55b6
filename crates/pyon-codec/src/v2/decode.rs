//! PYON v2 decoder: JSON (with `NaN`, `Infinity`, `-Infinity`) plus `__jsonclass__` tags.
//!
//! The parser is iterative: nesting lives on a heap stack bounded by `max_depth`, so hostile
//! input can neither overflow the thread's stack nor allocate more than the input warrants.

use num_bigint::BigInt;

use super::encode::JSONCLASS;
use crate::construct::{MAX_INT_DIGITS, from_jsonclass};
use crate::error::line_col;
use crate::{Dict, Error, Result, Value};

/// Decodes one PYON v2 value; surrounding whitespace is ignored.
pub fn decode(text: &str) -> Result<Value> {
    decode_with_depth(text, crate::DEFAULT_MAX_DEPTH)
}

/// Decodes one PYON v2 value with a custom nesting limit (JSON arrays and objects).
pub fn decode_with_depth(text: &str, max_depth: usize) -> Result<Value> {
    Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        max_depth,
    }
    .parse()
}

enum Frame {
    Array(Vec<Value>),
    /// Entries so far, the key awaiting its value, and where the object started.
    Object(Vec<(Value, Value)>, String, usize, bool),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn err(&self, msg: impl Into<String>) -> Error {
        let (l, c) = line_col(self.s, self.pos);
        Error::syntax(msg, l, c)
    }

    fn err_at(&self, e: Error, pos: usize) -> Error {
        let (l, c) = line_col(self.s, pos);
        e.at(l, c)
    }

    fn eof_or(&self, msg: &str) -> Error {
        if self.pos >= self.s.len() {
            let (l, c) = line_col(self.s, self.pos);
            Error::new(crate::Category::Eof, format!("{msg}, found end of input")).at(l, c)
        } else {
            self.err(msg)
        }
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&c) = self.s.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn parse(mut self) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws();
            let mut value = match self.peek() {
                Some(b'[') => {
                    self.enter(stack.len())?;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::List(Vec::new())
                    } else {
                        stack.push(Frame::Array(Vec::new()));
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    let start = self.pos;
                    self.enter(stack.len())?;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Dict(Dict::new())
                    } else {
                        let key = self.key()?;
                        let tagged = key == JSONCLASS;
                        stack.push(Frame::Object(Vec::new(), key, start, tagged));
                        continue 'value;
                    }
                }
                Some(b'"') => Value::Str(self.string()?),
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::None)?,
                Some(b'N') => self.literal("NaN", Value::Float(f64::NAN))?,
                Some(b'I') => self.literal("Infinity", Value::Float(f64::INFINITY))?,
                _ => return Err(self.eof_or("expected value")),
            };
            // A value is complete: hand it to the enclosing container, closing as many
            // containers as end here.
            loop {
                match stack.last_mut() {
                    None => {
                        self.skip_ws();
                        if self.pos != self.s.len() {
                            return Err(self.err("trailing characters"));
                        }
                        return Ok(value);
                    }
                    Some(Frame::Array(items)) => {
                        items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let Some(Frame::Array(items)) = stack.pop() else {
                                    unreachable!()
                                };
                                value = Value::List(items);
                            }
                            _ => return Err(self.eof_or("expected `,` or `]`")),
                        }
                    }
                    Some(Frame::Object(entries, key, _, tagged)) => {
                        entries.push((Value::Str(std::mem::take(key)), value));
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                *key = self.key()?;
                                *tagged |= key == JSONCLASS;
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let Some(Frame::Object(entries, _, start, tagged)) = stack.pop()
                                else {
                                    unreachable!()
                                };
                                value = self.finish_object(entries, start, tagged)?;
                            }
                            _ => return Err(self.eof_or("expected `,` or `}`")),
                        }
                    }
                }
            }
        }
    }

    fn enter(&mut self, depth: usize) -> Result<()> {
        if depth >= self.max_depth {
            return Err(self.err(format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += 1;
        Ok(())
    }

    fn key(&mut self) -> Result<String> {
        if self.peek() != Some(b'"') {
            return Err(self.eof_or("expected `\"` to start an object key"));
        }
        let k = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.eof_or("expected `:`"));
        }
        self.pos += 1;
        Ok(k)
    }

    fn finish_object(
        &self,
        entries: Vec<(Value, Value)>,
        start: usize,
        tagged: bool,
    ) -> Result<Value> {
        if tagged {
            // Python's object hook: any dict holding the key is a type tag; other keys ignored.
            let tag = entries
                .into_iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(JSONCLASS))
                .map(|(_, v)| v)
                .unwrap_or_default();
            let tag_items = match tag {
                Value::List(items) if items.len() == 2 => items,
                _ => {
                    return Err(self.err_at(
                        Error::data(format!("{JSONCLASS} needs a [name, args] list")),
                        start,
                    ));
                }
            };
            let mut it = tag_items.into_iter();
            let (name, args) = (it.next().unwrap_or_default(), it.next().unwrap_or_default());
            let (Value::Str(name), Value::List(args)) = (name, args) else {
                return Err(self.err_at(
                    Error::data(format!("{JSONCLASS} needs a str name and a list of args")),
                    start,
                ));
            };
            return from_jsonclass(&name, args).map_err(|e| self.err_at(e, start));
        }
        Ok(Value::Dict(dedup_keys(entries)))
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("expected value"))
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.pos;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.pos += 1;
            if self.peek() == Some(b'I') {
                return self.literal("Infinity", Value::Float(f64::NEG_INFINITY));
            }
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return Err(self.eof_or("expected digit")),
        }
        let int_end = self.pos;
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.eof_or("expected digit after `.`"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            is_float = true;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.eof_or("expected exponent digits"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
            is_float = true;
        }
        let text = &self.text[start..self.pos];
        if is_float {
            return text
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| self.err("invalid number"));
        }
        let digits = &self.s[int_start..int_end];
        if digits.len() <= 18 {
            let mut v: i64 = 0;
            for &d in digits {
                v = v * 10 + (d - b'0') as i64;
            }
            return Ok(Value::Int(if neg { -v } else { v }));
        }
        if digits.len() > MAX_INT_DIGITS {
            return Err(self.err_at(
                Error::data(format!(
                    "integer of more than {MAX_INT_DIGITS} digits (Python refuses it too)"
                )),
                start,
            ));
        }
        BigInt::parse_bytes(text.as_bytes(), 10)
            .map(Value::from_bigint)
            .ok_or_else(|| self.err("invalid number"))
    }

    fn string(&mut self) -> Result<String> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes.
        loop {
            match self.peek() {
                Some(b'"') => {
                    let s = self.text[start..self.pos].to_owned();
                    self.pos += 1;
                    return Ok(s);
                }
                Some(b'\\') => break,
                Some(c) if c < 0x20 => return Err(self.err("control character in string")),
                Some(_) => self.pos += 1,
                None => return Err(self.eof_or("unterminated string")),
            }
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.text[start..self.pos]);
        let mut run = self.pos;
        loop {
            match self.peek() {
                Some(b'"') => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    let c = self
                        .peek()
                        .ok_or_else(|| self.eof_or("unterminated string"))?;
                    self.pos += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let ch = self.unicode_escape()?;
                            out.push(ch);
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("invalid escape"));
                        }
                    }
                    run = self.pos;
                }
                Some(c) if c < 0x20 => return Err(self.err("control character in string")),
                Some(_) => self.pos += 1,
                None => return Err(self.eof_or("unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.eof_or("expected 4 hex digits"))?;
        let mut v = 0u32;
        for &c in h {
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err("expected 4 hex digits"))?;
            v = v * 16 + d;
        }
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char> {
        let at = self.pos - 2;
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.pos..self.pos + 2) == Some(b"\\u") {
                self.pos += 2;
                let lo = self.hex4()?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return Err(self.err_at(Error::data("unpaired surrogate in string"), at));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            } else {
                return Err(self.err_at(Error::data("unpaired surrogate in string"), at));
            }
        } else {
            hi
        };
        char::from_u32(code)
            .ok_or_else(|| self.err_at(Error::data("unpaired surrogate in string"), at))
    }
}

/// A JSON object becomes a dict; a repeated key keeps its first position and last value, as
/// in Python.
fn dedup_keys(entries: Vec<(Value, Value)>) -> Dict {
    let n = entries.len();
    let has_dup = if n <= 16 {
        (1..n).any(|i| entries[..i].iter().any(|(k, _)| k == &entries[i].0))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(n);
        entries.iter().any(|(k, _)| !seen.insert(k.as_str()))
    };
    if has_dup {
        Dict::from_pairs(entries)
    } else {
        Dict::from_unique_pairs(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_positions() {
        let e = decode("[1, 2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "expected `,` or `]`, found end of input at line 1 column 6"
        );
        let e = decode("{\"a\" 1}").unwrap_err();
        assert_eq!(e.to_string(), "expected `:` at line 1 column 6");
        let e = decode("[\n  01]").unwrap_err();
        assert_eq!((e.line(), e.column()), (Some(2), Some(4)));
    }

    #[test]
    fn duplicate_keys_keep_last_value_first_position() {
        let v = decode(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(crate::encode(&v).unwrap(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn depth_is_bounded() {
        let ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(decode(&ok).is_ok());
        let deep = "[".repeat(200_000);
        assert!(decode(&deep).unwrap_err().message().contains("nesting"));
    }
}
