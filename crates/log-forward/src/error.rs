//! The one error type of this crate.

use std::io;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A level name that is none of `CRITICAL ERROR WARN WARNING INFO DEBUG TRACE`.
    #[error("unknown log level `{0}`")]
    UnknownLevel(String),
    /// A multi-line message grew past the parser's limit.
    #[error("multi-line log message longer than {limit} bytes")]
    MessageTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// A record line with no `:` (no source): the server drops the connection.
    #[error("improperly formatted record line: `{0}`")]
    Malformed(String),
    /// The first line of a connection was not `ARTIQ logging`.
    #[error("expected banner `ARTIQ logging`, got `{0}`")]
    Banner(String),
    /// The forwarder did not send its queued records in time.
    #[error("timed out while {0}")]
    Timeout(&'static str),
    /// The forwarder's background thread is gone.
    #[error("the log forwarder has stopped")]
    ForwarderStopped,
    /// A global `tracing` subscriber was already installed.
    #[error("cannot install the logger: {0}")]
    Init(String),
    /// Network setup, framing or TLS (from the shared server crate).
    #[error(transparent)]
    Net(#[from] asyncio_server::Error),
    /// Any other I/O error.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
