//! [`IDict`]: the computation's handle.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use pyon_codec::{Dict, Value};
use sync_struct::Notifier;
use tracing::{error, warn};

use crate::control::Control;
use crate::journal::{Change, Contents, ListOp, State};
use crate::status::Status;

type Callback = Box<dyn FnMut(&View<'_>) + Send>;

/// What a callback registered with [`IDict::add_callback`] sees after each update.
#[derive(Debug)]
pub struct View<'a> {
    contents: &'a Dict,
    status: Status,
}

impl View<'_> {
    /// The contents, as just published.
    pub fn contents(&self) -> &Dict {
        self.contents
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.contents.get_str(key)
    }

    /// The status after this update.
    pub fn status(&self) -> Status {
        self.status
    }
}

/// A computation's results and controls, shared with its watchers (see the
/// [crate documentation](crate)). Cheap to clone; `Send` and `Sync`.
#[derive(Clone)]
pub struct IDict {
    shared: Arc<Shared>,
}

struct Shared {
    /// The computation's contents and its journal.
    state: Mutex<State>,
    /// The published contents (notifier `idict`).
    contents: Notifier,
    /// The published status (notifier `status`).
    status: Notifier,
    /// Serialises publications of the status, so that the last one published is the latest.
    status_lock: Mutex<()>,
    control: Control,
    updates: AtomicU64,
    is_final: AtomicBool,
    started: f64,
    callbacks: Mutex<Vec<Callback>>,
}

