//! Property tests: random values round-trip through PYON v2 and v1, compact and pretty.
//!
//! Two losses are Python's own and expected: v2 writes an `OrderedDict` as a dict and a
//! float64 numpy scalar as a float (it is a `float` subclass); v1 writes an empty set as `{}`,
//! which reads back as an empty dict, so the v1 property keeps sets non-empty.

use num_complex::Complex64;
use proptest::prelude::*;
use pyon_codec::{DType, Dict, Fraction, NdArray, NpScalar, Value, v1, v2};

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(0.0),
        Just(-0.0),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(1e16),
        Just(1e-5),
        (-1e6..1e6f64),
    ]
}

fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        "[a-z\u{e9}\u{1F600}\"\\\\\n]{0,6}".prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(Value::Bytes),
        (any::<i32>(), "[a-z]{0,3}").prop_map(|(i, s)| Value::Tuple(vec![i.into(), s.into()])),
    ]
}

fn array() -> impl Strategy<Value = Value> {
    prop_oneof![
        proptest::collection::vec(float(), 0..8)
            .prop_map(|v| NdArray::from_ndarray(&ndarray::Array1::from(v)).into()),
        (1usize..4, 1usize..4, any::<i32>()).prop_map(|(r, c, seed)| {
            let a = ndarray::Array2::from_shape_fn((r, c), |(i, j)| seed ^ (i * 7 + j) as i32);
            NdArray::from_ndarray(&a).into()
        }),
        proptest::collection::vec(any::<u8>(), 0..6).prop_map(|b| {
            let n = b.len() / 2;
            NdArray::new(vec![n], DType::parse("<U1").unwrap(), vec![0; n * 4])
                .unwrap()
                .into()
        }),
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i16>().prop_map(|x| Value::Scalar(Box::new(NpScalar::from_value(x)))),
        any::<u64>().prop_map(|x| Value::Scalar(Box::new(NpScalar::from_value(x)))),
        any::<f32>().prop_map(|x| Value::Scalar(Box::new(NpScalar::from_value(x)))),
        (any::<f64>(), any::<f64>()).prop_map(|(re, im)| {
            Value::Scalar(Box::new(NpScalar::from_value(Complex64::new(re, im))))
        }),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        key(),
        any::<i128>().prop_map(Value::from),
        float().prop_map(Value::Float),
        (float(), float()).prop_map(|(re, im)| Value::Complex(Complex64::new(re, im))),
        (any::<i64>(), 1..i64::MAX).prop_map(|(n, d)| Fraction::new(n, d).unwrap().into()),
        (key(), any::<i64>(), prop::option::of(any::<i8>())).prop_map(|(a, b, c)| {
            Value::slice(a, b.into(), c.map_or(Value::None, Value::from))
        }),
        array(),
        scalar(),
    ]
}

/// Values of every kind; sets are non-empty (see the module comment).
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
            proptest::collection::vec((key(), inner.clone()), 0..6)
                .prop_map(|kv| Value::Dict(Dict::from_pairs(kv))),
            proptest::collection::vec(("[a-z_]{0,5}".prop_map(Value::from), inner.clone()), 0..6)
                .prop_map(|kv| Value::Dict(Dict::from_pairs(kv))),
            proptest::collection::vec((key(), inner.clone()), 0..6)
                .prop_map(|kv| Value::OrderedDict(Dict::from_pairs(kv))),
            proptest::collection::vec(key(), 1..6).prop_map(|items| {
                let Value::Dict(d) = Value::Dict(Dict::from_pairs(
                    items.into_iter().map(|k| (k, Value::None)).collect(),
                )) else {
                    unreachable!()
                };
                Value::Set(d.keys().cloned().collect())
            }),
        ]
    })
}

