//! [`Error`]: the one error type of this crate (what ends a connection or a server).
//!
//! A failure *inside* a call is not an `Error` but an [`RpcError`](crate::RpcError): it is sent
//! to the client as a `failed` reply and the connection goes on.

/// Why a connection or a server stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The client's first line was not `ARTIQ pc_rpc` (the connection is closed without a word).
    #[error("expected the banner `ARTIQ pc_rpc`, got {0:?}")]
    BadBanner(String),
    /// The client selected a target that the server does not have.
    #[error("unknown target {0:?}")]
    UnknownTarget(String),
    /// The client selected a feature that the server did not offer.
    #[error("unknown feature {0:?}")]
    UnknownFeature(String),
    /// A request line was not valid PYON.
    #[error("undecodable request: {0}")]
    Decode(#[from] pyon_codec::Error),
    /// A line did not follow the pc_rpc protocol in another way.
    #[error(transparent)]
    Protocol(pc_rpc::Error),
    /// The network layer failed: socket, framing (an over-long line), TLS, binding.
    #[error(transparent)]
    Net(#[from] asyncio_server::Error),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Net(e.into())
    }
}

impl From<pc_rpc::Error> for Error {
    fn from(e: pc_rpc::Error) -> Self {
        match e {
            pc_rpc::Error::UnknownTarget(line) => Error::UnknownTarget(line),
            pc_rpc::Error::UnknownFeature(feature) => Error::UnknownFeature(feature),
            pc_rpc::Error::Pyon(e) => Error::Decode(e),
            other => Error::Protocol(other),
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
