//! The bounded queue of lines between a producer (a notifier, a broadcaster) and the task that
//! writes to one peer.
//!
//! Lines are encoded once and shared (`Arc<str>`) by every peer's queue. Each queue is bounded,
//! so a peer that stops reading can never grow the producer's memory: a sync_struct subscriber
//! that falls behind its byte budget is cut off; a broadcast receiver whose queue is full loses
//! the new lines (as Python's `asyncio.Queue(1024)` with `put_nowait` does).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// One encoded line, without its `\n`, shared by every queue it is in.
pub(crate) type Line = Arc<str>;

/// What to do with a line that does not fit.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Policy {
    /// Close the queue (the peer gets disconnected) when the queued bytes would exceed the
    /// budget. A line is always accepted into an empty queue, so one large `init` still goes out.
    Disconnect {
        /// Budget in bytes, `\n` included.
        max_bytes: usize,
    },
    /// Drop the new line when the queue holds this many lines.
    DropNewest {
        /// Capacity in lines.
        max_lines: usize,
    },
}

/// Why a queue was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The peer fell behind: this many bytes would have been queued.
    Overflow {
        /// Bytes the queue would have held.
        backlog: usize,
    },
    /// Closed on purpose (the peer left, the notifier was removed, the server stops).
    Stopped,
}

/// The outcome of [`Outbox::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pushed {
    /// Queued.
    Queued,
    /// Dropped (queue full, [`Policy::DropNewest`]); `first` for the first drop of this queue.
    Dropped {
        /// Whether this is the first line this queue dropped.
        first: bool,
    },
    /// This line closed the queue ([`Policy::Disconnect`]).
    Overflowed,
    /// The queue was already closed.
    Closed,
}

#[derive(Debug, Default)]
struct Inner {
    queue: VecDeque<Line>,
    bytes: usize,
    closed: Option<Closed>,
    dropped: u64,
    /// The writer holds a batch it has not finished writing.
    writing: bool,
}

/// A bounded queue of lines for one peer.
#[derive(Debug)]
pub(crate) struct Outbox {
    inner: Mutex<Inner>,
    /// Wakes the writer when lines arrive in an empty queue, or on close.
    ready: Notify,
    /// Wakes whoever waits in [`Outbox::closed`].
    on_close: Notify,
    /// Wakes whoever waits in [`Outbox::idle`].
    on_idle: Notify,
    policy: Policy,
}

impl Outbox {
    pub(crate) fn new(policy: Policy) -> Arc<Outbox> {
        Arc::new(Outbox {
            inner: Mutex::default(),
            ready: Notify::new(),
            on_close: Notify::new(),
            on_idle: Notify::new(),
            policy,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues `line` according to the policy.
    pub(crate) fn push(&self, line: &Line) -> Pushed {
        let mut inner = self.lock();
        if inner.closed.is_some() {
            return Pushed::Closed;
        }
        let size = line.len() + 1;
        match self.policy {
            Policy::Disconnect { max_bytes }
                if !inner.queue.is_empty() && inner.bytes + size > max_bytes =>
            {
                let backlog = inner.bytes + size;
                Self::close_locked(&mut inner, Closed::Overflow { backlog });
                drop(inner);
                self.wake_all();
                return Pushed::Overflowed;
            }
            Policy::DropNewest { max_lines } if inner.queue.len() >= max_lines => {
                inner.dropped += 1;
                return Pushed::Dropped {
                    first: inner.dropped == 1,
                };
            }
            _ => {}
        }
        let was_empty = inner.queue.is_empty();
        inner.queue.push_back(line.clone());
        inner.bytes += size;
        drop(inner);
        if was_empty {
            self.ready.notify_one();
        }
        Pushed::Queued
    }

    /// Queues `line` outside the budget: a subscriber's `init`, which must go out whatever its
    /// size, and must not make the mods that follow it look like a backlog.
    pub(crate) fn push_unbudgeted(&self, line: &Line) {
        let mut inner = self.lock();
        if inner.closed.is_none() {
            inner.queue.push_back(line.clone());
            drop(inner);
            self.ready.notify_one();
        }
    }

    fn close_locked(inner: &mut Inner, why: Closed) {
        if inner.closed.is_none() {
            inner.closed = Some(why);
            inner.queue = VecDeque::new();
            inner.bytes = 0;
        }
    }

    fn wake_all(&self) {
        self.ready.notify_one();
        self.on_close.notify_waiters();
        self.on_idle.notify_waiters();
    }

    /// Closes the queue (if it is not closed yet) and drops what it holds.
    pub(crate) fn close(&self) {
        Self::close_locked(&mut self.lock(), Closed::Stopped);
        self.wake_all();
    }

    /// Whether the queue is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.lock().closed.is_some()
    }

    /// How many lines were dropped.
    pub(crate) fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Bytes waiting in the queue (not counting a batch the writer already took).
    #[cfg(test)]
    pub(crate) fn queued_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The queued lines, taken without waiting.
    #[cfg(test)]
    pub(crate) fn take_now(&self) -> Vec<String> {
        let mut inner = self.lock();
        inner.bytes = 0;
        inner.queue.drain(..).map(|l| l.to_string()).collect()
    }

    /// Waits for lines and moves all of them into `batch`; the reason once closed.
    pub(crate) async fn next_batch(&self, batch: &mut Vec<Line>) -> Result<(), Closed> {
        loop {
            {
                let mut inner = self.lock();
                if let Some(why) = inner.closed {
                    return Err(why);
                }
                if !inner.queue.is_empty() {
                    batch.extend(inner.queue.drain(..));
                    inner.bytes = 0;
                    inner.writing = true;
                    return Ok(());
                }
            }
            self.ready.notified().await;
        }
    }

    /// Marks the batch taken by [`next_batch`](Self::next_batch) as written.
    fn batch_written(&self) {
        let mut inner = self.lock();
        inner.writing = false;
        if inner.queue.is_empty() {
            drop(inner);
            self.on_idle.notify_waiters();
        }
    }

    /// Resolves once everything queued so far has been handed to the socket (or the queue is
    /// closed).
    pub(crate) async fn idle(&self) {
        loop {
            let notified = self.on_idle.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let inner = self.lock();
                if inner.closed.is_some() || (inner.queue.is_empty() && !inner.writing) {
                    return;
                }
            }
            notified.await;
        }
    }

    /// Resolves once the queue is closed, with the reason.
    pub(crate) async fn closed(&self) -> Closed {
        loop {
            let notified = self.on_close.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(why) = self.lock().closed {
                return why;
            }
            notified.await;
        }
    }

    /// Sends lines from this queue to `writer` until the queue is closed (the reason is
    /// returned) or writing fails.
    pub(crate) async fn pump(
        &self,
        writer: &mut asyncio_server::LineWriter,
    ) -> Result<Closed, asyncio_server::Error> {
        let mut batch = Vec::new();
        loop {
            if let Err(why) = self.next_batch(&mut batch).await {
                return Ok(why);
            }
            for line in batch.drain(..) {
                writer.feed_line(&line).await?;
            }
            writer.flush().await?;
            self.batch_written();
        }
    }
}

/// Waits until every queue in `outboxes` is idle, at most `timeout`; `true` if they all are.
pub(crate) async fn flush_all(outboxes: Vec<Arc<Outbox>>, timeout: std::time::Duration) -> bool {
    let all = async {
        for outbox in &outboxes {
            outbox.idle().await;
        }
    };
    tokio::time::timeout(timeout, all).await.is_ok()
}

/// Closes an outbox when dropped: a connection handler holds one, so a cancelled or failed
/// handler always unregisters its peer.
pub(crate) struct CloseOnDrop(pub(crate) Arc<Outbox>);

impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(s: &str) -> Line {
        Arc::from(s)
    }

