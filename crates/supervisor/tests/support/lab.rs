//! A small lab for `sipyco_ctlmgr`: a master (the `devices` notifier and a log server) in
//! this process, and the manager as a child process.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use log_forward::{LogRecord, LogServer};
use pyon_codec::{Dict, Value};
use rpc_client::{AsyncClient, IntoArgs};
use sync_struct::{Notifier, Publisher};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{FIXTURE, TAG_VAR};

/// The manager under test.
pub const CTLMGR: &str = env!("CARGO_BIN_EXE_sipyco_ctlmgr");

/// How long a test waits for one expected record before failing.
const RECORD_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Lab {
    pub tag: String,
    pub devices: Notifier,
    pub notify_port: u16,
    pub control_port: u16,
    records: mpsc::UnboundedReceiver<LogRecord>,
    ctlmgr: Option<Child>,
    stop: CancellationToken,
}

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn loopback() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

impl Lab {
    /// Master and manager, connected.
    pub async fn start(tag: &str) -> Lab {
        Lab::start_with(tag, &[]).await
    }

    /// As [`start`](Self::start), with more options for the manager.
    pub async fn start_with(tag: &str, args: &[&str]) -> Lab {
        let devices = Notifier::new(Value::Dict(Dict::new()));
        let stop = CancellationToken::new();
        let notify_port = serve_devices(&devices, 0, &stop).await;
        let mut lab = Lab::with_master_port(tag, devices, notify_port, stop, args).await;
        lab.record(|r| r.message.starts_with("connected to the master"))
            .await;
        lab
    }

