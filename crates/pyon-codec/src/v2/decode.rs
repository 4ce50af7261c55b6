//! PYON v2 decoder: JSON (with `NaN`, `Infinity`, `-Infinity`) plus `__jsonclass__` tags.
//!
//! The parser is iterative: nesting lives on a heap stack bounded by `max_depth`, so hostile
//! input can neither overflow the thread's stack nor allocate more than the input warrants.
//! Nothing here panics on any input: no `unwrap`, no indexing that could be out of bounds.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use num_bigint::BigInt;

use super::encode::JSONCLASS;
use crate::construct::{MAX_INT_DIGITS, from_jsonclass};
use crate::error::line_col;
use crate::{Dict, Error, Result, Value};

mod lexical;
mod scratch;
mod stack;
mod tag;

use stack::Stack;

/// What the parser's own steps return: the error boxed, so that the `Ok` side (a [`Value`]) is
/// all that moves through registers on the hot path; [`decode_with_depth`] unboxes it.
type Parsed<T> = std::result::Result<T, Box<Error>>;

/// Decodes one PYON v2 value; surrounding whitespace is ignored.
pub fn decode(text: &str) -> Result<Value> {
    decode_with_depth(text, crate::DEFAULT_MAX_DEPTH)
}

/// Decodes one PYON v2 value with a custom nesting limit (JSON arrays and objects).
pub fn decode_with_depth(text: &str, max_depth: usize) -> Result<Value> {
    let mut parser = Parser {
        s: text.as_bytes(),
        text,
        pos: 0,
        max_depth,
        items: Stack::new(),
        decoded: Vec::new(),
    };
    let mut frames = Stack::new();
    scratch::take(&mut parser.items, &mut parser.decoded, &mut frames);
    let value = parser.parse(&mut frames);
    scratch::give_back(&mut parser.items, &mut parser.decoded, &mut frames);
    value.map_err(|e| *e)
}

/// An open container. Its contents so far live on the parser's one scratch stack, `items`
/// (from `first` on), so growing a container never reallocates its own vector: each gets one
/// exact-size vector when it closes. Every value is pushed there as it is made, in place.
enum Frame {
    /// An array; its items are `items[first..]`. `tag_list` marks the `[name, args]` value of
    /// a `__jsonclass__` key, `name` the input range of its name when read in place (see
    /// [`Parser::tag_name`]) and `built` whether the value was built from its args (see
    /// [`Parser::build_from_args`]): it is then the list's first item, where the name was, or
    /// the error is here.
    Array {
        first: usize,
        tag_list: bool,
        name: Option<(usize, usize)>,
        built: Option<Parsed<()>>,
    },
    /// An object; its keys and values, in turn, are `items[first..]`. `tag_next` says the
    /// value being read is that of a `__jsonclass__` key (which is never pushed), `start` is
    /// where the object began and `tag` the value of its last `__jsonclass__` key so far (kept
    /// apart: it is all that counts).
    Object {
        first: usize,
        tag_next: bool,
        start: usize,
        tag: Option<Tag>,
    },
}

impl Default for Frame {
    /// What the slots of the frame stack hold above its top.
    fn default() -> Self {
        Frame::Array {
            first: 0,
            tag_list: false,
            name: None,
            built: None,
        }
    }
}

/// Pushes the frame of an array, made in its slot (see [`Stack::push_int`]).
#[inline(never)]
fn open_array(stack: &mut Stack<Frame>, first: usize, tag_list: bool) {
    stack.push_with(|| Frame::Array {
        first,
        tag_list,
        name: None,
        built: None,
    });
}

/// Pushes the frame of an object, made in its slot.
#[inline(never)]
fn open_object(stack: &mut Stack<Frame>, first: usize, tag_next: bool, start: usize) {
    stack.push_with(|| Frame::Object {
        first,
        tag_next,
        start,
        tag: None,
    });
}

