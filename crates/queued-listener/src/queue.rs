//! The queue between a receiving thread and a dispatch thread.
//!
//! Unbounded by default, like the `multiprocessing.Queue` of MCL's `QueuedListener`: a slow
//! consumer grows memory instead of losing data. A bound can be set with an [`Overflow`] policy;
//! every item it drops is counted, and both the length and the drop count can be read at any
//! time from any thread.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// What a bounded queue does with an item that arrives while it is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Overflow {
    /// Drop the arriving item (the queue keeps the oldest data).
    #[default]
    DropNewest,
    /// Drop the oldest queued item to make room (the queue keeps the newest data).
    DropOldest,
}

/// How many items a queue may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Capacity {
    /// No limit: nothing is ever dropped (the default, as in MCL).
    #[default]
    Unbounded,
    /// At most `max` items (at least 1); `overflow` says which item a full queue drops.
    Bounded {
        /// The largest number of queued items.
        max: usize,
        /// Which item to drop when full.
        overflow: Overflow,
    },
}

impl Capacity {
    /// A bounded capacity.
    pub fn bounded(max: usize, overflow: Overflow) -> Self {
        Capacity::Bounded {
            max: max.max(1),
            overflow,
        }
    }
}

/// What [`Queue::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Push {
    /// The item was queued.
    Queued,
    /// The queue was full and the arriving item was dropped.
    DroppedNewest,
    /// The queue was full: the oldest item was dropped and the arriving one queued.
    DroppedOldest,
    /// The queue is closed: the item was refused (not counted as dropped).
    Closed,
}

/// What [`Queue::pop_timeout`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Pop<T> {
    /// The oldest item.
    Item(T),
    /// Nothing arrived in time.
    Empty,
    /// The queue is closed and empty: nothing will ever arrive.
    Closed,
}

struct State<T> {
    items: VecDeque<T>,
    closed: bool,
    /// Consumers blocked in `pop_timeout`: a push only pays for a wake-up when there is one.
    waiting: usize,
}

/// A multi-producer, multi-consumer FIFO queue with an optional bound and counted drops.
pub struct Queue<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
    capacity: Capacity,
    dropped: AtomicU64,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Self::new(Capacity::Unbounded)
    }
}

impl<T> std::fmt::Debug for Queue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .field("dropped", &self.dropped())
            .finish()
    }
}

