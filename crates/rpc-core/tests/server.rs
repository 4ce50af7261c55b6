//! Server behaviour: call serialisation, per-connection targets, terminate, PYON versions.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{RawClient, start, timed};
use pyon_codec::Value;
use rpc_core::{RpcError, Server, rpc_target};
use tokio::sync::Notify;

/// Two calls meet: only possible when they run at the same time.
#[derive(Default)]
struct Meeting {
    in_flight: AtomicUsize,
    arrived: Notify,
}

#[rpc_target]
impl Meeting {
    /// Whether another call was running, or arrived while this one waited (at most 300 ms).
    async fn meet(&self) -> bool {
        let met = if self.in_flight.fetch_add(1, Ordering::SeqCst) >= 1 {
            self.arrived.notify_one();
            true
        } else {
            tokio::time::timeout(Duration::from_millis(300), self.arrived.notified())
                .await
                .is_ok()
        };
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        met
    }
}

async fn two_meetings(allow_parallel: bool) -> Vec<Value> {
    let server = Server::builder()
        .target("m", Meeting::default())
        .allow_parallel(allow_parallel)
        .build();
    let (addr, _task) = start(server).await;
    let mut a = RawClient::handshake(addr, "m pyon_v2").await;
    let mut b = RawClient::handshake(addr, "m pyon_v2").await;
    let (ra, rb) = tokio::join!(a.call("meet", vec![]), b.call("meet", vec![]));
    vec![
        ra.get("ret").cloned().unwrap(),
        rb.get("ret").cloned().unwrap(),
    ]
}

#[tokio::test]
async fn calls_are_serialised_across_connections() {
    assert_eq!(
        two_meetings(false).await,
        [Value::Bool(false), Value::Bool(false)]
    );
}

#[tokio::test]
async fn parallel_calls_when_allowed() {
    assert_eq!(
        two_meetings(true).await,
        [Value::Bool(true), Value::Bool(true)]
    );
}

/// A target with per-connection state.
struct Counter {
    count: AtomicUsize,
    serial: usize,
}

#[rpc_target]
impl Counter {
    /// Count the calls on this connection.
    fn bump(&self) -> (usize, usize) {
        (self.serial, self.count.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

#[tokio::test]
async fn factory_builds_a_target_per_connection() {
    let built = Arc::new(AtomicUsize::new(0));
    let b = built.clone();
    let server = Server::builder()
        .target_factory("c", move || Counter {
            count: AtomicUsize::new(0),
            serial: b.fetch_add(1, Ordering::SeqCst),
        })
        .build();
    let (addr, _task) = start(server).await;
    let mut one = RawClient::handshake(addr, "c pyon_v2").await;
    let mut two = RawClient::handshake(addr, "c pyon_v2").await;
    let ret = |v: Value| v.get("ret").cloned().unwrap();
    assert_eq!(
        ret(one.call("bump", vec![]).await),
        pyon_codec::tuple![0, 1]
    );
    assert_eq!(
        ret(one.call("bump", vec![]).await),
        pyon_codec::tuple![0, 2]
    );
    assert_eq!(
        ret(two.call("bump", vec![]).await),
        pyon_codec::tuple![1, 1]
    );
    // A connection that leaves before choosing a target builds nothing.
    let mut lister = RawClient::connect(addr).await;
    lister.send("ARTIQ pc_rpc").await;
    assert_eq!(
        lister.recv().await.unwrap(),
        r#"{"targets":["c"],"description":null,"features":["pyon_v2"]}"#
    );
    drop(lister);
    assert_eq!(built.load(Ordering::SeqCst), 2);
}

struct Plain;

#[rpc_target]
impl Plain {
    fn echo(&self, x: Value) -> Value {
        x
    }

    fn fail(&self) -> Result<(), RpcError> {
        Err(RpcError::runtime_error("broken"))
    }
}

#[tokio::test]
async fn v1_client_on_a_current_server() {
    let server = Server::builder()
        .target("p", Plain)
        .builtin_terminate(true)
        .build();
    let (addr, task) = start(server).await;
    let mut c = RawClient::connect(addr).await;
    c.send("ARTIQ pc_rpc").await;
    c.recv().await.unwrap();
    c.send("p").await;
    let set = pyon_codec::v1::decode(&c.recv().await.unwrap()).unwrap();
    let Value::Set(mut names) = set else {
        panic!("{set:?}")
    };
    names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(
        names,
        [
            Value::str("echo"),
            Value::str("fail"),
            Value::str("terminate")
        ]
    );
    c.send(r#"{"action": "call", "name": "echo", "args": ((1, 2), ), "kwargs": {}}"#)
        .await;
    assert_eq!(
        c.recv().await.unwrap(),
        r#"{"status": "ok", "ret": (1, 2)}"#
    );
    c.send(r#"{"action": "call", "name": "fail", "args": (), "kwargs": {}}"#)
        .await;
    assert_eq!(
        c.recv().await.unwrap(),
        r#"{"status": "failed", "exception": {"class": "RuntimeError", "message": "broken", "traceback": ["  File \"<rust>\", in Plain.fail\n"]}}"#
    );
    c.send(r#"{"action": "call", "name": "echo", "args": (), "kwargs": {}}"#)
        .await;
    assert_eq!(
        c.recv().await.unwrap(),
        r#"{"status": "failed", "exception": {"class": "TypeError", "message": "Plain.echo() missing 1 required positional argument: 'x'", "traceback": ["  File \"<rust>\", in Plain.echo\n"]}}"#
    );
    c.send(r#"{"action": "call", "name": "terminate", "args": (), "kwargs": {}}"#)
        .await;
    assert_eq!(c.recv().await.unwrap(), r#"{"status": "ok", "ret": null}"#);
    timed("server stops", task).await.unwrap();
}

#[tokio::test]
async fn terminate_is_a_plain_method_unless_built_in() {
    let server = Server::builder().target("p", Plain).build();
    let (addr, task) = start(server).await;
    let mut c = RawClient::handshake(addr, "p pyon_v2").await;
    let reply = c.call("terminate", vec![]).await;
    let exc = RpcError::from_value(reply.get("exception").unwrap()).unwrap();
    assert_eq!(
        exc.to_string(),
        "AttributeError: 'Plain' object has no attribute 'terminate'"
    );
    assert!(!task.is_finished());
    check_still_served(&mut c).await;
}

async fn check_still_served(c: &mut RawClient) {
    let reply = c.call("echo", vec![Value::Int(1)]).await;
    assert_eq!(reply.get("ret"), Some(&Value::Int(1)));
}

#[tokio::test]
async fn terminate_from_rust_stops_the_server() {
    let server = Server::builder().target("p", Plain).build();
    let (addr, task) = start(server.clone()).await;
    let mut c = RawClient::handshake(addr, "p pyon_v2").await;
    check_still_served(&mut c).await;
    server.terminate();
    timed("server stops", task).await.unwrap();
    timed("terminated", server.terminated()).await;
    assert_eq!(c.recv().await, None);
}
