//! Opening a connection (TCP, keepalive, optional TLS, line framing) with `asyncio-server`, and
//! mapping its errors.

use std::net::SocketAddr;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::options::ClientOptions;

/// Reads `\n`-terminated lines, bounded in length.
pub(crate) struct LineReader(asyncio_server::LineReader);

/// Writes `\n`-terminated lines.
pub(crate) struct LineWriter(asyncio_server::LineWriter);

/// A connected, framed session before the handshake.
pub(crate) struct Connection {
    pub(crate) reader: LineReader,
    pub(crate) writer: LineWriter,
    pub(crate) local_addr: SocketAddr,
}

impl From<asyncio_server::Error> for Error {
    fn from(e: asyncio_server::Error) -> Error {
        use asyncio_server::Error as E;
        match e {
            E::LineTooLong { limit } => Error::LineTooLong { limit },
            E::Tls(msg) => Error::Tls(msg),
            E::Connect { host, port, reason } => Error::Connect { host, port, reason },
            E::Io(e) => Error::Io(e),
            other => Error::closed(other.to_string()),
        }
    }
}

impl LineReader {
    /// The next line; [`Error::ConnectionClosed`] at the end of the stream.
    pub(crate) async fn read_line(&mut self) -> Result<String> {
        match self.0.read_line().await? {
            Some(line) => Ok(line),
            None => Err(Error::ConnectionClosed { reason: None }),
        }
    }
}

impl LineWriter {
    /// Writes one line and flushes it.
    pub(crate) async fn write_line(&mut self, line: &str) -> Result<()> {
        Ok(self.0.write_line(line).await?)
    }

    /// Queues one line without flushing.
    pub(crate) async fn feed_line(&mut self, line: &str) -> Result<()> {
        Ok(self.0.feed_line(line).await?)
    }

    /// Flushes queued lines.
    pub(crate) async fn flush(&mut self) -> Result<()> {
        Ok(self.0.flush().await?)
    }

    /// Closes the sending direction (the server sees end of stream).
    pub(crate) async fn shutdown(&mut self) {
        let _ = self.0.shutdown().await;
    }
}

/// Connects (TCP with keepalive, then TLS when configured) and frames the stream. The caller
/// bounds the whole connect phase with its own timeout.
pub(crate) async fn connect(host: &str, port: u16, options: &ClientOptions) -> Result<Connection> {
    // The caller's limit covers the handshake too, and reports every timeout the same way.
    let mut conn = asyncio_server::connect(host, port, options.tls.as_ref(), Duration::MAX)
        .await
        .map_err(|e| match e {
            asyncio_server::Error::Resolve { source, .. } => Error::Connect {
                host: host.to_owned(),
                port,
                reason: source.to_string(),
            },
            other => other.into(),
        })?;
    conn.set_max_line_length(options.max_line_length);
    let local_addr = conn.stream().local_addr()?;
    let (reader, writer) = conn.into_split();
    Ok(Connection {
        reader: LineReader(reader),
        writer: LineWriter(writer),
        local_addr,
    })
}
