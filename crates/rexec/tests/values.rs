//! Every value kind PYON carries, Rust → Python → Rust: in process through the conversion
//! functions, and through the real path (a client's call, PYON on the wire, the embedded
//! Python, PYON back). Python's view of each value is checked too (its type, dtype, shape).

mod common;

use num_bigint::BigInt;
use num_complex::Complex64;
use pyon_codec::{DType, Dict, Fraction, NdArray, NpScalar, Value, dict, list, tuple};
use rexec::RexecClient;
use rexec::pyo3::prelude::*;

/// Python's description of a value: `(module.qualname of its type, dtype.str, shape)`.
const DESCRIBE: &str = "\
def describe(x):
    t = type(x)
    d = getattr(x, 'dtype', None)
    if d is None:
        return (t.__module__ + '.' + t.__qualname__, None, None)
    return (t.__module__ + '.' + t.__qualname__, d.str, list(x.shape))
def ident(x):
    return x
";

fn plain_values() -> Vec<(Value, &'static str)> {
    let big = BigInt::from(2).pow(100u32);
    let Value::Dict(mixed) = dict!("a" => 1, 2 => "b", tuple![1, 2] => Value::None) else {
        unreachable!()
    };
    let Value::Dict(ordered) = dict!("z" => 1, "a" => list![2.5]) else {
        unreachable!()
    };
    vec![
        (Value::None, "builtins.NoneType"),
        (Value::Bool(true), "builtins.bool"),
        (Value::Bool(false), "builtins.bool"),
        (Value::Int(-5), "builtins.int"),
        (Value::Int(i64::MAX), "builtins.int"),
        (Value::Int(i64::MIN), "builtins.int"),
        (Value::from_bigint(big.clone()), "builtins.int"),
        (Value::from_bigint(-big), "builtins.int"),
        (Value::Float(1.5), "builtins.float"),
        (Value::Float(-0.0), "builtins.float"),
        (Value::Float(f64::NAN), "builtins.float"),
        (Value::Float(f64::NEG_INFINITY), "builtins.float"),
        (
            Value::Complex(Complex64::new(1.0, -2.5)),
            "builtins.complex",
        ),
        (
            Value::str("h\u{e9}llo \u{2713} \u{1d11e} \"q\"\n"),
            "builtins.str",
        ),
        (Value::Bytes(vec![0, 255, 10, 39]), "builtins.bytes"),
        (list![1, "a", Value::None, list![]], "builtins.list"),
        (tuple![], "builtins.tuple"),
        (tuple![1, tuple![2]], "builtins.tuple"),
        (Value::Dict(mixed), "builtins.dict"),
        (Value::Dict(Dict::new()), "builtins.dict"),
        (
            Value::Set(vec![Value::Int(1), Value::str("x")]),
            "builtins.set",
        ),
        (Value::OrderedDict(ordered), "collections.OrderedDict"),
        (
            Value::slice(Value::Int(1), Value::None, Value::Int(-2)),
            "builtins.slice",
        ),
        (
            Value::Fraction(Box::new(Fraction::new(-3, 4).unwrap())),
            "fractions.Fraction",
        ),
        (
            Value::Fraction(Box::new(
                Fraction::new(BigInt::from(10).pow(30u32) + 1, 7).unwrap(),
            )),
            "fractions.Fraction",
        ),
    ]
}

/// Deterministic bytes for `n` elements of `dtype` (raw bytes cross untouched; `U` gets valid
/// code points and `b` zeros and ones so that Python can also look at them).
fn elements(dtype: &DType, n: usize) -> Vec<u8> {
    let size = dtype.itemsize();
    let mut out = Vec::with_capacity(n * size);
    for i in 0..n {
        match dtype.kind() {
            'b' => out.push((i % 2) as u8),
            'U' => {
                for j in 0..size / 4 {
                    let c = ['a', '\u{e9}', '\u{1d11e}'][(i + j) % 3] as u32;
                    out.extend_from_slice(&c.to_le_bytes());
                }
            }
            _ => out.extend((0..size).map(|j| (i * 31 + j * 7 + 1) as u8)),
        }
    }
    out
}

