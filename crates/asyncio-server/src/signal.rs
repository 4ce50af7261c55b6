//! Waiting for a termination signal, as the `simple_server_loop` of Python mains does.

use std::future::Future;

use crate::error::Result;

/// Install handlers for SIGINT, SIGTERM and SIGHUP now, and return a future that resolves when
/// the first of them arrives (on non-Unix systems: Ctrl-C).
///
/// Call it inside a tokio runtime, before serving, so that no signal is missed:
///
/// ```no_run
/// # async fn example(server: asyncio_server::Server) -> asyncio_server::Result<()> {
/// let stop = asyncio_server::terminate_signal()?;
/// server.serve(|_conn| async {}, stop).await;
/// # Ok(())
/// # }
/// ```
pub fn terminate_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
    imp::terminate_signal()
}

#[cfg(unix)]
mod imp {
    use std::future::Future;

    use tokio::signal::unix::{SignalKind, signal};

    use crate::error::Result;

    pub(super) fn terminate_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        Ok(async move {
            let name = tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
                _ = hangup.recv() => "SIGHUP",
            };
            tracing::info!("received {name}, stopping");
        })
    }
}

#[cfg(not(unix))]
mod imp {
    use std::future::Future;

    use crate::error::Result;

    pub(super) fn terminate_signal() -> Result<impl Future<Output = ()> + Send + 'static> {
        Ok(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                tracing::info!("received Ctrl-C, stopping");
            } else {
                std::future::pending::<()>().await;
            }
        })
    }
}
