//! Pause, resume and terminate: the flags clients set and the computation waits on, from a
//! thread ([`Control::wait`]) or a task ([`Control::wait_async`]).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// The flags, and how many waiters are parked right now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) paused: bool,
    pub(crate) terminated: bool,
    pub(crate) parked: usize,
}

impl Flags {
    fn may_run(&self) -> bool {
        !self.paused || self.terminated
    }
}

#[derive(Debug)]
pub(crate) struct Control {
    flags: Mutex<Flags>,
    /// Wakes blocking waiters on every change of the flags.
    changed: Condvar,
    /// The same flags for async waiters.
    watch: watch::Sender<Flags>,
}

impl Default for Control {
    fn default() -> Self {
        Control {
            flags: Mutex::default(),
            changed: Condvar::new(),
            watch: watch::Sender::new(Flags::default()),
        }
    }
}

impl Control {
    fn lock(&self) -> MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn get(&self) -> Flags {
        *self.lock()
    }

    /// Changes the flags and wakes every waiter; returns the new flags.
    pub(crate) fn set(&self, f: impl FnOnce(&mut Flags)) -> Flags {
        let mut flags = self.lock();
        f(&mut flags);
        let now = *flags;
        self.watch.send_replace(now);
        drop(flags);
        self.changed.notify_all();
        now
    }

    /// Blocks while paused and not terminated, at most until `deadline`; whether the
    /// computation may run.
    pub(crate) fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut flags = self.lock();
        if flags.may_run() {
            return true;
        }
        flags.parked += 1;
        self.publish(&flags);
        loop {
            flags = match deadline {
                None => self
                    .changed
                    .wait(flags)
                    .unwrap_or_else(PoisonError::into_inner),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    self.changed
                        .wait_timeout(flags, left)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
            };
            if flags.may_run() {
                break;
            }
        }
        flags.parked -= 1;
        let may_run = flags.may_run();
        self.publish(&flags);
        may_run
    }

    /// Tells everybody that `parked` changed (the flags stay locked by the caller).
    fn publish(&self, flags: &Flags) {
        self.watch.send_replace(*flags);
        self.changed.notify_all();
    }

    /// Resolves when not paused (or terminated).
    pub(crate) async fn wait_async(&self) {
        if self.get().may_run() {
            return;
        }
        struct Parked<'a>(&'a Control);
        impl Drop for Parked<'_> {
            fn drop(&mut self) {
                self.0.set(|f| f.parked -= 1);
            }
        }
        self.set(|f| f.parked += 1);
        let _parked = Parked(self);
        let mut rx = self.watch.subscribe();
        // The sender lives as long as `self`: `wait_for` cannot fail while we borrow it.
        let _ = rx.wait_for(Flags::may_run).await;
    }

    /// Resolves once terminated.
    pub(crate) async fn terminated_async(&self) {
        let mut rx = self.watch.subscribe();
        let _ = rx.wait_for(|f| f.terminated).await;
    }

    /// Blocks until at least one waiter is parked (or nothing needs to park any more), at most
    /// `timeout`; whether one is parked.
    pub(crate) fn wait_parked(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut flags = self.lock();
        while flags.parked == 0 && !flags.may_run() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            flags = self
                .changed
                .wait_timeout(flags, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        flags.parked > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_paused_thread_parks_until_resumed_or_terminated() {
        for end in [
            |f: &mut Flags| f.paused = false,
            |f: &mut Flags| f.terminated = true,
        ] {
            let control = Arc::new(Control::default());
            assert!(control.wait_until(None));
            control.set(|f| f.paused = true);
            assert!(!control.wait_until(Some(Instant::now())));
            let c = control.clone();
            let waiter = std::thread::spawn(move || c.wait_until(None));
            assert!(control.wait_parked(Duration::from_secs(30)));
            assert_eq!(control.get().parked, 1);
            control.set(end);
            assert!(waiter.join().unwrap());
            assert_eq!(control.get().parked, 0);
        }
    }

    #[tokio::test]
    async fn async_waiters_park_too_and_unpark_when_dropped() {
        let control = Arc::new(Control::default());
        control.set(|f| f.paused = true);
        let c = control.clone();
        let task = tokio::spawn(async move { c.wait_async().await });
        let c = control.clone();
        assert!(
            tokio::task::spawn_blocking(move || c.wait_parked(Duration::from_secs(30)))
                .await
                .unwrap()
        );
        task.abort();
        let _ = task.await;
        assert_eq!(control.get().parked, 0);
        let c = control.clone();
        let stop = tokio::spawn(async move { c.terminated_async().await });
        control.set(|f| f.terminated = true);
        stop.await.unwrap();
        control.wait_async().await; // terminated: runs
    }
}
