//! PYON v2 encoder: Python's `json.dumps` with the `__jsonclass__` tags of `sipyco.pyon`.
//!
//! The encoder is generic over `PRETTY` so that the compact form, the one on the wire, has no
//! layout branches at all; it also writes leaves (the bulk of any document) without the depth
//! and stack bookkeeping that only containers need, and each tag's prefix as one literal.

use crate::text::scalar::write_float_repr;
use crate::write::{
    Deferred, write_base64_or_defer, write_bigint, write_json_str, write_json_str_inline,
};
use crate::{Error, Result, Value};

/// How often (in nesting levels) the encoder checks the stack that is left.
const STACK_CHECK_EVERY: usize = 8;
/// Stack that must be left at a check: enough for `STACK_CHECK_EVERY` levels in a debug build.
const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of a new stack segment when too little is left.
const STACK_SEGMENT: usize = 4 << 20;

/// What the encoder's own steps return: the error boxed, so that a result is one word, passed
/// in a register; [`Encoder::run`] unboxes it. (A `Result<(), Error>` is eight words, which
/// every call returned through memory and the caller of the whole encode copied before
/// looking at it, reading back in wide loads what was just stored in narrow ones.)
type Step<T = ()> = std::result::Result<T, Box<Error>>;

/// The key that marks a type-tagged object.
pub(crate) const JSONCLASS: &str = "__jsonclass__";

/// The compact opening of a tag up to its first argument: `{"__jsonclass__":["name",[`.
macro_rules! tag_prefix {
    ($name:literal) => {
        concat!("{\"__jsonclass__\":[\"", $name, "\",[")
    };
}

/// Encodes `v` as compact PYON v2 (one line).
pub fn encode(v: &Value) -> Result<String> {
    let mut out = String::with_capacity(64);
    encode_into(&mut out, v, false)?;
    Ok(out)
}

/// Encodes `v` as pretty PYON v2 (`json.dumps(indent=4)`).
pub fn encode_pretty(v: &Value) -> Result<String> {
    let mut out = String::with_capacity(64);
    encode_into(&mut out, v, true)?;
    Ok(out)
}

/// Appends the PYON v2 encoding of `v` to `out` (nothing is appended on error).
pub fn encode_into(out: &mut String, v: &Value, pretty: bool) -> Result<()> {
    encode_parts(out, None, v, pretty)
}

/// Writes the PYON v2 encoding of `v` to `w`: what [`encode_into`] would append, made and
/// checked before anything is written, except that the base64 of large byte payloads (arrays,
/// `bytes`) is written in pieces straight from `v`, so a large array needs no output buffer of
/// its size. Nothing is written when `v` cannot be encoded; an error of `w` is an
/// [`Io`](crate::Category::Io) error.
pub fn encode_to_writer(w: impl std::io::Write, v: &Value, pretty: bool) -> Result<()> {
    crate::write::encode_to_writer(w, |out, deferred| encode_parts(out, deferred, v, pretty))
}

/// [`encode_into`], leaving large byte payloads to the caller when there is a `deferred` list.
pub(crate) fn encode_parts<'v>(
    out: &mut String,
    deferred: Option<&mut Deferred<'v>>,
    v: &'v Value,
    pretty: bool,
) -> Result<()> {
    let start = out.len();
    let r = if pretty {
        Encoder::<true>::run(out, deferred, v)
    } else {
        Encoder::<false>::run(out, deferred, v)
    };
    if r.is_err() {
        out.truncate(start);
    }
    r
}

struct Encoder<'a, 'v, const PRETTY: bool> {
    /// The text so far, owned while encoding (see [`Encoder::run`]).
    out: String,
    /// Large byte payloads left out of `out` (see [`Deferred`]), when writing to a writer.
    deferred: Option<&'a mut Deferred<'v>>,
    indent: usize,
    depth: usize,
}

