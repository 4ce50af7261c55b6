//! Python's `repr` of values, for messages and tools that show a value as Python would
//! (`KeyError: 'missing'`, argspec defaults, `sipyco_rpctool` output), and the `_safe_repr`
//! variant of `pprint`, which sorts dict keys.

use std::fmt::Write as _;

use super::numpy;
use super::order::safe_cmp;
use super::scalar::{write_bytes_repr, write_complex_repr, write_float_repr};
use crate::Value;

/// Python's `repr(v)` (3.11): `None`, `True`, ints, floats and complex as Python writes them,
/// `str` and `bytes` with Python's choice of quotes and escapes, lists, tuples (`(1,)`), dicts
/// in insertion order, sets (`set()` when empty), `OrderedDict([(k, v)])`, `slice(...)`,
/// `Fraction(3, 4)`, and numpy arrays and scalars as numpy 2 writes them with its default print
/// options (`array([1., 2.])`, `np.float64(1.5)`).
pub fn repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v, Dicts::AsTheyAre);
    out
}

/// Python's `repr(s)` of a `str`.
pub fn str_repr(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    write_str_repr(&mut out, s);
    out
}

/// Whether [`write_repr`] sorts dict keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dicts {
    /// In insertion order: `repr`.
    AsTheyAre,
    /// Sorted by key, in `pprint`'s `_safe_key` order, also inside lists and tuples:
    /// `PrettyPrinter._safe_repr`.
    Sorted,
}

fn write_seq(out: &mut String, items: &[Value], dicts: Dicts) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_repr(out, item, dicts);
    }
}

/// Appends `repr(v)`, or `pprint`'s `_safe_repr(v)` with [`Dicts::Sorted`].
pub(super) fn write_repr(out: &mut String, v: &Value, dicts: Dicts) {
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Value::BigInt(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => write_float_repr(out, *f),
        Value::Complex(c) => write_complex_repr(out, c.re, c.im),
        Value::Str(s) => write_str_repr(out, s),
        Value::Bytes(b) => write_bytes_repr(out, b),
        Value::List(items) => {
            out.push('[');
            write_seq(out, items, dicts);
            out.push(']');
        }
        Value::Tuple(items) => {
            out.push('(');
            write_seq(out, items, dicts);
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => {
            // Inside a set, `_safe_repr` falls back to the plain repr (no sorting).
            out.push('{');
            write_seq(out, items, Dicts::AsTheyAre);
            out.push('}');
        }
        Value::Dict(d) => {
            out.push('{');
            let mut entries: Vec<(&Value, &Value)> = d.iter().collect();
            if dicts == Dicts::Sorted {
                entries.sort_by(|a, b| safe_cmp(a.0, b.0));
            }
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, k, dicts);
                out.push_str(": ");
                write_repr(out, v, dicts);
            }
            out.push('}');
        }
        Value::OrderedDict(d) if d.is_empty() => out.push_str("OrderedDict()"),
        Value::OrderedDict(d) => {
            out.push_str("OrderedDict([");
            for (i, (k, v)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push('(');
                write_repr(out, k, Dicts::AsTheyAre);
                out.push_str(", ");
                write_repr(out, v, Dicts::AsTheyAre);
                out.push(')');
            }
            out.push_str("])");
        }
        Value::Slice(s) => {
            out.push_str("slice(");
            for (i, part) in [&s.start, &s.stop, &s.step].into_iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, part, Dicts::AsTheyAre);
            }
            out.push(')');
        }
        Value::Fraction(f) => {
            let _ = write!(out, "Fraction({}, {})", f.numer(), f.denom());
        }
        Value::Custom(c) => {
            out.push_str(&c.name);
            out.push('(');
            write_seq(out, &c.args, Dicts::AsTheyAre);
            out.push(')');
        }
        Value::Array(a) => out.push_str(&numpy::array_repr(a)),
        Value::Scalar(s) => out.push_str(&numpy::scalar_repr(s)),
    }
}

pub(super) fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if is_printable(c) => out.push(c),
            c if (c as u32) < 0x100 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if (c as u32) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
    }
    out.push(quote);
}

/// Python's `str.isprintable` for one character. Exact for ASCII and Latin-1; beyond that the
/// separators, format characters and private-use ranges are known, while unassigned code
/// points count as printable (Python, with its Unicode tables, escapes them).
fn is_printable(c: char) -> bool {
    let u = c as u32;
    match u {
        0x20..=0x7e => true,
        0..=0x1f | 0x7f..=0xa0 | 0xad => false,
        0x1680 | 0x2000..=0x200f | 0x2028..=0x202f | 0x205f..=0x206f | 0x3000 | 0xfeff => false,
        0x180e | 0x061c | 0x0600..=0x0605 | 0x06dd | 0x070f | 0x08e2 | 0x110bd | 0x110cd => false,
        0xd800..=0xf8ff | 0xfff9..=0xfffb | 0xfffe | 0xffff => false,
        0xe0000..=0xe0fff | 0xf0000..=0x10ffff => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Fraction, dict, tuple};

    #[test]
    fn reprs_match_python() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::str("missing"), "'missing'"),
            (Value::str("it's"), "\"it's\""),
            (Value::str("a'\"b\n"), "'a\\'\"b\\n'"),
            (
                Value::str("\u{1}é\u{2028}\u{1F600}"),
                "'\\x01é\\u2028\u{1F600}'",
            ),
            (Value::None, "None"),
            (Value::Bool(true), "True"),
            (Value::Float(1e16), "1e+16"),
            (
                Value::Complex(num_complex::Complex64::new(1.0, -2.0)),
                "(1-2j)",
            ),
            (Value::Bytes(b"it's".to_vec()), "b\"it's\""),
            (tuple![1], "(1,)"),
            (tuple![1, "x"], "(1, 'x')"),
            (dict! {"k" => 1, 2 => Value::None}, "{'k': 1, 2: None}"),
            (Value::Set(vec![]), "set()"),
            (
                Value::from(Fraction::new(6, -8).unwrap()),
                "Fraction(-3, 4)",
            ),
            (
                Value::slice(Value::None, 3.into(), Value::None),
                "slice(None, 3, None)",
            ),
        ];
        for (v, text) in cases {
            assert_eq!(repr(&v), text);
        }
    }
}
