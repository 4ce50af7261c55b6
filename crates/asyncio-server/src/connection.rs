//! [`Connection`]: read and write lines on a [`Stream`].

use std::io;
use std::net::SocketAddr;

use bytes::BytesMut;
use futures::{SinkExt, StreamExt};
use tokio::io::{ReadHalf, WriteHalf};
use tokio_util::codec::{Framed, FramedRead, FramedWrite};

use crate::error::{Error, Result};
use crate::framing::LineCodec;
use crate::stream::Stream;

/// One connection speaking a line protocol: a [`Stream`] framed by a [`LineCodec`].
///
/// [`read_line`](Self::read_line) returns `Ok(None)` on a clean end of stream.
/// [`write_line`](Self::write_line) and [`write_lines`](Self::write_lines) hand the data to the
/// operating system before returning; [`feed_line`](Self::feed_line) only buffers, for callers
/// that batch lines and [`flush`](Self::flush) themselves.
///
/// After any error the connection is unusable and should be dropped.
#[derive(Debug)]
pub struct Connection {
    framed: Framed<Stream, LineCodec>,
    peer_addr: SocketAddr,
}

impl Connection {
    /// Frame `stream`, accepting lines of at most `max_line_length` bytes (see
    /// [`DEFAULT_SERVER_LINE_LIMIT`](crate::DEFAULT_SERVER_LINE_LIMIT) and
    /// [`DEFAULT_CLIENT_LINE_LIMIT`](crate::DEFAULT_CLIENT_LINE_LIMIT)).
    pub fn new(stream: Stream, max_line_length: usize) -> Result<Self> {
        let peer_addr = stream.peer_addr()?;
        Ok(Connection {
            framed: Framed::new(stream, LineCodec::new(max_line_length)),
            peer_addr,
        })
    }

    /// Address of the other end.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer_addr
    }

    /// The underlying stream (for socket options, or to see whether it is TLS).
    pub fn stream(&self) -> &Stream {
        self.framed.get_ref()
    }

    /// The longest line accepted.
    pub fn max_line_length(&self) -> usize {
        self.framed.codec().max_length()
    }

    /// Change the longest line accepted (for example once a handshake is over).
    pub fn set_max_line_length(&mut self, max_line_length: usize) {
        self.framed.codec_mut().set_max_length(max_line_length);
    }

    /// The next line, without its `\n`; `Ok(None)` when the peer closed the connection cleanly
    /// (at a line boundary).
    ///
    /// Errors: [`Error::LineTooLong`], [`Error::InvalidUtf8`], [`Error::UnexpectedEof`] (closed
    /// mid-line), [`Error::Tls`], [`Error::Io`] (reset connection, ...).
    pub async fn read_line(&mut self) -> Result<Option<String>> {
        let result = self.framed.next().await.transpose();
        clean_eof(result, self.framed.read_buffer())
    }

    /// Puts `line` (a `\n` is added) back in front of whatever is still unread, so that the next
    /// [`read_line`](Self::read_line) returns it: the banner dispatch reads a connection's first
    /// line and hands the connection on as if it had not.
    pub(crate) fn unread_line(&mut self, line: &str) {
        let rest = self.framed.read_buffer_mut();
        let mut buf = BytesMut::with_capacity(line.len() + 1 + rest.len());
        buf.extend_from_slice(line.as_bytes());
        buf.extend_from_slice(b"\n");
        buf.extend_from_slice(rest);
        *rest = buf;
    }

    /// Send one line (`\n` is appended) and flush it.
    pub async fn write_line(&mut self, line: &str) -> Result<()> {
        self.framed.send(line).await
    }

    /// Send several lines and flush them together.
    pub async fn write_lines<I, S>(&mut self, lines: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        feed_all(&mut self.framed, lines).await
    }

    /// Buffer one line without flushing (the buffer is written out when it grows large).
    pub async fn feed_line(&mut self, line: &str) -> Result<()> {
        self.framed.feed(line).await
    }

    /// Write out everything buffered.
    pub async fn flush(&mut self) -> Result<()> {
        self.framed.flush().await
    }

    /// Flush, then close our sending side (a TLS stream sends its `close_notify`).
    pub async fn shutdown(&mut self) -> Result<()> {
        self.framed.close().await
    }

    /// Split into a reading half and a writing half that can live in different tasks (for
    /// example a publisher that writes from a queue while watching for the peer to go away).
    ///
    /// Lines already received but not yet read stay with the [`LineReader`]; lines buffered but
    /// not yet flushed stay with the [`LineWriter`].
    pub fn into_split(self) -> (LineReader, LineWriter) {
        let peer_addr = self.peer_addr;
        let parts = self.framed.into_parts();
        let (read, write) = tokio::io::split(parts.io);
        let mut reader = FramedRead::new(read, parts.codec.clone());
        *reader.read_buffer_mut() = parts.read_buf;
        let mut writer = FramedWrite::new(write, parts.codec);
        *writer.write_buffer_mut() = parts.write_buf;
        (
            LineReader {
                framed: reader,
                peer_addr,
            },
            LineWriter {
                framed: writer,
                peer_addr,
            },
        )
    }
}

/// The reading half of a [`Connection`] (see [`Connection::into_split`]).
#[derive(Debug)]
pub struct LineReader {
    framed: FramedRead<ReadHalf<Stream>, LineCodec>,
    peer_addr: SocketAddr,
}

impl LineReader {
    /// Address of the other end.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer_addr
    }

    /// As [`Connection::read_line`].
    pub async fn read_line(&mut self) -> Result<Option<String>> {
        let result = self.framed.next().await.transpose();
        clean_eof(result, self.framed.read_buffer())
    }
}

/// The writing half of a [`Connection`] (see [`Connection::into_split`]).
#[derive(Debug)]
pub struct LineWriter {
    framed: FramedWrite<WriteHalf<Stream>, LineCodec>,
    peer_addr: SocketAddr,
}

impl LineWriter {
    /// Address of the other end.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer_addr
    }

    /// As [`Connection::write_line`].
    pub async fn write_line(&mut self, line: &str) -> Result<()> {
        self.framed.send(line).await
    }

    /// As [`Connection::write_lines`].
    pub async fn write_lines<I, S>(&mut self, lines: I) -> Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        feed_all(&mut self.framed, lines).await
    }

    /// As [`Connection::feed_line`].
    pub async fn feed_line(&mut self, line: &str) -> Result<()> {
        self.framed.feed(line).await
    }

    /// As [`Connection::flush`].
    pub async fn flush(&mut self) -> Result<()> {
        self.framed.flush().await
    }

    /// As [`Connection::shutdown`].
    pub async fn shutdown(&mut self) -> Result<()> {
        self.framed.close().await
    }
}

/// Buffers every line, then flushes once: both halves of the API write several lines so.
async fn feed_all<W, I, S>(framed: &mut W, lines: I) -> Result<()>
where
    W: for<'a> futures::Sink<&'a str, Error = Error> + Unpin,
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    for line in lines {
        framed.feed(line.as_ref()).await?;
    }
    framed.flush().await
}

/// A TLS peer that closes the socket without `close_notify` after a complete line has not lost
/// anything: treat it as a clean end of stream, like Python does.
fn clean_eof(result: Result<Option<String>>, read_buf: &BytesMut) -> Result<Option<String>> {
    match result {
        Err(Error::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof && read_buf.is_empty() => {
            Ok(None)
        }
        other => other,
    }
}
