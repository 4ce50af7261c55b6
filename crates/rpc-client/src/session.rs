//! The I/O side of a session: the handshake, then a pipelined request/reply engine.
//!
//! After the handshake the connection is driven by two tasks. The writer task takes requests
//! from a channel in the order callers submitted them, registers each caller's reply slot with
//! the reader, then writes the line (several at once when they queue up). The reader task matches
//! each reply line to the oldest slot. A caller that gives up (timeout, dropped future) only drops
//! its slot: its reply is still read, then discarded, so the stream never desyncs.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use pyon_codec::Version;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::protocol::{self, BANNER, Identification};
use crate::transport::{Connection, LineReader, LineWriter};

/// Sends the banner and reads the server's identification.
pub(crate) async fn identify(conn: &mut Connection) -> Result<Identification> {
    conn.writer.write_line(BANNER).await?;
    let line = conn.reader.read_line().await?;
    protocol::parse_identification(&line)
}

/// Selects `target` and reads its method names; returns the PYON version of the session.
pub(crate) async fn select(
    conn: &mut Connection,
    id: &Identification,
    target: &str,
) -> Result<(Version, HashSet<String>)> {
    protocol::check_target(id, target)?;
    let (line, version) = protocol::selection_line(id, target);
    conn.writer.write_line(&line).await?;
    let names = conn.reader.read_line().await.map_err(|e| match e {
        // A server that refuses the target or a feature closes without a word.
        Error::ConnectionClosed { reason: None } => {
            Error::closed(format!("the server refused the selection `{line}`"))
        }
        other => other,
    })?;
    Ok((version, protocol::parse_method_names(&names, version)?))
}

struct Request {
    line: String,
    reply: oneshot::Sender<String>,
}

/// Why the session ended, kept so that every later caller gets the same answer.
#[derive(Default)]
struct Fate(Mutex<Option<Error>>);

impl Fate {
    fn set(&self, e: Error) {
        let mut fate = self.0.lock().unwrap_or_else(|p| p.into_inner());
        fate.get_or_insert(e);
    }

    fn error(&self) -> Error {
        let fate = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match fate.as_ref() {
            None => Error::ConnectionClosed { reason: None },
            Some(Error::LineTooLong { limit }) => Error::LineTooLong { limit: *limit },
            Some(Error::ConnectionClosed { reason }) => Error::ConnectionClosed {
                reason: reason.clone(),
            },
            Some(Error::IncompatibleServer(s)) => Error::IncompatibleServer(s.clone()),
            Some(other) => Error::closed(other.to_string()),
        }
    }
}

/// A selected session with its two I/O tasks.
pub(crate) struct Session {
    pub(crate) target: String,
    pub(crate) version: Version,
    pub(crate) methods: HashSet<String>,
    requests: mpsc::UnboundedSender<Request>,
    stop: CancellationToken,
    fate: Arc<Fate>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Session {
    /// Starts the I/O tasks on the current tokio runtime.
    pub(crate) fn start(
        conn: Connection,
        target: String,
        version: Version,
        methods: HashSet<String>,
    ) -> Session {
        let (requests, request_rx) = mpsc::unbounded_channel();
        let (slot_tx, slot_rx) = mpsc::unbounded_channel();
        let stop = CancellationToken::new();
        let fate = Arc::new(Fate::default());
        let writer = tokio::spawn(write_loop(
            conn.writer,
            request_rx,
            slot_tx,
            stop.clone(),
            fate.clone(),
        ));
        let reader = tokio::spawn(read_loop(conn.reader, slot_rx, stop.clone(), fate.clone()));
        Session {
            target,
            version,
            methods,
            requests,
            stop,
            fate,
            tasks: Mutex::new(vec![writer, reader]),
        }
    }

    /// Sends one request line and waits for its reply line.
    ///
    /// The request is queued before the first `.await`, so dropping the returned future
    /// afterwards never loses the place of the request in the stream.
    pub(crate) fn request(
        &self,
        line: String,
    ) -> impl Future<Output = Result<String>> + Send + 'static {
        let (reply, rx) = oneshot::channel();
        let queued = self.requests.send(Request { line, reply }).is_ok();
        let fate = self.fate.clone();
        async move {
            if !queued {
                return Err(fate.error());
            }
            rx.await.map_err(|_| fate.error())
        }
    }

    /// Whether the session has ended (closed, or the connection broke).
    pub(crate) fn is_closed(&self) -> bool {
        self.stop.is_cancelled() || self.requests.is_closed()
    }

    /// Ends the session and waits for its tasks to finish.
    pub(crate) async fn close(&self) {
        self.stop.cancel();
        let tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        for task in tasks {
            let _ = task.await;
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// How many queued requests are written before one flush.
const WRITE_BATCH: usize = 64;

async fn write_loop(
    mut writer: LineWriter,
    mut requests: mpsc::UnboundedReceiver<Request>,
    slots: mpsc::UnboundedSender<oneshot::Sender<String>>,
    stop: CancellationToken,
    fate: Arc<Fate>,
) {
    let result: Result<()> = async {
        loop {
            let first = tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                req = requests.recv() => match req {
                    Some(req) => req,
                    None => return Ok(()),
                },
            };
            let mut batch = vec![first];
            while batch.len() < WRITE_BATCH {
                match requests.try_recv() {
                    Ok(req) => batch.push(req),
                    Err(_) => break,
                }
            }
            let write = async {
                for req in batch {
                    // The slot is registered before the line leaves: its reply cannot come first.
                    if slots.send(req.reply).is_err() {
                        return Err(Error::closed("the reader stopped"));
                    }
                    writer.feed_line(&req.line).await?;
                }
                writer.flush().await
            };
            tokio::select! {
                _ = stop.cancelled() => return Ok(()),
                r = write => r?,
            }
        }
    }
    .await;
    if let Err(e) = result {
        fate.set(e);
    }
    stop.cancel();
    // Bounded: a server that stopped reading must not keep this task alive.
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), writer.shutdown()).await;
}

async fn read_loop(
    mut reader: LineReader,
    mut slots: mpsc::UnboundedReceiver<oneshot::Sender<String>>,
    stop: CancellationToken,
    fate: Arc<Fate>,
) {
    loop {
        let line = tokio::select! {
            _ = stop.cancelled() => break,
            line = reader.read_line() => line,
        };
        match line {
            Ok(line) => match slots.try_recv() {
                // A caller that went away drops the reply here; the stream stays in step.
                Ok(slot) => {
                    let _ = slot.send(line);
                }
                Err(_) => {
                    fate.set(Error::IncompatibleServer(
                        "a line arrived with no request pending".to_owned(),
                    ));
                    break;
                }
            },
            Err(e) => {
                fate.set(e);
                break;
            }
        }
    }
    stop.cancel();
}
