//! The one error type of this crate.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use rustls::AlertDescription;

/// Everything that can go wrong in this crate.
///
/// Errors from one connection ([`LineTooLong`](Error::LineTooLong),
/// [`InvalidUtf8`](Error::InvalidUtf8), [`UnexpectedEof`](Error::UnexpectedEof),
/// [`Io`](Error::Io), [`Tls`](Error::Tls)) concern that connection only: the caller logs them and
/// drops the connection; the server goes on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line went past the configured maximum length (not counting the `\n`).
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The limit in force.
        limit: usize,
    },
    /// A line was not valid UTF-8.
    #[error("line is not valid UTF-8 (invalid byte at offset {offset})")]
    InvalidUtf8 {
        /// Offset of the first invalid byte within the line.
        offset: usize,
    },
    /// The peer closed the connection in the middle of a line.
    #[error("connection closed in the middle of a line ({len} bytes without `\\n`)")]
    UnexpectedEof {
        /// How many bytes of the unfinished line were received.
        len: usize,
    },
    /// A TLS handshake or record failed (untrusted certificate, alert from the peer, ...).
    #[error("TLS error: {0}")]
    Tls(String),
    /// A TLS certificate, key or peer file could not be used.
    #[error("{path}: {reason}")]
    TlsConfig {
        /// The file concerned.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A host name could not be resolved.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        /// The host name as given.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// A listening socket could not be set up.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address concerned.
        addr: SocketAddr,
        /// The system's error.
        source: io::Error,
    },
    /// There was no address to bind (for example `--no-localhost-bind` without `--bind`).
    #[error("no address to bind")]
    NothingToBind,
    /// Connecting to a server failed on every address it resolved to.
    #[error("cannot connect to {host}:{port}: {reason}")]
    Connect {
        /// The host as given.
        host: String,
        /// The port.
        port: u16,
        /// The last failure.
        reason: String,
    },
    /// Any other I/O error (a vanished peer, a reset connection, ...).
    #[error("i/o error: {0}")]
    Io(io::Error),
}

impl From<io::Error> for Error {
    /// I/O errors that carry a rustls error become [`Error::Tls`], with a readable message.
    fn from(err: io::Error) -> Self {
        match tls_message(&err) {
            Some(msg) => Error::Tls(msg),
            None => Error::Io(err),
        }
    }
}

/// The readable message of a rustls error wrapped in an `io::Error`, if there is one.
fn tls_message(err: &io::Error) -> Option<String> {
    let inner = err.get_ref()?.downcast_ref::<rustls::Error>()?;
    Some(match inner {
        // Our verifiers put their message in `Other`; rustls would print it with `Debug`.
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other)) => {
            other.to_string()
        }
        rustls::Error::AlertReceived(
            AlertDescription::BadCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateRequired
            | AlertDescription::AccessDenied,
        ) => format!("the peer refused our certificate ({inner})"),
        other => other.to_string(),
    })
}

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
