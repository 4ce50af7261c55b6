//! [`Error`]: the one error type of this crate.

/// What went wrong in an [`IDict`](crate::IDict) or its server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A list operation on a key that holds something else.
    #[error("expected a list at key {key:?}, found {found}")]
    NotAList {
        /// The key.
        key: String,
        /// The Python type name found there.
        found: &'static str,
    },
    /// A key that is not in the contents.
    #[error("no key {0:?} in the contents")]
    NoKey(String),
    /// An index outside a list.
    #[error("index {index} out of range for the list at key {key:?} (length {len})")]
    Index {
        /// The key of the list.
        key: String,
        /// The index asked for.
        index: i64,
        /// The length of the list.
        len: usize,
    },
    /// A value that cannot be turned into PYON (from serde).
    #[error("cannot convert the value of key {key:?}: {source}")]
    Convert {
        /// The key.
        key: String,
        /// Why.
        source: pyon_codec::Error,
    },
    /// Publishing failed (a value that cannot be encoded for subscribers, ...).
    #[error(transparent)]
    Publish(#[from] sync_struct::Error),
    /// Binding or configuring the server's sockets.
    #[error(transparent)]
    Network(#[from] asyncio_server::Error),
    /// The server's thread or runtime could not be started.
    #[error("cannot start the server: {0}")]
    Start(std::io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
