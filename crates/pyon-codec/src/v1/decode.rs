//! PYON v1 decoder: a parser of the Python literal subset that `sipyco.pyon_v1` writes.
//!
//! Nothing is evaluated. The parser is iterative: containers and constructor calls live on a heap
//! stack bounded by `max_depth`, so hostile input can neither overflow the thread's stack nor
//! allocate more than the input warrants. Tokens (numbers, names) are recognised by `lex`,
//! string literals by `strings`.

use num_complex::Complex64;

use super::lex::{self, NumKind};
use super::strings::{self, Fail, Prefix};
use crate::construct::{
    make_custom, make_dict, make_fraction, make_nparray, make_npscalar, make_set, make_slice,
};
use crate::error::line_col;
use crate::{Category, Dict, Error, Result, Value};

/// Decodes one PYON v1 value; surrounding whitespace is ignored.
pub fn decode(text: &str) -> Result<Value> {
    decode_with_depth(text, crate::DEFAULT_MAX_DEPTH)
}

/// Decodes one PYON v1 value with a custom nesting limit (brackets and constructor calls).
pub fn decode_with_depth(text: &str, max_depth: usize) -> Result<Value> {
    Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        max_depth,
        items: Vec::new(),
        entries: Vec::new(),
    }
    .parse()
}

/// The constructors a v1 document may call.
enum Callee {
    Slice,
    Fraction,
    OrderedDict,
    NpArray,
    NpScalar,
    Custom(String),
}

/// An open container or call. Its elements so far live on the parser's shared scratch stacks
/// (from `first` on), so growing a container never reallocates its own vector: each gets one
/// exact-size vector when it closes. `start` is where the frame began.
enum Frame {
    /// `a, b`: a tuple without parentheses at the top level; items `items[first..]`.
    Bare { first: usize },
    /// `[...`
    List { first: usize, start: usize },
    /// `(...`: a tuple, or a parenthesised value when it holds one item and no comma.
    Paren {
        first: usize,
        start: usize,
        comma: bool,
    },
    /// `{` and its first item, which decides between a dict and a set.
    Brace(usize),
    /// A dict: entries `entries[first..]`, and the key awaiting its value.
    Dict {
        first: usize,
        key: Option<Value>,
        start: usize,
    },
    /// A set; items `items[first..]`.
    Set { first: usize, start: usize },
    /// `name(...`; arguments `items[first..]`.
    Call {
        callee: Callee,
        first: usize,
        start: usize,
    },
}

/// A number literal before its sign is applied.
enum Num {
    Int(Value),
    Float(f64),
    Imag(f64),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    max_depth: usize,
    /// Items of the open lists, tuples, sets and calls, innermost last.
    items: Vec<Value>,
    /// Entries of the open dicts, innermost last.
    entries: Vec<(Value, Value)>,
}

