//! TCP line servers and clients for the SiPyCo protocols: the Rust side of Python's
//! `sipyco.tools` (`AsyncioServer`, `SimpleSSLConfig`), `sipyco.keepalive` and
//! `sipyco.common_args`.
//!
//! Every SiPyCo protocol (pc_rpc, sync_struct, broadcast, logging) is one UTF-8 message per
//! `\n`-terminated line over TCP, optionally inside mutual TLS. This crate owns that transport;
//! the protocol crates above it only turn lines into messages.
//!
//! # Main types
//!
//! - [`Server`]: binds one or more addresses (or takes listeners bound elsewhere), runs a
//!   handler per connection in its own task, stops gracefully; [`ServerHandle`] stops it from
//!   anywhere, including from inside a handler.
//! - [`Connection`]: `read_line` / `write_line` on a socket, with a line-length limit
//!   ([`DEFAULT_SERVER_LINE_LIMIT`], [`DEFAULT_CLIENT_LINE_LIMIT`]); it splits into a
//!   [`LineReader`] and a [`LineWriter`] for tasks that write on their own.
//! - [`LineCodec`]: the framing itself, as a tokio-util `Decoder`/`Encoder`.
//! - [`Stream`]: plain TCP or TLS; [`connect`] opens a client [`Connection`].
//! - [`TlsServerConfig`], [`TlsClientConfig`]: mutual TLS where trust means "the peer presented
//!   one of the certificates of this PEM file".
//! - [`NetworkArgs`], [`VerbosityArgs`]: the usual `-p --bind --no-localhost-bind --ssl` and
//!   `-v -q` options, to `#[command(flatten)]` into a program's arguments;
//!   [`parse_with_default_port`] parses them with the program's default port in `--help`.
//!   The clap side and `init_logging` are the default feature `cli`: a library that only needs
//!   the transport turns default features off and pulls neither clap nor tracing-subscriber.
//! - [`terminate_signal`]: resolves on SIGINT, SIGTERM or SIGHUP.
//! - [`BannerDispatch`]: several protocols on one port, each connection routed by the banner
//!   line it sends first (for example pc_rpc and sync_struct side by side).
//! - [`Error`]: the one error type; a bad peer produces an error for its own connection only.
//!
//! # Example
//!
//! A line echo server (see `examples/line_echo.rs` for the complete program):
//!
//! ```no_run
//! use asyncio_server::{NetworkArgs, terminate_signal};
//!
//! # async fn example(args: NetworkArgs) -> asyncio_server::Result<()> {
//! let server = args.server(3253)?;
//! let stop = terminate_signal()?;
//! server
//!     .serve(
//!         |mut conn| async move {
//!             while let Ok(Some(line)) = conn.read_line().await {
//!                 if conn.write_line(&line).await.is_err() {
//!                     break;
//!                 }
//!             }
//!         },
//!         stop,
//!     )
//!     .await;
//! # Ok(())
//! # }
//! ```
//!
//! # Python mapping
//!
//! | Python | here |
//! | --- | --- |
//! | `tools.AsyncioServer.start(host, port)`, `_handle_connection_cr` | [`Server::bind`], [`Server::serve`] |
//! | `tools.AsyncioServer.stop()` | [`ServerHandle::shutdown`] |
//! | `tools.SimpleSSLConfig` | [`TlsServerConfig`], [`TlsClientConfig`], [`SslArgs`] |
//! | `keepalive.set_keepalive`, `keepalive.async_open_connection` | [`Keepalive`], [`connect`] |
//! | `common_args.simple_network_args`, `bind_address_from_args` | [`NetworkArgs`], [`NetworkArgs::bind_addresses`] |
//! | `common_args.verbosity_args`, `init_logger_from_args` | [`VerbosityArgs`], [`VerbosityArgs::init_logging`] |
//! | `asyncio.StreamReader.readline` (with `limit`) | [`Connection::read_line`] |
//! | `simple_server_loop`'s signal handling | [`terminate_signal`] |
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![deny(missing_docs)]

mod args;
mod client;
mod connection;
mod dispatch;
mod error;
mod framing;
mod keepalive;
mod server;
mod signal;
mod stream;
mod tls;

#[cfg(feature = "test-util")]
pub mod testing;

pub use args::{NetworkArgs, SslArgs, VerbosityArgs};
#[cfg(feature = "cli")]
pub use args::{parse_with_default_port, with_default_port};
pub use client::{connect, connect_stream};
pub use connection::{Connection, LineReader, LineWriter};
pub use dispatch::{BANNER_LINE_LIMIT, BannerDispatch};
pub use error::{Error, Result};
pub use framing::{DEFAULT_CLIENT_LINE_LIMIT, DEFAULT_SERVER_LINE_LIMIT, LineCodec};
pub use keepalive::Keepalive;
pub use server::{Server, ServerHandle, bind_listener};
pub use signal::terminate_signal;
pub use stream::Stream;
pub use tls::{TlsClientConfig, TlsServerConfig};