impl<T> Queue<T> {
    /// An empty, open queue.
    pub fn new(capacity: Capacity) -> Self {
        Queue {
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                waiting: 0,
            }),
            ready: Condvar::new(),
            capacity,
            dropped: AtomicU64::new(0),
        }
    }

    // A panic in a callback never happens under this lock, but be robust to it anyway: the
    // state is a plain deque that is always consistent.
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends an item, applying the overflow policy if the queue is bounded and full.
    pub fn push(&self, item: T) -> Push {
        let mut s = self.lock();
        if s.closed {
            return Push::Closed;
        }
        let mut outcome = Push::Queued;
        if let Capacity::Bounded { max, overflow } = self.capacity
            && s.items.len() >= max
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            match overflow {
                Overflow::DropNewest => return Push::DroppedNewest,
                Overflow::DropOldest => {
                    s.items.pop_front();
                    outcome = Push::DroppedOldest;
                }
            }
        }
        s.items.push_back(item);
        let wake = s.waiting > 0;
        drop(s);
        if wake {
            self.ready.notify_one();
        }
        outcome
    }

    /// Takes the oldest item, waiting at most `timeout` for one.
    pub fn pop_timeout(&self, timeout: Duration) -> Pop<T> {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        loop {
            if let Some(item) = s.items.pop_front() {
                return Pop::Item(item);
            }
            if s.closed {
                return Pop::Closed;
            }
            let now = Instant::now();
            if now >= deadline {
                return Pop::Empty;
            }
            s.waiting += 1;
            s = self
                .ready
                .wait_timeout(s, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
            s.waiting -= 1;
        }
    }

    /// Takes the oldest item if there is one, without waiting.
    pub fn try_pop(&self) -> Option<T> {
        self.lock().items.pop_front()
    }

    /// Refuses further pushes and wakes every waiting consumer. Queued items can still be
    /// taken; then [`pop_timeout`](Self::pop_timeout) returns [`Pop::Closed`].
    pub fn close(&self) {
        self.lock().closed = true;
        self.ready.notify_all();
    }

    /// Whether [`close`](Self::close) was called.
    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Removes every queued item and returns how many there were (not counted as dropped).
    pub fn clear(&self) -> usize {
        let mut s = self.lock();
        let n = s.items.len();
        s.items.clear();
        n
    }

    /// The number of queued items.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many items the overflow policy has dropped since the queue was made.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// The capacity the queue was made with.
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn drain(q: &Queue<u32>) -> Vec<u32> {
        std::iter::from_fn(|| q.try_pop()).collect()
    }

    #[test]
    fn unbounded_keeps_everything_in_order() {
        let q = Queue::default();
        for i in 0..10_000 {
            assert_eq!(q.push(i), Push::Queued);
        }
        assert_eq!(q.len(), 10_000);
        assert_eq!(drain(&q), (0..10_000).collect::<Vec<_>>());
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn drop_newest_keeps_the_oldest() {
        let q = Queue::new(Capacity::bounded(3, Overflow::DropNewest));
        let outcomes: Vec<_> = (0..5).map(|i| q.push(i)).collect();
        assert_eq!(
            outcomes,
            [
                Push::Queued,
                Push::Queued,
                Push::Queued,
                Push::DroppedNewest,
                Push::DroppedNewest
            ]
        );
        assert_eq!((q.len(), q.dropped()), (3, 2));
        assert_eq!(drain(&q), [0, 1, 2]);
    }

    #[test]
    fn drop_oldest_keeps_the_newest() {
        let q = Queue::new(Capacity::bounded(3, Overflow::DropOldest));
        for i in 0..5 {
            q.push(i);
        }
        assert_eq!((q.len(), q.dropped()), (3, 2));
        assert_eq!(drain(&q), [2, 3, 4]);
    }

    #[test]
    fn bound_of_zero_means_one() {
        assert_eq!(
            Capacity::bounded(0, Overflow::DropNewest),
            Capacity::Bounded {
                max: 1,
                overflow: Overflow::DropNewest
            }
        );
    }

    #[test]
    fn close_drains_then_reports_closed() {
        let q = Queue::default();
        q.push(1);
        q.close();
        assert_eq!(q.push(2), Push::Closed);
        assert_eq!(q.pop_timeout(Duration::ZERO), Pop::Item(1));
        assert_eq!(q.pop_timeout(Duration::from_secs(10)), Pop::Closed);
        assert_eq!(q.dropped(), 0);
    }

    #[test]
    fn pop_times_out_when_empty() {
        let q = Queue::<u32>::default();
        assert_eq!(q.pop_timeout(Duration::from_millis(1)), Pop::Empty);
    }

    #[test]
    fn close_wakes_a_waiting_consumer() {
        let q = Arc::new(Queue::<u32>::default());
        let q2 = Arc::clone(&q);
        let consumer = std::thread::spawn(move || q2.pop_timeout(Duration::from_secs(30)));
        // Whether the consumer is already waiting or not, close makes it return Closed.
        q.close();
        assert_eq!(consumer.join().unwrap(), Pop::Closed);
    }

    #[test]
    fn producer_and_consumer_threads_lose_nothing() {
        let q = Arc::new(Queue::default());
        let q2 = Arc::clone(&q);
        let producer = std::thread::spawn(move || {
            for i in 0..50_000u32 {
                q2.push(i);
            }
            q2.close();
        });
        let mut next = 0;
        loop {
            match q.pop_timeout(Duration::from_secs(30)) {
                Pop::Item(i) => {
                    assert_eq!(i, next);
                    next += 1;
                }
                Pop::Closed => break,
                Pop::Empty => panic!("producer stalled"),
            }
        }
        producer.join().unwrap();
        assert_eq!(next, 50_000);
    }
}
