//! [`Host`]: what all remote-execution connections of one controller share, and
//! [`RemoteExecServer`], the per-connection target `NAME_rexec`.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple};
use pyon_codec::{Dict, Value};
use rpc_core::{ArgSpec, CallFuture, MethodInfo, RpcError, Target};
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::convert::{from_python, to_python};
use crate::driver::{Serialised, controller_driver};
use crate::interp::{Support, support};
use crate::thread_state;

/// Python's docstring of `RemoteExecServer`, as `inspect.getdoc` gives it.
const DOCSTRING: &str = "RPC target created at each connection by controllers with remote\n\
execution support. Manages one Python namespace and provides RPCs\nfor code execution.";
const ADD_CODE_DOC: &str = "Executes the specified code in the namespace.\n\n:param code: a string containing valid Python code";
const CALL_DOC: &str = "Calls a function in the namespace, passing it positional and\n\
keyword arguments, and returns its value.\n\n:param function: a string containing the name of the function to\n    execute.";

/// The dunder methods that Python's server lists for a `RemoteExecServer` object.
const DUNDERS: &[&str] = &[
    "__class__",
    "__delattr__",
    "__dir__",
    "__eq__",
    "__format__",
    "__ge__",
    "__getattribute__",
    "__getstate__",
    "__gt__",
    "__hash__",
    "__init__",
    "__init_subclass__",
    "__le__",
    "__lt__",
    "__ne__",
    "__new__",
    "__reduce__",
    "__reduce_ex__",
    "__repr__",
    "__setattr__",
    "__sizeof__",
    "__str__",
    "__subclasshook__",
];

/// Shared by all connections of one controller.
pub(crate) struct Host {
    pub(crate) driver: Arc<Serialised>,
    /// `controller_initial_namespace`, made on first use.
    initial: PyOnceLock<Py<PyDict>>,
    /// Python thread ids of the calls running now, by call number.
    running: Mutex<HashMap<u64, u64>>,
    next_call: AtomicU64,
}

impl Host {
    pub(crate) fn new(driver: Arc<Serialised>) -> Self {
        Host {
            driver,
            initial: PyOnceLock::new(),
            running: Mutex::new(HashMap::new()),
            next_call: AtomicU64::new(0),
        }
    }

    fn initial<'py>(&self, py: Python<'py>, runtime: &Handle) -> PyResult<&Bound<'py, PyDict>> {
        let made = self.initial.get_or_try_init(py, || {
            let ns = PyDict::new(py);
            let driver = controller_driver(py, self.driver.clone(), runtime.clone())?;
            ns.set_item("controller_driver", driver)?;
            ns.set_item("controller_initial_namespace", &ns)?;
            Ok::<_, PyErr>(ns.unbind())
        })?;
        Ok(made.bind(py))
    }

    /// Raises `SystemExit` in every thread running remote code. Code blocked inside a C
    /// function (a long `time.sleep`) sees it only when that returns.
    pub(crate) fn interrupt_all(&self) {
        let threads: Vec<u64> = match self.running.lock() {
            Ok(running) => running.values().copied().collect(),
            Err(_) => return,
        };
        if threads.is_empty() {
            return;
        }
        Python::attach(|py| {
            if let Ok(s) = support(py) {
                for t in threads {
                    let _ = s.module.bind(py).call_method1("interrupt", (t,));
                }
            }
        });
    }
}

/// What a connection asks its namespace to do.
enum Job {
    AddCode(Value),
    Call(Value, Vec<Value>, Dict),
}

/// The target `NAME_rexec`: one per connection, with its own namespace (Python's
/// `sipyco.remote_exec.RemoteExecServer`).
pub(crate) struct RemoteExecServer {
    host: Arc<Host>,
    namespace: Arc<PyOnceLock<Py<PyDict>>>,
}

impl RemoteExecServer {
    /// A new connection's target; its namespace is copied from `controller_initial_namespace`
    /// now, as Python's server does.
    pub(crate) fn new(host: Arc<Host>) -> Self {
        let target = RemoteExecServer {
            host,
            namespace: Arc::new(PyOnceLock::new()),
        };
        if let Ok(runtime) = Handle::try_current() {
            let (host, namespace) = (target.host.clone(), target.namespace.clone());
            let work = move || {
                thread_state::attach(|py| namespace_of(py, &host, &namespace, &runtime).map(drop))
            };
            if Handle::current().runtime_flavor() == RuntimeFlavor::MultiThread {
                let _ = tokio::task::block_in_place(work);
            } else {
                drop(tokio::task::spawn_blocking(work));
            }
        }
        target
    }

    /// Runs a job off the async runtime. On a multi-thread runtime the job runs on this
    /// worker thread, whose other tasks move to another thread (`block_in_place`): no thread
    /// switch on the way in or out, which is most of a short call's cost. A current-thread
    /// runtime cannot give its thread away: the job goes to the blocking pool.
    async fn run(&self, job: Job) -> Result<Value, RpcError> {
        let host = self.host.clone();
        let namespace = self.namespace.clone();
        let runtime = Handle::current();
        let multi_thread = runtime.runtime_flavor() == RuntimeFlavor::MultiThread;
        let work = move || thread_state::attach(|py| run_job(py, &host, &namespace, &runtime, job));
        if multi_thread {
            return tokio::task::block_in_place(work);
        }
        match tokio::task::spawn_blocking(work).await {
            Ok(result) => result,
            Err(e) => Err(RpcError::runtime_error(format!(
                "remote code panicked: {e}"
            ))),
        }
    }
}

