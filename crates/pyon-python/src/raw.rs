//! The two places that read or write CPython and numpy memory directly, for speed: building
//! the encoder's `str` by copying its ASCII text into a new compact string (no UTF-8 decoding
//! pass), and reading a C-contiguous array's bytes where they lie (no copy out first).
#![allow(unsafe_code)]

use std::mem::MaybeUninit;

use base64_simd::Out;
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple, PyTupleMethods};

/// `text` as a Python `str`: an ASCII text is copied straight into a new compact ASCII string
/// (what `PyUnicode_FromStringAndSize` builds too, after a decoding scan); any other goes
/// through the usual UTF-8 decoding.
pub(crate) fn new_string<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyString>> {
    let len = pyo3::ffi::Py_ssize_t::try_from(text.len())
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("text too long for a str"))?;
    // SAFETY: the GIL is held (`py`). `PyUnicode_New(len, 127)` returns a new reference to a
    // compact ASCII string with room for `len` one-byte characters and its terminating NUL
    // already written, or NULL with an exception set (handled by `from_owned_ptr_or_err`).
    // Its `len` data bytes start at `PyUnicode_1BYTE_DATA`, not yet initialised (hence
    // `MaybeUninit`), and do not overlap `text`; nothing else refers to the new string yet.
    let (s, buf) = unsafe {
        let ptr = pyo3::ffi::PyUnicode_New(len, 127);
        let s = Bound::from_owned_ptr_or_err(py, ptr)?;
        let data = pyo3::ffi::PyUnicode_1BYTE_DATA(ptr).cast::<MaybeUninit<u8>>();
        (s, std::slice::from_raw_parts_mut(data, text.len()))
    };
    // One pass copies the text and finds whether it is ASCII, as the string's kind requires.
    if copy(buf, text.as_bytes()) >= 0x80 {
        // Dropped with its data unread: deallocating a str looks only at its header.
        drop(s);
        return Ok(PyString::new(py, text));
    }
    // SAFETY: every byte is now written, and all are ASCII.
    Ok(unsafe { s.cast_into_unchecked::<PyString>() })
}

/// `text` with the base64 of each `(offset, data)` of `blobs` inserted at its byte offset (in
/// increasing order), as a Python `str`: large data is encoded straight into the string, with
/// the GIL released, so that its text is written once and never copied.
pub(crate) fn new_string_with<'py>(
    py: Python<'py>,
    text: &str,
    blobs: &[(usize, &[u8])],
) -> PyResult<Bound<'py, PyString>> {
    let b64 = base64_simd::STANDARD;
    let total = blobs.iter().try_fold(text.len(), |n, (_, d)| {
        n.checked_add(b64.encoded_length(d.len()))
    });
    let (Some(total), true) = (total, text.is_ascii()) else {
        let mut whole = String::new();
        fill_string(&mut whole, text, blobs)?;
        return new_string(py, &whole);
    };
    let len = pyo3::ffi::Py_ssize_t::try_from(total)
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("text too long for a str"))?;
    // SAFETY: as in `new_string`: a new compact ASCII string of `total` characters (or an
    // exception), whose `total` data bytes start at `PyUnicode_1BYTE_DATA`; they are not yet
    // initialised, hence viewed as `MaybeUninit`, and nothing else refers to the new string
    // until we return it, so the exclusive slice may be used with the GIL released.
    let (s, buf) = unsafe {
        let ptr = pyo3::ffi::PyUnicode_New(len, 127);
        let s = Bound::from_owned_ptr_or_err(py, ptr)?;
        let data = pyo3::ffi::PyUnicode_1BYTE_DATA(ptr).cast::<MaybeUninit<u8>>();
        (s, std::slice::from_raw_parts_mut(data, total))
    };
    let filled = py.detach(|| fill(buf, text, blobs));
    if filled != Some(total) {
        return Err(pyo3::exceptions::PySystemError::new_err(
            "encoded text length mismatch",
        ));
    }
    // SAFETY: `fill` wrote all `total` bytes, each ASCII (text checked above, base64 output).
    Ok(unsafe { s.cast_into_unchecked::<PyString>() })
}

/// Writes `text` with the blobs' base64 into `buf`; the number of bytes written (`None` if
/// `buf` is too short, which the caller's exact length rules out).
fn fill(buf: &mut [MaybeUninit<u8>], text: &str, blobs: &[(usize, &[u8])]) -> Option<usize> {
    let b64 = base64_simd::STANDARD;
    let text = text.as_bytes();
    let (mut from, mut to) = (0, 0);
    for &(at, data) in blobs {
        let piece = text.get(from..at)?;
        copy(buf.get_mut(to..to + piece.len())?, piece);
        to += piece.len();
        let n = b64.encoded_length(data.len());
        let _ = b64.encode(data, Out::from_uninit_slice(buf.get_mut(to..to + n)?));
        to += n;
        from = at;
    }
    let rest = text.get(from..)?;
    copy(buf.get_mut(to..to + rest.len())?, rest);
    Some(to + rest.len())
}

/// Copies `src` into the start of `dst`; the bitwise or of all bytes copied (>= 0x80 when one
/// is not ASCII).
fn copy(dst: &mut [MaybeUninit<u8>], src: &[u8]) -> u8 {
    let mut any = 0;
    for (d, s) in dst.iter_mut().zip(src) {
        d.write(*s);
        any |= *s;
    }
    any
}

/// [`new_string_with`]'s text for a text that is not ASCII (never compact PYON, but kept exact).
fn fill_string(out: &mut String, text: &str, blobs: &[(usize, &[u8])]) -> PyResult<()> {
    let bad = || pyo3::exceptions::PySystemError::new_err("bad blob offset");
    let mut from = 0;
    for &(at, data) in blobs {
        out.push_str(text.get(from..at).ok_or_else(bad)?);
        base64_simd::STANDARD.encode_append(data, out);
        from = at;
    }
    out.push_str(text.get(from..).ok_or_else(bad)?);
    Ok(())
}

/// Stops the cycle collector from tracking a new tuple whose items it does not track (atoms
/// and untracked containers): the collector itself untracks such a tuple at its first look,
/// so this only saves it that work, on every young collection during a large decode.
pub(crate) fn untrack_atomic_tuple(t: &Bound<'_, PyTuple>) {
    // SAFETY: the GIL is held (`t` is bound). `PyObject_GC_IsTracked` only reads an item's
    // GC state, and untracking a tracked tuple (a GC type) is what CPython's own
    // `_PyTuple_MaybeUntrack` does for a tuple of untracked items.
    unsafe {
        if t.iter_borrowed()
            .any(|item| pyo3::ffi::PyObject_GC_IsTracked(item.as_ptr()) != 0)
        {
            return;
        }
        if pyo3::ffi::PyObject_GC_IsTracked(t.as_ptr()) != 0 {
            pyo3::ffi::PyObject_GC_UnTrack(t.as_ptr().cast());
        }
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
