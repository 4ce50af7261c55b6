//! Connection settings shared by all clients.

use std::time::Duration;

/// Longest line a client accepts from a server by default: 100 MiB, the limit of Python SiPyCo
/// clients.
pub const DEFAULT_LINE_LIMIT: usize = asyncio_server::DEFAULT_CLIENT_LINE_LIMIT;

/// How to connect and how long to wait. Built with chained setters:
///
/// ```
/// use std::time::Duration;
/// use rpc_client::ClientOptions;
///
/// let options = ClientOptions::new()
///     .connect_timeout(Duration::from_secs(2))
///     .call_timeout(Duration::from_secs(30));
/// assert_eq!(options.get_call_timeout(), Some(Duration::from_secs(30)));
/// ```
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) call_timeout: Option<Duration>,
    pub(crate) tls: Option<asyncio_server::TlsClientConfig>,
    pub(crate) max_line_length: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: None,
            call_timeout: None,
            tls: None,
            max_line_length: DEFAULT_LINE_LIMIT,
        }
    }
}

impl ClientOptions {
    /// No timeouts (as Python's clients by default), no TLS, 100 MiB line limit.
    pub fn new() -> Self {
        ClientOptions::default()
    }

    /// Limit on connecting, TLS and the handshake together (Python's `timeout` while
    /// connecting).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// Limit on waiting for each reply.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = Some(timeout);
        self
    }

    /// Connect with mutual TLS: our certificate and key, and the server certificates to trust,
    /// as given by `--ssl CERT KEY PEER` ([`TlsClientConfig::from_files`]). The host name is not
    /// checked, as with Python peers.
    ///
    /// [`TlsClientConfig::from_files`]: asyncio_server::TlsClientConfig::from_files
    pub fn tls(mut self, config: asyncio_server::TlsClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// Longest line accepted from the server (bytes, without the `\n`).
    pub fn max_line_length(mut self, limit: usize) -> Self {
        self.max_line_length = limit;
        self
    }

    /// The connect timeout.
    pub fn get_connect_timeout(&self) -> Option<Duration> {
        self.connect_timeout
    }

    /// The per-call timeout.
    pub fn get_call_timeout(&self) -> Option<Duration> {
        self.call_timeout
    }
}
