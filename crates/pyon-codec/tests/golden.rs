//! Conformance with the recordings of the real Python encoders and decoders
//! (`tests/golden/*/pyon/*.jsonl`, `tests/corpus/`): every encoding byte for byte.

use pyon_codec::{Category, Value, v1, v2};
use serde_json::Value as Json;

fn root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests")
}

fn rows(rel: &str) -> Vec<serde_json::Map<String, Json>> {
    let text = std::fs::read_to_string(root().join(rel)).unwrap();
    text.lines()
        .map(|l| match serde_json::from_str(l).unwrap() {
            Json::Object(m) => m,
            _ => panic!("row is not an object: {l}"),
        })
        .collect()
}

fn field<'a>(row: &'a serde_json::Map<String, Json>, key: &str) -> Option<&'a str> {
    row.get(key).and_then(Json::as_str)
}

/// Rows whose v1 text cannot say what the value is: Python's v1 encoder writes an empty set as
/// `{}`, which reads back as an empty dict. Their canonical value comes from v2.
const V1_LOSSY: &[&str] = &["set_empty"];

/// Decodes a row's encodings, checks they agree under Python's `==`, and returns the value that
/// carries the most information (v1 keeps `OrderedDict` and float64 scalars that v2 flattens).
fn canonical(row: &serde_json::Map<String, Json>) -> Value {
    let name = field(row, "name").unwrap();
    let from_v2 = field(row, "v2").map(|t| {
        let v = v2::decode(t).unwrap_or_else(|e| panic!("{name}: v2 decode: {e}"));
        let p = v2::decode(field(row, "v2_pretty").unwrap())
            .unwrap_or_else(|e| panic!("{name}: v2 pretty decode: {e}"));
        assert_eq!(v, p, "{name}: v2 and pretty v2 decode differently");
        v
    });
    let from_v1 = field(row, "v1").map(|t| {
        let v = v1::decode(t).unwrap_or_else(|e| panic!("{name}: v1 decode: {e}"));
        let p = v1::decode(field(row, "v1_pretty").unwrap())
            .unwrap_or_else(|e| panic!("{name}: v1 pretty decode: {e}"));
        assert!(
            v.py_eq(&p) || v == p,
            "{name}: v1 and pretty v1 decode differently"
        );
        v
    });
    match (from_v1, from_v2) {
        (Some(a), Some(b)) => {
            if V1_LOSSY.contains(&name) {
                b
            } else {
                assert!(a.py_eq(&b) || a == b, "{name}: v1 {a:?} != v2 {b:?}");
                a
            }
        }
        (Some(a), None) => a,
        (None, Some(b)) => b,
        (None, None) => panic!("{name}: no encoding"),
    }
}

fn check(name: &str, got: pyon_codec::Result<String>, want: Option<&str>, what: &str) {
    match want {
        Some(want) => assert_eq!(
            got.unwrap_or_else(|e| panic!("{name}: {what}: {e}")),
            want,
            "{name}: {what}"
        ),
        None => {
            let e = got.expect_err(&format!("{name}: {what} must be refused as Python does"));
            assert_eq!(e.category(), Category::Encode, "{name}: {e}");
        }
    }
}

#[test]
fn head_values_encode_byte_for_byte() {
    let rows = rows("golden/head/pyon/values.jsonl");
    assert!(rows.len() >= 80);
    for row in &rows {
        let name = field(row, "name").unwrap();
        let v = canonical(row);
        check(name, v2::encode(&v), field(row, "v2"), "v2");
        check(
            name,
            v2::encode_pretty(&v),
            field(row, "v2_pretty"),
            "v2 pretty",
        );
        check(name, v1::encode(&v), field(row, "v1"), "v1");
        check(
            name,
            v1::encode_pretty(&v),
            field(row, "v1_pretty"),
            "v1 pretty",
        );
    }
}

#[test]
fn legacy_values_encode_byte_for_byte() {
    let head = rows("golden/head/pyon/values.jsonl");
    for row in rows("golden/v1/pyon/values.jsonl") {
        let name = field(&row, "name").unwrap();
        let head_row = head
            .iter()
            .find(|r| field(r, "name") == Some(name))
            .unwrap();
        let v = canonical(head_row);
        check(name, v1::encode(&v), field(&row, "v1"), "legacy v1");
        check(
            name,
            v1::encode_pretty(&v),
            field(&row, "v1_pretty"),
            "legacy v1 pretty",
        );
        if let Some(t) = field(&row, "v1") {
            let back = v1::decode(t).unwrap();
            assert!(back.py_eq(&v) || V1_LOSSY.contains(&name), "{name}");
        }
    }
}

#[test]
fn python_rejects_are_rejected() {
    let mut rejected = 0;
    for row in rows("golden/head/pyon/v2_rejects.jsonl") {
        let mut input = field(&row, "input").unwrap().to_owned();
        if let Some(prefix) = input.strip_suffix("...(200000 chars)") {
            assert!(prefix.chars().all(|c| c == '['));
            input = "[".repeat(200_000);
        }
        let python = field(&row, "python").unwrap();
        let ours = v2::decode(&input);
        if python.starts_with("rejected") {
            let e = ours.expect_err(&format!("{input:.60}: Python {python}, we accepted"));
            assert!(!e.to_string().is_empty());
            rejected += 1;
        } else {
            // Python accepts these too; so do we, with Python's result.
            ours.unwrap_or_else(|e| panic!("{input}: Python accepts, we said {e}"));
        }
    }
    assert!(rejected >= 14);
}

#[test]
fn python_accepted_oddities_decode_as_python() {
    assert_eq!(
        v2::decode(r#"{"__jsonclass__": ["complex", [1]]}"#).unwrap(),
        Value::Complex(num_complex::Complex64::new(1.0, 0.0))
    );
    assert_eq!(
        v2::decode(r#"{"__jsonclass__": ["bytes", ["@@@"]]}"#).unwrap(),
        Value::Bytes(vec![])
    );
}

fn corpus(name: &str) -> String {
    std::fs::read_to_string(root().join("corpus").join(name)).unwrap()
}

#[test]
fn corpus_round_trips_exactly() {
    let t2 = corpus("mixed.v2.pyon");
    let t1 = corpus("mixed.v1.pyon");
    let a = v2::decode(&t2).unwrap();
    let b = v1::decode(&t1).unwrap();
    assert!(
        a.py_eq(&b),
        "the two corpus files decode to different values"
    );
    assert_eq!(v2::encode(&a).unwrap(), t2.trim());
    assert_eq!(v1::encode(&b).unwrap(), t1.trim());
    // v2 writes OrderedDicts with the `dict` tag, so only the value read from v1 can re-create
    // both files.
    assert_eq!(v2::encode(&b).unwrap(), t2.trim());
}

/// Python's `repr`, recorded beside every encoding: `pyon_codec::repr` writes the same text.
#[test]
fn head_values_repr_as_python() {
    let mut failures = Vec::new();
    let mut n = 0;
    for row in rows("golden/head/pyon/values.jsonl") {
        let name = field(&row, "name").unwrap();
        let Some(want) = field(&row, "repr") else {
            continue;
        };
        let got = pyon_codec::repr(&canonical(&row));
        if got != want {
            failures.push(format!("{name}: python {want:?}, rust {got:?}"));
        }
        n += 1;
    }
    assert!(n > 50, "only {n} rows");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
