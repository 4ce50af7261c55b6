//! [`Publisher`]: serves notifiers to subscribers over the network.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use asyncio_server::{Connection, LineReader, Server};
use pyon_codec::Version;
use tracing::{debug, warn};

use crate::error::{Error, Result};
use crate::notifier::Notifier;
use crate::outbox::{CloseOnDrop, Closed, flush_all};

/// How long a stopping [`Publisher`] or [`Broadcaster`](crate::Broadcaster) keeps writing what
/// was queued before it disconnects its peers.
pub const SHUTDOWN_FLUSH_TIMEOUT: Duration = Duration::from_secs(1);

/// The banner a subscriber sends first.
pub const SYNC_STRUCT_BANNER: &str = "ARTIQ sync_struct";

/// The default backlog of one subscriber: 4 MiB of queued lines.
pub const DEFAULT_BACKLOG_LIMIT: usize = 4 << 20;

/// How a [`Publisher`] talks to its subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublisherOptions {
    /// The most bytes queued for one subscriber. A subscriber that falls further behind is
    /// disconnected with a warning (it re-initialises when it reconnects); the `init` line is
    /// always sent, whatever its size.
    pub backlog_limit: usize,
    /// The PYON version of the lines sent: [`Version::V2`] (current Python SiPyCo), or
    /// [`Version::V1`] for subscribers of ARTIQ 8 and older.
    pub version: Version,
}

impl Default for PublisherOptions {
    fn default() -> Self {
        PublisherOptions {
            backlog_limit: DEFAULT_BACKLOG_LIMIT,
            version: Version::V2,
        }
    }
}

/// Counters of a [`Publisher`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PublisherStats {
    /// Subscribers that completed the handshake, since the start.
    pub subscribed: u64,
    /// Subscribers cut off because they fell behind their backlog limit.
    pub overflowed: u64,
}

