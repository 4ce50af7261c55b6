//! One long-lived thread that forks every child.
//!
//! Linux sends the parent-death signal when the *thread* that forked the child ends, not the
//! process. Tokio's worker and blocking threads come and go, so children are forked from this
//! thread, which lives as long as the process.

use std::io;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock, PoisonError};

use tokio::sync::oneshot;

struct Job {
    command: std::process::Command,
    runtime: tokio::runtime::Handle,
    reply: oneshot::Sender<io::Result<tokio::process::Child>>,
}

static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();

fn spawner() -> &'static Mutex<mpsc::Sender<Job>> {
    SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("supervisor-spawner".into())
            .spawn(move || {
                while let Ok(job) = rx.recv() {
                    let child = {
                        let _runtime = job.runtime.enter();
                        tokio::process::Command::from(job.command).spawn()
                    };
                    // The requester may have been cancelled: then its child is dropped, which
                    // stops it (see `Process`'s `Drop`).
                    let _ = job.reply.send(child);
                }
            });
        if let Err(e) = started {
            tracing::error!("cannot start the spawner thread: {e}");
        }
        Mutex::new(tx)
    })
}

/// Fork and exec `command` on the spawner thread, registered with the current tokio runtime.
pub(crate) async fn spawn(command: std::process::Command) -> io::Result<tokio::process::Child> {
    let (reply, answer) = oneshot::channel();
    let job = Job {
        command,
        runtime: tokio::runtime::Handle::current(),
        reply,
    };
    let sent = spawner()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .send(job);
    if sent.is_err() {
        return Err(io::Error::other("the spawner thread is gone"));
    }
    answer
        .await
        .unwrap_or_else(|_| Err(io::Error::other("the spawner thread is gone")))
}
