//! Broadcasts on named channels: [`Broadcaster`] (server) and [`Receiver`] (client), as Python's
//! `sipyco.broadcast`.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use asyncio_server::{Connection, DEFAULT_CLIENT_LINE_LIMIT, Server, TlsClientConfig};
use pyon_codec::{Value, Version};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use crate::error::{Error, Result};
use crate::outbox::{CloseOnDrop, Line, Outbox, Policy, Pushed, flush_all};
use crate::publisher::{SHUTDOWN_FLUSH_TIMEOUT, until_gone};

/// The banner a receiver sends first.
pub const BROADCAST_BANNER: &str = "ARTIQ broadcast";

/// Lines queued per receiver before new ones are dropped (Python's default).
pub const DEFAULT_QUEUE_LIMIT: usize = 1024;

/// Sends objects to every receiver of a channel, as Python's `broadcast.Broadcaster`.
///
/// A receiver connects, sends `ARTIQ broadcast` and a channel name, then gets one PYON line per
/// object broadcast on that channel. Each receiver has a queue of
/// [`DEFAULT_QUEUE_LIMIT`] lines; when it is full, new lines for that receiver are dropped. Drops
/// are counted ([`dropped`](Self::dropped)) and logged once per receiver; the log call can never
/// recurse into another drop warning, even when log records are themselves broadcast (ARTIQ's
/// master broadcasts its log on channel `log`).
///
/// ```no_run
/// use pyon_codec::tuple;
/// use sync_struct::Broadcaster;
///
/// # async fn example() -> sync_struct::Result<()> {
/// let broadcaster = Broadcaster::new();
/// let server = asyncio_server::Server::bind(&["127.0.0.1:1067".parse().unwrap()])?;
/// tokio::spawn(broadcaster.clone().serve(server, std::future::pending()));
/// broadcaster.broadcast("log", &tuple!["INFO", "x"])?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Broadcaster {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    queue_limit: usize,
    version: Version,
    channels: Mutex<HashMap<String, Vec<Arc<Outbox>>>>,
    dropped: AtomicU64,
    /// Signalled when a receiver registers.
    joined: Notify,
}

impl Default for Broadcaster {
    fn default() -> Self {
        Broadcaster::new()
    }
}

thread_local! {
    /// Set while a drop warning is being logged on this thread.
    static WARNING: Cell<bool> = const { Cell::new(false) };
}

impl Broadcaster {
    /// A broadcaster with queues of [`DEFAULT_QUEUE_LIMIT`] lines, sending PYON v2.
    pub fn new() -> Broadcaster {
        Broadcaster::with_options(DEFAULT_QUEUE_LIMIT, Version::V2)
    }

    /// A broadcaster with queues of `queue_limit` lines, sending PYON `version` (v1 for receivers
    /// of ARTIQ 8 and older).
    pub fn with_options(queue_limit: usize, version: Version) -> Broadcaster {
        Broadcaster {
            shared: Arc::new(Shared {
                queue_limit: queue_limit.max(1),
                version,
                channels: Mutex::default(),
                dropped: AtomicU64::new(0),
                joined: Notify::new(),
            }),
        }
    }

    fn channels(&self) -> MutexGuard<'_, HashMap<String, Vec<Arc<Outbox>>>> {
        self.shared
            .channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends `obj` to every receiver of `channel`. Nothing is encoded when no one listens.
    pub fn broadcast(&self, channel: &str, obj: &Value) -> Result<()> {
        let mut first_drops = 0usize;
        {
            let mut channels = self.channels();
            let Some(receivers) = channels.get_mut(channel) else {
                return Ok(());
            };
            let line: Line = self.shared.version.encode(obj)?.into();
            receivers.retain(|outbox| match outbox.push(&line) {
                Pushed::Queued => true,
                Pushed::Dropped { first } => {
                    self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                    first_drops += usize::from(first);
                    true
                }
                Pushed::Overflowed | Pushed::Closed => false,
            });
            if receivers.is_empty() {
                channels.remove(channel);
            }
        }
        // Logged outside the lock, and never from inside our own warning: a log handler that
        // broadcasts the record comes back here, and must not warn again.
        if first_drops > 0 && !WARNING.get() {
            WARNING.set(true);
            warn!(
                "{first_drops} receiver(s) of channel {channel:?} too slow: queue of {} lines \
                 full, dropping lines",
                self.shared.queue_limit
            );
            WARNING.set(false);
        }
        Ok(())
    }

    /// Lines dropped because a receiver's queue was full, since the start.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// How many receivers listen on `channel`.
    pub fn receiver_count(&self, channel: &str) -> usize {
        self.channels()
            .get(channel)
            .map_or(0, |r| r.iter().filter(|o| !o.is_closed()).count())
    }

