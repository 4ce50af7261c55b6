//! Python objects straight to compact PYON v2 text, the form on the wire.
//!
//! The types that make up nearly every document (exact `str`, `int`, `float`, `bool`, `None`,
//! `list`, `tuple`, `dict`, `set`, `complex`, `bytes`, `slice`, `Fraction` and C-contiguous
//! numpy arrays) are written here as they are met, with no [`Value`] built in between; the
//! base64 of large `bytes` and arrays is encoded straight into the final `str` with the GIL
//! released. Everything else (numpy scalars, subclasses, big fractions, other array layouts)
//! goes through [`to_value`] and pyon-codec's encoder, which owns those rules. Both paths give
//! the bytes of [`pyon_codec::encode`] on the same value.
//!
//! [`Value`]: pyon_codec::Value
//! [`to_value`]: crate::to_value

use numpy::{PyArrayDescr, PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyAssertionError, PyRecursionError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyComplex, PyDict, PyFloat, PyInt, PyList, PySet, PySlice, PyString, PyTuple,
};
use pyon_codec::DType;
use pyon_codec::text::{write_json_float, write_json_str};

use std::cell::Cell;

use crate::{DETACH_BYTES, errors, raw, to_value, types};

/// The compact opening of a wire-form tag, up to its arguments.
macro_rules! tag {
    ($name:literal) => {
        concat!("{\"__jsonclass__\":[\"", $name, "\",[")
    };
}

/// The bytes of a deferred blob, read again when the final string is built (Python code run
/// by the encoding since, such as an `items()` method, cannot have left them dangling).
fn blob_bytes<'a>(owner: &'a Bound<'_, PyAny>) -> PyResult<&'a [u8]> {
    if let Ok(b) = owner.cast::<PyBytes>() {
        return Ok(b.as_bytes());
    }
    owner
        .cast::<PyUntypedArray>()
        .ok()
        .and_then(raw::contiguous_bytes)
        .ok_or_else(|| PyRuntimeError::new_err("array changed during encoding"))
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

thread_local! {
    /// The text buffer of the last encoding on this thread, kept (when not too large) so that
    /// the next one writes into memory that is already mapped rather than growing a new one.
    static BUFFER: Cell<String> = const { Cell::new(String::new()) };
}

/// How many array dtypes a writer remembers the text of.
const DTYPE_CACHE: usize = 16;

/// Slots of the writer's key cache, and the longest key it keeps.
const KEY_SLOTS: usize = 256;
const MAX_CACHED_KEY: usize = 64;
/// Keys written before the cache is set up.
const KEYS_BEFORE_CACHE: usize = 64;

/// A buffer up to this capacity is kept for the next encoding; a larger one is freed.
const KEEP_BUFFER: usize = 4 << 20;

/// The compact PYON v2 text of `obj`, as `sipyco.pyon.encode(obj)` writes it.
pub fn encode_compact<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    // An encoding that runs Python code which encodes again finds the buffer taken and
    // starts a new one.
    let mut out = BUFFER.take();
    out.clear();
    let mut w = Writer {
        out,
        path: Vec::new(),
        dtypes: Vec::new(),
        blobs: Vec::new(),
        keys: Vec::new(),
        keys_written: 0,
    };
    let text = w.value(obj).and_then(|()| w.finish(obj.py()));
    if w.out.capacity() <= KEEP_BUFFER {
        BUFFER.set(w.out);
    }
    text
}

/// The text so far and the containers on the current path (for the depth limit and, when it
/// is hit, to tell a reference cycle from deep nesting).
struct Writer {
    out: String,
    path: Vec<usize>,
    /// `dtype.str` of the array dtypes met so far (numpy formats it anew on each access); the
    /// descriptor is held, so its address names it for as long as the writer lives.
    dtypes: Vec<(Py<PyArrayDescr>, Option<String>)>,
    /// Large `bytes` and arrays whose base64 belongs at a byte offset of `out`, written only
    /// when the final string is built (see [`raw::new_string_with`]).
    blobs: Vec<(usize, Py<PyAny>)>,
    /// Recent `str` keys: the key object's address (held), and its written text.
    keys: Vec<(usize, Option<Py<PyAny>>, String)>,
    /// Keys written so far, cached or not.
    keys_written: usize,
}

