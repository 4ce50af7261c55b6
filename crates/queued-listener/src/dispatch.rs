//! A queue with a dispatch thread behind it: the receiving side pushes, a dedicated thread
//! calls the callback in order. This is the core of [`QueuedListener`](crate::QueuedListener)
//! and of the [`lines`](crate::lines) for TCP subscribers.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::queue::{Capacity, Pop, Push, Queue};

/// How long [`close`](crate::QueuedListener::close) waits for the threads by default.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// What a close did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseReport {
    /// Whether the receiving thread stopped in time (true where there is none).
    pub receiver_stopped: bool,
    /// Whether the dispatch thread stopped in time. It finishes the callback that is running;
    /// a callback that never returns keeps it alive.
    pub dispatcher_stopped: bool,
    /// Items that were still queued and were discarded.
    pub discarded: usize,
}

impl CloseReport {
    /// Whether both threads stopped in time.
    pub fn is_clean(&self) -> bool {
        self.receiver_stopped && self.dispatcher_stopped
    }
}

/// A thread whose end can be awaited with a deadline.
pub(crate) struct Worker {
    handle: JoinHandle<()>,
    ended: mpsc::Receiver<()>,
}

impl Worker {
    pub(crate) fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<Self> {
        let (tx, ended) = mpsc::channel::<()>();
        let handle = thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // Dropped when the thread ends, even by a panic: the receiver sees a disconnection.
                let _ended = tx;
                f();
            })?;
        Ok(Worker { handle, ended })
    }

    /// Joins the thread if it ends before `deadline`; otherwise leaves it running detached.
    pub(crate) fn join_until(self, deadline: Instant) -> bool {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.ended.recv_timeout(wait) {
            Err(mpsc::RecvTimeoutError::Timeout) => false,
            _ => {
                let _ = self.handle.join();
                true
            }
        }
    }

    /// Waits for the thread to end, at most until `deadline`, without joining it; returns
    /// whether it ended.
    pub(crate) fn wait_until(&self, deadline: Instant) -> bool {
        let wait = deadline.saturating_duration_since(Instant::now());
        !matches!(
            self.ended.recv_timeout(wait),
            Err(mpsc::RecvTimeoutError::Timeout)
        )
    }

    /// Whether the thread has ended.
    pub(crate) fn is_finished(&self) -> bool {
        self.handle.is_finished()
    }
}

/// A cloneable handle that pushes into a [`QueuedDispatch`] from another thread or task.
pub struct Pusher<T> {
    queue: Arc<Queue<T>>,
}

impl<T> Clone for Pusher<T> {
    fn clone(&self) -> Self {
        Pusher {
            queue: Arc::clone(&self.queue),
        }
    }
}

impl<T> Pusher<T> {
    /// Queues an item for the dispatch thread. Never blocks.
    pub fn push(&self, item: T) -> Push {
        self.queue.push(item)
    }

    /// The number of queued items.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Marks the end of the stream: the dispatch thread delivers what is queued, then ends.
    pub fn finish(&self) {
        self.queue.close();
    }
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    delivered: AtomicU64,
    panicked: AtomicU64,
    /// Items taken off the queue but not dispatched because of a stop.
    abandoned: AtomicUsize,
}

/// A queue and the thread that empties it into a callback, in order.
///
/// Put it between anything that receives (a socket read loop, a tokio task, a sync_struct or
/// broadcast subscriber) and slow callbacks: [`push`](Self::push) never blocks, so reception
/// never waits for a callback.
///
/// ```
/// use std::sync::mpsc;
/// use std::time::Duration;
/// use queued_listener::{Capacity, QueuedDispatch};
///
/// let (tx, rx) = mpsc::channel();
/// let dispatch = QueuedDispatch::spawn("example", Capacity::Unbounded, move |n: u32| {
///     tx.send(n * 2).unwrap();
/// })?;
/// for n in 0..3 {
///     dispatch.push(n);
/// }
/// let report = dispatch.finish(Duration::from_secs(5));
/// assert!(report.is_clean());
/// assert_eq!(rx.iter().collect::<Vec<_>>(), [0, 2, 4]);
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct QueuedDispatch<T> {
    queue: Arc<Queue<T>>,
    shared: Arc<Shared>,
    worker: Option<Worker>,
}

