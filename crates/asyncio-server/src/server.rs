//! [`Server`]: accept connections on one or more addresses and serve each in its own task
//! (Python's `sipyco.tools.AsyncioServer`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{debug, error, info, warn};

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::framing::DEFAULT_SERVER_LINE_LIMIT;
use crate::keepalive::Keepalive;
use crate::stream::Stream;
use crate::tls::TlsServerConfig;

/// How long to wait before accepting again after an accept error (out of file descriptors...).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// How long a client may take to complete the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);
/// Listen backlog of our sockets.
const BACKLOG: i32 = 1024;

/// A line server: listening sockets plus the settings applied to every accepted connection.
///
/// ```no_run
/// # async fn example() -> asyncio_server::Result<()> {
/// use asyncio_server::Server;
///
/// let server = Server::bind(&["127.0.0.1:3253".parse().unwrap()])?;
/// server
///     .serve(
///         |mut conn| async move {
///             while let Ok(Some(line)) = conn.read_line().await {
///                 if conn.write_line(&line).await.is_err() {
///                     break;
///                 }
///             }
///         },
///         std::future::pending(),
///     )
///     .await;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Server {
    listeners: Vec<std::net::TcpListener>,
    tls: Option<TlsServerConfig>,
    max_line_length: usize,
    keepalive: Keepalive,
    shutdown_timeout: Duration,
    handle: ServerHandle,
}

/// Stops a [`Server`] from anywhere: another task, a signal handler, or one of the server's own
/// connection handlers (an RPC `terminate` call). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ServerHandle {
    token: CancellationToken,
}

impl ServerHandle {
    /// Ask the server to stop: it stops accepting and cancels its connection handlers at their
    /// next `.await`. A handler calling this from inside should write its last reply first.
    pub fn shutdown(&self) {
        self.token.cancel();
    }

    /// Whether [`shutdown`](Self::shutdown) was called (or the server is stopping).
    pub fn is_shutdown(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves once the server is stopping.
    pub async fn stopped(&self) {
        self.token.cancelled().await;
    }
}

/// Create a listening socket on `addr` like Python's asyncio does: `SO_REUSEADDR`, and
/// `IPV6_V6ONLY` on IPv6 sockets so that `0.0.0.0` and `::` can both be bound on one port.
pub fn bind_listener(addr: SocketAddr) -> Result<std::net::TcpListener> {
    let bind_error = |source| Error::Bind { addr, source };
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
        .map_err(bind_error)?;
    if addr.is_ipv6() {
        socket.set_only_v6(true).map_err(bind_error)?;
    }
    socket.set_reuse_address(true).map_err(bind_error)?;
    socket.set_nonblocking(true).map_err(bind_error)?;
    socket.bind(&addr.into()).map_err(bind_error)?;
    socket.listen(BACKLOG).map_err(bind_error)?;
    Ok(socket.into())
}

impl Server {
    /// Bind every address of `addrs` (see [`bind_listener`]). Fails if any cannot be bound, or if
    /// `addrs` is empty. Needs no runtime.
    pub fn bind(addrs: &[SocketAddr]) -> Result<Self> {
        let listeners = addrs
            .iter()
            .map(|&addr| bind_listener(addr))
            .collect::<Result<Vec<_>>>()?;
        Self::from_std(listeners)
    }

    /// Serve on listeners bound elsewhere (tests bind port 0 and read
    /// [`local_addrs`](Self::local_addrs)).
    pub fn from_std(listeners: Vec<std::net::TcpListener>) -> Result<Self> {
        if listeners.is_empty() {
            return Err(Error::NothingToBind);
        }
        for listener in &listeners {
            listener.set_nonblocking(true)?;
        }
        Ok(Server {
            listeners,
            tls: None,
            max_line_length: DEFAULT_SERVER_LINE_LIMIT,
            keepalive: Keepalive::default(),
            shutdown_timeout: Duration::from_secs(5),
            handle: ServerHandle::default(),
        })
    }

    /// Serve on tokio listeners bound elsewhere.
    pub fn from_tokio(listeners: Vec<TcpListener>) -> Result<Self> {
        let listeners = listeners
            .into_iter()
            .map(TcpListener::into_std)
            .collect::<std::io::Result<Vec<_>>>()?;
        Self::from_std(listeners)
    }

    /// Require TLS (mutual authentication) on every connection, or not (`None`, the default).
    pub fn with_tls(mut self, tls: Option<TlsServerConfig>) -> Self {
        self.tls = tls;
        self
    }

    /// Longest line accepted from clients; [`DEFAULT_SERVER_LINE_LIMIT`] by default.
    pub fn with_max_line_length(mut self, max_line_length: usize) -> Self {
        self.max_line_length = max_line_length;
        self
    }

