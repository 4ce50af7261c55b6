//! The order of `pprint`'s `sorted(..., key=_safe_key)`: Python's `<` where it is defined,
//! otherwise the type names (`str(type(v))`), as `PrettyPrinter` sorts dict keys and set items.

use std::cmp::Ordering;

use num_traits::ToPrimitive;

use super::numpy::scalar_type;
use crate::Value;

/// `str(type(v))`, which PrettyPrinter's `_safe_key` compares when values are unordered.
fn type_string(v: &Value) -> String {
    let name = match v {
        Value::Fraction(_) => "fractions.Fraction",
        Value::OrderedDict(_) => "collections.OrderedDict",
        Value::Array(_) => "numpy.ndarray",
        Value::Scalar(s) => return format!("<class 'numpy.{}'>", scalar_type(s)),
        Value::Custom(c) => &c.name,
        other => other.kind().name(),
    };
    format!("<class '{name}'>")
}

fn real(v: &Value) -> Option<f64> {
    match v {
        Value::Fraction(f) => Some(f.numer().to_f64()? / f.denom().to_f64()?),
        Value::Complex(_) => None,
        other => other.as_f64(),
    }
}

/// Python's `a < b`; `None` where Python raises `TypeError`.
fn py_lt(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    match (a, b) {
        (Int(x), Int(y)) => Some(x < y),
        (Int(_) | BigInt(_) | Bool(_), Int(_) | BigInt(_) | Bool(_)) => {
            let big = |v: &Value| match v {
                BigInt(i) => (**i).clone(),
                other => num_bigint::BigInt::from(other.as_i64().unwrap_or(0)),
            };
            Some(big(a) < big(b))
        }
        (Str(x), Str(y)) => Some(x < y),
        (Bytes(x), Bytes(y)) => Some(x < y),
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => {
            for (p, q) in x.iter().zip(y) {
                if !p.py_eq(q) {
                    return py_lt(p, q);
                }
            }
            Some(x.len() < y.len())
        }
        (Set(x), Set(y)) => {
            Some(x.len() < y.len() && x.iter().all(|p| y.iter().any(|q| p.py_eq(q))))
        }
        _ => Some(real(a)? < real(b)?),
    }
}

/// The order of `sorted(..., key=_safe_key)`.
pub(super) fn safe_cmp(a: &Value, b: &Value) -> Ordering {
    match (py_lt(a, b), py_lt(b, a)) {
        (Some(true), _) => Ordering::Less,
        (_, Some(true)) => Ordering::Greater,
        (Some(false), Some(false)) => Ordering::Equal,
        // Unordered: by type name, then (in Python) by address, which is arbitrary: kept as is.
        _ => type_string(a).cmp(&type_string(b)),
    }
}

pub(super) fn sorted_items(items: &[Value]) -> Vec<&Value> {
    let mut v: Vec<&Value> = items.iter().collect();
    v.sort_by(|a, b| safe_cmp(a, b));
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unordered_values_compare_by_type_name() {
        let cases: &[(Value, Value, Ordering)] = &[
            (Value::Int(3), Value::str("k"), Ordering::Less),
            (Value::Float(2.5), Value::Int(2), Ordering::Greater),
            (Value::str("a"), Value::str("b"), Ordering::Less),
            (Value::Bool(true), Value::Int(1), Ordering::Equal),
            (Value::None, Value::Int(0), Ordering::Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(safe_cmp(a, b), *want, "{a:?} {b:?}");
        }
    }
}