    /// Resolves once at least `n` receivers listen on `channel`.
    pub async fn wait_receivers(&self, channel: &str, n: usize) {
        loop {
            let joined = self.shared.joined.notified();
            tokio::pin!(joined);
            joined.as_mut().enable();
            if self.receiver_count(channel) >= n {
                return;
            }
            joined.await;
        }
    }

    /// Waits until every line broadcast so far has been handed to the receivers' sockets, at
    /// most `timeout`; `true` if all were.
    pub async fn flush(&self, timeout: Duration) -> bool {
        let outboxes = self.channels().values().flatten().cloned().collect();
        flush_all(outboxes, timeout).await
    }

    /// Accepts receivers on `server` until `shutdown` resolves (or the server's handle stops it).
    /// Once `shutdown` resolves, lines already broadcast are still written out (for at most
    /// [`SHUTDOWN_FLUSH_TIMEOUT`](crate::SHUTDOWN_FLUSH_TIMEOUT)), then receivers are
    /// disconnected.
    pub async fn serve(self, server: Server, shutdown: impl Future<Output = ()>) {
        let broadcaster = self.clone();
        let shutdown = async move {
            shutdown.await;
            broadcaster.flush(SHUTDOWN_FLUSH_TIMEOUT).await;
        };
        server
            .serve(
                move |conn| {
                    let broadcaster = self.clone();
                    async move { broadcaster.handle_connection(conn).await }
                },
                shutdown,
            )
            .await;
    }

    /// Serves one receiver connection until it leaves. For use with a server of one's own;
    /// [`serve`](Self::serve) calls it.
    pub async fn handle_connection(&self, mut conn: Connection) {
        let peer = conn.peer_addr();
        match conn.read_line().await {
            Ok(Some(line)) if line == BROADCAST_BANNER => {}
            Ok(Some(line)) => {
                debug!("{peer}: not a broadcast client ({line:?}); closing");
                return;
            }
            Ok(None) | Err(_) => return,
        }
        let channel = match conn.read_line().await {
            Ok(Some(channel)) => channel,
            Ok(None) | Err(_) => return,
        };
        let outbox = Outbox::new(Policy::DropNewest {
            max_lines: self.shared.queue_limit,
        });
        self.channels()
            .entry(channel.clone())
            .or_default()
            .push(outbox.clone());
        self.shared.joined.notify_waiters();
        let _unregister = CloseOnDrop(outbox.clone());
        debug!("{peer}: receiving channel {channel:?}");
        let (reader, mut writer) = conn.into_split();
        let outcome = tokio::select! {
            pumped = outbox.pump(&mut writer) => pumped.map(drop),
            () = until_gone(reader) => Ok(()),
        };
        if let Err(e) = outcome {
            debug!("{peer}: receiver of {channel:?} lost: {e}");
        }
        let dropped = outbox.dropped();
        if dropped > 0 {
            debug!("{peer}: receiver of {channel:?} left; {dropped} line(s) were dropped for it");
        }
        // Unregister now rather than at the next broadcast on the channel.
        outbox.close();
        let mut channels = self.channels();
        if let Some(receivers) = channels.get_mut(&channel) {
            receivers.retain(|o| !Arc::ptr_eq(o, &outbox));
            if receivers.is_empty() {
                channels.remove(&channel);
            }
        }
    }
}

type ObjectCallback = Box<dyn FnMut(Value) + Send>;
type Hook = Box<dyn FnMut() + Send>;

