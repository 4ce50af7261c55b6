//! Replays the remote-execution sessions recorded between a Python client and a Python
//! controller (`sipyco.remote_exec`) against the Rust server, and plays the client side with
//! the Rust client against the recorded server lines.
//!
//! Compared loosely, as the other replays do: the method-name set as a set (Python's order is
//! arbitrary); in `failed` replies the traceback (Python frames) only as a list of strings.
//! Everything else byte for byte. The recorded code imports numpy: without it the tests report
//! themselves skipped.

mod common;

use std::net::SocketAddr;

use common::{numpy_or_skip, start, timed};
use pyon_codec::{Dict, Value, Version, tuple};
use rexec::{RexecClient, RexecServer};
use rpc_core::Dialect;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

struct Line {
    c2s: bool,
    text: String,
}

fn transcript(dir: &str) -> Vec<Line> {
    let path = common::golden_dir().join(format!("{dir}/transcripts/rexec_{dir}.jsonl"));
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            Line {
                c2s: v["dir"] == "c2s",
                text: v["line"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

/// The transcript cut into sessions, one per banner.
fn sessions(lines: &[Line]) -> Vec<Vec<&Line>> {
    let mut sessions: Vec<Vec<&Line>> = Vec::new();
    for line in lines {
        if line.c2s && line.text == "ARTIQ pc_rpc" {
            sessions.push(Vec::new());
        }
        sessions
            .last_mut()
            .expect("starts with a banner")
            .push(line);
    }
    sessions
}

/// Compares one server line with the recorded one.
fn check_line(expected: &str, actual: &str, version: Version, method_set: bool) {
    if method_set {
        let (Value::Set(exp), Value::Set(act)) = (
            version.decode(expected).unwrap(),
            version.decode(actual).unwrap(),
        ) else {
            panic!("method set expected: {actual}");
        };
        let mut exp: Vec<&str> = exp.iter().filter_map(Value::as_str).collect();
        let mut act: Vec<&str> = act.iter().filter_map(Value::as_str).collect();
        exp.sort_unstable();
        act.sort_unstable();
        assert_eq!(act, exp);
        return;
    }
    if expected.contains("\"failed\"") {
        let normalise = |line: &str| {
            let mut v = version.decode(line).unwrap();
            let exc = v
                .as_dict_mut()
                .and_then(|d| d.get_mut(&Value::str("exception")))
                .and_then(Value::as_dict_mut)
                .expect("exception dict");
            let tb = exc.get_mut(&Value::str("traceback")).expect("traceback");
            let lines = tb.as_seq().expect("traceback list");
            assert!(!lines.is_empty() && lines.iter().all(|l| l.as_str().is_some()));
            *tb = Value::List(vec![]);
            version.encode(&v).unwrap()
        };
        assert_eq!(normalise(actual), normalise(expected));
        return;
    }
    assert_eq!(actual, expected);
}

async fn replay_server(dir: &str, dialect: Dialect) {
    let server = RexecServer::builder("demo", common::demo_driver())
        .description("golden rexec server")
        .dialect(dialect)
        .build();
    let (addr, task) = start(server).await;
    let lines = transcript(dir);
    for session in sessions(&lines) {
        let stream = timed("connect", TcpStream::connect(addr)).await.unwrap();
        let (r, mut w) = stream.into_split();
        let mut reader = BufReader::new(r);
        let c2s: Vec<&&Line> = session.iter().filter(|l| l.c2s).collect();
        let version = if c2s[1].text.ends_with(" pyon_v2") {
            Version::V2
        } else {
            Version::V1
        };
        // One request, one reply: the first two client lines precede the first two replies.
        let mut c2s = c2s.into_iter();
        for (i, expected) in session.iter().filter(|l| !l.c2s).enumerate() {
            let line = c2s.next().expect("a client line before each reply");
            w.write_all(format!("{}\n", line.text).as_bytes())
                .await
                .unwrap();
            let mut actual = String::new();
            let n = timed("recv", reader.read_line(&mut actual)).await.unwrap();
            assert!(n > 0, "{dir}: connection closed before {:?}", expected.text);
            actual.pop();
            check_line(&expected.text, &actual, version, i == 1);
        }
    }
    task.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn head_recording_against_the_rust_server() {
    if numpy_or_skip("head_recording_against_the_rust_server") {
        replay_server("head", Dialect::Current).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn v1_recording_against_the_rust_server() {
    if numpy_or_skip("v1_recording_against_the_rust_server") {
        replay_server("v1", Dialect::Legacy).await;
    }
}

/// A server that answers with the recorded lines and collects what the client sent.
async fn recorded_server(dir: &'static str) -> (SocketAddr, tokio::task::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let lines = transcript(dir);
        let mut received = Vec::new();
        for session in sessions(&lines) {
            let (stream, _) = listener.accept().await.unwrap();
            let (r, mut w) = stream.into_split();
            let mut reader = BufReader::new(r);
            for line in session {
                if line.c2s {
                    let mut got = String::new();
                    if reader.read_line(&mut got).await.unwrap() == 0 {
                        break;
                    }
                    got.pop();
                    received.push(got);
                } else {
                    w.write_all(format!("{}\n", line.text).as_bytes())
                        .await
                        .unwrap();
                }
            }
        }
        received
    });
    (addr, task)
}

const CODE: &str = "import numpy as np\ndef scaled(n, factor=2):\n    return np.arange(n) * factor\ndef via_driver(x):\n    return controller_driver.echo(x)\ndef shared():\n    return sorted(k for k in controller_initial_namespace)\ncounter = 0\ndef bump():\n    global counter\n    counter += 1\n    return counter\n";

/// The recorded client session, through the Rust client.
async fn play_client(addr: SocketAddr) {
    let host = addr.ip().to_string();
    let c = timed(
        "connect",
        RexecClient::connect(&host, addr.port(), "demo_rexec"),
    )
    .await
    .unwrap();
    c.add_code(CODE).await.unwrap();
    c.call("scaled", tuple![3], Dict::new()).await.unwrap();
    let factor = pyon_codec::dict! {"factor" => 0.5};
    let Value::Dict(factor) = factor else {
        unreachable!()
    };
    c.call("scaled", tuple![2], factor).await.unwrap();
    let echoed = c
        .call("via_driver", vec![tuple![1, "x"]], Dict::new())
        .await
        .unwrap();
    assert_eq!(echoed, tuple![1, "x"]);
    let names: Vec<String> = c.call_as("shared", ()).await.unwrap();
    assert_eq!(names, ["controller_driver", "controller_initial_namespace"]);
    assert_eq!(c.call_as::<i64>("bump", ()).await.unwrap(), 1);
    assert_eq!(c.call_as::<i64>("bump", ()).await.unwrap(), 2);
    let class = |r: rexec::Result<()>| match r {
        Err(rexec::Error::Client(rpc_client::Error::Remote(e))) => e.class,
        other => panic!("remote exception expected, got {other:?}"),
    };
    assert_eq!(
        class(c.add_code("def broken(:\n    pass").await),
        "SyntaxError"
    );
    assert_eq!(
        class(c.add_code("raise ValueError('from code')").await),
        "ValueError"
    );
    assert_eq!(class(c.add_code("undefined_name").await), "NameError");
    let missing = c.call("no_such_function", (), Dict::new()).await.map(drop);
    assert_eq!(class(missing), "KeyError");
    c.rpc().get_rpc_method_list().await.unwrap();
    c.close_rpc().await;
    let second = RexecClient::connect(&host, addr.port(), "demo_rexec")
        .await
        .unwrap();
    assert_eq!(
        class(second.call("bump", (), Dict::new()).await.map(drop)),
        "KeyError"
    );
    second.close_rpc().await;
}

async fn replay_client(dir: &'static str) {
    let (addr, server) = recorded_server(dir).await;
    play_client(addr).await;
    let received = timed("recorded server", server).await.unwrap();
    let expected: Vec<String> = transcript(dir)
        .into_iter()
        .filter(|l| l.c2s)
        .map(|l| l.text)
        .collect();
    assert_eq!(received, expected);
}

#[tokio::test]
async fn the_rust_client_sends_the_recorded_head_lines() {
    replay_client("head").await;
}

#[tokio::test]
async fn the_rust_client_sends_the_recorded_v1_lines() {
    replay_client("v1").await;
}

/// The Rust client against the Rust server: the same session, both sides ours.
#[tokio::test(flavor = "multi_thread")]
async fn the_rust_client_against_the_rust_server() {
    if numpy_or_skip("the_rust_client_against_the_rust_server") {
        let (addr, task) = common::start_demo().await;
        play_client(addr).await;
        task.abort();
    }
}
