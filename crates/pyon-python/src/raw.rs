//! The two places that read or write CPython and numpy memory directly, for speed: building
//! the encoder's `str` by copying its ASCII text into a new compact string (no UTF-8 decoding
//! pass), and reading a C-contiguous array's bytes where they lie (no copy out first).
#![allow(unsafe_code)]

use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyString;

/// `text` as a Python `str`: an ASCII text is copied straight into a new compact ASCII string
/// (what `PyUnicode_FromStringAndSize` builds too, after a decoding scan); any other goes
/// through the usual UTF-8 decoding.
pub(crate) fn new_string<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyString>> {
    if !text.is_ascii() {
        return Ok(PyString::new(py, text));
    }
    let len = pyo3::ffi::Py_ssize_t::try_from(text.len())
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("text too long for a str"))?;
    // SAFETY: the GIL is held (`py`). `PyUnicode_New(len, 127)` returns a new reference to a
    // compact ASCII string with room for `len` one-byte characters and its terminating NUL
    // already written, or NULL with an exception set (handled by `from_owned_ptr_or_err`).
    // Its data starts at `PyUnicode_1BYTE_DATA`, and we fill exactly `len` bytes from `text`,
    // which is all ASCII (< 128, as the string's kind requires) and does not overlap it.
    unsafe {
        let ptr = pyo3::ffi::PyUnicode_New(len, 127);
        let s = Bound::from_owned_ptr_or_err(py, ptr)?;
        std::ptr::copy_nonoverlapping(
            text.as_ptr(),
            pyo3::ffi::PyUnicode_1BYTE_DATA(ptr),
            text.len(),
        );
        Ok(s.cast_into_unchecked::<PyString>())
    }
}

/// The bytes of a C-contiguous array in C order, where they lie; `None` for any other layout.
///
/// The slice lives as long as the borrowed array object. It is read while this thread holds
/// a reference to the array, which keeps its data buffer alive: numpy refuses to resize or
/// free the data of an array that is referenced elsewhere.
pub(crate) fn contiguous_bytes<'a>(array: &'a Bound<'_, PyUntypedArray>) -> Option<&'a [u8]> {
    if !array.is_c_contiguous() {
        return None;
    }
    let itemsize = array.dtype().itemsize();
    let len = array
        .shape()
        .iter()
        .try_fold(itemsize, |n, &d| n.checked_mul(d))?;
    if len == 0 {
        return Some(&[]);
    }
    // SAFETY: `as_array_ptr` is the live PyArrayObject of `array` (we hold a reference, so the
    // object and its data buffer outlive `'a`). A C-contiguous array's `len` = itemsize x
    // product(shape) bytes lie in one block starting at its `data` pointer (non-null for a
    // non-empty array). The bytes are only read; u8 has no alignment or validity demands.
    unsafe {
        let data = (*array.as_array_ptr()).fields.data as *const u8;
        if data.is_null() {
            return None;
        }
        Some(std::slice::from_raw_parts(data, len))
    }
}
