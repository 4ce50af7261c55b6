//! Our clients against servers that replay the recordings of a Python session: every line the
//! client sends must be the recorded one, byte for byte (current PYON v2 servers and legacy
//! PYON v1 servers, where the client must fall back to v1 on its own).

mod common;

use common::{replay, replay_on_thread, transcript, within};
use pyon_codec::{DType, Dict, NdArray, Value, Version, dict, list, tuple};
use rpc_client::{AsyncClient, AutoTarget, Client, Error, RemoteError, Target};

fn int64_array() -> Value {
    let data: Vec<u8> = [0i64, 1, 2].iter().flat_map(|x| x.to_le_bytes()).collect();
    NdArray::new(vec![3], DType::parse("<i8").unwrap(), data)
        .unwrap()
        .into()
}

fn remote(result: rpc_client::Result<Value>) -> RemoteError {
    match result {
        Err(Error::Remote(e)) => e,
        other => panic!("expected a remote exception, got {other:?}"),
    }
}

/// The calls of `record_golden.py`, in order, checked against the recorded results.
async fn demo_session(client: &AsyncClient, version: Version) {
    assert_eq!(client.get_selected_target(), Some("demo"));
    assert_eq!(client.pyon_version(), Some(version));
    let names = client.method_names().unwrap();
    assert!(names.contains("echo") && names.contains("terminate") && names.contains("__init__"));
    assert_eq!(names.len(), 32);

    assert_eq!(
        client.call("echo", tuple![5], Dict::new()).await.unwrap(),
        Value::Int(5)
    );
    let nested = list![1.5, "x", tuple![1, 2], dict! {"k" => ()}, dict! {1 => 2}];
    assert_eq!(
        client
            .call("echo", vec![nested.clone()], Dict::new())
            .await
            .unwrap(),
        nested
    );
    let kwargs = Dict::from_pairs(vec![
        ("scale".into(), 2.into()),
        ("extra".into(), true.into()),
    ]);
    assert_eq!(
        client.call("add", tuple![1, 2, 3], kwargs).await.unwrap(),
        Value::Int(12)
    );
    assert_eq!(
        client
            .call("async_echo", vec![int64_array()], Dict::new())
            .await
            .unwrap(),
        int64_array()
    );

    let e = remote(client.call("fail_value", (), Dict::new()).await);
    assert_eq!(e.class, "ValueError");
    assert_eq!(e.message, "bad value 42");
    assert_eq!(e.to_string(), "ValueError: bad value 42");
    assert_eq!(e.traceback.len(), 3);
    assert!(e.traceback[2].contains("raise ValueError(\"bad value 42\")"));

    let e = remote(client.call("fail_custom", (), Dict::new()).await);
    assert_eq!(e.class, "GenericRemoteException");
    assert_eq!(
        e.message,
        "Demo.fail_custom.<locals>.DeviceFault: laser unlocked"
    );

    let e = remote(client.call("fail_key", (), Dict::new()).await);
    assert_eq!(
        (e.class.as_str(), e.message.as_str()),
        ("KeyError", "'missing'")
    );

    let e = remote(client.call("unserializable", (), Dict::new()).await);
    assert_eq!(e.class, "TypeError");
    assert!(e.traceback_text().contains("pyon.py"));

    let list = client.get_rpc_method_list().await.unwrap();
    assert_eq!(
        list.get("docstring").and_then(Value::as_str),
        Some("Demo target: a controller with a few methods.")
    );
    let methods = list.get("methods").and_then(Value::as_dict).unwrap();
    assert_eq!(methods.len(), 8);

    // Refused locally, as Python does: nothing is sent.
    let err = client
        .call("no_such_method", (), Dict::new())
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::NoSuchMethod { name } if name == "no_such_method"));
    assert!(err.to_string().starts_with("AttributeError"), "{err}");
    // The recording sent it anyway; the server's answer is a remote AttributeError.
    let e = remote(
        client
            .call_unchecked("no_such_method", (), Dict::new())
            .await,
    );
    assert_eq!(e.class, "AttributeError");
    assert_eq!(e.message, "'Demo' object has no attribute 'no_such_method'");
}

