//! [`RexecServer`]: a controller that serves its driver and `NAME_rexec`.

use std::future::Future;
use std::sync::Arc;

use asyncio_server::{NetworkArgs, terminate_signal};
use rpc_core::{DEFAULT_PORT, Dialect, Server, Target};
use tracing::info;

use crate::Result;
use crate::driver::Serialised;
use crate::host::{Host, RemoteExecServer};

/// A controller with remote execution: Python's `simple_rexec_server_loop` server.
///
/// It serves the driver as target `NAME` and, as `NAME_rexec`, a fresh `RemoteExecServer` for
/// each connection, whose Python namespace starts as a copy of `controller_initial_namespace`
/// (holding `controller_driver` and itself). The built-in `terminate` is on.
///
/// Unlike Python's server, calls do not wait for each other: Python code runs on threads off
/// the async runtime, so a long `call` in one connection delays neither other connections'
/// code (while it releases the GIL) nor the driver target, `ping` or `terminate`. The driver
/// still sees one call at a time, from RPC clients and from `controller_driver` alike.
#[derive(Clone)]
pub struct RexecServer {
    server: Server,
    host: Arc<Host>,
}

impl std::fmt::Debug for RexecServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RexecServer")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// Configures a [`RexecServer`].
pub struct RexecServerBuilder {
    name: String,
    driver: Arc<dyn Target>,
    description: Option<String>,
    dialect: Dialect,
}

impl std::fmt::Debug for RexecServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RexecServerBuilder")
            .field("name", &self.name)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl RexecServerBuilder {
    /// The description sent in the identification.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Behaves as current SiPyCo (the default) or as legacy SiPyCo (PYON v1 only).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// The server.
    pub fn build(self) -> RexecServer {
        let driver = Arc::new(Serialised::new(self.driver));
        let host = Arc::new(Host::new(driver.clone()));
        let factory_host = host.clone();
        let mut builder = Server::builder()
            .target_arc(self.name.clone(), driver)
            .target_factory(format!("{}_rexec", self.name), move || {
                RemoteExecServer::new(factory_host.clone())
            })
            .builtin_terminate(true)
            .allow_parallel(true)
            .dialect(self.dialect);
        if let Some(d) = self.description {
            builder = builder.description(d);
        }
        RexecServer {
            server: builder.build(),
            host,
        }
    }
}

impl RexecServer {
    /// Serves `driver` as target `name` and remote execution as `name_rexec`.
    pub fn builder(name: impl Into<String>, driver: impl Target) -> RexecServerBuilder {
        RexecServerBuilder {
            name: name.into(),
            driver: Arc::new(driver),
            description: None,
            dialect: Dialect::Current,
        }
    }

    /// The underlying pc_rpc server.
    pub fn rpc_server(&self) -> &Server {
        &self.server
    }

    /// Serves connections accepted by `net` until `shutdown` resolves or a client calls
    /// `terminate`. Stopping raises `SystemExit` in remote code still running (see
    /// [`interrupt_running_code`](Self::interrupt_running_code)); a connection whose code
    /// does not return is given up after `net`'s shutdown timeout
    /// ([`asyncio_server::Server::with_shutdown_timeout`]).
    pub async fn serve(&self, net: asyncio_server::Server, shutdown: impl Future<Output = ()>) {
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let shutdown = async move {
            shutdown.await;
            let _ = stop_tx.send(());
        };
        let serving = self.server.serve(net, shutdown);
        tokio::pin!(serving);
        // Interrupt running code as soon as the server is asked to stop: a connection that
        // runs code cannot close before the code returns.
        tokio::select! {
            () = &mut serving => {
                self.interrupt_running_code().await;
                return;
            }
            _ = stop_rx => {}
            () = self.server.terminated() => {}
        }
        self.interrupt_running_code().await;
        serving.await;
    }

    /// Binds the addresses of `args` (port `default_port` unless `-p` is given) and serves
    /// until `terminate`, SIGINT or SIGTERM. With `-p 0` it prints `port N` on stdout once
    /// listening.
    pub async fn run(&self, args: &NetworkArgs, default_port: u16) -> Result<()> {
        // Connections running code that ignores the interruption (a long C call) are left
        // behind after a second rather than the five of the default.
        let net = args
            .server(default_port)
            .map_err(rpc_core::Error::from)?
            .with_shutdown_timeout(std::time::Duration::from_secs(1));
        let stop = terminate_signal().map_err(rpc_core::Error::from)?;
        if args.port == Some(0)
            && let Some(addr) = net.local_addrs().first()
        {
            println!("port {}", addr.port());
        }
        info!("listening on {:?}", net.local_addrs());
        self.serve(net, stop).await;
        Ok(())
    }

    /// Asks the server to stop, as the built-in `terminate` does.
    pub fn terminate(&self) {
        self.server.terminate();
    }

    /// Raises `SystemExit` in the threads running remote code now. Pure Python code stops at
    /// its next instruction; code blocked in a C function (`time.sleep`, a driver call) sees
    /// it when that returns. A program that exits after the server stopped should leave with
    /// `std::process::exit` rather than wait for such threads (a tokio runtime waits for its
    /// blocking threads when dropped).
    pub async fn interrupt_running_code(&self) {
        let host = self.host.clone();
        let _ = tokio::task::spawn_blocking(move || host.interrupt_all()).await;
    }
}

/// Serves `driver` as `name` and remote execution as `name_rexec` until a client calls
/// `terminate` or the process gets SIGINT or SIGTERM: Python's
/// `sipyco.remote_exec.simple_rexec_server_loop`.
///
/// Addresses and TLS come from `args` (port [`DEFAULT_PORT`] unless `-p` is given).
pub async fn simple_rexec_server_loop(
    name: &str,
    driver: impl Target,
    args: &NetworkArgs,
    description: Option<&str>,
) -> Result<()> {
    let mut builder = RexecServer::builder(name, driver);
    if let Some(d) = description {
        builder = builder.description(d);
    }
    builder.build().run(args, DEFAULT_PORT).await
}
