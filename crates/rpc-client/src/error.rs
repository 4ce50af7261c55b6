//! The one error type of this crate, and the remote exception it may carry.

use std::fmt;
use std::io;

/// An exception raised by the remote target, as the server reported it.
///
/// `class` is the name of a Python built-in exception (`ValueError`, `KeyError`, ...) or
/// `GenericRemoteException`, whose message then starts with the qualified name of the original
/// class. Displays as `Class: message`, like a Python traceback's last line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// The exception class name.
    pub class: String,
    /// The exception message.
    pub message: String,
    /// The remote traceback, one entry per frame (each usually ending in `\n`).
    pub traceback: Vec<String>,
}

impl RemoteError {
    /// The remote traceback as one text.
    pub fn traceback_text(&self) -> String {
        self.traceback.concat()
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

impl std::error::Error for RemoteError {}

impl From<pc_rpc::RpcError> for RemoteError {
    fn from(e: pc_rpc::RpcError) -> Self {
        RemoteError {
            class: e.class().to_owned(),
            message: e.message().to_owned(),
            traceback: e.traceback().to_vec(),
        }
    }
}

impl From<RemoteError> for pc_rpc::RpcError {
    /// The exception as the server packed it (the class is kept as sent).
    fn from(e: RemoteError) -> Self {
        pc_rpc::RpcError::unpacked(e.class, e.message, e.traceback)
    }
}

/// Everything that can go wrong in an RPC client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The remote method raised an exception.
    #[error(transparent)]
    Remote(RemoteError),
    /// The method is not in the target's method-name set; nothing was sent (Python raises
    /// `AttributeError` locally).
    #[error("AttributeError: the remote target has no method `{name}`")]
    NoSuchMethod {
        /// The name asked for.
        name: String,
    },
    /// [`AutoTarget`](crate::AutoTarget) on a server with several targets.
    #[error("server has multiple targets: {}", targets.join(" "))]
    AmbiguousTarget {
        /// The targets offered.
        targets: Vec<String>,
    },
    /// [`AutoTarget`](crate::AutoTarget) on a server without targets.
    #[error("server has no targets")]
    NoTarget,
    /// The server does not offer the requested target.
    #[error("server has no target `{name}` (targets: {})", targets.join(" "))]
    UnknownTarget {
        /// The target asked for.
        name: String,
        /// The targets offered.
        targets: Vec<String>,
    },
    /// A call was made before `select_rpc_target`.
    #[error("no target selected")]
    NoTargetSelected,
    /// `select_rpc_target` was called on a client that already has a target.
    #[error("a target is already selected")]
    TargetAlreadySelected,
    /// The server's answer does not follow the pc_rpc protocol.
    #[error("incompatible server: {0}")]
    IncompatibleServer(String),
    /// The connection could not be made.
    #[error("cannot connect to {host}:{port}: {reason}")]
    Connect {
        /// The host as given.
        host: String,
        /// The port.
        port: u16,
        /// The last failure.
        reason: String,
    },
    /// TLS could not be set up or failed.
    #[error("TLS error: {0}")]
    Tls(String),
    /// The server closed the connection, or it broke, before the reply arrived. The client is
    /// unusable from then on.
    #[error("connection closed{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    ConnectionClosed {
        /// What ended it, when known.
        reason: Option<String>,
    },
    /// A line from the server was longer than the configured limit.
    #[error("line from the server longer than {limit} bytes")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// An operation did not finish in time.
    #[error("timed out while {0}")]
    Timeout(&'static str),
    /// The arguments could not be encoded, or a result did not fit the requested type.
    #[error("{0}")]
    Pyon(#[from] pyon_codec::Error),
    /// Any other I/O error.
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
}

impl Error {
    /// The remote exception, if this is one.
    pub fn as_remote(&self) -> Option<&RemoteError> {
        match self {
            Error::Remote(r) => Some(r),
            _ => None,
        }
    }

    /// Whether the connection is lost or unusable (network failure or timeout), as opposed to a
    /// failure of this one call. A [`BestEffortClient`](crate::BestEffortClient) reconnects on
    /// these.
    pub fn is_network(&self) -> bool {
        matches!(
            self,
            Error::Connect { .. }
                | Error::Tls(_)
                | Error::ConnectionClosed { .. }
                | Error::LineTooLong { .. }
                | Error::Timeout(_)
                | Error::Io(_)
                | Error::IncompatibleServer(_)
        )
    }

    pub(crate) fn closed(reason: impl Into<String>) -> Error {
        Error::ConnectionClosed {
            reason: Some(reason.into()),
        }
    }
}

impl From<pc_rpc::Error> for Error {
    fn from(e: pc_rpc::Error) -> Self {
        match e {
            pc_rpc::Error::Incompatible(what) => Error::IncompatibleServer(what),
            pc_rpc::Error::Pyon(e) => Error::Pyon(e),
            other => Error::IncompatibleServer(other.to_string()),
        }
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
