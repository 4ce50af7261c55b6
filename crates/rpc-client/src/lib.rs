//! Clients of SiPyCo's remote procedure calls (`pc_rpc`), in Rust.
//!
//! This crate mirrors the client side of the Python modules `sipyco.pc_rpc` and
//! `sipyco.fire_and_forget`, and talks to every Python server in the field: current ones
//! (PYON v2, feature negotiation, TLS) and legacy ones (PYON v1, ARTIQ 8 and older). The PYON
//! version is chosen during the handshake: v2 exactly when the server offers `pyon_v2`.
//!
//! | Rust | Python | what it is |
//! | --- | --- | --- |
//! | [`Client`] | `Client` | blocking client |
//! | [`AsyncClient`] | `AsyncioClient` | async client, cheap to clone, **pipelined** |
//! | [`BestEffortClient`] | `BestEffortClient` | never fails on the network: `Ok(None)` during outages, reconnects in the background |
//! | [`FireAndForget`] | `FFProxy` | background calls, at most one at a time |
//! | [`AutoTarget`], [`Target`] | `AutoTarget`, `target_name` | which target to select |
//! | [`RemoteError`] | re-raised remote exception | class, message and remote traceback |
//! | [`protocol`] | | the wire protocol as pure functions (no I/O) |
//!
//! Every client checks a method name against the target's method-name set before sending, and
//! fails with [`Error::NoSuchMethod`] (Python's `AttributeError`) if it is not there. Timeouts
//! for connecting and for each call, and TLS, are set with [`ClientOptions`].
//!
//! ```no_run
//! use pyon_codec::{Dict, Value, tuple};
//! use rpc_client::{AsyncClient, AutoTarget, Error};
//!
//! # async fn demo() -> rpc_client::Result<()> {
//! let client = AsyncClient::connect("::1", 3253, AutoTarget).await?;
//! assert_eq!(client.call("echo", tuple![5], Dict::new()).await?, Value::Int(5));
//! let sum: f64 = client.call_as("add", tuple![1, 2.5]).await?;
//! match client.call("fail", (), Dict::new()).await {
//!     Err(Error::Remote(e)) => eprintln!("{e}\n{}", e.traceback_text()),
//!     other => println!("{other:?}"),
//! }
//! client.close_rpc().await;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod args;
mod async_client;
mod best_effort;
mod blocking;
mod error;
mod fire_and_forget;
mod options;
pub mod protocol;
mod session;
mod transport;

pub use args::IntoArgs;
pub use async_client::AsyncClient;
pub use asyncio_server::TlsClientConfig;
pub use best_effort::{BestEffortClient, BestEffortOptions};
pub use blocking::Client;
pub use error::{Error, RemoteError, Result};
pub use fire_and_forget::{AsyncCall, CallFn, FireAndForget};
pub use options::{ClientOptions, DEFAULT_LINE_LIMIT};
pub use protocol::{AutoTarget, Identification, Target};

/// The README's examples (the codec, a controller), compiled as doc tests here: rpc-client's
/// tests reach every crate they use (pyon-codec, rpc-core, asyncio-server, tokio).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeExamples;
