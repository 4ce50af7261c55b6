//! Property tests of the Python text layer: what `repr` writes, the literal readers read back
//! as the same value, and the literal readers agree with the v1 decoder on anything they accept.

use proptest::prelude::*;
use pyon_codec::{Value, text, v1};

/// Text that looks like the start of a Python number or string literal, often malformed.
fn literal_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9_.xXoObBeEjJa-f+-]{1,12}",
        "[rRbBuU]{0,2}('|\"|'''|\"\"\")[a-z0-9 'xnu\\\\\"\u{e9}\n]{0,10}('|\"|'''|\"\"\")?",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn str_repr_reads_back(s in "\\PC{0,12}|[\u{0}-\u{ff}'\"\\\\]{0,12}") {
        let r = text::str_repr(&s);
        prop_assert_eq!(text::string_literal(&r).unwrap(), Some((Value::from(s), r.len())));
    }

    #[test]
    fn bytes_repr_reads_back(b in proptest::collection::vec(any::<u8>(), 0..16)) {
        let r = text::repr(&Value::Bytes(b.clone()));
        prop_assert_eq!(text::string_literal(&r).unwrap(), Some((Value::Bytes(b), r.len())));
    }

    #[test]
    fn float_repr_reads_back(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let r = text::float_repr(x.abs());
        prop_assert_eq!(text::number_literal(&r).unwrap(), Some((Value::Float(x.abs()), r.len())));
    }

    #[test]
    fn int_repr_reads_back(i in 0..=i64::MAX) {
        let r = text::repr(&Value::Int(i));
        prop_assert_eq!(text::number_literal(&r).unwrap(), Some((Value::Int(i), r.len())));
    }

    #[test]
    fn literal_readers_agree_with_the_v1_decoder(input in literal_like()) {
        let read = [text::number_literal(&input), text::string_literal(&input)];
        for (value, len) in read.into_iter().flatten().flatten() {
            let literal = input.get(..len).unwrap();
            let decoded = v1::decode(literal).unwrap();
            prop_assert!(decoded == value || decoded.py_eq(&value), "{:?}", literal);
        }
    }
}
