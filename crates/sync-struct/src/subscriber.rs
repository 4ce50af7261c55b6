//! [`Subscriber`]: keeps a local replica of a notifier served by a publisher (Rust or Python,
//! PYON v2 or legacy v1).

use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use asyncio_server::{Connection, DEFAULT_CLIENT_LINE_LIMIT, TlsClientConfig};
use pyon_codec::{Value, Version};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use crate::error::{Error, Result};
use crate::mods::{Mod, process_mod};
use crate::publisher::SYNC_STRUCT_BANNER;

type TargetBuilder = Box<dyn FnMut(Value) -> Value + Send>;
type NotifyCallback = Box<dyn FnMut(&Mod, &Value) + Send>;
type Hook = Box<dyn FnMut() + Send>;

/// Reconnection delays: `initial` after a disconnection, doubling after each failed attempt up to
/// `max`, back to `initial` once a connection delivered its `init`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first delay.
    pub initial: Duration,
    /// The longest delay.
    pub max: Duration,
}

impl Default for Backoff {
    /// 100 ms, doubling up to 10 s.
    fn default() -> Self {
        Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(10),
        }
    }
}

/// A subscriber to one notifier of a publisher, as Python's `sync_struct.Subscriber`.
///
/// Configure it, then [`connect`](Self::connect): the replica is rebuilt from each `init` by the
/// target builder (identity by default), then every mod is applied to it with
/// [`process_mod`] and passed, with the updated replica, to the notify callbacks.
///
/// ```no_run
/// use sync_struct::Subscriber;
///
/// # async fn example() -> sync_struct::Result<()> {
/// let mut sub = Subscriber::new("schedule")
///     .on_mod(|m, replica| println!("{} -> {replica:?}", m.action()))
///     .on_disconnect(|| eprintln!("publisher gone"))
///     .connect("localhost", 3250)
///     .await?;
/// println!("{:?}", sub.replica());
/// sub.wait().await?; // until the publisher closes
/// # Ok(())
/// # }
/// ```
///
/// Lines are decoded as PYON v2 or v1, detected from the first line, so the subscriber works
/// with current and legacy (ARTIQ 8 and older) publishers alike.
pub struct Subscriber {
    name: String,
    target_builder: TargetBuilder,
    notify_cbs: Vec<NotifyCallback>,
    disconnect_cb: Option<Hook>,
    before_receive: Option<Hook>,
    reconnect: Option<Backoff>,
    tls: Option<TlsClientConfig>,
    max_line_length: usize,
    connect_timeout: Duration,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber")
            .field("name", &self.name)
            .field("notify_cbs", &self.notify_cbs.len())
            .field("reconnect", &self.reconnect)
            .field("tls", &self.tls.is_some())
            .field("max_line_length", &self.max_line_length)
            .finish_non_exhaustive()
    }
}

impl Subscriber {
    /// A subscriber to the notifier named `notifier_name`.
    pub fn new(notifier_name: impl Into<String>) -> Subscriber {
        Subscriber {
            name: notifier_name.into(),
            target_builder: Box::new(|v| v),
            notify_cbs: Vec::new(),
            disconnect_cb: None,
            before_receive: None,
            reconnect: None,
            tls: None,
            max_line_length: DEFAULT_CLIENT_LINE_LIMIT,
            connect_timeout: Duration::from_secs(10),
        }
    }

    /// Builds the local replica from the structure of each `init` (identity by default).
    pub fn target_builder(mut self, f: impl FnMut(Value) -> Value + Send + 'static) -> Self {
        self.target_builder = Box::new(f);
        self
    }

    /// Adds a callback called with each mod (the `init` included) after it is applied, and the
    /// replica. Callbacks run in turn, on the subscriber's task; they may call
    /// [`SubscriberHandle::replica`].
    pub fn on_mod(mut self, f: impl FnMut(&Mod, &Value) + Send + 'static) -> Self {
        self.notify_cbs.push(Box::new(f));
        self
    }

