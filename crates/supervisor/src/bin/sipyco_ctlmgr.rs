//! `sipyco_ctlmgr`: the controller manager, a drop-in for ARTIQ's `artiq_ctlmgr`.
//!
//! Follows the master's `devices` notifier and runs the controllers whose `host` is this
//! machine; pings, restarts, stops them; forwards their output and its own records to the
//! master's log server. Its control target `ctlmgr` offers `retry_now(name)`, `status()` and
//! `terminate()`. SIGINT, SIGTERM and SIGHUP stop every controller and exit with status 0;
//! controllers die with it even if it is killed with SIGKILL.
//!
//! With `--port-control 0` the system picks the port, printed as `port N` on standard output.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use asyncio_server::{NetworkArgs, VerbosityArgs, terminate_signal};
use clap::Parser;
use log_forward::{LevelThreshold, LogForwarder, MultilineFormat, SourceFilter};
use supervisor::ctlmgr::{self, Config, DEFAULT_CONTROL_PORT};
use tracing_subscriber::prelude::*;

/// ARTIQ controller manager
#[derive(Debug, Parser)]
#[command(name = "sipyco_ctlmgr", version)]
struct Args {
    #[command(flatten)]
    verbosity: VerbosityArgs,
    /// hostname or IP of the master to connect to
    #[arg(short, long, default_value = "localhost")]
    server: String,
    /// TCP port to use to connect to the master's notifications
    #[arg(long, default_value_t = 3250)]
    port_notify: u16,
    /// TCP port to use to connect to the master's logging server
    #[arg(long, default_value_t = 1066)]
    port_logging: u16,
    /// time to wait between retries to connect to the master, in seconds
    #[arg(long, default_value_t = 5.0)]
    retry_master: f64,
    /// IP address of controllers to launch (local address of master connection by default)
    #[arg(long)]
    host_filter: Option<String>,
    /// TCP port to listen on for control connections
    #[arg(long, default_value_t = DEFAULT_CONTROL_PORT)]
    port_control: u16,
    /// additional hostname or IP address to bind to; use '*' to bind to all interfaces
    #[arg(long)]
    bind: Vec<String>,
    /// do not implicitly also bind to localhost addresses
    #[arg(long)]
    no_localhost_bind: bool,
    /// enable mutual TLS on the control port: own certificate, key, trusted peers (PEM)
    #[arg(long, num_args = 3, value_names = ["CERT", "KEY", "PEER"])]
    ssl: Option<Vec<PathBuf>>,
    /// log a health record (controllers running, restarts, tasks) every this many seconds
    #[arg(long)]
    health_interval: Option<f64>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let source = format!("ctlmgr({})", hostname());
    let threshold = LevelThreshold::from_verbosity(&args.verbosity);
    let retry_master = match Duration::try_from_secs_f64(args.retry_master) {
        Ok(d) => d,
        Err(_) => return fail(&"--retry-master must be a number of seconds >= 0"),
    };
    let health_interval = match args.health_interval.map(Duration::try_from_secs_f64) {
        None => None,
        Some(Ok(d)) if !d.is_zero() => Some(d),
        Some(_) => return fail(&"--health-interval must be a number of seconds > 0"),
    };
    let forwarder = match LogForwarder::builder(args.server.clone(), args.port_logging)
        .source(source.clone())
        .retry(retry_master)
        .queue_size(ctlmgr::LOG_QUEUE_SIZE)
        .level(threshold)
        .start()
    {
        Ok(forwarder) => forwarder,
        Err(e) => return fail(&e),
    };
    let forwarded = forwarder.handle();
    let console = tracing_subscriber::fmt::layer()
        .event_format(MultilineFormat::with_source(source.clone()))
        .with_writer(std::io::stderr)
        .with_filter(SourceFilter::new(threshold, &source));
    if let Err(e) = tracing_subscriber::registry()
        .with(console)
        .with(forwarder)
        .try_init()
    {
        return fail(&e);
    }
    let config = Config {
        server: args.server,
        port_notify: args.port_notify,
        retry_master,
        host_filter: args.host_filter,
        control: NetworkArgs {
            port: Some(args.port_control),
            bind: args.bind,
            no_localhost_bind: args.no_localhost_bind,
            ssl: args.ssl,
        },
        health_interval,
    };
    let print_port = args.port_control == 0;
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e),
    };
    let result = runtime.block_on(async {
        let stop = terminate_signal()?;
        ctlmgr::run(config, stop, |port| {
            if print_port {
                println!("port {port}");
            }
        })
        .await
    });
    // Give the records of the shutdown a moment to reach the master.
    let _ = forwarded.flush(Duration::from_secs(2));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn hostname() -> String {
    rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned()
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("sipyco_ctlmgr: {e}");
    ExitCode::FAILURE
}
