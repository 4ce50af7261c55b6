//! `sipyco_inspect HOST PORT [watch|status|pause|resume|terminate|final|web]`: watch and steer a
//! computation published by idict.
//!
//! - `watch` (the default): the contents, refreshed on every update. On a terminal, an
//!   in-place view with a status line (state, updates, rate); otherwise one JSON line of the
//!   contents per update. Ends after the final update.
//! - `final`: waits for the final update and prints the contents once (one JSON line).
//! - `status`, `pause`, `resume`, `terminate`: print the (new) status as one JSON line.
//! - `web [--listen ADDR]`: serves a live page (status, controls, the contents as a tree, a
//!   chart of every list of numbers) on ADDR (default `127.0.0.1` and a free port) and prints
//!   `page http://ADDR/` once listening.
//!
//! JSON output is plain JSON (see `render::to_json`). Errors are one line on stderr and exit
//! status 1: a refused connection, a server that is not an idict, a lost connection.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod render;
mod session;
mod web;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use asyncio_server::{SslArgs, VerbosityArgs};
use clap::{Parser, ValueEnum};
use session::{Peer, Rate, Watch};

/// Watch and steer a computation published by idict (sync_struct + pc_rpc on one port).
#[derive(Debug, Parser)]
#[command(name = "sipyco_inspect", version)]
struct Args {
    /// Host of the computation
    host: String,
    /// Port of the computation
    port: u16,
    /// What to do
    #[arg(value_enum, default_value_t = Action::Watch)]
    action: Action,
    /// For `web`: the address to serve the page on, `HOST` or `HOST:PORT` (default: 127.0.0.1
    /// and a free port)
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    /// Mutual TLS: own certificate, own private key, trusted server certificates (PEM files)
    #[arg(long, num_args = 3, value_names = ["CERT", "KEY", "PEER"])]
    ssl: Option<Vec<PathBuf>>,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Action {
    /// Show the contents on every update
    Watch,
    /// Print the status
    Status,
    /// Pause the computation
    Pause,
    /// Resume the computation
    Resume,
    /// Ask the computation to stop
    Terminate,
    /// Wait for the final update and print the contents
    Final,
    /// Serve a live page
    Web,
}

fn main() -> ExitCode {
    let args = Args::parse();
    args.verbosity.init_logging();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start: {e}")),
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("sipyco_inspect: {message}");
    ExitCode::FAILURE
}

async fn run(args: Args) -> Result<(), String> {
    let tls = match args.ssl.as_deref() {
        Some([cert, key, peer]) => Some(
            SslArgs {
                cert: cert.clone(),
                key: key.clone(),
                peer: peer.clone(),
            }
            .client_config()
            .map_err(|e| e.to_string())?,
        ),
        _ => None,
    };
    let peer = Peer {
        host: args.host,
        port: args.port,
        tls,
    };
    match args.action {
        Action::Status | Action::Pause | Action::Resume | Action::Terminate => {
            let method = match args.action {
                Action::Pause => "pause",
                Action::Resume => "resume",
                Action::Terminate => "terminate",
                _ => "status",
            };
            let status = peer.control(method).await?;
            print_line(&render::to_json(&status.to_value()))
        }
        Action::Watch if std::io::stdout().is_terminal() => watch_terminal(&peer).await,
        Action::Watch => watch_json(&peer, false).await,
        Action::Final => watch_json(&peer, true).await,
        Action::Web => web::run(peer, args.listen.as_deref()).await,
    }
}

/// Prints one line; a closed stdout (`| head`) ends the program quietly.
fn print_line(line: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(format!("stdout: {e}")),
    }
}

fn contents_line(watch: &Watch) -> String {
    render::to_json(&watch.contents().unwrap_or_default())
}

/// One JSON line per update seen (`only_final`: just the final one).
async fn watch_json(peer: &Peer, only_final: bool) -> Result<(), String> {
    let mut watch = peer.watch().await?;
    let mut printed = None;
    let mut closed = false;
    loop {
        if let (Some(status), true) = (watch.status(), watch.contents().is_some()) {
            if status.is_final {
                watch.settle().await;
                print_line(&contents_line(&watch))?;
                watch.close().await;
                return Ok(());
            }
            if !only_final && printed != Some(status.updates) {
                printed = Some(status.updates);
                print_line(&contents_line(&watch))?;
            }
        }
        // Gone: the replicas hold all that arrived and were checked once more above.
        if closed {
            return Err(format!("{peer}: connection lost before the final update"));
        }
        closed = !watch.changed().await || watch.is_closed();
        watch.gather().await;
    }
}

/// The in-place terminal view, redrawn at most 20 times a second.
async fn watch_terminal(peer: &Peer) -> Result<(), String> {
    const FRAME: Duration = Duration::from_millis(50);
    let mut watch = peer.watch().await?;
    let mut rate = Rate::default();
    let mut closed = false;
    loop {
        if let (Some(status), Some(contents)) = (watch.status(), watch.contents()) {
            let r = rate.record(Instant::now(), status.updates);
            let width = terminal_width();
            if status.is_final {
                watch.settle().await;
                let contents = watch.contents().unwrap_or(contents);
                draw(&render::view(&contents, &status, r, width))?;
                watch.close().await;
                return Ok(());
            }
            draw(&render::view(&contents, &status, r, width))?;
        }
        if closed {
            return Err(format!("{peer}: connection lost before the final update"));
        }
        let frame = tokio::time::sleep(FRAME);
        closed = !watch.changed().await || watch.is_closed();
        if !closed {
            watch.gather().await;
            frame.await;
        }
    }
}

fn draw(text: &str) -> Result<(), String> {
    // Home, clear the screen, draw; lines end with \r\n for terminals in raw mode.
    let body = text.replace('\n', "\x1b[K\r\n");
    let mut out = std::io::stdout().lock();
    match write!(out, "\x1b[H\x1b[2J{body}").and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(format!("stdout: {e}")),
    }
}

fn terminal_width() -> usize {
    rustix::termios::tcgetwinsize(std::io::stdout())
        .ok()
        .map(|w| usize::from(w.ws_col))
        .filter(|&w| w > 10)
        .unwrap_or(80)
}