/// What Python's v2 encoder keeps of a value (see the module comment).
fn through_v2(v: &Value) -> Value {
    let dict = |d: &Dict| {
        Value::Dict(
            d.iter()
                .map(|(k, v)| (through_v2(k), through_v2(v)))
                .collect(),
        )
    };
    match v {
        Value::Dict(d) | Value::OrderedDict(d) => dict(d),
        Value::List(items) => Value::List(items.iter().map(through_v2).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(through_v2).collect()),
        Value::Set(items) => Value::Set(items.iter().map(through_v2).collect()),
        Value::Scalar(s) if s.dtype().as_str() == "<f8" => Value::Float(s.get::<f64>().unwrap()),
        other => other.clone(),
    }
}

/// Structural equality with floats compared as Python's v1 text can carry them: NaN equals NaN,
/// and the sign of a zero may be lost where Python's repr leaves a complex part out
/// (`-1j` reads back as `-(1j)`, `(-0+1j)` as `-0 + 1j`).
fn same_v1(a: &Value, b: &Value) -> bool {
    let f = |x: f64, y: f64| x == y || (x.is_nan() && y.is_nan());
    let seq = |x: &[Value], y: &[Value]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_v1(p, q))
    };
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => f(*x, *y),
        (Value::Complex(x), Value::Complex(y)) => f(x.re, y.re) && f(x.im, y.im),
        (Value::List(x), Value::List(y))
        | (Value::Tuple(x), Value::Tuple(y))
        | (Value::Set(x), Value::Set(y)) => seq(x, y),
        // Pretty v1 sorts the keys of str-keyed dicts, as Python's does.
        (Value::Dict(x), Value::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_v1(v, w)))
        }
        (Value::OrderedDict(x), Value::OrderedDict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| same_v1(k1, k2) && same_v1(v1, v2))
        }
        (Value::Slice(x), Value::Slice(y)) => {
            same_v1(&x.start, &y.start) && same_v1(&x.stop, &y.stop) && same_v1(&x.step, &y.step)
        }
        _ => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn v2_round_trips_compact_and_pretty(v in value()) {
        let expected = through_v2(&v);
        let compact = v2::encode(&v).unwrap();
        prop_assert!(!compact.contains('\n'));
        prop_assert!(compact.is_ascii());
        prop_assert_eq!(&v2::decode(&compact).unwrap(), &expected, "{}", compact);
        let pretty = v2::encode_pretty(&v).unwrap();
        prop_assert_eq!(&v2::decode(&pretty).unwrap(), &expected, "{}", pretty);
        // Re-encoding what was decoded is a fixed point.
        prop_assert_eq!(v2::encode(&expected).unwrap(), compact);
    }

    #[test]
    fn v1_round_trips_compact_and_pretty(v in value()) {
        let compact = v1::encode(&v).unwrap();
        prop_assert!(!compact.contains('\n'));
        let back = v1::decode(&compact).unwrap();
        prop_assert!(same_v1(&back, &v), "{}", compact);
        let pretty = v1::encode_pretty(&v).unwrap();
        let back = v1::decode(&pretty).unwrap();
        prop_assert!(same_v1(&back, &v), "{}", pretty);
    }
}

/// Strings of every length around the ones the decoders make by fixed-size moves (up to 24
/// bytes) decode whole in both versions, as keys and as values, next to other text.
#[test]
fn strings_of_every_short_length_decode_whole() {
    for n in 0..=40 {
        let s: String = (0..n)
            .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
            .collect();
        let pairs = vec![
            (Value::str(&s), Value::str(&s)),
            (Value::str("k"), Value::Int(1)),
        ];
        let want = Value::List(vec![
            Value::Dict(Dict::from_unique_pairs(pairs)),
            Value::str(&s),
            Value::str("z"),
        ]);
        let v2_text = format!(r#"[{{"{s}":"{s}","k":1}},"{s}","z"]"#);
        let v1_text = format!("[{{'{s}': '{s}', 'k': 1}}, '{s}', 'z']");
        assert_eq!(v2::decode(&v2_text).unwrap(), want, "v2, length {n}");
        assert_eq!(v1::decode(&v1_text).unwrap(), want, "v1, length {n}");
    }
}