impl<'a, 'v, const PRETTY: bool> Encoder<'a, 'v, PRETTY> {
    /// Encodes `v` onto the end of `out`. The encoder owns the string while it works: its
    /// length then lives in the encoder itself, which the compiler knows no byte written to
    /// the text can change, so consecutive writes keep it in a register. Through a `&mut
    /// String` field, every byte written could be the length, which was then stored and
    /// loaded back after each one.
    fn run(out: &mut String, deferred: Option<&'a mut Deferred<'v>>, v: &'v Value) -> Result<()> {
        let mut e = Encoder::<PRETTY> {
            out: std::mem::take(out),
            deferred,
            indent: 0,
            depth: 0,
        };
        let r = e.value(v);
        *out = e.out;
        r.map_err(|e| *e)
    }

    fn newline(&mut self) {
        if PRETTY {
            self.out.push('\n');
            for _ in 0..self.indent {
                self.out.push_str("    ");
            }
        }
    }

    /// Opens `[` or `{`; `empty` containers stay `[]` / `{}` on one line.
    #[inline]
    fn open(&mut self, c: char, empty: bool) {
        self.out.push(c);
        if PRETTY && !empty {
            self.indent += 1;
            self.newline();
        }
    }

    #[inline]
    fn close(&mut self, c: char, empty: bool) {
        if PRETTY && !empty {
            self.indent -= 1;
            self.newline();
        }
        self.out.push(c);
    }

    #[inline]
    fn comma(&mut self) {
        self.out.push(',');
        self.newline();
    }

    #[inline]
    fn colon(&mut self) {
        self.out.push_str(if PRETTY { ": " } else { ":" });
    }

