//! Periodic tasks (the runtime seed's `spin`) and the health record built on them.

use std::future::Future;
use std::time::Duration;

use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// Run `tick` every `interval` until `stop` is cancelled; the first call comes one interval
/// after the start. A slow tick delays the next one instead of piling calls up.
pub async fn spin<F, Fut>(interval: Duration, stop: CancellationToken, mut tick: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = timer.tick() => {}
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tick() => {}
        }
    }
}

/// A health record: children running, restarts so far, tasks alive in the runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Health {
    /// Children running now.
    pub running: usize,
    /// Restarts since the start.
    pub restarts: u64,
    /// Tasks alive in the tokio runtime.
    pub tasks: usize,
}

impl Health {
    /// The record's message, `health: 2 running, 5 restarts, 14 tasks`.
    pub fn message(&self) -> String {
        format!(
            "health: {} running, {} restarts, {} tasks",
            self.running, self.restarts, self.tasks
        )
    }

    /// Tasks alive in the current tokio runtime (0 outside one).
    pub fn runtime_tasks() -> usize {
        tokio::runtime::Handle::try_current()
            .map(|h| h.metrics().num_alive_tasks())
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn ticks_until_stopped() {
        let count = Arc::new(AtomicUsize::new(0));
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let count = count.clone();
            let stop = stop.clone();
            spin(Duration::from_secs(1), stop.clone(), move || {
                let count = count.clone();
                let stop = stop.clone();
                async move {
                    if count.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                        stop.cancel();
                    }
                }
            })
        });
        task.await.unwrap();
        assert_eq!(count.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn health_message() {
        let health = Health {
            running: 2,
            restarts: 5,
            tasks: 14,
        };
        assert_eq!(health.message(), "health: 2 running, 5 restarts, 14 tasks");
    }
}
