//! PYON v1: golden data of the Python encoders, the corpus, the grammar, errors and limits.

use std::collections::HashMap;

use num_bigint::BigInt;
use num_complex::Complex64;
use pyon_codec::{Category, DEFAULT_MAX_DEPTH, Dict, Fraction, Value, dict, list, tuple, v1};

fn golden(path: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    let full = format!("{}/../../tests/golden/{path}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str(l).expect("a JSON line") {
            serde_json::Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        })
        .collect()
}

fn field<'a>(row: &'a serde_json::Map<String, serde_json::Value>, k: &str) -> Option<&'a str> {
    row.get(k).and_then(|v| v.as_str())
}

/// Every golden row: decoding the v1 texts and re-encoding gives the exact bytes back, and the
/// value is the one of the v2 text; values that Python refuses are refused.
#[test]
fn golden_values() {
    let head = golden("head/pyon/values.jsonl");
    let v2_of: HashMap<String, String> = head
        .iter()
        .filter_map(|r| Some((field(r, "name")?.to_owned(), field(r, "v2")?.to_owned())))
        .collect();
    let mut checked = 0;
    for file in ["head/pyon/values.jsonl", "v1/pyon/values.jsonl"] {
        for row in golden(file) {
            let name = field(&row, "name").expect("name");
            let v2_text = v2_of.get(name);
            let expected = v2_text.map(|t| pyon_codec::decode(t).expect("v2 decodes"));
            match (field(&row, "v1"), field(&row, "v1_pretty")) {
                (Some(compact), Some(pretty)) => {
                    for text in [compact, pretty] {
                        let v = v1::decode(text)
                            .unwrap_or_else(|e| panic!("{file} {name}: decode {text:?}: {e}"));
                        if text == compact {
                            // (Pretty text has its keys sorted: the original order is lost.)
                            assert_eq!(v1::encode(&v).unwrap(), compact, "{file} {name}");
                        }
                        assert_eq!(v1::encode_pretty(&v).unwrap(), pretty, "{file} {name}");
                        // `{}` is an empty dict in v1: an empty set does not survive.
                        if let Some(want) = expected.as_ref().filter(|_| name != "set_empty") {
                            assert!(same(&v, want), "{file} {name}: {v:?} != {want:?}");
                        }
                    }
                }
                (None, None) => {
                    let v = expected.unwrap_or_else(|| panic!("{file} {name}: no v2 value"));
                    for pretty in [false, true] {
                        let e = v1::encode_into(&mut String::new(), &v, pretty).unwrap_err();
                        assert_eq!(e.category(), Category::Encode, "{file} {name}");
                    }
                }
                _ => panic!("{file} {name}: v1 and v1_pretty disagree on refusal"),
            }
            checked += 1;
        }
    }
    assert!(checked >= 170, "only {checked} rows");
}

/// Python's `==`, node by node: containers are compared item by item (sets in any order) and
/// leaves with structural equality or `py_eq` (which may miss equal complex numbers).
fn same(a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let seq =
        |x: &[Value], y: &[Value]| x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q));
    match (a, b) {
        (Value::List(x), Value::List(y)) | (Value::Tuple(x), Value::Tuple(y)) => seq(x, y),
        (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().all(|p| y.iter().any(|q| same(p, q)))
        }
        (Value::Dict(x) | Value::OrderedDict(x), Value::Dict(y) | Value::OrderedDict(y)) => {
            x.len() == y.len() && x.iter().all(|(k, p)| y.get(k).is_some_and(|q| same(p, q)))
        }
        _ => a.py_eq(b),
    }
}

