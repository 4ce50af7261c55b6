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
        items: Vec::new(),
        entries: Vec::new(),
        decoded: Vec::new(),
    }
    .parse()
}

/// An open container. Its elements so far live on the parser's shared scratch stacks (from
/// `first` on), so growing a container never reallocates its own vector: each gets one
/// exact-size vector when it closes.
enum Frame<'a> {
    /// An array; its items are `items[first..]`. `tag_list` marks the `[name, args]` value of
    /// a `__jsonclass__` key, and `name` its name when read in place (see
    /// [`Parser::tag_name`]).
    Array {
        first: usize,
        tag_list: bool,
        name: Option<&'a str>,
    },
    /// An object; its entries are `entries[first..]`, `key` awaits its value (`None`: the key
    /// `__jsonclass__`, never allocated), `start` is where the object began and `tag` the
    /// value of its last `__jsonclass__` key so far (kept apart: it is all that counts).
    Object {
        first: usize,
        key: Option<String>,
        start: usize,
        tag: Option<Tag>,
    },
}

/// The value of an object's `__jsonclass__` key.
enum Tag {
    /// As parsed, to be checked when the object ends.
    Raw(Value),
    /// A well-formed `[name, args]` of a built-in type, already built from its parts (sparing
    /// the list and, mostly, the name string). An error is only reported when the object
    /// ends, as if the tag were built then: a later syntax error or tag takes precedence.
    Built(Result<Value>),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    max_depth: usize,
    /// Items of the open arrays, innermost last.
    items: Vec<Value>,
    /// Entries of the open objects, innermost last.
    entries: Vec<(Value, Value)>,
    /// Base64 arguments decoded straight from the input, with the start of the tagged object
    /// they belong to (see [`Parser::base64_arg`]); innermost last.
    decoded: Vec<(usize, Vec<u8>)>,
}

