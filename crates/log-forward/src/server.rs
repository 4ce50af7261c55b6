//! The log server: accepts forwarders and hands their records to a [`RecordSink`] (Python's
//! `sipyco.logs.Server`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use asyncio_server::{Connection, Server, ServerHandle};

use crate::error::Error;
use crate::parser::LogParser;
use crate::record::{Level, LogRecord};

/// First line a forwarder sends.
pub const BANNER: &str = "ARTIQ logging";

/// `tracing` target of the events that [`TracingSink`] emits for received records (their
/// logger name is in the `logger` field, their source in the `source` field).
pub const REMOTE_TARGET: &str = "log_forward::remote";

/// `tracing` target of the server's own messages (a bad peer, ...).
const SERVER_TARGET: &str = "log_forward::server";

/// Where received records go.
pub trait RecordSink: Send + Sync + 'static {
    /// Take one record (with its source set). Called from the connection's task: do not block
    /// for long.
    fn record(&self, record: LogRecord);
}

impl<F> RecordSink for F
where
    F: Fn(LogRecord) + Send + Sync + 'static,
{
    fn record(&self, record: LogRecord) {
        self(record)
    }
}

/// Collect records into a vector (for tests and small tools).
impl RecordSink for std::sync::Mutex<Vec<LogRecord>> {
    fn record(&self, record: LogRecord) {
        self.lock().unwrap_or_else(|e| e.into_inner()).push(record);
    }
}

/// The default sink: each record becomes a `tracing` event of target [`REMOTE_TARGET`] with
/// fields `source` and `logger` and the message, at the record's level (CRITICAL as an `ERROR`
/// event with `levelname = "CRITICAL"`). [`MultilineFormat`](crate::MultilineFormat) shows it as
/// `LEVEL:name:message`, [`SourceFilter`](crate::SourceFilter) lets it through whatever its
/// level, and a [`LogForwarder`](crate::LogForwarder) passes it on with its source (as
/// ARTIQ's controller manager does).
#[derive(Debug, Clone, Copy, Default)]
pub struct TracingSink;

impl RecordSink for TracingSink {
    fn record(&self, record: LogRecord) {
        emit_tracing(&record);
    }
}

/// Emit `record` as a `tracing` event (see [`TracingSink`]).
pub fn emit_tracing(record: &LogRecord) {
    let source = record.source.as_deref().unwrap_or("");
    let name = record.name.as_str();
    let message = record.message.as_str();
    match record.level {
        Level::Critical => tracing::error!(
            target: REMOTE_TARGET,
            levelname = "CRITICAL",
            source,
            logger = name,
            "{message}"
        ),
        Level::Error => tracing::error!(target: REMOTE_TARGET, source, logger = name, "{message}"),
        Level::Warning => tracing::warn!(target: REMOTE_TARGET, source, logger = name, "{message}"),
        Level::Info => tracing::info!(target: REMOTE_TARGET, source, logger = name, "{message}"),
        Level::Debug => tracing::debug!(target: REMOTE_TARGET, source, logger = name, "{message}"),
        Level::Trace => tracing::trace!(target: REMOTE_TARGET, source, logger = name, "{message}"),
    }
}

/// A log server: an [`asyncio_server::Server`] whose connections speak the logging protocol.
///
/// ```no_run
/// # async fn example() -> log_forward::Result<()> {
/// use log_forward::LogServer;
///
/// let server = asyncio_server::Server::bind(&["127.0.0.1:1066".parse().unwrap()])?;
/// LogServer::new(server)
///     .with_sink(|record: log_forward::LogRecord| println!("{}", record.to_wire_text()))
///     .serve(asyncio_server::terminate_signal()?)
///     .await;
/// # Ok(())
/// # }
/// ```
pub struct LogServer {
    server: Server,
    sink: Arc<dyn RecordSink>,
}

impl std::fmt::Debug for LogServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogServer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl LogServer {
    /// Serve the logging protocol on `server`, with the [`TracingSink`].
    pub fn new(server: Server) -> LogServer {
        LogServer {
            server,
            sink: Arc::new(TracingSink),
        }
    }

    /// Hand records to `sink` instead.
    pub fn with_sink(mut self, sink: impl RecordSink) -> LogServer {
        self.sink = Arc::new(sink);
        self
    }

    /// The addresses the server listens on.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.server.local_addrs()
    }

    /// A handle that stops the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Accept forwarders until `shutdown` resolves or the handle stops the server.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let sink = self.sink;
        self.server
            .serve(
                move |conn| {
                    let sink = sink.clone();
                    async move {
                        if let Err(e) = serve_connection(conn, &*sink).await {
                            tracing::debug!(target: SERVER_TARGET, "{e}");
                        }
                    }
                },
                shutdown,
            )
            .await;
    }
}

/// Serve one forwarder's connection: check the banner, then parse its records, attach their
/// source and hand them to `sink` until the forwarder disconnects.
///
/// A record line without any `:` ends the connection with a warning naming the peer and the
/// line, as Python's server does; so does a framing error (over-long line, invalid UTF-8).
/// A wrong banner closes the connection without a word.
///
/// # Errors
///
/// The reason the connection ended early, already logged when it deserves a warning.
pub async fn serve_connection(mut conn: Connection, sink: &dyn RecordSink) -> Result<(), Error> {
    let peer = conn.peer_addr();
    match conn.read_line().await? {
        Some(line) if line == BANNER => {}
        Some(line) => return Err(Error::Banner(line)),
        None => return Ok(()),
    }
    let mut parser = LogParser::new();
    let mut source = String::new();
    loop {
        let line = match conn.read_line().await {
            Ok(Some(line)) => line,
            Ok(None) => return Ok(()),
            Err(e) => {
                tracing::warn!(target: SERVER_TARGET, "dropping connection to {peer}: {e}");
                return Err(e.into());
            }
        };
        let text = if parser.in_multiline() {
            line.as_str()
        } else {
            match line.split_once(':') {
                Some((line_source, rest)) => {
                    source.clear();
                    source.push_str(line_source);
                    rest
                }
                None => {
                    tracing::warn!(
                        target: SERVER_TARGET,
                        "received improperly formatted message, dropping connection to {peer}: '{line}'"
                    );
                    return Err(Error::Malformed(line));
                }
            }
        };
        match parser.line_input(text) {
            Ok(Some(record)) => sink.record(record.with_source(source.as_str())),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(target: SERVER_TARGET, "dropping connection to {peer}: {e}");
                return Err(e);
            }
        }
    }
}