impl Parser<'_> {
    fn err_at(&self, e: Error, pos: usize) -> Error {
        let (l, c) = line_col(self.s, pos);
        e.at(l, c)
    }

    fn syntax_at(&self, msg: impl Into<String>, pos: usize) -> Error {
        let (l, c) = line_col(self.s, pos);
        Error::syntax(msg, l, c)
    }

    fn err(&self, msg: impl Into<String>) -> Error {
        self.syntax_at(msg, self.pos)
    }

    fn eof_or(&self, msg: &str) -> Error {
        if self.pos >= self.s.len() {
            let (l, c) = line_col(self.s, self.pos);
            Error::new(Category::Eof, format!("{msg}, found end of input")).at(l, c)
        } else {
            self.err(msg)
        }
    }

    fn fail(&self, f: Fail) -> Error {
        self.err_at(f.err, f.at)
    }

    #[inline]
    fn skip_ws(&mut self) {
        while let Some(&c) = self.s.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b'\x0c') {
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

    /// Consumes `,` and whitespace; whether `close` follows (a trailing comma).
    #[inline]
    fn comma_then(&mut self, close: u8) -> bool {
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(close) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Consumes `,` and whitespace; whether the input ends there (a trailing comma).
    fn comma_then_end(&mut self) -> bool {
        self.pos += 1;
        self.skip_ws();
        self.pos == self.s.len()
    }

    fn enter(&mut self, depth: usize) -> Result<()> {
        if depth >= self.max_depth {
            return Err(self.err(format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += 1;
        self.skip_ws();
        Ok(())
    }

    fn parse(mut self) -> Result<Value> {
        let mut stack: Vec<Frame> = Vec::new();
        'value: loop {
            self.skip_ws();
            let mut start = self.pos;
            let first = self.items.len();
            let mut value = match self.peek() {
                Some(b'[') => {
                    self.enter(stack.len())?;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        Value::List(Vec::new())
                    } else {
                        stack.push(Frame::List { first, start });
                        continue 'value;
                    }
                }
                Some(b'(') => {
                    self.enter(stack.len())?;
                    if self.peek() == Some(b')') {
                        self.pos += 1;
                        Value::Tuple(Vec::new())
                    } else {
                        stack.push(Frame::Paren {
                            first,
                            start,
                            comma: false,
                        });
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    self.enter(stack.len())?;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Dict(Dict::new())
                    } else {
                        stack.push(Frame::Brace(start));
                        continue 'value;
                    }
                }
                Some(b'"' | b'\'') => self.strings(Prefix::default(), self.pos)?,
                Some(b'0'..=b'9' | b'.' | b'+' | b'-') => self.number()?,
                Some(c) if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                    if let Some((prefix, open)) = strings::literal_start(self.s, self.pos) {
                        self.strings(prefix, open)?
                    } else {
                        match self.name(stack.len())? {
                            Step::Value(v) => v,
                            Step::Push(frame) => {
                                stack.push(frame);
                                continue 'value;
                            }
                        }
                    }
                }
                Some(_) => return Err(self.err("expected a value")),
                None => return Err(self.eof_or("expected a value")),
            };
            // A value is complete: hand it to the enclosing frame, closing as many frames as
            // end here.
            loop {
                let Some(frame) = stack.last_mut() else {
                    self.skip_ws();
                    match self.peek() {
                        None => return Ok(value),
                        // `1, 2`: a tuple without parentheses, as Python's `eval` reads it.
                        Some(b',') => {
                            if self.comma_then_end() {
                                return Ok(Value::Tuple(vec![value]));
                            }
                            stack.push(Frame::Bare {
                                first: self.items.len(),
                            });
                            self.items.push(value);
                            continue 'value;
                        }
                        Some(_) => return Err(self.err("trailing characters")),
                    }
                };
                match frame {
                    &mut Frame::Bare { first } => {
                        self.items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') if !self.comma_then_end() => continue 'value,
                            Some(b',') | None => {
                                return Ok(Value::Tuple(self.items.split_off(first)));
                            }
                            _ => return Err(self.err("expected `,` or end of input")),
                        }
                    }
                    &mut Frame::List { first, start: s } => {
                        self.items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') if !self.comma_then(b']') => continue 'value,
                            Some(b',' | b']') => {
                                if self.peek() == Some(b']') {
                                    self.pos += 1;
                                }
                                stack.pop();
                                (value, start) = (Value::List(self.items.split_off(first)), s);
                            }
                            _ => return Err(self.eof_or("expected `,` or `]`")),
                        }
                    }
                    Frame::Paren {
                        first,
                        start: s,
                        comma,
                    } => {
                        self.items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                *comma = true;
                                if !self.comma_then(b')') {
                                    continue 'value;
                                }
                            }
                            Some(b')') => self.pos += 1,
                            _ => return Err(self.eof_or("expected `,` or `)`")),
                        }
                        let (first, s, comma) = (*first, *s, *comma);
                        stack.pop();
                        value = if !comma && self.items.len() == first + 1 {
                            self.items.pop().unwrap_or_default()
                        } else {
                            Value::Tuple(self.items.split_off(first))
                        };
                        start = s;
                    }
                    Frame::Brace(s) => {
                        let s = *s;
                        self.skip_ws();
                        if self.peek() == Some(b':') {
                            self.check_key(&value, start)?;
                            self.pos += 1;
                            *frame = Frame::Dict {
                                first: self.entries.len(),
                                key: Some(value),
                                start: s,
                            };
                            continue 'value;
                        }
                        *frame = Frame::Set {
                            first: self.items.len(),
                            start: s,
                        };
                        self.items.push(value);
                        match self.set_next(&mut stack)? {
                            Some(v) => (value, start) = v,
                            None => continue 'value,
                        }
                    }
                    Frame::Set { .. } => {
                        self.items.push(value);
                        match self.set_next(&mut stack)? {
                            Some(v) => (value, start) = v,
                            None => continue 'value,
                        }
                    }
                    Frame::Dict {
                        first,
                        key,
                        start: s,
                    } => {
                        match key.take() {
                            None => {
                                self.check_key(&value, start)?;
                                self.skip_ws();
                                if self.peek() != Some(b':') {
                                    return Err(self.eof_or("expected `:`"));
                                }
                                self.pos += 1;
                                *key = Some(value);
                                continue 'value;
                            }
                            Some(k) => self.entries.push((k, value)),
                        }
                        let (first, s) = (*first, *s);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') if !self.comma_then(b'}') => continue 'value,
                            Some(b',' | b'}') => {
                                if self.peek() == Some(b'}') {
                                    self.pos += 1;
                                }
                                stack.pop();
                                let entries = self.entries.split_off(first);
                                (value, start) =
                                    (Value::Dict(Dict::from_decoded_pairs(entries)), s);
                            }
                            _ => return Err(self.eof_or("expected `,` or `}`")),
                        }
                    }
                    Frame::Call { first, .. } => {
                        let first = *first;
                        self.items.push(value);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') if !self.comma_then(b')') => continue 'value,
                            Some(b',' | b')') => {
                                if self.peek() == Some(b')') {
                                    self.pos += 1;
                                }
                                let Some(Frame::Call {
                                    callee, start: s, ..
                                }) = stack.pop()
                                else {
                                    unreachable!()
                                };
                                let args = self.items.split_off(first);
                                value = self.call(callee, args, s)?;
                                start = s;
                            }
                            _ => return Err(self.eof_or("expected `,` or `)`")),
                        }
                    }
                }
            }
        }
    }

    /// After an item of a set: `,` and the next item (`None`), or the end of the set.
    fn set_next(&mut self, stack: &mut Vec<Frame>) -> Result<Option<(Value, usize)>> {
        self.skip_ws();
        match self.peek() {
            Some(b',') if !self.comma_then(b'}') => Ok(None),
            Some(b',' | b'}') => {
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                }
                let Some(Frame::Set { first, start: s }) = stack.pop() else {
                    unreachable!()
                };
                let items = self.items.split_off(first);
                let set = make_set(items).map_err(|e| self.err_at(e, s))?;
                Ok(Some((set, s)))
            }
            _ => Err(self.eof_or("expected `,` or `}`")),
        }
    }

    fn check_key(&self, key: &Value, start: usize) -> Result<()> {
        if key.is_hashable() {
            Ok(())
        } else {
            Err(self.err_at(
                Error::data(format!("unhashable type: '{}'", key.kind())),
                start,
            ))
        }
    }

    fn call(&self, callee: Callee, mut args: Vec<Value>, start: usize) -> Result<Value> {
        let r = match callee {
            Callee::Slice => make_slice(args),
            Callee::Fraction => make_fraction(&args),
            Callee::NpArray => make_nparray(&args),
            Callee::NpScalar => make_npscalar(&args),
            Callee::Custom(name) => make_custom(&name, args),
            Callee::OrderedDict => match (args.pop(), args.is_empty()) {
                (None, _) => Ok(Value::OrderedDict(Dict::new())),
                (Some(Value::List(pairs) | Value::Tuple(pairs)), true) => {
                    make_dict(pairs).map(Value::OrderedDict)
                }
                (Some(Value::Dict(d) | Value::OrderedDict(d)), true) => Ok(Value::OrderedDict(d)),
                (Some(other), true) => Err(Error::data(format!(
                    "OrderedDict needs a list of pairs, not {}",
                    other.kind()
                ))),
                (Some(_), false) => Err(Error::data(format!(
                    "OrderedDict takes at most 1 argument, got {}",
                    args.len() + 1
                ))),
            },
        };
        r.map_err(|e| self.err_at(e, start))
    }

    /// One string or bytes literal at `open` (its prefix starts at `self.pos`), and the
    /// literals adjacent to it, concatenated.
    fn strings(&mut self, mut prefix: Prefix, mut open: usize) -> Result<Value> {
        let bytes = prefix.bytes;
        // Fast path, most literals: one non-empty literal without escapes, copied once into a
        // string (or bytes) of its exact size.
        let q = self.s[open];
        if let Some(end) = crate::scan::literal_stop(self.s, open + 1, q, bytes)
            && self.s[end] == q
            && end > open + 1
        {
            // Not triple-quoted (the body does not start with the quote), and complete unless
            // another literal follows, to be concatenated.
            self.pos = end + 1;
            self.skip_ws();
            if strings::literal_start(self.s, self.pos).is_none() {
                self.pos = end + 1;
                let body = open + 1..end;
                return Ok(if bytes {
                    Value::Bytes(self.s[body].to_vec())
                } else {
                    Value::Str(self.text[body].to_owned())
                });
            }
        }
        let mut str_out = String::new();
        let mut bytes_out = Vec::new();
        loop {
            self.pos = if bytes {
                strings::scan(self.text, open, prefix, &mut bytes_out)
            } else {
                strings::scan(self.text, open, prefix, &mut str_out)
            }
            .map_err(|f| self.fail(f))?;
            let after = self.pos;
            self.skip_ws();
            match strings::literal_start(self.s, self.pos) {
                Some((p, o)) => {
                    if p.bytes != bytes {
                        return Err(self.err("cannot mix bytes and nonbytes literals"));
                    }
                    (prefix, open) = (p, o);
                }
                None => {
                    self.pos = after;
                    break;
                }
            }
        }
        Ok(if bytes {
            Value::Bytes(bytes_out)
        } else {
            Value::Str(str_out)
        })
    }

    /// A name: a literal (`None`, `true`, ...), a number (`inf`, `nan`), or the start of a
    /// constructor call, whose frame is returned for the caller to push.
    fn name(&mut self, depth: usize) -> Result<Step> {
        let start = self.pos;
        let n = lex::name(&self.text[start..]);
        if n == 0 {
            return Err(self.err("expected a value"));
        }
        let full = &self.text[start..start + n];
        let (first, dot) = match full.find('.') {
            Some(d) => (&full[..d], Some(start + d)),
            None => (full, None),
        };
        let builtin = match first {
            "None" | "null" => Some(Value::None),
            "True" | "true" => Some(Value::Bool(true)),
            "False" | "false" => Some(Value::Bool(false)),
            "inf" | "nan" | "infj" | "nanj" if dot.is_none() => {
                return self.number().map(Step::Value);
            }
            _ => None,
        };
        let callee = match first {
            "slice" => Some(Callee::Slice),
            "Fraction" => Some(Callee::Fraction),
            "OrderedDict" => Some(Callee::OrderedDict),
            "nparray" => Some(Callee::NpArray),
            "npscalar" => Some(Callee::NpScalar),
            _ => None,
        };
        if let Some(dot) = dot
            && (builtin.is_some()
                || callee.is_some()
                || matches!(first, "inf" | "nan" | "infj" | "nanj"))
        {
            return Err(self.syntax_at("unexpected `.`", dot));
        }
        if let Some(v) = builtin {
            self.pos += n;
            return Ok(Step::Value(v));
        }
        let callee = match callee {
            Some(c) => c,
            None if crate::is_registered(full) => Callee::Custom(full.to_owned()),
            None => return Err(self.err(format!("unknown name `{full}`"))),
        };
        if depth >= self.max_depth {
            return Err(self.err(format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += n;
        self.skip_ws();
        if self.peek() != Some(b'(') {
            return Err(self.eof_or(&format!("expected `(` after `{full}`")));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return self.call(callee, Vec::new(), start).map(Step::Value);
        }
        Ok(Step::Push(Frame::Call {
            callee,
            first: self.items.len(),
            start,
        }))
    }

    /// Signs, then a number literal (or `inf`, `nan`, `infj`, `nanj`): whether the sign is
    /// negative, and the literal with the sign applied. `None` when no literal follows the signs.
    fn signed_literal(&mut self) -> Result<Option<(bool, Num)>> {
        let mut neg = false;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'+') => self.pos += 1,
                Some(b'-') => {
                    neg = !neg;
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let start = self.pos;
        let rest = &self.text[start..];
        if rest.as_bytes().first().is_some_and(u8::is_ascii_alphabetic) {
            let word_len = rest
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .unwrap_or(rest.len());
            let x = match &rest[..word_len] {
                "inf" | "infj" => f64::INFINITY,
                "nan" | "nanj" => f64::NAN,
                _ => return Ok(None),
            };
            let x = if neg { -x } else { x };
            self.pos += word_len;
            self.no_name_after(start)?;
            return Ok(Some((
                neg,
                if word_len == 4 {
                    Num::Imag(x)
                } else {
                    Num::Float(x)
                },
            )));
        }
        let Some((len, kind)) = lex::number(rest) else {
            return Ok(None);
        };
        self.pos += len;
        self.no_name_after(start)?;
        let text = &rest[..len];
        let num = match kind {
            NumKind::Int(radix) => {
                Num::Int(lex::int_value(text, radix, neg).map_err(|e| self.err_at(e, start))?)
            }
            NumKind::Float | NumKind::Imag => {
                let x = lex::float_value(text).map_err(|e| self.err_at(e, start))?;
                let x = if neg { -x } else { x };
                if kind == NumKind::Imag {
                    Num::Imag(x)
                } else {
                    Num::Float(x)
                }
            }
        };
        Ok(Some((neg, num)))
    }

    /// A literal must not run into a name or another number (`1x`, `1.5.`, `1_`).
    fn no_name_after(&self, start: usize) -> Result<()> {
        let bad = match self.peek() {
            None => false,
            Some(b) if b < 0x80 => b.is_ascii_alphanumeric() || b == b'_' || b == b'.',
            Some(_) => self.text[self.pos..]
                .chars()
                .next()
                .is_some_and(lex::is_ident_continue),
        };
        if bad {
            Err(self.syntax_at("invalid number", start))
        } else {
            Ok(())
        }
    }

    /// The fast path of [`Parser::number`] for what encoders write: an optional `-` and a plain
    /// decimal literal (`12`, `-1.5`, `2.5e+16`), not part of a complex number. `None`, with
    /// nothing consumed, sends anything else to the general path.
    fn plain_number(&mut self) -> Result<Option<Value>> {
        let neg = self.peek() == Some(b'-');
        let lit = self.pos + usize::from(neg);
        let Some((len, kind)) = lex::plain_number(&self.s[lit..]) else {
            return Ok(None);
        };
        let end = lit + len;
        // Not followed by an identifier character (non-ASCII here; `plain_number` checked
        // ASCII), nor by `+`/`-` and an imaginary part.
        let rest = &self.text[end..];
        if rest.chars().next().is_some_and(lex::is_ident_continue)
            || matches!(rest.trim_start().as_bytes().first(), Some(b'+' | b'-'))
        {
            return Ok(None);
        }
        let text = &self.text[lit..end];
        let v = match kind {
            // Errors point at the literal, after its sign, as in the general path.
            lex::NumKind::Int(_) => {
                lex::int_value(text, 10, neg).map_err(|e| self.err_at(e, lit))?
            }
            _ => {
                let x = lex::float_value(text).map_err(|e| self.err_at(e, lit))?;
                Value::Float(if neg { -x } else { x })
            }
        };
        self.pos = end;
        Ok(Some(v))
    }

    /// A number: signs, a literal, and for a real number an optional `+ imaginary` or
    /// `- imaginary` part, which makes it a complex number.
    fn number(&mut self) -> Result<Value> {
        if let Some(v) = self.plain_number()? {
            return Ok(v);
        }
        let Some((neg, num)) = self.signed_literal()? else {
            return Err(self.eof_or("expected a number"));
        };
        let re = match num {
            Num::Imag(im) => return Ok(Value::Complex(Complex64::new(0.0, im))),
            Num::Int(v) => v,
            Num::Float(x) => Value::Float(x),
        };
        let after = self.pos;
        self.skip_ws();
        let op = match self.peek() {
            Some(op @ (b'+' | b'-')) => op,
            _ => {
                self.pos = after;
                return Ok(re);
            }
        };
        let op_pos = self.pos;
        self.pos += 1;
        let Some((_, Num::Imag(im))) = self.signed_literal()? else {
            return Err(self.syntax_at(
                format!(
                    "binary `{}` only joins a real and an imaginary number",
                    op as char
                ),
                op_pos,
            ));
        };
        let im = if op == b'-' { -im } else { im };
        let mut re = match re {
            Value::Float(x) => x,
            other => other
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or_else(|| self.syntax_at("int too large to convert to float", op_pos))?,
        };
        if neg && re == 0.0 {
            re = -0.0;
        }
        Ok(Value::Complex(Complex64::new(re, im)))
    }
}

/// What a name turned out to be.
enum Step {
    /// A complete value.
    Value(Value),
    /// A constructor call whose arguments follow.
    Push(Frame),
}