/// The value of an object's `__jsonclass__` key. It stays where it was made, on `items`
/// among the object's other keys and values (which are dropped with it), at the index kept
/// here; for the usual object with no other key, that is the very slot the object's value
/// takes, so a tag built there is never moved.
enum Tag {
    /// As parsed, to be checked when the object ends.
    Raw(usize),
    /// A well-formed `[name, args]` of a built-in type, already built from its parts (sparing
    /// the list and, mostly, the name string).
    Built(usize),
    /// The error of building it, only reported when the object ends, as if the tag were built
    /// then: a later syntax error or tag takes precedence.
    Failed(Box<Error>),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    max_depth: usize,
    /// Items of the open arrays and keys and values of the open objects, innermost last.
    items: Stack<Value>,
    /// Base64 arguments decoded straight from the input, with the start of the tagged object
    /// they belong to (see [`Parser::base64_arg`]); innermost last.
    decoded: Vec<(usize, Vec<u8>)>,
}

impl<'a> Parser<'a> {
    #[cold]
    #[inline(never)]
    fn err(&self, msg: impl Into<String>) -> Box<Error> {
        let (l, c) = line_col(self.s, self.pos);
        Box::new(Error::syntax(msg, l, c))
    }

    #[cold]
    #[inline(never)]
    fn err_at(&self, e: Error, pos: usize) -> Box<Error> {
        let (l, c) = line_col(self.s, pos);
        Box::new(e.at(l, c))
    }

    #[cold]
    #[inline(never)]
    fn eof_or(&self, msg: &str) -> Box<Error> {
        if self.pos >= self.s.len() {
            let (l, c) = line_col(self.s, self.pos);
            Box::new(
                Error::new(crate::Category::Eof, format!("{msg}, found end of input")).at(l, c),
            )
        } else {
            self.err(msg)
        }
    }

    #[inline(always)]
    fn skip_ws(&mut self) {
        // Compact text (what encoders write) has no whitespace: one look and done.
        while let Some(&c) = self.s.get(self.pos) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    /// The input from `from` on (empty past the end).
    #[inline(always)]
    fn rest(&self, from: usize) -> &'a [u8] {
        self.s.get(from..).unwrap_or_default()
    }

    /// The input text of a byte range that the scanner found on character boundaries.
    #[inline(always)]
    fn text_of(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or_default()
    }

