//! Helpers shared by the integration tests: a server on a port-0 loopback listener and a raw
//! line client with timeouts.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use rpc_core::Server;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::task::JoinHandle;

/// Upper bound on any single wait in the tests.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// The golden recordings of the Python library.
pub fn golden_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

/// Awaits `f`, failing the test after [`TIMEOUT`].
pub async fn timed<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(TIMEOUT, f).await {
        Ok(v) => v,
        Err(_) => panic!("timed out: {what}"),
    }
}

/// Serves `server` on a fresh loopback port; the task ends when the server stops.
pub async fn start(server: Server) -> (SocketAddr, JoinHandle<()>) {
    start_with_limit(server, asyncio_server::DEFAULT_SERVER_LINE_LIMIT).await
}

/// [`start`] with a line-length limit.
pub async fn start_with_limit(server: Server, limit: usize) -> (SocketAddr, JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let net = asyncio_server::Server::from_tokio(vec![listener])
        .unwrap()
        .with_max_line_length(limit);
    let task = tokio::spawn(async move { server.serve(net, std::future::pending()).await });
    (addr, task)
}

/// A client that speaks raw lines.
pub struct RawClient {
    pub reader: BufReader<OwnedReadHalf>,
    pub writer: OwnedWriteHalf,
}

impl RawClient {
    pub async fn connect(addr: SocketAddr) -> RawClient {
        let stream = timed("connect", TcpStream::connect(addr)).await.unwrap();
        stream.set_nodelay(true).unwrap();
        let (r, w) = stream.into_split();
        RawClient {
            reader: BufReader::new(r),
            writer: w,
        }
    }

    /// Sends one line (`\n` appended).
    pub async fn send(&mut self, line: &str) {
        let mut buf = Vec::with_capacity(line.len() + 1);
        buf.extend_from_slice(line.as_bytes());
        buf.push(b'\n');
        timed("send", self.writer.write_all(&buf)).await.unwrap();
    }

    /// The next line without `\n`; `None` once the server closed the connection.
    pub async fn recv(&mut self) -> Option<String> {
        let mut line = String::new();
        match timed("recv", self.reader.read_line(&mut line)).await {
            Ok(0) => None,
            Ok(_) => {
                assert!(line.ends_with('\n'), "unterminated line {line:?}");
                line.pop();
                Some(line)
            }
            // A reset counts as closed.
            Err(_) => None,
        }
    }

    /// Banner, identification, target line, method set: ready for requests.
    pub async fn handshake(addr: SocketAddr, target_line: &str) -> RawClient {
        let mut c = RawClient::connect(addr).await;
        c.send("ARTIQ pc_rpc").await;
        c.recv().await.expect("identification");
        c.send(target_line).await;
        c.recv().await.expect("method set");
        c
    }

    /// One PYON v2 call; the decoded reply.
    pub async fn call(&mut self, name: &str, args: Vec<pyon_codec::Value>) -> pyon_codec::Value {
        let request = rpc_core::protocol::Request::Call {
            name: name.to_owned(),
            args,
            kwargs: pyon_codec::Dict::new(),
        };
        self.send(&pyon_codec::encode(&request.to_value()).unwrap())
            .await;
        let reply = self.recv().await.expect("reply");
        pyon_codec::decode(&reply).unwrap()
    }
}
