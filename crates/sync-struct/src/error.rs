//! The one error type of this crate.

use pyon_codec::Kind;

/// Everything that can go wrong in this crate.
///
/// Errors that concern one mod ([`KeyNotFound`](Error::KeyNotFound),
/// [`IndexOutOfRange`](Error::IndexOutOfRange), [`WrongType`](Error::WrongType),
/// [`InvalidMod`](Error::InvalidMod)) leave the structure unchanged. Errors from one connection
/// end that connection only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A dict has no such key (Python's `KeyError`).
    #[error("key {key} not found")]
    KeyNotFound {
        /// The key, as PYON v2.
        key: String,
    },
    /// A list index is out of range (Python's `IndexError`).
    #[error("index {index} out of range for a sequence of length {len}")]
    IndexOutOfRange {
        /// The index as given (possibly negative).
        index: String,
        /// The length of the sequence.
        len: usize,
    },
    /// The operation does not apply to this type (Python's `TypeError` or `AttributeError`).
    #[error("cannot {op} a value of type {kind}")]
    WrongType {
        /// What was attempted, e.g. `append to`, `index`.
        op: &'static str,
        /// The Python type of the value.
        kind: Kind,
    },
    /// A list was indexed with something other than an int or a slice (Python's `TypeError`).
    #[error("list indices must be integers or slices, not {kind}")]
    IndexType {
        /// The Python type of the index.
        kind: Kind,
    },
    /// A dict key is not hashable (Python's `TypeError`).
    #[error("unhashable type: {kind}")]
    Unhashable {
        /// The Python type of the key.
        kind: Kind,
    },
    /// A slice cannot be used (zero step, or an extended slice assigned a sequence of another
    /// size: Python's `ValueError`).
    #[error("{0}")]
    Slice(String),
    /// A mod is malformed: unknown action, missing field, field of the wrong type.
    #[error("invalid mod: {0}")]
    InvalidMod(String),
    /// A notifier name is already served by this publisher.
    #[error("notifier {0:?} already exists")]
    DuplicateNotifier(String),
    /// The peer does not follow the protocol (bad banner, unexpected line).
    #[error("protocol error: {0}")]
    Protocol(String),
    /// A value could not be encoded or a line could not be decoded.
    #[error(transparent)]
    Pyon(#[from] pyon_codec::Error),
    /// A network failure (connection, TLS, framing).
    #[error(transparent)]
    Net(#[from] asyncio_server::Error),
    /// An I/O failure on an established connection.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A short PYON v2 rendering of a key or index for error messages.
pub(crate) fn render(v: &pyon_codec::Value) -> String {
    pyon_codec::encode(v).unwrap_or_else(|_| format!("<{}>", v.kind()))
}
