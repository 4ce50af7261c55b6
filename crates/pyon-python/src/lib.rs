//! `sipyco_rs`: the PYON codec of [`pyon_codec`] as a Python module, a drop-in for `sipyco.pyon`.
//!
//! Every ARTIQ lab runs Python SiPyCo, whose PYON is slow on large datasets. This crate builds
//! the extension module `sipyco_rs._native` (with maturin: `pip install ./crates/pyon-python`);
//! the Python package `sipyco_rs` around it offers `sipyco_rs.pyon` with the functions of
//! `sipyco.pyon`, and `sipyco_rs.install()` puts them in place of sipyco's own.
//!
//! - [`encode`]`(obj, pretty=False)`, [`decode`]`(text)`, [`store_file`]`(filename, obj)` and
//!   [`load_file`]`(filename)`: the same bytes as `sipyco.pyon`, the same Python objects back,
//!   the same exception classes for unsupported values and bad text.
//! - [`to_text`] writes compact PYON (the wire form) straight from Python objects;
//!   [`to_value`] turns Python objects into a [`pyon_codec::Value`] with Python's encoding rules
//!   (`sipyco.pyon.wrap` and `json.dumps`) for the rare rest and for pretty output;
//!   [`from_text`] parses text straight into Python objects as `json.loads` with sipyco's
//!   `object_hook` does; [`errors`] maps failures to the Python exceptions sipyco raises.
//! - The pure Rust work runs with the GIL released when it is large: base64 of array data
//!   (both ways), pretty encoding, file reading and writing. Parsing and compact writing build
//!   or read Python objects as they go, so they hold it. The module `raw` holds the few `unsafe`
//!   blocks (building `str`s in place, reading array memory, untracking tuples).
//!
//! ```python
//! from sipyco_rs import pyon
//! text = pyon.encode({"a": (1, 2.5)})   # '{"a":{"__jsonclass__":["tuple",[[1,2.5]]]}}'
//! assert pyon.decode(text) == {"a": (1, 2.5)}
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod errors;
pub mod from_text;
mod from_text_keys;
mod from_text_tags;
mod raw;
pub mod to_text;
pub mod to_value;
mod types;

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// Pure Rust work on at least this many bytes (base64 text, array data, a value's weight) runs
/// with the GIL released; below it, releasing and taking back the GIL costs more than it frees.
pub(crate) const DETACH_BYTES: usize = 1 << 16;

/// Stack that must be left before a conversion goes one container deeper (enough for several
/// levels of a debug build); when less is left, the walk continues on a new segment.
pub(crate) const STACK_RED_ZONE: usize = 256 * 1024;
/// Size of such a new stack segment.
pub(crate) const STACK_SEGMENT: usize = 4 << 20;

/// `sipyco.pyon.encode(x, pretty=False)`: the PYON v2 text of `obj`.
///
/// Raises `TypeError` for a value sipyco cannot encode, `AssertionError` for a dict holding the
/// key `__jsonclass__`, `ValueError` for a reference cycle and `RecursionError` for nesting
/// deeper than the codec allows.
#[pyfunction]
#[pyo3(signature = (obj, pretty = false))]
pub fn encode<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    pretty: bool,
) -> PyResult<Bound<'py, PyString>> {
    if !pretty {
        return to_text::encode_compact(obj);
    }
    let (value, weight) = to_value::to_value(obj)?;
    let run = move || pyon_codec::encode_pretty(&value);
    let text = if weight >= DETACH_BYTES {
        py.detach(run)
    } else {
        run()
    };
    raw::new_string(py, &text.map_err(|e| errors::encode_error(&e))?)
}

/// `sipyco.pyon.decode(s)`: the Python value of the PYON v2 text `text`.
///
/// Raises what `json.loads` with sipyco's hook raises: `json.JSONDecodeError` for bad text,
/// `TypeError` for an unknown type tag, `ValueError` for a bad array, `RecursionError` for
/// nesting too deep.
#[pyfunction]
pub fn decode<'py>(py: Python<'py>, text: &Bound<'py, PyString>) -> PyResult<Bound<'py, PyAny>> {
    let s = text.to_str()?;
    from_text::decode(py, s).map_err(|f| errors::decode_failure(py, f, text))
}

/// `sipyco.pyon.store_file(filename, x)`: writes pretty PYON v2 atomically (a temporary file in
/// the same directory, flushed, synced, renamed over `filename`).
#[pyfunction]
pub fn store_file(py: Python<'_>, filename: PathBuf, obj: &Bound<'_, PyAny>) -> PyResult<()> {
    let (value, _) = to_value::to_value(obj)?;
    py.detach(move || pyon_codec::store_file(&filename, &value))
        .map_err(|e| errors::encode_error(&e))
}

/// `sipyco.pyon.load_file(filename)`: decodes the PYON v2 file `filename` (UTF-8).
#[pyfunction]
pub fn load_file(py: Python<'_>, filename: PathBuf) -> PyResult<Bound<'_, PyAny>> {
    let text = py.detach(|| std::fs::read_to_string(&filename))?;
    from_text::decode(py, &text)
        .map_err(|f| errors::decode_failure(py, f, &PyString::new(py, &text)))
}

/// The extension module `sipyco_rs._native`; the package `sipyco_rs` re-exports it.
#[pymodule]
#[pyo3(name = "_native")]
fn native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(encode, m)?)?;
    m.add_function(wrap_pyfunction!(decode, m)?)?;
    m.add_function(wrap_pyfunction!(store_file, m)?)?;
    m.add_function(wrap_pyfunction!(load_file, m)?)?;
    Ok(())
}