impl<T> std::fmt::Debug for QueuedDispatch<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueuedDispatch")
            .field("queue", &self.queue)
            .field("delivered", &self.delivered())
            .finish()
    }
}

impl<T: Send + 'static> QueuedDispatch<T> {
    /// Starts a dispatch thread named `name` that calls `callback` with each pushed item, in
    /// order. A panic in the callback is logged and the thread goes on with the next item.
    pub fn spawn(
        name: &str,
        capacity: Capacity,
        mut callback: impl FnMut(T) + Send + 'static,
    ) -> std::io::Result<Self> {
        let queue = Arc::new(Queue::new(capacity));
        let shared = Arc::new(Shared::default());
        let (q, s) = (Arc::clone(&queue), Arc::clone(&shared));
        let worker = Worker::spawn(name, move || {
            while !s.stop.load(Ordering::Acquire) {
                // close() wakes the wait; the timeout only bounds a missed stop flag.
                match q.pop_timeout(Duration::from_secs(1)) {
                    Pop::Item(item) => {
                        if s.stop.load(Ordering::Acquire) {
                            s.abandoned.fetch_add(1, Ordering::Relaxed);
                            break;
                        }
                        if catch_unwind(AssertUnwindSafe(|| callback(item))).is_err() {
                            s.panicked.fetch_add(1, Ordering::Relaxed);
                            tracing::error!("a callback panicked; dispatch goes on");
                        }
                        s.delivered.fetch_add(1, Ordering::Release);
                    }
                    Pop::Empty => {}
                    Pop::Closed => break,
                }
            }
        })?;
        Ok(QueuedDispatch {
            queue,
            shared,
            worker: Some(worker),
        })
    }
}

impl<T> QueuedDispatch<T> {
    /// Queues an item for the dispatch thread. Never blocks.
    pub fn push(&self, item: T) -> Push {
        self.queue.push(item)
    }

    /// A handle to push from elsewhere (another thread, an async task).
    pub fn pusher(&self) -> Pusher<T> {
        Pusher {
            queue: Arc::clone(&self.queue),
        }
    }

    /// The number of queued items (not counting the one being dispatched).
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// How many items the queue's overflow policy dropped.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped()
    }

    /// How many items were passed to the callback.
    pub fn delivered(&self) -> u64 {
        self.shared.delivered.load(Ordering::Acquire)
    }

    /// How many callback calls panicked.
    pub fn panicked(&self) -> u64 {
        self.shared.panicked.load(Ordering::Relaxed)
    }

    /// Whether the dispatch thread has ended (after [`Pusher::finish`] and the queue drained).
    pub fn is_finished(&self) -> bool {
        self.worker.as_ref().is_none_or(Worker::is_finished)
    }

    /// Refuses further items, lets the thread deliver everything queued, and waits for it until
    /// `timeout`. Items still queued then are discarded.
    pub fn finish(mut self, timeout: Duration) -> CloseReport {
        self.queue.close();
        self.shut_down(Instant::now() + timeout)
    }

    /// Stops after the callback in progress, discards the queued items, and waits for the
    /// thread until `timeout`.
    pub fn close(mut self, timeout: Duration) -> CloseReport {
        self.shut_down_now(Instant::now() + timeout)
    }

    pub(crate) fn shut_down_now(&mut self, deadline: Instant) -> CloseReport {
        self.shared.stop.store(true, Ordering::Release);
        self.queue.close();
        self.shut_down(deadline)
    }

    fn shut_down(&mut self, deadline: Instant) -> CloseReport {
        let dispatcher_stopped = self.worker.take().is_none_or(|w| w.join_until(deadline));
        if !dispatcher_stopped {
            // Whatever it is stuck in, it must not go on with the queue.
            self.shared.stop.store(true, Ordering::Release);
        }
        CloseReport {
            receiver_stopped: true,
            dispatcher_stopped,
            discarded: self.queue.clear() + self.shared.abandoned.swap(0, Ordering::Relaxed),
        }
    }
}

impl<T> Drop for QueuedDispatch<T> {
    fn drop(&mut self) {
        // Stop without waiting: a dropped dispatcher must not block its owner.
        self.shared.stop.store(true, Ordering::Release);
        self.queue.close();
    }
}
