//! Helpers of the integration tests: the recorded Python targets rebuilt with
//! `DynamicTarget`, servers on port-0 loopback listeners in a background runtime, and a runner
//! of the real binary with a time limit.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pyon_codec::{Value, tuple};
use rpc_core::{ArgSpec, DynamicTarget, RpcError, Server};

/// Upper bound on any wait in the tests.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_sipyco_rpctool");

fn py_add(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x + y),
        _ => Value::Float(a.as_f64().unwrap_or(f64::NAN) + b.as_f64().unwrap_or(f64::NAN)),
    }
}

fn py_mul(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x * y),
        _ => Value::Float(a.as_f64().unwrap_or(f64::NAN) * b.as_f64().unwrap_or(f64::NAN)),
    }
}

/// The recorded `Demo` class (the methods of `golden/head/transcripts/pc_rpc_head_call.jsonl`).
pub fn demo() -> DynamicTarget {
    DynamicTarget::builder("Demo")
        .docstring("Demo target: a controller with a few methods.")
        .method(
            "add",
            ArgSpec::new()
                .arg("a")
                .arg_with_default("b", 2.5)
                .varargs("rest")
                .kwonly_with_default("scale", 1)
                .varkw("opts")
                .returns("float")
                .annotation("a", "int")
                .annotation("b", "float"),
            Some("Add two numbers.\n\nLonger description line."),
            |a| async move {
                let v = |n| a.get(n).cloned().unwrap_or_default();
                let mut sum = py_add(&v("a"), &v("b"));
                for r in &a.varargs {
                    sum = py_add(&sum, r);
                }
                Ok(py_mul(&sum, &v("scale")))
            },
        )
        .method("async_echo", ArgSpec::new().arg("x"), None, |mut a| async move {
            Ok(a.take("x").unwrap_or_default())
        })
        .method(
            "echo",
            ArgSpec::new().arg("x"),
            Some("Return the argument unchanged."),
            |mut a| async move { Ok(a.take("x").unwrap_or_default()) },
        )
        .method("fail_custom", ArgSpec::new(), None, |_| async {
            Err::<Value, _>(RpcError::new(
                "Demo.fail_custom.<locals>.DeviceFault",
                "laser unlocked",
            ))
        })
        .method("fail_key", ArgSpec::new(), None, |_| async {
            Err::<Value, _>(RpcError::key_error("missing"))
        })
        .method("fail_value", ArgSpec::new(), None, |_| async {
            Err::<Value, _>(
                RpcError::value_error("bad value 42").with_traceback([
                    "  File \"<path>/record_golden.py\", line 171, in fail_value\n    raise ValueError(\"bad value 42\")\n",
                ]),
            )
        })
        .method("unserializable", ArgSpec::new(), None, |_| async {
            Err::<Value, _>(RpcError::type_error(
                "Object of type `object` is not PYON encodable",
            ))
        })
        .build()
}

/// The recorded `Lda` class.
pub fn lda() -> DynamicTarget {
    DynamicTarget::builder("Lda")
        .docstring("Driver for a demo attenuator.\n\nIt has a two-paragraph docstring.")
        .method("echo", ArgSpec::new().arg("x"), None, |mut a| async move {
            Ok(a.take("x").unwrap_or_default())
        })
        .method("get_attenuation", ArgSpec::new(), None, |_| async {
            Ok(Value::Float(5.0))
        })
        .method(
            "no_doc",
            ArgSpec::new()
                .arg("a")
                .arg_with_default("b", Value::None)
                .kwonly("c")
                .kwonly_with_default("d", tuple![1, "x"]),
            None,
            |_| async { Ok(Value::None) },
        )
        .method("ping", ArgSpec::new(), None, |_| async {
            Ok(Value::Bool(true))
        })
        .method(
            "set_attenuation",
            ArgSpec::new().arg("db").annotation("db", "float"),
            Some("Set the attenuation in dB."),
            |_| async { Ok(Value::None) },
        )
        .build()
}

/// A runtime serving the test servers in the background, for the whole test.
pub struct Servers {
    runtime: tokio::runtime::Runtime,
}

impl Servers {
    pub fn new() -> Servers {
        Servers {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// Serves `server` on a fresh port of `ip` (`127.0.0.1` or `::1`); `None` when the address
    /// cannot be bound (no IPv6 on the machine).
    pub fn start_on(&self, server: Server, ip: &str) -> Option<SocketAddr> {
        let listener = self
            .runtime
            .block_on(tokio::net::TcpListener::bind((ip, 0)))
            .ok()?;
        let addr = listener.local_addr().unwrap();
        let _guard = self.runtime.enter();
        let net = asyncio_server_from(listener);
        self.runtime
            .spawn(async move { server.serve(net, std::future::pending()).await });
        Some(addr)
    }

    /// Serves `server` over mutual TLS on a fresh loopback port.
    pub fn start_tls(&self, server: Server, tls: asyncio_server::TlsServerConfig) -> SocketAddr {
        let listener = self
            .runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let _guard = self.runtime.enter();
        let net = asyncio_server_from(listener).with_tls(Some(tls));
        self.runtime
            .spawn(async move { server.serve(net, std::future::pending()).await });
        addr
    }

    pub fn start(&self, server: Server) -> SocketAddr {
        self.start_on(server, "127.0.0.1").unwrap()
    }

    /// The recorded `PORT` server: `demo` and `lda`, with a description.
    pub fn golden(&self) -> SocketAddr {
        self.start(
            Server::builder()
                .target("demo", demo())
                .target("lda", lda())
                .description("golden rpctool server")
                .builtin_terminate(true)
                .build(),
        )
    }

    /// The recorded `PORT1` server: the one target `only`, the `Lda` class.
    pub fn single(&self) -> SocketAddr {
        self.start(
            Server::builder()
                .target("only", lda())
                .builtin_terminate(true)
                .build(),
        )
    }
}

fn asyncio_server_from(listener: tokio::net::TcpListener) -> asyncio_server::Server {
    asyncio_server::Server::from_tokio(vec![listener]).unwrap()
}

/// Runs the binary with `args`, failing the test after [`TIMEOUT`].
pub fn run(args: &[&str]) -> Output {
    run_with_input(args, "")
}

/// Runs the binary with `args` and `input` on its standard input (a pipe).
pub fn run_with_input(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(TIMEOUT)
        .unwrap_or_else(|_| panic!("sipyco_rpctool {args:?} did not finish"))
        .unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Checks that a failure says one thing on stderr: one line, no panic, no Rust backtrace.
pub fn assert_one_line_error(o: &Output, status: i32, contains: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(status), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "stderr: {err}");
    assert!(err.contains(contains), "stderr: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_eq!(stdout(o), "");
}
