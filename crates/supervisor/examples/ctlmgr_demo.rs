//! `sipyco_ctlmgr` in a small lab: this program plays the master (the `devices` notifier and
//! a log server), the manager runs two controllers, one is killed and comes back, and
//! everything is stopped at the end.
//!
//! ```text
//! cargo build --release --bins --examples -p supervisor
//! target/release/examples/ctlmgr_demo target/release/sipyco_ctlmgr target/release/supervisor_fixture
//! ```

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use log_forward::{LogRecord, LogServer};
use pyon_codec::{Dict, Value};
use rpc_client::AsyncClient;
use sync_struct::{Notifier, Publisher};
use tokio::sync::mpsc;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [ctlmgr, fixture] = args.as_slice() else {
        eprintln!("usage: ctlmgr_demo SIPYCO_CTLMGR SUPERVISOR_FIXTURE");
        return ExitCode::FAILURE;
    };
    match demo(ctlmgr, fixture).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ctlmgr_demo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn free_port() -> Fallible<u16> {
    Ok(std::net::TcpListener::bind(loopback())?
        .local_addr()?
        .port())
}

fn entry(fixture: &str, port: u16) -> Value {
    let mut d = Dict::new();
    d.insert("type".into(), "controller".into());
    d.insert("host".into(), "localhost".into());
    d.insert("port".into(), Value::Int(port.into()));
    d.insert(
        "command".into(),
        format!("{fixture} echo -p {{port}} --no-localhost-bind --bind 127.0.0.1").into(),
    );
    d.insert("ping_timer".into(), Value::Float(1.0));
    d.insert("retry_timer".into(), Value::Float(0.5));
    Value::Dict(d)
}

/// Wait for a record; show every record on the way.
async fn until(
    records: &mut mpsc::UnboundedReceiver<LogRecord>,
    f: impl Fn(&LogRecord) -> bool,
) -> Fallible<LogRecord> {
    let wait = async {
        while let Some(r) = records.recv().await {
            println!("  log server got: {}", r.to_wire_text());
            if f(&r) {
                return Some(r);
            }
        }
        None
    };
    match tokio::time::timeout(Duration::from_secs(20), wait).await {
        Ok(Some(r)) => Ok(r),
        _ => Err("an expected record did not arrive".into()),
    }
}

async fn status(control: u16) -> Fallible<Value> {
    let client = AsyncClient::connect("127.0.0.1", control, "ctlmgr").await?;
    let status = client.call("status", (), Dict::new()).await?;
    client.close_rpc().await;
    Ok(status)
}

async fn demo(ctlmgr: &str, fixture: &str) -> Fallible<()> {
    // The master: a log server and the `devices` notifier.
    let (tx, mut records) = mpsc::unbounded_channel();
    let logs = asyncio_server::Server::bind(&[loopback()])?;
    let log_port = logs.local_addrs().first().ok_or("no address")?.port();
    let log_server = LogServer::new(logs).with_sink(move |r: LogRecord| {
        let _ = tx.send(r);
    });
    tokio::spawn(log_server.serve(std::future::pending()));
    let (lda, pmt) = (free_port()?, free_port()?);
    let mut db = Dict::new();
    db.insert("lda".into(), entry(fixture, lda));
    db.insert("pmt".into(), entry(fixture, pmt));
    let devices = Notifier::new(Value::Dict(db));
    let publisher = Publisher::new();
    publisher.add_notifier("devices", devices.clone())?;
    let notify = asyncio_server::Server::bind(&[loopback()])?;
    let notify_port = notify.local_addrs().first().ok_or("no address")?.port();
    tokio::spawn(publisher.serve(notify, std::future::pending()));
    println!(
        "master: devices notifier on 127.0.0.1:{notify_port}, log server on 127.0.0.1:{log_port}"
    );
    println!("device database: lda (port {lda}) and pmt (port {pmt}), host \"localhost\"");

    let mut manager = Command::new(ctlmgr)
        .args(["-s", "127.0.0.1", "-v", "--retry-master", "1"])
        .args(["--port-notify", &notify_port.to_string()])
        .args(["--port-logging", &log_port.to_string()])
        .args([
            "--port-control",
            "0",
            "--no-localhost-bind",
            "--bind",
            "127.0.0.1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = manager.stdout.take().ok_or("no stdout")?;
    let control: u16 = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await??
    .trim()
    .strip_prefix("port ")
    .ok_or("sipyco_ctlmgr printed no port")?
    .parse()?;
    println!("$ sipyco_ctlmgr -s 127.0.0.1 ... (control target `ctlmgr` on port {control})");

    let mut waiting = vec!["controller(lda)", "controller(pmt)"];
    while !waiting.is_empty() {
        let r = until(&mut records, |r| r.message.starts_with("port ")).await?;
        waiting.retain(|s| Some(*s) != r.source.as_deref());
    }
    let before = status(control).await?;
    println!("status(): {}", pyon_codec::repr(&before));
    let pid = match before.get("lda").and_then(|s| s.get("pid")) {
        Some(Value::Int(pid)) => *pid,
        _ => return Err("no pid for lda".into()),
    };

    println!("killing lda (pid {pid}) with SIGKILL");
    let pid = rustix::process::Pid::from_raw(i32::try_from(pid)?).ok_or("bad pid")?;
    rustix::process::kill_process(pid, rustix::process::Signal::KILL)?;
    until(&mut records, |r| {
        r.message.starts_with("restarting controller lda")
    })
    .await?;
    until(&mut records, |r| {
        r.source.as_deref() == Some("controller(lda)") && r.message.starts_with("port ")
    })
    .await?;
    let client = AsyncClient::connect("127.0.0.1", lda, "test").await?;
    let answer = client
        .call("echo", [Value::from("back again")], Dict::new())
        .await?;
    client.close_rpc().await;
    println!(
        "lda answers echo(\"back again\") -> {}",
        pyon_codec::repr(&answer)
    );
    println!("status(): {}", pyon_codec::repr(&status(control).await?));

    println!("stopping sipyco_ctlmgr with SIGTERM");
    let manager_pid =
        rustix::process::Pid::from_raw(i32::try_from(manager.id())?).ok_or("bad pid")?;
    rustix::process::kill_process(manager_pid, rustix::process::Signal::TERM)?;
    until(&mut records, |r| {
        r.message.starts_with("all controllers stopped")
    })
    .await?;
    let exit = tokio::task::spawn_blocking(move || manager.wait()).await??;
    if !exit.success() {
        return Err(format!("sipyco_ctlmgr exited with {exit}").into());
    }
    for port in [lda, pmt] {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Err(format!("a controller still listens on port {port}").into());
        }
    }
    println!("sipyco_ctlmgr exited with status 0; no controller is left");
    Ok(())
}
