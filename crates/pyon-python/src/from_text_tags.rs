//! sipyco's `object_hook`: a decoded JSON object with the key `__jsonclass__` becomes the value
//! its tag names, built by the same constructor Python calls, with the same arguments.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyInt, PyList, PyString, PyTuple};

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
        ("Fraction", [n, d]) if let Some(f) = reduced_fraction(py, n, d)? => Ok(f),
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

/// `Fraction(n, d)` for terms already in lowest form (exact ints of 64 bits, `d > 0`, no common
/// factor), which is what `Fraction` would store: the object is made with its two slots set,
/// without running `Fraction.__new__`'s Python code. `None` for any other terms.
fn reduced_fraction<'py>(
    py: Python<'py>,
    n: &Bound<'py, PyAny>,
    d: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if !n.is_exact_instance_of::<PyInt>() || !d.is_exact_instance_of::<PyInt>() {
        return Ok(None);
    }
    let (Ok(num), Ok(den)) = (n.extract::<i64>(), d.extract::<i64>()) else {
        return Ok(None);
    };
    if den <= 0 || gcd(num.unsigned_abs(), den.unsigned_abs()) != 1 {
        return Ok(None);
    }
    let fraction = types::fraction(py)?;
    let f = py
        .get_type::<PyAny>()
        .call_method1(pyo3::intern!(py, "__new__"), (fraction,))?;
    // A Python whose Fraction keeps its terms elsewhere refuses these: use the constructor.
    let set = f
        .setattr(pyo3::intern!(py, "_numerator"), n)
        .and_then(|()| f.setattr(pyo3::intern!(py, "_denominator"), d));
    Ok(set.ok().map(|()| f))
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Python's two-name unpacking of any iterable.
fn two<'py>(v: &Bound<'py, PyAny>) -> PyResult<[Bound<'py, PyAny>; 2]> {
    let items: Vec<Bound<'py, PyAny>> = v.try_iter()?.collect::<PyResult<_>>()?;
    let n = items.len();
    <[Bound<'py, PyAny>; 2]>::try_from(items).map_err(|_| unpack_error(n))
}
