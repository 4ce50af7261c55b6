//! The few Python builtins that arguments may use.

use num_bigint::BigInt;
use num_complex::Complex64;
use num_traits::{Signed, ToPrimitive};
use pyon_codec::{Dict, Value};

use super::arith::MAX_ITEMS;
use super::obj::Obj;
use crate::Error;

const NAMES: &[&str] = &[
    "list", "tuple", "set", "dict", "range", "int", "float", "complex", "bool", "str", "abs", "len",
];

/// The constructors of PYON v1 text, built by the v1 decoder itself.
const PYON_CONSTRUCTORS: &[&str] = &["slice", "Fraction", "OrderedDict", "nparray", "npscalar"];

/// The names PYON v1 text uses for constants.
pub(super) fn pyon_constant(name: &str) -> Option<Value> {
    Some(match name {
        "null" => Value::None,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "inf" => Value::Float(f64::INFINITY),
        "nan" => Value::Float(f64::NAN),
        _ => return None,
    })
}

pub(super) fn lookup(name: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .chain(PYON_CONSTRUCTORS)
        .find(|n| **n == name)
        .copied()
}

/// `slice(...)`, `Fraction(...)`, `OrderedDict(...)`, `nparray(...)`, `npscalar(...)`: built
/// and checked by the constructors of the PYON v1 decoder.
fn pyon_constructor(name: &str, args: Vec<Obj>) -> Result<Value, Error> {
    let args = args
        .into_iter()
        .map(Obj::into_value)
        .collect::<Result<Vec<_>, _>>()?;
    pyon_codec::v1::construct(name, args)
        .map_err(|e| Error::eval(format!("TypeError: {name}(): {e}")))
}

pub(super) fn check_hashable(v: &Value) -> Result<(), Error> {
    if v.is_hashable() {
        Ok(())
    } else {
        Err(Error::eval(format!(
            "TypeError: unhashable type: '{}'",
            v.kind()
        )))
    }
}

/// A set of `items`, without duplicates (under Python's `==`), in first-seen order.
pub(super) fn make_set(items: Vec<Value>) -> Result<Value, Error> {
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for v in items {
        check_hashable(&v)?;
        if !out.iter().any(|o| o.py_eq(&v)) {
            out.push(v);
        }
    }
    Ok(Value::Set(out))
}

fn type_error(msg: String) -> Error {
    Error::eval(format!("TypeError: {msg}"))
}

/// The items of an iterable.
pub(super) fn iterate(o: Obj) -> Result<Vec<Value>, Error> {
    match o {
        Obj::Range(start, stop, step) => {
            let len = range_len(start, stop, step);
            if len > MAX_ITEMS as i128 {
                return Err(Error::eval("range too long to expand"));
            }
            Ok((0..len as i64)
                .map(|i| Value::Int(start + i * step))
                .collect())
        }
        Obj::Value(v) => match v {
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => Ok(items),
            Value::Str(s) => Ok(s.chars().map(Value::str).collect()),
            Value::Bytes(b) => Ok(b.into_iter().map(Value::from).collect()),
            Value::Dict(d) | Value::OrderedDict(d) => {
                Ok(d.iter().map(|(k, _)| k.clone()).collect())
            }
            other => Err(type_error(format!(
                "'{}' object is not iterable",
                other.kind()
            ))),
        },
        other => Err(type_error(format!("{} is not iterable", other.describe()))),
    }
}

fn range_len(start: i64, stop: i64, step: i64) -> i128 {
    let (start, stop, step) = (start as i128, stop as i128, step as i128);
    if step > 0 && start < stop {
        (stop - start + step - 1) / step
    } else if step < 0 && start > stop {
        (start - stop - step - 1) / -step
    } else {
        0
    }
}

fn int_arg(o: &Obj, what: &str) -> Result<i64, Error> {
    match o {
        Obj::Value(Value::Int(i)) => Ok(*i),
        Obj::Value(Value::Bool(b)) => Ok(*b as i64),
        Obj::Value(v) => Err(type_error(format!(
            "'{}' object cannot be interpreted as an integer{what}",
            v.kind()
        ))),
        other => Err(type_error(format!(
            "{} is not an integer",
            other.describe()
        ))),
    }
}

pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::BigInt(_) => true,
        Value::Float(f) => *f != 0.0,
        Value::Complex(c) => c.re != 0.0 || c.im != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::Bytes(b) => !b.is_empty(),
        Value::List(v) | Value::Tuple(v) | Value::Set(v) => !v.is_empty(),
        Value::Dict(d) | Value::OrderedDict(d) => !d.is_empty(),
        _ => true,
    }
}

