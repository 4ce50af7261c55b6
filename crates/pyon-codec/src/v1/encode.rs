//! PYON v1 encoder: Python literal syntax, byte for byte as `sipyco.pyon_v1`'s `_Encoder`.

use std::cell::Cell;

use super::lex::{is_ident_continue, is_ident_start};
use crate::numpy::NpScalar;
use crate::text::scalar::{write_bytes_repr, write_complex_repr, write_float_repr};
use crate::write::{Deferred, write_base64_or_defer, write_bigint, write_json_str};
use crate::{Dict, Error, Result, Value};

/// Encodes `v` as compact PYON v1 (one line).
pub fn encode(v: &Value) -> Result<String> {
    let mut out = String::with_capacity(64);
    encode_into(&mut out, v, false)?;
    Ok(out)
}

/// Encodes `v` as pretty PYON v1: dicts of two or more entries are broken one entry per line,
/// indented 4 spaces per level, with their keys sorted when they are all strings.
pub fn encode_pretty(v: &Value) -> Result<String> {
    let mut out = String::with_capacity(64);
    encode_into(&mut out, v, true)?;
    Ok(out)
}

/// Appends the PYON v1 encoding of `v` to `out` (nothing is appended on error).
pub fn encode_into(out: &mut String, v: &Value, pretty: bool) -> Result<()> {
    encode_parts(out, None, v, pretty)
}

/// Writes the PYON v1 encoding of `v` to `w`, the large byte payloads straight from `v`
/// (see [`crate::v2::encode_to_writer`]). Nothing is written when `v` cannot be encoded.
pub fn encode_to_writer(w: impl std::io::Write, v: &Value, pretty: bool) -> Result<()> {
    crate::write::encode_to_writer(w, |out, deferred| encode_parts(out, deferred, v, pretty))
}

/// [`encode_into`], leaving large byte payloads to the caller when there is a `deferred` list.
fn encode_parts<'v>(
    out: &mut String,
    deferred: Option<&mut Deferred<'v>>,
    v: &'v Value,
    pretty: bool,
) -> Result<()> {
    let start = out.len();
    // The encoder owns the text while it works, as the v2 encoder does (see
    // `v2::encode::Encoder::run`): its length then stays in a register between writes.
    let mut enc = Encoder {
        out: std::mem::take(out),
        deferred,
        pretty,
        indent: 0,
        depth: 0,
        tasks: kept_tasks(),
    };
    let r = enc.run(v).map_err(|e| *e);
    *out = enc.out;
    keep_tasks(enc.tasks);
    if r.is_err() {
        out.truncate(start);
    }
    r
}

/// Work lists above this many tasks are freed after use rather than kept for the next call.
const KEEP_TASKS: usize = 4096;

thread_local! {
    /// An empty work list, with whatever capacity earlier calls left it: a thread that encodes
    /// one message after another grows it once, not for every message.
    static TASKS: Cell<Vec<Task<'static>>> = const { Cell::new(Vec::new()) };
}

/// The thread's kept work list (empty), or a new one. Its tasks borrow from the value being
/// encoded, so the list is kept without any: an empty vector collected into one of another
/// lifetime keeps its allocation (the two types have one layout).
fn kept_tasks<'v>() -> Vec<Task<'v>> {
    relabel(TASKS.try_with(Cell::take).unwrap_or_default())
}