async fn replay_demo(version_dir: &str, version: Version) {
    let script = transcript(version_dir, &format!("pc_rpc_{version_dir}_call"));
    let (listener, port) = common::bind().await;
    let server = tokio::spawn(replay(listener, script));
    let client = within(AsyncClient::connect("127.0.0.1", port, "demo"))
        .await
        .unwrap();
    within(demo_session(&client, version)).await;
    within(client.close_rpc()).await;
    within(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn head_session_byte_for_byte() {
    replay_demo("head", Version::V2).await;
}

#[tokio::test]
async fn legacy_session_falls_back_to_v1() {
    replay_demo("v1", Version::V1).await;
}

async fn terminate(version_dir: &str) {
    let script = transcript(version_dir, &format!("pc_rpc_{version_dir}_terminate"));
    let (listener, port) = common::bind().await;
    let server = tokio::spawn(replay(listener, script));
    let client = within(AsyncClient::connect(
        "127.0.0.1",
        port,
        Target::from("other"),
    ))
    .await
    .unwrap();
    assert_eq!(
        within(client.call("terminate", (), Dict::new()))
            .await
            .unwrap(),
        Value::None
    );
    drop(client);
    within(server).await.unwrap().unwrap();
}

#[tokio::test]
async fn terminate_head() {
    terminate("head").await;
}

#[tokio::test]
async fn terminate_v1() {
    terminate("v1").await;
}

#[test]
fn no_target_blocking_head_and_v1() {
    for v in ["head", "v1"] {
        let (port, server) = replay_on_thread(transcript(v, &format!("pc_rpc_{v}_no_target")));
        let client = Client::connect("127.0.0.1", port, None::<&str>).unwrap();
        assert_eq!(
            client.get_rpc_id(),
            (
                vec!["demo".to_owned(), "other".to_owned()],
                Some("golden demo server".to_owned())
            )
        );
        assert_eq!(client.get_selected_target(), None);
        assert!(client.get_local_host().is_loopback());
        assert!(matches!(
            client.call("echo", (), Dict::new()),
            Err(Error::NoTargetSelected)
        ));
        client.close_rpc();
        server.join().unwrap().unwrap();
    }
}

#[test]
fn blocking_client_full_session_v1() {
    let (port, server) = replay_on_thread(transcript("v1", "pc_rpc_v1_call"));
    let client = Client::connect("127.0.0.1", port, None::<&str>).unwrap();
    client.select_rpc_target("demo").unwrap();
    assert!(matches!(
        client.select_rpc_target("demo"),
        Err(Error::TargetAlreadySelected)
    ));
    assert_eq!(client.pyon_version(), Some(Version::V1));
    assert_eq!(client.call_as::<i64>("echo", tuple![5]).unwrap(), 5);
    let nested = list![1.5, "x", tuple![1, 2], dict! {"k" => ()}, dict! {1 => 2}];
    assert_eq!(
        client
            .call("echo", vec![nested.clone()], Dict::new())
            .unwrap(),
        nested
    );
    let kwargs = Dict::from_pairs(vec![
        ("scale".into(), 2.into()),
        ("extra".into(), true.into()),
    ]);
    assert_eq!(
        client.call("add", tuple![1, 2, 3], kwargs).unwrap(),
        Value::Int(12)
    );
    assert_eq!(
        client
            .call("async_echo", vec![int64_array()], Dict::new())
            .unwrap(),
        int64_array()
    );
    for (method, class) in [
        ("fail_value", "ValueError"),
        ("fail_custom", "GenericRemoteException"),
        ("fail_key", "KeyError"),
        ("unserializable", "TypeError"),
    ] {
        assert_eq!(remote(client.call(method, (), Dict::new())).class, class);
    }
    assert!(
        client
            .get_rpc_method_list()
            .unwrap()
            .get("methods")
            .is_some()
    );
    assert!(matches!(
        client.call("no_such_method", (), Dict::new()),
        Err(Error::NoSuchMethod { .. })
    ));
    let e = remote(client.call_unchecked("no_such_method", (), Dict::new()));
    assert_eq!(e.class, "AttributeError");
    client.close_rpc();
    server.join().unwrap().unwrap();
}

#[tokio::test]
async fn auto_target_needs_a_single_target() {
    let (listener, port) = common::bind().await;
    let server = tokio::spawn(replay(
        listener,
        transcript("head", "pc_rpc_head_no_target"),
    ));
    let err = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "server has multiple targets: demo other");
    within(server).await.unwrap().unwrap();
}