impl Writer {
    /// The text as a Python `str`, with the deferred blobs' base64 in place.
    fn finish<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        if self.blobs.is_empty() {
            return raw::new_string(py, &self.out);
        }
        let mut blobs = Vec::with_capacity(self.blobs.len());
        for (at, owner) in &self.blobs {
            blobs.push((*at, blob_bytes(owner.bind(py))?));
        }
        raw::new_string_with(py, &self.out, &blobs)
    }

    fn value(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        if let Ok(s) = obj.cast_exact::<PyString>() {
            write_json_str(&mut self.out, s.to_str()?);
        } else if let Ok(f) = obj.cast_exact::<PyFloat>() {
            write_json_float(&mut self.out, f.value());
        } else if obj.is_exact_instance_of::<PyInt>() {
            match obj.extract::<i64>() {
                Ok(i) => self.out.push_str(itoa::Buffer::new().format(i)),
                Err(_) => self.fallback(obj)?,
            }
        } else if let Ok(b) = obj.cast_exact::<PyBool>() {
            self.out
                .push_str(if b.is_true() { "true" } else { "false" });
        } else if obj.is_none() {
            self.out.push_str("null");
        } else if let Ok(l) = obj.cast_exact::<PyList>() {
            self.nested(obj, |w| {
                w.out.push('[');
                w.items(l.iter())?;
                w.out.push(']');
                Ok(())
            })?;
        } else if let Ok(t) = obj.cast_exact::<PyTuple>() {
            self.nested(obj, |w| {
                w.out.push_str("{\"__jsonclass__\":[\"tuple\",[[");
                w.items(t.iter())?;
                w.out.push_str("]]]}");
                Ok(())
            })?;
        } else if let Ok(d) = obj.cast_exact::<PyDict>() {
            self.nested(obj, |w| {
                if !w.object(d)? {
                    w.pairs(d)?;
                }
                Ok(())
            })?;
        } else {
            self.other(obj)?;
        }
        Ok(())
    }

    /// The types of sipyco's table met often in datasets, written as they are met: `complex`,
    /// `bytes`, `set`, `slice`, `Fraction` and C-contiguous `numpy.ndarray`s (none of them can
    /// be a subclass of the types `wrap` and `json` test first). Anything unusual about them,
    /// and every other object, goes through [`Self::fallback`], which raises what sipyco raises.
    fn other(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = obj.py();
        if let Ok(c) = obj.cast_exact::<PyComplex>() {
            self.out.push_str(tag!("complex"));
            write_json_float(&mut self.out, c.real());
            self.out.push(',');
            write_json_float(&mut self.out, c.imag());
            self.out.push_str("]]}");
        } else if let Ok(b) = obj.cast_exact::<PyBytes>() {
            self.out.push_str(tag!("bytes"));
            self.base64(obj, b.as_bytes());
            self.out.push_str("]]}");
        } else if let Ok(set) = obj.cast_exact::<PySet>() {
            self.nested(obj, |w| {
                w.out.push_str(concat!(tag!("set"), "["));
                w.items(set.iter())?;
                w.out.push_str("]]]}");
                Ok(())
            })?;
        } else if obj.is_exact_instance_of::<PySlice>() {
            self.out.push_str(tag!("slice"));
            for (i, part) in [
                pyo3::intern!(py, "start"),
                pyo3::intern!(py, "stop"),
                pyo3::intern!(py, "step"),
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    self.out.push(',');
                }
                self.value(&obj.getattr(part)?)?;
            }
            self.out.push_str("]]}");
        } else {
            let ty = obj.get_type();
            let written = if ty.is(types::fraction(py)?) {
                self.fraction(obj)?
            } else if ty.is(types::ndarray(py)?) {
                self.array(obj.cast::<PyUntypedArray>()?)?
            } else {
                false
            };
            if !written {
                self.fallback(obj)?;
            }
        }
        Ok(())
    }

    /// A `Fraction` whose terms fit in 64 bits, reduced as pyon-codec's `Fraction` reduces it;
    /// `false`, with nothing written, for any other.
    fn fraction(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = obj.py();
        // An exact Fraction's `numerator` and `denominator` are properties (Python code)
        // returning its `_numerator` and `_denominator` slots; read the slots when present.
        let (numer, denom) = match (
            obj.getattr(pyo3::intern!(py, "_numerator")),
            obj.getattr(pyo3::intern!(py, "_denominator")),
        ) {
            (Ok(n), Ok(d)) => (n, d),
            _ => (
                obj.getattr(pyo3::intern!(py, "numerator"))?,
                obj.getattr(pyo3::intern!(py, "denominator"))?,
            ),
        };
        let (numer, denom) = (numer.extract::<i64>(), denom.extract::<i64>());
        let (Ok(numer), Ok(denom)) = (numer, denom) else {
            return Ok(false);
        };
        if denom == 0 {
            return Ok(false);
        }
        let (mut numer, mut denom) = (i128::from(numer), i128::from(denom));
        let g = gcd(numer.unsigned_abs(), denom.unsigned_abs());
        // Both terms are at most 2^63 in size, so is `g`, and the quotients fit.
        numer /= g as i128;
        denom /= g as i128;
        if denom < 0 {
            numer = -numer;
            denom = -denom;
        }
        self.out.push_str(tag!("Fraction"));
        self.out.push_str(itoa::Buffer::new().format(numer));
        self.out.push(',');
        self.out.push_str(itoa::Buffer::new().format(denom));
        self.out.push_str("]]}");
        Ok(true)
    }

    /// A C-contiguous array whose dtype pyon-codec knows, its base64 written from the array's
    /// own memory; `false`, with nothing written, for any other.
    fn array(&mut self, array: &Bound<'_, PyUntypedArray>) -> PyResult<bool> {
        let py = array.py();
        let Some(data) = raw::contiguous_bytes(array) else {
            return Ok(false);
        };
        let descr = array.dtype();
        let at = match self.dtypes.iter().position(|(d, _)| d.is(&descr)) {
            Some(at) => at,
            None => {
                let text = descr.getattr(pyo3::intern!(py, "str"))?;
                let known = text
                    .extract::<String>()
                    .ok()
                    .filter(|t| DType::parse(t).is_ok_and(|d| d.itemsize() == descr.itemsize()));
                if self.dtypes.len() >= DTYPE_CACHE {
                    // Many distinct descriptors (string arrays may each have their own):
                    // start over rather than search a long list.
                    self.dtypes.clear();
                }
                self.dtypes.push((descr.unbind(), known));
                self.dtypes.len() - 1
            }
        };
        let Some((_, Some(text))) = self.dtypes.get(at) else {
            return Ok(false);
        };
        self.out.push_str(concat!(tag!("nparray"), "["));
        for (i, d) in array.shape().iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.out.push_str(itoa::Buffer::new().format(*d));
        }
        self.out.push_str("],");
        write_json_str(&mut self.out, text);
        self.out.push(',');
        self.base64(array.as_any(), data);
        self.out.push_str("]]}");
        Ok(true)
    }

    /// `data` (the contents of `owner`) as a quoted base64 string; large data is only noted
    /// here, and encoded straight into the final string.
    fn base64(&mut self, owner: &Bound<'_, PyAny>, data: &[u8]) {
        self.out.push('"');
        if data.len() >= DETACH_BYTES {
            self.blobs.push((self.out.len(), owner.clone().unbind()));
        } else {
            base64_simd::STANDARD.encode_append(data, &mut self.out);
        }
        self.out.push('"');
    }

    fn items<'py>(&mut self, items: impl Iterator<Item = Bound<'py, PyAny>>) -> PyResult<()> {
        for (i, item) in items.enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.value(&item)?;
        }
        Ok(())
    }

    /// A dict whose keys are all `str`: a JSON object (sipyco's `wrap` refuses the key
    /// `__jsonclass__` with an `AssertionError`). Written in one pass, without looking at the
    /// keys first: at the first key that is not a `str`, what was written for the dict is
    /// taken back and `false` returned, for the caller to write the `dict` tag. The values
    /// before that key come first in the tag too, so any error they raise is the same.
    fn object(&mut self, d: &Bound<'_, PyDict>) -> PyResult<bool> {
        let (start, blobs) = (self.out.len(), self.blobs.len());
        self.out.push('{');
        for (i, (k, v)) in d.iter().enumerate() {
            let Ok(k) = k.cast::<PyString>() else {
                self.out.truncate(start);
                self.blobs.truncate(blobs);
                return Ok(false);
            };
            if i > 0 {
                self.out.push(',');
            }
            self.key(k)?;
            self.out.push(':');
            self.value(&v)?;
        }
        self.out.push('}');
        Ok(true)
    }

    /// A `str` key of a JSON object, through the cache of recent keys: a dataset repeats a few
    /// key objects many times, and a hit costs one comparison and one copy.
    fn key(&mut self, k: &Bound<'_, PyString>) -> PyResult<()> {
        let id = k.as_ptr() as usize;
        let at = ((id >> 4) ^ (id >> 13)) % KEY_SLOTS;
        if let Some((cached, _, text)) = self.keys.get(at)
            && *cached == id
        {
            self.out.push_str(text);
            return Ok(());
        }
        let key = k.to_str()?;
        if key == "__jsonclass__" {
            return Err(PyAssertionError::new_err(()));
        }
        let start = self.out.len();
        write_json_str(&mut self.out, key);
        self.keys_written += 1;
        // Small documents (RPC messages) would not repay filling the table.
        if key.len() <= MAX_CACHED_KEY && self.keys_written > KEYS_BEFORE_CACHE {
            if self.keys.is_empty() {
                self.keys
                    .resize_with(KEY_SLOTS, || (0, None, String::new()));
            }
            if let Some(slot) = self.keys.get_mut(at) {
                // The held reference keeps the key alive, so no other object can take its
                // address while the writer lives.
                slot.0 = id;
                slot.1 = Some(k.clone().into_any().unbind());
                slot.2.clear();
                slot.2.push_str(self.out.get(start..).unwrap_or_default());
            }
        }
        Ok(())
    }

    /// A dict with a key that is not a `str`: a `dict` tag of `[key, value]` pairs, each key
    /// written (and, when it is a `str`, checked for `__jsonclass__`) before its value, as
    /// `wrap` does.
    fn pairs(&mut self, d: &Bound<'_, PyDict>) -> PyResult<()> {
        self.out.push_str(concat!(tag!("dict"), "["));
        for (i, (k, v)) in d.iter().enumerate() {
            self.out.push_str(if i > 0 { ",[" } else { "[" });
            self.value(&k)?;
            if let Ok(key) = k.cast::<PyString>()
                && key.to_str()? == "__jsonclass__"
            {
                return Err(PyAssertionError::new_err(()));
            }
            self.out.push(',');
            self.value(&v)?;
            self.out.push(']');
        }
        self.out.push_str("]]]}");
        Ok(())
    }

    /// Writes a container with `obj` on the path, on a fresh stack segment when the stack runs
    /// low. At the depth limit, a container already on the path is json's "Circular reference
    /// detected", anything else a `RecursionError`.
    fn nested(
        &mut self,
        obj: &Bound<'_, PyAny>,
        f: impl FnOnce(&mut Self) -> PyResult<()>,
    ) -> PyResult<()> {
        let id = obj.as_ptr() as usize;
        if self.path.len() >= pyon_codec::MAX_ENCODE_DEPTH {
            return Err(if self.path.contains(&id) {
                PyValueError::new_err("Circular reference detected")
            } else {
                PyRecursionError::new_err(
                    "maximum recursion depth exceeded while encoding a PYON object",
                )
            });
        }
        self.path.push(id);
        // The stack is looked at every few levels (a level takes far less than the red zone).
        let r = if self.path.len() % 8 == 1 {
            stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || f(self))
        } else {
            f(self)
        };
        self.path.pop();
        r
    }

    /// Any other object: built as a value by Python's rules and written by pyon-codec.
    fn fallback(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<()> {
        let (value, weight) = to_value::to_value_at(obj, self.path.len())?;
        let out = &mut self.out;
        if weight >= DETACH_BYTES {
            // Mostly array data, written as base64: 4 characters for 3 bytes, grown once.
            out.reserve(weight / 3 * 4 + 256);
        }
        let written = if weight >= DETACH_BYTES {
            obj.py()
                .detach(|| pyon_codec::v2::encode_into(out, &value, false))
        } else {
            pyon_codec::v2::encode_into(out, &value, false)
        };
        written.map_err(|e| errors::encode_error(&e))
    }
}
