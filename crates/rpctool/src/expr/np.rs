//! The numpy subset: `np.array` with numpy's dtype inference and casts, scalar types,
//! `np.zeros`, `np.ones`, `np.arange` and a few constants.

use num_bigint::BigInt;
use num_traits::ToPrimitive;
use pyon_codec::{DType, NdArray, NpScalar, Value};

use super::arith::MAX_ITEMS;
use super::builtins::{float_to_int, truthy};
use super::obj::Obj;
use crate::Error;

/// numpy scalar type names and their dtype strings.
const TYPES: &[(&str, &str)] = &[
    ("float64", "<f8"),
    ("double", "<f8"),
    ("float32", "<f4"),
    ("single", "<f4"),
    ("int64", "<i8"),
    ("int32", "<i4"),
    ("int16", "<i2"),
    ("int8", "|i1"),
    ("uint64", "<u8"),
    ("uint32", "<u4"),
    ("uint16", "<u2"),
    ("uint8", "|u1"),
    ("bool_", "|b1"),
    ("complex128", "<c16"),
    ("complex64", "<c8"),
];

/// Other spellings of dtypes accepted in `dtype=` strings.
const ALIASES: &[(&str, &str)] = &[
    ("float", "<f8"),
    ("f8", "<f8"),
    ("f4", "<f4"),
    ("int", "<i8"),
    ("i8", "<i8"),
    ("i4", "<i4"),
    ("i2", "<i2"),
    ("i1", "|i1"),
    ("u8", "<u8"),
    ("u4", "<u4"),
    ("u2", "<u2"),
    ("u1", "|u1"),
    ("bool", "|b1"),
    ("?", "|b1"),
    ("b1", "|b1"),
    ("complex", "<c16"),
    ("c16", "<c16"),
    ("c8", "<c8"),
];

const FUNCTIONS: &[&str] = &["array", "zeros", "ones", "arange"];

pub(super) fn attribute(name: &str) -> Result<Obj, Error> {
    let constant = match name {
        "pi" => Some(std::f64::consts::PI),
        "e" => Some(std::f64::consts::E),
        "inf" => Some(f64::INFINITY),
        "nan" => Some(f64::NAN),
        _ => None,
    };
    if let Some(c) = constant {
        return Ok(Obj::Value(Value::Float(c)));
    }
    TYPES
        .iter()
        .map(|(n, _)| *n)
        .chain(FUNCTIONS.iter().copied())
        .find(|n| *n == name)
        .map(Obj::NumpyAttr)
        .ok_or_else(|| {
            Error::eval(format!(
                "AttributeError: module 'numpy' has no attribute '{name}'"
            ))
        })
}

fn dtype_of(o: &Obj) -> Result<DType, Error> {
    let text = match o {
        Obj::Builtin(b) => ALIASES.iter().find(|(n, _)| n == b).map(|(_, d)| *d),
        Obj::NumpyAttr(n) => TYPES.iter().find(|(t, _)| t == n).map(|(_, d)| *d),
        Obj::Value(Value::Str(s)) => {
            let bare = s.trim_start_matches(['<', '=', '|']);
            TYPES
                .iter()
                .chain(ALIASES)
                .find(|(n, _)| *n == bare)
                .map(|(_, d)| *d)
        }
        Obj::Value(Value::None) => Some("<f8"),
        _ => None,
    };
    let text = text.ok_or_else(|| {
        let shown = match o {
            Obj::Value(v) => pyon_codec::repr(v),
            other => other.describe(),
        };
        Error::eval(format!("TypeError: unsupported dtype {shown}"))
    })?;
    DType::parse(text).map_err(Error::eval)
}

fn kwarg<'a>(kwargs: &'a [(String, Obj)], name: &str) -> Option<&'a Obj> {
    kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn check_kwargs(func: &str, kwargs: &[(String, Obj)], allowed: &[&str]) -> Result<(), Error> {
    match kwargs.iter().find(|(k, _)| !allowed.contains(&k.as_str())) {
        Some((k, _)) => Err(Error::eval(format!(
            "TypeError: np.{func}() got an unexpected keyword argument '{k}'"
        ))),
        None => Ok(()),
    }
}

