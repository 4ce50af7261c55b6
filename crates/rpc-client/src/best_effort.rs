//! [`BestEffortClient`]: calls that never fail on network trouble (Python's
//! `sipyco.pc_rpc.BestEffortClient`).

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use pyon_codec::{Dict, Value};
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::args::IntoArgs;
use crate::async_client::AsyncClient;
use crate::error::Result;
use crate::options::ClientOptions;
use crate::protocol::Target;

/// Settings of a [`BestEffortClient`].
#[derive(Debug, Clone)]
pub struct BestEffortOptions {
    first_connect_timeout: Duration,
    retry: Duration,
    call_timeout: Duration,
    client: ClientOptions,
}

impl Default for BestEffortOptions {
    /// Python's defaults (first connection attempt 1 s, retry every 5 s), and 10 s per call.
    fn default() -> Self {
        BestEffortOptions {
            first_connect_timeout: Duration::from_secs(1),
            retry: Duration::from_secs(5),
            call_timeout: Duration::from_secs(10),
            client: ClientOptions::default(),
        }
    }
}

impl BestEffortOptions {
    /// The defaults.
    pub fn new() -> Self {
        BestEffortOptions::default()
    }

    /// Time limit of the first connection attempt (Python's `firstcon_timeout`), and of each
    /// reconnection attempt unless [`ClientOptions::connect_timeout`] is set.
    pub fn first_connect_timeout(mut self, timeout: Duration) -> Self {
        self.first_connect_timeout = timeout;
        self
    }

    /// Pause between reconnection attempts (Python's `retry`).
    pub fn retry(mut self, period: Duration) -> Self {
        self.retry = period;
        self
    }

    /// Time limit of each call: a server that accepts but never answers costs at most this,
    /// after which the connection is dropped and reconnection starts.
    pub fn call_timeout(mut self, timeout: Duration) -> Self {
        self.call_timeout = timeout;
        self
    }

    /// Connection settings (TLS, line limit, reconnection timeout).
    pub fn client(mut self, options: ClientOptions) -> Self {
        self.client = options;
        self
    }
}

/// An RPC client that never fails because of the network.
///
/// While the server is unreachable a call returns `Ok(None)` at once and the client reconnects
/// in the background, every [`retry`](BestEffortOptions::retry) period. A call that fails on the
/// network or times out also returns `Ok(None)` and starts reconnection. Exceptions of the remote
/// method and unknown method names are still errors. Cheap to clone; clones share the connection.
/// Reconnection runs on the tokio runtime that [`connect`](Self::connect) was called on.
#[derive(Clone)]
pub struct BestEffortClient {
    inner: Arc<Inner>,
}

struct Inner {
    host: String,
    port: u16,
    target: Target,
    options: BestEffortOptions,
    client: Mutex<Option<AsyncClient>>,
    connected: watch::Sender<bool>,
    stop: CancellationToken,
    runtime: tokio::runtime::Handle,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl std::fmt::Debug for BestEffortClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BestEffortClient")
            .field("host", &self.inner.host)
            .field("port", &self.inner.port)
            .field("connected", &self.is_connected())
            .finish_non_exhaustive()
    }
}

impl BestEffortClient {
    /// Makes a first connection attempt with default options; never fails.
    pub async fn connect(host: &str, port: u16, target: impl Into<Target>) -> BestEffortClient {
        BestEffortClient::connect_with(host, port, target, BestEffortOptions::default()).await
    }

    /// Makes a first connection attempt, limited by the first connect timeout; if it fails,
    /// reconnection goes on in the background.
    pub async fn connect_with(
        host: &str,
        port: u16,
        target: impl Into<Target>,
        options: BestEffortOptions,
    ) -> BestEffortClient {
        let client = BestEffortClient {
            inner: Arc::new(Inner {
                host: host.to_owned(),
                port,
                target: target.into(),
                options,
                client: Mutex::new(None),
                connected: watch::Sender::new(false),
                stop: CancellationToken::new(),
                runtime: tokio::runtime::Handle::current(),
            }),
        };
        let first = client.inner.options.first_connect_timeout;
        match client.inner.attempt(first).await {
            Ok(c) => client.inner.install(c),
            Err(e) => {
                tracing::warn!(
                    "first connection attempt to {}:{} failed, retrying in the background: {e}",
                    client.inner.host,
                    client.inner.port
                );
                client.inner.start_reconnect();
            }
        }
        client
    }

    /// Whether a connection is up right now.
    pub fn is_connected(&self) -> bool {
        self.inner.current().is_some()
    }

