//! PYON v1 decoder: a parser of the Python literal subset that `sipyco.pyon_v1` writes.
//!
//! Nothing is evaluated. The parser is iterative: containers and constructor calls live on a heap
//! stack bounded by `max_depth`, so hostile input can neither overflow the thread's stack nor
//! allocate more than the input warrants. This module holds the containers (the frame stack);
//! [`number`] reads signed numbers and complex sums, [`name`] names and constructor calls,
//! [`string`] adjacent string literals. Tokens are recognised by `lex` and `strings`.

mod name;
mod number;
mod scratch;
mod string;

pub use name::construct;
use name::{Callee, Step};

use super::strings::{self, Fail, Prefix};
use crate::construct::make_set;
use crate::error::line_col;
use crate::{Category, Dict, Error, Result, Value};

/// Decodes one PYON v1 value; surrounding whitespace is ignored.
pub fn decode(text: &str) -> Result<Value> {
    decode_with_depth(text, crate::DEFAULT_MAX_DEPTH)
}

/// Decodes one PYON v1 value with a custom nesting limit (brackets and constructor calls).
pub fn decode_with_depth(text: &str, max_depth: usize) -> Result<Value> {
    let mut parser = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        max_depth,
        items: Vec::new(),
        entries: Vec::new(),
    };
    let mut frames = Vec::new();
    scratch::take(&mut parser.items, &mut parser.entries, &mut frames);
    let value = parser.parse(&mut frames);
    scratch::give_back(&mut parser.items, &mut parser.entries, &mut frames);
    value
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

    fn parse(&mut self, stack: &mut Vec<Frame>) -> Result<Value> {
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
                        match self.set_next(stack)? {
                            Some(v) => (value, start) = v,
                            None => continue 'value,
                        }
                    }
                    Frame::Set { .. } => {
                        self.items.push(value);
                        match self.set_next(stack)? {
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
                                // The top frame was matched as a call just above.
                                let Some(Frame::Call {
                                    callee, start: s, ..
                                }) = stack.pop()
                                else {
                                    return Err(self.err("expected a call"));
                                };
                                let mut args = std::mem::take(&mut self.items);
                                let built =
                                    self.call(callee, args.get_mut(first..).unwrap_or_default(), s);
                                args.truncate(first);
                                self.items = args;
                                value = built?;
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
                // Called with a set frame at the top.
                let Some(Frame::Set { first, start: s }) = stack.pop() else {
                    return Err(self.err("expected a set"));
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
}
