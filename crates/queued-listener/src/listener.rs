//! [`QueuedListener`]: a receiving thread that only reads and timestamps datagrams, a queue, and
//! a dispatch thread that decodes them and calls the subscribers in order. The threads' own
//! code is in [`receive`](crate::receive), what subscribers see in [`item`](crate::item).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::dispatch::{CloseReport, DEFAULT_CLOSE_TIMEOUT, QueuedDispatch, Worker};
use crate::endpoint::{DEFAULT_RECV_BUFFER, Endpoint};
use crate::error::Result;
use crate::item::{Item, SubscriptionId, Topics};
use crate::queue::Capacity;
use crate::receive::{Datagram, Stats, Subscribers, dispatch_one, receive_loop};

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
    pub endpoint: Endpoint,
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
    /// The defaults for `endpoint`.
    pub fn new(endpoint: impl Into<Endpoint>) -> Self {
        ListenerConfig {
            endpoint: endpoint.into(),
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
            .field("endpoint", &self.config.endpoint)
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

    /// A closed listener on `endpoint` with the default configuration.
    pub fn on(endpoint: impl Into<Endpoint>) -> Self {
        Self::new(ListenerConfig::new(endpoint))
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
            tracing::warn!(endpoint = %self.config.endpoint, "listener is already open");
            return Ok(Open::AlreadyOpen);
        }
        let (socket, recv_buffer) = self
            .config
            .endpoint
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
            tracing::warn!(endpoint = %self.config.endpoint, "listener is already closed");
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
        self.stats.received.get()
    }

    /// Waits until [`received`](Self::received) reaches `count`, at most `timeout`, without
    /// polling; returns whether it did. The datagrams are then in the queue (or dispatched).
    pub fn wait_received(&self, count: u64, timeout: Duration) -> bool {
        self.stats.received.wait_for(count, timeout)
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
