//! The driver, seen from both sides: [`Serialised`] serves it over RPC with calls one at a
//! time, and [`controller_driver`] makes the Python object whose methods call it.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyon_codec::{Dict, Value};
use rpc_core::{CallFuture, MethodInfo, RpcError, Target};
use tokio::runtime::Handle;
use tokio::sync::Mutex;

use crate::convert::{from_python, to_python};
use crate::interp::support;

/// The driver target with one lock around its calls, shared by RPC clients of the driver
/// target and by Python code calling `controller_driver`: the driver sees one call at a time,
/// as under Python's server, while remote-execution code runs in parallel.
pub(crate) struct Serialised {
    target: Arc<dyn Target>,
    lock: Mutex<()>,
}

impl Serialised {
    pub(crate) fn new(target: Arc<dyn Target>) -> Self {
        Serialised {
            target,
            lock: Mutex::new(()),
        }
    }
}

impl Target for Serialised {
    fn type_name(&self) -> &str {
        self.target.type_name()
    }
    fn docstring(&self) -> Option<&str> {
        self.target.docstring()
    }
    fn methods(&self) -> Vec<MethodInfo> {
        self.target.methods()
    }
    fn method_names(&self) -> Vec<String> {
        self.target.method_names()
    }
    fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a> {
        Box::pin(async move {
            let _one_at_a_time = self.lock.lock().await;
            self.target.call(name, args, kwargs).await
        })
    }
}

/// The Rust callable behind `controller_driver`'s methods.
#[pyclass(frozen, name = "DriverInvoke", module = "sipyco_rs_rexec")]
struct DriverInvoke {
    driver: Arc<Serialised>,
    runtime: Handle,
}

#[pymethods]
impl DriverInvoke {
    /// Calls the driver method `name`; the Python thread waits without the GIL.
    fn __call__(
        &self,
        py: Python<'_>,
        name: String,
        args: &Bound<'_, PyTuple>,
        kwargs: &Bound<'_, PyDict>,
    ) -> PyResult<Py<PyAny>> {
        let args = args
            .iter()
            .map(|a| from_python(&a))
            .collect::<PyResult<Vec<_>>>()?;
        let mut kw = Dict::with_capacity(kwargs.len());
        for (k, v) in kwargs.iter() {
            kw.insert(from_python(&k)?, from_python(&v)?);
        }
        let driver = self.driver.clone();
        let runtime = self.runtime.clone();
        let result = py.detach(move || runtime.block_on(driver.call(&name, args, kw)));
        match result {
            Ok(value) => Ok(to_python(py, &value)?.unbind()),
            Err(e) => Err(raise(py, &e)),
        }
    }
}

/// The Python exception for an [`RpcError`] of the driver: a built-in class raises itself
/// (`ValueError`), anything else `GenericRemoteException` with the same message.
fn raise(py: Python<'_>, e: &RpcError) -> PyErr {
    let made = support(py).and_then(|s| {
        s.module
            .bind(py)
            .call_method1("make_exception", (e.class(), e.message()))
    });
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(err) => err,
    }
}

/// Builds the `controller_driver` object for `driver`.
pub(crate) fn controller_driver<'py>(
    py: Python<'py>,
    driver: Arc<Serialised>,
    runtime: Handle,
) -> PyResult<Bound<'py, PyAny>> {
    let names: Vec<String> = driver
        .method_names()
        .into_iter()
        .filter(|n| !n.starts_with("__"))
        .collect();
    let type_name = driver.type_name().to_owned();
    let invoke = Bound::new(py, DriverInvoke { driver, runtime })?;
    support(py)?
        .module
        .bind(py)
        .call_method1("ControllerDriver", (invoke, names, type_name))
}
