//! Values between PYON ([`Value`]) and Python objects, exactly as PYON carries them.
//!
//! numpy arrays cross as raw bytes: Rust to Python copies the data once into a `bytearray`
//! that the new array uses as its buffer; Python to Rust copies it once out of the array's
//! buffer. Nesting is bounded ([`pyon_codec::DEFAULT_MAX_DEPTH`]), so a self-referencing
//! list fails with a `ValueError` instead of exhausting the stack.

use num_bigint::BigInt;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyComplex, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PySet,
    PySlice, PyString, PyTuple,
};
use pyon_codec::{DType, Dict, Fraction, NdArray, NpScalar, Value};

use crate::interp::{numpy, support};

/// The deepest nesting converted in either direction.
pub const MAX_DEPTH: usize = pyon_codec::DEFAULT_MAX_DEPTH;

fn too_deep() -> PyErr {
    PyValueError::new_err(format!(
        "value nested deeper than {MAX_DEPTH} levels (circular reference?)"
    ))
}

fn no_numpy() -> PyErr {
    PyTypeError::new_err("numpy arrays and scalars need numpy, which cannot be imported")
}

/// Converts a PYON value to a Python object.
pub fn to_python<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    to_py(py, value, 0)
}

/// Stack kept free before recursing, and the size of each extension when it runs short.
const RED_ZONE: usize = 128 * 1024;
const STACK_GROWTH: usize = 2 * 1024 * 1024;

fn to_py<'py>(py: Python<'py>, value: &Value, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || to_py_inner(py, value, depth))
}

fn to_py_inner<'py>(py: Python<'py>, value: &Value, depth: usize) -> PyResult<Bound<'py, PyAny>> {
    let d = depth + 1;
    Ok(match value {
        Value::None => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::BigInt(i) => (**i).clone().into_pyobject(py)?.into_any(),
        Value::Float(f) => PyFloat::new(py, *f).into_any(),
        Value::Complex(c) => PyComplex::from_doubles(py, c.re, c.im).into_any(),
        Value::Str(s) => PyString::new(py, s).into_any(),
        Value::Bytes(b) => PyBytes::new(py, b).into_any(),
        Value::List(items) => {
            let items = items
                .iter()
                .map(|v| to_py(py, v, d))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Tuple(items) => {
            let items = items
                .iter()
                .map(|v| to_py(py, v, d))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any()
        }
        Value::Dict(dict) => dict_to_py(py, dict, d)?.into_any(),
        Value::OrderedDict(dict) => {
            let pairs = dict
                .iter()
                .map(|(k, v)| PyTuple::new(py, [to_py(py, k, d)?, to_py(py, v, d)?]))
                .collect::<PyResult<Vec<_>>>()?;
            let pairs = PyList::new(py, pairs)?;
            support(py)?.ordered_dict.bind(py).call1((pairs,))?
        }
        Value::Set(items) => {
            let set = PySet::empty(py)?;
            for v in items {
                set.add(to_py(py, v, d)?)?;
            }
            set.into_any()
        }
        Value::Slice(s) => {
            let slice = py.get_type::<PySlice>();
            slice.call1((
                to_py(py, &s.start, d)?,
                to_py(py, &s.stop, d)?,
                to_py(py, &s.step, d)?,
            ))?
        }
        Value::Fraction(f) => support(py)?
            .fraction
            .bind(py)
            .call1((f.numer().clone(), f.denom().clone()))?,
        Value::Array(a) => {
            let np = numpy(py).ok_or_else(no_numpy)?;
            let data = PyByteArray::new(py, a.data());
            support(py)?.module.bind(py).call_method1(
                "array_from_bytes",
                (np, a.shape().to_vec(), a.dtype().as_str(), data),
            )?
        }
        Value::Scalar(s) => {
            let np = numpy(py).ok_or_else(no_numpy)?;
            let data = PyByteArray::new(py, s.data());
            support(py)?
                .module
                .bind(py)
                .call_method1("scalar_from_bytes", (np, s.dtype().as_str(), data))?
        }
        Value::Custom(c) => {
            return Err(PyTypeError::new_err(format!(
                "the PYON type {:?} has no Python counterpart here",
                c.name
            )));
        }
    })
}

fn dict_to_py<'py>(py: Python<'py>, dict: &Dict, depth: usize) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (k, v) in dict.iter() {
        out.set_item(to_py(py, k, depth)?, to_py(py, v, depth)?)?;
    }
    Ok(out)
}

/// Converts a Python object to a PYON value; a `TypeError` for what PYON cannot carry.
pub fn from_python(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    from_py(obj, 0)
}

fn from_py(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(too_deep());
    }
    stacker::maybe_grow(RED_ZONE, STACK_GROWTH, || from_py_inner(obj, depth))
}

