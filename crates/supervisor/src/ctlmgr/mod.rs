//! `sipyco_ctlmgr`, the controller manager (ARTIQ's `artiq_ctlmgr` from artiq-comtools):
//! follows the master's `devices` notifier and runs the controllers of this host.
//!
//! Pure parts: [`template`] and [`shlex`] (commands), [`host`] (which entries run here),
//! [`entry`] (parsing the device database), [`machine`] (one controller's life). The async
//! parts: [`Manager`] (the set of controllers), [`Control`] (the `ctlmgr` RPC target) and
//! [`run`] (the whole program).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use asyncio_server::NetworkArgs;
use log_forward::TracingSink;
use pyon_codec::Value;
use sync_struct::Subscriber;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

pub mod control;
pub mod entry;
pub mod host;
pub mod machine;
pub mod manager;
mod runner;
pub mod shlex;
pub mod template;

pub use control::Control;
pub use entry::{ControllerEntry, Timers, controllers_here};
pub use host::HostFilter;
pub use manager::Manager;
pub use runner::Status;

use crate::spin::spin;

/// Default control port (`--port-control`).
pub const DEFAULT_CONTROL_PORT: u16 = 3249;

/// Records that may wait for the master's log server: a controller printing a burst of
/// 10,000 lines loses none (Python's forwarder keeps 1000).
pub const LOG_QUEUE_SIZE: usize = 100_000;

/// The manager's settings (its command-line options).
#[derive(Debug, Clone)]
pub struct Config {
    /// The master (`-s`).
    pub server: String,
    /// Its notifier port (`--port-notify`).
    pub port_notify: u16,
    /// Time between attempts to reach the master (`--retry-master`).
    pub retry_master: Duration,
    /// `--host-filter`; by default our address on the way to the master.
    pub host_filter: Option<String>,
    /// The control server's addresses and TLS (`--port-control`, `--bind`, ...).
    pub control: NetworkArgs,
    /// Period of the health record, if any (`--health-interval`).
    pub health_interval: Option<Duration>,
}

/// Run the manager until `shutdown` resolves or `terminate` is called on its control target;
/// then stop every controller and return. `listening` gets the control server's port.
///
/// # Errors
///
/// The control server cannot be bound.
pub async fn run(
    config: Config,
    shutdown: impl Future<Output = ()>,
    listening: impl FnOnce(u16),
) -> crate::Result<()> {
    let manager = Manager::new(Arc::new(TracingSink));
    let net = config.control.server(DEFAULT_CONTROL_PORT)?;
    if let Some(addr) = net.local_addrs().first() {
        listening(addr.port());
    }
    let server = rpc_core::Server::builder()
        .target("ctlmgr", Control::new(manager.clone()))
        .builtin_terminate(true)
        .build();
    let stop = CancellationToken::new();
    let serving = tokio::spawn({
        let server = server.clone();
        let stop = stop.clone();
        async move { server.serve(net, stop.cancelled_owned()).await }
    });
    let master = tokio::spawn(follow_master(config.clone(), manager.clone(), stop.clone()));
    let health = config.health_interval.map(|interval| {
        let manager = manager.clone();
        tokio::spawn(spin(interval, stop.clone(), move || {
            let message = manager.health().message();
            async move { tracing::info!("{message}") }
        }))
    });
    tokio::select! {
        () = shutdown => tracing::info!("stopping on signal"),
        () = server.terminated() => tracing::info!("stopping on terminate()"),
    }
    stop.cancel();
    let _ = master.await;
    manager.stop_all().await;
    let _ = serving.await;
    if let Some(health) = health {
        let _ = health.await;
    }
    tracing::info!("all controllers stopped");
    Ok(())
}

/// Follow the master's `devices` notifier, reconnecting every `retry_master`, and make the
/// manager run what it lists for this host.
async fn follow_master(config: Config, manager: Manager, stop: CancellationToken) {
    let mut filter: Option<HostFilter> = None;
    loop {
        if filter.is_none() {
            filter = host_filter(&config).await;
        }
        if let Some(filter) = &filter {
            tokio::select! {
                () = stop.cancelled() => return,
                () = subscribe(&config, filter, &manager, &stop) => {}
            }
        } else {
            tracing::warn!(
                "cannot find our address towards the master {}",
                config.server
            );
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(config.retry_master) => {}
        }
    }
}

async fn host_filter(config: &Config) -> Option<HostFilter> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let text = match &config.host_filter {
            Some(text) => text.clone(),
            None => host::local_address_towards(&config.server, config.port_notify)?.to_string(),
        };
        tracing::info!("host filter: {text}");
        Some(HostFilter::resolve(&text))
    })
    .await
    .ok()
    .flatten()
}

/// One connection to the master, until it ends.
async fn subscribe(
    config: &Config,
    filter: &HostFilter,
    manager: &Manager,
    stop: &CancellationToken,
) {
    let (db_tx, mut db_rx) = watch::channel::<Option<Value>>(None);
    let (gone_tx, mut gone_rx) = mpsc::unbounded_channel::<()>();
    let subscriber = Subscriber::new("devices")
        .on_mod(move |_, replica| {
            db_tx.send_replace(Some(replica.clone()));
        })
        .on_disconnect(move || {
            let _ = gone_tx.send(());
        })
        .connect(&config.server, config.port_notify)
        .await;
    let handle = match subscriber {
        Ok(handle) => handle,
        Err(e) => {
            tracing::warn!(
                "cannot connect to the master {}:{}: {e}",
                config.server,
                config.port_notify
            );
            return;
        }
    };
    tracing::info!(
        "connected to the master {}:{}",
        config.server,
        config.port_notify
    );
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = gone_rx.recv() => {
                tracing::warn!("connection to the master lost");
                break;
            }
            changed = db_rx.changed() => {
                if changed.is_err() {
                    break;
                }
                let Some(db) = db_rx.borrow_and_update().clone() else { continue };
                let filter = filter.clone();
                let wanted = tokio::task::spawn_blocking(move || {
                    controllers_here(&db, &filter, &mut host::resolve_host)
                })
                .await;
                if let Ok(wanted) = wanted {
                    manager.apply(wanted);
                }
            }
        }
    }
    let _ = handle.close().await;
}
