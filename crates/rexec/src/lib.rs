//! Remote execution in Rust controllers, with an embedded CPython: `sipyco.remote_exec`.
//!
//! ARTIQ experiments send Python code to a controller so that heavy data (camera frames,
//! traces) is processed next to the device and only results cross the network. With this
//! crate a Rust controller is such a host: the code runs in a real CPython embedded in the
//! controller, next to the Rust driver, and a Python client cannot tell the difference.
//!
//! # Main types
//!
//! - [`simple_rexec_server_loop`], [`RexecServer`]: serve a driver (any [`rpc_core::Target`])
//!   as `NAME` and remote execution as `NAME_rexec` (`add_code(code)`, `call(function, *args,
//!   **kwargs)`, the built-in `terminate`), with Python's namespaces, method lists and
//!   exception classes.
//! - `controller_driver`, in every namespace: a Python object whose methods call the Rust
//!   driver's RPC methods (same argument binding; an `RpcError` of class `ValueError` raises
//!   `ValueError`); `dir()` lists them.
//! - [`to_python`], [`from_python`]: values between PYON and Python, as PYON carries them
//!   (numpy arrays and scalars of every dtype, as raw bytes, one copy).
//! - [`RexecClient`], [`BlockingRexecClient`]: the experiment's side, for Python and Rust
//!   controllers (`add_code`, `call`, `call_as`, `connect_global_rpc`).
//!
//! # Example
//!
//! ```no_run
//! use pyon_codec::Value;
//! use rpc_core::rpc_target;
//!
//! struct Scope;
//!
//! /// A simulated oscilloscope.
//! #[rpc_target]
//! impl Scope {
//!     /// One trace.
//!     fn trace(&self) -> Vec<f64> {
//!         (0..1000).map(|i| (i as f64 / 50.0).sin()).collect()
//!     }
//! }
//!
//! # async fn run(args: asyncio_server::NetworkArgs) -> rexec::Result<()> {
//! rexec::simple_rexec_server_loop("scope", Scope, &args, Some("scope")).await
//! # }
//! ```
//!
//! From Python: `Client("::1", 3253, "scope_rexec").add_code("def peak():\n    return
//! max(controller_driver.trace())")`, then `.call("peak")`.
//!
//! # The embedded interpreter
//!
//! It is the CPython that pyo3 finds at build time: `PYO3_PYTHON` if set, else `python3` on
//! `PATH` (`cargo xtask test` points it at the project's virtualenv). Its shared library
//! (`libpython3.X.so`) must exist; `build.rs` records its directory as an rpath, so this
//! crate's programs and tests run without `LD_LIBRARY_PATH` (a program in another crate that
//! links this one sets the same rpath, or runs with `LD_LIBRARY_PATH`). At run time
//! `PYTHONPATH` is honoured, and the site-packages of an activated virtualenv (`VIRTUAL_ENV`)
//! or conda env (`CONDA_PREFIX`) of the same Python version come first on `sys.path`, so the
//! code can import numpy and the lab's own modules. [`start_python`] starts it early.
//!
//! # Concurrency
//!
//! Python code never holds up the async runtime: on a multi-thread runtime it runs in
//! `tokio::task::block_in_place` (the worker hands its other tasks to another thread), on a
//! current-thread runtime in the blocking pool. Each thread that runs Python code keeps one
//! Python thread state from call to call (until the thread exits), so a short call costs a
//! GIL hand-over, not a thread state's creation. Calls do not wait for each other: a long
//! `call` delays neither other connections, nor the driver target, `ping` or `terminate`;
//! code that releases the GIL (sleep, numpy, I/O) lets other connections' code run meanwhile.
//! The driver sees one call at a time. Stopping the server raises `SystemExit` in running
//! code; a program should then leave with `std::process::exit`, as code blocked in C cannot
//! be stopped (see `rexec_controller`). A Python exception, `SystemExit` included, is a remote exception;
//! `faulthandler` is on, so a crash in an extension prints the Python stack before dying.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod client;
mod convert;
mod driver;
mod error;
mod host;
mod interp;
mod server;
mod thread_state;

pub use client::{BlockingRexecClient, GLOBAL_RPC_PORT, RexecClient, global_rpc_code};
pub use convert::{MAX_DEPTH, from_python, to_python};
pub use error::{Error, Result};
pub use interp::start_python;
pub use server::{RexecServer, RexecServerBuilder, simple_rexec_server_loop};

/// The embedded interpreter's API, for code that converts values itself.
pub use pyo3;
