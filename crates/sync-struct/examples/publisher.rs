//! Publishes a notifier named `data` and changes it: the Rust side of an ARTIQ master's
//! notification port, for demos and cross-process tests.
//!
//! It starts from a structure with a nested dict, a list and a tuple, applies `--mods`
//! deterministic changes (all five actions, at several depths), one every `--interval-ms`, then
//! keeps serving. On SIGINT or SIGTERM it writes out what subscribers have not received yet,
//! prints its final structure as one compact PYON v2 line on stdout and exits 0.
//!
//! On stderr it reports `publisher: listening on ADDR` for each address bound, then
//! `publisher: applied N mods` when the changes are done.
//!
//! ```text
//! cargo run -p sync-struct --bin publisher -- -p 3250 --mods 1000
//! # in another terminal:
//! cargo run -p sync-struct --bin sipyco_subscribe -- localhost 3250 data --watch
//! ```

use std::process::ExitCode;
use std::time::Duration;

use asyncio_server::{NetworkArgs, VerbosityArgs, terminate_signal};
use clap::Parser;
use sync_struct::{Notifier, Publisher};

#[path = "support/workload.rs"]
mod workload;

/// Publish a changing structure as notifier `data`.
#[derive(Debug, Parser)]
struct Args {
    /// How many changes to make.
    #[arg(long, default_value_t = 100)]
    mods: u64,
    /// Pause between two changes, in milliseconds.
    #[arg(long, default_value_t = 10)]
    interval_ms: u64,
    /// Seed of the deterministic change generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    // The groups last: each sets the help heading of what follows it.
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

/// The port of ARTIQ's master notifications.
const DEFAULT_PORT: u16 = 3250;

async fn run(args: Args) -> sync_struct::Result<()> {
    let server = args.network.server(DEFAULT_PORT)?;
    for addr in server.local_addrs() {
        eprintln!("publisher: listening on {addr}");
    }
    let data = Notifier::new(workload::initial_structure());
    let publisher = Publisher::new();
    publisher.add_notifier("data", data.clone())?;
    let stop = terminate_signal()?;
    let serving = tokio::spawn(publisher.serve(server, stop));

    let mut rng = workload::Rng::new(args.seed);
    let mut interval = tokio::time::interval(Duration::from_millis(args.interval_ms.max(1)));
    let changes = async {
        for _ in 0..args.mods {
            interval.tick().await;
            workload::random_change(&data, &mut rng)?;
        }
        eprintln!("publisher: applied {} mods", args.mods);
        Ok::<(), sync_struct::Error>(())
    };
    tokio::pin!(serving);
    tokio::select! {
        done = changes => {
            done?;
            let _ = (&mut serving).await;
        }
        _ = &mut serving => {}
    }
    println!("{}", pyon_codec::encode(&data.get()?)?);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Args = asyncio_server::parse_with_default_port(DEFAULT_PORT);
    args.verbosity.init_logging();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("publisher: {e}");
            ExitCode::FAILURE
        }
    }
}
