//! [`Server`]: serves targets to pc_rpc clients over an [`asyncio_server::Server`].

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use asyncio_server::{Connection, NetworkArgs, terminate_signal};
use futures::FutureExt;
use pyon_codec::{Value, Version};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use crate::protocol::{self, BANNER, Dialect, Request};
use crate::target::{Target, method_list};
use crate::{Error, Result, RpcError};

/// The default port of [`simple_server_loop`] when `-p` is not given: the first port that ARTIQ
/// leaves to controllers.
pub const DEFAULT_PORT: u16 = 3253;

/// Builds a fresh target for each connection.
type Factory = Arc<dyn Fn() -> Arc<dyn Target> + Send + Sync>;

#[derive(Clone)]
enum TargetSource {
    Shared(Arc<dyn Target>),
    PerConnection(Factory),
}

impl TargetSource {
    fn instantiate(&self) -> Arc<dyn Target> {
        match self {
            TargetSource::Shared(t) => t.clone(),
            TargetSource::PerConnection(f) => f(),
        }
    }
}

struct Shared {
    targets: BTreeMap<String, TargetSource>,
    identification: String,
    builtin_terminate: bool,
    dialect: Dialect,
    /// Serialises target calls across connections; `None` with parallel calls allowed.
    call_lock: Option<Mutex<()>>,
    max_request_depth: usize,
    terminate: CancellationToken,
}

/// A pc_rpc server: Python's `sipyco.pc_rpc.Server`.
///
/// Build it with [`Server::builder`], then [`serve`](Server::serve) it on an
/// [`asyncio_server::Server`] (which owns the sockets, TLS and line limits), or
/// [`run`](Server::run) it from command-line arguments. Cloning is cheap and shares the server.
///
/// Behaviour, as in Python: one task per connection; requests on a connection are handled one
/// after the other and answered in order; calls of all connections are serialised by one lock
/// unless [`allow_parallel`](ServerBuilder::allow_parallel) is set; the built-in `terminate`
/// answers `ok` and then stops the server.
///
/// The method-name set sent after the target line holds the target's method names (and
/// `terminate` when built in). Python servers also list every dunder method of the object
/// (`__init__`, `__eq__`, ...); a Rust target has none to offer, and Python clients only use the
/// set to refuse unknown names locally.
#[derive(Clone)]
pub struct Server {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("targets", &self.shared.targets.keys().collect::<Vec<_>>())
            .field("builtin_terminate", &self.shared.builtin_terminate)
            .field("dialect", &self.shared.dialect)
            .finish()
    }
}

/// Configures a [`Server`].
pub struct ServerBuilder {
    targets: BTreeMap<String, TargetSource>,
    description: Option<String>,
    builtin_terminate: bool,
    allow_parallel: bool,
    dialect: Dialect,
    max_request_depth: usize,
}

impl std::fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("targets", &self.targets.keys().collect::<Vec<_>>())
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// Serves `target` under `name` (no whitespace), shared by all connections.
    pub fn target(self, name: impl Into<String>, target: impl Target) -> Self {
        self.target_arc(name, Arc::new(target))
    }

    /// Serves an already shared target under `name`.
    pub fn target_arc(mut self, name: impl Into<String>, target: Arc<dyn Target>) -> Self {
        self.targets
            .insert(name.into(), TargetSource::Shared(target));
        self
    }

    /// Serves under `name` a fresh target built by `factory` for each connection that selects
    /// it (Python's per-connection target factories, used by remote execution).
    pub fn target_factory<T: Target>(
        mut self,
        name: impl Into<String>,
        factory: impl Fn() -> T + Send + Sync + 'static,
    ) -> Self {
        let factory: Factory = Arc::new(move || Arc::new(factory()) as Arc<dyn Target>);
        self.targets
            .insert(name.into(), TargetSource::PerConnection(factory));
        self
    }

    /// The description sent in the identification (`None` by default).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Offers the built-in `terminate` method, which stops the server (off by default, as in
    /// Python's `Server`; [`simple_server_loop`] turns it on).
    pub fn builtin_terminate(mut self, on: bool) -> Self {
        self.builtin_terminate = on;
        self
    }

    /// Lets calls run concurrently (across connections) instead of one at a time.
    pub fn allow_parallel(mut self, on: bool) -> Self {
        self.allow_parallel = on;
        self
    }

    /// Behaves as current SiPyCo (the default) or as legacy SiPyCo (PYON v1 only).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The deepest nesting accepted in a request; a deeper request ends its connection, as the
    /// `RecursionError` of a Python server does. [`pyon_codec::DEFAULT_MAX_DEPTH`] by default.
    ///
    /// Decoding, encoding and dropping nested values recurse: a very deep value needs a deep
    /// stack, and unoptimised (debug) builds use far more stack per level. Lower this if the
    /// server runs on small stacks.
    pub fn max_request_depth(mut self, depth: usize) -> Self {
        self.max_request_depth = depth;
        self
    }

    /// The server.
    pub fn build(self) -> Server {
        let names: Vec<&String> = self.targets.keys().collect();
        let identification =
            protocol::identification(&names, self.description.as_deref(), self.dialect);
        Server {
            shared: Arc::new(Shared {
                identification,
                targets: self.targets,
                builtin_terminate: self.builtin_terminate,
                dialect: self.dialect,
                call_lock: (!self.allow_parallel).then(|| Mutex::new(())),
                max_request_depth: self.max_request_depth,
                terminate: CancellationToken::new(),
            }),
        }
    }
}

