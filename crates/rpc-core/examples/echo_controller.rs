//! A minimal controller: the target `test` with `echo`, `async_echo` and `fail`, plus the
//! built-in `terminate`. Copy it to start a new controller.
//!
//! ```text
//! cargo run -p rpc-core --example echo_controller -- -p 3253 -v
//! # then, from Python:
//! #   from sipyco.pc_rpc import Client
//! #   Client("::1", 3253, "test").echo([1, 2.5, "x"])
//! ```
//!
//! The attribute also generates `EchoClient` (async) and `EchoBlockingClient`, typed clients
//! of this controller: `EchoClient::new(AsyncClient::connect("::1", 3253, "test").await?)`
//! then `.echo(x).await?` (see rpc-client's `echo_client` example).
//!
//! Options: `-p PORT` (default 3253), `--bind ADDR` (repeatable, `*` for all interfaces),
//! `--no-localhost-bind`, `--ssl CERT KEY PEER`, `-v`/`-q`. Logs go to stderr. With `-p 0` the
//! system picks a free port and the program prints `port PORT` (of its first address) on stdout
//! once it listens, for tests to read. It exits with status 0 after `terminate`, SIGINT or
//! SIGTERM.

use std::process::ExitCode;
use std::time::Duration;

use asyncio_server::{NetworkArgs, VerbosityArgs, terminate_signal};
use clap::Parser;
use pyon_codec::Value;
use rpc_core::{RpcError, Server, rpc_target};

/// The driver: a real controller would hold a device handle here.
struct Echo;

/// Echo controller: returns what it is given.
#[rpc_target]
impl Echo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }

    /// Return the argument unchanged, after waiting about 10 ms.
    async fn async_echo(&self, x: Value) -> Value {
        tokio::time::sleep(Duration::from_millis(10)).await;
        x
    }

    /// Fail with a ValueError carrying the message.
    fn fail(&self, message: String) -> Result<(), RpcError> {
        Err(RpcError::value_error(message))
    }
}

/// Serve the `test` target (an echo controller).
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Args = asyncio_server::parse_with_default_port(rpc_core::DEFAULT_PORT);
    args.verbosity.init_logging();
    let server = Server::builder()
        .target("test", Echo)
        .description("echo controller")
        .builtin_terminate(true)
        .build();
    let result = async {
        let net = args.network.server(rpc_core::DEFAULT_PORT)?;
        let stop = terminate_signal()?;
        if args.network.port == Some(0)
            && let Some(addr) = net.local_addrs().first()
        {
            println!("port {}", addr.port());
        }
        server.serve(net, stop).await;
        Ok::<(), rpc_core::Error>(())
    };
    match result.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_controller: {e}");
            ExitCode::FAILURE
        }
    }
}
