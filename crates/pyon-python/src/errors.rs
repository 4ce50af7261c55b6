//! Codec errors as the Python exceptions `sipyco.pyon` raises.
//!
//! Python's decoder is `json.loads` with sipyco's `object_hook`, so bad text is a
//! `json.JSONDecodeError` (a `ValueError`) with the character offset, too deep nesting a
//! `RecursionError`, an unknown type tag or arguments of the wrong type a `TypeError`,
//! `Fraction(n, 0)` a `ZeroDivisionError`, bad base64 a `binascii.Error` and any other bad
//! value (an array whose data does not fit its shape) a `ValueError`.

use pyo3::exceptions::{
    PyOSError, PyRecursionError, PyTypeError, PyValueError, PyZeroDivisionError,
};
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyon_codec::{Category, Error};

use crate::types;

/// The Python exception class for a decoding error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyClass {
    /// `json.JSONDecodeError`
    JsonDecodeError,
    /// `RecursionError`
    RecursionError,
    /// `TypeError`
    TypeError,
    /// `ValueError`
    ValueError,
    /// `ZeroDivisionError`
    ZeroDivisionError,
    /// `binascii.Error`
    BinasciiError,
    /// `OSError` (file errors)
    OsError,
}

/// Which Python exception sipyco's decoder raises where ours failed with `e`.
pub fn classify(e: &Error) -> PyClass {
    let m = e.message();
    match e.category() {
        Category::Syntax | Category::Eof if m.starts_with("nesting deeper") => {
            PyClass::RecursionError
        }
        Category::Syntax | Category::Eof => PyClass::JsonDecodeError,
        // Python keeps a lone surrogate in a str; a Rust string cannot, so the text is refused
        // as Python refuses text it cannot read.
        Category::Data if m.contains("surrogate") => PyClass::JsonDecodeError,
        Category::Io => PyClass::OsError,
        Category::Encode => PyClass::TypeError,
        Category::Data => {
            if m.contains("zero denominator") {
                PyClass::ZeroDivisionError
            } else if m.contains("invalid base64") {
                PyClass::BinasciiError
            } else if m.contains("unknown type name")
                || m.contains("unhashable")
                || m.contains(" must be ")
                || m.contains(" needs a list")
                || m.contains(" arguments, got ")
            {
                PyClass::TypeError
            } else {
                PyClass::ValueError
            }
        }
    }
}

/// The Python exception for a failure to decode `text`.
pub fn decode_error(py: Python<'_>, e: &Error, text: &Bound<'_, PyString>) -> PyErr {
    let msg = e.to_string();
    match classify(e) {
        PyClass::JsonDecodeError => {
            let pos = match (e.line(), e.column(), text.to_str()) {
                (Some(line), Some(column), Ok(s)) => char_offset(s, line, column),
                _ => 0,
            };
            match types::json_decode_error(py).and_then(|cls| cls.call1((e.message(), text, pos))) {
                Ok(exc) => PyErr::from_value(exc),
                Err(err) => err,
            }
        }
        PyClass::BinasciiError => match types::binascii_error(py).and_then(|c| c.call1((msg,))) {
            Ok(exc) => PyErr::from_value(exc),
            Err(err) => err,
        },
        class => simple(class, msg),
    }
}

/// The Python exception for a failure to encode or to write a file.
pub fn encode_error(e: &Error) -> PyErr {
    if e.category() == Category::Encode && e.message().contains("nested too deeply") {
        return PyRecursionError::new_err(e.to_string());
    }
    if e.category() == Category::Io
        && let Some(io) =
            std::error::Error::source(e).and_then(|s| s.downcast_ref::<std::io::Error>())
    {
        // pyo3 turns the kind into the matching OSError subclass (FileNotFoundError, ...).
        return PyErr::from(std::io::Error::new(io.kind(), e.to_string()));
    }
    simple(classify(e), e.to_string())
}

fn simple(class: PyClass, msg: String) -> PyErr {
    match class {
        PyClass::RecursionError => PyRecursionError::new_err(msg),
        PyClass::TypeError => PyTypeError::new_err(msg),
        PyClass::ZeroDivisionError => PyZeroDivisionError::new_err(msg),
        PyClass::OsError => PyOSError::new_err(msg),
        PyClass::ValueError | PyClass::JsonDecodeError | PyClass::BinasciiError => {
            PyValueError::new_err(msg)
        }
    }
}

/// The 0-based character offset of the 1-based `line` and `column` (in characters) in `text`,
/// which is what `json.JSONDecodeError` takes as `pos`.
pub fn char_offset(text: &str, line: usize, column: usize) -> usize {
    let mut chars_before_line = 0;
    let mut current = 1;
    for (chars, c) in text.chars().enumerate() {
        if current == line {
            chars_before_line = chars;
            break;
        }
        if c == '\n' {
            current += 1;
            if current == line {
                chars_before_line = chars + 1;
                break;
            }
        }
    }
    chars_before_line + column.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_across_lines() {
        let cases = [
            ("[1, 2", 1, 6, 5),
            ("{\n  \"a\" 1}", 2, 7, 8),
            ("\"\u{e9}\u{e9}\"x", 1, 5, 4),
            ("", 1, 1, 0),
            ("a\nb\nc", 3, 1, 4),
        ];
        for (text, line, column, want) in cases {
            assert_eq!(char_offset(text, line, column), want, "{text:?}");
        }
    }

    #[test]
    fn errors_classify_as_python_raises_them() {
        let cases = [
            ("{\"__jsonclass__\": [\"foo\", []]}", PyClass::TypeError),
            (
                "{\"__jsonclass__\": [\"nparray\", [[2], \"<f8\", \"AAAA\"]]}",
                PyClass::ValueError,
            ),
            ("[1, 2", PyClass::JsonDecodeError),
            ("{\"a\" 1}", PyClass::JsonDecodeError),
            ("(1, 2)", PyClass::JsonDecodeError),
            ("nan", PyClass::JsonDecodeError),
            ("01", PyClass::JsonDecodeError),
            ("", PyClass::JsonDecodeError),
            (
                "{\"__jsonclass__\": [\"Fraction\", [1, 0]]}",
                PyClass::ZeroDivisionError,
            ),
            (
                "{\"__jsonclass__\": [\"dict\", [[[[1], 2]]]]}",
                PyClass::TypeError,
            ),
            ("{\"__jsonclass__\": [\"tuple\", [1]]}", PyClass::TypeError),
            ("\"\\ud800\"x", PyClass::JsonDecodeError),
        ];
        for (text, want) in cases {
            let e = pyon_codec::decode(text).expect_err(text);
            assert_eq!(classify(&e), want, "{text}: {e}");
        }
        let deep = "[".repeat(200_000);
        let e = pyon_codec::decode(&deep).expect_err("deep");
        assert_eq!(classify(&e), PyClass::RecursionError);
    }
}