    fn parse(&mut self, stack: &mut Stack<Frame>) -> Parsed<Value> {
        'value: loop {
            self.skip_ws();
            match self.peek() {
                Some(b'"') => {
                    if !self.tag_name(stack.live_mut()) && !self.base64_arg(stack.live()) {
                        let s = self.string()?;
                        self.items.push_str(s);
                    }
                }
                Some(b'-' | b'0'..=b'9') => self.number()?,
                Some(b'[') => {
                    self.enter(stack.len())?;
                    self.skip_ws();
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                        self.items.push(Value::List(Vec::new()));
                    } else {
                        let tag_list =
                            matches!(stack.last(), Some(Frame::Object { tag_next: true, .. }));
                        open_array(stack, self.items.len(), tag_list);
                        continue 'value;
                    }
                }
                Some(b'{') => {
                    let start = self.pos;
                    self.enter(stack.len())?;
                    self.skip_ws();
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                        self.items.push(Value::Dict(Dict::new()));
                    } else {
                        let first = self.items.len();
                        let tag_next = !self.key()?;
                        open_object(stack, first, tag_next, start);
                        continue 'value;
                    }
                }
                Some(b't') => self.literal("true", Value::Bool(true))?,
                Some(b'f') => self.literal("false", Value::Bool(false))?,
                Some(b'n') => self.literal("null", Value::None)?,
                Some(b'N') => self.literal("NaN", Value::Float(f64::NAN))?,
                Some(b'I') => self.literal("Infinity", Value::Float(f64::INFINITY))?,
                _ => return Err(self.eof_or("expected value")),
            }
            // A value is complete, on top of `items`: go on in the enclosing container, closing
            // as many containers as end here. `built` says that a tag was built at the end of
            // its list, for the object (the frame below): it is on top of `items`, or failed.
            let mut built: Option<Parsed<()>> = None;
            loop {
                match stack.last_mut() {
                    None => {
                        self.skip_ws();
                        if self.pos != self.s.len() {
                            return Err(self.err("trailing characters"));
                        }
                        return Ok(self.items.pop().unwrap_or_default());
                    }
                    Some(Frame::Array {
                        first,
                        tag_list,
                        name,
                        built: pre,
                    }) => {
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                continue 'value;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                let (first, tag_list, name, pre) =
                                    (*first, *tag_list, *name, pre.take());
                                stack.drop_top();
                                if let Some(pre) = pre {
                                    // The args were built when they ended, into the list's
                                    // first item; nothing may follow them.
                                    let b = if self.items.len() == first + 1 {
                                        pre
                                    } else {
                                        Err(Box::new(Error::data(format!(
                                            "{JSONCLASS} needs a [name, args] list"
                                        ))))
                                    };
                                    if b.is_err() {
                                        self.items.truncate(first);
                                    }
                                    built = Some(b);
                                } else if let Some(b) = tag_list
                                    .then(|| self.build_tag(stack.live(), first, name))
                                    .flatten()
                                {
                                    built = Some(b.map(|v| self.items.push(v)));
                                } else if !self.build_from_args(stack.live_mut(), first) {
                                    self.items.close_list(first);
                                }
                            }
                            _ => return Err(self.eof_or("expected `,` or `]`")),
                        }
                    }
                    Some(Frame::Object {
                        first,
                        tag_next,
                        start,
                        tag,
                    }) => {
                        if *tag_next {
                            *tag_next = false;
                            let top = self.items.len().saturating_sub(1);
                            *tag = Some(match built.take() {
                                Some(Ok(())) => Tag::Built(top),
                                Some(Err(e)) => Tag::Failed(e),
                                None => Tag::Raw(top),
                            });
                        }
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_ws();
                                if !self.key()? {
                                    *tag_next = true;
                                    // The last tag wins: base64 decoded for an earlier one is
                                    // no longer wanted.
                                    let start = *start;
                                    self.drop_decoded(start);
                                }
                                continue 'value;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                let (first, start, tag) = (*first, *start, tag.take());
                                stack.drop_top();
                                // Python's object hook: other keys are ignored.
                                let value = match tag {
                                    Some(Tag::Built(at)) if at == first => {
                                        self.items.truncate(first + 1);
                                        continue;
                                    }
                                    Some(Tag::Built(at)) => {
                                        let v = self.items.take(at);
                                        self.items.truncate(first);
                                        v
                                    }
                                    Some(Tag::Raw(at)) => {
                                        let tag = self.items.take(at);
                                        self.items.truncate(first);
                                        let decoded = self.drop_decoded(start);
                                        self.finish_tag(tag, start, decoded)?
                                    }
                                    Some(Tag::Failed(e)) => {
                                        self.items.truncate(first);
                                        return Err(self.err_at(*e, start));
                                    }
                                    None => {
                                        self.items.close_dict(first);
                                        continue;
                                    }
                                };
                                self.items.push(value);
                            }
                            _ => return Err(self.eof_or("expected `,` or `}`")),
                        }
                    }
                }
            }
        }
    }

    #[inline(always)]
    fn enter(&mut self, depth: usize) -> Parsed<()> {
        if depth >= self.max_depth {
            return Err(self.err(format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += 1;
        Ok(())
    }

    /// An object key and its `:`. Pushes the key and returns `true`, or returns `false` for
    /// `__jsonclass__` (however spelt), which is not pushed.
    fn key(&mut self) -> Parsed<bool> {
        const TAG_KEY: &[u8] = b"\"__jsonclass__\"";
        let pushed = if self.rest(self.pos).starts_with(TAG_KEY) {
            self.pos += TAG_KEY.len();
            false
        } else if self.peek() != Some(b'"') {
            return Err(self.eof_or("expected `\"` to start an object key"));
        } else {
            let k = self.string()?;
            let pushed = k != JSONCLASS;
            if pushed {
                self.items.push_str(k);
            }
            pushed
        };
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.eof_or("expected `:`"));
        }
        self.pos += 1;
        Ok(pushed)
    }

    #[inline(always)]
    fn literal(&mut self, word: &str, v: Value) -> Parsed<()> {
        if self.rest(self.pos).starts_with(word.as_bytes()) {
            self.pos += word.len();
            self.items.push(v);
            Ok(())
        } else {
            Err(self.err("expected value"))
        }
    }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
