//! A line echo server: every line a client sends comes back to it.
//!
//! It shows the pieces a SiPyCo controller is made of: the standard network and verbosity
//! options, a [`Server`](asyncio_server::Server) bound from them, and a graceful stop on
//! SIGINT, SIGTERM or SIGHUP.
//!
//! ```text
//! cargo run -p asyncio-server --example line_echo -- -p 3300 -v
//! # in another terminal:
//! nc localhost 3300
//! ```
//!
//! With TLS (certificates made as in the ARTIQ manual):
//!
//! ```text
//! cargo run -p asyncio-server --example line_echo -- --ssl server.pem server.key client.pem
//! openssl s_client -connect localhost:3300 -cert client.pem -key client.key
//! ```

use std::process::ExitCode;

use asyncio_server::{Connection, NetworkArgs, VerbosityArgs, terminate_signal};
use clap::Parser;
use tracing::{info, warn};

/// Echo every line back to its sender.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

/// The default port of this example.
const DEFAULT_PORT: u16 = 3300;

async fn echo(mut conn: Connection) {
    let peer = conn.peer_addr();
    info!("{peer}: connected");
    loop {
        match conn.read_line().await {
            Ok(Some(line)) => {
                if let Err(e) = conn.write_line(&line).await {
                    warn!("{peer}: {e}");
                    return;
                }
            }
            Ok(None) => break,
            Err(e) => {
                warn!("{peer}: closing connection: {e}");
                return;
            }
        }
    }
    info!("{peer}: disconnected");
}

async fn run(args: Args) -> asyncio_server::Result<()> {
    let server = args.network.server(DEFAULT_PORT)?;
    let stop = terminate_signal()?;
    info!("listening on {:?}", server.local_addrs());
    server.serve(echo, stop).await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Args = asyncio_server::parse_with_default_port(DEFAULT_PORT);
    args.verbosity.init_logging();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("line_echo: {e}");
            ExitCode::FAILURE
        }
    }
}