    #[tokio::test]
    async fn disconnect_policy_bounds_bytes() {
        let o = Outbox::new(Policy::Disconnect { max_bytes: 10 });
        // Always accepted into an empty queue, even above the budget.
        assert_eq!(o.push(&line("0123456789abc")), Pushed::Queued);
        let mut batch = Vec::new();
        o.next_batch(&mut batch).await.unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(o.push(&line("1234")), Pushed::Queued);
        assert_eq!(o.push(&line("1234")), Pushed::Queued);
        assert_eq!(o.queued_bytes(), 10);
        assert_eq!(o.push(&line("")), Pushed::Overflowed);
        assert_eq!(o.queued_bytes(), 0);
        assert_eq!(o.push(&line("x")), Pushed::Closed);
        assert_eq!(o.closed().await, Closed::Overflow { backlog: 11 });
        assert_eq!(
            o.next_batch(&mut batch).await,
            Err(Closed::Overflow { backlog: 11 })
        );
    }

    #[tokio::test]
    async fn a_large_first_line_does_not_count() {
        let o = Outbox::new(Policy::Disconnect { max_bytes: 10 });
        o.push_unbudgeted(&line(&"i".repeat(100)));
        assert_eq!(o.push(&line("1234")), Pushed::Queued);
        assert_eq!(o.push(&line("1234")), Pushed::Queued);
        assert_eq!(o.push(&line("")), Pushed::Overflowed);
    }

    #[tokio::test]
    async fn drop_policy_counts() {
        let o = Outbox::new(Policy::DropNewest { max_lines: 2 });
        assert_eq!(o.push(&line("a")), Pushed::Queued);
        assert_eq!(o.push(&line("b")), Pushed::Queued);
        assert_eq!(o.push(&line("c")), Pushed::Dropped { first: true });
        assert_eq!(o.push(&line("d")), Pushed::Dropped { first: false });
        assert_eq!(o.dropped(), 2);
        let mut batch = Vec::new();
        o.next_batch(&mut batch).await.unwrap();
        assert_eq!(batch, [line("a"), line("b")]);
        assert_eq!(o.push(&line("e")), Pushed::Queued);
    }

    #[tokio::test]
    async fn close_wakes_waiters() {
        let o = Outbox::new(Policy::DropNewest { max_lines: 2 });
        let o2 = o.clone();
        let waiter = tokio::spawn(async move {
            let mut batch = Vec::new();
            o2.next_batch(&mut batch).await
        });
        let o3 = o.clone();
        let closed = tokio::spawn(async move { o3.closed().await });
        drop(CloseOnDrop(o.clone()));
        let t = std::time::Duration::from_secs(5);
        assert_eq!(
            tokio::time::timeout(t, waiter).await.unwrap().unwrap(),
            Err(Closed::Stopped)
        );
        assert_eq!(
            tokio::time::timeout(t, closed).await.unwrap().unwrap(),
            Closed::Stopped
        );
        assert!(o.is_closed());
    }
}