    /// The manager alone, its master expected at `notify_port` (start it with
    /// [`serve_devices`]).
    pub async fn with_master_port(
        tag: &str,
        devices: Notifier,
        notify_port: u16,
        stop: CancellationToken,
        args: &[&str],
    ) -> Lab {
        let (tx, records) = mpsc::unbounded_channel();
        let logs = asyncio_server::Server::bind(&[loopback()]).unwrap();
        let log_port = logs.local_addrs()[0].port();
        let server = LogServer::new(logs).with_sink(move |record: LogRecord| {
            let _ = tx.send(record);
        });
        tokio::spawn(server.serve(stop.clone().cancelled_owned()));
        let stderr = if std::env::var_os("SUPERVISOR_TEST_LOG").is_some() {
            Stdio::inherit()
        } else {
            Stdio::null()
        };
        let mut ctlmgr = Command::new(CTLMGR)
            .args(["-s", "127.0.0.1", "--retry-master", "0.2", "-v"])
            .args(["--port-notify", &notify_port.to_string()])
            .args(["--port-logging", &log_port.to_string()])
            .args([
                "--port-control",
                "0",
                "--no-localhost-bind",
                "--bind",
                "127.0.0.1",
            ])
            .args(args)
            .env(TAG_VAR, tag)
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = ctlmgr.stdout.take().unwrap();
        let control_port = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            BufReader::new(stdout).read_line(&mut line).unwrap();
            line.trim().strip_prefix("port ").unwrap().parse().unwrap()
        })
        .await
        .unwrap();
        Lab {
            tag: tag.to_owned(),
            devices,
            notify_port,
            control_port,
            records,
            ctlmgr: Some(ctlmgr),
            stop,
        }
    }

    /// A controller entry running the fixture `role` on `port`, with fast timers.
    pub fn entry(&self, role: &str, port: u16, extra: &[(&str, Value)]) -> Value {
        let mut d = Dict::new();
        d.insert("type".into(), "controller".into());
        d.insert("host".into(), "127.0.0.1".into());
        d.insert("port".into(), Value::Int(port.into()));
        d.insert("exe".into(), FIXTURE.into());
        d.insert(
            "command".into(),
            format!("{{exe}} {role} -p {{port}} --no-localhost-bind --bind {{host}}").into(),
        );
        d.insert("ping_timer".into(), Value::Float(0.2));
        d.insert("retry_timer".into(), Value::Float(0.2));
        d.insert("term_timeout".into(), Value::Float(2.0));
        for (k, v) in extra {
            d.insert((*k).into(), v.clone());
        }
        Value::Dict(d)
    }

    /// The next record satisfying `f` (earlier ones are dropped).
    pub async fn record(&mut self, f: impl Fn(&LogRecord) -> bool) -> LogRecord {
        let wait = async {
            loop {
                let record = self.records.recv().await.expect("log server gone");
                if f(&record) {
                    return record;
                }
            }
        };
        tokio::time::timeout(RECORD_TIMEOUT, wait)
            .await
            .expect("expected record did not arrive")
    }

    /// The next record of the manager itself whose message starts with `prefix`.
    pub async fn own(&mut self, prefix: &str) -> LogRecord {
        self.record(|r| {
            r.source
                .as_deref()
                .is_some_and(|s| s.starts_with("ctlmgr("))
                && r.message.starts_with(prefix)
        })
        .await
    }

    /// The next `port N` line printed by controller `name` (it is listening).
    pub async fn listening(&mut self, name: &str) -> u16 {
        let source = format!("controller({name})");
        let r = self
            .record(|r| r.source.as_deref() == Some(&source) && r.message.starts_with("port "))
            .await;
        r.message["port ".len()..].parse().unwrap()
    }

    /// Wait until each of `names` printed its `port N` line, in any order.
    pub async fn listening_all(&mut self, names: &[&str]) {
        let mut left: Vec<String> = names.iter().map(|n| format!("controller({n})")).collect();
        while !left.is_empty() {
            let r = self
                .record(|r| {
                    r.message.starts_with("port ")
                        && r.source
                            .as_deref()
                            .is_some_and(|s| left.iter().any(|l| l == s))
                })
                .await;
            left.retain(|l| Some(l.as_str()) != r.source.as_deref());
        }
    }

    /// Call `method` on the manager's `ctlmgr` target.
    pub async fn call(&self, method: &str, args: impl IntoArgs) -> rpc_client::Result<Value> {
        let client = AsyncClient::connect("127.0.0.1", self.control_port, "ctlmgr").await?;
        let result = client.call(method, args, Dict::new()).await;
        client.close_rpc().await;
        result
    }

    /// `status()[name]`.
    pub async fn status_of(&self, name: &str) -> Option<Value> {
        match self.call("status", ()).await.unwrap() {
            Value::Dict(d) => d.get_str(name).cloned(),
            other => panic!("{other:?}"),
        }
    }

    /// `status()[name]` once `f` holds for it (bounded: status is updated by the manager's
    /// tasks just after the events the test sees in the logs).
    pub async fn wait_status(&self, name: &str, f: impl Fn(&Value) -> bool) -> Value {
        let mut last = None;
        for _ in 0..500 {
            last = self.status_of(name).await;
            if last.as_ref().is_some_and(&f) {
                return last.unwrap();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("status of {name} never as expected: {last:?}");
    }

    pub fn ctlmgr_pid(&self) -> u32 {
        self.ctlmgr.as_ref().unwrap().id()
    }

    /// Send `signal` to the manager.
    pub fn signal(&self, signal: rustix::process::Signal) {
        let pid = rustix::process::Pid::from_raw(self.ctlmgr_pid() as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
    }

    /// Wait for the manager to exit; its exit status.
    pub async fn exit_status(&mut self) -> std::process::ExitStatus {
        let mut child = self.ctlmgr.take().unwrap();
        tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap()
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(mut child) = self.ctlmgr.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Publish `devices` as the master's `devices` notifier on `port` (0: any); the port.
pub async fn serve_devices(devices: &Notifier, port: u16, stop: &CancellationToken) -> u16 {
    let publisher = Publisher::new();
    publisher.add_notifier("devices", devices.clone()).unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let server = asyncio_server::Server::bind(&[addr]).unwrap();
    let port = server.local_addrs()[0].port();
    tokio::spawn(publisher.serve(server, stop.clone().cancelled_owned()));
    port
}

/// An integer field of a status dict.
pub fn field(status: &Value, key: &str) -> Value {
    match status {
        Value::Dict(d) => d.get_str(key).cloned().unwrap_or(Value::None),
        other => panic!("{other:?}"),
    }
}
