//! Python's `repr` of a value, for messages that quote one (`KeyError: 'missing'`).

use std::fmt::Write as _;

use pyon_codec::{Value, float_repr};

/// Python's `repr(v)` for the common types (`None`, `bool`, `int`, `float`, `str`, `list`,
/// `tuple`, `dict`, `set`); the PYON v1 text (which is Python literal syntax) for the others.
pub(crate) fn py_repr(v: &Value) -> String {
    let mut out = String::new();
    write_repr(&mut out, v);
    out
}

fn write_seq(out: &mut String, items: &[Value], open: &str, close: &str) {
    out.push_str(open);
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_repr(out, item);
    }
    out.push_str(close);
}

fn write_repr(out: &mut String, v: &Value) {
    match v {
        Value::None => out.push_str("None"),
        Value::Bool(true) => out.push_str("True"),
        Value::Bool(false) => out.push_str("False"),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::BigInt(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_repr(*f)),
        Value::Str(s) => write_str_repr(out, s),
        Value::List(items) => write_seq(out, items, "[", "]"),
        Value::Tuple(items) if items.len() == 1 => {
            out.push('(');
            write_repr(out, &items[0]);
            out.push_str(",)");
        }
        Value::Tuple(items) => write_seq(out, items, "(", ")"),
        Value::Set(items) if items.is_empty() => out.push_str("set()"),
        Value::Set(items) => write_seq(out, items, "{", "}"),
        Value::Dict(d) => {
            out.push('{');
            for (i, (k, v)) in d.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_repr(out, k);
                out.push_str(": ");
                write_repr(out, v);
            }
            out.push('}');
        }
        other => match pyon_codec::v1::encode(other) {
            Ok(text) => out.push_str(&text),
            Err(_) => {
                let _ = write!(out, "<{} object>", other.kind());
            }
        },
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`.
fn write_str_repr(out: &mut String, s: &str) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, tuple};

    #[test]
    fn reprs() {
        let cases: Vec<(Value, &str)> = vec![
            (Value::str("missing"), "'missing'"),
            (Value::str("it's"), "\"it's\""),
            (Value::str("a'\"b\n"), "'a\\'\"b\\n'"),
            (Value::str("\u{1}é"), "'\\x01é'"),
            (Value::None, "None"),
            (Value::Bool(true), "True"),
            (Value::Float(1.0), "1.0"),
            (tuple![1], "(1,)"),
            (tuple![1, "x"], "(1, 'x')"),
            (dict! {"k" => 1}, "{'k': 1}"),
            (Value::Set(vec![]), "set()"),
        ];
        for (v, text) in cases {
            assert_eq!(py_repr(&v), text);
        }
    }
}
