//! [`Value`] to Python objects, as `sipyco.pyon.decode` builds them.
//!
//! JSON objects and `dict` tags become plain `dict`s, `OrderedDict` tags `OrderedDict`s,
//! `nparray` a numpy array that owns the decoded bytes (no copy), `npscalar` a numpy scalar,
//! `Fraction`, `slice`, `set`, `tuple`, `complex`, `bytes` and big ints their Python types.

use std::collections::HashMap;

use numpy::PyArray1;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyComplex, PyDict, PyFloat, PyList, PySet, PySlice, PyString, PyTuple,
};
use pyon_codec::{Dict, Value};

use crate::types;

/// Builds the Python object of `value`, consuming it: array data moves into numpy untouched.
pub fn to_python(py: Python<'_>, mut value: Value) -> PyResult<Bound<'_, PyAny>> {
    let mut b = Builder {
        py,
        keys: HashMap::new(),
        dtypes: HashMap::new(),
    };
    b.object(&mut value)
}

/// The build's caches: dict keys (a repeated key is one Python string, hashed once) and numpy
/// dtypes by their text.
struct Builder<'py, 'v> {
    py: Python<'py>,
    keys: HashMap<&'v str, Bound<'py, PyString>>,
    dtypes: HashMap<String, Bound<'py, PyAny>>,
}

/// Keys longer than this are not cached: long keys are rarely repeated.
const MAX_CACHED_KEY: usize = 64;

impl<'py, 'v> Builder<'py, 'v> {
    fn object(&mut self, v: &'v mut Value) -> PyResult<Bound<'py, PyAny>> {
        // Decoded values nest up to the decoder's limit; deep ones get fresh stack segments.
        stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || {
            self.build(v)
        })
    }

    fn build(&mut self, v: &'v mut Value) -> PyResult<Bound<'py, PyAny>> {
        let py = self.py;
        Ok(match v {
            Value::None => py.None().into_bound(py),
            Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
            Value::Int(i) => i.into_pyobject(py)?.into_any(),
            Value::BigInt(i) => (**i).clone().into_pyobject(py)?.into_any(),
            Value::Float(f) => PyFloat::new(py, *f).into_any(),
            Value::Complex(c) => PyComplex::from_doubles(py, c.re, c.im).into_any(),
            Value::Str(s) => PyString::new(py, s).into_any(),
            Value::Bytes(b) => PyBytes::new(py, b).into_any(),
            Value::List(items) => {
                let items = self.objects(items)?;
                PyList::new(py, items)?.into_any()
            }
            Value::Tuple(items) => {
                let items = self.objects(items)?;
                PyTuple::new(py, items)?.into_any()
            }
            Value::Set(items) => {
                let items = self.objects(items)?;
                PySet::new(py, items)?.into_any()
            }
            Value::Dict(d) => self.dict(d)?.into_any(),
            Value::OrderedDict(d) => {
                let od = types::ordered_dict(py)?.call0()?;
                for (k, v) in d.iter_mut() {
                    od.set_item(self.key(k)?, self.object(v)?)?;
                }
                od
            }
            Value::Slice(s) => {
                let (start, stop, step) = (
                    self.object(&mut s.start)?,
                    self.object(&mut s.stop)?,
                    self.object(&mut s.step)?,
                );
                py.get_type::<PySlice>().call1((start, stop, step))?
            }
            Value::Fraction(f) => {
                let (n, d) = (f.numer().clone(), f.denom().clone());
                types::fraction(py)?.call1((n, d))?
            }
            Value::Array(_) => self.array(v)?,
            Value::Scalar(s) => {
                let dtype = self.dtype(s.dtype().as_str())?;
                let data = PyBytes::new(py, s.data());
                let np = py.import(pyo3::intern!(py, "numpy"))?;
                np.call_method1(pyo3::intern!(py, "frombuffer"), (data, dtype))?
                    .get_item(0)?
            }
            Value::Custom(c) => {
                return Err(PyTypeError::new_err(format!(
                    "Object of type `{}` is not PYON decodable",
                    c.name
                )));
            }
        })
    }

    fn objects(&mut self, items: &'v mut [Value]) -> PyResult<Vec<Bound<'py, PyAny>>> {
        items.iter_mut().map(|v| self.object(v)).collect()
    }

    fn dict(&mut self, d: &'v mut Dict) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(self.py);
        for (k, v) in d.iter_mut() {
            out.set_item(self.key(k)?, self.object(v)?)?;
        }
        Ok(out)
    }

    /// A dict key: short strings through the cache, anything else built as usual.
    fn key(&mut self, k: &'v Value) -> PyResult<Bound<'py, PyAny>> {
        match k {
            Value::Str(s) if s.len() <= MAX_CACHED_KEY => {
                let py = self.py;
                Ok(self
                    .keys
                    .entry(s.as_str())
                    .or_insert_with(|| PyString::new(py, s))
                    .clone()
                    .into_any())
            }
            _ => {
                // Keys are never mutated; a clone keeps the borrow shared (keys are small).
                let mut owned = k.clone();
                let mut b = Builder {
                    py: self.py,
                    keys: HashMap::new(),
                    dtypes: HashMap::new(),
                };
                b.object(&mut owned)
            }
        }
    }

    fn dtype(&mut self, text: &str) -> PyResult<Bound<'py, PyAny>> {
        if let Some(d) = self.dtypes.get(text) {
            return Ok(d.clone());
        }
        let d = types::np_dtype(self.py)?.call1((text,))?;
        self.dtypes.insert(text.to_owned(), d.clone());
        Ok(d)
    }

    /// An array: the decoded bytes become a numpy `uint8` buffer (moved, not copied), viewed
    /// with the dtype and reshaped.
    fn array(&mut self, v: &'v mut Value) -> PyResult<Bound<'py, PyAny>> {
        let Value::Array(a) = std::mem::take(v) else {
            return Err(PyTypeError::new_err("not an array"));
        };
        let py = self.py;
        let (shape, dtype, data) = a.into_parts();
        let dtype = self.dtype(dtype.as_str())?;
        let flat = PyArray1::from_vec(py, data);
        let typed = flat.call_method1(pyo3::intern!(py, "view"), (dtype,))?;
        typed.call_method1(pyo3::intern!(py, "reshape"), (shape,))
    }
}