/// An empty work list as one whose tasks borrow for another lifetime, in the same allocation
/// (Vec's in-place collection: the element types have one layout). No element is ever mapped.
#[allow(clippy::unnecessary_filter_map)] // It changes the element type, which `filter` cannot.
fn relabel<'a, 'b>(tasks: Vec<Task<'a>>) -> Vec<Task<'b>> {
    debug_assert!(tasks.is_empty());
    tasks.into_iter().filter_map(|_| None).collect()
}

/// Empties the work list and keeps it for the next call on this thread, unless it grew large.
fn keep_tasks(mut tasks: Vec<Task<'_>>) {
    tasks.clear();
    if tasks.capacity() <= KEEP_TASKS {
        let _ = TASKS.try_with(|k| k.set(relabel(tasks)));
    }
}

/// What the encoder's own steps return: the error boxed, so that a result is one word, passed in
/// a register (see the v2 encoder's `Step`).
type Step = std::result::Result<(), Box<Error>>;

/// The numpy scalar types that the Python v1 encoder knows (`_numpy_scalar`), as `dtype.str`
/// without the byte order: numpy bool, strings, datetimes and long doubles are refused.
const NP_SCALARS: &[&str] = &[
    "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16",
];

fn scalar_encodable(s: &NpScalar) -> bool {
    let t = s.dtype().as_str();
    let t = t.strip_prefix(['<', '>', '|', '=']).unwrap_or(t);
    NP_SCALARS.contains(&t)
}

fn is_dotted_ident(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(is_ident_start) && chars.all(is_ident_continue)
    })
}

