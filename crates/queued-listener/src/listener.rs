//! [`QueuedListener`]: a receiving thread that only reads and timestamps datagrams, a queue, and
//! a dispatch thread that decodes them and calls the subscribers in order.

use std::collections::BTreeSet;
use std::net::{SocketAddr, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use pyon_codec::Value;

use crate::connection::{Connection, DEFAULT_RECV_BUFFER};
use crate::dispatch::{CloseReport, DEFAULT_CLOSE_TIMEOUT, Pusher, QueuedDispatch, Worker};
use crate::error::{Error, Result};
use crate::queue::Capacity;
use crate::wire::{self, PayloadKind};

/// The payload of a received message.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// Opaque bytes.
    Bytes(Vec<u8>),
    /// A PYON value.
    Pyon(Value),
}

impl Payload {
    /// The bytes, if the payload is raw bytes.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Payload::Bytes(b) => Some(b),
            Payload::Pyon(_) => None,
        }
    }

    /// The value, if the payload is PYON.
    pub fn as_value(&self) -> Option<&Value> {
        match self {
            Payload::Pyon(v) => Some(v),
            Payload::Bytes(_) => None,
        }
    }
}

/// One received message, as the subscribers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The topic it was published on.
    pub topic: String,
    /// What was published.
    pub payload: Payload,
    /// The address of the sender.
    pub source: SocketAddr,
    /// Wall-clock time at which the receiving thread got the datagram.
    pub received: SystemTime,
    /// The same moment on the monotonic clock (for latencies inside this process).
    pub received_at: Instant,
}

/// Which topics a subscriber wants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Topics {
    /// Every topic.
    #[default]
    All,
    /// Only these topics.
    Only(BTreeSet<String>),
}

impl Topics {
    /// One topic.
    pub fn one(topic: impl Into<String>) -> Self {
        Topics::Only(BTreeSet::from([topic.into()]))
    }

    /// A set of topics.
    pub fn set<I, S>(topics: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Topics::Only(topics.into_iter().map(Into::into).collect())
    }

    /// Whether `topic` is wanted.
    pub fn matches(&self, topic: &str) -> bool {
        match self {
            Topics::All => true,
            Topics::Only(set) => set.contains(topic),
        }
    }
}

/// Identifies a subscription, to [`unsubscribe`](QueuedListener::unsubscribe) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(u64);

type Callback = Arc<dyn Fn(&Item) + Send + Sync>;

#[derive(Default)]
struct Subscribers {
    next: u64,
    list: Vec<(SubscriptionId, Topics, Callback)>,
}

#[derive(Default)]
struct Stats {
    received: AtomicU64,
    malformed: AtomicU64,
    dropped_before: AtomicU64,
    delivered_before: AtomicU64,
}

/// What [`QueuedListener::open`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Open {
    /// The socket was bound and both threads started.
    Opened,
    /// It was already open; nothing changed (a warning was logged).
    AlreadyOpen,
}

/// What [`QueuedListener::close`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Close {
    /// Both threads were told to stop; the report says whether they did in time.
    Closed(CloseReport),
    /// It was not open; nothing changed (a warning was logged).
    AlreadyClosed,
}

/// How a [`QueuedListener`] receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerConfig {
    /// What to listen on.
    pub connection: Connection,
    /// The queue between the threads: unbounded by default.
    pub capacity: Capacity,
    /// The socket receive buffer to ask for, [`DEFAULT_RECV_BUFFER`] by default.
    pub recv_buffer: usize,
    /// How long [`close`](QueuedListener::close) waits for the threads.
    pub close_timeout: Duration,
    /// The read timeout of the receiving socket: how soon the receiving thread sees a close.
    pub poll_interval: Duration,
}

impl ListenerConfig {
    /// The defaults for `connection`.
    pub fn new(connection: impl Into<Connection>) -> Self {
        ListenerConfig {
            connection: connection.into(),
            capacity: Capacity::Unbounded,
            recv_buffer: DEFAULT_RECV_BUFFER,
            close_timeout: DEFAULT_CLOSE_TIMEOUT,
            poll_interval: Duration::from_millis(50),
        }
    }

    /// Sets the queue capacity.
    pub fn with_capacity(mut self, capacity: Capacity) -> Self {
        self.capacity = capacity;
        self
    }

    /// Sets the socket receive buffer to ask for.
    pub fn with_recv_buffer(mut self, bytes: usize) -> Self {
        self.recv_buffer = bytes;
        self
    }

    /// Sets the close timeout.
    pub fn with_close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }
}

/// A received datagram on its way from the receiving thread to the dispatch thread.
struct Datagram {
    data: Vec<u8>,
    source: SocketAddr,
    received: SystemTime,
    received_at: Instant,
}

