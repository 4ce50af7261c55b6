//! Replays the pc_rpc sessions recorded between a Python client and a Python server against a
//! Rust server with the same targets, and compares every server line byte for byte.
//!
//! Allowed differences, as documented in `Server`: the method-name set (a Python `set` in
//! arbitrary order, with dunder methods that a Rust target does not have) must hold the
//! recorded non-dunder names and nothing else; in `failed` replies the traceback (Python frames
//! cannot be reproduced) is only checked to be a list of strings, and the message of the
//! unencodable-return `TypeError` (it quotes a Python object) is not compared.

mod common;

use common::{RawClient, golden_dir, start, timed};
use pyon_codec::{Dict, Value, Version};
use rpc_core::{ArgSpec, Dialect, DynamicTarget, RpcError, Server, Target, rpc_target};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

/// Python's `+` on numbers: ints stay ints.
fn py_sum(values: &[&Value]) -> Value {
    if values.iter().all(|v| matches!(v, Value::Int(_))) {
        Value::Int(values.iter().filter_map(|v| v.as_i64()).sum())
    } else {
        Value::Float(values.iter().filter_map(|v| v.as_f64()).sum())
    }
}

fn py_mul(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::Int(a), Value::Int(b)) => Value::Int(a * b),
        _ => Value::Float(a.as_f64().unwrap_or(f64::NAN) * b.as_f64().unwrap_or(f64::NAN)),
    }
}

fn add(a: &Value, b: &Value, rest: &[Value], scale: &Value) -> Value {
    let mut terms = vec![a, b];
    terms.extend(rest);
    py_mul(&py_sum(&terms), scale)
}

/// A value that serde cannot turn into PYON, like Python's `object()`.
struct Opaque;

impl serde::Serialize for Opaque {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "Object of type `object` is not PYON encodable",
        ))
    }
}

/// The recorded `Demo` class, written with the attribute macro.
struct Demo;

/// Demo target: a controller with a few methods.
#[rpc_target]
impl Demo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }

    /// Add two numbers.
    ///
    /// Longer description line.
    #[rpc(returns = "float")]
    fn add(
        &self,
        #[rpc(annotation = "int")] a: Value,
        #[rpc(default = Value::Float(2.5), annotation = "float")] b: Value,
        #[rpc(varargs)] rest: Vec<Value>,
        #[rpc(kwonly, default = Value::Int(1))] scale: Value,
        #[rpc(varkw)] opts: Dict,
    ) -> Value {
        let _ = opts;
        add(&a, &b, &rest, &scale)
    }

    async fn async_echo(&self, x: Value) -> Value {
        tokio::task::yield_now().await;
        x
    }

    fn fail_value(&self) -> Result<(), RpcError> {
        Err(RpcError::value_error("bad value 42"))
    }

    fn fail_custom(&self) -> Result<(), RpcError> {
        Err(RpcError::new(
            "Demo.fail_custom.<locals>.DeviceFault",
            "laser unlocked",
        ))
    }

    fn fail_key(&self) -> Result<Value, RpcError> {
        Err(RpcError::key_error("missing"))
    }

    fn unserializable(&self) -> Opaque {
        Opaque
    }

    fn _hidden(&self) {}
}

/// The same class, assembled at run time.
fn dynamic_demo() -> DynamicTarget {
    let none = ArgSpec::new();
    DynamicTarget::builder("Demo")
        .docstring("Demo target: a controller with a few methods.")
        .method(
            "echo",
            ArgSpec::new().arg("x"),
            Some("Return the argument unchanged."),
            |mut a| async move { Ok(a.take("x").unwrap_or_default()) },
        )
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
                Ok(add(&v("a"), &v("b"), &a.varargs, &v("scale")))
            },
        )
        .method(
            "async_echo",
            ArgSpec::new().arg("x"),
            None,
            |mut a| async move {
                tokio::task::yield_now().await;
                Ok(a.take("x").unwrap_or_default())
            },
        )
        .method("fail_value", none.clone(), None, |_| async {
            Err(RpcError::value_error("bad value 42"))
        })
        .method("fail_custom", none.clone(), None, |_| async {
            Err(RpcError::new(
                "Demo.fail_custom.<locals>.DeviceFault",
                "laser unlocked",
            ))
        })
        .method("fail_key", none.clone(), None, |_| async {
            Err(RpcError::key_error("missing"))
        })
        .method("unserializable", none.clone(), None, |_| async {
            // A numpy bool scalar (refused by v1) and a dict with the key `__jsonclass__`
            // (refused by v2).
            let scalar = Value::Scalar(Box::new(pyon_codec::NpScalar::from_value(true)));
            Ok(Value::List(vec![
                scalar,
                pyon_codec::dict! {"__jsonclass__" => 1},
            ]))
        })
        .method("_hidden", none, None, |_| async { Ok(Value::None) })
        .build()
}

fn golden_server(dialect: Dialect, make: fn() -> Box<dyn Target>) -> Server {
    Server::builder()
        .target("demo", make())
        .target("other", make())
        .description("golden demo server")
        .builtin_terminate(true)
        .dialect(dialect)
        .build()
}

fn macro_demo() -> Box<dyn Target> {
    Box::new(Demo)
}

