//! RPC figures, one `name value` line each (run with `cargo bench -p rpc-core --bench rpc`):
//!
//! - `tcp_floor_p50_us`: a raw line ping-pong over loopback (the floor any RPC pays);
//! - `rpc_small_p50_us`, `rpc_small_p99_us`: round trip of `echo(5)`, PYON v2;
//! - `rpc_sequential_calls_per_s`: the same calls, one after the other;
//! - `rpc_pipelined_calls_per_s`: one connection, 64 requests written back to back before
//!   reading the 64 replies;
//! - `rpc_echo_80MB_ms`: `echo` of an 80 MB float64 array (10 M elements), client encoding and
//!   decoding included (the reply line is ~107 MB, over Python's 100 MiB client limit, so the
//!   server's line limit is raised and the client reads without one).
//!
//! Client and servers run in one process on one tokio runtime; the client is a raw line client.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use pyon_codec::{Dict, NdArray, Value};
use rpc_core::protocol::Request;
use rpc_core::{Server, rpc_target};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

const WARMUP: usize = 500;
const SMALL_CALLS: usize = 5_000;
const CHUNK: usize = 250;
const PIPELINE_DEPTH: usize = 64;
const PIPELINE_BATCHES: usize = 300;

struct Echo;

#[rpc_target]
impl Echo {
    fn echo(&self, x: Value) -> Value {
        x
    }
}

struct Client {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    line: String,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (r, w) = stream.into_split();
        Client {
            reader: BufReader::with_capacity(1 << 16, r),
            writer: w,
            line: String::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
    }

    async fn recv(&mut self) -> &str {
        self.line.clear();
        let n = self.reader.read_line(&mut self.line).await.expect("read");
        assert!(n > 0, "server closed the connection");
        self.line.trim_end_matches('\n')
    }

    async fn round_trip(&mut self, request: &[u8]) -> Duration {
        let t = Instant::now();
        self.send(request).await;
        self.recv().await;
        t.elapsed()
    }

    /// An RPC client after the handshake, speaking PYON v2.
    async fn rpc(addr: SocketAddr) -> Client {
        let mut c = Client::connect(addr).await;
        c.send(b"ARTIQ pc_rpc\n").await;
        c.recv().await;
        c.send(b"test pyon_v2\n").await;
        c.recv().await;
        c
    }
}

fn request_line(args: Vec<Value>) -> Vec<u8> {
    let request = Request::Call {
        name: "echo".into(),
        args,
        kwargs: Dict::new(),
    };
    let mut line = pyon_codec::encode(&request.to_value()).expect("encode");
    line.push('\n');
    line.into_bytes()
}

fn percentile_us(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

/// Round trips on the floor connection and the RPC connection, interleaved in chunks so that
/// load from other processes affects both alike. Returns sorted samples of each and the time
/// spent in RPC calls.
async fn latencies(
    floor: &mut Client,
    rpc: &mut Client,
    request: &[u8],
) -> (Vec<Duration>, Vec<Duration>, Duration) {
    for _ in 0..WARMUP {
        floor.round_trip(request).await;
        rpc.round_trip(request).await;
    }
    let mut floor_samples = Vec::with_capacity(SMALL_CALLS);
    let mut rpc_samples = Vec::with_capacity(SMALL_CALLS);
    let mut rpc_total = Duration::ZERO;
    for _ in 0..SMALL_CALLS / CHUNK {
        for _ in 0..CHUNK {
            floor_samples.push(floor.round_trip(request).await);
        }
        let start = Instant::now();
        for _ in 0..CHUNK {
            rpc_samples.push(rpc.round_trip(request).await);
        }
        rpc_total += start.elapsed();
    }
    floor_samples.sort();
    rpc_samples.sort();
    (floor_samples, rpc_samples, rpc_total)
}

/// A raw line echo server: the floor.
async fn line_echo_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            stream.set_nodelay(true).expect("nodelay");
            tokio::spawn(async move {
                let (r, mut w) = stream.into_split();
                let mut r = BufReader::new(r);
                let mut line = String::new();
                while r.read_line(&mut line).await.is_ok_and(|n| n > 0) {
                    if w.write_all(line.as_bytes()).await.is_err() {
                        break;
                    }
                    line.clear();
                }
            });
        }
    });
    addr
}

async fn rpc_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let net = asyncio_server::Server::from_tokio(vec![listener])
        .expect("server")
        .with_max_line_length(256 << 20);
    let server = Server::builder().target("test", Echo).build();
    tokio::spawn(async move { server.serve(net, std::future::pending()).await });
    addr
}

fn report(name: &str, value: f64) {
    println!("{name} {value:.1}");
}

async fn run() {
    let small = request_line(vec![Value::Int(5)]);

    let mut floor = Client::connect(line_echo_server().await).await;
    let mut client = Client::rpc(rpc_server().await).await;
    let (floor_samples, samples, total) = latencies(&mut floor, &mut client, &small).await;
    report("tcp_floor_p50_us", percentile_us(&floor_samples, 0.5));
    report("rpc_small_p50_us", percentile_us(&samples, 0.5));
    report("rpc_small_p99_us", percentile_us(&samples, 0.99));
    report(
        "rpc_sequential_calls_per_s",
        SMALL_CALLS as f64 / total.as_secs_f64(),
    );

    let batch: Vec<u8> = small.repeat(PIPELINE_DEPTH);
    let start = Instant::now();
    for _ in 0..PIPELINE_BATCHES {
        client.send(&batch).await;
        for _ in 0..PIPELINE_DEPTH {
            client.recv().await;
        }
    }
    report(
        "rpc_pipelined_calls_per_s",
        (PIPELINE_BATCHES * PIPELINE_DEPTH) as f64 / start.elapsed().as_secs_f64(),
    );

    let data: Vec<f64> = (0..10_000_000).map(|i| i as f64 * 0.5).collect();
    let array = ndarray::Array1::from(data);
    let value = Value::from(NdArray::from_ndarray(&array));
    let mut best = f64::INFINITY;
    for _ in 0..2 {
        let arg = value.clone();
        let start = Instant::now();
        let request = request_line(vec![arg]);
        client.send(&request).await;
        let reply = pyon_codec::decode(client.recv().await).expect("decode");
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(reply.get("ret"), Some(&value));
    }
    report("rpc_echo_80MB_ms", best);
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}
