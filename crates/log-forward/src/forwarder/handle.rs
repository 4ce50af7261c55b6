//! [`ForwarderHandle`]: the counters shared with the background thread, and waiting on them.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, watch};

use crate::error::Error;

/// What the layer, the background thread and the handles share.
#[derive(Debug)]
pub(super) struct Shared {
    pub(super) queued: AtomicU64,
    pub(super) sent: AtomicU64,
    pub(super) dropped: AtomicU64,
    pub(super) connections: AtomicU64,
    pub(super) connected: AtomicBool,
    pub(super) stopped: AtomicBool,
    pub(super) stop: Notify,
    pub(super) finish: Notify,
    /// Wakes blocking waiters (the mutex guards nothing but the wake-up).
    pub(super) lock: Mutex<()>,
    pub(super) cond: Condvar,
    /// Wakes async waiters.
    pub(super) changes: watch::Sender<()>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            queued: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            connected: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            stop: Notify::new(),
            finish: Notify::new(),
            lock: Mutex::new(()),
            cond: Condvar::new(),
            changes: watch::Sender::new(()),
        }
    }
}

impl Shared {
    /// Tell every waiter that the counters or the connection state changed.
    fn changed(&self) {
        drop(self.lock.lock().unwrap_or_else(|e| e.into_inner()));
        self.cond.notify_all();
        self.changes.send_replace(());
    }

    pub(super) fn set_connected(&self, connected: bool) {
        if connected {
            self.connections.fetch_add(1, Ordering::Relaxed);
        }
        self.connected.store(connected, Ordering::Relaxed);
        self.changed();
    }

    pub(super) fn add_sent(&self, n: usize) {
        self.sent.fetch_add(n as u64, Ordering::Relaxed);
        self.changed();
    }

    pub(super) fn set_stopped(&self) {
        self.connected.store(false, Ordering::Relaxed);
        self.stopped.store(true, Ordering::Relaxed);
        self.changed();
    }