/// Serves [`Notifier`]s by name on one port, as Python's `sync_struct.Publisher`.
///
/// A subscriber connects, sends `ARTIQ sync_struct` and a notifier name, receives
/// `{"action":"init","struct":...}` then every mod as one line each. Each mod is encoded once and
/// the same bytes are queued for every subscriber. Notifiers can be added and removed while the
/// publisher runs; removing one disconnects its subscribers.
///
/// `Publisher` is a cheap handle (clones share the same state).
///
/// ```no_run
/// use pyon_codec::{dict, list};
/// use sync_struct::{Notifier, Publisher};
///
/// # async fn example() -> sync_struct::Result<()> {
/// let data = Notifier::new(dict! {"counts" => list![]});
/// let publisher = Publisher::new();
/// publisher.add_notifier("data", data.clone())?;
/// let server = asyncio_server::Server::bind(&["127.0.0.1:3250".parse().unwrap()])?;
/// tokio::spawn(publisher.clone().serve(server, std::future::pending()));
/// data.at("counts").append(42)?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Publisher {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// Tells this publisher's subscriptions apart inside notifiers shared by several publishers.
    id: u64,
    options: PublisherOptions,
    notifiers: Mutex<BTreeMap<String, Notifier>>,
    subscribed: AtomicU64,
    overflowed: AtomicU64,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Publisher {
    /// A publisher with the default options and no notifier.
    pub fn new() -> Publisher {
        Publisher::with_options(PublisherOptions::default())
    }

    /// A publisher with these options and no notifier.
    pub fn with_options(options: PublisherOptions) -> Publisher {
        Publisher {
            shared: Arc::new(Shared {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                options,
                ..Shared::default()
            }),
        }
    }

    /// The options in force.
    pub fn options(&self) -> PublisherOptions {
        self.shared.options
    }

    fn notifiers(&self) -> MutexGuard<'_, BTreeMap<String, Notifier>> {
        self.shared
            .notifiers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Serves `notifier` (its whole structure, whatever handle is given) under `name`.
    /// Fails if the name is taken.
    pub fn add_notifier(&self, name: impl Into<String>, notifier: Notifier) -> Result<()> {
        let name = name.into();
        let mut notifiers = self.notifiers();
        if notifiers.contains_key(&name) {
            return Err(Error::DuplicateNotifier(name));
        }
        notifiers.insert(name, notifier.root());
        Ok(())
    }

    /// Stops serving `name`, disconnecting its subscribers; returns the notifier.
    pub fn remove_notifier(&self, name: &str) -> Option<Notifier> {
        let removed = self.notifiers().remove(name);
        if let Some(n) = &removed {
            n.detach(self.shared.id);
        }
        removed
    }

    /// The notifier served under `name`.
    pub fn notifier(&self, name: &str) -> Option<Notifier> {
        self.notifiers().get(name).cloned()
    }

    /// The names served, sorted.
    pub fn names(&self) -> Vec<String> {
        self.notifiers().keys().cloned().collect()
    }

    /// Counters since the start.
    pub fn stats(&self) -> PublisherStats {
        PublisherStats {
            subscribed: self.shared.subscribed.load(Ordering::Relaxed),
            overflowed: self.shared.overflowed.load(Ordering::Relaxed),
        }
    }

    /// Waits until every mod queued so far has been handed to the subscribers' sockets, at most
    /// `timeout`; `true` if all were (a stalled subscriber makes it time out).
    pub async fn flush(&self, timeout: Duration) -> bool {
        let outboxes = self
            .notifiers()
            .values()
            .flat_map(|n| n.outboxes(self.shared.id))
            .collect();
        flush_all(outboxes, timeout).await
    }

    /// Accepts subscribers on `server` until `shutdown` resolves (or the server's handle stops
    /// it). Once `shutdown` resolves, mods already made are still written out (for at most
    /// [`SHUTDOWN_FLUSH_TIMEOUT`]), then every subscriber is disconnected.
    pub async fn serve(self, server: Server, shutdown: impl Future<Output = ()>) {
        let publisher = self.clone();
        let shutdown = async move {
            shutdown.await;
            publisher.flush(SHUTDOWN_FLUSH_TIMEOUT).await;
        };
        server
            .serve(
                move |conn| {
                    let publisher = self.clone();
                    async move { publisher.handle_connection(conn).await }
                },
                shutdown,
            )
            .await;
    }

    /// Serves one subscriber connection until it leaves, falls behind, or its notifier is
    /// removed. For use with a server of one's own; [`serve`](Self::serve) calls it.
    pub async fn handle_connection(&self, mut conn: Connection) {
        let peer = conn.peer_addr();
        match conn.read_line().await {
            Ok(Some(line)) if line == SYNC_STRUCT_BANNER => {}
            Ok(Some(line)) => {
                debug!("{peer}: not a sync_struct client ({line:?}); closing");
                return;
            }
            Ok(None) => return,
            Err(e) => {
                debug!("{peer}: {e}");
                return;
            }
        }
        let name = match conn.read_line().await {
            Ok(Some(name)) => name,
            Ok(None) => return,
            Err(e) => {
                debug!("{peer}: {e}");
                return;
            }
        };
        let Some(notifier) = self.notifier(&name) else {
            debug!("{peer}: no notifier named {name:?}; closing");
            return;
        };
        let options = self.shared.options;
        let outbox = match notifier.attach(options.version, options.backlog_limit, self.shared.id) {
            Ok(outbox) => outbox,
            Err(e) => {
                warn!("{peer}: cannot encode notifier {name:?}: {e}");
                return;
            }
        };
        let _unregister = CloseOnDrop(outbox.clone());
        self.shared.subscribed.fetch_add(1, Ordering::Relaxed);
        debug!("{peer}: subscribed to {name:?}");
        let (reader, mut writer) = conn.into_split();
        let outcome = tokio::select! {
            pumped = outbox.pump(&mut writer) => pumped,
            closed = outbox.closed() => Ok(closed),
            () = until_gone(reader) => Ok(Closed::Stopped),
        };
        match outcome {
            Ok(Closed::Overflow { backlog }) => {
                self.shared.overflowed.fetch_add(1, Ordering::Relaxed);
                warn!(
                    "{peer}: subscriber to {name:?} fell behind ({backlog} bytes queued, limit {}); \
                     disconnecting it",
                    options.backlog_limit
                );
            }
            Ok(Closed::Stopped) => debug!("{peer}: unsubscribed from {name:?}"),
            Err(e) => debug!("{peer}: subscriber to {name:?} lost: {e}"),
        }
    }
}

/// Resolves when the peer closes its side (subscribers send nothing after the name; anything
/// they send is ignored, as Python does).
pub(crate) async fn until_gone(mut reader: LineReader) {
    while let Ok(Some(_)) = reader.read_line().await {}
}
