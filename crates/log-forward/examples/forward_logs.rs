//! Forward the five records of the golden recording `logs_head.jsonl` to a log server.
//!
//! ```text
//! cargo run -p log-forward --bin forward_logs -- HOST PORT [--source NAME]
//! ```
//!
//! The records go through `tracing` and a [`LogForwarder`] layer, with logger name
//! `golden.ctl` and source `ctl_demo` unless `--source` says otherwise. The program waits until
//! they are written to the server (at most `--timeout` seconds, 10 by default) and exits 0, or
//! 1 if they could not be sent in time.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use log_forward::LogForwarder;
use tracing_subscriber::prelude::*;

/// Send the golden log records to a log server.
#[derive(Debug, Parser)]
struct Args {
    /// Log server host
    host: String,
    /// Log server port
    port: u16,
    /// Source name of the records
    #[arg(long, default_value = "ctl_demo")]
    source: String,
    /// Seconds to wait for the records to be sent
    #[arg(long, default_value_t = 10.0)]
    timeout: f64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let forwarder = match LogForwarder::builder(&args.host, args.port)
        .source(&args.source)
        .retry(Duration::from_millis(200))
        .start()
    {
        Ok(forwarder) => forwarder,
        Err(e) => {
            eprintln!("forward_logs: {e}");
            return ExitCode::FAILURE;
        }
    };
    let handle = forwarder.handle();
    tracing_subscriber::registry().with(forwarder).init();

    tracing::info!(target: "golden.ctl", "simple message");
    tracing::warn!(target: "golden.ctl", "two\nlines");
    tracing::error!(target: "golden.ctl", "colon: inside: text");
    tracing::debug!(target: "golden.ctl", "three\nline\nmessage");
    // `tracing` has no CRITICAL level: an ERROR event names it.
    tracing::error!(target: "golden.ctl", levelname = "CRITICAL", "");

    // Send everything, close the connection cleanly, stop the forwarder.
    match handle.close(Duration::from_secs_f64(args.timeout.max(0.0))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("forward_logs: {e}");
            ExitCode::FAILURE
        }
    }
}