impl Server {
    /// Starts a server with no targets.
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            targets: BTreeMap::new(),
            description: None,
            builtin_terminate: false,
            allow_parallel: false,
            dialect: Dialect::Current,
            max_request_depth: pyon_codec::DEFAULT_MAX_DEPTH,
        }
    }

    /// Serves connections accepted by `net` until `shutdown` resolves or a client calls the
    /// built-in `terminate`. Connections still open are then closed.
    ///
    /// `net` sets the transport: addresses, TLS, keepalive and the longest request line
    /// ([`asyncio_server::Server::with_max_line_length`], 4 MiB by default as in Python).
    pub async fn serve(&self, net: asyncio_server::Server, shutdown: impl Future<Output = ()>) {
        let this = self.clone();
        let stop = async {
            tokio::select! {
                () = shutdown => {}
                () = self.shared.terminate.cancelled() => info!("terminate requested"),
            }
        };
        net.serve(
            move |conn| {
                let this = this.clone();
                async move {
                    let peer = conn.peer_addr();
                    match this.handle_connection(conn).await {
                        Ok(()) => debug!("{peer}: disconnected"),
                        Err(e) => warn!("{peer}: closing connection: {e}"),
                    }
                }
            },
            stop,
        )
        .await;
    }

    /// Binds the addresses of `args` (port `default_port` unless `-p` is given, TLS with
    /// `--ssl`) and serves until `terminate`, SIGINT or SIGTERM.
    pub async fn run(&self, args: &NetworkArgs, default_port: u16) -> Result<()> {
        let net = args.server(default_port)?;
        let stop = terminate_signal()?;
        info!("listening on {:?}", net.local_addrs());
        self.serve(net, stop).await;
        Ok(())
    }

    /// Asks the server to stop, as the built-in `terminate` does.
    pub fn terminate(&self) {
        self.shared.terminate.cancel();
    }

    /// Resolves once the server was asked to stop with `terminate`.
    pub async fn terminated(&self) {
        self.shared.terminate.cancelled().await;
    }

    /// Runs one pc_rpc session on `conn` until the client leaves. Errors end this connection
    /// only: a wrong banner (closed without a word), an unknown target or feature, a request
    /// that does not decode, an over-long line, a network failure.
    pub async fn handle_connection(&self, mut conn: Connection) -> Result<()> {
        let Some(banner) = conn.read_line().await? else {
            return Ok(());
        };
        if banner != BANNER {
            return Err(Error::BadBanner(banner));
        }
        conn.write_line(&self.shared.identification).await?;
        // A client may read the identification and leave (`list-targets`).
        let Some(line) = conn.read_line().await? else {
            return Ok(());
        };
        let selection = protocol::parse_target_line(
            &line,
            |name| self.shared.targets.contains_key(name),
            self.shared.dialect,
        )?;
        let version = selection.version;
        // `parse_target_line` checked the name; a miss would be an unknown target all the same.
        let Some(served) = self.shared.targets.get(&selection.target) else {
            return Err(Error::UnknownTarget(line));
        };
        let target = served.instantiate();
        let mut names = target.method_names();
        if self.shared.builtin_terminate && !names.iter().any(|n| n == "terminate") {
            names.push("terminate".to_owned());
        }
        conn.write_line(&protocol::method_set_line(&names, version))
            .await?;
        let mut next = conn.read_line().await?;
        while let Some(line) = next {
            let depth = self.shared.max_request_depth;
            let request = match version {
                Version::V1 => pyon_codec::v1::decode_with_depth(&line, depth),
                Version::V2 => pyon_codec::v2::decode_with_depth(&line, depth),
            };
            let request = match request {
                Ok(request) => request,
                Err(e) => {
                    // Replies to the requests before this one still go out.
                    conn.flush().await?;
                    return Err(e.into());
                }
            };
            let (reply, terminate) = self.process(&*target, request, version).await;
            conn.feed_line(&reply).await?;
            if terminate {
                conn.flush().await?;
                self.terminate();
                break;
            }
            // A client may write several requests before reading: while the next one is
            // already here, answer it before flushing, so that a batch of replies goes out in
            // one write. Buffered replies are bounded: feeding flushes past a few kB.
            next = match conn.read_line().now_or_never() {
                Some(Ok(Some(line))) => Some(line),
                polled => {
                    conn.flush().await?;
                    match polled {
                        Some(result) => result?,
                        None => conn.read_line().await?,
                    }
                }
            };
        }
        Ok(())
    }

    /// Runs one request; returns the reply line and whether it was the built-in `terminate`.
    async fn process(
        &self,
        target: &dyn Target,
        request: Value,
        version: Version,
    ) -> (String, bool) {
        let mut method = None;
        let mut terminate = false;
        let result = {
            let _serialised = match &self.shared.call_lock {
                Some(lock) => Some(lock.lock().await),
                None => None,
            };
            match Request::from_value(request) {
                Err(e) => Err(e),
                Ok(Request::MethodList) => Ok(method_list(target, self.shared.builtin_terminate)),
                Ok(Request::Call { name, .. })
                    if self.shared.builtin_terminate && name == "terminate" =>
                {
                    terminate = true;
                    Ok(Value::None)
                }
                Ok(Request::Call { name, args, kwargs }) => {
                    let result = target.call(&name, args, kwargs).await;
                    method = Some(name);
                    result
                }
            }
        };
        let result = result.map_err(|e| with_default_traceback(e, target, method.as_deref()));
        (protocol::encode_reply(result, version), terminate)
    }
}

