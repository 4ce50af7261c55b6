//! Python objects to [`Value`], by the rules of `sipyco.pyon.encode`.
//!
//! sipyco first `wrap`s the object (every `dict`, `list` and `tuple`, subclasses included,
//! becomes a JSON object, a list or a `tuple`/`dict` tag), then `json.dumps` writes `str`,
//! `int` and `float` (subclasses included: `numpy.float64` is a float, `IntEnum` an int) and
//! hands everything else to a table looked up by *exact* type: `complex`, `bytes`, `set`,
//! `slice`, `Fraction`, `numpy.ndarray` and the numpy scalar types. Anything else is a
//! `TypeError` with sipyco's message.

use num_bigint::BigInt;
use num_complex::Complex64;
use numpy::PyReadonlyArray1;
use pyo3::exceptions::{PyAssertionError, PyRecursionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyBytes, PyComplex, PyDict, PyFloat, PyInt, PyList, PySet, PySlice, PyString, PyTuple,
};
use pyon_codec::{DType, Dict, Fraction, NdArray, NpScalar, Value};

use crate::types;

/// Converts `obj` to a value, with its weight: about how many bytes the codec will have to
/// write (used to decide whether encoding runs with the GIL released).
pub fn to_value(obj: &Bound<'_, PyAny>) -> PyResult<(Value, usize)> {
    to_value_at(obj, 0)
}

/// [`to_value`] for an object found `depth` containers deep: the depth limit counts them.
pub fn to_value_at(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<(Value, usize)> {
    let mut c = Converter {
        path: Vec::new(),
        outer_depth: depth,
        weight: 0,
    };
    let v = c.value(obj)?;
    Ok((v, c.weight))
}

/// The walk's state: the containers on the current path (when the depth limit is hit, one
/// that is already on it makes json's "Circular reference detected"), the depth of the walk's
/// start, and the weight so far.
struct Converter {
    path: Vec<usize>,
    outer_depth: usize,
    weight: usize,
}

impl Converter {
    fn value(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
        self.weight += 1;
        // The common types first, by exact type (one pointer comparison each).
        if let Ok(s) = obj.cast_exact::<PyString>() {
            return self.string(s);
        }
        if let Ok(f) = obj.cast_exact::<PyFloat>() {
            return Ok(Value::Float(f.value()));
        }
        if obj.is_exact_instance_of::<PyInt>() {
            return int(obj);
        }
        if let Ok(b) = obj.cast_exact::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if obj.is_none() {
            return Ok(Value::None);
        }
        if let Ok(l) = obj.cast_exact::<PyList>() {
            return self.nested(obj, |c| c.seq(l.iter()).map(Value::List));
        }
        if let Ok(t) = obj.cast_exact::<PyTuple>() {
            return self.nested(obj, |c| c.seq(t.iter()).map(Value::Tuple));
        }
        if let Ok(d) = obj.cast_exact::<PyDict>() {
            return self.nested(obj, |c| c.dict(d.iter()));
        }
        self.other(obj)
    }

    /// Everything but the exact common types: subclasses of what `wrap` and `json` accept by
    /// `isinstance`, then sipyco's table of exact types.
    fn other(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
        let py = obj.py();
        if let Ok(d) = obj.cast::<PyDict>() {
            // `wrap` walks `o.items()`, which follows an OrderedDict's own order.
            let items = d.call_method0(pyo3::intern!(py, "items"))?;
            let pairs = items
                .try_iter()?
                .map(|kv| kv.and_then(|kv| kv.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()))
                .collect::<PyResult<Vec<_>>>()?;
            return self.nested(obj, |c| c.dict(pairs.into_iter()));
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.nested(obj, |c| c.seq(l.iter()).map(Value::List));
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return self.nested(obj, |c| c.seq(t.iter()).map(Value::Tuple));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return self.string(s);
        }
        if obj.is_instance_of::<PyInt>() {
            return int(obj);
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return Ok(Value::Float(f.value()));
        }
        if let Ok(c) = obj.cast_exact::<PyComplex>() {
            return Ok(Value::Complex(Complex64::new(c.real(), c.imag())));
        }
        if let Ok(b) = obj.cast_exact::<PyBytes>() {
            self.weight += b.as_bytes().len();
            return Ok(Value::Bytes(b.as_bytes().to_vec()));
        }
        if let Ok(s) = obj.cast_exact::<PySet>() {
            return self.nested(obj, |c| c.seq(s.iter()).map(Value::Set));
        }
        if obj.is_exact_instance_of::<PySlice>() {
            let mut part = |name: &str| -> PyResult<Value> { self.value(&obj.getattr(name)?) };
            let (start, stop, step) = (part("start")?, part("stop")?, part("step")?);
            return Ok(Value::slice(start, stop, step));
        }
        let ty = obj.get_type();
        if ty.is(types::fraction(py)?) {
            let numer: BigInt = obj.getattr(pyo3::intern!(py, "numerator"))?.extract()?;
            let denom: BigInt = obj.getattr(pyo3::intern!(py, "denominator"))?.extract()?;
            return Fraction::new(numer, denom)
                .map(Value::from)
                .ok_or_else(|| PyValueError::new_err("Fraction with a zero denominator"));
        }
        if ty.is(types::ndarray(py)?) {
            return self.array(obj);
        }
        if obj.is_instance(types::np_generic(py)?)?
            && types::np_scalars(py)?.iter().any(|t| ty.is(&t))
        {
            return scalar(obj);
        }
        Err(not_encodable(obj))
    }

    fn string(&mut self, s: &Bound<'_, PyString>) -> PyResult<Value> {
        let s = s.to_str()?;
        self.weight += s.len();
        Ok(Value::Str(s.into()))
    }

    /// Converts a container's contents with `obj` on the path: a second visit is a cycle.
    fn nested(
        &mut self,
        obj: &Bound<'_, PyAny>,
        f: impl FnOnce(&mut Self) -> PyResult<Value>,
    ) -> PyResult<Value> {
        let id = obj.as_ptr() as usize;
        if self.outer_depth + self.path.len() >= pyon_codec::MAX_ENCODE_DEPTH {
            return Err(if self.path.contains(&id) {
                PyValueError::new_err("Circular reference detected")
            } else {
                PyRecursionError::new_err(
                    "maximum recursion depth exceeded while encoding a PYON object",
                )
            });
        }
        self.path.push(id);
        let v = stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || f(self));
        self.path.pop();
        v
    }

    fn seq<'py>(&mut self, items: impl Iterator<Item = Bound<'py, PyAny>>) -> PyResult<Vec<Value>> {
        let (lower, _) = items.size_hint();
        let mut out = Vec::with_capacity(lower);
        for item in items {
            out.push(self.value(&item)?);
        }
        Ok(out)
    }

    /// A dict: a JSON object when every key is a `str`, else a `dict` tag; either way the key
    /// `__jsonclass__` is refused with `wrap`'s `AssertionError`.
    fn dict<'py>(
        &mut self,
        items: impl Iterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>,
    ) -> PyResult<Value> {
        let (lower, _) = items.size_hint();
        let mut entries = Vec::with_capacity(lower);
        for (k, v) in items {
            let key = self.value(&k)?;
            if key.as_str() == Some("__jsonclass__") {
                return Err(PyAssertionError::new_err(()));
            }
            entries.push((key, self.value(&v)?));
        }
        // Keys of a Python dict are already distinct under Python's `==`.
        Ok(Value::Dict(Dict::from_unique_pairs(entries)))
    }

    /// `numpy.ndarray`: shape, `dtype.str` and the C-order bytes.
    fn array(&mut self, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
        let py = obj.py();
        let shape: Vec<usize> = obj.getattr(pyo3::intern!(py, "shape"))?.extract()?;
        let dtype = dtype_of(obj)?;
        let data = array_bytes(obj)?;
        self.weight += data.len();
        NdArray::new(shape, dtype, data)
            .map(Value::from)
            .map_err(|e| PyValueError::new_err(e.to_string()))
    }
}

