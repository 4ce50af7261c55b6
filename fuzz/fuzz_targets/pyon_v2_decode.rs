//! PYON v2 decoder: never panics; whatever decodes re-encodes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyon_codec::Value;

/// What a value becomes after a trip through v2, as with Python's encoder: an OrderedDict is
/// written as a dict, and a float64 numpy scalar (a Python float subclass) as a float.
fn through_v2(v: &Value) -> Value {
    match v {
        Value::OrderedDict(d) => Value::Dict(
            d.iter()
                .map(|(k, v)| (through_v2(k), through_v2(v)))
                .collect(),
        ),
        Value::Dict(d) => Value::Dict(
            d.iter()
                .map(|(k, v)| (through_v2(k), through_v2(v)))
                .collect(),
        ),
        Value::List(items) => Value::List(items.iter().map(through_v2).collect()),
        Value::Tuple(items) => Value::Tuple(items.iter().map(through_v2).collect()),
        Value::Set(items) => Value::Set(items.iter().map(through_v2).collect()),
        Value::Slice(s) => Value::Slice(Box::new(pyon_codec::Slice {
            start: through_v2(&s.start),
            stop: through_v2(&s.stop),
            step: through_v2(&s.step),
        })),
        Value::Custom(c) => Value::Custom(Box::new(pyon_codec::Custom {
            name: c.name.clone(),
            args: c.args.iter().map(through_v2).collect(),
        })),
        Value::Scalar(s) if s.dtype().kind() == 'f' && s.dtype().itemsize() == 8 => {
            Value::Float(s.get::<f64>().expect("float64 scalar"))
        }
        other => other.clone(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = pyon_codec::v2::decode(text) {
        let expected = through_v2(&v);
        for pretty in [false, true] {
            let mut out = String::new();
            if pyon_codec::v2::encode_into(&mut out, &v, pretty).is_ok() {
                let back = pyon_codec::v2::decode(&out).expect("our own encoding decodes");
                assert_eq!(back, expected, "v2 round trip changed the value: {out}");
            }
        }
        // The other codec must not panic on it either.
        let _ = pyon_codec::v1::encode(&v).map(|t| pyon_codec::v1::decode(&t));
    }
});