pub(super) fn call(name: &str, args: Vec<Obj>, kwargs: Vec<(String, Obj)>) -> Result<Obj, Error> {
    if let Some((_, dt)) = TYPES.iter().find(|(n, _)| *n == name) {
        check_kwargs(name, &kwargs, &[])?;
        let dtype = DType::parse(dt).map_err(Error::eval)?;
        let v = match args.into_iter().next() {
            None => Value::Int(0),
            Some(o) => o.into_value()?,
        };
        let data = encode(&dtype, &[v])?;
        let s = NpScalar::new(dtype, data).map_err(|e| Error::eval(e.to_string()))?;
        return Ok(Obj::Value(Value::Scalar(Box::new(s))));
    }
    let mut args = args.into_iter();
    let array = match name {
        "array" => {
            check_kwargs(name, &kwargs, &["dtype"])?;
            let (Some(obj), None) = (args.next(), args.next()) else {
                return Err(Error::eval(
                    "TypeError: np.array() takes one positional argument",
                ));
            };
            let obj = obj.into_value()?;
            let mut shape = Vec::new();
            let mut leaves = Vec::new();
            flatten(&obj, 0, &mut shape, &mut leaves)?;
            let dtype = match kwarg(&kwargs, "dtype") {
                Some(d) => dtype_of(d)?,
                None => infer(&leaves)?,
            };
            NdArray::new(shape, dtype.clone(), encode(&dtype, &leaves)?)
        }
        "zeros" | "ones" => {
            check_kwargs(name, &kwargs, &["dtype"])?;
            let shape: Vec<usize> = match args.next().map(Obj::into_value).transpose()? {
                Some(Value::Int(n)) => vec![n.max(0) as usize],
                Some(Value::Tuple(dims) | Value::List(dims)) => dims
                    .iter()
                    .map(|d| d.as_i64().map(|n| n.max(0) as usize))
                    .collect::<Option<_>>()
                    .ok_or_else(|| Error::eval("TypeError: shape must be ints"))?,
                _ => return Err(Error::eval(format!("TypeError: np.{name}() needs a shape"))),
            };
            let n = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            let n = n
                .filter(|&n| n <= MAX_ITEMS)
                .ok_or_else(|| Error::eval("array too large"))?;
            let dtype = match kwarg(&kwargs, "dtype") {
                Some(d) => dtype_of(d)?,
                None => DType::parse("<f8").map_err(Error::eval)?,
            };
            let fill = Value::Int((name == "ones") as i64);
            NdArray::new(shape, dtype.clone(), encode(&dtype, &vec![fill; n])?)
        }
        "arange" => {
            check_kwargs(name, &kwargs, &["dtype"])?;
            let nums: Vec<Value> = args.map(Obj::into_value).collect::<Result<_, _>>()?;
            let (start, stop, step) = match nums.as_slice() {
                [stop] => (Value::Int(0), stop.clone(), Value::Int(1)),
                [start, stop] => (start.clone(), stop.clone(), Value::Int(1)),
                [start, stop, step] => (start.clone(), stop.clone(), step.clone()),
                _ => return Err(Error::eval("TypeError: np.arange() takes 1 to 3 arguments")),
            };
            let all_int = [&start, &stop, &step]
                .iter()
                .all(|v| matches!(v, Value::Int(_) | Value::Bool(_)));
            let f = |v: &Value| {
                v.as_f64()
                    .ok_or_else(|| Error::eval("TypeError: np.arange() needs real numbers"))
            };
            let (a, b, s) = (f(&start)?, f(&stop)?, f(&step)?);
            if s == 0.0 {
                return Err(Error::eval("ZeroDivisionError: division by zero"));
            }
            let len = ((b - a) / s).ceil().max(0.0);
            if len > MAX_ITEMS as f64 {
                return Err(Error::eval("array too large"));
            }
            let items: Vec<Value> = (0..len as usize)
                .map(|i| {
                    if all_int {
                        Value::Int(
                            start.as_i64().unwrap_or(0) + i as i64 * step.as_i64().unwrap_or(1),
                        )
                    } else {
                        Value::Float(a + i as f64 * s)
                    }
                })
                .collect();
            let dtype = match kwarg(&kwargs, "dtype") {
                Some(d) => dtype_of(d)?,
                None => DType::parse(if all_int { "<i8" } else { "<f8" }).map_err(Error::eval)?,
            };
            NdArray::new(vec![items.len()], dtype.clone(), encode(&dtype, &items)?)
        }
        _ => {
            return Err(Error::eval(format!(
                "TypeError: np.{name} is not callable here"
            )));
        }
    };
    array
        .map(|a| Obj::Value(Value::Array(Box::new(a))))
        .map_err(|e| Error::eval(e.to_string()))
}

fn inhomogeneous() -> Error {
    Error::eval(
        "ValueError: setting an array element with a sequence. \
         The requested array has an inhomogeneous shape",
    )
}

/// The shape of nested lists and tuples, and their leaves in C order.
fn flatten(
    v: &Value,
    depth: usize,
    shape: &mut Vec<usize>,
    leaves: &mut Vec<Value>,
) -> Result<(), Error> {
    if leaves.len() > MAX_ITEMS {
        return Err(Error::eval("array too large"));
    }
    match v {
        Value::List(items) | Value::Tuple(items) => {
            if depth == shape.len() {
                if !leaves.is_empty() {
                    return Err(inhomogeneous());
                }
                shape.push(items.len());
            } else if shape.get(depth) != Some(&items.len()) {
                return Err(inhomogeneous());
            }
            for item in items {
                flatten(item, depth + 1, shape, leaves)?;
            }
            Ok(())
        }
        Value::Bool(_)
        | Value::Int(_)
        | Value::BigInt(_)
        | Value::Float(_)
        | Value::Complex(_)
        | Value::Str(_) => {
            if depth != shape.len() {
                return Err(inhomogeneous());
            }
            leaves.push(v.clone());
            Ok(())
        }
        other => Err(Error::eval(format!(
            "TypeError: np.array() of '{}' values is not supported",
            other.kind()
        ))),
    }
}

