//! PYON v2 encoder: Python's `json.dumps` with the `__jsonclass__` tags of `sipyco.pyon`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::pyrepr::{write_float_repr, write_json_str};
use crate::{Error, Result, Value};

/// How often (in nesting levels) the encoder checks the stack that is left.
const STACK_CHECK_EVERY: usize = 8;
/// Stack that must be left at a check: enough for `STACK_CHECK_EVERY` levels in a debug build.
const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of a new stack segment when too little is left.
const STACK_SEGMENT: usize = 4 << 20;

/// The key that marks a type-tagged object.
pub(crate) const JSONCLASS: &str = "__jsonclass__";

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
    let start = out.len();
    let mut enc = Encoder {
        out,
        pretty,
        indent: 0,
        depth: 0,
    };
    let r = enc.value(v);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

struct Encoder<'a> {
    out: &'a mut String,
    pretty: bool,
    indent: usize,
    depth: usize,
}

impl Encoder<'_> {
    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.indent {
                self.out.push_str("    ");
            }
        }
    }

    /// Opens `[` or `{`; `empty` containers stay `[]` / `{}` on one line.
    fn open(&mut self, c: char, empty: bool) {
        self.out.push(c);
        if !empty {
            self.indent += 1;
            self.newline();
        }
    }

    fn close(&mut self, c: char, empty: bool) {
        if !empty {
            self.indent -= 1;
            self.newline();
        }
        self.out.push(c);
    }

    fn comma(&mut self) {
        self.out.push(',');
        self.newline();
    }

    fn colon(&mut self) {
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    fn seq(&mut self, items: &[Value]) -> Result<()> {
        self.open('[', items.is_empty());
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.comma();
            }
            self.value(item)?;
        }
        self.close(']', items.is_empty());
        Ok(())
    }

    /// Writes `{"__jsonclass__": [name, [args...]]}` with the args written by `args`.
    fn tagged(
        &mut self,
        name: &str,
        empty_args: bool,
        args: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        self.open('{', false);
        write_json_str(self.out, JSONCLASS);
        self.colon();
        self.open('[', false);
        write_json_str(self.out, name);
        self.comma();
        self.open('[', empty_args);
        args(self)?;
        self.close(']', empty_args);
        self.close(']', false);
        self.close('}', false);
        Ok(())
    }

    fn float(&mut self, x: f64) {
        if x.is_finite() {
            write_float_repr(self.out, x);
        } else if x.is_nan() {
            self.out.push_str("NaN");
        } else if x > 0.0 {
            self.out.push_str("Infinity");
        } else {
            self.out.push_str("-Infinity");
        }
    }

    fn base64(&mut self, data: &[u8]) {
        self.out.push('"');
        STANDARD.encode_string(data, self.out);
        self.out.push('"');
    }

    fn pairs(&mut self, entries: &[(Value, Value)]) -> Result<()> {
        self.open('[', entries.is_empty());
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.comma();
            }
            self.open('[', false);
            self.value(k)?;
            self.comma();
            self.value(v)?;
            self.close(']', false);
        }
        self.close(']', entries.is_empty());
        Ok(())
    }

    fn value(&mut self, v: &Value) -> Result<()> {
        self.depth += 1;
        if self.depth > crate::MAX_ENCODE_DEPTH {
            return Err(Error::encode("value nested too deeply to encode"));
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

    fn value_inner(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::None => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Int(i) => self.out.push_str(itoa::Buffer::new().format(*i)),
            Value::BigInt(i) => self.out.push_str(&i.to_string()),
            Value::Float(x) => self.float(*x),
            Value::Str(s) => write_json_str(self.out, s),
            Value::List(items) => self.seq(items)?,
            Value::Dict(d) | Value::OrderedDict(d) if d.all_str_keys() => {
                self.open('{', d.is_empty());
                for (i, (k, v)) in d.iter().enumerate() {
                    let Value::Str(k) = k else { unreachable!() };
                    if k == JSONCLASS {
                        return Err(Error::encode(format!(
                            "a dict with the key {JSONCLASS:?} cannot be encoded"
                        )));
                    }
                    if i > 0 {
                        self.comma();
                    }
                    write_json_str(self.out, k);
                    self.colon();
                    self.value(v)?;
                }
                self.close('}', d.is_empty());
            }
            Value::Dict(d) | Value::OrderedDict(d) => {
                self.tagged("dict", false, |e| e.pairs(d.entries()))?
            }
            Value::Tuple(items) => self.tagged("tuple", false, |e| e.seq(items))?,
            Value::Set(items) => self.tagged("set", false, |e| e.seq(items))?,
            Value::Complex(c) => self.tagged("complex", false, |e| {
                e.float(c.re);
                e.comma();
                e.float(c.im);
                Ok(())
            })?,
            Value::Bytes(b) => self.tagged("bytes", false, |e| {
                e.base64(b);
                Ok(())
            })?,
            Value::Slice(s) => self.tagged("slice", false, |e| {
                e.value(&s.start)?;
                e.comma();
                e.value(&s.stop)?;
                e.comma();
                e.value(&s.step)
            })?,
            Value::Fraction(f) => self.tagged("Fraction", false, |e| {
                e.out.push_str(&f.numer().to_string());
                e.comma();
                e.out.push_str(&f.denom().to_string());
                Ok(())
            })?,
            Value::Array(a) => self.tagged("nparray", false, |e| {
                e.open('[', a.shape().is_empty());
                for (i, d) in a.shape().iter().enumerate() {
                    if i > 0 {
                        e.comma();
                    }
                    e.out.push_str(itoa::Buffer::new().format(*d));
                }
                e.close(']', a.shape().is_empty());
                e.comma();
                write_json_str(e.out, a.dtype().as_str());
                e.comma();
                e.base64(a.data());
                Ok(())
            })?,
            // numpy's float64 is a subclass of Python's float: json writes it as a float.
            Value::Scalar(s) if s.as_f64().is_some() => self.float(s.as_f64().unwrap_or(0.0)),
            Value::Scalar(s) => self.tagged("npscalar", false, |e| {
                write_json_str(e.out, s.dtype().as_str());
                e.comma();
                e.base64(s.data());
                Ok(())
            })?,
            Value::Custom(c) => self.tagged(&c.name, c.args.is_empty(), |e| {
                for (i, a) in c.args.iter().enumerate() {
                    if i > 0 {
                        e.comma();
                    }
                    e.value(a)?;
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
