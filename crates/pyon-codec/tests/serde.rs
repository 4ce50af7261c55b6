//! serde integration: Rust types travel as their Python counterparts.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use num_complex::Complex64;
use pyon_codec::{
    Category, DType, Dict, NdArray, NpScalar, Value, dict, from_str, from_value, list, to_string,
    to_value, tuple,
};
use serde::{Deserialize, Serialize, Serializer};

/// Bytes through `serialize_bytes` (what serde_bytes does), without the dependency.
#[derive(Debug, PartialEq)]
struct Blob(Vec<u8>);

impl Serialize for Blob {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Blob, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Blob;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Blob, E> {
                Ok(Blob(v))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Blob, E> {
                Ok(Blob(v.to_vec()))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Mode {
    Idle,
    Scan(f64),
    Pair(i32, String),
    Ramp { from: f64, to: f64 },
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Unit;

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Meters(f64);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Point(i32, i32);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Experiment {
    name: String,
    pos: (i32, (bool, String)),
    counts: Vec<u32>,
    note: Option<String>,
    missing: Option<i64>,
    labels: BTreeMap<i64, String>,
    modes: Vec<Mode>,
    blob: Blob,
    unit: Unit,
    length: Meters,
    point: Point,
}

fn experiment() -> Experiment {
    Experiment {
        name: "rabi".into(),
        pos: (3, (true, "é".into())),
        counts: vec![1, 2],
        note: Some("n".into()),
        missing: None,
        labels: BTreeMap::from([(1, "a".into()), (-2, "b".into())]),
        modes: vec![
            Mode::Idle,
            Mode::Scan(0.5),
            Mode::Pair(1, "p".into()),
            Mode::Ramp {
                from: 0.0,
                to: 1e-7,
            },
        ],
        blob: Blob(b"\x00\xffab".to_vec()),
        unit: Unit,
        length: Meters(2.0),
        point: Point(-1, 1),
    }
}

#[test]
fn struct_round_trips_through_exact_pyon_v2() {
    let text = to_string(&experiment()).unwrap();
    let expected = concat!(
        r#"{"name":"rabi","#,
        r#""pos":{"__jsonclass__":["tuple",[[3,{"__jsonclass__":["tuple",[[true,"\u00e9"]]]}]]]},"#,
        r#""counts":[1,2],"note":"n","missing":null,"#,
        r#""labels":{"__jsonclass__":["dict",[[[-2,"b"],[1,"a"]]]]},"#,
        r#""modes":["Idle",{"Scan":0.5},{"Pair":{"__jsonclass__":["tuple",[[1,"p"]]]}},"#,
        r#"{"Ramp":{"from":0.0,"to":1e-07}}],"#,
        r#""blob":{"__jsonclass__":["bytes",["AP9hYg=="]]},"#,
        r#""unit":null,"length":2.0,"#,
        r#""point":{"__jsonclass__":["tuple",[[-1,1]]]}}"#,
    );
    assert_eq!(text, expected);
    assert_eq!(from_str::<Experiment>(&text).unwrap(), experiment());
}

#[test]
fn small_struct_text() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        a: i32,
        b: (i32, String),
    }
    let s = S {
        a: 1,
        b: (2, "x".into()),
    };
    let text = to_string(&s).unwrap();
    assert_eq!(text, r#"{"a":1,"b":{"__jsonclass__":["tuple",[[2,"x"]]]}}"#);
    assert_eq!(from_str::<S>(&text).unwrap(), s);
}

#[test]
fn serialize_table() {
    let cases: Vec<(Value, Value)> = vec![
        (to_value(&true).unwrap(), Value::Bool(true)),
        (to_value(&-5i8).unwrap(), Value::Int(-5)),
        (to_value(&u32::MAX).unwrap(), Value::Int(u32::MAX as i64)),
        (to_value(&i64::MIN).unwrap(), Value::Int(i64::MIN)),
        (to_value(&u64::MAX).unwrap(), Value::from(u64::MAX)),
        (to_value(&i128::MIN).unwrap(), Value::from(i128::MIN)),
        (to_value(&u128::MAX).unwrap(), Value::from(u128::MAX)),
        (to_value(&7u64).unwrap(), Value::Int(7)),
        (to_value(&1.5f32).unwrap(), Value::Float(1.5)),
        (to_value(&'c').unwrap(), Value::str("c")),
        (to_value("s").unwrap(), Value::str("s")),
        (to_value(&()).unwrap(), Value::None),
        (to_value(&None::<i32>).unwrap(), Value::None),
        (to_value(&Some(3)).unwrap(), Value::Int(3)),
        (to_value(&[1, 2][..]).unwrap(), list![1, 2]),
        (to_value(&[1, 2]).unwrap(), tuple![1, 2]),
        (to_value(&BTreeSet::from([2, 1])).unwrap(), list![1, 2]),
        (to_value(&((), ("x",))).unwrap(), tuple![(), tuple!["x"]]),
        (
            to_value(&BTreeMap::from([((1, 2), "t")])).unwrap(),
            dict! {tuple![1, 2] => "t"},
        ),
        (to_value(&Mode::Idle).unwrap(), Value::str("Idle")),
        (to_value(&Mode::Scan(1.0)).unwrap(), dict! {"Scan" => 1.0}),
    ];
    for (i, (got, want)) in cases.into_iter().enumerate() {
        assert_eq!(got, want, "case {i}");
    }
    assert!(matches!(to_value(&u64::MAX).unwrap(), Value::BigInt(_)));
}

#[test]
fn unhashable_keys_are_refused() {
    let m = BTreeMap::from([(vec![1], 2)]);
    let err = to_value(&m).unwrap_err();
    assert_eq!(err.category(), Category::Encode);
    assert_eq!(
        err.to_string(),
        "unhashable map key: a list cannot be a dict key"
    );
}

#[test]
fn deserialize_shapes_a_python_peer_may_send() {
    // Any sequence type for a Vec, tuple or set.
    assert_eq!(from_value::<Vec<i32>>(tuple![1, 2]).unwrap(), [1, 2]);
    assert_eq!(
        from_value::<(i32, String)>(list![1, "x"]).unwrap(),
        (1, "x".to_string())
    );
    assert_eq!(
        from_value::<BTreeSet<i32>>(Value::Set(vec![Value::Int(3), Value::Int(1)])).unwrap(),
        BTreeSet::from([1, 3])
    );
    // Bytes for a Vec<u8>, and for a bytes visitor.
    assert_eq!(
        from_value::<Vec<u8>>(Value::Bytes(vec![1, 2])).unwrap(),
        [1, 2]
    );
    assert_eq!(
        from_value::<Blob>(Value::Bytes(vec![9])).unwrap(),
        Blob(vec![9])
    );
    // Int keys and str keys; an OrderedDict is a map too.
    let m: HashMap<i64, String> = from_value(dict! {1 => "a", 2 => "b"}).unwrap();
    assert_eq!(m, HashMap::from([(1, "a".into()), (2, "b".into())]));
    let m: HashMap<String, f64> = from_value(Value::OrderedDict(Dict::from_pairs(vec![(
        "k".into(),
        1.5.into(),
    )])))
    .unwrap();
    assert_eq!(m["k"], 1.5);
    // A struct from a sequence, as serde_json allows.
    assert_eq!(from_value::<Point>(list![1, 2]).unwrap(), Point(1, 2));
    // Ints for floats; a numpy scalar for a number.
    assert_eq!(from_value::<f64>(Value::Int(3)).unwrap(), 3.0);
    let scalar = Value::Scalar(Box::new(NpScalar::from_value(2.5f32)));
    assert_eq!(from_value::<f64>(scalar).unwrap(), 2.5);
    let scalar = Value::Scalar(Box::new(NpScalar::from_value(-4i32)));
    assert_eq!(from_value::<i64>(scalar).unwrap(), -4);
    // Big ints within 128 bits.
    assert_eq!(
        from_value::<u128>(Value::from(u128::MAX)).unwrap(),
        u128::MAX
    );
    assert_eq!(from_value::<u64>(Value::from(u64::MAX)).unwrap(), u64::MAX);
    // A complex number is the pair (re, im).
    let c = Value::Complex(Complex64::new(1.0, -2.0));
    assert_eq!(from_value::<(f64, f64)>(c).unwrap(), (1.0, -2.0));
    // Options, chars, units, enums.
    assert_eq!(from_value::<Option<i32>>(Value::None).unwrap(), None);
    assert_eq!(from_value::<Option<i32>>(Value::Int(1)).unwrap(), Some(1));
    assert_eq!(from_value::<char>(Value::str("é")).unwrap(), 'é');
    from_value::<()>(Value::None).unwrap();
    assert_eq!(from_value::<Mode>(Value::str("Idle")).unwrap(), Mode::Idle);
    assert_eq!(
        from_value::<Mode>(dict! {"Pair" => list![1, "p"]}).unwrap(),
        Mode::Pair(1, "p".into())
    );
    // Newtype structs are their content; unknown struct fields are ignored.
    assert_eq!(
        from_value::<Meters>(Value::Float(1.0)).unwrap(),
        Meters(1.0)
    );
    assert_eq!(
        from_value::<Point>(list![1, 2]).unwrap(),
        from_value::<Point>(tuple![1, 2]).unwrap()
    );
    #[derive(Debug, PartialEq, Deserialize)]
    struct Only {
        a: i32,
    }
    assert_eq!(
        from_value::<Only>(dict! {"a" => 1, "zz" => tuple![1]}).unwrap(),
        Only { a: 1 }
    );
}

#[test]
fn deserialize_errors_are_clear() {
    let array = NdArray::new(vec![1], DType::parse("<f8").unwrap(), vec![0; 8]).unwrap();
    let cases: Vec<(String, String)> = vec![
        (
            from_value::<i32>(Value::str("x")).unwrap_err().to_string(),
            r#"invalid type: string "x", expected i32"#.into(),
        ),
        (
            from_value::<i32>(Value::Float(1.5)).unwrap_err().to_string(),
            "invalid type: floating point `1.5`, expected i32".into(),
        ),
        (
            from_value::<u8>(Value::Int(256)).unwrap_err().to_string(),
            "invalid value: integer `256`, expected u8".into(),
        ),
        (
            from_value::<Vec<i32>>(array.into()).unwrap_err().to_string(),
            "invalid type: ndarray, expected a sequence".into(),
        ),
        (
            from_value::<i32>(Value::slice(Value::None, Value::Int(1), Value::None))
                .unwrap_err()
                .to_string(),
            "invalid type: slice, expected i32".into(),
        ),
        (
            from_value::<f64>(Value::Fraction(Box::new(
                pyon_codec::Fraction::new(1, 3).unwrap(),
            )))
            .unwrap_err()
            .to_string(),
            "invalid type: Fraction, expected f64".into(),
        ),
        (
            from_value::<i32>(tuple![1]).unwrap_err().to_string(),
            "invalid type: sequence, expected i32".into(),
        ),
        (
            from_value::<(i32,)>(tuple![1, 2]).unwrap_err().to_string(),
            "invalid length 2, expected fewer elements in the sequence".into(),
        ),
        (
            from_value::<Point>(dict! {"0" => 1}).unwrap_err().to_string(),
            "invalid type: map, expected tuple struct Point".into(),
        ),
        (
            from_value::<Mode>(dict! {"Scan" => 1.0, "Idle" => ()})
                .unwrap_err()
                .to_string(),
            "invalid value: map, expected a dict with a single key (the variant name)".into(),
        ),
        (
            from_value::<Mode>(Value::str("Nope")).unwrap_err().to_string(),
            "unknown variant `Nope`, expected one of `Idle`, `Scan`, `Pair`, `Ramp`".into(),
        ),
        (
            from_value::<u128>(Value::from(num_bigint::BigInt::from(u128::MAX) * 2))
                .unwrap_err()
                .to_string(),
            "invalid value: int 680564733841876926926749214863536422910 does not fit in 128 bits, expected u128".into(),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    let err = from_value::<i32>(Value::str("x")).unwrap_err();
    assert_eq!(err.category(), Category::Data);
    // Decoding errors keep their position.
    let err = from_str::<i32>("[1,").unwrap_err();
    assert!(err.line().is_some(), "{err}");
}

/// A `Value` inside a serde struct passes through `to_value`/`from_value` unchanged.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Call {
    name: String,
    args: Value,
    kwargs: Option<Value>,
}

fn odd_value() -> Value {
    let array = NdArray::new(
        vec![2],
        DType::parse("<i4").unwrap(),
        vec![1, 0, 0, 0, 2, 0, 0, 0],
    )
    .unwrap();
    tuple![
        Value::Set(vec![Value::Int(1)]),
        Value::Complex(Complex64::new(1.0, 2.0)),
        Value::Bytes(b"ab".to_vec()),
        array,
        Value::slice(Value::None, Value::Int(3), Value::None),
        Value::from(u128::MAX),
        Value::OrderedDict(Dict::from_pairs(vec![(tuple![1], "v".into())])),
        Value::Fraction(Box::new(pyon_codec::Fraction::new(1, 3).unwrap())),
    ]
}

#[test]
fn value_passes_through_unchanged() {
    let call = Call {
        name: "f".into(),
        args: odd_value(),
        kwargs: Some(dict! {"x" => tuple![1, 2]}),
    };
    let v = to_value(&call).unwrap();
    assert_eq!(v.get("args"), Some(&odd_value()));
    assert_eq!(v.get("kwargs"), Some(&dict! {"x" => tuple![1, 2]}));
    let back: Call = from_value(v).unwrap();
    assert_eq!(back, call);
    // Through text as well (an OrderedDict is written as a dict by the v2 encoder, as by
    // Python's, so it is left out here).
    let text_call = Call {
        args: tuple![
            Value::Set(vec![Value::Int(1)]),
            Value::Bytes(b"ab".to_vec())
        ],
        ..call
    };
    let text = to_string(&text_call).unwrap();
    assert_eq!(from_str::<Call>(&text).unwrap(), text_call);
    // A bare Value, and Values nested in std containers.
    assert_eq!(to_value(&odd_value()).unwrap(), odd_value());
    assert_eq!(from_value::<Value>(odd_value()).unwrap(), odd_value());
    let many = vec![odd_value(), Value::None];
    let v = to_value(&many).unwrap();
    assert_eq!(v, Value::List(many.clone()));
    assert_eq!(from_value::<Vec<Value>>(v).unwrap(), many);
}

#[test]
fn value_with_other_formats_uses_the_nearest_data_model() {
    let v = tuple![
        (),
        true,
        Value::from(u64::MAX),
        1.5,
        "s",
        Value::Set(vec![Value::Int(1)]),
        dict! {"k" => list![1]},
        Value::Complex(Complex64::new(1.0, 2.0)),
        Value::slice(Value::None, Value::Int(3), Value::None),
    ];
    let json = serde_json::to_string(&v).unwrap();
    assert_eq!(
        json,
        r#"[null,true,18446744073709551615,1.5,"s",[1],{"k":[1]},[1.0,2.0],{"start":null,"stop":3,"step":null}]"#
    );
    let back: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        back,
        list![
            (),
            true,
            Value::from(u64::MAX),
            1.5,
            "s",
            list![1],
            dict! {"k" => list![1]},
            list![1.0, 2.0],
            dict! {"start" => (), "stop" => 3, "step" => ()},
        ]
    );
    // A Value field inside a struct read from JSON.
    let call: Call = serde_json::from_str(r#"{"name":"f","args":[1,"x"],"kwargs":null}"#).unwrap();
    assert_eq!(call.args, list![1, "x"]);
    assert_eq!(call.kwargs, None);
    // And a struct with a Value field written to JSON, then to a Value again.
    let json = serde_json::to_string(&call).unwrap();
    assert_eq!(json, r#"{"name":"f","args":[1,"x"],"kwargs":null}"#);
}

#[test]
fn flattened_values_fall_back_to_the_data_model() {
    // Serializing a flattened map goes field by field, so a Value stays itself; deserializing
    // buffers the fields in serde's own form, so a tuple comes back as a list (documented).
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Outer {
        id: i32,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
    }
    let o = Outer {
        id: 1,
        rest: BTreeMap::from([("t".to_string(), tuple![1, "x"])]),
    };
    let v = to_value(&o).unwrap();
    assert_eq!(v, dict! {"id" => 1, "t" => tuple![1, "x"]});
    let back: Outer = from_value(v).unwrap();
    assert_eq!(back.rest["t"], list![1, "x"]);
}

#[test]
fn v1_text() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct S {
        a: i32,
        b: (i32, String),
    }
    let s = S {
        a: 1,
        b: (2, "x".into()),
    };
    let text = pyon_codec::to_string_v1(&s).unwrap();
    assert_eq!(text, r#"{"a": 1, "b": (2, "x")}"#);
    assert_eq!(pyon_codec::from_str_v1::<S>(&text).unwrap(), s);
}

#[test]
fn values_in_other_formats_nested_inside_ours_are_unaffected() {
    // A field stored as JSON text inside a PYON value: serde_json runs in the middle of our own
    // serializer and deserializer, and must see ordinary `Value`s.
    fn as_json<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&serde_json::to_string(v).map_err(serde::ser::Error::custom)?)
    }
    fn from_json<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Wrapped {
        plain: Value,
        #[serde(serialize_with = "as_json", deserialize_with = "from_json")]
        json: Value,
    }
    let w = Wrapped {
        plain: tuple![1, 2],
        json: tuple![3, 4],
    };
    let v = to_value(&w).unwrap();
    assert_eq!(v, dict! {"plain" => tuple![1, 2], "json" => "[3,4]"});
    let back: Wrapped = from_value(v).unwrap();
    assert_eq!(back.plain, tuple![1, 2]);
    assert_eq!(back.json, list![3, 4]);
    // Many values on many threads.
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let calls = vec![Call {
                        name: i.to_string(),
                        args: tuple![i, Value::Set(vec![Value::Int(i)])],
                        kwargs: None,
                    }];
                    let v = to_value(&calls).unwrap();
                    assert_eq!(from_value::<Vec<Call>>(v).unwrap(), calls);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn bytes_helpers_for_sockets_and_files() {
    let v: (i32, String) = (7, "x".into());
    let bytes = pyon_codec::to_vec(&v).unwrap();
    assert_eq!(bytes, br#"{"__jsonclass__":["tuple",[[7,"x"]]]}"#);
    let back: (i32, String) = pyon_codec::from_slice(&bytes).unwrap();
    assert_eq!(back, v);
    let e = pyon_codec::from_slice::<String>(b"\"a\n\xff\"").unwrap_err();
    assert_eq!((e.line(), e.column()), (Some(2), Some(1)));
}
