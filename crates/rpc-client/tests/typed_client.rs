//! The typed clients that `#[rpc_target]` generates (`DemoClient`, `DemoBlockingClient`), against
//! our own server and against servers replaying the recordings of a Python session: the lines
//! a typed call sends are the recorded ones, byte for byte.

mod common;

use common::demo::{Demo, DemoBlockingClient, DemoClient, Point};
use common::{bind, replay, replay_on_thread, transcript, within};
use pyon_codec::{DType, Dict, NdArray, Value, Version, dict, list, tuple};
use rpc_client::{AsyncClient, AutoTarget, Client, Error};
use rpc_core::{Dialect, RpcError, Server, rpc_target};

fn int64_array() -> Value {
    let data: Vec<u8> = [0i64, 1, 2].iter().flat_map(|x| x.to_le_bytes()).collect();
    NdArray::new(vec![3], DType::parse("<i8").unwrap(), data)
        .unwrap()
        .into()
}

fn remote<T: std::fmt::Debug>(result: rpc_client::Result<T>) -> RpcError {
    match result {
        Err(Error::Remote(e)) => e.into(),
        other => panic!("expected a remote exception, got {other:?}"),
    }
}

async fn start(dialect: Dialect) -> u16 {
    let server = Server::builder()
        .target("demo", Demo)
        .dialect(dialect)
        .build();
    let (listener, port) = bind().await;
    let net = asyncio_server::Server::from_tokio(vec![listener]).unwrap();
    tokio::spawn(async move { server.serve(net, std::future::pending()).await });
    port
}

#[tokio::test]
async fn typed_calls_against_our_server() {
    for (dialect, version) in [
        (Dialect::Current, Version::V2),
        (Dialect::Legacy, Version::V1),
    ] {
        let port = start(dialect).await;
        let client = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
            .await
            .unwrap();
        let demo = DemoClient::new(client);
        assert_eq!(demo.rpc_client().pyon_version(), Some(version));
        let nested = list![1.5, "x", tuple![1, 2], dict! {"k" => ()}, dict! {1 => 2}];
        assert_eq!(within(demo.echo(nested.clone())).await.unwrap(), nested);
        let mut opts = Dict::new();
        opts.insert("extra".into(), true.into());
        let sum: i64 = within(demo.add(1, 2, vec![3], 2, opts)).await.unwrap();
        assert_eq!(sum, 12);
        assert_eq!(
            within(demo.point("p", &2.0)).await.unwrap(),
            Point {
                x: 3.0,
                label: "p".to_owned()
            }
        );
        let e = remote(within(demo.fail_value()).await);
        assert_eq!((e.class(), e.message()), ("ValueError", "bad value 42"));
        assert!(e.traceback().concat().contains("Demo.fail_value"));
        let e = remote(within(demo.fail_custom()).await);
        assert_eq!(e.class(), "GenericRemoteException");
        within(demo.into_rpc_client().close_rpc()).await;
    }
}

#[tokio::test]
async fn clones_pipeline_on_one_connection() {
    let port = start(Dialect::Current).await;
    let client = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap();
    let demo = DemoClient::new(client);
    let calls = (0..50i64).map(|i| {
        let demo = demo.clone();
        tokio::spawn(async move { demo.add(i, 1, vec![], 1, Dict::new()).await })
    });
    let results = within(futures::future::join_all(calls)).await;
    for (i, r) in (0..50i64).zip(results) {
        assert_eq!(r.unwrap().unwrap(), i + 1);
    }
    assert!(!demo.rpc_client().is_closed());
}

#[test]
fn blocking_twin_against_our_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = rt.block_on(start(Dialect::Current));
    let demo = DemoBlockingClient::new(Client::connect("127.0.0.1", port, "demo").unwrap());
    assert_eq!(demo.echo(Value::Int(5)).unwrap(), Value::Int(5));
    assert_eq!(demo.add(1, 2, vec![3, 4], 1, Dict::new()).unwrap(), 10);
    let e = remote(demo.fail_key());
    assert_eq!(e.to_string(), "KeyError: 'missing'");
    demo.rpc_client().close_rpc();
}

/// The typed calls of `record_golden.py`'s session, in order, checked against the recorded
/// results; the untyped client does the two steps a typed client cannot express.
async fn demo_session(demo: &DemoClient) {
    assert_eq!(
        within(demo.echo(Value::Int(5))).await.unwrap(),
        Value::Int(5)
    );
    let nested = list![1.5, "x", tuple![1, 2], dict! {"k" => ()}, dict! {1 => 2}];
    assert_eq!(within(demo.echo(nested.clone())).await.unwrap(), nested);
    let mut opts = Dict::new();
    opts.insert("extra".into(), true.into());
    assert_eq!(within(demo.add(1, 2, vec![3], 2, opts)).await.unwrap(), 12);
    assert_eq!(
        within(demo.async_echo(int64_array())).await.unwrap(),
        int64_array()
    );
    let e = remote(within(demo.fail_value()).await);
    assert_eq!(e.to_string(), "ValueError: bad value 42");
    assert!(e.traceback().concat().contains("raise ValueError"));
    let e = remote(within(demo.fail_custom()).await);
    assert_eq!(
        e.message(),
        "Demo.fail_custom.<locals>.DeviceFault: laser unlocked"
    );
    let e = remote(within(demo.fail_key()).await);
    assert_eq!(e.to_string(), "KeyError: 'missing'");
    let e = remote(within(demo.unserializable()).await);
    assert_eq!(e.class(), "TypeError");

    let client = demo.rpc_client();
    within(client.get_rpc_method_list()).await.unwrap();
    let e = remote(within(client.call_unchecked("no_such_method", (), Dict::new())).await);
    assert_eq!(e.class(), "AttributeError");
}

#[tokio::test]
async fn typed_client_against_the_python_recordings() {
    for (dir, version) in [("head", Version::V2), ("v1", Version::V1)] {
        let script = transcript(dir, &format!("pc_rpc_{dir}_call"));
        let (listener, port) = bind().await;
        let server = tokio::spawn(replay(listener, script));
        let client = within(AsyncClient::connect("127.0.0.1", port, "demo"))
            .await
            .unwrap();
        assert_eq!(client.pyon_version(), Some(version));
        let demo = DemoClient::new(client);
        demo_session(&demo).await;
        within(demo.rpc_client().close_rpc()).await;
        within(server).await.unwrap().unwrap();
    }
}

#[test]
fn blocking_twin_against_a_python_recording() {
    let (port, server) = replay_on_thread(transcript("head", "pc_rpc_head_terminate"));
    let client = Client::connect("127.0.0.1", port, "other").unwrap();
    let other = OtherBlockingClient::new(client);
    other.terminate().unwrap();
    drop(other);
    server.join().unwrap().unwrap();
}

// Only its typed client is used: the target itself is never served.
#[allow(dead_code)]
struct Other;

/// The second target of the recorded Python server.
#[rpc_target]
#[allow(dead_code)]
impl Other {
    /// Stops the server (the Python server's built-in `terminate`).
    fn terminate(&self) {}
}
