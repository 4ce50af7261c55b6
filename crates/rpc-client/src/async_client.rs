//! [`AsyncClient`]: the pipelined async client (Python's `AsyncioClient`).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use pyon_codec::{Dict, Value, Version};
use serde::de::DeserializeOwned;

use crate::args::IntoArgs;
use crate::error::{Error, Result};
use crate::options::ClientOptions;
use crate::protocol::{self, Identification, Target};
use crate::session::{self, Session};
use crate::transport::{self, Connection};

/// Runs `fut` under an optional time limit.
pub(crate) async fn limit<T>(
    timeout: Option<Duration>,
    what: &'static str,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    match timeout {
        None => fut.await,
        Some(t) => tokio::time::timeout(t, fut)
            .await
            .map_err(|_| Error::Timeout(what))?,
    }
}

/// An async pc_rpc client, safe to share between tasks.
///
/// Cloning is cheap and every clone uses the same connection. Concurrent calls are
/// **pipelined**: their requests are written back to back and the replies, which a server sends
/// in order, are matched in order. A call whose future is dropped (or times out) does not
/// disturb the others: its reply is read and discarded.
///
/// A call times out after [`ClientOptions::call_timeout`]; the connection stays usable (the
/// late reply is discarded when it comes).
#[derive(Clone)]
pub struct AsyncClient {
    inner: Arc<Inner>,
}

struct Inner {
    id: Identification,
    local_addr: SocketAddr,
    options: ClientOptions,
    /// The connection while no target is selected yet.
    unselected: Mutex<Option<Connection>>,
    session: OnceLock<Session>,
}

impl std::fmt::Debug for AsyncClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncClient")
            .field("local_addr", &self.inner.local_addr)
            .field("targets", &self.inner.id.targets)
            .field("selected", &self.get_selected_target())
            .finish_non_exhaustive()
    }
}

impl AsyncClient {
    /// Connects to `host:port` and selects `target` ([`AutoTarget`](crate::AutoTarget), a name,
    /// or `None::<&str>` to select later), with default options.
    pub async fn connect(host: &str, port: u16, target: impl Into<Target>) -> Result<AsyncClient> {
        AsyncClient::connect_with(host, port, target, &ClientOptions::default()).await
    }

    /// Connects with the given options. The connect timeout covers TCP, TLS and the handshake.
    pub async fn connect_with(
        host: &str,
        port: u16,
        target: impl Into<Target>,
        options: &ClientOptions,
    ) -> Result<AsyncClient> {
        let target = target.into();
        limit(options.connect_timeout, "connecting", async {
            let mut conn = transport::connect(host, port, options).await?;
            let id = session::identify(&mut conn).await?;
            let selected = match target.resolve(&id)? {
                Some(name) => {
                    let (version, methods) = session::select(&mut conn, &id, &name).await?;
                    Some((name, version, methods))
                }
                None => None,
            };
            Ok(AsyncClient::assemble(conn, id, selected, options.clone()))
        })
        .await
    }

    fn assemble(
        conn: Connection,
        id: Identification,
        selected: Option<(String, Version, HashSet<String>)>,
        options: ClientOptions,
    ) -> AsyncClient {
        let local_addr = conn.local_addr;
        let session = OnceLock::new();
        let unselected = match selected {
            Some((target, version, methods)) => {
                let _ = session.set(Session::start(conn, target, version, methods));
                None
            }
            None => Some(conn),
        };
        AsyncClient {
            inner: Arc::new(Inner {
                id,
                local_addr,
                options,
                unselected: Mutex::new(unselected),
                session,
            }),
        }
    }

    /// Selects a target on a client connected without one (Python's `select_rpc_target`).
    pub async fn select_rpc_target(&self, name: &str) -> Result<()> {
        let conn = self
            .inner
            .unselected
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(mut conn) = conn else {
            return Err(if self.inner.session.get().is_some() {
                Error::TargetAlreadySelected
            } else {
                Error::ConnectionClosed { reason: None }
            });
        };
        let id = &self.inner.id;
        let (version, methods) = limit(
            self.inner.options.connect_timeout,
            "selecting the target",
            session::select(&mut conn, id, name),
        )
        .await?;
        let session = Session::start(conn, name.to_owned(), version, methods);
        self.inner
            .session
            .set(session)
            .map_err(|_| Error::TargetAlreadySelected)
    }