fn array(dtype: &str, shape: Vec<usize>) -> Value {
    let dtype = DType::parse(dtype).unwrap();
    let n = shape.iter().product();
    let data = elements(&dtype, n);
    Value::Array(Box::new(NdArray::new(shape, dtype, data).unwrap()))
}

fn scalar(dtype: &str) -> Value {
    let dtype = DType::parse(dtype).unwrap();
    let data = elements(&dtype, 1);
    Value::Scalar(Box::new(NpScalar::new(dtype, data).unwrap()))
}

const ARRAY_DTYPES: &[&str] = &[
    "<f8", "<f4", "<f2", ">f8", "<c16", "<c8", "<i8", "<i4", "<i2", "|i1", ">i4", "<u8", "<u4",
    "<u2", "|u1", "|b1", "<U3", "|S4", "<M8[ns]", "<m8[s]",
];

const SCALAR_DTYPES: &[&str] = &[
    "<f8", "<f4", "<c16", "<i8", "<i4", "|i1", "<u2", "|u1", "|b1",
];

/// Python's view of a value: type name, dtype.str, shape.
type Description = (String, Option<String>, Option<Vec<usize>>);

/// A value and what Python must see: (value, type name, dtype.str, shape).
type Case = (Value, String, Option<String>, Option<Vec<usize>>);

/// numpy values and what Python must see: (value, type name, dtype.str, shape).
fn numpy_values() -> Vec<Case> {
    let mut out = Vec::new();
    for dt in ARRAY_DTYPES {
        for shape in [vec![2, 3], vec![4], vec![], vec![0, 3], vec![2, 1, 2]] {
            out.push((
                array(dt, shape.clone()),
                "numpy.ndarray".to_owned(),
                Some((*dt).to_owned()),
                Some(shape),
            ));
        }
    }
    for dt in SCALAR_DTYPES {
        let v = scalar(dt);
        let name = match *dt {
            "<f8" => "numpy.float64",
            "<f4" => "numpy.float32",
            "<c16" => "numpy.complex128",
            "<i8" => "numpy.int64",
            "<i4" => "numpy.int32",
            "|i1" => "numpy.int8",
            "<u2" => "numpy.uint16",
            "|u1" => "numpy.uint8",
            _ => "numpy.bool",
        };
        out.push((v, name.to_owned(), Some((*dt).to_owned()), Some(vec![])));
    }
    out
}

/// Equal as PYON would carry them (NaN equals NaN: compare the encodings), except that a set
/// has no order: Python iterates a set of strings in an order that changes with the process's
/// hash seed, so set members are matched regardless of position.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().all(|m| y.iter().any(|n| same(m, n)))
        }
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(m, n)| same(m, n))
        }
        _ => pyon_codec::encode(a).unwrap() == pyon_codec::encode(b).unwrap(),
    }
}

fn in_process(value: &Value) -> (Value, Description) {
    Python::attach(|py| {
        let globals = rexec::pyo3::types::PyDict::new(py);
        py.run(
            &std::ffi::CString::new(DESCRIBE).unwrap(),
            Some(&globals),
            None,
        )
        .unwrap();
        let obj = rexec::to_python(py, value).unwrap();
        let described = globals
            .get_item("describe")
            .unwrap()
            .unwrap()
            .call1((&obj,))
            .unwrap()
            .extract()
            .unwrap();
        (rexec::from_python(&obj).unwrap(), described)
    })
}

fn numpy_type_name(name: &str) -> String {
    // numpy 1.x calls its bool scalar `bool_`.
    name.replace("numpy.bool_", "numpy.bool")
}