/// Python's `float(str)`.
pub(super) fn parse_float(s: &str) -> Option<f64> {
    let t = s.trim().to_ascii_lowercase();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let x = match body {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ => {
            if body.is_empty()
                || !body
                    .chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | '+' | '-' | '_'))
                || body.starts_with('_')
                || body.contains("__")
            {
                return None;
            }
            body.replace('_', "").parse().ok()?
        }
    };
    Some(if neg { -x } else { x })
}

pub(super) fn float_to_int(f: f64) -> Result<Value, Error> {
    if f.is_nan() {
        return Err(Error::eval(
            "ValueError: cannot convert float NaN to integer",
        ));
    }
    if f.is_infinite() {
        return Err(Error::eval(
            "OverflowError: cannot convert float infinity to integer",
        ));
    }
    Ok(Value::from_bigint(
        num_bigint::BigInt::from_f64(f.trunc()).unwrap_or_default(),
    ))
}

use num_traits::FromPrimitive;

fn no_kwargs(name: &str, kwargs: &[(String, Obj)]) -> Result<(), Error> {
    match kwargs.first() {
        None => Ok(()),
        Some((k, _)) => Err(type_error(format!(
            "'{k}' is an invalid keyword argument for {name}()"
        ))),
    }
}

fn arity(name: &str, args: &[Obj], min: usize, max: usize) -> Result<(), Error> {
    if args.len() < min || args.len() > max {
        return Err(type_error(format!(
            "{name}() takes from {min} to {max} arguments ({} given)",
            args.len()
        )));
    }
    Ok(())
}

