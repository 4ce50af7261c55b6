//! The same queue for TCP subscribers: a thread that only reads PYON lines from a socket (a
//! `sync_struct` or `broadcast` subscription) and queues them, and a dispatch thread that
//! decodes them and calls the callback, so a slow callback never stalls reading.
//!
//! For any other receiver (an async task, a custom read loop), use [`QueuedDispatch`] directly:
//! push from the receiving side, get the callback on the dispatch thread.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use asyncio_server::{DEFAULT_CLIENT_LINE_LIMIT, LineCodec};
use bytes::BytesMut;
use pyon_codec::Value;
use sync_struct::{BROADCAST_BANNER, SYNC_STRUCT_BANNER};
use tokio_util::codec::Decoder;

use crate::dispatch::{CloseReport, DEFAULT_CLOSE_TIMEOUT, Worker};
pub use crate::dispatch::{Pusher, QueuedDispatch};
use crate::queue::{Capacity, Push};

/// The default longest line: the limit of Python SiPyCo's clients and subscribers (100 MiB),
/// the same as every other subscriber of this workspace.
pub const DEFAULT_MAX_LINE: usize = DEFAULT_CLIENT_LINE_LIMIT;

/// One decoded line.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The PYON value the line held.
    pub value: Value,
    /// Wall-clock time at which the reading thread had the whole line.
    pub received: SystemTime,
    /// The same moment on the monotonic clock.
    pub received_at: Instant,
}

/// How a [`LineReceiver`] reads and queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineOptions {
    /// The queue between the reading and dispatch threads: unbounded by default.
    pub capacity: Capacity,
    /// The longest line accepted; a longer one ends the connection with a logged error.
    pub max_line: usize,
    /// How long [`LineReceiver::close`] waits for the threads.
    pub close_timeout: Duration,
}

impl Default for LineOptions {
    fn default() -> Self {
        LineOptions {
            capacity: Capacity::Unbounded,
            max_line: DEFAULT_MAX_LINE,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
        }
    }
}

struct RawLine {
    text: String,
    received: SystemTime,
    received_at: Instant,
}

#[derive(Default)]
struct Stats {
    lines: AtomicU64,
    malformed: AtomicU64,
    stopping: AtomicBool,
}

/// Reads newline-terminated PYON from a stream on its own thread and calls a callback with each
/// decoded value on another thread, in order.
///
/// The reading thread ends at the end of the stream, on a read error, or on an over-long line
/// (each logged); the dispatch thread then delivers what was queued and ends. A line that is not
/// valid PYON v2 is logged, counted in [`malformed`](Self::malformed), and skipped.
pub struct LineReceiver {
    reader: Option<Worker>,
    dispatch: Option<QueuedDispatch<RawLine>>,
    shutdown: Option<TcpStream>,
    stats: Arc<Stats>,
    close_timeout: Duration,
}

impl std::fmt::Debug for LineReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineReceiver")
            .field("lines", &self.lines())
            .field("queued", &self.len())
            .finish()
    }
}