    /// Keepalive parameters of accepted sockets; [`Keepalive::default`] by default.
    pub fn with_keepalive(mut self, keepalive: Keepalive) -> Self {
        self.keepalive = keepalive;
        self
    }

    /// How long [`serve`](Self::serve) waits, once stopped, for connection handlers to finish;
    /// 5 s by default.
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// The addresses actually bound (with the real port when port 0 was asked for).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners
            .iter()
            .filter_map(|l| l.local_addr().ok())
            .collect()
    }

    /// A handle that stops this server.
    pub fn handle(&self) -> ServerHandle {
        self.handle.clone()
    }

    /// Accept connections until `shutdown` resolves or [`ServerHandle::shutdown`] is called.
    ///
    /// Each accepted socket gets keepalive and `TCP_NODELAY`, goes through the TLS handshake if
    /// configured, and is handed as a [`Connection`] to `handler`, run in its own task. A failed
    /// handshake is logged and that connection dropped. Accept errors (such as running out of
    /// file descriptors) are logged and accepting resumes after a short pause.
    ///
    /// When stopped, the server closes its listening sockets, cancels every handler (the handler
    /// future is dropped at its next `.await`) and waits for them at most the shutdown timeout.
    pub async fn serve<H, F>(self, handler: H, shutdown: impl Future<Output = ()>)
    where
        H: Fn(Connection) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let token = self.handle.token.clone();
        let tracker = TaskTracker::new();
        let accepting = Arc::new(Accepting {
            handler,
            tls: self.tls,
            max_line_length: self.max_line_length,
            keepalive: self.keepalive,
            token: token.clone(),
            tracker: tracker.clone(),
        });
        let mut loops = Vec::new();
        for listener in self.listeners {
            match TcpListener::from_std(listener) {
                Ok(listener) => loops.push(accepting.clone().accept_loop(listener)),
                Err(e) => error!("cannot register listening socket: {e}"),
            }
        }
        tokio::select! {
            _ = futures::future::join_all(loops) => {}
            _ = shutdown => debug!("shutdown requested"),
            _ = token.cancelled() => debug!("shutdown requested through a handle"),
        }
        token.cancel();
        tracker.close();
        if tokio::time::timeout(self.shutdown_timeout, tracker.wait())
            .await
            .is_err()
        {
            warn!(
                "{} connection task(s) still running after {:?}; leaving them",
                tracker.len(),
                self.shutdown_timeout
            );
        }
    }
}

/// What every accept loop shares.
struct Accepting<H> {
    handler: H,
    tls: Option<TlsServerConfig>,
    max_line_length: usize,
    keepalive: Keepalive,
    token: CancellationToken,
    tracker: TaskTracker,
}

impl<H, F> Accepting<H>
where
    H: Fn(Connection) -> F + Send + Sync + 'static,
    F: Future<Output = ()> + Send + 'static,
{
    async fn accept_loop(self: Arc<Self>, listener: TcpListener) {
        let local = listener
            .local_addr()
            .map_or_else(|_| "?".to_owned(), |addr| addr.to_string());
        info!("listening on {local}");
        loop {
            let accepted = tokio::select! {
                _ = self.token.cancelled() => return,
                accepted = listener.accept() => accepted,
            };
            match accepted {
                Ok((tcp, peer)) => {
                    let this = self.clone();
                    self.tracker.spawn(async move {
                        tokio::select! {
                            _ = this.token.cancelled() => debug!("{peer}: cancelled"),
                            _ = this.serve_one(tcp, peer) => {}
                        }
                    });
                }
                Err(e) => {
                    error!("accept on {local} failed: {e}; retrying");
                    tokio::select! {
                        _ = self.token.cancelled() => return,
                        _ = tokio::time::sleep(ACCEPT_BACKOFF) => {}
                    }
                }
            }
        }
    }

    async fn serve_one(&self, tcp: TcpStream, peer: SocketAddr) {
        debug!("{peer}: connected");
        if let Err(e) = self.keepalive.apply(&tcp) {
            warn!("{peer}: cannot set keepalive: {e}");
        }
        let stream = match &self.tls {
            None => Stream::Tcp(tcp),
            Some(tls) => match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                Ok(Ok(stream)) => stream,
                Ok(Err(e)) => {
                    warn!("{peer}: closed during the TLS handshake: {e}");
                    return;
                }
                Err(_) => {
                    warn!("{peer}: TLS handshake timed out");
                    return;
                }
            },
        };
        match Connection::new(stream, self.max_line_length) {
            Ok(conn) => (self.handler)(conn).await,
            Err(e) => debug!("{peer}: gone before being served: {e}"),
        }
        debug!("{peer}: done");
    }
}
