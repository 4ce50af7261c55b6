//! The SiPyCo `pc_rpc` wire format, once, as pure code: what `sipyco.pc_rpc` and
//! `sipyco.packed_exceptions` put on a line. The server (`rpc-core`) and the clients
//! (`rpc-client`, `rpctool`) both build on it; there is no I/O here.
//!
//! # A session
//!
//! | step | who | line | here |
//! | --- | --- | --- | --- |
//! | 1 | client | `ARTIQ pc_rpc` | [`BANNER`] |
//! | 2 | server | `{"targets":[...],"description":...,"features":["pyon_v2"]}` | [`Identification`] |
//! | 3 | client | `demo pyon_v2` (or `demo`: PYON v1) | [`selection_line`], [`parse_target_line`] |
//! | 4 | server | the method names as a set | [`method_set_line`], [`parse_method_names`] |
//! | 5 | client | `{"action":"call","name":...,"args":(...),"kwargs":{...}}` | [`Request`] |
//! | 6 | server | `{"status":"ok","ret":...}` or `{"status":"failed","exception":{...}}` | [`encode_reply`], [`decode_reply`] |
//!
//! # Main types
//!
//! - [`Identification`], [`Dialect`], [`Selection`]: the handshake.
//! - [`Request`]: a call or the method-list request; replies are [`encode_reply`] /
//!   [`decode_reply`].
//! - [`RpcError`]: a Python exception as packed on the wire (`sipyco.packed_exceptions`).
//! - [`ArgSpec`]: a method signature as `inspect.getfullargspec` reports it, the binding of call
//!   arguments with Python's rules, and its one rendering ([`ArgSpec`]'s `Display`), the one
//!   `sipyco_rpctool list-methods` prints.
//! - [`Error`]: a peer that does not follow the protocol.
//!
//! ```
//! use pc_rpc::{Dialect, Identification, Request, decode_reply, encode_reply, selection_line};
//! use pyon_codec::{Dict, Value, Version};
//!
//! let line = pc_rpc::identification(&["echo"], None, Dialect::Current);
//! assert_eq!(line, r#"{"targets":["echo"],"description":null,"features":["pyon_v2"]}"#);
//! let id = Identification::parse(&line)?;
//! let (selection, version) = selection_line(&id, "echo");
//! assert_eq!((selection.as_str(), version), ("echo pyon_v2", Version::V2));
//!
//! let call = Request::Call { name: "echo".into(), args: vec![Value::Int(5)], kwargs: Dict::new() };
//! let request = call.encode(version)?;
//! assert_eq!(request, r#"{"action":"call","name":"echo","args":{"__jsonclass__":["tuple",[[5]]]},"kwargs":{}}"#);
//! let reply = encode_reply(Ok(Value::Int(5)), version);
//! assert_eq!(decode_reply(&reply, version)?, Ok(Value::Int(5)));
//! # Ok::<(), pc_rpc::Error>(())
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod argspec;
mod bind;
mod error;
mod exception;
mod handshake;
mod message;

pub use argspec::ArgSpec;
pub use bind::BoundArgs;
pub use error::{Error, Result};
pub use exception::{GENERIC_REMOTE_EXCEPTION, RpcError, is_builtin_exception};
pub use handshake::{
    BANNER, Dialect, FEATURE_PYON_V2, Identification, Selection, identification, method_set_line,
    parse_method_names, parse_target_line, selection_line,
};
pub use message::{Request, decode_reply, encode_reply};