fn corpus(name: &str) -> String {
    let path = format!("{}/../../tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn corpus_round_trip() {
    let text = corpus("mixed.v1.pyon");
    let v = v1::decode(&text).unwrap();
    let again = v1::encode(&v).unwrap();
    assert!(again == text.trim(), "re-encoding differs");
    let v2 = pyon_codec::decode(&corpus("mixed.v2.pyon")).unwrap();
    assert!(same(&v, &v2), "v1 and v2 corpus values differ");
    // Pretty output decodes to the same value.
    let pretty = v1::encode_pretty(&v).unwrap();
    assert!(same(&v1::decode(&pretty).unwrap(), &v));
}

fn c(re: f64, im: f64) -> Value {
    Value::Complex(Complex64::new(re, im))
}

#[test]
fn decodes_the_literal_subset() {
    let big: BigInt = "123456789012345678901234567890".parse().unwrap();
    let cases: Vec<(&str, Value)> = vec![
        ("null", Value::None),
        ("None", Value::None),
        (" True ", true.into()),
        ("false", false.into()),
        ("42", 42.into()),
        ("-42", (-42).into()),
        ("--1", 1.into()),
        ("- + -1", 1.into()),
        ("1_000_000", 1_000_000.into()),
        ("0x_ff", 255.into()),
        ("0o17", 15.into()),
        ("0B101", 5.into()),
        ("00", 0.into()),
        ("9223372036854775807", i64::MAX.into()),
        ("-9223372036854775808", i64::MIN.into()),
        (
            "123456789012345678901234567890",
            Value::from_bigint(big.clone()),
        ),
        ("-123456789012345678901234567890", Value::from_bigint(-big)),
        ("1.", 1.0.into()),
        (".5", 0.5.into()),
        ("1e5", 1e5.into()),
        ("1E-5", 1e-5.into()),
        ("1_000.5", 1000.5.into()),
        ("-0.0", (-0.0).into()),
        ("inf", f64::INFINITY.into()),
        ("-inf", f64::NEG_INFINITY.into()),
        ("--inf", f64::INFINITY.into()),
        ("2j", c(0.0, 2.0)),
        ("1.5J", c(0.0, 1.5)),
        ("-1j", c(0.0, -1.0)),
        ("(1-9j)", c(1.0, -9.0)),
        ("1+2j", c(1.0, 2.0)),
        ("1 + -2j", c(1.0, -2.0)),
        ("(inf-0j)", c(f64::INFINITY, -0.0)),
        ("(-0+1j)", c(-0.0, 1.0)),
        ("(1e+16+1e-07j)", c(1e16, 1e-7)),
        ("infj", c(0.0, f64::INFINITY)),
        ("\"a\\u00e9\\ud83d\\ude00\"", "a\u{e9}\u{1F600}".into()),
        ("'single'", "single".into()),
        ("r'\\n'", "\\n".into()),
        ("'''tri\n'ple'''", "tri\n'ple".into()),
        ("\"a\" 'b'  r\"\\c\"", "ab\\c".into()),
        ("b'\\x00\\xff'", Value::Bytes(vec![0, 255])),
        ("B\"a\" rb'\\x'", Value::Bytes(b"a\\x".to_vec())),
        ("()", tuple![]),
        ("(1)", 1.into()),
        ("((1))", 1.into()),
        ("(1,)", tuple![1]),
        ("(1, )", tuple![1]),
        ("(1, 2,)", tuple![1, 2]),
        ("1,", tuple![1]),
        (" 1 , [2] ", tuple![1, list![2]]),
        ("1, 2,\n", tuple![1, 2]),
        ("[]", list![]),
        ("[1, [2, []],]", list![1, list![2, list![]]]),
        ("{}", Value::Dict(Dict::new())),
        ("{1: 2, 'a': [3],}", dict! {1 => 2, "a" => list![3]}),
        ("{'a': 1, 'b': 2, 'a': 3}", dict! {"a" => 3, "b" => 2}),
        ("{1: 'x', 1.0: 'y', True: 'z'}", dict! {1 => "z"}),
        ("{(1, 2): None}", dict! {tuple![1, 2] => ()}),
        ("{1, 2, 1}", Value::Set(vec![1.into(), 2.into()])),
        ("{(1, 2)}", Value::Set(vec![tuple![1, 2]])),
        ("slice(3)", Value::slice(Value::None, 3.into(), Value::None)),
        (
            "slice(None, -1, None)",
            Value::slice(Value::None, (-1).into(), Value::None),
        ),
        (
            "slice (1, 10, 2 ,)",
            Value::slice(1.into(), 10.into(), 2.into()),
        ),
        ("Fraction(6, -8)", Fraction::new(-3, 4).unwrap().into()),
        ("OrderedDict()", Value::OrderedDict(Dict::new())),
        ("OrderedDict([])", Value::OrderedDict(Dict::new())),
        (
            "OrderedDict([(2, 'a'), (1, 'b')])",
            Value::OrderedDict(Dict::from_pairs(vec![
                (2.into(), "a".into()),
                (1.into(), "b".into()),
            ])),
        ),
        ("[\n\t1 ,\r\n 2\x0c]", list![1, 2]),
    ];
    for (text, want) in cases {
        let got = v1::decode(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(got, want, "{text:?}");
    }
}

#[test]
fn constructors_of_numpy_values() {
    let a = v1::decode(r#"nparray((2, ), "<i4", b"AQAAAP7///8=")"#).unwrap();
    let Value::Array(a) = a else { panic!() };
    assert_eq!(a.shape(), &[2]);
    assert_eq!(a.data(), &[1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff]);
    let s = v1::decode(r#"npscalar("<f8", b"AAAAAAAA0L8=")"#).unwrap();
    assert_eq!(
        v1::encode(&s).unwrap(),
        r#"npscalar("<f8", b"AAAAAAAA0L8=")"#
    );
    let z = v1::decode(r#"nparray([], '<f8', b'AAAAAAAABEA=')"#).unwrap();
    assert_eq!(
        v1::encode(&z).unwrap(),
        r#"nparray((), "<f8", b"AAAAAAAABEA=")"#
    );
}

#[test]
fn custom_types() {
    pyon_codec::register("V1TestPoint").unwrap();
    pyon_codec::register("v1test.Vec").unwrap();
    let v = v1::decode("V1TestPoint(1, 'a')").unwrap();
    assert_eq!(v1::encode(&v).unwrap(), r#"V1TestPoint(1, "a")"#);
    let v = v1::decode("[v1test.Vec(), v1test.Vec(1,)]").unwrap();
    assert_eq!(v1::encode(&v).unwrap(), "[v1test.Vec(), v1test.Vec(1)]");
    let e = v1::decode("v1test.Other(1)").unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown name `v1test.Other` at line 1 column 1"
    );
}

#[test]
fn errors_name_their_position() {
    let cases: &[(&str, &str)] = &[
        (
            "__import__('os')",
            "unknown name `__import__` at line 1 column 1",
        ),
        ("tuple((1,2))", "unknown name `tuple` at line 1 column 1"),
        ("set()", "unknown name `set` at line 1 column 1"),
        ("[1, x]", "unknown name `x` at line 1 column 5"),
        ("x.y", "unknown name `x.y` at line 1 column 1"),
        ("slice.x", "unexpected `.` at line 1 column 6"),
        ("None.x", "unexpected `.` at line 1 column 5"),
        (
            "1 + 2",
            "binary `+` only joins a real and an imaginary number at line 1 column 3",
        ),
        (
            "1 - x",
            "binary `-` only joins a real and an imaginary number at line 1 column 3",
        ),
        ("2j + 1", "trailing characters at line 1 column 4"),
        (
            "[1 -2]",
            "binary `-` only joins a real and an imaginary number at line 1 column 4",
        ),
        (
            "[1, 2",
            "expected `,` or `]`, found end of input at line 1 column 6",
        ),
        ("[1, 2)", "expected `,` or `]` at line 1 column 6"),
        ("(1 2)", "expected `,` or `)` at line 1 column 4"),
        ("{1: 2, 3}", "expected `:` at line 1 column 9"),
        ("{1, 2: 3}", "expected `,` or `}` at line 1 column 6"),
        ("\"abc", "unterminated string at line 1 column 1"),
        ("[\"a\nb\"]", "unterminated string at line 1 column 2"),
        (
            "\"a\" b\"c\"",
            "cannot mix bytes and nonbytes literals at line 1 column 5",
        ),
        (
            "b'caf\u{e9}'",
            "bytes can only contain ASCII literal characters at line 1 column 6",
        ),
        (
            "'\\N{EM DASH}'",
            "`\\N{...}` escapes are not supported at line 1 column 2",
        ),
        (
            "",
            "expected a value, found end of input at line 1 column 1",
        ),
        (
            "   ",
            "expected a value, found end of input at line 1 column 4",
        ),
        ("[,]", "expected a value at line 1 column 2"),
        ("(,)", "expected a value at line 1 column 2"),
        ("[*x]", "expected a value at line 1 column 2"),
        ("1 # comment", "trailing characters at line 1 column 3"),
        ("1 2", "trailing characters at line 1 column 3"),
        ("1, 2 3", "expected `,` or end of input at line 1 column 6"),
        ("1, ,", "expected a value at line 1 column 4"),
        ("1, 2]", "expected `,` or end of input at line 1 column 5"),
        ("x = 1", "unknown name `x` at line 1 column 1"),
        ("lambda: 1", "unknown name `lambda` at line 1 column 1"),
        ("[1][0]", "trailing characters at line 1 column 4"),
        ("slice(stop=1)", "unknown name `stop` at line 1 column 7"),
        (
            "slice",
            "expected `(` after `slice`, found end of input at line 1 column 6",
        ),
        ("slice[1]", "expected `(` after `slice` at line 1 column 6"),
        (
            "01",
            "leading zeros in decimal integer literals are not permitted at line 1 column 1",
        ),
        ("1x", "invalid number at line 1 column 1"),
        ("1.5.", "invalid number at line 1 column 1"),
        ("1_", "invalid number at line 1 column 1"),
        ("0x", "invalid number at line 1 column 1"),
        (
            "-",
            "expected a number, found end of input at line 1 column 2",
        ),
        ("-[1]", "expected a number at line 1 column 2"),
        ("-None", "expected a number at line 1 column 2"),
        ("f'x'", "unknown name `f` at line 1 column 1"),
        (
            "[\n  {1: 2},\n  [1, 2}",
            "expected `,` or `]` at line 3 column 8",
        ),
        ("{'\u{e9}': é}", "unknown name `é` at line 1 column 7"),
        ("{[1]: 2}", "unhashable type: 'list' at line 1 column 2"),
        ("{{}: 2}", "unhashable type: 'dict' at line 1 column 2"),
        ("{1, [2]}", "unhashable type: 'list' at line 1 column 1"),
        (
            "{(1, [2]): 3}",
            "unhashable type: 'tuple' at line 1 column 2",
        ),
        (
            "Fraction(1, 0)",
            "Fraction with a zero denominator at line 1 column 1",
        ),
        (
            "[slice()]",
            "slice takes 1 to 3 arguments, got 0 at line 1 column 2",
        ),
        (
            "OrderedDict(1)",
            "OrderedDict needs a list of pairs, not int at line 1 column 1",
        ),
        (
            "OrderedDict([], [])",
            "OrderedDict takes at most 1 argument, got 2 at line 1 column 1",
        ),
        (
            "OrderedDict([(1, 2, 3)])",
            "a dict entry needs exactly 2 items at line 1 column 1",
        ),
        (
            "nparray((1000000000000, ), \"<f8\", b\"\")",
            "array of shape [1000000000000] and dtype <f8 needs 8000000000000 bytes, got 0 at line 1 column 1",
        ),
        (
            "nparray((10**12,), \"<f8\", b\"\")",
            "expected `,` or `)` at line 1 column 12",
        ),
        (
            "nparray((4611686018427387904, 4), \"<f8\", b\"\")",
            "array shape [4611686018427387904, 4] is too large at line 1 column 1",
        ),
        (
            "'\\ud800'",
            "unpaired surrogate in string at line 1 column 2",
        ),
    ];
    for (text, want) in cases {
        let e = v1::decode(text).map(|v| format!("{v:?}")).unwrap_err();
        assert_eq!(e.to_string(), *want, "{text:?}");
        assert!(e.line().is_some(), "{text:?}: no position");
    }
}

#[test]
fn error_categories() {
    assert_eq!(v1::decode("[1,").unwrap_err().category(), Category::Eof);
    assert_eq!(v1::decode("'abc").unwrap_err().category(), Category::Eof);
    assert_eq!(v1::decode("x").unwrap_err().category(), Category::Syntax);
    assert_eq!(
        v1::decode("{[]: 1}").unwrap_err().category(),
        Category::Data
    );
    let huge = "9".repeat(5000);
    let e = v1::decode(&format!("[1, {huge}]")).unwrap_err();
    assert_eq!(e.category(), Category::Data);
    assert_eq!((e.line(), e.column()), (Some(1), Some(5)));
}

fn nested(open: &str, close: &str, leaf: &str, n: usize) -> String {
    format!("{}{leaf}{}", open.repeat(n), close.repeat(n))
}

/// Deep documents neither overflow the stack (a 2 MiB thread, debug build) nor pass the limit.
#[test]
fn depth_is_bounded_without_stack_overflow() {
    let run = || {
        let n = DEFAULT_MAX_DEPTH;
        let docs = [
            nested("[", "]", "", n),
            nested("(", ",)", "1", n),
            nested("(", ")", "1", n),
            nested("{1: ", "}", "1", n),
            nested("slice(", ")", "1", n),
        ];
        for doc in &docs {
            let v = v1::decode(doc).unwrap_or_else(|e| panic!("{}: {e}", &doc[..8]));
            let text = v1::encode(&v).unwrap();
            assert!(v1::decode(&text).is_ok());
        }
        let too_deep = [
            (nested("[", "]", "", n + 1), n + 1),
            (nested("(", ")", "1", n + 1), n + 1),
            (nested("{1: ", "}", "1", n + 1), 4 * n + 1),
            (nested("Fraction(", ")", "1", n + 1), 9 * n + 1),
            ("[".repeat(1_000_000), n + 1),
        ];
        for (doc, column) in &too_deep {
            let e = v1::decode(doc).unwrap_err();
            assert_eq!(e.message(), "nesting deeper than 1024 levels");
            assert_eq!(e.column(), Some(*column));
        }
        let e = v1::decode_with_depth("[[1]]", 1).unwrap_err();
        assert_eq!(
            e.to_string(),
            "nesting deeper than 1 levels at line 1 column 2"
        );
        assert!(v1::decode_with_depth("[[1]]", 2).is_ok());
    };
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn hostile_inputs_never_panic() {
    let inputs = [
        "\u{0}",
        "\"\\",
        "b'\\",
        "'\\x",
        "'\\u12",
        "'\\U0010",
        "1e999999999999",
        "1e-999999999",
        "0x",
        ".",
        "-.",
        "1.e",
        "'''",
        "''''",
        "r'\\",
        "{1:",
        "{1",
        "(",
        "slice(",
        "nparray(",
        "é",
        "\u{1F600}",
        "'\u{1F600}",
        "b'\u{1F600}'",
        "1+",
        "1+é",
        "1 +\u{1F600}j",
        "inf+",
        "infinity",
        "nan.x",
        "1e+",
        "1j.",
        "npscalar('<f8', b'')",
        "npscalar('|O', b'AA==')",
        "nparray((-1,), '<f8', b'')",
        "nparray(((1,),), '<f8', b'')",
        "nparray(3, '<i1', b'AAAA')",
        "Fraction(1.5, 2)",
        "Fraction(10**5)",
    ];
    for text in inputs {
        let _ = v1::decode(text);
    }
    assert_eq!(v1::decode("1e999999999999").unwrap(), f64::INFINITY.into());
    assert_eq!(v1::decode("nparray(3, '<i1', b'AAAA')").unwrap(), {
        v1::decode("nparray((3,), '<i1', b'AAAA')").unwrap()
    });
    // Every prefix of a real document fails cleanly or succeeds.
    let doc = r#"{"a": [1, 2.5, (3, ), {4, 5}], b'x\x00': OrderedDict([(1, 2)]), "c": (1-2j), "d": nparray((2, ), "<i4", b"AQAAAP7///8="), 'e': '\u00e9\ud83d\ude00', "f": slice(None, 1, None), 7: Fraction(1, 3)}"#;
    for end in 0..doc.len() {
        if doc.is_char_boundary(end) {
            let _ = v1::decode(&doc[..end]);
        }
    }
    assert!(v1::decode(doc).is_ok());
}

#[test]
fn encoder_rules() {
    let v = dict! {
        "z" => list![dict!{"b" => 1, "a" => tuple![2]}, Value::Set(vec![])],
        "a" => Value::Bytes(b"it's".to_vec()),
    };
    assert_eq!(
        v1::encode(&v).unwrap(),
        r#"{"z": [{"b": 1, "a": (2, )}, {}], "a": b"it's"}"#
    );
    assert_eq!(
        v1::encode_pretty(&v).unwrap(),
        "{\n    \"a\": b\"it's\",\n    \"z\": [{\n        \"a\": (2, ),\n        \"b\": 1\n    }, {}]\n}"
    );
    let mut out = String::from("prefix ");
    v1::encode_into(&mut out, &tuple![1], false).unwrap();
    assert_eq!(out, "prefix (1, )");
    let s = Value::slice("a".into(), true.into(), 2.5.into());
    assert_eq!(v1::encode(&s).unwrap(), r#"slice("a", True, 2.5)"#);
    let od = Value::OrderedDict(Dict::from_pairs(vec![(
        "k".into(),
        dict! {"x" => 1, "y" => 2},
    )]));
    assert_eq!(
        v1::encode_pretty(&od).unwrap(),
        "OrderedDict([(\"k\", {\n    \"x\": 1,\n    \"y\": 2\n})])"
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    /// Arbitrary text never panics the decoder; what decodes re-encodes and decodes back to
    /// the same value.
    #[test]
    fn arbitrary_text_decodes_or_fails_cleanly(
        text in "[\\[\\](){}:,'\"bBrRuUjJxXoO0-9._+\\- \\\\\\n\u{e9}\u{1F600}eEinfatrulsNocmpe(]{0,40}"
    ) {
        if let Ok(v) = v1::decode(&text) {
            let again = v1::encode(&v).unwrap();
            let back = v1::decode(&again).unwrap();
            proptest::prop_assert_eq!(&back, &v, "{} -> {}", text, again);
            let pretty = v1::encode_pretty(&v).unwrap();
            proptest::prop_assert_eq!(&v1::decode(&pretty).unwrap(), &v);
        }
    }
}

fn arb_value() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        any::<i128>().prop_map(Value::from),
        any::<f64>().prop_map(Value::Float),
        (any::<f64>(), any::<f64>()).prop_map(|(re, im)| c(re, im)),
        prop_oneof![
            Just(0.0),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NAN),
            Just(1e16)
        ]
        .prop_flat_map(|re| {
            prop_oneof![
                Just(0.0),
                Just(-0.0),
                Just(f64::NEG_INFINITY),
                Just(f64::NAN)
            ]
            .prop_map(move |im| c(re, im))
        }),
        any::<String>().prop_map(Value::from),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::List),
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Tuple),
            proptest::collection::btree_map("[a-z\u{e9}\"\\\\]{0,4}", inner.clone(), 0..5)
                .prop_map(|m| Value::Dict(
                    m.into_iter().map(|(k, v)| (Value::from(k), v)).collect()
                )),
            proptest::collection::btree_map(any::<i64>(), inner.clone(), 0..5).prop_map(|m| {
                Value::OrderedDict(m.into_iter().map(|(k, v)| (Value::Int(k), v)).collect())
            }),
            proptest::collection::btree_set(any::<i64>(), 1..5)
                .prop_map(|s| Value::Set(s.into_iter().map(Value::Int).collect())),
            (inner.clone(), inner).prop_map(|(a, b)| Value::slice(a, b, Value::None)),
        ]
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(1000))]

    /// Any value round-trips through compact and pretty v1.
    #[test]
    fn values_round_trip(v in arb_value()) {
        let text = v1::encode(&v).unwrap();
        let back = v1::decode(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        proptest::prop_assert_eq!(&back, &v, "{}", text);
        proptest::prop_assert_eq!(v1::encode(&back).unwrap(), text);
        let pretty = v1::encode_pretty(&v).unwrap();
        let back = v1::decode(&pretty).unwrap_or_else(|e| panic!("{pretty}: {e}"));
        proptest::prop_assert!(same(&back, &v), "{}", pretty);
    }
}
