//! The controllers of this host: started, restarted on change, stopped on removal, each in
//! its own task so that one controller's trouble never holds up another.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use log_forward::RecordSink;
use tokio::task::JoinHandle;

use super::entry::ControllerEntry;
use super::machine::State;
use super::runner::{Command, Runner, Status};
use crate::spin::Health;

/// The running controllers. Cheap to clone: clones share them.
#[derive(Clone)]
pub struct Manager {
    inner: Arc<Inner>,
}

struct Inner {
    runners: Mutex<BTreeMap<String, Runner>>,
    retiring: Mutex<Vec<JoinHandle<()>>>,
    errors: Mutex<BTreeMap<String, String>>,
    stopped: AtomicBool,
    sink: Arc<dyn RecordSink>,
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manager").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Manager {
    /// No controllers yet; their output records go to `sink`.
    pub fn new(sink: Arc<dyn RecordSink>) -> Manager {
        Manager {
            inner: Arc::new(Inner {
                runners: Mutex::new(BTreeMap::new()),
                retiring: Mutex::new(Vec::new()),
                errors: Mutex::new(BTreeMap::new()),
                stopped: AtomicBool::new(false),
                sink,
            }),
        }
    }

    /// Make the running set follow `wanted` (from [`controllers_here`]): new entries start,
    /// changed ones restart (the new process after the old one ended), removed or broken ones
    /// stop; unchanged ones keep running. Each broken entry is logged once per reason.
    ///
    /// [`controllers_here`]: super::controllers_here
    pub fn apply(&self, wanted: BTreeMap<String, Result<ControllerEntry, String>>) {
        if self.inner.stopped.load(Ordering::SeqCst) {
            return;
        }
        let mut errors = lock(&self.inner.errors);
        let mut new_errors = BTreeMap::new();
        for (name, entry) in &wanted {
            if let Err(reason) = entry {
                if errors.get(name) != Some(reason) {
                    tracing::error!("controller {name} cannot run: {reason}");
                }
                new_errors.insert(name.clone(), reason.clone());
            }
        }
        *errors = new_errors;
        drop(errors);

        let mut runners = lock(&self.inner.runners);
        let mut retiring = lock(&self.inner.retiring);
        retiring.retain(|task| !task.is_finished());
        let gone: Vec<String> = runners
            .keys()
            .filter(|name| !matches!(wanted.get(*name), Some(Ok(_))))
            .cloned()
            .collect();
        for name in gone {
            if let Some(runner) = runners.remove(&name) {
                tracing::info!("controller {name} removed, stopping it");
                let _ = runner.commands.send(Command::Stop);
                retiring.push(runner.task);
            }
        }
        for (name, entry) in wanted {
            let Ok(entry) = entry else { continue };
            let previous = match runners.get(&name) {
                Some(runner) if runner.entry == entry => continue,
                Some(_) => runners.remove(&name).map(|old| {
                    tracing::info!("controller {name} changed, restarting it");
                    let _ = old.commands.send(Command::Stop);
                    old.task
                }),
                None => None,
            };
            let runner = Runner::start(entry, self.inner.sink.clone(), previous);
            runners.insert(name, runner);
        }
    }

    /// Restart `name` now if it waits to restart; `false` if there is no such controller.
    pub fn retry_now(&self, name: &str) -> bool {
        match lock(&self.inner.runners).get(name) {
            Some(runner) => runner.commands.send(Command::RetryNow).is_ok(),
            None => false,
        }
    }

    /// The status of each controller.
    pub fn status(&self) -> BTreeMap<String, Status> {
        lock(&self.inner.runners)
            .iter()
            .map(|(name, runner)| (name.clone(), runner.status()))
            .collect()
    }

    /// Controllers running, restarts so far, tasks of the runtime.
    pub fn health(&self) -> Health {
        let status = self.status();
        Health {
            running: status
                .values()
                .filter(|s| s.state == State::Running)
                .count(),
            restarts: status.values().map(|s| s.restarts).sum(),
            tasks: Health::runtime_tasks(),
        }
    }

    /// Stop every controller (each escalating on its own) and wait until all have ended;
    /// later [`apply`](Self::apply) calls do nothing.
    pub async fn stop_all(&self) {
        self.inner.stopped.store(true, Ordering::SeqCst);
        let runners = std::mem::take(&mut *lock(&self.inner.runners));
        let mut tasks = std::mem::take(&mut *lock(&self.inner.retiring));
        for (_, runner) in runners {
            let _ = runner.commands.send(Command::Stop);
            tasks.push(runner.task);
        }
        for task in tasks {
            let _ = task.await;
        }
    }
}
