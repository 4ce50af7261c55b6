//! Helpers shared by the integration tests: skipping honestly, an in-process server on a
//! port-0 loopback listener, and the example controller as a child process.

#![allow(dead_code)]

use std::future::Future;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use asyncio_server::testing::skip;
use pyon_codec::Value;
use rexec::RexecServer;
use rpc_core::{ArgSpec, DynamicTarget, RpcError};

/// Upper bound on any single wait in the tests.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The golden recordings of the Python library.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

/// Whether the embedded Python has numpy; if not, reports `test` skipped.
pub fn numpy_or_skip(test: &str) -> bool {
    let has = rexec::start_python().expect("the embedded python starts");
    if !has {
        skip(
            test,
            "numpy cannot be imported by the embedded Python (run under `cargo xtask test`, \
             which activates the project's venv)",
        );
    }
    has
}

/// Awaits `f`, failing the test after [`TIMEOUT`].
pub async fn timed<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// The recorded `demo` driver: `echo(x)`, plus `fail(message)` (a `ValueError`),
/// `fail_custom()` (a non-built-in class) and `ping()`.
pub fn demo_driver() -> DynamicTarget {
    DynamicTarget::builder("Demo")
        .docstring("Demo target: a controller with a few methods.")
        .method(
            "echo",
            ArgSpec::new().arg("x"),
            Some("Return the argument unchanged."),
            |mut a| async move { Ok(a.take("x").unwrap_or_default()) },
        )
        .method(
            "fail",
            ArgSpec::new().arg("message"),
            None,
            |mut a| async move {
                let m = a.take("message").unwrap_or_default();
                Err(RpcError::value_error(m.as_str().unwrap_or("?")))
            },
        )
        .method("fail_custom", ArgSpec::new(), None, |_| async {
            Err(RpcError::new("DeviceFault", "laser unlocked"))
        })
        .method("ping", ArgSpec::new(), None, |_| async {
            Ok(Value::Bool(true))
        })
        .build()
}

/// Serves `server` on a fresh loopback port; the task ends when the server stops.
pub async fn start(server: RexecServer) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let net = asyncio_server::Server::from_tokio(vec![listener]).unwrap();
    let task = tokio::spawn(async move { server.serve(net, std::future::pending()).await });
    (addr, task)
}

/// A demo rexec server (target `demo`, description as recorded) on a loopback port.
pub async fn start_demo() -> (SocketAddr, tokio::task::JoinHandle<()>) {
    start(
        RexecServer::builder("demo", demo_driver())
            .description("golden rexec server")
            .build(),
    )
    .await
}

/// The example controller as a child process, killed and reaped when dropped.
pub struct Controller {
    pub child: Child,
    pub port: u16,
}

impl Controller {
    /// Starts `rexec_controller -p 0` with extra environment, and waits for its `port N` line.
    pub fn start(env: &[(&str, &std::ffi::OsStr)]) -> Controller {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rexec_controller"));
        cmd.args(["-p", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start rexec_controller");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let port = line
            .trim()
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("expected `port N`, got {line:?}"));
        Controller { child, port }
    }
}

impl Drop for Controller {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