    /// The server's targets and description (Python's `get_rpc_id`).
    pub fn get_rpc_id(&self) -> (Vec<String>, Option<String>) {
        (
            self.inner.id.targets.clone(),
            self.inner.id.description.clone(),
        )
    }

    /// Everything the server said about itself, features included.
    pub fn identification(&self) -> &Identification {
        &self.inner.id
    }

    /// The selected target, if any (Python's `get_selected_target`).
    pub fn get_selected_target(&self) -> Option<&str> {
        self.inner.session.get().map(|s| s.target.as_str())
    }

    /// The PYON version of the session, once a target is selected.
    pub fn pyon_version(&self) -> Option<Version> {
        self.inner.session.get().map(|s| s.version)
    }

    /// The method names of the selected target.
    pub fn method_names(&self) -> Option<&HashSet<String>> {
        self.inner.session.get().map(|s| &s.methods)
    }

    /// The local address of the connection (Python's `get_local_host`, which returns its IP).
    pub fn get_local_host(&self) -> IpAddr {
        self.inner.local_addr.ip()
    }

    /// The local address and port of the connection.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// Whether the connection has ended (closed, or broken by the network or the server).
    pub fn is_closed(&self) -> bool {
        match self.inner.session.get() {
            Some(s) => s.is_closed(),
            None => self
                .inner
                .unselected
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none(),
        }
    }

    /// Whether `other` is a clone of this client (same connection).
    pub(crate) fn same_connection(&self, other: &AsyncClient) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    fn session(&self) -> Result<&Session> {
        self.inner.session.get().ok_or(Error::NoTargetSelected)
    }

    /// Calls method `name` with positional `args` and keyword `kwargs`; returns its result.
    ///
    /// A name outside the target's method-name set fails with [`Error::NoSuchMethod`] before
    /// anything is sent; an exception of the remote method is [`Error::Remote`].
    pub async fn call(&self, name: &str, args: impl IntoArgs, kwargs: Dict) -> Result<Value> {
        let session = self.session()?;
        if !session.methods.contains(name) {
            return Err(Error::NoSuchMethod {
                name: name.to_owned(),
            });
        }
        self.send_call(session, name, args.into_args(), kwargs)
            .await
    }

    /// Calls method `name` with positional `args` and converts the result to `T` (serde).
    ///
    /// ```no_run
    /// # async fn demo(client: rpc_client::AsyncClient) -> rpc_client::Result<()> {
    /// let sum: f64 = client.call_as("add", pyon_codec::tuple![1, 2.5]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn call_as<T: DeserializeOwned>(&self, name: &str, args: impl IntoArgs) -> Result<T> {
        let ret = self.call(name, args, Dict::new()).await?;
        Ok(pyon_codec::from_value(ret)?)
    }

    /// Like [`call`](Self::call), without the local check against the method-name set: the
    /// server decides (and answers `AttributeError` for an unknown name).
    pub async fn call_unchecked(
        &self,
        name: &str,
        args: impl IntoArgs,
        kwargs: Dict,
    ) -> Result<Value> {
        let session = self.session()?;
        self.send_call(session, name, args.into_args(), kwargs)
            .await
    }

    async fn send_call(
        &self,
        session: &Session,
        name: &str,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> Result<Value> {
        let line = protocol::encode_call(session.version, name, args, kwargs)?;
        self.exchange(session, line).await
    }

    async fn exchange(&self, session: &Session, line: String) -> Result<Value> {
        let reply = limit(
            self.inner.options.call_timeout,
            "waiting for the reply",
            session.request(line),
        )
        .await?;
        protocol::decode_reply(session.version, &reply)
    }

    /// The target's docstring and methods with their argument specs (Python's
    /// `get_rpc_method_list`): `{"docstring": str or None, "methods": {name: (argspec, doc)}}`.
    pub async fn get_rpc_method_list(&self) -> Result<Value> {
        let session = self.session()?;
        let line = protocol::encode_method_list_request(session.version);
        self.exchange(session, line).await
    }

    /// Closes the connection (Python's `close_rpc`). Calls still waiting fail with
    /// [`Error::ConnectionClosed`]; so do later ones.
    pub async fn close_rpc(&self) {
        drop(
            self.inner
                .unselected
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        if let Some(session) = self.inner.session.get() {
            session.close().await;
        }
    }
}