fn run_job(
    py: Python<'_>,
    host: &Host,
    namespace: &PyOnceLock<Py<PyDict>>,
    runtime: &Handle,
    job: Job,
) -> Result<Value, RpcError> {
    let call_id = host.next_call.fetch_add(1, Ordering::Relaxed);
    let result = (|| {
        let s = support(py)?;
        let thread = thread_ident(py, s)?;
        thread_state::clear_pending_interrupt(py, thread);
        if let Ok(mut running) = host.running.lock() {
            running.insert(call_id, thread);
        }
        let ns = namespace_of(py, host, namespace, runtime)?;
        let ret = match job {
            Job::AddCode(code) => s.add_code.bind(py).call1((ns, to_python(py, &code)?))?,
            Job::Call(function, args, kwargs) => {
                let function = to_python(py, &function)?;
                let args = args
                    .iter()
                    .map(|a| to_python(py, a))
                    .collect::<PyResult<Vec<_>>>()?;
                let args = PyTuple::new(py, args)?;
                let kw = PyDict::new(py);
                for (k, v) in kwargs.iter() {
                    kw.set_item(to_python(py, k)?, to_python(py, v)?)?;
                }
                s.call.bind(py).call1((ns, function, args, kw))?
            }
        };
        from_python(&ret)
    })();
    if let Ok(mut running) = host.running.lock() {
        running.remove(&call_id);
    }
    result.map_err(|e| pack(py, &e))
}

thread_local! {
    /// This thread's Python thread id (`_thread.get_ident()`), asked once.
    static IDENT: Cell<Option<u64>> = const { Cell::new(None) };
}

/// The Python thread id of this thread, which `interrupt` aims at.
fn thread_ident(py: Python<'_>, s: &Support) -> PyResult<u64> {
    if let Some(ident) = IDENT.get() {
        return Ok(ident);
    }
    let ident: u64 = s.get_ident.bind(py).call0()?.extract()?;
    IDENT.set(Some(ident));
    Ok(ident)
}

/// The connection's namespace, made on first use.
fn namespace_of<'a, 'py>(
    py: Python<'py>,
    host: &Host,
    namespace: &'a PyOnceLock<Py<PyDict>>,
    runtime: &Handle,
) -> PyResult<&'a Py<PyDict>> {
    namespace.get_or_try_init(py, || {
        let initial = host.initial(py, runtime)?;
        let ns = support(py)?
            .module
            .bind(py)
            .call_method1("new_namespace", (initial,))?;
        Ok::<_, PyErr>(ns.cast_into::<PyDict>()?.unbind())
    })
}

/// The exception as Python's server packs it: built-in classes by name, others as
/// `GenericRemoteException`; the traceback from `traceback.format_tb`.
fn pack(py: Python<'_>, e: &PyErr) -> RpcError {
    let packed = support(py).and_then(|s| {
        s.module
            .bind(py)
            .call_method1("pack", (e.value(py),))?
            .extract::<(String, String, Vec<String>)>()
    });
    match packed {
        Ok((class, message, traceback)) => RpcError::new(class, message).with_traceback(traceback),
        Err(_) => RpcError::runtime_error(e.to_string()),
    }
}

/// The signatures, built once: building one allocates its names, which showed in the cost
/// of every trivial call.
static ADD_CODE_SPEC: LazyLock<ArgSpec> = LazyLock::new(|| ArgSpec::new().arg("code"));
static CALL_SPEC: LazyLock<ArgSpec> = LazyLock::new(|| {
    ArgSpec::new()
        .arg("function")
        .varargs("args")
        .varkw("kwargs")
});

fn add_code_spec() -> ArgSpec {
    ADD_CODE_SPEC.clone()
}

fn call_spec() -> ArgSpec {
    CALL_SPEC.clone()
}

impl Target for RemoteExecServer {
    fn type_name(&self) -> &str {
        "RemoteExecServer"
    }

    fn docstring(&self) -> Option<&str> {
        Some(DOCSTRING)
    }

    fn methods(&self) -> Vec<MethodInfo> {
        vec![
            MethodInfo::new("add_code", add_code_spec(), Some(ADD_CODE_DOC)),
            MethodInfo::new("call", call_spec(), Some(CALL_DOC)),
        ]
    }

    fn method_names(&self) -> Vec<String> {
        let mut names: Vec<String> = DUNDERS.iter().map(|&n| n.to_owned()).collect();
        names.extend(["add_code".to_owned(), "call".to_owned()]);
        names
    }

    fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a> {
        Box::pin(async move {
            let job = match name {
                "add_code" => {
                    let (values, _, _) =
                        ADD_CODE_SPEC.bind_values("RemoteExecServer.add_code", args, kwargs)?;
                    Job::AddCode(values.into_iter().next().unwrap_or_default())
                }
                // The usual shape, `call(function, *args)`, binds without the general binder
                // (it cannot fail); anything else, errors included, goes through it.
                "call" if kwargs.is_empty() && !args.is_empty() => {
                    let mut args = args.into_iter();
                    let function = args.next().unwrap_or_default();
                    Job::Call(function, args.collect(), kwargs)
                }
                "call" => {
                    let (values, varargs, varkw) =
                        CALL_SPEC.bind_values("RemoteExecServer.call", args, kwargs)?;
                    Job::Call(
                        values.into_iter().next().unwrap_or_default(),
                        varargs,
                        varkw,
                    )
                }
                _ => return Err(RpcError::no_attribute(self.type_name(), name)),
            };
            self.run(job).await
        })
    }
}