struct Running {
    local_addr: SocketAddr,
    recv_buffer: usize,
    stop: Arc<AtomicBool>,
    receiver: Worker,
    dispatch: QueuedDispatch<Datagram>,
}

/// Receives datagrams on a dedicated thread and calls the subscribers on another.
///
/// The receiving thread does nothing but read the socket, stamp each datagram with its receive
/// time, and push it on a queue (unbounded by default), so a slow subscriber never makes it miss
/// a datagram. The dispatch thread decodes each datagram and calls the subscribers of its topic
/// in subscription order; malformed datagrams are logged and skipped.
///
/// This mirrors MCL's `QueuedListener`: [`open`](Self::open), [`close`](Self::close) and
/// [`is_open`](Self::is_open), where opening an open listener or closing a closed one is
/// reported, not an error. It can be reopened after a close; dropping it closes it.
pub struct QueuedListener {
    config: ListenerConfig,
    subscribers: Arc<RwLock<Subscribers>>,
    stats: Arc<Stats>,
    running: Option<Running>,
}

impl std::fmt::Debug for QueuedListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedListener")
            .field("connection", &self.config.connection)
            .field("open", &self.is_open())
            .field("local_addr", &self.local_addr())
            .finish()
    }
}

impl QueuedListener {
    /// A closed listener for `config`.
    pub fn new(config: ListenerConfig) -> Self {
        QueuedListener {
            config,
            subscribers: Arc::default(),
            stats: Arc::default(),
            running: None,
        }
    }

    /// A closed listener on `connection` with the default configuration.
    pub fn on(connection: impl Into<Connection>) -> Self {
        Self::new(ListenerConfig::new(connection))
    }

    /// The configuration.
    pub fn config(&self) -> &ListenerConfig {
        &self.config
    }

    /// Calls `callback` on the dispatch thread for every message whose topic is in `topics`.
    /// Subscribing works whether the listener is open or not.
    pub fn subscribe(
        &self,
        topics: Topics,
        callback: impl Fn(&Item) + Send + Sync + 'static,
    ) -> SubscriptionId {
        let mut subs = self
            .subscribers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let id = SubscriptionId(subs.next);
        subs.next += 1;
        subs.list.push((id, topics, Arc::new(callback)));
        id
    }

    /// Removes a subscription; returns whether it existed.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut subs = self
            .subscribers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let before = subs.list.len();
        subs.list.retain(|(i, _, _)| *i != id);
        subs.list.len() != before
    }

    /// Binds the socket and starts the receiving and dispatch threads.
    pub fn open(&mut self) -> Result<Open> {
        if self.running.is_some() {
            tracing::warn!(connection = %self.config.connection, "listener is already open");
            return Ok(Open::AlreadyOpen);
        }
        let (socket, recv_buffer) = self
            .config
            .connection
            .listener_socket(self.config.recv_buffer)?;
        socket.set_read_timeout(Some(
            self.config.poll_interval.max(Duration::from_millis(1)),
        ))?;
        let local_addr = socket.local_addr()?;

        let (subs, stats) = (Arc::clone(&self.subscribers), Arc::clone(&self.stats));
        let dispatch = QueuedDispatch::spawn("ql-dispatch", self.config.capacity, move |d| {
            dispatch_one(&subs, &stats, d)
        })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (pusher, flag, stats) = (
            dispatch.pusher(),
            Arc::clone(&stop),
            Arc::clone(&self.stats),
        );
        let receiver = match Worker::spawn("ql-receive", move || {
            receive_loop(&socket, &pusher, &flag, &stats)
        }) {
            Ok(w) => w,
            Err(e) => {
                dispatch.close(self.config.close_timeout);
                return Err(e.into());
            }
        };
        tracing::debug!(%local_addr, recv_buffer, "listener open");
        self.running = Some(Running {
            local_addr,
            recv_buffer,
            stop,
            receiver,
            dispatch,
        });
        Ok(Open::Opened)
    }

    /// Stops both threads, waiting for them at most the configured close timeout. Messages
    /// still queued are discarded; the report counts them.
    pub fn close(&mut self) -> Close {
        let Some(mut r) = self.running.take() else {
            tracing::warn!(connection = %self.config.connection, "listener is already closed");
            return Close::AlreadyClosed;
        };
        let deadline = Instant::now() + self.config.close_timeout;
        r.stop.store(true, Ordering::Release);
        let receiver_stopped = r.receiver.join_until(deadline);
        let mut report = r.dispatch.shut_down_now(deadline);
        report.receiver_stopped = receiver_stopped;
        self.stats
            .dropped_before
            .fetch_add(r.dispatch.dropped(), Ordering::Relaxed);
        self.stats
            .delivered_before
            .fetch_add(r.dispatch.delivered(), Ordering::Relaxed);
        if !report.is_clean() {
            tracing::warn!(?report, "listener threads did not stop in time");
        }
        Close::Closed(report)
    }

    /// Whether the listener is open.
    pub fn is_open(&self) -> bool {
        self.running.is_some()
    }

    /// The address the socket is bound to, while open (with the actual port when the
    /// configuration asked for port 0).
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.running.as_ref().map(|r| r.local_addr)
    }

    /// The socket receive buffer the kernel granted, while open.
    pub fn recv_buffer_size(&self) -> Option<usize> {
        self.running.as_ref().map(|r| r.recv_buffer)
    }

    /// The number of datagrams waiting for the dispatch thread.
    pub fn len(&self) -> usize {
        self.running.as_ref().map_or(0, |r| r.dispatch.len())
    }

    /// Whether no datagram is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Datagrams dropped by a bounded queue, over the listener's life.
    pub fn dropped(&self) -> u64 {
        self.stats.dropped_before.load(Ordering::Relaxed)
            + self.running.as_ref().map_or(0, |r| r.dispatch.dropped())
    }

    /// Datagrams taken from the socket, over the listener's life.
    pub fn received(&self) -> u64 {
        self.stats.received.load(Ordering::Acquire)
    }

    /// Datagrams handled by the dispatch thread (delivered or skipped), over the listener's life.
    pub fn dispatched(&self) -> u64 {
        self.stats.delivered_before.load(Ordering::Relaxed)
            + self.running.as_ref().map_or(0, |r| r.dispatch.delivered())
    }

    /// Datagrams skipped because they were malformed, over the listener's life. A payload is
    /// only decoded when a subscriber wants its topic, so only those can count as malformed.
    pub fn malformed(&self) -> u64 {
        self.stats.malformed.load(Ordering::Relaxed)
    }
}