fn from_py_inner(obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    let py = obj.py();
    let d = depth + 1;
    // The common exact types first; numpy scalars subclass float and int, so subclasses are
    // left for after the numpy check.
    if obj.is_none() {
        return Ok(Value::None);
    }
    if let Ok(b) = obj.cast_exact::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_exact_instance_of::<PyInt>() {
        return int_value(obj);
    }
    if obj.is_exact_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract()?));
    }
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return Ok(Value::Str(s.to_str()?.into()));
    }
    if let Ok(items) = obj.cast_exact::<PyList>() {
        return items
            .iter()
            .map(|v| from_py(&v, d))
            .collect::<PyResult<_>>()
            .map(Value::List);
    }
    if let Ok(items) = obj.cast_exact::<PyTuple>() {
        return items
            .iter()
            .map(|v| from_py(&v, d))
            .collect::<PyResult<_>>()
            .map(Value::Tuple);
    }
    if let Ok(dict) = obj.cast_exact::<PyDict>() {
        return dict_from_py(dict, d).map(Value::Dict);
    }
    if let Some(np) = numpy(py) {
        if obj.is_instance(&np.getattr("ndarray")?)? {
            return array_from_py(np, obj);
        }
        if obj.is_instance(&np.getattr("generic")?)? {
            return scalar_from_py(np, obj);
        }
    }
    let s = support(py)?;
    if obj.is_instance(s.ordered_dict.bind(py))? {
        return dict_from_py(obj.cast::<PyDict>()?, d).map(Value::OrderedDict);
    }
    if obj.is_instance(s.fraction.bind(py))? {
        let numer: BigInt = obj.getattr("numerator")?.extract()?;
        let denom: BigInt = obj.getattr("denominator")?.extract()?;
        return Fraction::new(numer, denom)
            .map(|f| Value::Fraction(Box::new(f)))
            .ok_or_else(|| PyValueError::new_err("fraction with denominator zero"));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        return int_value(obj);
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract()?));
    }
    if let Ok(c) = obj.cast::<PyComplex>() {
        return Ok(Value::Complex(num_complex::Complex64::new(
            c.real(),
            c.imag(),
        )));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Str(s.to_str()?.into()));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Value::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(items) = obj.cast::<PyList>() {
        return items
            .iter()
            .map(|v| from_py(&v, d))
            .collect::<PyResult<_>>()
            .map(Value::List);
    }
    if let Ok(items) = obj.cast::<PyTuple>() {
        return items
            .iter()
            .map(|v| from_py(&v, d))
            .collect::<PyResult<_>>()
            .map(Value::Tuple);
    }
    if let Ok(dict) = obj.cast::<PyDict>() {
        return dict_from_py(dict, d).map(Value::Dict);
    }
    if let Ok(set) = obj.cast::<PySet>() {
        return set
            .iter()
            .map(|v| from_py(&v, d))
            .collect::<PyResult<_>>()
            .map(Value::Set);
    }
    if let Ok(set) = obj.cast::<PyFrozenSet>() {
        return set
            .iter()
            .map(|v| from_py(&v, d))
            .collect::<PyResult<_>>()
            .map(Value::Set);
    }
    if let Ok(slice) = obj.cast::<PySlice>() {
        return Ok(Value::slice(
            from_py(&slice.getattr("start")?, d)?,
            from_py(&slice.getattr("stop")?, d)?,
            from_py(&slice.getattr("step")?, d)?,
        ));
    }
    Err(PyTypeError::new_err(format!(
        "Object of type {} is not PYON encodable",
        obj.get_type().name()?
    )))
}

fn int_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    match obj.extract::<i64>() {
        Ok(i) => Ok(Value::Int(i)),
        Err(_) => Ok(Value::from_bigint(obj.extract::<BigInt>()?)),
    }
}

fn dict_from_py(dict: &Bound<'_, PyDict>, depth: usize) -> PyResult<Dict> {
    let mut pairs = Vec::with_capacity(dict.len());
    for (k, v) in dict.iter() {
        pairs.push((from_py(&k, depth)?, from_py(&v, depth)?));
    }
    Ok(Dict::from_unique_pairs(pairs))
}

fn bad_dtype(e: impl std::fmt::Display) -> PyErr {
    PyTypeError::new_err(format!("not PYON encodable: {e}"))
}

fn array_from_py(np: &Bound<'_, PyModule>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    let parts = support(py)?
        .module
        .bind(py)
        .call_method1("array_parts", (np, obj))?;
    let (shape, dtype, bytes): (Vec<usize>, String, Bound<'_, PyAny>) = parts.extract()?;
    let dtype = DType::parse(&dtype).map_err(bad_dtype)?;
    let data = pyo3::buffer::PyBuffer::<u8>::get(&bytes)?.to_vec(py)?;
    let array = NdArray::new(shape, dtype, data).map_err(bad_dtype)?;
    Ok(Value::Array(Box::new(array)))
}

fn scalar_from_py(np: &Bound<'_, PyModule>, obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    let py = obj.py();
    let parts = support(py)?
        .module
        .bind(py)
        .call_method1("scalar_parts", (np, obj))?;
    let (dtype, bytes): (String, Vec<u8>) = parts.extract()?;
    let dtype = DType::parse(&dtype).map_err(bad_dtype)?;
    let scalar = NpScalar::new(dtype, bytes).map_err(bad_dtype)?;
    Ok(Value::Scalar(Box::new(scalar)))
}
