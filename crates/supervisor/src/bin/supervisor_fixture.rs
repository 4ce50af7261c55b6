//! Controllers with known behaviours, for the tests, the demo and the benchmark of
//! `sipyco_ctlmgr`:
//!
//! - `echo`: target `test` with `echo(x)` and `ping()` (true), built-in `terminate`;
//! - `stubborn`: as `echo` but ignores SIGTERM and has no `terminate`;
//! - `ping-false`: as `echo` but `ping()` returns false;
//! - `noisy --lines N`: prints a line of invalid UTF-8, N numbered lines and a two-line WARNING
//!   record, then serves as `echo`;
//! - `exit --code C`: exits at once with code C;
//! - `sleep [--children N]`: sleeps until killed, after starting N copies of itself;
//! - `pipe-child --address RFD,WFD`: a pipe_ipc child that answers each value `v` with
//!   `["echo", v]` until `"quit"` or end of input; `pipe-child-async` does the same with the
//!   async child side.
//!
//! Network options as every controller (`-p`, `--bind`, `--no-localhost-bind`).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::io::Write as _;
use std::process::ExitCode;

use asyncio_server::NetworkArgs;
use clap::Parser;
use pyon_codec::Value;
use rpc_core::{Server, rpc_target};
use supervisor::ChildComm;

#[derive(Debug, Parser)]
struct Args {
    /// echo, stubborn, ping-false, noisy, exit, sleep, pipe-child
    role: String,
    /// Lines printed by `noisy`.
    #[arg(long, default_value_t = 0)]
    lines: usize,
    /// Exit code of `exit`.
    #[arg(long, default_value_t = 0)]
    code: u8,
    /// Copies started by `sleep`.
    #[arg(long, default_value_t = 0)]
    children: usize,
    /// Address of `pipe-child`.
    #[arg(long)]
    address: Option<String>,
    #[command(flatten)]
    network: NetworkArgs,
}

struct Echo {
    ping: bool,
}

/// A controller for tests.
#[rpc_target]
impl Echo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }

    /// Whether all is well.
    fn ping(&self) -> bool {
        self.ping
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.role.as_str() {
        "exit" => return ExitCode::from(args.code),
        "pipe-child" => return pipe_child(args.address.as_deref().unwrap_or("")),
        "noisy" => noisy(args.lines),
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(&e),
    };
    if args.role == "pipe-child-async" {
        return runtime.block_on(pipe_child_async(args.address.as_deref().unwrap_or("")));
    }
    match runtime.block_on(serve(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

fn fail(e: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("ERROR:supervisor_fixture:{e}");
    ExitCode::FAILURE
}

async fn serve(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    use tokio::signal::unix::{SignalKind, signal};
    let stubborn = args.role == "stubborn";
    // Registering a handler replaces the default action: SIGTERM no longer ends us.
    let mut term = signal(SignalKind::terminate())?;
    if args.role == "sleep" {
        let exe = std::env::current_exe()?;
        let mut children = Vec::new();
        for _ in 0..args.children {
            children.push(std::process::Command::new(&exe).arg("sleep").spawn()?);
        }
        println!("sleeping");
        term.recv().await;
        return Ok(());
    }
    let server = Server::builder()
        .target(
            "test",
            Echo {
                ping: args.role != "ping-false",
            },
        )
        .builtin_terminate(!stubborn)
        .build();
    let net = args.network.server(3253)?;
    if let Some(addr) = net.local_addrs().first() {
        println!("port {}", addr.port());
    }
    let stop = async move {
        loop {
            term.recv().await;
            if !stubborn {
                break;
            }
            eprintln!("WARNING:supervisor_fixture:ignoring SIGTERM");
        }
    };
    server.serve(net, stop).await;
    Ok(())
}

fn noisy(lines: usize) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(b"bad \xff\xfe bytes\n");
    for i in 0..lines {
        let _ = writeln!(out, "line {i}");
    }
    let _ = out.flush();
    eprintln!("WARNING<2>:noisy.ctl:two\nlines");
}

fn pipe_child(address: &str) -> ExitCode {
    let mut comm = match ChildComm::new(address) {
        Ok(comm) => comm,
        Err(e) => return fail(&e),
    };
    loop {
        match comm.recv() {
            Ok(Some(Value::Str(s))) if s == "quit" => return ExitCode::SUCCESS,
            Ok(Some(value)) => {
                let reply = Value::List(vec![Value::from("echo"), value]);
                if let Err(e) = comm.send(&reply) {
                    return fail(&e);
                }
            }
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => return fail(&e),
        }
    }
}

async fn pipe_child_async(address: &str) -> ExitCode {
    let mut comm = match supervisor::AsyncChildComm::new(address) {
        Ok(comm) => comm,
        Err(e) => return fail(&e),
    };
    loop {
        match comm.recv().await {
            Ok(Some(Value::Str(s))) if s == "quit" => return ExitCode::SUCCESS,
            Ok(Some(value)) => {
                let reply = Value::List(vec![Value::from("echo"), value]);
                if let Err(e) = comm.send(&reply).await {
                    return fail(&e);
                }
            }
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => return fail(&e),
        }
    }
}