impl std::fmt::Debug for IDict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IDict")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl Default for IDict {
    fn default() -> Self {
        Self::new()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl IDict {
    /// An empty computation, started now, not paused.
    pub fn new() -> IDict {
        let started = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        IDict {
            shared: Arc::new(Shared {
                state: Mutex::default(),
                contents: Notifier::new(Value::Dict(Dict::new())),
                status: Notifier::new(Status::default_at(started).to_value()),
                status_lock: Mutex::new(()),
                control: Control::default(),
                updates: AtomicU64::new(0),
                is_final: AtomicBool::new(false),
                started,
                callbacks: Mutex::default(),
            }),
        }
    }

    /// The contents, locked for reading and changing. Changes are published together by the
    /// next [`notify_update`](Self::notify_update); drop the guard before calling it.
    pub fn lock(&self) -> Contents<'_> {
        Contents {
            state: lock(&self.shared.state),
        }
    }

    /// Publishes what changed since the last update as sync_struct mods (only the changes: a
    /// key set, an item appended), then updates the status, then runs the callbacks.
    ///
    /// The mods of one update are queued for every watcher together, in order, before the
    /// status announces the update. Callbacks run on this thread with the contents locked: a
    /// callback must not call [`lock`](Self::lock) or `notify_update` of the same `IDict` (it
    /// has everything in its [`View`]). A callback that panics is logged and removed.
    pub fn notify_update(&self) {
        self.update(false);
    }

    /// As [`notify_update`](Self::notify_update), marking this update as the last one
    /// (`"final": true` in the status).
    pub fn notify_update_final(&self) {
        self.update(true);
    }

    fn update(&self, is_final: bool) {
        let mut state = lock(&self.shared.state);
        for (key, change) in state.journal.take() {
            self.publish_change(&state.dict, &key, change);
        }
        self.shared.updates.fetch_add(1, Ordering::SeqCst);
        if is_final {
            self.shared.is_final.store(true, Ordering::SeqCst);
        }
        let status = self.publish_status();
        let view = View {
            contents: &state.dict,
            status,
        };
        self.run_callbacks(&view);
    }

    /// Sends one key's change. A change the notifier refuses (a value that cannot be encoded)
    /// is logged and skipped; the key is then sent whole at the next update.
    fn publish_change(&self, dict: &Dict, key: &str, change: Change) {
        let notifier = &self.shared.contents;
        let result = match change {
            Change::Replace => match dict.get_str(key) {
                Some(value) => notifier.setitem(key, value.clone()),
                None => {
                    let present = notifier
                        .with(|v| v.as_dict().is_some_and(|d| d.get_str(key).is_some()))
                        .unwrap_or(false);
                    if present {
                        notifier.delitem(key)
                    } else {
                        Ok(())
                    }
                }
            },
            Change::List(ops) => ops.into_iter().try_for_each(|op| match op {
                ListOp::Append(x) => notifier.at(key).append(x),
                ListOp::Pop(i) => notifier.at(key).pop(i).map(drop),
            }),
        };
        if let Err(e) = result {
            warn!("idict: cannot publish key {key:?}: {e}");
            // Resynchronise the key whole (or give up on it if even that fails).
            let whole = match dict.get_str(key) {
                Some(value) => notifier.setitem(key, value.clone()),
                None => Ok(()),
            };
            if let Err(e) = whole {
                error!("idict: key {key:?} is not published: {e}");
            }
        }
    }

    fn run_callbacks(&self, view: &View<'_>) {
        let mut callbacks = lock(&self.shared.callbacks);
        callbacks.retain_mut(|cb| match catch_unwind(AssertUnwindSafe(|| cb(view))) {
            Ok(()) => true,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a non-string panic".to_owned());
                error!("idict: a callback panicked ({why}); it is removed");
                false
            }
        });
    }

    /// Runs `f` after every update with a [`View`] of the contents and status (to print, to
    /// plot, to save). See [`notify_update`](Self::notify_update) for what `f` must not do.
    pub fn add_callback(&self, f: impl FnMut(&View<'_>) + Send + 'static) {
        lock(&self.shared.callbacks).push(Box::new(f));
    }

    /// Blocks while the computation is paused (returns at once otherwise, and as soon as it is
    /// resumed or terminated).
    pub fn wait(&self) {
        self.shared.control.wait_until(None);
    }

    /// As [`wait`](Self::wait), for at most `timeout`; whether the computation may run (`false`:
    /// still paused).
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        self.shared
            .control
            .wait_until(Some(Instant::now() + timeout))
    }

    /// The async twin of [`wait`](Self::wait).
    pub async fn wait_async(&self) {
        self.shared.control.wait_async().await;
    }

    /// Whether the computation was asked to stop.
    pub fn terminated(&self) -> bool {
        self.shared.control.get().terminated
    }

    /// The async twin of [`terminated`](Self::terminated): resolves once the computation is
    /// asked to stop (to `select!` against the computation's own work).
    pub async fn terminated_async(&self) {
        self.shared.control.terminated_async().await;
    }

    /// Pauses the computation at its next [`wait`](Self::wait); returns the new status.
    pub fn pause(&self) -> Status {
        self.shared.control.set(|f| f.paused = true);
        self.publish_status()
    }

    /// Lets a paused computation run again; returns the new status.
    pub fn resume(&self) -> Status {
        self.shared.control.set(|f| f.paused = false);
        self.publish_status()
    }

    /// Asks the computation to stop (and releases it from a pause); returns the new status.
    pub fn terminate(&self) -> Status {
        self.shared.control.set(|f| f.terminated = true);
        self.publish_status()
    }

    /// Blocks until the computation is parked in [`wait`](Self::wait) (it has seen the pause),
    /// at most `timeout`; whether it is.
    pub fn wait_parked(&self, timeout: Duration) -> bool {
        self.shared.control.wait_parked(timeout)
    }

    /// Whether the computation is parked in [`wait`](Self::wait) right now.
    pub fn parked(&self) -> bool {
        self.shared.control.get().parked > 0
    }

    /// The current status.
    pub fn status(&self) -> Status {
        let flags = self.shared.control.get();
        Status {
            paused: flags.paused,
            terminated: flags.terminated,
            is_final: self.shared.is_final.load(Ordering::SeqCst),
            updates: self.shared.updates.load(Ordering::SeqCst),
            started: self.shared.started,
        }
    }

    /// A copy of the contents as published by the last update.
    pub fn published(&self) -> Value {
        self.shared.contents.read().clone()
    }

    /// Publishes the keys of the status that changed: the counters first, the flags last, so
    /// that a watcher that sees `final` (or `paused`) already has the update count that goes
    /// with it.
    fn publish_status(&self) -> Status {
        let _serial = lock(&self.shared.status_lock);
        let status = self.status();
        let wire = status.to_dict();
        for key in ["updates", "started", "paused", "terminated", "final"] {
            let Some(value) = wire.get_str(key) else {
                continue;
            };
            let same = self
                .shared
                .status
                .with(|v| v.as_dict().and_then(|d| d.get_str(key)) == Some(value))
                .unwrap_or(false);
            if !same && let Err(e) = self.shared.status.setitem(key, value.clone()) {
                error!("idict: cannot publish the status: {e}");
            }
        }
        status
    }

    /// The notifier of the contents (`idict`).
    pub(crate) fn contents_notifier(&self) -> Notifier {
        self.shared.contents.clone()
    }

    /// The notifier of the status (`status`).
    pub(crate) fn status_notifier(&self) -> Notifier {
        self.shared.status.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, list};
    use std::sync::mpsc;

    #[test]
    fn published_follows_updates_only() {
        let idict = IDict::new();
        idict.lock().set("x", 1);
        assert_eq!(idict.published(), dict! {});
        idict.notify_update();
        assert_eq!(idict.published(), dict! {"x" => 1});
        {
            let mut d = idict.lock();
            d.remove("x");
            d.append_bounded("h", 1.5, 2).unwrap();
            d.set("y", "tmp");
            d.remove("y");
        }
        idict.notify_update();
        for i in 0..5 {
            idict.lock().append_bounded("h", i, 2).unwrap();
            idict.notify_update();
        }
        assert_eq!(idict.published(), dict! {"h" => list![3, 4]});
        assert_eq!(idict.status().updates, 7);
        assert!(!idict.status().is_final);
        idict.notify_update_final();
        assert!(idict.status().is_final);
    }

    #[test]
    fn callbacks_see_each_update_and_a_panicking_one_is_dropped() {
        let idict = IDict::new();
        let (tx, rx) = mpsc::channel();
        idict.add_callback(move |view| {
            let _ = tx.send((view.get("n").cloned(), view.status().updates));
        });
        idict.add_callback(|view| {
            if view.status().updates == 1 {
                panic!("plot window closed");
            }
        });
        for n in 0..3 {
            idict.lock().set("n", n);
            idict.notify_update();
        }
        let seen: Vec<_> = rx.try_iter().collect();
        assert_eq!(
            seen,
            [
                (Some(Value::Int(0)), 1),
                (Some(Value::Int(1)), 2),
                (Some(Value::Int(2)), 3)
            ]
        );
        assert_eq!(lock(&idict.shared.callbacks).len(), 1);
    }

    #[test]
    fn controls_change_the_published_status() {
        let idict = IDict::new();
        let status = || Status::from_value(&idict.status_notifier().get().unwrap()).unwrap();
        assert!(!status().paused);
        assert!(idict.pause().paused);
        assert!(status().paused);
        assert!(!idict.wait_timeout(Duration::ZERO));
        assert!(!idict.resume().paused);
        assert!(idict.wait_timeout(Duration::ZERO));
        idict.pause();
        assert!(idict.terminate().terminated);
        assert!(idict.terminated());
        idict.wait(); // terminated: does not block
        assert_eq!(status(), idict.status());
    }
}