    fn stats(&self) -> ForwarderStats {
        ForwarderStats {
            queued: self.queued.load(Ordering::Relaxed),
            sent: self.sent.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            connected: self.connected.load(Ordering::Relaxed),
            stopped: self.stopped.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of a forwarder's counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ForwarderStats {
    /// Records accepted into the queue so far.
    pub queued: u64,
    /// Records written to a server so far.
    pub sent: u64,
    /// Records dropped so far because the queue was full (or the forwarder had stopped).
    pub dropped: u64,
    /// How many connections to a server were made so far.
    pub connections: u64,
    /// Whether a connection is up now.
    pub connected: bool,
    /// Whether the background thread has ended.
    pub stopped: bool,
}

impl ForwarderStats {
    /// Records queued but not sent yet.
    pub fn pending(&self) -> u64 {
        self.queued.saturating_sub(self.sent)
    }
}

/// Watches and controls a [`LogForwarder`](super::LogForwarder) after the layer went into the subscriber.
/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct ForwarderHandle {
    shared: Arc<Shared>,
}

impl ForwarderHandle {
    pub(super) fn new(shared: Arc<Shared>) -> ForwarderHandle {
        ForwarderHandle { shared }
    }

    /// The counters now.
    pub fn stats(&self) -> ForwarderStats {
        self.shared.stats()
    }

    /// Records dropped so far because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Records written to a server so far.
    pub fn sent(&self) -> u64 {
        self.shared.sent.load(Ordering::Relaxed)
    }

    /// Whether a connection to the server is up.
    pub fn is_connected(&self) -> bool {
        self.shared.connected.load(Ordering::Relaxed)
    }

    /// Block until every record queued before this call has been sent, or `timeout` passed.
    /// Do not call it from an async task (use [`flush_async`](Self::flush_async)).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if records are still waiting (the server is away),
    /// [`Error::ForwarderStopped`] if the forwarder stopped first.
    pub fn flush(&self, timeout: Duration) -> Result<(), Error> {
        let target = self.shared.queued.load(Ordering::Relaxed);
        flushed(self.wait_for(timeout, |s| s.sent >= target))
    }

    /// As [`flush`](Self::flush), without blocking the thread.
    ///
    /// # Errors
    ///
    /// As [`flush`](Self::flush).
    pub async fn flush_async(&self, timeout: Duration) -> Result<(), Error> {
        let target = self.shared.queued.load(Ordering::Relaxed);
        flushed(self.wait_for_async(timeout, |s| s.sent >= target).await)
    }

    /// Block until `done` holds for the counters, or `timeout` passed.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`], or [`Error::ForwarderStopped`] if the forwarder stopped first.
    pub fn wait_for(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&ForwarderStats) -> bool,
    ) -> Result<ForwarderStats, Error> {
        let deadline = Instant::now() + timeout;
        let mut guard = self.shared.lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let stats = self.stats();
            if done(&stats) {
                return Ok(stats);
            }
            if stats.stopped {
                return Err(Error::ForwarderStopped);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout("waiting for the log forwarder"));
            }
            guard = self
                .shared
                .cond
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// As [`wait_for`](Self::wait_for), without blocking the thread.
    ///
    /// # Errors
    ///
    /// As [`wait_for`](Self::wait_for).
    pub async fn wait_for_async(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&ForwarderStats) -> bool,
    ) -> Result<ForwarderStats, Error> {
        let mut changes = self.shared.changes.subscribe();
        let wait = async {
            loop {
                let stats = self.stats();
                if done(&stats) {
                    return Ok(stats);
                }
                if stats.stopped {
                    return Err(Error::ForwarderStopped);
                }
                if changes.changed().await.is_err() {
                    return Err(Error::ForwarderStopped);
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .unwrap_or(Err(Error::Timeout("waiting for the log forwarder")))
    }

    /// Send what is queued, close the connection cleanly and stop the background thread, waiting
    /// at most `timeout`; records logged from now on are counted as dropped. Call it before a
    /// program exits, so that nothing queued is lost (a plain exit may also reset a TLS
    /// connection before the server read everything). Do not call it from an async task (use
    /// [`close_async`](Self::close_async)).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] if the records could not be sent in time (the server is away); the
    /// forwarder is then stopped as by [`shutdown`](Self::shutdown).
    pub fn close(&self, timeout: Duration) -> Result<(), Error> {
        self.shared.finish.notify_one();
        let target = self.shared.queued.load(Ordering::Relaxed);
        let stopped = self.wait_for(timeout, |s| s.stopped);
        self.closed(stopped, target)
    }

    /// As [`close`](Self::close), without blocking the thread.
    ///
    /// # Errors
    ///
    /// As [`close`](Self::close).
    pub async fn close_async(&self, timeout: Duration) -> Result<(), Error> {
        self.shared.finish.notify_one();
        let target = self.shared.queued.load(Ordering::Relaxed);
        let stopped = self.wait_for_async(timeout, |s| s.stopped).await;
        self.closed(stopped, target)
    }

    fn closed(&self, stopped: Result<ForwarderStats, Error>, target: u64) -> Result<(), Error> {
        match stopped {
            Ok(stats) if stats.sent >= target => Ok(()),
            Ok(_) | Err(Error::ForwarderStopped) => Err(Error::ForwarderStopped),
            Err(_) => {
                self.shutdown();
                Err(Error::Timeout("sending the queued log records"))
            }
        }
    }

    /// Stop the background thread now; records still queued are discarded and later ones are
    /// counted as dropped.
    pub fn shutdown(&self) {
        self.shared.stop.notify_one();
    }
}

fn flushed(waited: Result<ForwarderStats, Error>) -> Result<(), Error> {
    match waited {
        Ok(_) => Ok(()),
        Err(Error::Timeout(_)) => Err(Error::Timeout("sending the queued log records")),
        Err(e) => Err(e),
    }
}
