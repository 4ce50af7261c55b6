//! Python objects straight to compact PYON v2 text, the form on the wire.
//!
//! The types that make up nearly every document (exact `str`, `int`, `float`, `bool`, `None`,
//! `list`, `tuple`, and `dict`s with `str` keys) are written here as they are met, with no
//! [`Value`] built in between. Everything else (numpy arrays and scalars, sets, bytes, slices,
//! fractions, complex numbers, dicts with other keys, subclasses) goes through [`to_value`] and
//! pyon-codec's encoder, which owns those rules; large array data is then encoded with the GIL
//! released. Both paths give the bytes of [`pyon_codec::encode`] on the same value.
//!
//! [`Value`]: pyon_codec::Value
//! [`to_value`]: crate::to_value

use pyo3::exceptions::{PyAssertionError, PyRecursionError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use pyon_codec::text::{write_json_float, write_json_str};

use crate::{DETACH_BYTES, errors, to_value};

/// The compact PYON v2 text of `obj`, as `sipyco.pyon.encode(obj)` writes it.
pub fn encode_compact(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    let mut w = Writer {
        out: String::with_capacity(256),
        path: Vec::new(),
    };
    w.value(obj)?;
    Ok(w.out)
}

/// The text so far and the containers on the current path (for the depth limit and, when it
/// is hit, to tell a reference cycle from deep nesting).
struct Writer {
    out: String,
    path: Vec<usize>,
}

impl Writer {
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
            if d.iter().all(|(k, _)| k.is_instance_of::<PyString>()) {
                self.nested(obj, |w| w.object(d))?;
            } else {
                self.fallback(obj)?;
            }
        } else {
            self.fallback(obj)?;
        }
        Ok(())
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
    /// `__jsonclass__` with an `AssertionError`).
    fn object(&mut self, d: &Bound<'_, PyDict>) -> PyResult<()> {
        self.out.push('{');
        for (i, (k, v)) in d.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            let key = k.cast::<PyString>()?.to_str()?;
            if key == "__jsonclass__" {
                return Err(PyAssertionError::new_err(()));
            }
            write_json_str(&mut self.out, key);
            self.out.push(':');
            self.value(&v)?;
        }
        self.out.push('}');
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
        let r = stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || f(self));
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
