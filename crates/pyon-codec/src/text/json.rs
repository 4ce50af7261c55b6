//! The leaf writers of the PYON v2 encoder, for encoders that walk another object model (the
//! Python module `sipyco_rs` of pyon-python writes Python objects without building a `Value`).
//! They append exactly what [`crate::encode`] writes for a `str` and a `float`.

/// Appends `s` as a JSON string, escaped as Python's `json.dumps(ensure_ascii=True)`.
pub fn write_json_str(out: &mut String, s: &str) {
    crate::write::write_json_str(out, s);
}

/// Appends a float as `json.dumps` writes it: Python's `repr`, or `NaN`, `Infinity`,
/// `-Infinity`.
pub fn write_json_float(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        crate::text::scalar::write_float_repr(out, x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn leaves_are_written_as_the_encoder_writes_them() {
        let strs = [
            "",
            "plain",
            "a\"b\\c\n\t\u{0}\u{7f}",
            "caf\u{e9} \u{269b} \u{1f600}",
        ];
        for s in strs {
            let mut out = String::new();
            write_json_str(&mut out, s);
            assert_eq!(out, crate::encode(&Value::str(s)).unwrap());
        }
        let floats = [
            0.0,
            -0.0,
            0.1,
            1e16,
            1e-7,
            5e-324,
            f64::INFINITY,
            -f64::INFINITY,
            f64::NAN,
        ];
        for f in floats {
            let mut out = String::new();
            write_json_float(&mut out, f);
            assert_eq!(out, crate::encode(&Value::Float(f)).unwrap());
        }
    }
}