/// Gives an exception without traceback one line naming the Rust method that raised it.
fn with_default_traceback(e: RpcError, target: &dyn Target, method: Option<&str>) -> RpcError {
    match method {
        Some(method) if e.traceback().is_empty() => {
            let line = format!("  File \"<rust>\", in {}.{method}\n", target.type_name());
            e.with_traceback([line])
        }
        _ => e,
    }
}

/// Serves `targets` until a client calls `terminate` or the process gets SIGINT or SIGTERM:
/// Python's `sipyco.pc_rpc.simple_server_loop`.
///
/// The addresses and TLS come from `args` (port [`DEFAULT_PORT`] unless `-p` is given); the
/// built-in `terminate` is on and calls are serialised.
///
/// ```no_run
/// # use rpc_core::{DynamicTarget, simple_server_loop};
/// # async fn example(args: asyncio_server::NetworkArgs) -> rpc_core::Result<()> {
/// let target = DynamicTarget::builder("Nothing").build();
/// simple_server_loop([("nothing", target)], &args, Some("an empty controller")).await
/// # }
/// ```
pub async fn simple_server_loop<I, S, T>(
    targets: I,
    args: &NetworkArgs,
    description: Option<&str>,
) -> Result<()>
where
    I: IntoIterator<Item = (S, T)>,
    S: Into<String>,
    T: Target,
{
    let mut builder = Server::builder().builtin_terminate(true);
    if let Some(d) = description {
        builder = builder.description(d);
    }
    for (name, target) in targets {
        builder = builder.target(name, target);
    }
    builder.build().run(args, DEFAULT_PORT).await
}
