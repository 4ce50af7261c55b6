//! `sipyco_subscribe`: print a notifier of a sync_struct publisher, watch its mods, or watch a
//! broadcast channel.
//!
//! - `sipyco_subscribe HOST PORT NAME`: print the notifier's structure as pretty PYON v2.
//! - `--watch`: print the structure as one compact PYON v2 line, then each mod as one compact
//!   line as it arrives; exit when the publisher closes.
//! - `--final`: print nothing until the publisher closes, then the replica as one compact line
//!   (to check that a subscriber stayed in sync with a publisher's final structure).
//! - `--broadcast`: NAME is a broadcast channel; print each object received as one compact line
//!   until the broadcaster closes.
//!
//! Exit status: 0 on success (a closed stdout counts as success), 1 on a network or protocol
//! error, 2 on bad arguments.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use asyncio_server::{SslArgs, VerbosityArgs};
use clap::Parser;
use pyon_codec::{Value, Version};
use sync_struct::{Mod, Receiver, Subscriber};
use tokio::sync::mpsc;

/// Print a structure published by a SiPyCo/ARTIQ sync_struct publisher, or watch it.
#[derive(Debug, Parser)]
#[command(name = "sipyco_subscribe")]
struct Args {
    /// Host of the publisher (or broadcaster).
    host: String,
    /// Port of the publisher (or broadcaster).
    port: u16,
    /// Name of the notifier (or broadcast channel).
    name: String,
    /// Print the structure as one line, then every mod as one line, until the publisher closes.
    #[arg(long)]
    watch: bool,
    /// Print nothing until the publisher closes, then the replica as one compact line.
    #[arg(long = "final", conflicts_with = "watch")]
    final_replica: bool,
    /// NAME is a broadcast channel: print every object received, until the broadcaster closes.
    #[arg(long, conflicts_with_all = ["watch", "final_replica"])]
    broadcast: bool,
    /// Mutual TLS: our certificate, its key, and the trusted peer certificates.
    #[arg(long, num_args = 3, value_names = ["CERT", "KEY", "PEER"])]
    ssl: Option<Vec<PathBuf>>,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

/// What the receiving task tells `main`.
enum Event {
    /// Print this (one line, or a pretty document).
    Print(String),
    /// The structure was printed (non-watch mode): done.
    Done,
    /// A value could not be encoded for printing.
    Failed(String),
}

fn tls(args: &Args) -> Result<Option<asyncio_server::TlsClientConfig>, String> {
    match args.ssl.as_deref() {
        Some([cert, key, peer]) => SslArgs {
            cert: cert.clone(),
            key: key.clone(),
            peer: peer.clone(),
        }
        .client_config()
        .map(Some)
        .map_err(|e| e.to_string()),
        _ => Ok(None),
    }
}

fn encode(v: &Value, pretty: bool) -> Event {
    let encoded = if pretty {
        pyon_codec::encode_pretty(v)
    } else {
        pyon_codec::encode(v)
    };
    match encoded {
        Ok(text) => Event::Print(text),
        Err(e) => Event::Failed(format!("cannot print the value: {e}")),
    }
}

/// The line to print for one received mod.
fn mod_event(m: &Mod, watch: bool) -> Vec<Event> {
    match (m, watch) {
        (Mod::Init { value }, false) => vec![encode(value, true), Event::Done],
        (Mod::Init { value }, true) => vec![encode(value, false)],
        (_, false) => Vec::new(),
        (m, true) => vec![match m.encode(Version::V2) {
            Ok(line) => Event::Print(line),
            Err(e) => Event::Failed(format!("cannot print a mod: {e}")),
        }],
    }
}

async fn run(args: Args) -> Result<(), String> {
    let tls = tls(&args)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    enum Handle {
        Sub(sync_struct::SubscriberHandle),
        Recv(sync_struct::ReceiverHandle),
    }
    let mut handle = if args.broadcast {
        let mut receiver = Receiver::new(args.name.clone()).on_object(move |obj| {
            let _ = tx.send(encode(&obj, false));
        });
        if let Some(tls) = tls {
            receiver = receiver.tls(tls);
        }
        Handle::Recv(
            receiver
                .connect(&args.host, args.port)
                .await
                .map_err(|e| e.to_string())?,
        )
    } else if args.final_replica {
        let mut sub = Subscriber::new(args.name.clone());
        if let Some(tls) = tls {
            sub = sub.tls(tls);
        }
        let mut sub = sub
            .connect(&args.host, args.port)
            .await
            .map_err(|e| e.to_string())?;
        sub.wait().await.map_err(|e| e.to_string())?;
        let replica = sub.replica().ok_or_else(|| no_structure(&args.name))?;
        let line = pyon_codec::encode(&replica).map_err(|e| e.to_string())?;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
        return Ok(());
    } else {
        let watch = args.watch;
        let mut sub = Subscriber::new(args.name.clone()).on_mod(move |m, _| {
            for event in mod_event(m, watch) {
                let _ = tx.send(event);
            }
        });
        if let Some(tls) = tls {
            sub = sub.tls(tls);
        }
        Handle::Sub(
            sub.connect(&args.host, args.port)
                .await
                .map_err(|e| e.to_string())?,
        )
    };
    let mut out = std::io::stdout().lock();
    let mut printed_init = false;
    // Lines are printed as they come; the connection's end is seen once the channel is closed
    // (the callbacks, which own the sender, are dropped with the task).
    while let Some(event) = rx.recv().await {
        match event {
            Event::Print(text) => {
                printed_init = true;
                if writeln!(out, "{text}").and_then(|()| out.flush()).is_err() {
                    // Closed stdout (`| head`): not an error.
                    return Ok(());
                }
            }
            Event::Done => return Ok(()),
            Event::Failed(e) => return Err(e),
        }
    }
    let outcome = match &mut handle {
        Handle::Sub(h) => h.wait().await,
        Handle::Recv(h) => h.wait().await,
    };
    outcome.map_err(|e| e.to_string())?;
    if !args.broadcast && !printed_init {
        return Err(no_structure(&args.name));
    }
    Ok(())
}

fn no_structure(name: &str) -> String {
    format!("the publisher closed the connection without sending {name:?} (no such notifier?)")
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    args.verbosity.init_logging();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sipyco_subscribe: {e}");
            ExitCode::FAILURE
        }
    }
}
