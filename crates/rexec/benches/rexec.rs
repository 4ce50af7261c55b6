//! Remote-execution figures, one `name value` line each, each beside its reference measured in
//! the same run (`cargo xtask bench rexec`, which runs it in the project's venv for numpy):
//!
//! - `rpc_echo_p50_us`: round trip of the driver's `echo(5)`, a plain RPC call (reference);
//! - `rexec_call_p50_us`: round trip of `call("trivial", 5)` on `NAME_rexec`, where
//!   `trivial(x)` returns `x`: the embedded Python's cost (goal: at most 1.5x the plain call);
//! - `rexec_call_ratio`: the two above, divided;
//! - `rust_array_80MB_ms`: an 80 MB float64 array (10 M elements) returned by a Rust driver
//!   method (reference);
//! - `rexec_array_80MB_ms`: the same array returned by Python code (goal: at most 1.3x);
//! - `rexec_array_ratio`: the two above, divided.
//!
//! Client and server run in one process on one tokio runtime; times include the client's
//! encoding and decoding. The array replies (~107 MB lines) exceed Python's 100 MiB client
//! limit, so the client's limit is raised.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use pyon_codec::{DType, Dict, NdArray, Value};
use rexec::{RexecClient, RexecServer};
use rpc_client::{AsyncClient, ClientOptions};
use rpc_core::rpc_target;

const WARMUP: usize = 300;
const SMALL_CALLS: usize = 3_000;
const ARRAY_CALLS: usize = 5;
const ELEMENTS: usize = 10_000_000;

struct Bench {
    array: Value,
}

#[rpc_target]
impl Bench {
    fn echo(&self, x: Value) -> Value {
        x
    }

    fn array(&self) -> Value {
        self.array.clone()
    }
}

fn array() -> Value {
    let mut data = Vec::with_capacity(ELEMENTS * 8);
    for i in 0..ELEMENTS {
        data.extend_from_slice(&(i as f64 * 0.5).to_le_bytes());
    }
    let dtype = DType::parse("<f8").unwrap();
    Value::Array(Box::new(NdArray::new(vec![ELEMENTS], dtype, data).unwrap()))
}

fn p50(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

fn line(name: &str, value: f64) {
    println!("{name} {value:.2}");
}

#[tokio::main]
async fn main() {
    let has_numpy = rexec::start_python().expect("the embedded python starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let net = asyncio_server::Server::from_tokio(vec![listener]).unwrap();
    let server = RexecServer::builder("bench", Bench { array: array() }).build();
    tokio::spawn(async move { server.serve(net, std::future::pending()).await });

    let options = ClientOptions::new().max_line_length(512 << 20);
    let plain = AsyncClient::connect_with("127.0.0.1", port, "bench", &options)
        .await
        .unwrap();
    let rexec = RexecClient::connect_with("127.0.0.1", port, "bench_rexec", &options)
        .await
        .unwrap();
    rexec
        .add_code("def trivial(x):\n    return x\n")
        .await
        .unwrap();

    // Small calls, interleaved in chunks so that both see the same machine load.
    for _ in 0..WARMUP {
        plain
            .call("echo", vec![Value::Int(5)], Dict::new())
            .await
            .unwrap();
        rexec
            .call("trivial", vec![Value::Int(5)], Dict::new())
            .await
            .unwrap();
    }
    let (mut rpc, mut py) = (Vec::new(), Vec::new());
    for _ in 0..SMALL_CALLS / 100 {
        for _ in 0..100 {
            let t = Instant::now();
            plain
                .call("echo", vec![Value::Int(5)], Dict::new())
                .await
                .unwrap();
            rpc.push(t.elapsed());
        }
        for _ in 0..100 {
            let t = Instant::now();
            rexec
                .call("trivial", vec![Value::Int(5)], Dict::new())
                .await
                .unwrap();
            py.push(t.elapsed());
        }
    }
    let (rpc, py) = (p50(rpc) * 1e6, p50(py) * 1e6);
    line("rpc_echo_p50_us", rpc);
    line("rexec_call_p50_us", py);
    line("rexec_call_ratio", py / rpc);

    if !has_numpy {
        eprintln!("rexec bench: numpy cannot be imported; the array figures need it");
        return;
    }
    rexec
        .add_code(&format!(
            "import numpy as np\nframe = np.arange({ELEMENTS}, dtype=np.float64) * 0.5\n\
             def get():\n    return frame\n"
        ))
        .await
        .unwrap();
    let (mut rust, mut python) = (Vec::new(), Vec::new());
    for _ in 0..ARRAY_CALLS {
        let t = Instant::now();
        let a = plain.call("array", (), Dict::new()).await.unwrap();
        rust.push(t.elapsed());
        let t = Instant::now();
        let b = rexec.call("get", (), Dict::new()).await.unwrap();
        python.push(t.elapsed());
        assert_eq!(a, b, "the same array both ways");
    }
    let (rust, python) = (p50(rust) * 1e3, p50(python) * 1e3);
    line("rust_array_80MB_ms", rust);
    line("rexec_array_80MB_ms", python);
    line("rexec_array_ratio", python / rust);
}