    /// Called when the connection ends for a reason other than [`SubscriberHandle::close`].
    pub fn on_disconnect(mut self, f: impl FnMut() + Send + 'static) -> Self {
        self.disconnect_cb = Some(Box::new(f));
        self
    }

    /// Called once connected, before the handshake is sent (Python's `before_receive_cb`), on
    /// every connection.
    pub fn before_receive(mut self, f: impl FnMut() + Send + 'static) -> Self {
        self.before_receive = Some(Box::new(f));
        self
    }

    /// Reconnects after a disconnection, with these delays, and rebuilds the replica from the
    /// new `init`. Off by default (as in Python: the subscriber then stops).
    pub fn reconnect(mut self, backoff: Backoff) -> Self {
        self.reconnect = Some(backoff);
        self
    }

    /// Connects with mutual TLS.
    pub fn tls(mut self, config: TlsClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// The longest line accepted ([`DEFAULT_CLIENT_LINE_LIMIT`], 100 MiB, by default).
    pub fn max_line_length(mut self, max: usize) -> Self {
        self.max_line_length = max;
        self
    }

    /// How long one connection attempt may take (10 s by default).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Connects to the publisher at `host:port`, sends the handshake, and starts receiving in
    /// a task. The first connection's failure is returned here, even with reconnection on.
    pub async fn connect(mut self, host: &str, port: u16) -> Result<SubscriberHandle> {
        let conn = self.open(host, port).await?;
        let shared = Arc::new(Shared::default());
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(self.run(host.to_owned(), port, conn, shared.clone(), stop_rx));
        Ok(SubscriberHandle {
            shared,
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    async fn open(&mut self, host: &str, port: u16) -> Result<Connection> {
        let mut conn =
            asyncio_server::connect(host, port, self.tls.as_ref(), self.connect_timeout).await?;
        conn.set_max_line_length(self.max_line_length);
        if let Some(hook) = &mut self.before_receive {
            hook();
        }
        conn.write_lines([SYNC_STRUCT_BANNER, self.name.as_str()])
            .await?;
        Ok(conn)
    }

    async fn run(
        mut self,
        host: String,
        port: u16,
        first: Connection,
        shared: Arc<Shared>,
        mut stop: oneshot::Receiver<()>,
    ) -> Result<()> {
        let mut conn = Some(first);
        let mut delay = self.reconnect.map(|b| b.initial).unwrap_or_default();
        let max_delay = self.reconnect.map(|b| b.max).unwrap_or_default();
        loop {
            let current = match conn.take() {
                Some(c) => c,
                None => {
                    let attempt = tokio::select! {
                        attempt = self.open(&host, port) => attempt,
                        _ = &mut stop => return Ok(()),
                    };
                    match attempt {
                        Ok(c) => c,
                        Err(e) => {
                            debug!("{}: reconnection failed: {e}", self.name);
                            if !pause(max_delay, &mut delay, &mut stop).await {
                                return Ok(());
                            }
                            continue;
                        }
                    }
                }
            };
            let mut session = Session {
                synced: false,
                version: None,
            };
            let outcome = tokio::select! {
                outcome = session.receive(&mut self, current, &shared) => outcome,
                _ = &mut stop => return Ok(()),
            };
            match &outcome {
                Ok(()) => info!("{}: publisher closed the connection", self.name),
                Err(e) => warn!("{}: connection lost: {e}", self.name),
            }
            if let Some(cb) = &mut self.disconnect_cb {
                cb();
            }
            let Some(backoff) = self.reconnect else {
                return outcome;
            };
            if session.synced {
                delay = backoff.initial;
            }
            if !pause(max_delay, &mut delay, &mut stop).await {
                return Ok(());
            }
        }
    }
}

/// Sleeps `delay` then doubles it (up to `max`); `false` when stopped meanwhile.
async fn pause(max: Duration, delay: &mut Duration, stop: &mut oneshot::Receiver<()>) -> bool {
    let wait = *delay;
    *delay = (*delay * 2).min(max);
    tokio::select! {
        () = tokio::time::sleep(wait) => true,
        _ = stop => false,
    }
}

/// State of one connection.
struct Session {
    /// Whether the `init` arrived.
    synced: bool,
    /// The PYON version of the publisher, detected from its first line.
    version: Option<Version>,
}

impl Session {
    async fn receive(
        &mut self,
        sub: &mut Subscriber,
        mut conn: Connection,
        shared: &Shared,
    ) -> Result<()> {
        while let Some(line) = conn.read_line().await? {
            let m = Mod::from_value(self.decode(&line)?)?;
            match m {
                Mod::Init { value } => {
                    let (m, target) = if sub.notify_cbs.is_empty() {
                        (None, (sub.target_builder)(value))
                    } else {
                        let target = (sub.target_builder)(value.clone());
                        (Some(Mod::Init { value }), target)
                    };
                    *shared.write() = Some(target);
                    *shared
                        .version
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner) = self.version;
                    self.synced = true;
                    if let Some(m) = m {
                        notify(sub, shared, &m);
                    }
                }
                m => {
                    {
                        let mut replica = shared.write();
                        let target = replica.as_mut().ok_or_else(|| {
                            Error::Protocol(format!("{} before init", m.action()))
                        })?;
                        process_mod(target, &m)?;
                    }
                    notify(sub, shared, &m);
                }
            }
        }
        Ok(())
    }

    /// Decodes a line in the publisher's version: v2 lines are compact JSON (`{"action":`), v1
    /// lines Python literals with `", "` separators (`{"action": `).
    fn decode(&mut self, line: &str) -> Result<Value> {
        let version = *self.version.get_or_insert_with(|| {
            if line.starts_with("{\"action\": ") {
                Version::V1
            } else {
                Version::V2
            }
        });
        match version.decode(line) {
            Ok(v) => Ok(v),
            Err(first) => {
                let other = match version {
                    Version::V1 => Version::V2,
                    Version::V2 => Version::V1,
                };
                other.decode(line).map_err(|_| Error::Pyon(first))
            }
        }
    }
}

fn notify(sub: &mut Subscriber, shared: &Shared, m: &Mod) {
    if sub.notify_cbs.is_empty() {
        return;
    }
    let replica = shared
        .replica
        .read()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(target) = replica.as_ref() {
        for cb in &mut sub.notify_cbs {
            cb(m, target);
        }
    }
}

#[derive(Debug, Default)]
struct Shared {
    replica: RwLock<Option<Value>>,
    version: Mutex<Option<Version>>,
}

impl Shared {
    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Value>> {
        self.replica.write().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A connected [`Subscriber`]: read its replica, wait for it to end, or close it.
///
/// Dropping the handle closes the subscriber too.
#[derive(Debug)]
pub struct SubscriberHandle {
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<()>>>,
}

impl SubscriberHandle {
    /// A copy of the replica; `None` until the first `init` arrived.
    pub fn replica(&self) -> Option<Value> {
        self.with_replica(|r| r.cloned())
    }

    /// Runs `f` on the replica without copying it (`None` until the first `init`). Mods wait
    /// while `f` runs.
    pub fn with_replica<R>(&self, f: impl FnOnce(Option<&Value>) -> R) -> R {
        let replica = self
            .shared
            .replica
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        f(replica.as_ref())
    }

    /// The PYON version of the publisher's last `init` (v2 for current publishers, v1 for
    /// ARTIQ 8 and older); `None` before the first `init`.
    pub fn publisher_version(&self) -> Option<Version> {
        *self
            .shared
            .version
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the subscriber stopped (publisher gone without reconnection, or an error).
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits until the subscriber stops: `Ok` when the publisher closed the connection, the
    /// error that ended it otherwise. With reconnection on, it only stops when closed.
    pub async fn wait(&mut self) -> Result<()> {
        match self.task.take() {
            Some(task) => task
                .await
                .unwrap_or_else(|e| Err(Error::Protocol(format!("subscriber task failed: {e}")))),
            None => Ok(()),
        }
    }

    /// Disconnects (the disconnect callback is not called, as in Python) and waits for the task.
    pub async fn close(mut self) -> Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.wait().await
    }
}

impl Drop for SubscriberHandle {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
