//! [`Error`]: the one error type of this crate, a peer that does not follow pc_rpc.
//!
//! A failure *inside* a call is not an `Error` but an [`RpcError`](crate::RpcError), which
//! travels in a `failed` reply.

/// A line or value from the peer that does not follow the pc_rpc protocol.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client selected a target that the server does not have.
    #[error("unknown target {0:?}")]
    UnknownTarget(String),
    /// The client selected a feature that the server did not offer.
    #[error("unknown feature {0:?}")]
    UnknownFeature(String),
    /// A line from the server has the wrong shape (what was expected, in words).
    #[error("incompatible peer: {0}")]
    Incompatible(String),
    /// A value could not be encoded, or a line could not be decoded.
    #[error(transparent)]
    Pyon(#[from] pyon_codec::Error),
}

impl Error {
    pub(crate) fn incompatible(what: impl Into<String>) -> Error {
        Error::Incompatible(what.into())
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
