//! Scripted pc_rpc servers for the tests: replay recorded transcripts, echo, stay silent.
#![allow(dead_code)]

pub mod demo;

use std::net::SocketAddr;
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use pyon_codec::{Value, Version};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::codec::{Framed, LinesCodec};

/// Upper bound on any wait in the tests.
pub const LIMIT: Duration = Duration::from_secs(10);

/// One recorded line.
#[derive(Debug, Clone)]
pub struct Step {
    pub c2s: bool,
    pub line: String,
}

/// Reads `tests/golden/<version>/transcripts/<name>.jsonl`.
pub fn transcript(version: &str, name: &str) -> Vec<Step> {
    let path = format!(
        "{}/../../tests/golden/{version}/transcripts/{name}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a transcript line");
            Step {
                c2s: v["dir"] == "c2s",
                line: v["line"].as_str().expect("a line").to_owned(),
            }
        })
        .collect()
}

pub type Lines = Framed<TcpStream, LinesCodec>;

pub async fn bind() -> (TcpListener, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    (listener, port)
}

async fn next_line(lines: &mut Lines) -> Option<String> {
    tokio::time::timeout(LIMIT, lines.next())
        .await
        .ok()
        .flatten()
        .and_then(Result::ok)
}

/// Serves one connection by replaying `script`: each c2s line must arrive byte for byte, each
/// s2c line is sent. Then waits for the client to close. Returns the mismatches.
pub async fn replay(listener: TcpListener, script: Vec<Step>) -> Result<(), String> {
    let (sock, _) = tokio::time::timeout(LIMIT, listener.accept())
        .await
        .map_err(|_| "no client came".to_owned())?
        .map_err(|e| e.to_string())?;
    let mut lines = Framed::new(sock, LinesCodec::new());
    for (i, step) in script.iter().enumerate() {
        if step.c2s {
            let got = next_line(&mut lines).await;
            if got.as_deref() != Some(step.line.as_str()) {
                return Err(format!(
                    "step {i}: expected\n  {}\ngot\n  {got:?}",
                    step.line
                ));
            }
        } else {
            lines
                .send(step.line.as_str())
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    // The client closes when done; anything more it sends is a mismatch.
    match next_line(&mut lines).await {
        None => Ok(()),
        Some(extra) => Err(format!("unexpected line after the script: {extra}")),
    }
}

/// A port that refuses connections (bound, not listening) until [`Reserved::listen`], so no other
/// process can take it in between.
pub struct Reserved(socket2::Socket);

pub fn reserve_port() -> (Reserved, u16) {
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    let port = sock.local_addr().unwrap().as_socket().unwrap().port();
    (Reserved(sock), port)
}

impl Reserved {
    /// Starts listening: the server is up.
    pub fn listen(self) -> TcpListener {
        self.0.listen(128).unwrap();
        let std: std::net::TcpListener = self.0.into();
        std.set_nonblocking(true).unwrap();
        TcpListener::from_std(std).unwrap()
    }
}

/// Runs `replay` on its own thread and runtime (usable by blocking clients too).
pub fn replay_on_thread(script: Vec<Step>) -> (u16, std::thread::JoinHandle<Result<(), String>>) {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let (listener, port) = bind().await;
            tx.send(port).expect("port");
            replay(listener, script).await
        })
    });
    let port = rx.recv_timeout(LIMIT).expect("server started");
    (port, handle)
}

pub const ECHO_ID_V2: &str =
    r#"{"targets":["echo"],"description":"echo server","features":["pyon_v2"]}"#;
pub const ECHO_ID_V1: &str = r#"{"targets": ["echo"], "description": "echo server"}"#;

/// How a scripted echo server behaves after the handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Answers every call with its first argument; replies to all requests already received
    /// in one burst.
    Echo,
    /// Reads requests and never answers.
    Silent,
    /// Accepts the connection and never says a word.
    Mute,
}

/// The handshake of an echo server; `None` if the client left.
async fn handshake(lines: &mut Lines, version: Version) -> Option<()> {
    if next_line(lines).await? != "ARTIQ pc_rpc" {
        return None;
    }
    let (id, names) = match version {
        Version::V2 => (ECHO_ID_V2, r#"{"__jsonclass__":["set",[["echo"]]]}"#),
        Version::V1 => (ECHO_ID_V1, r#"{"echo"}"#),
    };
    lines.send(id).await.ok()?;
    let expected = match version {
        Version::V2 => "echo pyon_v2",
        Version::V1 => "echo",
    };
    if next_line(lines).await? != expected {
        return None;
    }
    lines.send(names).await.ok()
}

fn echo_reply(version: Version, request: &str) -> String {
    let req = version.decode(request).expect("a request");
    let ret = req
        .get("args")
        .and_then(Value::as_seq)
        .and_then(|a| a.first().cloned())
        .unwrap_or_default();
    let mut reply = pyon_codec::Dict::new();
    reply.insert("status".into(), "ok".into());
    reply.insert("ret".into(), ret);
    version.encode(&Value::Dict(reply)).expect("encodable")
}

/// Serves one connection in `mode`.
pub async fn serve_one(sock: TcpStream, version: Version, mode: Mode) {
    let mut lines = Framed::new(sock, LinesCodec::new());
    if mode == Mode::Mute {
        let _ = next_line(&mut lines).await;
        let _ = tokio::time::timeout(LIMIT, lines.next()).await;
        return;
    }
    if handshake(&mut lines, version).await.is_none() {
        return;
    }
    while let Some(first) = next_line(&mut lines).await {
        if mode == Mode::Silent {
            continue;
        }
        let mut burst = vec![first];
        while let Some(Some(Ok(line))) = lines.next().now_or_never() {
            burst.push(line);
        }
        for req in &burst {
            if lines.feed(echo_reply(version, req)).await.is_err() {
                return;
            }
        }
        if SinkExt::<String>::flush(&mut lines).await.is_err() {
            return;
        }
    }
}

/// A server accepting any number of connections; reports each accepted peer on the channel.
pub async fn serve(
    listener: TcpListener,
    version: Version,
    mode: Mode,
) -> mpsc::UnboundedReceiver<SocketAddr> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, peer)) = listener.accept().await {
            let _ = tx.send(peer);
            tokio::spawn(serve_one(sock, version, mode));
        }
    });
    rx
}

/// Awaits `fut` with the test time limit.
pub async fn within<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, fut).await.expect("timed out")
}