#[test]
fn plain_values_round_trip_in_process() {
    rexec::start_python().unwrap();
    for (value, type_name) in plain_values() {
        let (back, (name, dtype, _)) = in_process(&value);
        assert!(same(&back, &value), "{value:?} came back as {back:?}");
        assert_eq!((name.as_str(), dtype), (type_name, None), "{value:?}");
    }
}

#[test]
fn numpy_values_round_trip_in_process() {
    if !common::numpy_or_skip("numpy_values_round_trip_in_process") {
        return;
    }
    for (value, type_name, dtype, shape) in numpy_values() {
        let (back, (name, got_dtype, got_shape)) = in_process(&value);
        assert!(same(&back, &value), "{value:?} came back as {back:?}");
        assert_eq!(numpy_type_name(&name), type_name, "{value:?}");
        assert_eq!(got_dtype, dtype, "{value:?}");
        assert_eq!(got_shape, shape, "{value:?}");
    }
}

#[test]
fn what_pyon_cannot_carry_is_a_type_error() {
    rexec::start_python().unwrap();
    Python::attach(|py| {
        let globals = rexec::pyo3::types::PyDict::new(py);
        let code = "class Thing: pass\nthing = Thing()\nloop = []\nloop.append(loop)\n";
        py.run(&std::ffi::CString::new(code).unwrap(), Some(&globals), None)
            .unwrap();
        let thing = globals.get_item("thing").unwrap().unwrap();
        let e = rexec::from_python(&thing).unwrap_err();
        assert!(e.is_instance_of::<rexec::pyo3::exceptions::PyTypeError>(py));
        assert!(e.to_string().contains("Thing"), "{e}");
        let looped = globals.get_item("loop").unwrap().unwrap();
        let e = rexec::from_python(&looped).unwrap_err();
        assert!(
            e.is_instance_of::<rexec::pyo3::exceptions::PyValueError>(py),
            "{e}"
        );
    });
}

#[tokio::test(flavor = "multi_thread")]
async fn every_value_kind_round_trips_through_a_connection() {
    rexec::start_python().unwrap();
    let (addr, task) = common::start_demo().await;
    let c = RexecClient::connect("127.0.0.1", addr.port(), "demo_rexec")
        .await
        .unwrap();
    c.add_code(DESCRIBE).await.unwrap();
    let mut cases: Vec<Case> = plain_values()
        .into_iter()
        .map(|(v, n)| (v, n.to_owned(), None, None))
        .collect();
    let numpy =
        common::numpy_or_skip("every_value_kind_round_trips_through_a_connection (numpy part)");
    if numpy {
        cases.extend(numpy_values());
    }
    for (value, type_name, dtype, shape) in cases {
        let back = c
            .call("ident", vec![value.clone()], Dict::new())
            .await
            .unwrap();
        assert!(same(&back, &value), "{value:?} came back as {back:?}");
        let (name, got_dtype, got_shape): Description =
            c.call_as("describe", vec![value.clone()]).await.unwrap();
        // PYON v2 carries an OrderedDict as a plain dict (as Python's encoder does).
        let type_name = type_name.replace("collections.OrderedDict", "builtins.dict");
        // A float64 scalar is a Python float, and PYON sends it as one.
        let (type_name, dtype, shape) = if type_name == "numpy.float64" {
            ("builtins.float".to_owned(), None, None)
        } else {
            (type_name, dtype, shape)
        };
        assert_eq!(numpy_type_name(&name), type_name, "{value:?}");
        assert_eq!((got_dtype, got_shape), (dtype, shape), "{value:?}");
    }
    // Keyword arguments cross the same way.
    let Value::Dict(kwargs) = dict!("x" => array("<f8", vec![3])) else {
        unreachable!()
    };
    if numpy {
        let back = c.call("ident", (), kwargs).await.unwrap();
        assert!(same(&back, &array("<f8", vec![3])));
    }
    task.abort();
}
