//! `terminate_signal` resolves on SIGHUP, SIGTERM or SIGINT (own process: signals are global).

#![cfg(unix)]

use std::process::Command;
use std::time::Duration;

#[tokio::test]
async fn resolves_on_sighup() {
    // Handlers are installed when `terminate_signal` returns, so the signal cannot be missed.
    let stop = asyncio_server::terminate_signal().unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    tokio::time::timeout(Duration::from_secs(10), stop)
        .await
        .expect("terminate_signal did not resolve");
}