    /// Waits until a connection is up (returns at once if it is).
    pub async fn wait_connected(&self) {
        let mut rx = self.inner.connected.subscribe();
        let _ = rx.wait_for(|up| *up).await;
    }

    /// The current connection, if any.
    pub fn current(&self) -> Option<AsyncClient> {
        self.inner.current()
    }

    /// The selected target while connected.
    pub fn get_selected_target(&self) -> Option<String> {
        self.current()
            .and_then(|c| c.get_selected_target().map(str::to_owned))
    }

    /// Calls method `name`: `Ok(Some(result))`, or `Ok(None)` when the server is unreachable or
    /// the call failed on the network or timed out.
    pub async fn call(
        &self,
        name: &str,
        args: impl IntoArgs,
        kwargs: Dict,
    ) -> Result<Option<Value>> {
        let Some(client) = self.inner.current() else {
            return Ok(None);
        };
        let result = client.call(name, args, kwargs).await;
        self.inner.settle(&client, result)
    }

    /// Calls method `name` and converts the result (serde); `Ok(None)` as for [`call`](Self::call).
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        name: &str,
        args: impl IntoArgs,
    ) -> Result<Option<T>> {
        match self.call(name, args, Dict::new()).await? {
            Some(v) => Ok(Some(pyon_codec::from_value(v)?)),
            None => Ok(None),
        }
    }

    /// The method list, or `Ok(None)` during an outage.
    pub async fn get_rpc_method_list(&self) -> Result<Option<Value>> {
        let Some(client) = self.inner.current() else {
            return Ok(None);
        };
        let result = client.get_rpc_method_list().await;
        self.inner.settle(&client, result)
    }

    /// Closes the connection and stops reconnecting (Python's `close_rpc`).
    pub async fn close_rpc(&self) {
        self.inner.stop.cancel();
        let client = self
            .inner
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        self.inner.connected.send_replace(false);
        if let Some(c) = client {
            c.close_rpc().await;
        }
    }
}

impl Inner {
    /// The connection if it is up; a connection found broken is dropped and reconnection
    /// starts.
    fn current(self: &Arc<Self>) -> Option<AsyncClient> {
        let client = self
            .client
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        if client.is_closed() {
            self.drop_connection(&client);
            return None;
        }
        Some(client)
    }

    async fn attempt(&self, timeout: Duration) -> Result<AsyncClient> {
        let mut options = self.options.client.clone();
        if options.connect_timeout.is_none() {
            options.connect_timeout = Some(timeout);
        }
        options.call_timeout = Some(self.options.call_timeout);
        AsyncClient::connect_with(&self.host, self.port, self.target.clone(), &options).await
    }

    fn install(&self, client: AsyncClient) {
        if self.stop.is_cancelled() {
            return;
        }
        *self.client.lock().unwrap_or_else(|p| p.into_inner()) = Some(client);
        self.connected.send_replace(true);
    }

    /// Turns network failures into `Ok(None)` and starts reconnection.
    fn settle(
        self: &Arc<Self>,
        client: &AsyncClient,
        result: Result<Value>,
    ) -> Result<Option<Value>> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_network() => {
                tracing::warn!(
                    "call to {}:{} failed, reconnecting: {e}",
                    self.host,
                    self.port
                );
                self.drop_connection(client);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Drops `client` if it is still the current connection, and starts reconnecting.
    fn drop_connection(self: &Arc<Self>, client: &AsyncClient) {
        let mut slot = self.client.lock().unwrap_or_else(|p| p.into_inner());
        let is_current = slot.as_ref().is_some_and(|c| c.same_connection(client));
        if !is_current {
            // Another caller already dropped it.
            return;
        }
        let old = slot.take();
        drop(slot);
        self.connected.send_replace(false);
        if let Some(old) = old {
            self.runtime.spawn(async move { old.close_rpc().await });
        }
        self.start_reconnect();
    }

    fn start_reconnect(self: &Arc<Self>) {
        if self.stop.is_cancelled() {
            return;
        }
        self.runtime
            .spawn(reconnect(Arc::downgrade(self), self.stop.clone()));
    }
}

async fn reconnect(inner: Weak<Inner>, stop: CancellationToken) {
    loop {
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let retry = strong.options.retry;
        let attempt = tokio::select! {
            _ = stop.cancelled() => return,
            r = strong.attempt(strong.options.first_connect_timeout) => r,
        };
        match attempt {
            Ok(client) => {
                tracing::info!("reconnected to {}:{}", strong.host, strong.port);
                strong.install(client);
                return;
            }
            Err(e) => tracing::debug!(
                "reconnection to {}:{} failed: {e}",
                strong.host,
                strong.port
            ),
        }
        drop(strong);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(retry) => {}
        }
    }
}
