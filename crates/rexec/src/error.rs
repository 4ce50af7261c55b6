//! [`Error`]: the one error type of this crate.

/// Why a remote-execution server or client failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The embedded Python could not be started or set up.
    #[error("embedded python: {0}")]
    Python(String),
    /// The RPC server failed (binding, TLS).
    #[error(transparent)]
    Server(#[from] rpc_core::Error),
    /// The RPC client failed (network, or a remote exception).
    #[error(transparent)]
    Client(#[from] rpc_client::Error),
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