impl Drop for QueuedListener {
    fn drop(&mut self) {
        if self.running.is_some() {
            self.close();
        }
    }
}

fn receive_loop(socket: &UdpSocket, queue: &Pusher<Datagram>, stop: &AtomicBool, stats: &Stats) {
    // Larger than any UDP payload, so nothing is ever truncated here.
    let mut buf = vec![0u8; 1 << 16];
    while !stop.load(Ordering::Acquire) {
        match socket.recv_from(&mut buf) {
            Ok((n, source)) => {
                let received = SystemTime::now();
                let received_at = Instant::now();
                queue.push(Datagram {
                    data: buf[..n].to_vec(),
                    source,
                    received,
                    received_at,
                });
                // Counted once queued, so that a reader of the count sees it in the queue too.
                stats.received.fetch_add(1, Ordering::Release);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => {
                tracing::error!("receiving failed: {e}");
                // Do not spin on a persistent error; the stop flag is still honoured.
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
}

fn dispatch_one(subs: &RwLock<Subscribers>, stats: &Stats, d: Datagram) {
    let callbacks: Vec<Callback>;
    let item = {
        let frame = match wire::decode(&d.data) {
            Ok(f) => f,
            Err(e) => {
                stats.malformed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(source = %d.source, "skipping datagram: {e}");
                return;
            }
        };
        callbacks = subs
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .list
            .iter()
            .filter(|(_, topics, _)| topics.matches(frame.topic))
            .map(|(_, _, cb)| Arc::clone(cb))
            .collect();
        if callbacks.is_empty() {
            return;
        }
        let payload = match decode_payload(frame.kind, frame.payload) {
            Ok(p) => p,
            Err(e) => {
                stats.malformed.fetch_add(1, Ordering::Relaxed);
                tracing::error!(source = %d.source, topic = frame.topic, "skipping datagram: {e}");
                return;
            }
        };
        Item {
            topic: frame.topic.to_owned(),
            payload,
            source: d.source,
            received: d.received,
            received_at: d.received_at,
        }
    };
    for cb in callbacks {
        // One failing subscriber must not starve the others of this item.
        if catch_unwind(AssertUnwindSafe(|| cb(&item))).is_err() {
            tracing::error!(
                topic = item.topic,
                "a subscriber panicked; dispatch goes on"
            );
        }
    }
}

fn decode_payload(kind: PayloadKind, bytes: &[u8]) -> Result<Payload> {
    match kind {
        PayloadKind::Bytes => Ok(Payload::Bytes(bytes.to_vec())),
        PayloadKind::Pyon => {
            let text = std::str::from_utf8(bytes)
                .map_err(|_| Error::Malformed("PYON payload is not UTF-8".to_owned()))?;
            Ok(Payload::Pyon(pyon_codec::decode(text)?))
        }
    }
}
