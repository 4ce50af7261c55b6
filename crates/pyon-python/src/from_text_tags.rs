//! sipyco's `object_hook`: a decoded JSON object with the key `__jsonclass__` becomes the value
//! its tag names, built by the same constructor Python calls, with the same arguments.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple};

use crate::from_text::{b64decode, constructor, not_decodable, nparray, unpack_error};
use crate::types;

/// `name, args = d["__jsonclass__"]`, then `decode_map[name](*args)`.
pub(crate) fn construct<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
) -> PyResult<Bound<'py, PyAny>> {
    let tag = d
        .get_item(pyo3::intern!(py, "__jsonclass__"))?
        .ok_or_else(|| unpack_error(0))?;
    let [name, args] = two(&tag)?;
    let args: Vec<Bound<'py, PyAny>> = args.try_iter()?.collect::<PyResult<_>>()?;
    build(py, &name, args)
}

/// `decode_map[name](*args)`.
pub(crate) fn build<'py>(
    py: Python<'py>,
    name: &Bound<'py, PyAny>,
    args: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let Ok(name_str) = name.cast::<PyString>() else {
        return Err(not_decodable(name));
    };
    let name_str = name_str.to_str()?;
    match (name_str, args.as_slice()) {
        // The common shapes first, without a generic call.
        ("tuple", [items]) if items.is_exact_instance_of::<PyList>() => {
            Ok(items.cast::<PyList>()?.to_tuple().into_any())
        }
        ("bytes", [data]) => Ok(PyBytes::new(py, &b64decode(py, data)?).into_any()),
        ("bytes", _) => {
            // Wrong arity: Python's own b64decode says how.
            let b64 = py.import(pyo3::intern!(py, "base64"))?;
            b64.getattr(pyo3::intern!(py, "b64decode"))?
                .call1(PyTuple::new(py, &args)?)
        }
        ("nparray", [shape, dtype, data]) => nparray(py, shape, dtype, data),
        ("npscalar", [dtype, data]) => {
            let bytes = PyBytes::new(py, &b64decode(py, data)?);
            let np = py.import(pyo3::intern!(py, "numpy"))?;
            let dtype = types::np_dtype(py)?.call1((dtype,))?;
            np.call_method1(pyo3::intern!(py, "frombuffer"), (bytes, dtype))?
                .get_item(0)
        }
        ("nparray" | "npscalar", _) => Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{name_str}() takes {} positional arguments but {} were given",
            if name_str == "nparray" { 3 } else { 2 },
            args.len()
        ))),
        _ => match constructor(py, name_str)? {
            Some(make) => make.call1(PyTuple::new(py, &args)?),
            None => Err(not_decodable(name)),
        },
    }
}

/// Python's two-name unpacking of any iterable.
fn two<'py>(v: &Bound<'py, PyAny>) -> PyResult<[Bound<'py, PyAny>; 2]> {
    let items: Vec<Bound<'py, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
    let n = items.len();
    <[Bound<'py, PyAny>; 2]>::try_from(items).map_err(|_| unpack_error(n))
}