/// numpy's default dtype for the leaves.
fn infer(leaves: &[Value]) -> Result<DType, Error> {
    let has = |f: fn(&Value) -> bool| leaves.iter().any(f);
    let text = if has(|v| matches!(v, Value::Str(_))) {
        if !leaves.iter().all(|v| matches!(v, Value::Str(_))) {
            return Err(Error::eval(
                "np.array() mixing strings and numbers is not supported",
            ));
        }
        let n = leaves
            .iter()
            .map(|v| v.as_str().map_or(0, |s| s.chars().count()))
            .max()
            .unwrap_or(0)
            .max(1);
        format!("<U{n}")
    } else if has(|v| matches!(v, Value::Complex(_))) {
        "<c16".into()
    } else if has(|v| matches!(v, Value::Float(_))) || leaves.is_empty() {
        "<f8".into()
    } else if has(|v| matches!(v, Value::Int(_) | Value::BigInt(_))) {
        "<i8".into()
    } else {
        "|b1".into()
    };
    DType::parse(&text).map_err(Error::eval)
}

/// The raw little-endian bytes of `leaves` cast to `dtype`, with numpy's casts.
fn encode(dtype: &DType, leaves: &[Value]) -> Result<Vec<u8>, Error> {
    let size = dtype.itemsize();
    let mut out = Vec::with_capacity(leaves.len() * size);
    let name = dtype.name();
    for v in leaves {
        match dtype.kind() {
            'f' | 'c' => {
                let (re, im) = match v {
                    Value::Complex(c) if dtype.kind() == 'c' => (c.re, c.im),
                    Value::Complex(_) => {
                        return Err(Error::eval("TypeError: can't convert complex to float"));
                    }
                    Value::BigInt(i) => (i.to_f64().unwrap_or(f64::INFINITY), 0.0),
                    Value::Str(s) => (
                        super::builtins::parse_float(s).ok_or_else(|| {
                            Error::eval(format!(
                                "ValueError: could not convert string to float: '{s}'"
                            ))
                        })?,
                        0.0,
                    ),
                    other => (other.as_f64().unwrap_or(f64::NAN), 0.0),
                };
                let parts: &[f64] = if dtype.kind() == 'c' {
                    &[re, im]
                } else {
                    &[re]
                };
                for &x in parts {
                    match size / parts.len() {
                        8 => out.extend_from_slice(&x.to_le_bytes()),
                        4 => out.extend_from_slice(&(x as f32).to_le_bytes()),
                        _ => return Err(Error::eval(format!("unsupported dtype {dtype}"))),
                    }
                }
            }
            'i' | 'u' => {
                let i: BigInt = match v {
                    Value::Bool(b) => BigInt::from(*b as u8),
                    Value::Int(i) => BigInt::from(*i),
                    Value::BigInt(i) => (**i).clone(),
                    Value::Float(f) => match float_to_int(*f)? {
                        Value::Int(i) => BigInt::from(i),
                        Value::BigInt(i) => *i,
                        _ => BigInt::from(0),
                    },
                    Value::Str(s) => s.trim().parse().map_err(|_| {
                        Error::eval(format!(
                            "ValueError: invalid literal for int() with base 10: '{s}'"
                        ))
                    })?,
                    other => {
                        return Err(Error::eval(format!(
                            "TypeError: cannot cast '{}' to {name}",
                            other.kind()
                        )));
                    }
                };
                let bits = size * 8;
                let (lo, hi) = if dtype.kind() == 'i' {
                    (
                        -(BigInt::from(1) << (bits - 1)),
                        (BigInt::from(1) << (bits - 1)) - 1,
                    )
                } else {
                    (BigInt::from(0), (BigInt::from(1) << bits) - 1)
                };
                if i < lo || i > hi {
                    return Err(Error::eval(format!(
                        "OverflowError: Python integer {i} out of bounds for {name}"
                    )));
                }
                let bytes = i.to_signed_bytes_le();
                let fill = if i.sign() == num_bigint::Sign::Minus {
                    0xff
                } else {
                    0
                };
                out.extend((0..size).map(|k| bytes.get(k).copied().unwrap_or(fill)));
            }
            'b' => out.push(truthy(v) as u8),
            'U' => {
                let Value::Str(s) = v else {
                    return Err(Error::eval(
                        "np.array() mixing strings and numbers is not supported",
                    ));
                };
                let n = size / 4;
                let mut chars: Vec<u32> = s.chars().map(|c| c as u32).take(n).collect();
                chars.resize(n, 0);
                for c in chars {
                    out.extend_from_slice(&c.to_le_bytes());
                }
            }
            _ => return Err(Error::eval(format!("unsupported dtype {dtype}"))),
        }
    }
    Ok(out)
}
