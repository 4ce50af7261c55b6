//! The thread machinery of a [`QueuedListener`](crate::QueuedListener): the receiving loop,
//! which only reads, stamps and queues datagrams, and the dispatch step, which decodes one and
//! calls the subscribers of its topic.

use std::net::{SocketAddr, UdpSocket};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use crate::dispatch::Pusher;
use crate::error::{Error, Result};
use crate::item::{Item, Payload, SubscriptionId, Topics};
use crate::wire::{self, PayloadKind};

pub(crate) type Callback = Arc<dyn Fn(&Item) + Send + Sync>;

#[derive(Default)]
pub(crate) struct Subscribers {
    pub(crate) next: u64,
    pub(crate) list: Vec<(SubscriptionId, Topics, Callback)>,
}

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) received: Counter,
    pub(crate) malformed: AtomicU64,
    pub(crate) dropped_before: AtomicU64,
    pub(crate) delivered_before: AtomicU64,
}

/// A count that another thread can wait on: the receiving thread only pays for a notification
/// while someone waits.
#[derive(Default)]
pub(crate) struct Counter {
    value: AtomicU64,
    waiters: AtomicUsize,
    lock: Mutex<()>,
    changed: Condvar,
}

impl Counter {
    pub(crate) fn get(&self) -> u64 {
        self.value.load(Ordering::SeqCst)
    }

    pub(crate) fn increment(&self) {
        // SeqCst on both sides: either the waiter sees the new value when it checks, or this
        // thread sees the waiter and notifies it (under the lock it holds while checking).
        self.value.fetch_add(1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            let _held = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
            self.changed.notify_all();
        }
    }

    /// Waits until the count reaches `target`, at most `timeout`; returns whether it did.
    pub(crate) fn wait_for(&self, target: u64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        self.waiters.fetch_add(1, Ordering::SeqCst);
        let mut held = self.lock.lock().unwrap_or_else(PoisonError::into_inner);
        let reached = loop {
            if self.get() >= target {
                break true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break false;
            }
            held = self
                .changed
                .wait_timeout(held, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        };
        drop(held);
        self.waiters.fetch_sub(1, Ordering::SeqCst);
        reached
    }
}

/// A received datagram on its way from the receiving thread to the dispatch thread.
pub(crate) struct Datagram {
    data: Vec<u8>,
    source: SocketAddr,
    received: SystemTime,
    received_at: Instant,
}

pub(crate) fn receive_loop(
    socket: &UdpSocket,
    queue: &Pusher<Datagram>,
    stop: &AtomicBool,
    stats: &Stats,
) {
    // Larger than any UDP payload, so nothing is ever truncated here.
    let mut buf = vec![0u8; 1 << 16];
    while !stop.load(Ordering::Acquire) {
        match socket.recv_from(&mut buf) {
            Ok((n, source)) => {
                let received = SystemTime::now();
                let received_at = Instant::now();
                queue.push(Datagram {
                    data: buf.get(..n).unwrap_or_default().to_vec(),
                    source,
                    received,
                    received_at,
                });
                // Counted once queued, so that a reader of the count sees it in the queue too.
                stats.received.increment();
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

pub(crate) fn dispatch_one(subs: &RwLock<Subscribers>, stats: &Stats, d: Datagram) {
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