pub(super) fn call(
    name: &str,
    mut args: Vec<Obj>,
    kwargs: Vec<(String, Obj)>,
) -> Result<Obj, Error> {
    if name != "dict" {
        no_kwargs(name, &kwargs)?;
    }
    if PYON_CONSTRUCTORS.contains(&name) {
        return pyon_constructor(name, args).map(Obj::Value);
    }
    let v = match name {
        "list" | "tuple" | "set" => {
            arity(name, &args, 0, 1)?;
            let items = match args.pop() {
                Some(o) => iterate(o)?,
                None => Vec::new(),
            };
            match name {
                "list" => Value::List(items),
                "tuple" => Value::Tuple(items),
                _ => make_set(items)?,
            }
        }
        "dict" => {
            arity(name, &args, 0, 1)?;
            let mut d = Dict::new();
            if let Some(o) = args.pop() {
                match o {
                    Obj::Value(Value::Dict(src)) => d = src,
                    o => {
                        for pair in iterate(o)? {
                            match pair.as_seq() {
                                Some([k, v]) => {
                                    check_hashable(k)?;
                                    d.insert(k.clone(), v.clone());
                                }
                                _ => {
                                    return Err(Error::eval(
                                        "ValueError: dictionary update sequence element has the wrong length",
                                    ));
                                }
                            }
                        }
                    }
                }
            }
            for (k, v) in kwargs {
                d.insert(Value::from(k), v.into_value()?);
            }
            Value::Dict(d)
        }
        "range" => {
            arity(name, &args, 1, 3)?;
            let n: Vec<i64> = args
                .iter()
                .map(|a| int_arg(a, ""))
                .collect::<Result<_, _>>()?;
            let (start, stop, step) = match n.as_slice() {
                [stop] => (0, *stop, 1),
                [start, stop] => (*start, *stop, 1),
                [start, stop, step] => (*start, *stop, *step),
                _ => return Err(type_error("range expected 1 to 3 arguments".into())),
            };
            if step == 0 {
                return Err(Error::eval("ValueError: range() arg 3 must not be zero"));
            }
            return Ok(Obj::Range(start, stop, step));
        }
        "int" => {
            arity(name, &args, 0, 1)?;
            match args.pop().map(Obj::into_value).transpose()? {
                None => Value::Int(0),
                Some(Value::Bool(b)) => Value::Int(b as i64),
                Some(v @ (Value::Int(_) | Value::BigInt(_))) => v,
                Some(Value::Float(f)) => float_to_int(f)?,
                Some(Value::Str(s)) => {
                    let t = s.trim().replace('_', "");
                    let digits = t.trim_start_matches(['+', '-']).len();
                    if digits > pyon_codec::text::MAX_INT_DIGITS {
                        return Err(Error::eval(format!(
                            "ValueError: Exceeds the limit ({} digits) for integer string conversion: \
                             value has {digits} digits; use sys.set_int_max_str_digits() to \
                             increase the limit",
                            pyon_codec::text::MAX_INT_DIGITS
                        )));
                    }
                    t.parse::<BigInt>()
                        .ok()
                        .filter(|_| !s.trim().starts_with('_') && !s.contains("__"))
                        .map(Value::from_bigint)
                        .ok_or_else(|| {
                            Error::eval(format!(
                                "ValueError: invalid literal for int() with base 10: {}",
                                pyon_codec::repr(&Value::Str(s.clone()))
                            ))
                        })?
                }
                Some(other) => {
                    return Err(type_error(format!(
                        "int() argument must be a string, a bytes-like object or a real number, not '{}'",
                        other.kind()
                    )));
                }
            }
        }
        "float" => {
            arity(name, &args, 0, 1)?;
            match args.pop().map(Obj::into_value).transpose()? {
                None => Value::Float(0.0),
                Some(Value::Str(s)) => Value::Float(parse_float(&s).ok_or_else(|| {
                    Error::eval(format!(
                        "ValueError: could not convert string to float: {}",
                        pyon_codec::repr(&Value::Str(s.clone()))
                    ))
                })?),
                Some(v) => match (&v, v.as_f64()) {
                    (Value::Complex(_), _) | (_, None) => {
                        return Err(type_error(format!(
                            "float() argument must be a string or a real number, not '{}'",
                            v.kind()
                        )));
                    }
                    (_, Some(f)) => Value::Float(f),
                },
            }
        }
        "complex" => {
            arity(name, &args, 0, 2)?;
            let part = |o: Option<&Obj>| -> Result<Complex64, Error> {
                match o {
                    None => Ok(Complex64::new(0.0, 0.0)),
                    Some(Obj::Value(Value::Complex(c))) => Ok(*c),
                    Some(Obj::Value(v)) => {
                        v.as_f64().map(|f| Complex64::new(f, 0.0)).ok_or_else(|| {
                            type_error(format!(
                                "complex() argument must be a string or a number, not '{}'",
                                v.kind()
                            ))
                        })
                    }
                    Some(other) => Err(type_error(format!("{} is not a number", other.describe()))),
                }
            };
            let re = part(args.first())?;
            let im = part(args.get(1))?;
            // complex(a, b) = a + b*1j, as Python computes it.
            Value::Complex(Complex64::new(re.re - im.im, re.im + im.re))
        }
        "bool" => {
            arity(name, &args, 0, 1)?;
            Value::Bool(match args.pop() {
                None => false,
                Some(o) => truthy(&o.into_value()?),
            })
        }
        "str" => {
            arity(name, &args, 0, 1)?;
            match args.pop().map(Obj::into_value).transpose()? {
                None => Value::str(""),
                Some(Value::Str(s)) => Value::Str(s),
                Some(v) => Value::from(pyon_codec::repr(&v)),
            }
        }
        "abs" => {
            arity(name, &args, 1, 1)?;
            match args.pop().map(Obj::into_value).transpose()? {
                Some(Value::Bool(b)) => Value::Int(b as i64),
                Some(Value::Int(i)) => Value::from_bigint(BigInt::from(i).abs()),
                Some(Value::BigInt(i)) => Value::from_bigint(i.abs()),
                Some(Value::Float(f)) => Value::Float(f.abs()),
                Some(Value::Complex(c)) => Value::Float(c.re.hypot(c.im)),
                Some(v) => {
                    return Err(type_error(format!(
                        "bad operand type for abs(): '{}'",
                        v.kind()
                    )));
                }
                None => {
                    return Err(type_error(
                        "abs() takes exactly one argument (0 given)".into(),
                    ));
                }
            }
        }
        "len" => {
            arity(name, &args, 1, 1)?;
            let n = match args.pop() {
                Some(Obj::Range(a, b, c)) => range_len(a, b, c).to_i64().unwrap_or(i64::MAX),
                Some(Obj::Value(v)) => match &v {
                    Value::Str(s) => s.chars().count() as i64,
                    Value::Bytes(b) => b.len() as i64,
                    Value::List(x) | Value::Tuple(x) | Value::Set(x) => x.len() as i64,
                    Value::Dict(d) | Value::OrderedDict(d) => d.len() as i64,
                    Value::Array(a) => a.shape().first().copied().unwrap_or(0) as i64,
                    other => {
                        return Err(type_error(format!(
                            "object of type '{}' has no len()",
                            other.kind()
                        )));
                    }
                },
                _ => return Err(type_error("object has no len()".into())),
            };
            Value::Int(n)
        }
        _ => {
            return Err(Error::eval(format!(
                "NameError: name '{name}' is not defined"
            )));
        }
    };
    Ok(Obj::Value(v))
}
