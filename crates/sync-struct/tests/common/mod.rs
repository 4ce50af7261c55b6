//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use asyncio_server::Server;
use pyon_codec::{Value, Version};
use sync_struct::{Broadcaster, Mod, Publisher, process_mod};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Bound on every wait of the tests.
pub const T: Duration = Duration::from_secs(30);

/// A server running in the test process on a loopback port.
pub struct Running {
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Running {
    /// Stops the server (after it flushed what was queued) and waits for it.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        tokio::time::timeout(T, &mut self.task)
            .await
            .expect("server stops in time")
            .expect("server task");
    }
}

fn loopback_server() -> Server {
    Server::bind(&["127.0.0.1:0".parse().unwrap()]).expect("bind loopback")
}

/// Serves `publisher` on a fresh loopback port.
pub fn serve_publisher(publisher: &Publisher) -> Running {
    serve_publisher_on(publisher, loopback_server())
}

/// Serves `publisher` on `server`.
pub fn serve_publisher_on(publisher: &Publisher, server: Server) -> Running {
    let port = server.local_addrs()[0].port();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(publisher.clone().serve(server, async {
        let _ = rx.await;
    }));
    Running {
        port,
        stop: Some(tx),
        task,
    }
}

/// Serves `broadcaster` on a fresh loopback port.
pub fn serve_broadcaster(broadcaster: &Broadcaster) -> Running {
    let server = loopback_server();
    let port = server.local_addrs()[0].port();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(broadcaster.clone().serve(server, async {
        let _ = rx.await;
    }));
    Running {
        port,
        stop: Some(tx),
        task,
    }
}

/// A client that speaks raw lines, as a Python peer's socket would.
pub struct RawClient {
    pub reader: BufReader<OwnedReadHalf>,
    pub writer: OwnedWriteHalf,
}

impl RawClient {
    pub async fn connect(port: u16) -> RawClient {
        let stream = tokio::time::timeout(T, TcpStream::connect(("127.0.0.1", port)))
            .await
            .expect("connect in time")
            .expect("connect");
        let (r, w) = stream.into_split();
        RawClient {
            reader: BufReader::new(r),
            writer: w,
        }
    }

    pub async fn send(&mut self, lines: &[&str]) {
        let mut data = String::new();
        for l in lines {
            data.push_str(l);
            data.push('\n');
        }
        self.writer.write_all(data.as_bytes()).await.expect("send");
    }

    /// The next line without `\n`; `None` at end of stream.
    pub async fn line(&mut self) -> Option<String> {
        let mut line = String::new();
        let n = tokio::time::timeout(T, self.reader.read_line(&mut line))
            .await
            .expect("line in time")
            .expect("read");
        if n == 0 {
            return None;
        }
        assert!(line.ends_with('\n'), "unterminated line {line:?}");
        line.pop();
        Some(line)
    }
}

/// The lines of a recorded session: `(dir, line)`.
pub fn transcript(rel: &str) -> Vec<(String, String)> {
    let path = golden(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("transcript line");
            (
                v["dir"].as_str().unwrap().to_owned(),
                v["line"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Path of a golden file (under the workspace's `tests/golden`).
pub fn golden(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/golden")
        .join(rel)
}

/// Rebuilds a replica from the output of `sipyco_subscribe --watch`: the structure, then mods.
pub fn replay_watch_output(lines: &[String]) -> Value {
    let (first, mods) = lines.split_first().expect("at least the init line");
    let mut replica = pyon_codec::decode(first).expect("init line is PYON v2");
    for line in mods {
        let m = Mod::decode(line, Version::V2).expect("mod line");
        process_mod(&mut replica, &m).expect("mod applies");
    }
    replica
}