impl LineReceiver {
    /// Starts reading `reader`. [`close`](Self::close) cannot interrupt a blocked read of a
    /// generic reader; use [`from_tcp`](Self::from_tcp) for sockets.
    pub fn spawn<R: Read + Send + 'static>(
        reader: R,
        options: LineOptions,
        callback: impl FnMut(Line) + Send + 'static,
    ) -> io::Result<Self> {
        Self::start(reader, None, options, callback)
    }

    /// Starts reading a TCP stream; [`close`](Self::close) shuts it down.
    pub fn from_tcp(
        stream: TcpStream,
        options: LineOptions,
        callback: impl FnMut(Line) + Send + 'static,
    ) -> io::Result<Self> {
        let shutdown = stream.try_clone()?;
        Self::start(stream, Some(shutdown), options, callback)
    }

    /// Connects to a SiPyCo broadcaster, subscribes to `channel` (`ARTIQ broadcast` banner), and
    /// receives each broadcast object.
    pub fn subscribe_broadcast(
        addr: impl ToSocketAddrs,
        channel: &str,
        options: LineOptions,
        callback: impl FnMut(Line) + Send + 'static,
    ) -> io::Result<Self> {
        Self::connect(addr, BROADCAST_BANNER, channel, options, callback)
    }

    /// Connects to a SiPyCo sync_struct publisher, subscribes to `notifier` (`ARTIQ sync_struct`
    /// banner), and receives the `init` message and each mod.
    pub fn subscribe_sync_struct(
        addr: impl ToSocketAddrs,
        notifier: &str,
        options: LineOptions,
        callback: impl FnMut(Line) + Send + 'static,
    ) -> io::Result<Self> {
        Self::connect(addr, SYNC_STRUCT_BANNER, notifier, options, callback)
    }

    fn connect(
        addr: impl ToSocketAddrs,
        banner: &str,
        name: &str,
        options: LineOptions,
        callback: impl FnMut(Line) + Send + 'static,
    ) -> io::Result<Self> {
        let mut stream = TcpStream::connect(addr)?;
        stream.write_all(format!("{banner}\n{name}\n").as_bytes())?;
        Self::from_tcp(stream, options, callback)
    }

    fn start<R: Read + Send + 'static>(
        reader: R,
        shutdown: Option<TcpStream>,
        options: LineOptions,
        mut callback: impl FnMut(Line) + Send + 'static,
    ) -> io::Result<Self> {
        let stats = Arc::new(Stats::default());
        let s = Arc::clone(&stats);
        let dispatch = QueuedDispatch::spawn("ql-lines-dispatch", options.capacity, move |raw| {
            match decode_line(&raw) {
                Ok(value) => callback(Line {
                    value,
                    received: raw.received,
                    received_at: raw.received_at,
                }),
                Err(e) => {
                    s.malformed.fetch_add(1, Ordering::Relaxed);
                    tracing::error!("skipping line: {e}");
                }
            }
        })?;
        let (pusher, s, max) = (dispatch.pusher(), Arc::clone(&stats), options.max_line);
        let reader = Worker::spawn("ql-lines-read", move || {
            read_lines(reader, max, &pusher, &s);
            pusher.finish();
        })?;
        Ok(LineReceiver {
            reader: Some(reader),
            dispatch: Some(dispatch),
            shutdown,
            stats,
            close_timeout: options.close_timeout,
        })
    }

    /// Lines read from the stream so far.
    pub fn lines(&self) -> u64 {
        self.stats.lines.load(Ordering::Acquire)
    }

    /// Lines skipped as invalid PYON.
    pub fn malformed(&self) -> u64 {
        self.stats.malformed.load(Ordering::Relaxed)
    }

    /// Lines handled by the dispatch thread (delivered or skipped).
    pub fn dispatched(&self) -> u64 {
        self.dispatch.as_ref().map_or(0, QueuedDispatch::delivered)
    }

    /// Lines waiting for the dispatch thread.
    pub fn len(&self) -> usize {
        self.dispatch.as_ref().map_or(0, QueuedDispatch::len)
    }

    /// Whether no line is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lines dropped by a bounded queue.
    pub fn dropped(&self) -> u64 {
        self.dispatch.as_ref().map_or(0, QueuedDispatch::dropped)
    }

    /// Whether the stream has ended (or failed) and every queued line was dispatched.
    pub fn is_finished(&self) -> bool {
        self.reader.as_ref().is_none_or(Worker::is_finished)
            && self
                .dispatch
                .as_ref()
                .is_none_or(QueuedDispatch::is_finished)
    }

    /// Waits until the reading thread has ended (end of the stream, a read error or a bad
    /// line), at most `timeout`, without polling; returns whether it did. Every line read is
    /// then counted in [`lines`](Self::lines) and queued or dispatched.
    pub fn wait_end_of_stream(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        self.reader.as_ref().is_none_or(|w| w.wait_until(deadline))
    }

    /// Waits until the stream ends and every line is dispatched, at most `timeout`; then closes.
    pub fn finish(mut self, timeout: Duration) -> CloseReport {
        let deadline = Instant::now() + timeout;
        let receiver_stopped = self.reader.take().is_none_or(|w| w.join_until(deadline));
        let mut report = match self.dispatch.take() {
            Some(d) => d.finish(deadline.saturating_duration_since(Instant::now())),
            None => CloseReport {
                receiver_stopped: true,
                dispatcher_stopped: true,
                discarded: 0,
            },
        };
        report.receiver_stopped = receiver_stopped;
        self.stop_reading();
        report
    }

    /// Stops reading (shutting a TCP stream down), discards queued lines, and waits for both
    /// threads at most the configured close timeout.
    pub fn close(mut self) -> CloseReport {
        self.shut_down()
    }

    fn stop_reading(&mut self) {
        self.stats.stopping.store(true, Ordering::Release);
        if let Some(s) = self.shutdown.take() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    fn shut_down(&mut self) -> CloseReport {
        let deadline = Instant::now() + self.close_timeout;
        self.stop_reading();
        let mut report = match self.dispatch.as_mut() {
            Some(d) => d.shut_down_now(deadline),
            None => CloseReport {
                receiver_stopped: true,
                dispatcher_stopped: true,
                discarded: 0,
            },
        };
        self.dispatch = None;
        report.receiver_stopped = self.reader.take().is_none_or(|w| w.join_until(deadline));
        report
    }
}