fn int(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    match obj.extract::<i64>() {
        Ok(i) => Ok(Value::Int(i)),
        Err(_) => Ok(Value::from_bigint(obj.extract::<BigInt>()?)),
    }
}

/// A numpy scalar of one of sipyco's scalar types: `dtype.str` and its bytes.
fn scalar(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    let dtype = dtype_of(obj)?;
    let bytes = obj.call_method0(pyo3::intern!(py, "tobytes"))?;
    let data = bytes.cast::<PyBytes>()?.as_bytes().to_vec();
    NpScalar::new(dtype, data)
        .map(|s| Value::Scalar(Box::new(s)))
        .map_err(|e| PyValueError::new_err(e.to_string()))
}

fn dtype_of(obj: &Bound<'_, PyAny>) -> PyResult<DType> {
    let py = obj.py();
    let text: String = obj
        .getattr(pyo3::intern!(py, "dtype"))?
        .getattr(pyo3::intern!(py, "str"))?
        .extract()?;
    DType::parse(&text).map_err(|_| not_encodable(obj))
}

/// The array's bytes in C order: the array flattened (a view when it is C-contiguous) and viewed
/// as `uint8`, copied out of that slice. Dtypes that cannot be viewed that way go through `tobytes()`.
fn array_bytes(obj: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    let py = obj.py();
    let flat = obj
        .call_method1(pyo3::intern!(py, "reshape"), (-1,))
        .and_then(|f| f.call_method1(pyo3::intern!(py, "view"), (types::np_uint8(py)?,)));
    // `reshape(-1)` is a view of a C-contiguous array and a C-order copy of any other.
    if let Ok(flat) = flat
        && let Ok(bytes) = flat.extract::<PyReadonlyArray1<'_, u8>>()
        && let Ok(slice) = bytes.as_slice()
    {
        return Ok(slice.to_vec());
    }
    let bytes = obj.call_method0(pyo3::intern!(py, "tobytes"))?;
    Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec())
}

/// sipyco's refusal: ``TypeError: `<repr>`: Object of type `<name>` is not PYON encodable``.
fn not_encodable(obj: &Bound<'_, PyAny>) -> PyErr {
    let repr = obj
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| "<unrepresentable>".into());
    let name = obj
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!(
        "`{repr}`: Object of type `{name}` is not PYON encodable"
    ))
}