impl<'a> Parser<'a> {
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
        let mut stack: Vec<Frame<'_>> = Vec::new();
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
                        let tag_list =
                            matches!(stack.last(), Some(Frame::Object { key: None, .. }));
                        stack.push(Frame::Array {
                            first: self.items.len(),
                            tag_list,
                            name: None,
                        });
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
                        stack.push(Frame::Object {
                            first: self.entries.len(),
                            key,
                            start,
                            tag: None,
                        });
                        continue 'value;
                    }
                }
                Some(b'"') => {
                    if let Some(v) = self.tag_name(&mut stack) {
                        v
                    } else if let Some(v) = self.base64_arg(&stack) {
                        v
                    } else {
                        Value::Str(self.string()?)
                    }
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::None)?,
                Some(b'N') => self.literal("NaN", Value::Float(f64::NAN))?,
                Some(b'I') => self.literal("Infinity", Value::Float(f64::INFINITY))?,
                _ => return Err(self.eof_or("expected value")),
            };
            // A value is complete: hand it to the enclosing container, closing as many
            // containers as end here. `built` carries a tag built at the end of its list to
            // the object (the frame below).
            let mut built: Option<Result<Value>> = None;
            loop {
                match stack.last_mut() {
                    None => {
                        self.skip_ws();
                        if self.pos != self.s.len() {
                            return Err(self.err("trailing characters"));
                        }
                        return Ok(value);
                    }
                    Some(&mut Frame::Array {
                        first,
                        tag_list,
                        name,
                    }) => {
                        self.items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                stack.pop();
                                value = if tag_list {
                                    match self.build_tag(&stack, first, name) {
                                        Some(b) => {
                                            built = Some(b);
                                            Value::None
                                        }
                                        None => Value::List(self.items.split_off(first)),
                                    }
                                } else {
                                    Value::List(self.items.split_off(first))
                                };
                            }
                            _ => return Err(self.eof_or("expected `,` or `]`")),
                        }
                    }
                    Some(Frame::Object {
                        first,
                        key,
                        start,
                        tag,
                    }) => {
                        match key.take() {
                            Some(k) => self.entries.push((Value::Str(k), value)),
                            None => {
                                *tag = Some(match built.take() {
                                    Some(b) => Tag::Built(b),
                                    None => Tag::Raw(value),
                                })
                            }
                        }
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                *key = self.key()?;
                                if key.is_none() {
                                    // The last tag wins: base64 decoded for an earlier one is
                                    // no longer wanted.
                                    self.drop_decoded(*start);
                                }
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let (first, start, tag) = (*first, *start, tag.take());
                                stack.pop();
                                value = match tag {
                                    // Python's object hook: other keys are ignored.
                                    Some(Tag::Raw(tag)) => {
                                        self.entries.truncate(first);
                                        let decoded = self.drop_decoded(start);
                                        self.finish_tag(tag, start, decoded)?
                                    }
                                    Some(Tag::Built(v)) => {
                                        self.entries.truncate(first);
                                        v.map_err(|e| self.err_at(e, start))?
                                    }
                                    None => Value::Dict(dedup_keys(self.entries.split_off(first))),
                                };
                            }
                            _ => return Err(self.eof_or("expected `,` or `}`")),
                        }
                    }
                }
            }
        }
    }

    /// At a string that is the name of a tag (first in its `[name, args]` list) and needs no
    /// unescaping: reads it in place, keeping the `&str` in the list's frame, and returns the
    /// placeholder (an empty str) to put in the list. The list is only ever used by
    /// [`Parser::build_tag`], which takes the name from the frame, or puts it back in the list
    /// when it leaves the list as it is.
    fn tag_name(&mut self, stack: &mut [Frame<'a>]) -> Option<Value> {
        let Some(Frame::Array {
            first,
            tag_list: true,
            name,
        }) = stack.last_mut()
        else {
            return None;
        };
        if self.items.len() != *first {
            return None;
        }
        let from = self.pos + 1;
        let end = crate::scan::string_stop(self.s, from, b'"');
        if self.s.get(end) != Some(&b'"') {
            return None;
        }
        *name = Some(&self.text[from..end]);
        self.pos = end + 1;
        Some(Value::Str(String::new()))
    }

    /// At the end of a tag's list (`items[first..]`, `name` if read in place): when it is
    /// `[name, args]` with the name of a built-in type, builds the value from the parts (the
    /// object is the frame on top of `stack`); `None` leaves the list, with its name, to
    /// [`Parser::finish_tag`]. Registered custom types are left too: their checks run only for
    /// the tag that wins.
    fn build_tag(
        &mut self,
        stack: &[Frame<'a>],
        first: usize,
        name: Option<&'a str>,
    ) -> Option<Result<Value>> {
        let builtin = match (stack.last(), &self.items[first..]) {
            (Some(Frame::Object { .. }), [Value::Str(owned), Value::List(_)]) => {
                crate::construct::is_builtin(name.unwrap_or(owned))
            }
            _ => false,
        };
        if !builtin {
            // Left as a list: a name read in place goes back into it.
            if let Some(name) = name {
                self.items[first] = Value::Str(name.to_owned());
            }
            return None;
        }
        let Some(&Frame::Object { start, .. }) = stack.last() else {
            return None;
        };
        let (Some(Value::List(args)), Some(Value::Str(owned))) =
            (self.items.pop(), self.items.pop())
        else {
            return None;
        };
        let decoded = self.drop_decoded(start);
        Some(from_jsonclass(name.unwrap_or(&owned), args, decoded))
    }

    /// Takes the base64 decoded for the tagged object that starts at `start`, if any.
    fn drop_decoded(&mut self, start: usize) -> Option<Vec<u8>> {
        match self.decoded.last() {
            Some(&(s, _)) if s == start => self.decoded.pop().map(|(_, d)| d),
            _ => None,
        }
    }

    /// At a string that is the base64 argument of a tag (`{"__jsonclass__": ["nparray",
    /// [shape, dtype, HERE]]}`, or `["bytes", [HERE]]`), decodes it straight from the input:
    /// large arrays are mostly that string, and this spares copying it into a `String` that
    /// would only be decoded and dropped. Returns the placeholder (an empty str) to put in the
    /// args, with the data kept in `decoded` for [`Parser::finish_tag`]; `None` (nothing
    /// consumed) when the string is elsewhere or is not canonical base64 (the general path
    /// then parses it and reports any error).
    ///
    /// The placeholder can only reach `from_jsonclass` of that very tag: the args list is the
    /// second item of the tag's `[name, args]` list, which is used as a whole or not at all,
    /// and a later `__jsonclass__` key in the object drops the data.
    fn base64_arg(&mut self, stack: &[Frame<'_>]) -> Option<Value> {
        let [
            ..,
            Frame::Object {
                key: None, start, ..
            },
            Frame::Array {
                first: tag, name, ..
            },
            Frame::Array { first: args, .. },
        ] = stack
        else {
            return None;
        };
        if *args != tag + 1 {
            return None;
        }
        let name = match name {
            Some(name) => name,
            None => self.items[*tag].as_str()?,
        };
        let arg = match name {
            "nparray" => 2,
            "bytes" => 0,
            _ => return None,
        };
        if self.items.len() - args != arg {
            return None;
        }
        // The first `"` ends the string unless an escape comes first, and then the text is not
        // base64 anyway: valid base64 has no `\`, no `"` and no control character.
        let from = self.pos + 1;
        let end = from + memchr::memchr(b'"', &self.s[from..])?;
        let data = crate::construct::b64decode_strict(&self.s[from..end])?;
        self.decoded.push((*start, data));
        self.pos = end + 1;
        Some(Value::Str(String::new()))
    }

    fn enter(&mut self, depth: usize) -> Result<()> {
        if depth >= self.max_depth {
            return Err(self.err(format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += 1;
        Ok(())
    }

    /// An object key and its `:`; `None` for `__jsonclass__` (however spelt).
    fn key(&mut self) -> Result<Option<String>> {
        const TAG_KEY: &[u8] = b"\"__jsonclass__\"";
        let k = if self.s[self.pos..].starts_with(TAG_KEY) {
            self.pos += TAG_KEY.len();
            None
        } else if self.peek() != Some(b'"') {
            return Err(self.eof_or("expected `\"` to start an object key"));
        } else {
            Some(self.string()?).filter(|k| k != JSONCLASS)
        };
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.eof_or("expected `:`"));
        }
        self.pos += 1;
        Ok(k)
    }

    /// The value of a type-tagged object from its `__jsonclass__` value.
    fn finish_tag(&self, tag: Value, start: usize, decoded: Option<Vec<u8>>) -> Result<Value> {
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
        from_jsonclass(&name, args, decoded).map_err(|e| self.err_at(e, start))
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
        self.pos = crate::scan::string_stop(self.s, start, b'"');
        match self.peek() {
            Some(b'"') => {
                let s = self.text[start..self.pos].to_owned();
                self.pos += 1;
                return Ok(s);
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err("control character in string")),
            None => return Err(self.eof_or("unterminated string")),
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(&self.text[start..self.pos]);
        let mut run = self.pos;
        loop {
            self.pos = crate::scan::string_stop(self.s, self.pos, b'"');
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
                Some(_) => return Err(self.err("control character in string")),
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
        // Keys are all str: compare them as such, not as values.
        (1..n).any(|i| {
            let k = entries[i].0.as_str();
            entries[..i].iter().any(|(j, _)| j.as_str() == k)
        })
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

    /// The base64 argument of `bytes` and `nparray` is decoded straight from the input when it
    /// is canonical; every case must give what the general path gives.
    #[test]
    fn base64_arguments_decode_as_python() {
        let bytes = |b: &[u8]| Value::Bytes(b.to_vec());
        let ok = [
            (r#"{"__jsonclass__":["bytes",["QUJD"]]}"#, bytes(b"ABC")),
            // The last tag wins, and a later key is ignored.
            (
                r#"{"__jsonclass__":["bytes",["QUJD"]],"__jsonclass__":["bytes",[""]]}"#,
                bytes(b""),
            ),
            (
                r#"{"__jsonclass__":["bytes",["QUJD"]],"x":{"__jsonclass__":["bytes",["QQ=="]]}}"#,
                bytes(b"ABC"),
            ),
            // Escaped key; an escape inside, or base64 that is not canonical: general path.
            (
                r#"{"__json\u0063lass__":["bytes",["QUJD"]]}"#,
                bytes(b"ABC"),
            ),
            (
                r#"{"__jsonclass__":["bytes",["QUJ\u0044"]]}"#,
                bytes(b"ABC"),
            ),
            (r#"{"__jsonclass__":["bytes",["QUJ"]]}"#, bytes(b"AB")),
            (
                r#"{"__jsonclass__": [ "bytes" , [ "QQ==" ] ] }"#,
                bytes(b"A"),
            ),
            // Not a tag's argument: a plain string.
            (
                r#"["bytes",["QUJD"]]"#,
                Value::List(vec![
                    Value::from("bytes"),
                    Value::List(vec![Value::from("QUJD")]),
                ]),
            ),
            (
                r#"{"__jsonclass__":["nparray",[[3],"|u1","AQID"]]}"#,
                crate::NdArray::new(vec![3], crate::DType::parse("|u1").unwrap(), vec![1, 2, 3])
                    .unwrap()
                    .into(),
            ),
        ];
        for (text, want) in ok {
            assert_eq!(decode(text).unwrap(), want, "{text}");
        }
        for text in [
            r#"{"__jsonclass__":["bytes",["QUJD",1]]}"#,
            r#"{"__jsonclass__":["bytes",["QUJD"],1]}"#,
            r#"{"__jsonclass__":["nparray",[[3],"|u1","AQID",1]]}"#,
            r#"{"__jsonclass__":["nparray",[[4],"|u1","AQID"]]}"#,
            r#"{"__jsonclass__":["nparray",[[3],"?x","AQID"]]}"#,
            r#"{"__jsonclass__":["bytes",["QUJD"#,
            r#"{"__jsonclass__":["bytes",["QUJD"]]"#,
        ] {
            assert!(decode(text).is_err(), "{text}");
        }
    }

    /// Tags of built-in types are built as soon as their `[name, args]` list ends; errors and
    /// precedence must stay those of building them when the object ends.
    #[test]
    fn tags_build_as_when_the_object_ends() {
        crate::register("decode_test.Point").unwrap();
        let tuple = |items: Vec<Value>| Value::Tuple(items);
        for (text, want) in [
            (
                r#"{"__jsonclass__":["tuple",[[1]]]}"#,
                tuple(vec![Value::Int(1)]),
            ),
            (
                r#"{"__jsonclass__":["tu\u0070le",[[1]]]}"#,
                tuple(vec![Value::Int(1)]),
            ),
            (
                r#"{"__jsonclass__": [ "tuple" , [ [ ] ] ] , "x": 1}"#,
                tuple(vec![]),
            ),
            // A registered type keeps its name (read in place, then put back).
            (
                r#"{"__jsonclass__":["decode_test.Point",[1,2]]}"#,
                Value::Custom(Box::new(crate::Custom {
                    name: "decode_test.Point".into(),
                    args: vec![Value::Int(1), Value::Int(2)],
                })),
            ),
            // The last tag wins, even over one that fails.
            (
                r#"{"__jsonclass__":["tuple",[1,2]],"__jsonclass__":["tuple",[[3]]]}"#,
                tuple(vec![Value::Int(3)]),
            ),
        ] {
            assert_eq!(decode(text).unwrap(), want, "{text}");
        }
        for (text, category, message) in [
            (
                r#"{"__jsonclass__":["tuple",[1,2]]}"#,
                crate::Category::Data,
                "tuple takes 1 arguments, got 2 at line 1 column 1",
            ),
            (
                r#"{"x":1, "__jsonclass__":["tuple",[[1]],3]}"#,
                crate::Category::Data,
                "__jsonclass__ needs a [name, args] list at line 1 column 1",
            ),
            (
                r#"{"__jsonclass__":["tuple",5]}"#,
                crate::Category::Data,
                "__jsonclass__ needs a str name and a list of args at line 1 column 1",
            ),
            (
                r#"{"__jsonclass__":["tuple"]}"#,
                crate::Category::Data,
                "__jsonclass__ needs a [name, args] list at line 1 column 1",
            ),
            // A syntax error later in the object comes first.
            (
                r#"{"__jsonclass__":["tuple",[1,2]],"x":]"#,
                crate::Category::Syntax,
                "expected value at line 1 column 38",
            ),
        ] {
            let e = decode(text).unwrap_err();
            assert_eq!(
                (e.category(), e.to_string()),
                (category, message.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn depth_is_bounded() {
        let ok = format!("{}{}", "[".repeat(1000), "]".repeat(1000));
        assert!(decode(&ok).is_ok());
        let deep = "[".repeat(200_000);
        assert!(decode(&deep).unwrap_err().message().contains("nesting"));
    }
}
