//! Talking to an idict server: the RPC controls, and a watch of both notifiers.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use asyncio_server::TlsClientConfig;
use idict::{CONTENTS_NOTIFIER, STATUS_NOTIFIER, Status, TARGET};
use pyon_codec::{Dict, Value};
use rpc_client::{AsyncClient, ClientOptions};
use sync_struct::{Subscriber, SubscriberHandle};
use tokio::sync::watch;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the computation is.
#[derive(Debug, Clone)]
pub struct Peer {
    pub host: String,
    pub port: u16,
    pub tls: Option<TlsClientConfig>,
}

impl std::fmt::Display for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') && !self.host.starts_with('[') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl Peer {
    /// An RPC client of the target `computation`; the error is the one line to show.
    pub async fn client(&self) -> Result<AsyncClient, String> {
        let mut options = ClientOptions::new().connect_timeout(CONNECT_TIMEOUT);
        if let Some(tls) = &self.tls {
            options = options.tls(tls.clone());
        }
        match AsyncClient::connect_with(&self.host, self.port, TARGET, &options).await {
            Ok(client) => Ok(client),
            Err(e @ (rpc_client::Error::Connect { .. } | rpc_client::Error::Tls(_))) => {
                Err(e.to_string())
            }
            Err(rpc_client::Error::UnknownTarget { targets, .. }) => Err(format!(
                "{self} is not an idict (its pc_rpc targets are: {})",
                targets.join(" ")
            )),
            Err(e) => Err(format!("{self} is not an idict ({e})")),
        }
    }

    /// Calls `method` (`pause`, `resume`, `terminate`, `status`) and returns the status.
    pub async fn control(&self, method: &str) -> Result<Status, String> {
        let client = self.client().await?;
        let reply = client
            .call(method, (), Dict::new())
            .await
            .map_err(|e| format!("{method}: {e}"))?;
        client.close_rpc().await;
        Status::from_value(&reply).ok_or_else(|| format!("{method}: not a status: {reply:?}"))
    }

    async fn subscribe(
        &self,
        name: &str,
        tick: &watch::Sender<u64>,
    ) -> Result<SubscriberHandle, String> {
        let on_mod = tick.clone();
        let on_gone = tick.clone();
        let mut subscriber = Subscriber::new(name)
            .connect_timeout(CONNECT_TIMEOUT)
            .on_mod(move |_, _| {
                on_mod.send_modify(|n| *n += 1);
            })
            .on_disconnect(move || {
                on_gone.send_modify(|n| *n += 1);
            });
        if let Some(tls) = &self.tls {
            subscriber = subscriber.tls(tls.clone());
        }
        subscriber
            .connect(&self.host, self.port)
            .await
            .map_err(|e| format!("{self}: cannot subscribe to {name:?}: {e}"))
    }

    /// Checks that the peer is an idict, then subscribes to its contents and status.
    pub async fn watch(&self) -> Result<Watch, String> {
        self.client().await?.close_rpc().await;
        let (tick, changes) = watch::channel(0);
        let contents = self.subscribe(CONTENTS_NOTIFIER, &tick).await?;
        let status = self.subscribe(STATUS_NOTIFIER, &tick).await?;
        let mut watch = Watch {
            contents,
            status,
            changes,
        };
        // Ready once both snapshots are here (`-v` says so: tests wait for it).
        while watch.contents().is_none() || watch.status().is_none() {
            if !watch.changed().await || watch.is_closed() {
                return Err(format!("{self}: connection lost before the first snapshot"));
            }
        }
        watch.gather().await;
        tracing::info!("watching {self}");
        Ok(watch)
    }
}

/// Replicas of the contents and the status of a computation, kept up to date in the
/// background.
pub struct Watch {
    contents: SubscriberHandle,
    status: SubscriberHandle,
    changes: watch::Receiver<u64>,
}

impl Watch {
    /// Waits for the next change of either replica (or disconnection); `false` once both
    /// connections are gone.
    pub async fn changed(&mut self) -> bool {
        // Both subscriptions tick on every mod and on disconnection; the channel closes when
        // both are gone.
        self.changes.changed().await.is_ok()
    }

    /// After a change: lets the rest of its update arrive. The mods of one update are written
    /// together but applied one by one (and the status travels on its own connection), so a
    /// view drawn at once could show half an update; this waits until the replicas have been
    /// quiet for a moment (a few milliseconds; updates come tens of milliseconds apart).
    pub async fn gather(&mut self) {
        const QUIET: Duration = Duration::from_millis(5);
        let deadline = Instant::now() + Duration::from_millis(100);
        while Instant::now() < deadline {
            tokio::select! {
                changed = self.changes.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(QUIET) => return,
            }
        }
    }

    /// Whether a connection ended.
    pub fn is_closed(&self) -> bool {
        self.contents.is_finished() || self.status.is_finished()
    }

    pub fn contents(&self) -> Option<Value> {
        self.contents.replica()
    }

    pub fn status(&self) -> Option<Status> {
        self.status.with_replica(|r| r.and_then(Status::from_value))
    }

    /// After the final status: waits until the contents are quiet (the mods of the final update
    /// travel on their own connection and may trail the status a little) or closed, at most a
    /// few seconds.
    pub async fn settle(&mut self) {
        const QUIET: Duration = Duration::from_millis(200);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && !self.contents.is_finished() {
            tokio::select! {
                changed = self.changes.changed() => if changed.is_err() { return },
                () = tokio::time::sleep(QUIET) => return,
            }
        }
    }

    pub async fn close(self) {
        let _ = self.contents.close().await;
        let _ = self.status.close().await;
    }
}

/// Updates per second over the last few seconds.
#[derive(Debug, Default)]
pub struct Rate {
    seen: VecDeque<(Instant, u64)>,
}

impl Rate {
    const WINDOW: Duration = Duration::from_secs(3);

    /// Records `updates` seen at `now`; returns the rate.
    pub fn record(&mut self, now: Instant, updates: u64) -> f64 {
        if self.seen.back().is_none_or(|&(_, u)| u != updates) {
            self.seen.push_back((now, updates));
        }
        while self
            .seen
            .front()
            .is_some_and(|&(t, _)| now.duration_since(t) > Self::WINDOW)
        {
            self.seen.pop_front();
        }
        if self.seen.is_empty() {
            self.seen.push_back((now, updates));
        }
        match (self.seen.front(), self.seen.back()) {
            (Some(&(t0, u0)), Some(&(_, u1))) if now > t0 && u1 > u0 => {
                (u1 - u0) as f64 / now.duration_since(t0).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_over_the_window() {
        let t0 = Instant::now();
        let mut rate = Rate::default();
        assert_eq!(rate.record(t0, 5), 0.0);
        let r = rate.record(t0 + Duration::from_secs(1), 25);
        assert!((r - 20.0).abs() < 1e-9, "{r}");
        // Paused: the count stays, the rate decays.
        let r = rate.record(t0 + Duration::from_secs(2), 25);
        assert!((r - 10.0).abs() < 1e-9, "{r}");
        assert_eq!(rate.record(t0 + Duration::from_secs(10), 25), 0.0);
    }

    #[test]
    fn peers_print_like_addresses() {
        let p = |host: &str| Peer {
            host: host.into(),
            port: 1,
            tls: None,
        };
        assert_eq!(p("::1").to_string(), "[::1]:1");
        assert_eq!(p("localhost").to_string(), "localhost:1");
    }
}
