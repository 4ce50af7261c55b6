//! The Python classes the codec recognises or builds, imported once per interpreter.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyType};

static FRACTION: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static ORDERED_DICT: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NDARRAY: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NP_GENERIC: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NP_DTYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NP_UINT8: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static NP_SCALARS: PyOnceLock<Py<PyTuple>> = PyOnceLock::new();
static JSON_DECODE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The numpy scalar types that `sipyco.pyon` encodes as `npscalar` (its `_numpy_scalar`), by
/// exact type. `float64` and `str_` never get there: they are `float` and `str` subclasses,
/// which `json` writes as such.
const NP_SCALAR_NAMES: &[&str] = &[
    "bool_",
    "bytes_",
    "str_",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float16",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "timedelta64",
    "datetime64",
    "void",
];

/// `fractions.Fraction`.
pub(crate) fn fraction(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    FRACTION.import(py, "fractions", "Fraction")
}

/// `collections.OrderedDict`.
pub(crate) fn ordered_dict(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    ORDERED_DICT.import(py, "collections", "OrderedDict")
}

/// `numpy.ndarray`.
pub(crate) fn ndarray(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    NDARRAY.import(py, "numpy", "ndarray")
}

/// `numpy.generic`, the base of every numpy scalar type.
pub(crate) fn np_generic(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    NP_GENERIC.import(py, "numpy", "generic")
}

/// `numpy.dtype`.
pub(crate) fn np_dtype(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    NP_DTYPE.import(py, "numpy", "dtype")
}

/// `numpy.uint8`.
pub(crate) fn np_uint8(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    NP_UINT8.import(py, "numpy", "uint8")
}

/// The numpy scalar types of [`NP_SCALAR_NAMES`] present in this numpy.
pub(crate) fn np_scalars(py: Python<'_>) -> PyResult<&Bound<'_, PyTuple>> {
    NP_SCALARS
        .get_or_try_init(py, || -> PyResult<Py<PyTuple>> {
            let numpy = py.import("numpy")?;
            let mut found = Vec::with_capacity(NP_SCALAR_NAMES.len());
            for name in NP_SCALAR_NAMES {
                if let Ok(t) = numpy.getattr(*name) {
                    found.push(t);
                }
            }
            Ok(PyTuple::new(py, found)?.unbind())
        })
        .map(|t| t.bind(py))
}

/// `json.JSONDecodeError`.
pub(crate) fn json_decode_error(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    JSON_DECODE_ERROR.import(py, "json", "JSONDecodeError")
}
