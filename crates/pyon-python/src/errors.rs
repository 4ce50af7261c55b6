//! Failures as the Python exceptions `sipyco.pyon` raises.
//!
//! Python's decoder is `json.loads` with sipyco's `object_hook`: bad text is a
//! `json.JSONDecodeError` (a `ValueError`) with Python's message and character offset, too deep
//! nesting a `RecursionError`; a bad tag fails inside the Python constructor it calls, with that
//! constructor's own exception. [`classify`] names the exception sipyco raises where a
//! pyon-codec operation fails (encoding, files, and the codec's own decoder for other callers).

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

/// The Python exception for a failure of [`crate::from_text::decode`] on `text`.
pub fn decode_failure(
    py: Python<'_>,
    f: crate::from_text::Failure,
    text: &Bound<'_, PyString>,
) -> PyErr {
    match f {
        crate::from_text::Failure::Raised(e) => e,
        crate::from_text::Failure::Syntax(msg, at) => {
            let pos = text
                .to_str()
                .map(|s| s.get(..at).map_or(0, |before| before.chars().count()))
                .unwrap_or(0);
            match types::json_decode_error(py).and_then(|cls| cls.call1((msg, text, pos))) {
                Ok(exc) => PyErr::from_value(exc),
                Err(err) => err,
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

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