impl Drop for LineReceiver {
    fn drop(&mut self) {
        if self.reader.is_some() || self.dispatch.is_some() {
            self.stop_reading();
        }
    }
}

fn decode_line(raw: &RawLine) -> Result<Value, String> {
    pyon_codec::decode(&raw.text).map_err(|e| e.to_string())
}

fn read_lines<R: Read>(reader: R, max_line: usize, queue: &Pusher<RawLine>, stats: &Stats) {
    let mut lines = Lines::new(reader, max_line);
    loop {
        match lines.next_line() {
            Ok(Some(text)) => {
                let pushed = queue.push(RawLine {
                    text,
                    received: SystemTime::now(),
                    received_at: Instant::now(),
                });
                stats.lines.fetch_add(1, Ordering::Release);
                if pushed == Push::Closed {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                if !stats.stopping.load(Ordering::Acquire) {
                    tracing::error!("closing the connection: {e}");
                }
                return;
            }
        }
    }
}

/// A blocking reader of lines framed by asyncio-server's [`LineCodec`]: the same limit, the same
/// UTF-8 check and the same end-of-input rule (a last line without `\n` is an error, a
/// truncated message) as the async subscribers.
struct Lines<R> {
    reader: R,
    codec: LineCodec,
    buf: BytesMut,
    eof: bool,
}

/// How much is read from the stream at a time.
const READ_CHUNK: usize = 1 << 16;

impl<R: Read> Lines<R> {
    fn new(reader: R, max_line: usize) -> Self {
        Lines {
            reader,
            codec: LineCodec::new(max_line),
            buf: BytesMut::with_capacity(READ_CHUNK),
            eof: false,
        }
    }

    /// The next line without its `\n`; `None` at a clean end of the stream.
    fn next_line(&mut self) -> Result<Option<String>, asyncio_server::Error> {
        loop {
            if self.eof {
                return self.codec.decode_eof(&mut self.buf);
            }
            if let Some(line) = self.codec.decode(&mut self.buf)? {
                return Ok(Some(line));
            }
            let start = self.buf.len();
            self.buf.resize(start + READ_CHUNK, 0);
            let read = loop {
                match self
                    .reader
                    .read(self.buf.get_mut(start..).unwrap_or_default())
                {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let n = match read {
                Ok(n) => n,
                Err(e) => {
                    self.buf.truncate(start);
                    return Err(e.into());
                }
            };
            self.buf.truncate(start + n);
            self.eof = n == 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out its data in fixed-size pieces, as a socket might.
    struct Pieces<'a> {
        data: &'a [u8],
        piece: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.piece.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    fn lines(data: &[u8], piece: usize, max: usize) -> (Vec<String>, Option<String>) {
        let mut r = Lines::new(Pieces { data, piece }, max);
        let mut out = Vec::new();
        loop {
            match r.next_line() {
                Ok(Some(line)) => out.push(line),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn splits_lines_whatever_the_pieces() {
        for piece in [1, 2, 3, 7, 100, 1 << 17] {
            assert_eq!(
                lines(b"a\n\nbcd\nlast\n", piece, 10),
                (
                    vec!["a".into(), "".into(), "bcd".into(), "last".into()],
                    None
                ),
                "piece {piece}"
            );
        }
    }

    #[test]
    fn errors_end_reading() {
        // As with the async subscribers: a stream that ends inside a line was cut short, and
        // over-long lines and invalid UTF-8 end the connection.
        let table: [(&[u8], usize, &[&str], &str); 3] = [
            (
                b"a\nlast",
                10,
                &["a"],
                "connection closed in the middle of a line (4 bytes without `\\n`)",
            ),
            (b"1234\n12345\n", 4, &["1234"], "line longer than 4 bytes"),
            (
                b"ok\n\xff\n",
                10,
                &["ok"],
                "line is not valid UTF-8 (invalid byte at offset 0)",
            ),
        ];
        for (data, max, good, error) in table {
            for piece in [1, 3, 100] {
                let (got, err) = lines(data, piece, max);
                assert_eq!(got, good, "{data:?} in pieces of {piece}");
                assert_eq!(err.as_deref(), Some(error), "{data:?} in pieces of {piece}");
            }
        }
    }
}