    fn seq(&mut self, items: &'v [Value]) -> Step {
        self.open('[', items.is_empty());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.comma();
            }
            self.item(item)?;
        }
        self.close(']', items.is_empty());
        Ok(())
    }

    /// Writes `{"__jsonclass__": [name, [args...]]}` with the args written by `args`;
    /// `prefix` is the compact opening up to the args (see [`tag_prefix!`]), or `None` when
    /// `name` is only known at run time.
    #[inline(always)]
    fn tagged(
        &mut self,
        prefix: Option<&'static str>,
        name: &str,
        empty_args: bool,
        args: impl FnOnce(&mut Self) -> Step,
    ) -> Step {
        match prefix {
            Some(p) if !PRETTY => self.out.push_str(p),
            _ => {
                self.open('{', false);
                self.out.push_str("\"__jsonclass__\"");
                self.colon();
                self.open('[', false);
                write_json_str(&mut self.out, name);
                self.comma();
                self.open('[', empty_args);
            }
        }
        args(self)?;
        if PRETTY {
            self.close(']', empty_args);
            self.close(']', false);
            self.close('}', false);
        } else {
            self.out.push_str("]]}");
        }
        Ok(())
    }

    #[inline]
    fn float(&mut self, x: f64) {
        if x.is_finite() {
            write_float_repr(&mut self.out, x);
        } else if x.is_nan() {
            self.out.push_str("NaN");
        } else if x > 0.0 {
            self.out.push_str("Infinity");
        } else {
            self.out.push_str("-Infinity");
        }
    }

    fn base64(&mut self, data: &'v [u8]) {
        self.out.push('"');
        write_base64_or_defer(&mut self.out, data, self.deferred.as_deref_mut());
        self.out.push('"');
    }

    fn pairs(&mut self, entries: &'v [(Value, Value)]) -> Step {
        self.open('[', entries.is_empty());
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.comma();
            }
            self.open('[', false);
            self.item(k)?;
            self.comma();
            self.item(v)?;
            self.close(']', false);
        }
        self.close(']', entries.is_empty());
        Ok(())
    }

    /// Writes an element of a container: leaves directly, anything else through [`Self::value`].
    /// A leaf needs no stack check (it does not recurse); the depth limit is kept exactly as if
    /// it had gone through `value`.
    #[inline(always)]
    fn item(&mut self, v: &'v Value) -> Step {
        if self.depth >= crate::MAX_ENCODE_DEPTH {
            return self.value(v);
        }
        match v {
            Value::Str(s) => write_json_str_inline(&mut self.out, s),
            Value::Int(i) => self.out.push_str(itoa::Buffer::new().format(*i)),
            Value::Float(x) => self.float(*x),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::None => self.out.push_str("null"),
            _ => return self.value(v),
        }
        Ok(())
    }

    fn value(&mut self, v: &'v Value) -> Step {
        self.depth += 1;
        if self.depth > crate::MAX_ENCODE_DEPTH {
            return Err(Error::encode("value nested too deeply to encode").into());
        }
        // Encoding recurses once per nesting level, and a debug build's frames are large:
        // every few levels make sure enough stack is left, switching to a fresh heap-allocated
        // segment when it is not, so a deep value (up to the decoders' limit) cannot overflow
        // a small thread stack.
        let r = if self.depth.is_multiple_of(STACK_CHECK_EVERY) {
            stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.value_inner(v))
        } else {
            self.value_inner(v)
        };
        self.depth -= 1;
        r
    }

    /// A dict with only str keys as a JSON object. Returns `false`, having written nothing
    /// that stays, at the first key that is not a str (the caller then writes the tagged form):
    /// one pass instead of checking all keys first.
    fn str_dict(&mut self, d: &'v crate::Dict) -> Step<bool> {
        let start = self.out.len();
        self.open('{', d.is_empty());
        for (i, (k, v)) in d.iter().enumerate() {
            let k = match k {
                Value::Str(k) if k.as_str() != JSONCLASS => k,
                // The key is refused only in a dict that would be written as an object.
                Value::Str(_) if d.all_str_keys() => {
                    return Err(Error::encode(format!(
                        "a dict with the key {JSONCLASS:?} cannot be encoded"
                    ))
                    .into());
                }
                _ => {
                    self.out.truncate(start);
                    // Payloads deferred from the values written since go too.
                    if let Some(d) = self.deferred.as_deref_mut() {
                        d.retain(|&(at, _)| at < start);
                    }
                    if PRETTY {
                        self.indent -= 1;
                    }
                    return Ok(false);
                }
            };
            if i > 0 {
                self.comma();
            }
            write_json_str_inline(&mut self.out, k);
            self.colon();
            self.item(v)?;
        }
        self.close('}', d.is_empty());
        Ok(true)
    }

    fn value_inner(&mut self, v: &'v Value) -> Step {
        match v {
            Value::None => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Int(i) => self.out.push_str(itoa::Buffer::new().format(*i)),
            Value::BigInt(i) => write_bigint(&mut self.out, i)?,
            Value::Float(x) => self.float(*x),
            Value::Str(s) => write_json_str_inline(&mut self.out, s),
            Value::List(items) => self.seq(items)?,
            Value::Dict(d) | Value::OrderedDict(d) => {
                if !self.str_dict(d)? {
                    self.tagged(tag_prefix!("dict").into(), "dict", false, |e| {
                        e.pairs(d.entries())
                    })?
                }
            }
            Value::Tuple(items) => {
                self.tagged(tag_prefix!("tuple").into(), "tuple", false, |e| {
                    e.seq(items)
                })?
            }
            Value::Set(items) => {
                self.tagged(tag_prefix!("set").into(), "set", false, |e| e.seq(items))?
            }
            Value::Complex(c) => {
                self.tagged(tag_prefix!("complex").into(), "complex", false, |e| {
                    e.float(c.re);
                    e.comma();
                    e.float(c.im);
                    Ok(())
                })?
            }
            Value::Bytes(b) => self.tagged(tag_prefix!("bytes").into(), "bytes", false, |e| {
                e.base64(b);
                Ok(())
            })?,
            Value::Slice(s) => self.tagged(tag_prefix!("slice").into(), "slice", false, |e| {
                e.item(&s.start)?;
                e.comma();
                e.item(&s.stop)?;
                e.comma();
                e.item(&s.step)
            })?,
            Value::Fraction(f) => {
                self.tagged(tag_prefix!("Fraction").into(), "Fraction", false, |e| {
                    write_bigint(&mut e.out, f.numer())?;
                    e.comma();
                    Ok(write_bigint(&mut e.out, f.denom())?)
                })?
            }
            Value::Array(a) => {
                self.tagged(tag_prefix!("nparray").into(), "nparray", false, |e| {
                    e.open('[', a.shape().is_empty());
                    for (i, d) in a.shape().iter().enumerate() {
                        if i > 0 {
                            e.comma();
                        }
                        e.out.push_str(itoa::Buffer::new().format(*d));
                    }
                    e.close(']', a.shape().is_empty());
                    e.comma();
                    write_json_str(&mut e.out, a.dtype().as_str());
                    e.comma();
                    e.base64(a.data());
                    Ok(())
                })?
            }
            // numpy's float64 is a subclass of Python's float: json writes it as a float.
            Value::Scalar(s) if s.as_f64().is_some() => self.float(s.as_f64().unwrap_or(0.0)),
            Value::Scalar(s) => {
                self.tagged(tag_prefix!("npscalar").into(), "npscalar", false, |e| {
                    write_json_str(&mut e.out, s.dtype().as_str());
                    e.comma();
                    e.base64(s.data());
                    Ok(())
                })?
            }
            Value::Custom(c) => self.tagged(None, &c.name, c.args.is_empty(), |e| {
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        e.comma();
                    }
                    e.item(a)?;
                }
                Ok(())
            })?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::{DEFAULT_MAX_DEPTH, Value};

    /// The `__jsonclass__` key is refused only in a dict that would be written as an object
    /// (all keys str), wherever it comes; a dict with a key of another type is written tagged.
    #[test]
    fn the_tag_key_is_refused_only_in_an_object() {
        let dict = |pairs: Vec<(Value, Value)>| Value::Dict(crate::Dict::from_pairs(pairs));
        let tag = || Value::str(super::JSONCLASS);
        for pairs in [
            vec![(tag(), Value::Int(1))],
            vec![(Value::str("a"), Value::Int(1)), (tag(), Value::Int(1))],
        ] {
            let e = super::encode(&dict(pairs)).unwrap_err();
            assert!(e.to_string().contains("cannot be encoded"), "{e}");
        }
        for pairs in [
            vec![(tag(), Value::Int(1)), (Value::Int(2), Value::Int(3))],
            vec![(Value::Int(2), Value::Int(3)), (tag(), Value::Int(1))],
            vec![
                (Value::str("a"), Value::Int(1)),
                (tag(), Value::Int(1)),
                (Value::None, Value::Int(3)),
            ],
        ] {
            let v = dict(pairs);
            let text = super::encode(&v).unwrap();
            assert!(text.starts_with(r#"{"__jsonclass__":["dict","#), "{text}");
            assert_eq!(crate::decode(&text).unwrap(), v);
        }
    }

    /// Values as deep as the decoders accept encode on a 2 MiB thread, even in a debug build.
    #[test]
    fn deep_values_do_not_overflow_a_small_stack() {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                for wrap in [
                    Value::List as fn(Vec<Value>) -> Value,
                    Value::Tuple,
                    Value::Set,
                ] {
                    let mut v = Value::Int(1);
                    for _ in 0..DEFAULT_MAX_DEPTH {
                        v = wrap(vec![v]);
                    }
                    let text = super::encode(&v).unwrap();
                    assert!(super::encode_pretty(&v).is_ok());
                    if matches!(v, Value::List(_)) {
                        assert_eq!(crate::decode(&text).unwrap(), v);
                    }
                }
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