fn dyn_demo() -> Box<dyn Target> {
    Box::new(dynamic_demo())
}

struct Line {
    c2s: bool,
    text: String,
}

fn transcript(path: &str) -> Vec<Line> {
    let text = std::fs::read_to_string(golden_dir().join(path)).unwrap();
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

/// Compares one server line with the recorded one.
fn check_line(expected: &str, actual: &str, version: Version, after_target_line: bool) {
    if after_target_line {
        let exp = version.decode(expected).unwrap();
        let act = version.decode(actual).unwrap();
        let (Value::Set(exp), Value::Set(act)) = (exp, act) else {
            panic!("method set expected: {actual}");
        };
        let recorded: Vec<&str> = exp.iter().filter_map(Value::as_str).collect();
        let ours: Vec<&str> = act.iter().filter_map(Value::as_str).collect();
        for name in &recorded {
            if !name.starts_with("__") {
                assert!(ours.contains(name), "{name} missing from {ours:?}");
            }
        }
        for name in &ours {
            assert!(recorded.contains(name), "{name} not recorded");
        }
        return;
    }
    if expected.contains("\"failed\"") {
        // Compare everything but the traceback (and the message of an unencodable return).
        let normalise = |line: &str| {
            let mut v = version.decode(line).unwrap();
            let exc = v
                .as_dict_mut()
                .and_then(|d| d.get_mut(&Value::str("exception")))
                .and_then(Value::as_dict_mut)
                .expect("exception dict");
            let tb = exc.get_mut(&Value::str("traceback")).expect("traceback");
            let lines = tb.as_seq().expect("traceback list");
            assert!(lines.iter().all(|l| l.as_str().is_some()));
            *tb = Value::List(vec![]);
            let msg = exc.get_mut(&Value::str("message")).unwrap();
            if msg.as_str().is_some_and(|m| m.contains("PYON")) {
                *msg = Value::str("<not encodable>");
            }
            version.encode(&v).unwrap()
        };
        assert_eq!(normalise(actual), normalise(expected));
        return;
    }
    assert_eq!(actual, expected);
}

/// Plays one transcript file; returns the server task (to check that `terminate` stops it).
async fn replay(path: &str, server: Server) -> tokio::task::JoinHandle<()> {
    let (addr, task) = start(server).await;
    let lines = transcript(path);
    // One session per banner.
    let mut sessions: Vec<Vec<&Line>> = Vec::new();
    for line in &lines {
        if line.c2s && line.text == "ARTIQ pc_rpc" {
            sessions.push(Vec::new());
        }
        sessions
            .last_mut()
            .expect("starts with a banner")
            .push(line);
    }
    for session in sessions {
        let client = RawClient::connect(addr).await;
        let RawClient { mut reader, writer } = client;
        let c2s: Vec<String> = session
            .iter()
            .filter(|l| l.c2s)
            .map(|l| l.text.clone())
            .collect();
        let version = if c2s.get(1).is_some_and(|t| t.ends_with(" pyon_v2")) {
            Version::V2
        } else {
            Version::V1
        };
        // The client may write ahead: the server answers in order.
        let writing = tokio::spawn(async move {
            let mut writer = writer;
            for line in c2s {
                writer
                    .write_all(format!("{line}\n").as_bytes())
                    .await
                    .unwrap();
            }
            writer
        });
        for (i, expected) in session.iter().filter(|l| !l.c2s).enumerate() {
            let mut actual = String::new();
            let n = timed("recv", reader.read_line(&mut actual)).await.unwrap();
            assert!(
                n > 0,
                "{path}: connection closed before {:?}",
                expected.text
            );
            actual.pop();
            check_line(&expected.text, &actual, version, i == 1);
        }
        let _writer = timed("writer", writing).await.unwrap();
    }
    task
}

async fn replay_all(dir: &str, dialect: Dialect, make: fn() -> Box<dyn Target>) {
    let call = replay(
        &format!("{dir}/transcripts/pc_rpc_{dir}_call.jsonl"),
        golden_server(dialect, make),
    )
    .await;
    call.abort();
    let none = replay(
        &format!("{dir}/transcripts/pc_rpc_{dir}_no_target.jsonl"),
        golden_server(dialect, make),
    )
    .await;
    none.abort();
    let terminated = replay(
        &format!("{dir}/transcripts/pc_rpc_{dir}_terminate.jsonl"),
        golden_server(dialect, make),
    )
    .await;
    timed("server stop after terminate", terminated)
        .await
        .unwrap();
}

#[tokio::test]
async fn head_transcripts_macro_target() {
    replay_all("head", Dialect::Current, macro_demo).await;
}

#[tokio::test]
async fn head_transcripts_dynamic_target() {
    replay_all("head", Dialect::Current, dyn_demo).await;
}

#[tokio::test]
async fn v1_transcripts_macro_target() {
    replay_all("v1", Dialect::Legacy, macro_demo).await;
}

#[tokio::test]
async fn v1_transcripts_dynamic_target() {
    replay_all("v1", Dialect::Legacy, dyn_demo).await;
}

#[test]
fn macro_and_dynamic_targets_agree() {
    assert_eq!(Demo.method_list(), dynamic_demo().method_list());
    assert_eq!(Demo.method_names(), dynamic_demo().method_names());
}
