//! The Python text layer on hostile input: `repr` and `pformat` of anything a decoder accepts
//! never panic, and the literal readers agree with the v1 decoder on every literal they read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pyon_codec::{Value, text};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok((v, _)) = pyon_codec::decode_auto(input) {
        let _ = text::repr(&v);
        let _ = text::pformat(&v);
        let _ = text::pformat_width(&v, 20);
    }
    let read = [text::number_literal(input), text::string_literal(input)];
    for (value, len) in read.into_iter().flatten().flatten() {
        let literal = input.get(..len).expect("a literal ends on a character boundary");
        let decoded = pyon_codec::v1::decode(literal).expect("the v1 decoder reads the literal");
        assert!(
            decoded == value || decoded.py_eq(&value) || matches!(value, Value::Float(x) if x.is_nan()),
            "{literal:?}: literal reader {value:?}, v1 decoder {decoded:?}"
        );
    }
});
