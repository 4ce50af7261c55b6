//! SiPyCo remote procedure call servers in Rust: `sipyco.pc_rpc.Server` and
//! `sipyco.packed_exceptions`. A Python client (`sipyco.pc_rpc.Client`, `sipyco_rpctool`, an
//! ARTIQ controller manager) cannot tell such a server from a Python one.
//!
//! # Main types
//!
//! - [`Target`]: an object whose methods are offered. Declare one with [`rpc_target`] on an
//!   `impl` block of plain Rust methods, or build one at run time with [`DynamicTarget`].
//! - [`RpcError`]: the Python exception a method raises (`ValueError`, `KeyError`, ...).
//! - [`ArgSpec`]: a Python signature, reported by `get_rpc_method_list` and used to bind
//!   arguments with Python's rules and `TypeError` messages.
//! - [`Server`]: serves targets over an [`asyncio_server::Server`] (TCP, TLS, line limits);
//!   [`simple_server_loop`] is the one-call version for controllers.
//! - [`protocol`]: the wire protocol as pure functions (handshake, requests, replies), from
//!   the [`pc_rpc`] crate where servers and clients share it.
//! - [`Error`]: why a connection or a server stopped.
//!
//! # Example
//!
//! ```no_run
//! use pyon_codec::Value;
//! use rpc_core::{RpcError, rpc_target, simple_server_loop};
//!
//! struct Echo;
//!
//! /// Echoes what it gets.
//! #[rpc_target]
//! impl Echo {
//!     /// Return the argument unchanged.
//!     fn echo(&self, x: Value) -> Value {
//!         x
//!     }
//!
//!     /// Add two numbers.
//!     fn add(&self, a: i64, #[rpc(default = 2.5)] b: f64) -> f64 {
//!         a as f64 + b
//!     }
//!
//!     /// Always fails.
//!     async fn fail(&self, message: String) -> Result<(), RpcError> {
//!         Err(RpcError::value_error(message))
//!     }
//! }
//!
//! # async fn run(args: asyncio_server::NetworkArgs) -> rpc_core::Result<()> {
//! simple_server_loop([("echo", Echo)], &args, Some("an echo controller")).await
//! # }
//! ```
//!
//! From Python: `Client("::1", 3253, "echo").add(1)` returns `3.5`.
//!
//! # The `#[rpc_target]` attribute
//!
//! On an inherent `impl` block, it implements [`Target`] for the type. Every method taking
//! `&self` is offered (mark others `#[rpc(skip)]`; associated functions such as `new` are left
//! alone). Methods may be `async`.
//!
//! - **Arguments** are converted from PYON with [`pyon_codec::from_value`] (serde), so any
//!   `Deserialize` type works; a [`Value`](pyon_codec::Value) parameter receives the value as
//!   sent. `&str`, `&[T]` and `&T` parameters are accepted (converted to `String`, `Vec<T>`,
//!   `T`). A conversion failure is a `TypeError` naming the argument.
//! - **Returns** are converted with [`pyon_codec::to_value`]; a `Value` is sent as it is, `()`
//!   as `None`. A `Result<T, E>` with `E: Into<RpcError>` fails with that exception.
//! - **Signatures** follow the Rust one, with attributes on parameters:
//!   `#[rpc(default = EXPR)]` (EXPR is a Rust expression of the parameter's type; its PYON value
//!   is the Python default), `#[rpc(kwonly)]` (keyword-only), `#[rpc(varargs)]` (`*args`: the
//!   extra positional arguments as a tuple, e.g. `Vec<Value>`), `#[rpc(varkw)]` (`**kwargs`:
//!   the extra keyword arguments, e.g. [`Dict`](pyon_codec::Dict)),
//!   `#[rpc(annotation = "int")]`. Calls are bound with Python's rules
//!   ([`ArgSpec::bind`]): `Demo.echo() missing 1 required positional argument: 'x'`.
//! - **Docstrings** come from doc comments: the method's become its Python docstring, the
//!   `impl` block's the target's (each line without its leading space, as `inspect.getdoc`).
//! - **Annotations** are opt-in, as Python methods are often unannotated:
//!   `#[rpc_target(annotations)]` for all methods or `#[rpc(annotations)]` on one. Types map by
//!   name: integers → `int`, `f32`/`f64` → `float`, `bool` → `bool`, `String`/`&str` → `str`,
//!   `Vec` → `list`, maps → `dict`, sets → `set`, tuples → `tuple`, `Option<T>` → `T | None`,
//!   `Result<T, _>` → as `T`; `Value` and other types get none.
//! - **Names**: the Python class name is the type's name (`#[rpc_target(type_name = "Lda")]`
//!   to change it); `#[rpc(name = "...")]` renames a method.
//!
//! ```
//! use pyon_codec::{Dict, Value};
//! use rpc_core::{Target, rpc_target};
//!
//! struct Demo;
//!
//! /// Demo target: a controller with a few methods.
//! #[rpc_target]
//! impl Demo {
//!     /// Add two numbers.
//!     ///
//!     /// Longer description line.
//!     #[rpc(annotations)]
//!     fn add(
//!         &self,
//!         a: i64,
//!         #[rpc(default = 2.5)] b: f64,
//!         #[rpc(varargs)] rest: Vec<f64>,
//!         #[rpc(kwonly, default = 1)] scale: i64,
//!         #[rpc(varkw)] opts: Dict,
//!     ) -> f64 {
//!         let _ = opts;
//!         (a as f64 + b + rest.iter().sum::<f64>()) * scale as f64
//!     }
//! }
//!
//! let add = &Demo.methods()[0];
//! assert_eq!(
//!     format!("{}{}", add.name, add.argspec),
//!     "add(self, a: 'int', b: 'float' = 2.5, *rest, scale: 'int' = 1, **opts) -> 'float'"
//! );
//! assert_eq!(add.doc.as_deref(), Some("Add two numbers.\n\nLonger description line."));
//! assert_eq!(Demo.docstring(), Some("Demo target: a controller with a few methods."));
//! ```
//!
//! # Typed clients
//!
//! For `impl Demo`, the attribute also generates `DemoClient`, an async client with one method
//! per RPC method (same argument types; the return type, or the `T` of a `Result<T, E>`), over
//! an [`rpc_client::AsyncClient`] (clones share one pipelined connection), and its blocking
//! twin `DemoBlockingClient` over an [`rpc_client::Client`]. Errors are
//! [`rpc_client::Error`]s; a remote exception is `Error::Remote`, which converts into the
//! [`RpcError`] the method raised. The wire stays plain pc_rpc: a Python server with the same
//! methods answers these clients too. Positional parameters are sent positionally,
//! keyword-only ones by name, `*varargs` and `**varkw` spread; a parameter with a default is
//! still passed. `#[rpc_target(no_client)]` leaves the clients out (generic `impl` blocks have
//! none).
//!
//! ```no_run
//! use pyon_codec::Value;
//! use rpc_client::AsyncClient;
//! use rpc_core::{RpcError, rpc_target};
//!
//! struct Echo;
//!
//! #[rpc_target]
//! impl Echo {
//!     /// Return the argument unchanged.
//!     fn echo(&self, x: Value) -> Value {
//!         x
//!     }
//!
//!     /// Scale a value.
//!     fn scale(&self, x: f64, #[rpc(kwonly, default = 2.0)] by: f64) -> Result<f64, RpcError> {
//!         Ok(x * by)
//!     }
//! }
//!
//! # async fn run() -> rpc_client::Result<()> {
//! let echo = EchoClient::new(AsyncClient::connect("::1", 3253, "echo").await?);
//! let x: Value = echo.echo(Value::Int(5)).await?;
//! let y: f64 = echo.scale(1.5, 3.0).await?; // sends scale(1.5, by=3.0)
//! match echo.scale(f64::NAN, 1.0).await {
//!     Err(rpc_client::Error::Remote(e)) => eprintln!("{}", RpcError::from(e)),
//!     other => println!("{other:?}"),
//! }
//! # Ok(()) }
//! ```
//!
//! # Python mapping
//!
//! | Python | here |
//! | --- | --- |
//! | `pc_rpc.Server(targets, description, builtin_terminate, allow_parallel)` | [`Server::builder`] |
//! | `pc_rpc.simple_server_loop` | [`simple_server_loop`], [`Server::run`] |
//! | a target object, `inspect.getfullargspec`, `inspect.getdoc` | [`Target`], [`ArgSpec`], [`MethodInfo`] |
//! | `packed_exceptions.current_exc_packed` | [`RpcError::to_value`] |
//! | `GenericRemoteException` | [`RpcError::new`] with a non-built-in class |
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![forbid(unsafe_code)]

mod dynamic;
mod error;
pub mod protocol;
mod server;
mod target;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use dynamic::{DynamicTarget, DynamicTargetBuilder};
pub use error::{Error, Result};
pub use pc_rpc::{ArgSpec, BoundArgs};
pub use pc_rpc::{GENERIC_REMOTE_EXCEPTION, RpcError, is_builtin_exception};
pub use protocol::Dialect;
pub use rpc_macros::rpc_target;
pub use server::{DEFAULT_PORT, Server, ServerBuilder, simple_server_loop};
pub use target::{CallFuture, MethodInfo, Target};
