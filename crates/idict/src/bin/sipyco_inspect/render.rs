//! What people and programs see: the contents as plain JSON (JSON lines, the live page) and as
//! an in-place terminal view. Pure functions.

use std::fmt::Write;

use idict::Status;
use pyon_codec::{Dict, Value};
use serde_json::Value as Json;

/// The contents as plain JSON text, for scripts and browsers, keys in their order: dicts
/// become objects (a key that is not a `str` is written as its Python `repr`), lists, tuples
/// and sets become arrays, `None` becomes `null`, and so do non-finite floats (JSON has no NaN);
/// any other type (bytes, complex, numpy arrays, ...) becomes the string of its Python `repr`.
pub fn to_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(&mut out, v);
    out
}

fn write_json(out: &mut String, v: &Value) {
    match v {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(_) => out.push_str(&pyon_codec::repr(v)),
        Value::Float(f) if f.is_finite() => out.push_str(&pyon_codec::float_repr(*f)),
        Value::Float(_) => out.push_str("null"),
        Value::Str(s) => write_str(out, s),
        Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, x);
            }
            out.push(']');
        }
        Value::Dict(d) | Value::OrderedDict(d) => write_object(out, d),
        other => write_str(out, &pyon_codec::repr(other)),
    }
}

fn write_object(out: &mut String, d: &Dict) {
    out.push('{');
    for (i, (k, v)) in d.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match k {
            Value::Str(s) => write_str(out, s),
            other => write_str(out, &pyon_codec::repr(other)),
        }
        out.push(':');
        write_json(out, v);
    }
    out.push('}');
}

fn write_str(out: &mut String, s: &str) {
    out.push_str(&Json::String(s.to_owned()).to_string());
}

/// The status as the page shows it (the wire dict plus the rate seen by the tool).
pub fn status_json(status: &Status, rate: f64) -> String {
    let mut d = status.to_dict();
    d.insert(Value::str("rate"), Value::Float(rate));
    to_json(&Value::Dict(d))
}

/// One word for the state of the computation.
pub fn state_word(status: &Status) -> &'static str {
    if status.is_final {
        "finished"
    } else if status.terminated {
        "terminating"
    } else if status.paused {
        "paused"
    } else {
        "running"
    }
}

/// The status line of the terminal view.
pub fn status_line(status: &Status, rate: f64) -> String {
    format!(
        "{} | updates {} | {:.1} updates/s",
        state_word(status),
        status.updates,
        rate
    )
}

const SPARKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The numbers of a list of numbers (ints and floats only), or `None`.
pub fn numbers(v: &Value) -> Option<Vec<f64>> {
    let items = match v {
        Value::List(items) | Value::Tuple(items) => items,
        _ => return None,
    };
    if items.is_empty() {
        return None;
    }
    items
        .iter()
        .map(|x| match x {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        })
        .collect()
}

/// A sparkline of the last `width` numbers.
pub fn sparkline(xs: &[f64], width: usize) -> String {
    let tail = xs.get(xs.len().saturating_sub(width)..).unwrap_or_default();
    let finite = tail.iter().copied().filter(|x| x.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    tail.iter()
        .map(|&x| {
            if !x.is_finite() {
                ' '
            } else if hi > lo {
                let level = ((x - lo) / (hi - lo) * 7.0).round() as usize;
                SPARKS.get(level).copied().unwrap_or('█')
            } else {
                '▄'
            }
        })
        .collect()
}

/// Cuts `s` to `width` characters, ending with `…` if it was longer.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The terminal view: the status line, then one line per key, at most `width` columns.
/// Lists of numbers show their length, a sparkline and their last value.
pub fn view(contents: &Value, status: &Status, rate: f64, width: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", fit(&status_line(status, rate), width));
    let _ = writeln!(out, "{}", "─".repeat(width.min(60)));
    let Some(dict) = contents.as_dict() else {
        let _ = writeln!(out, "{}", fit(&pyon_codec::repr(contents), width));
        return out;
    };
    for (k, v) in dict.iter() {
        let key = match k {
            Value::Str(s) => s.to_string(),
            other => pyon_codec::repr(other),
        };
        let shown = match numbers(v) {
            Some(xs) if xs.len() > 3 => {
                let last = xs.last().copied().unwrap_or_default();
                format!(
                    "[{} numbers] {} {}",
                    xs.len(),
                    sparkline(&xs, 30),
                    pyon_codec::float_repr(last)
                )
            }
            _ => pyon_codec::repr(v),
        };
        let _ = writeln!(out, "{}", fit(&format!("{key}: {shown}"), width));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, list, tuple};

    fn status(updates: u64) -> Status {
        Status {
            paused: false,
            terminated: false,
            is_final: false,
            updates,
            started: 0.0,
        }
    }

    #[test]
    fn json_is_plain() {
        let v = dict! {
            "a" => list![1, 2.5, Value::None, f64::NAN],
            "t" => tuple![true, "x"],
            1 => Value::Bytes(b"ab".to_vec()),
        };
        assert_eq!(
            to_json(&v),
            r#"{"a":[1,2.5,null,null],"t":[true,"x"],"1":"b'ab'"}"#
        );
    }

    #[test]
    fn status_keeps_the_wire_order() {
        assert_eq!(
            status_json(&status(3), 1.5),
            r#"{"paused":false,"terminated":false,"final":false,"updates":3,"started":0.0,"rate":1.5}"#
        );
    }

    #[test]
    fn terminal_view_lines() {
        let contents = dict! {
            "samples" => 1000,
            "history" => list![3.0, 3.1, 3.2, 3.1, 3.15],
            "note" => "x".repeat(200),
        };
        let text = view(&contents, &status(12), 20.04, 40);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "running | updates 12 | 20.0 updates/s");
        assert_eq!(lines[2], "samples: 1000");
        assert_eq!(lines[3], "history: [5 numbers] ▁▅█▅▆ 3.15");
        assert_eq!(lines[4].chars().count(), 40);
        assert!(lines[4].ends_with('…'));
    }

    #[test]
    fn states_and_numbers() {
        let mut s = status(1);
        assert_eq!(state_word(&s), "running");
        s.paused = true;
        assert_eq!(state_word(&s), "paused");
        s.terminated = true;
        assert_eq!(state_word(&s), "terminating");
        s.is_final = true;
        assert_eq!(state_word(&s), "finished");
        assert_eq!(numbers(&list![1, 2.5]), Some(vec![1.0, 2.5]));
        assert_eq!(numbers(&list![1, "x"]), None);
        assert_eq!(numbers(&list![]), None);
        assert_eq!(sparkline(&[1.0, 1.0], 10), "▄▄");
    }
}
