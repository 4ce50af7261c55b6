//! PYON v2 decoder: never panics; whatever decodes re-encodes and decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = pyon_codec::v2::decode(text) {
        for pretty in [false, true] {
            let mut out = String::new();
            if pyon_codec::v2::encode_into(&mut out, &v, pretty).is_ok() {
                let back = pyon_codec::v2::decode(&out).expect("our own encoding decodes");
                assert_eq!(back, v, "v2 round trip changed the value: {out}");
            }
        }
        // The other codec must not panic on it either.
        let _ = pyon_codec::v1::encode(&v).map(|t| pyon_codec::v1::decode(&t));
    }
});
