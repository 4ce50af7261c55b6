//! PYON v1 decoder: never panics; whatever decodes re-encodes (v1 and v2) and decodes back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyon_codec::Value;

/// v1 writes an empty set as `{}`, which Python (and we) read back as an empty dict.
fn has_empty_set(v: &Value) -> bool {
    match v {
        Value::Set(items) => items.is_empty() || items.iter().any(has_empty_set),
        Value::List(items) | Value::Tuple(items) => items.iter().any(has_empty_set),
        Value::Dict(d) | Value::OrderedDict(d) => {
            d.iter().any(|(k, v)| has_empty_set(k) || has_empty_set(v))
        }
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = pyon_codec::v1::decode(text) {
        if let Ok(out) = pyon_codec::v1::encode(&v) {
            let back = pyon_codec::v1::decode(&out).expect("our own v1 encoding decodes");
            assert!(
                back == v || back.py_eq(&v) || has_empty_set(&v),
                "v1 round trip changed the value: {out}"
            );
        }
        if let Ok(out) = pyon_codec::v2::encode(&v) {
            pyon_codec::v2::decode(&out).expect("our own v2 encoding decodes");
        }
    }
});
