//! `sipyco_logserver`: receive ARTIQ log records and print them.
//!
//! Each record is printed to standard output in the wire format, `source:LEVEL:name:message`
//! (`LEVEL<n>` and continuation lines for a multi-line message), flushed after each record.
//! Every record received is printed, TRACE included; each `-q` leaves out one more level from
//! the bottom (`-q`: TRACE, `-qq`: DEBUG too, ...), and also quiets the server's own messages.
//!
//! Once listening, the server writes one line `listening on ADDR` per bound address to standard
//! error, before anything else; with `-p 0` that is how to learn the port. Its own messages
//! (a misbehaving forwarder, ...) go to standard error in the Python console format, at the
//! level of `-v`/`-q`.
//!
//! Exit status: 0 after SIGINT/SIGTERM/SIGHUP or when standard output is closed, 1 when the
//! server cannot start.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::io::Write as _;
use std::process::ExitCode;

use asyncio_server::{NetworkArgs, VerbosityArgs, terminate_signal};
use clap::Parser;
use log_forward::{LevelThreshold, LogRecord, LogServer, init_logger_from_args};

/// Default ARTIQ logging port.
const DEFAULT_PORT: u16 = 1066;

/// Receive ARTIQ log records from forwarders and print them to standard output.
///
/// Every record received is printed (TRACE included); each -q leaves out one more level from
/// the bottom. The server's own messages go to standard error at the level of -v/-q.
#[derive(Debug, Parser)]
#[command(name = "sipyco_logserver", version)]
struct Args {
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

fn main() -> ExitCode {
    let args: Args = asyncio_server::parse_with_default_port(DEFAULT_PORT);
    // Cannot fail: nothing else installs a subscriber in this program.
    let _ = init_logger_from_args(&args.verbosity);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e),
    };
    match runtime.block_on(run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(err: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("sipyco_logserver: {err}");
    ExitCode::FAILURE
}

async fn run(args: &Args) -> log_forward::Result<()> {
    let server = args.network.server(DEFAULT_PORT)?;
    let stop = terminate_signal()?;
    let handle = server.handle();
    let printed = record_threshold(&args.verbosity);
    let server = LogServer::new(server).with_sink(move |record: LogRecord| {
        if printed.allows(record.level) && print(&record).is_err() {
            // Nobody reads any more (a closed pipe): stop quietly.
            handle.shutdown();
        }
    });
    {
        let mut stderr = std::io::stderr().lock();
        for addr in server.local_addrs() {
            let _ = writeln!(stderr, "listening on {addr}");
        }
    }
    server.serve(stop).await;
    Ok(())
}

/// The least severe record printed: everything by default; each `-q` one Python level (10)
/// higher, so `-q` leaves out TRACE (5), `-qq` DEBUG (10) too, and so on. `-v` changes nothing
/// here: everything is already printed.
fn record_threshold(verbosity: &VerbosityArgs) -> LevelThreshold {
    LevelThreshold::from_levelno(10 * i32::from(verbosity.quiet))
}

fn print(record: &LogRecord) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(record.to_wire_text().as_bytes())?;
    stdout.write_all(b"\n")?;
    stdout.flush()
}
