//! [`serve`]: one TCP port for both protocols of an [`IDict`], on a thread of its own.

use std::net::SocketAddr;
use std::thread::JoinHandle;
use std::time::Duration;

use asyncio_server::{BannerDispatch, NetworkArgs};
use sync_struct::{Publisher, PublisherOptions, PublisherStats, SYNC_STRUCT_BANNER};
use tokio::sync::oneshot;
use tracing::debug;

use crate::IDict;
use crate::error::{Error, Result};
use crate::target::Computation;

/// The port [`serve`] listens on when `-p` is not given: the first port ARTIQ leaves to
/// controllers.
pub const DEFAULT_PORT: u16 = 3253;
/// The sync_struct notifier holding the contents.
pub const CONTENTS_NOTIFIER: &str = "idict";
/// The sync_struct notifier holding the [`Status`](crate::Status).
pub const STATUS_NOTIFIER: &str = "status";
/// The pc_rpc target steering the computation.
pub const TARGET: &str = "computation";
/// The description in the pc_rpc identification, by which tools recognise an idict.
pub const DESCRIPTION: &str = "idict: a computation that clients can watch, pause and stop";

/// Serves `idict` on the addresses of `args` (port [`DEFAULT_PORT`] unless `-p` is given, TLS
/// with `--ssl`): the sync_struct notifiers [`CONTENTS_NOTIFIER`] and [`STATUS_NOTIFIER`] and
/// the pc_rpc target [`TARGET`], all on one port, each connection routed by its banner.
///
/// The server runs on a thread of its own (with its own async runtime), so a computation in a
/// plain thread needs nothing else; it stops with [`Server::wait_then_close`] or when dropped.
pub fn serve(idict: &IDict, args: &NetworkArgs) -> Result<Server> {
    serve_on(
        idict,
        args.server(DEFAULT_PORT)?,
        PublisherOptions::default(),
    )
}

/// As [`serve`], on sockets bound by the caller (tests bind port 0) and with publisher options
/// of one's own (the backlog a watcher may fall behind by before it is cut off).
pub fn serve_on(
    idict: &IDict,
    net: asyncio_server::Server,
    options: PublisherOptions,
) -> Result<Server> {
    let publisher = Publisher::with_options(options);
    publisher.add_notifier(CONTENTS_NOTIFIER, idict.contents_notifier())?;
    publisher.add_notifier(STATUS_NOTIFIER, idict.status_notifier())?;
    let rpc = rpc_core::Server::builder()
        .target(TARGET, Computation::new(idict.clone()))
        .description(DESCRIPTION)
        .builtin_terminate(false)
        .build();
    let dispatch = {
        let publisher = publisher.clone();
        BannerDispatch::new()
            .route(SYNC_STRUCT_BANNER, move |conn| {
                let publisher = publisher.clone();
                async move { publisher.handle_connection(conn).await }
            })
            .route(rpc_core::protocol::BANNER, move |conn| {
                let rpc = rpc.clone();
                async move {
                    let peer = conn.peer_addr();
                    if let Err(e) = rpc.handle_connection(conn).await {
                        debug!("{peer}: {e}");
                    }
                }
            })
    };
    let addrs = net.local_addrs();
    let handle = net.handle();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("idict-server")
        .enable_all()
        .build()
        .map_err(Error::Start)?;
    let (close_tx, close_rx) = oneshot::channel::<Duration>();
    let flushing = publisher.clone();
    let thread = std::thread::Builder::new()
        .name("idict-server".into())
        .spawn(move || {
            runtime.block_on(async move {
                let serving = net.serve(dispatch.into_handler(), std::future::pending());
                tokio::pin!(serving);
                tokio::select! {
                    () = &mut serving => {}
                    timeout = close_rx => {
                        // Dropped handle: close at once.
                        let timeout = timeout.unwrap_or(Duration::ZERO);
                        flushing.flush(timeout).await;
                        handle.shutdown();
                        serving.await;
                    }
                }
            });
        })
        .map_err(Error::Start)?;
    Ok(Server {
        addrs,
        publisher,
        close: Some(close_tx),
        thread: Some(thread),
    })
}

/// A running [`serve`]: stop it with [`wait_then_close`](Self::wait_then_close) (or drop it to
/// close at once).
#[derive(Debug)]
pub struct Server {
    addrs: Vec<SocketAddr>,
    publisher: Publisher,
    close: Option<oneshot::Sender<Duration>>,
    thread: Option<JoinHandle<()>>,
}

impl Server {
    /// The addresses bound (with the real port when port 0 was asked for).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The port bound (of the first address).
    pub fn port(&self) -> Option<u16> {
        self.addrs.first().map(SocketAddr::port)
    }

    /// Watchers that subscribed, and those cut off because they fell behind.
    pub fn stats(&self) -> PublisherStats {
        self.publisher.stats()
    }

    /// Waits until every watcher has been handed everything published (the final update),
    /// at most `timeout`, then closes every connection and the port. Blocks: call it from the
    /// computation's thread, not from async code.
    pub fn wait_then_close(mut self, timeout: Duration) {
        self.stop(timeout);
    }

    fn stop(&mut self, timeout: Duration) {
        if let Some(close) = self.close.take() {
            let _ = close.send(timeout);
        }
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("idict: the server thread panicked");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop(Duration::ZERO);
    }
}