/// Receives the objects of one broadcast channel, as Python's `broadcast.Receiver`.
///
/// ```no_run
/// use sync_struct::Receiver;
///
/// # async fn example() -> sync_struct::Result<()> {
/// let mut receiver = Receiver::new("log")
///     .on_object(|obj| println!("{obj:?}"))
///     .connect("localhost", 1067)
///     .await?;
/// receiver.wait().await?; // until the broadcaster closes
/// # Ok(())
/// # }
/// ```
///
/// Lines are decoded as PYON v2, or v1 for broadcasters of ARTIQ 8 and older.
pub struct Receiver {
    channel: String,
    notify_cbs: Vec<ObjectCallback>,
    disconnect_cb: Option<Hook>,
    tls: Option<TlsClientConfig>,
    max_line_length: usize,
    connect_timeout: Duration,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("channel", &self.channel)
            .field("notify_cbs", &self.notify_cbs.len())
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A receiver of `channel`.
    pub fn new(channel: impl Into<String>) -> Receiver {
        Receiver {
            channel: channel.into(),
            notify_cbs: Vec::new(),
            disconnect_cb: None,
            tls: None,
            max_line_length: DEFAULT_CLIENT_LINE_LIMIT,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Adds a callback called with each object received; callbacks run in turn.
    pub fn on_object(mut self, f: impl FnMut(Value) + Send + 'static) -> Self {
        self.notify_cbs.push(Box::new(f));
        self
    }

    /// Called when the connection ends for a reason other than [`ReceiverHandle::close`].
    pub fn on_disconnect(mut self, f: impl FnMut() + Send + 'static) -> Self {
        self.disconnect_cb = Some(Box::new(f));
        self
    }

    /// Connects with mutual TLS.
    pub fn tls(mut self, config: TlsClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// The longest line accepted (100 MiB by default).
    pub fn max_line_length(mut self, max: usize) -> Self {
        self.max_line_length = max;
        self
    }

    /// How long the connection attempt may take (10 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connects to the broadcaster at `host:port`, sends the handshake, and starts receiving in
    /// a task.
    pub async fn connect(mut self, host: &str, port: u16) -> Result<ReceiverHandle> {
        let mut conn =
            asyncio_server::connect(host, port, self.tls.as_ref(), self.connect_timeout).await?;
        conn.set_max_line_length(self.max_line_length);
        conn.write_lines([BROADCAST_BANNER, self.channel.as_str()])
            .await?;
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(async move {
            let outcome = tokio::select! {
                outcome = self.receive(conn) => outcome,
                _ = stop_rx => return Ok(()),
            };
            if let Err(e) = &outcome {
                warn!("broadcast channel {:?}: connection lost: {e}", self.channel);
            }
            if let Some(cb) = &mut self.disconnect_cb {
                cb();
            }
            outcome
        });
        Ok(ReceiverHandle {
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    async fn receive(&mut self, mut conn: Connection) -> Result<()> {
        let mut version = None;
        while let Some(line) = conn.read_line().await? {
            let obj = decode_object(&line, &mut version)?;
            if let Some((last, rest)) = self.notify_cbs.split_last_mut() {
                for cb in rest {
                    cb(obj.clone());
                }
                last(obj);
            }
        }
        Ok(())
    }
}

/// Decodes in the version of the previous lines first, then in the other one.
fn decode_object(line: &str, version: &mut Option<Version>) -> Result<Value> {
    if let Some(v) = *version
        && let Ok(obj) = v.decode(line)
    {
        return Ok(obj);
    }
    let (obj, v) = pyon_codec::decode_auto(line).map_err(Error::Pyon)?;
    *version = Some(v);
    Ok(obj)
}

/// A connected [`Receiver`]. Dropping it closes the receiver.
#[derive(Debug)]
pub struct ReceiverHandle {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<()>>>,
}

impl ReceiverHandle {
    /// Whether the receiver stopped.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits until the broadcaster closes the connection (`Ok`) or it fails.
    pub async fn wait(&mut self) -> Result<()> {
        match self.task.take() {
            Some(task) => task
                .await
                .unwrap_or_else(|e| Err(Error::Protocol(format!("receiver task failed: {e}")))),
            None => Ok(()),
        }
    }

    /// Disconnects (the disconnect callback is not called) and waits for the task.
    pub async fn close(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }
}

impl Drop for ReceiverHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    use super::*;

    /// A log handler that broadcasts every record on channel `log`, as ARTIQ's master does.
    struct Rebroadcast {
        broadcaster: Broadcaster,
        records: Arc<AtomicUsize>,
    }

    impl<S: tracing::Subscriber> Layer<S> for Rebroadcast {
        fn on_event(&self, _event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
            self.records.fetch_add(1, Ordering::Relaxed);
            let _ = self.broadcaster.broadcast("log", &Value::str("record"));
        }
    }

    #[test]
    fn drops_are_counted_and_logged_once_without_recursion() {
        let broadcaster = Broadcaster::with_options(1, Version::V2);
        let slow = [
            Outbox::new(Policy::DropNewest { max_lines: 1 }),
            Outbox::new(Policy::DropNewest { max_lines: 1 }),
        ];
        broadcaster.channels().insert("log".into(), slow.to_vec());
        let records = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(Rebroadcast {
            broadcaster: broadcaster.clone(),
            records: records.clone(),
        });
        tracing::subscriber::with_default(subscriber, || {
            broadcaster.broadcast("log", &Value::Int(1)).unwrap(); // fills both queues
            broadcaster.broadcast("log", &Value::Int(2)).unwrap(); // drops, warns once
            broadcaster.broadcast("log", &Value::Int(3)).unwrap(); // drops silently
        });
        // One warning, whose rebroadcast dropped two more lines without warning again.
        assert_eq!(records.load(Ordering::Relaxed), 1);
        assert_eq!(broadcaster.dropped(), 6);
        assert!(slow.iter().all(|o| o.dropped() == 3));
        assert_eq!(broadcaster.receiver_count("log"), 2);
    }
}
