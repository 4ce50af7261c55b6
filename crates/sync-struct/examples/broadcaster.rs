//! Broadcasts objects of varied types on channel `demo`, then exits: the Rust side of an ARTIQ
//! master's broadcast port (log and CCB channels), for demos and cross-process tests.
//!
//! On stderr it reports `broadcaster: listening on ADDR` for each address bound. With
//! `--wait-receivers K` it waits until K receivers listen before it starts. Once done, it writes
//! out what receivers have not received yet, closes, and exits 0.
//!
//! ```text
//! cargo run -p sync-struct --bin broadcaster -- -p 1067 --count 50 --wait-receivers 1
//! # in another terminal:
//! cargo run -p sync-struct --bin sipyco_subscribe -- localhost 1067 demo --broadcast
//! ```

use std::process::ExitCode;
use std::time::Duration;

use asyncio_server::{NetworkArgs, VerbosityArgs};
use clap::Parser;
use pyon_codec::{Value, dict, list, tuple};
use sync_struct::Broadcaster;

/// Broadcast objects on channel `demo`.
#[derive(Debug, Parser)]
struct Args {
    /// How many objects to broadcast.
    #[arg(long, default_value_t = 20)]
    count: u64,
    /// Pause between two objects, in milliseconds.
    #[arg(long, default_value_t = 10)]
    interval_ms: u64,
    /// Wait for this many receivers on `demo` before broadcasting.
    #[arg(long, default_value_t = 0)]
    wait_receivers: usize,
    // The groups last: each sets the help heading of what follows it.
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

/// The port of ARTIQ's master broadcasts.
const DEFAULT_PORT: u16 = 1067;

/// The channel.
const CHANNEL: &str = "demo";

/// Object number `k`: a log-record tuple, a dict, a list, a number, a string, bytes, `None`...
fn object(k: u64) -> Value {
    match k % 7 {
        0 => tuple!["INFO", format!("message {k}")],
        1 => dict! {"k" => k, "values" => list![1.5, -2, "x"]},
        2 => list![k, Value::None, true],
        3 => Value::Float(k as f64 / 8.0),
        4 => Value::str(format!("line {k}: é")),
        5 => Value::Bytes(vec![0, k as u8, 255]),
        _ => Value::None,
    }
}

async fn run(args: Args) -> sync_struct::Result<()> {
    let server = args.network.server(DEFAULT_PORT)?;
    for addr in server.local_addrs() {
        eprintln!("broadcaster: listening on {addr}");
    }
    let handle = server.handle();
    let broadcaster = Broadcaster::new();
    let serving = tokio::spawn(broadcaster.clone().serve(server, std::future::pending()));
    broadcaster
        .wait_receivers(CHANNEL, args.wait_receivers)
        .await;
    let mut ticks = tokio::time::interval(Duration::from_millis(args.interval_ms.max(1)));
    for k in 0..args.count {
        ticks.tick().await;
        broadcaster.broadcast(CHANNEL, &object(k))?;
    }
    broadcaster.flush(Duration::from_secs(5)).await;
    handle.shutdown();
    let _ = serving.await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Args = asyncio_server::parse_with_default_port(DEFAULT_PORT);
    args.verbosity.init_logging();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("broadcaster: {e}");
            ExitCode::FAILURE
        }
    }
}
