//! The embedded interpreter: started once, with the lab's environment, and the Python half of
//! this crate (`python/support.py`) loaded into it.

use std::ffi::CString;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

/// The Python source of the support module.
const SUPPORT: &str = include_str!("../python/support.py");

/// The support module and what it looked up at start-up.
pub(crate) struct Support {
    /// The module `sipyco_rs_rexec`.
    pub module: Py<PyModule>,
    /// `collections.OrderedDict`.
    pub ordered_dict: Py<PyAny>,
    /// `fractions.Fraction`.
    pub fraction: Py<PyAny>,
    /// `_thread.get_ident`.
    pub get_ident: Py<PyAny>,
    /// The support module's `add_code(namespace, code)`.
    pub add_code: Py<PyAny>,
    /// The support module's `call(namespace, function, args, kwargs)`.
    pub call: Py<PyAny>,
}

static SUPPORT_MODULE: PyOnceLock<Result<Support, String>> = PyOnceLock::new();

/// numpy, if it can be imported (looked up once).
static NUMPY: PyOnceLock<Option<Py<PyModule>>> = PyOnceLock::new();

fn load(py: Python<'_>) -> PyResult<Support> {
    let code = CString::new(SUPPORT)
        .map_err(|_| pyo3::exceptions::PyValueError::new_err("nul in support module"))?;
    let module = PyModule::from_code(py, &code, c"<sipyco_rs_rexec>", c"sipyco_rs_rexec")?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("sipyco_rs_rexec", &module)?;
    module.call_method0("honour_environment")?;
    py.import("faulthandler")?.call_method0("enable")?;
    Ok(Support {
        ordered_dict: py.import("collections")?.getattr("OrderedDict")?.unbind(),
        fraction: py.import("fractions")?.getattr("Fraction")?.unbind(),
        get_ident: py.import("_thread")?.getattr("get_ident")?.unbind(),
        add_code: module.getattr("add_code")?.unbind(),
        call: module.getattr("call")?.unbind(),
        module: module.unbind(),
    })
}

/// The support module, loading it on first use. A failure to load (a broken Python
/// installation) is reported on every use as a `RuntimeError`.
pub(crate) fn support(py: Python<'_>) -> PyResult<&Support> {
    SUPPORT_MODULE
        .get_or_init(py, || {
            load(py).map_err(|e| format!("cannot start the embedded Python: {e}"))
        })
        .as_ref()
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.clone()))
}

/// numpy, or `None` when the environment has none.
pub(crate) fn numpy(py: Python<'_>) -> Option<&Bound<'_, PyModule>> {
    NUMPY
        .get_or_init(py, || {
            let found = support(py)
                .ok()?
                .module
                .bind(py)
                .call_method0("numpy")
                .ok()?;
            found.cast_into::<PyModule>().ok().map(Bound::unbind)
        })
        .as_ref()
        .map(|m| m.bind(py))
}

/// Starts the embedded interpreter now (it starts on first use otherwise), with the lab's
/// environment: `PYTHONPATH` as CPython reads it, and the site-packages of an activated
/// virtualenv (`VIRTUAL_ENV`) or conda env (`CONDA_PREFIX`) first on `sys.path`.
///
/// Returns whether numpy can be imported.
pub fn start_python() -> Result<bool, crate::Error> {
    Python::attach(|py| {
        support(py).map_err(|e| crate::Error::Python(e.to_string()))?;
        Ok(numpy(py).is_some())
    })
}
