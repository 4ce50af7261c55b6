//! Our clients against our own server (`rpc-core`), in both dialects: current (PYON v2) and
//! legacy (PYON v1 only, where the client must fall back on its own).

mod common;

use std::time::Duration;

use common::demo::{Demo, Point};
use common::{bind, within};
use pyon_codec::{Dict, Value, Version, dict, list, tuple};
use rpc_client::{AsyncClient, AutoTarget, BestEffortClient, BestEffortOptions, Client, Error};
use rpc_core::{Dialect, Server};

async fn start(dialect: Dialect) -> (u16, Server) {
    let server = Server::builder()
        .target("demo", Demo)
        .description("rust demo")
        .builtin_terminate(true)
        .dialect(dialect)
        .build();
    let (listener, port) = bind().await;
    let net = asyncio_server::Server::from_tokio(vec![listener]).unwrap();
    let s = server.clone();
    tokio::spawn(async move { s.serve(net, std::future::pending()).await });
    (port, server)
}

async fn session(dialect: Dialect, version: Version) {
    let (port, server) = start(dialect).await;
    let client = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap();
    assert_eq!(client.pyon_version(), Some(version));
    assert_eq!(
        client.get_rpc_id(),
        (vec!["demo".to_owned()], Some("rust demo".to_owned()))
    );
    let nested = list![1.5, "x", tuple![1, 2], dict! {"k" => ()}, dict! {1 => 2}];
    assert_eq!(
        within(client.call("echo", vec![nested.clone()], Dict::new()))
            .await
            .unwrap(),
        nested
    );
    let kwargs = Dict::from_pairs(vec![
        ("scale".into(), 2.into()),
        ("extra".into(), true.into()),
    ]);
    assert_eq!(
        within(client.call("add", tuple![1, 2, 3], kwargs))
            .await
            .unwrap(),
        Value::Int(12)
    );
    let p: Point = within(client.call_as("point", tuple!["p", 1.0]))
        .await
        .unwrap();
    assert_eq!(
        p,
        Point {
            x: 1.5,
            label: "p".to_owned()
        }
    );

    let err = within(client.call("fail_value", (), Dict::new()))
        .await
        .unwrap_err();
    let remote = err.as_remote().unwrap();
    assert_eq!(remote.to_string(), "ValueError: bad value 42");
    // A bad call is a TypeError from the server's argument binding.
    let err = within(client.call("echo", (), Dict::new()))
        .await
        .unwrap_err();
    assert_eq!(err.as_remote().unwrap().class, "TypeError");
    assert!(matches!(
        client.call("nope", (), Dict::new()).await,
        Err(Error::NoSuchMethod { .. })
    ));
    let err = within(client.call_unchecked("nope", (), Dict::new()))
        .await
        .unwrap_err();
    assert_eq!(err.as_remote().unwrap().class, "AttributeError");

    let methods = within(client.get_rpc_method_list()).await.unwrap();
    assert_eq!(
        methods.get("docstring").and_then(Value::as_str),
        Some("Demo target.")
    );
    assert!(
        methods
            .get("methods")
            .and_then(|m| m.get("slow_echo"))
            .is_some()
    );

    // Pipelining against a server that handles one request at a time.
    let futs = (0..64i64).map(|i| {
        let client = client.clone();
        async move { client.call_as::<i64>("slow_echo", tuple![i]).await.unwrap() }
    });
    let got = within(futures::future::join_all(futs)).await;
    assert_eq!(got, (0..64).collect::<Vec<_>>());

    // The built-in terminate stops the server.
    assert_eq!(
        within(client.call("terminate", (), Dict::new()))
            .await
            .unwrap(),
        Value::None
    );
    within(server.terminated()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn current_server() {
    session(Dialect::Current, Version::V2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_server() {
    session(Dialect::Legacy, Version::V1).await;
}

#[test]
fn blocking_client_against_rust_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (port, _server) = rt.block_on(start(Dialect::Current));
    let client = Client::connect("127.0.0.1", port, None::<&str>).unwrap();
    assert_eq!(client.get_rpc_id().0, ["demo"]);
    client.select_rpc_target("demo").unwrap();
    assert_eq!(client.get_selected_target(), Some("demo"));
    assert_eq!(client.call_as::<i64>("add", tuple![2, 3]).unwrap(), 5);
    let err = client.call("fail_value", (), Dict::new()).unwrap_err();
    assert_eq!(err.as_remote().unwrap().class, "ValueError");
    // Shared by threads: their calls go down the one connection.
    std::thread::scope(|scope| {
        for t in 0..4i64 {
            let client = &client;
            scope.spawn(move || {
                for i in 0..25i64 {
                    let n = t * 100 + i;
                    assert_eq!(client.call_as::<i64>("slow_echo", tuple![n]).unwrap(), n);
                }
            });
        }
    });
    client.close_rpc();
    assert!(matches!(
        client.call("echo", tuple![1], Dict::new()),
        Err(Error::ConnectionClosed { .. })
    ));
}

#[tokio::test]
async fn best_effort_against_rust_server() {
    let (port, server) = start(Dialect::Legacy).await;
    let options = BestEffortOptions::new().retry(Duration::from_millis(20));
    let client = within(BestEffortClient::connect_with(
        "127.0.0.1",
        port,
        "demo",
        options,
    ))
    .await;
    assert_eq!(
        within(client.call_as::<i64>("add", tuple![2, 3]))
            .await
            .unwrap(),
        Some(5)
    );
    let err = within(client.call("fail_value", (), Dict::new()))
        .await
        .unwrap_err();
    assert_eq!(err.as_remote().unwrap().class, "ValueError");
    // Terminate: the server goes away, calls return no result.
    within(client.call("terminate", (), Dict::new()))
        .await
        .unwrap();
    within(server.terminated()).await;
    let mut none = false;
    for _ in 0..100 {
        if within(client.call("echo", tuple![1], Dict::new()))
            .await
            .unwrap()
            .is_none()
        {
            none = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(none);
}