/// One step of the encoder's work list (it is iterative: deep values cannot overflow the
/// thread's stack).
enum Task<'v> {
    /// Encode a value.
    Value(&'v Value),
    /// A part of a slice, as Python's `repr(slice)` writes it.
    SlicePart(&'v Value),
    /// Append text.
    Text(&'static str),
    /// Append the current indentation.
    Indent,
    /// Open a pretty dict level.
    Deeper,
    /// Close a pretty dict level.
    Shallower,
    /// Leave a container.
    Leave,
}

struct Encoder<'a, 'v> {
    out: String,
    /// Large byte payloads left out of `out` (see [`Deferred`]), when writing to a writer.
    deferred: Option<&'a mut Deferred<'v>>,
    pretty: bool,
    indent: usize,
    depth: usize,
    tasks: Vec<Task<'v>>,
}

impl<'v> Encoder<'_, 'v> {
    fn run(&mut self, v: &'v Value) -> Step {
        self.tasks.push(Task::Value(v));
        while let Some(task) = self.tasks.pop() {
            match task {
                Task::Value(v) => self.value(v)?,
                Task::SlicePart(v) => match v {
                    Value::None => self.out.push_str("None"),
                    Value::Bool(true) => self.out.push_str("True"),
                    Value::Bool(false) => self.out.push_str("False"),
                    other => self.value(other)?,
                },
                Task::Text(t) => self.out.push_str(t),
                Task::Indent => {
                    for _ in 0..self.indent {
                        self.out.push_str("    ");
                    }
                }
                Task::Deeper => self.indent += 1,
                Task::Shallower => self.indent -= 1,
                Task::Leave => self.depth -= 1,
            }
        }
        Ok(())
    }

    /// Enters a container: its closing text and the end of the level go on the work list.
    fn enter(&mut self, close: &'static str) -> Step {
        self.depth += 1;
        if self.depth > crate::MAX_ENCODE_DEPTH {
            return Err(Error::encode("value nested too deeply to encode").into());
        }
        self.tasks.push(Task::Leave);
        self.tasks.push(Task::Text(close));
        Ok(())
    }

    /// `a, b, c` (pushed in reverse: the work list is a stack).
    fn items(&mut self, items: &'v [Value]) {
        for (i, item) in items.iter().enumerate().rev() {
            self.tasks.push(Task::Value(item));
            if i > 0 {
                self.tasks.push(Task::Text(", "));
            }
        }
    }

    fn base64(&mut self, data: &'v [u8]) {
        self.out.push_str("b\"");
        write_base64_or_defer(&mut self.out, data, self.deferred.as_deref_mut());
        self.out.push('"');
    }

    fn dict(&mut self, d: &'v Dict) -> Step {
        self.out.push('{');
        self.enter("}")?;
        let broken = self.pretty && d.len() >= 2;
        if broken {
            self.tasks.push(Task::Indent);
            self.tasks.push(Task::Shallower);
            self.tasks.push(Task::Text("\n"));
        }
        if self.pretty && d.all_str_keys() {
            // `pprint` sorts the keys of a dict of str keys.
            let mut entries: Vec<&'v (Value, Value)> = d.entries().iter().collect();
            entries.sort_by(|a, b| a.0.as_str().cmp(&b.0.as_str()));
            self.entries(entries.into_iter(), broken);
        } else {
            self.entries(d.entries().iter(), broken);
        }
        if broken {
            self.tasks.push(Task::Text("\n"));
            self.tasks.push(Task::Deeper);
        }
        Ok(())
    }

    /// The entries of a dict, `k: v` apart (pushed in reverse: the work list is a stack).
    fn entries(
        &mut self,
        entries: impl DoubleEndedIterator<Item = &'v (Value, Value)> + ExactSizeIterator,
        broken: bool,
    ) {
        for (i, (k, v)) in entries.enumerate().rev() {
            self.tasks.push(Task::Value(v));
            self.tasks.push(Task::Text(": "));
            self.tasks.push(Task::Value(k));
            if broken {
                self.tasks.push(Task::Indent);
            }
            if i > 0 {
                self.tasks
                    .push(Task::Text(if broken { ",\n" } else { ", " }));
            }
        }
    }

    fn value(&mut self, v: &'v Value) -> Step {
        if self.depth >= crate::MAX_ENCODE_DEPTH {
            return Err(Error::encode("value nested too deeply to encode").into());
        }
        match v {
            Value::None => self.out.push_str("null"),
            Value::Bool(true) => self.out.push_str("true"),
            Value::Bool(false) => self.out.push_str("false"),
            Value::Int(i) => self.out.push_str(itoa::Buffer::new().format(*i)),
            Value::BigInt(i) => write_bigint(&mut self.out, i)?,
            Value::Float(x) => write_float_repr(&mut self.out, *x),
            Value::Complex(c) => write_complex_repr(&mut self.out, c.re, c.im),
            Value::Str(s) => write_json_str(&mut self.out, s),
            Value::Bytes(b) => write_bytes_repr(&mut self.out, b),
            Value::List(items) => {
                self.out.push('[');
                self.enter("]")?;
                self.items(items);
            }
            Value::Tuple(items) => {
                self.out.push('(');
                self.enter(if items.len() == 1 { ", )" } else { ")" })?;
                self.items(items);
            }
            Value::Set(items) => {
                self.out.push('{');
                self.enter("}")?;
                self.items(items);
            }
            Value::Dict(d) => self.dict(d)?,
            Value::OrderedDict(d) => {
                // `"OrderedDict(" + encode(list(x.items())) + ")"`.
                self.out.push_str("OrderedDict([");
                self.enter("])")?;
                for (i, (k, v)) in d.entries().iter().enumerate().rev() {
                    self.tasks.push(Task::Text(")"));
                    self.tasks.push(Task::Value(v));
                    self.tasks.push(Task::Text(", "));
                    self.tasks.push(Task::Value(k));
                    self.tasks.push(Task::Text(if i > 0 { ", (" } else { "(" }));
                }
            }
            Value::Slice(s) => {
                self.out.push_str("slice(");
                self.enter(")")?;
                self.tasks.push(Task::SlicePart(&s.step));
                self.tasks.push(Task::Text(", "));
                self.tasks.push(Task::SlicePart(&s.stop));
                self.tasks.push(Task::Text(", "));
                self.tasks.push(Task::SlicePart(&s.start));
            }
            Value::Fraction(f) => {
                self.out.push_str("Fraction(");
                write_bigint(&mut self.out, f.numer())?;
                self.out.push_str(", ");
                write_bigint(&mut self.out, f.denom())?;
                self.out.push(')');
            }
            Value::Array(a) => {
                self.out.push_str("nparray((");
                let mut ib = itoa::Buffer::new();
                for (i, d) in a.shape().iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.out.push_str(ib.format(*d));
                }
                self.out
                    .push_str(if a.shape().len() == 1 { ", ), " } else { "), " });
                write_json_str(&mut self.out, a.dtype().as_str());
                self.out.push_str(", ");
                self.base64(a.data());
                self.out.push(')');
            }
            Value::Scalar(s) => {
                if !scalar_encodable(s) {
                    return Err(Error::encode(format!(
                        "numpy scalar of dtype {} is not PYON v1 serializable",
                        s.dtype()
                    ))
                    .into());
                }
                self.out.push_str("npscalar(");
                write_json_str(&mut self.out, s.dtype().as_str());
                self.out.push_str(", ");
                self.base64(s.data());
                self.out.push(')');
            }
            Value::Custom(c) => {
                if !is_dotted_ident(&c.name) {
                    return Err(Error::encode(format!(
                        "custom type name {:?} is not an identifier",
                        c.name
                    ))
                    .into());
                }
                self.out.push_str(&c.name);
                self.out.push('(');
                self.enter(")")?;
                self.items(&c.args);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numpy::{DType, NdArray};
    use crate::{Fraction, dict, list, tuple};
    use num_complex::Complex64;

    #[test]
    fn compact_and_pretty() {
        let nested =
            dict! {"b" => 1, "a" => list![dict!{"y" => 1, "x" => 2}], "c" => dict!{"d" => ()}};
        let cases: Vec<(Value, &str, &str)> = vec![
            (tuple![], "()", "()"),
            (tuple![10], "(10, )", "(10, )"),
            (tuple![4, 5, tuple![6]], "(4, 5, (6, ))", "(4, 5, (6, ))"),
            (Value::Set(vec![]), "{}", "{}"),
            (
                Value::Complex(Complex64::new(1.0, -9.0)),
                "(1-9j)",
                "(1-9j)",
            ),
            (
                Value::slice(Value::None, 3.into(), Value::None),
                "slice(None, 3, None)",
                "slice(None, 3, None)",
            ),
            (
                Fraction::new(-5, 2).unwrap().into(),
                "Fraction(-5, 2)",
                "Fraction(-5, 2)",
            ),
            (
                Value::OrderedDict(Dict::new()),
                "OrderedDict([])",
                "OrderedDict([])",
            ),
            (
                nested.clone(),
                r#"{"b": 1, "a": [{"y": 1, "x": 2}], "c": {"d": null}}"#,
                "{\n    \"a\": [{\n        \"x\": 2,\n        \"y\": 1\n    }],\n    \"b\": 1,\n    \"c\": {\"d\": null}\n}",
            ),
            (
                list![dict! {2 => 1, 1 => 2}],
                "[{2: 1, 1: 2}]",
                "[{\n    2: 1,\n    1: 2\n}]",
            ),
        ];
        for (v, compact, pretty) in cases {
            assert_eq!(encode(&v).unwrap(), compact);
            assert_eq!(encode_pretty(&v).unwrap(), pretty);
        }
    }

    #[test]
    fn arrays_and_scalars() {
        let a = NdArray::new(vec![], DType::parse("<i8").unwrap(), vec![0; 8]).unwrap();
        assert_eq!(
            encode(&a.into()).unwrap(),
            r#"nparray((), "<i8", b"AAAAAAAAAAA=")"#
        );
        let b = NdArray::new(vec![0, 3], DType::parse("<f8").unwrap(), vec![]).unwrap();
        assert_eq!(encode(&b.into()).unwrap(), r#"nparray((0, 3), "<f8", b"")"#);
        let s = Value::Scalar(Box::new(NpScalar::from_value(true)));
        let e = encode(&s).unwrap_err();
        assert_eq!(e.category(), crate::Category::Encode);
        let mut out = String::from("x");
        assert!(encode_into(&mut out, &list![1, s], false).is_err());
        assert_eq!(out, "x");
    }

    #[test]
    fn depth_is_bounded() {
        let mut v = Value::None;
        for _ in 0..crate::MAX_ENCODE_DEPTH + 1 {
            v = Value::List(vec![v]);
        }
        let e = encode(&v).unwrap_err();
        assert_eq!(e.category(), crate::Category::Encode);
    }
}
