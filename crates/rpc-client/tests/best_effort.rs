//! BestEffortClient: outages, reconnection, silent servers; FireAndForget.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Mode, bind, serve, within};
use pyon_codec::{Dict, Value, Version, tuple};
use rpc_client::{
    AsyncClient, AutoTarget, BestEffortClient, BestEffortOptions, Error, FireAndForget,
};
use tokio::sync::Notify;

fn quick() -> BestEffortOptions {
    BestEffortOptions::new()
        .first_connect_timeout(Duration::from_secs(2))
        .retry(Duration::from_millis(20))
        .call_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn outage_returns_none_at_once_then_reconnects() {
    let (reserved, port) = common::reserve_port();
    let client = within(BestEffortClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        quick(),
    ))
    .await;
    assert!(!client.is_connected());
    // During the outage: no result, no error, no waiting.
    let got = tokio::time::timeout(
        Duration::from_millis(100),
        client.call("echo", tuple![1], Dict::new()),
    )
    .await
    .expect("returns at once");
    assert_eq!(got.unwrap(), None);

    // The server comes up on the same port; the client finds it in the background.
    let listener = reserved.listen();
    let _accepted = serve(listener, Version::V2, Mode::Echo).await;
    within(client.wait_connected()).await;
    assert_eq!(
        within(client.call("echo", tuple![7], Dict::new()))
            .await
            .unwrap(),
        Some(Value::Int(7))
    );
    assert_eq!(
        within(client.call_as::<String>("echo", tuple!["x"]))
            .await
            .unwrap()
            .as_deref(),
        Some("x")
    );
    assert_eq!(client.get_selected_target().as_deref(), Some("echo"));
    // Remote-side rules still apply: unknown names are errors.
    assert!(matches!(
        client.call("nope", (), Dict::new()).await,
        Err(Error::NoSuchMethod { .. })
    ));
    within(client.close_rpc()).await;
    assert_eq!(
        client.call("echo", tuple![1], Dict::new()).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn silent_server_costs_one_call_timeout_then_reconnection_starts() {
    let (listener, port) = bind().await;
    let mut accepted = serve(listener, Version::V2, Mode::Silent).await;
    let options = quick().call_timeout(Duration::from_millis(200));
    let client = within(BestEffortClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        options,
    ))
    .await;
    assert!(client.is_connected());
    within(accepted.recv()).await.unwrap();
    let got = within(client.call("echo", tuple![1], Dict::new())).await;
    assert_eq!(got.unwrap(), None);
    // The connection was dropped and a new one is being made.
    within(accepted.recv()).await.unwrap();
    within(client.close_rpc()).await;
}

#[tokio::test]
async fn mute_server_first_connection_times_out() {
    let (listener, port) = bind().await;
    let mut accepted = serve(listener, Version::V2, Mode::Mute).await;
    let options = quick().first_connect_timeout(Duration::from_millis(100));
    let client = within(BestEffortClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        options,
    ))
    .await;
    within(accepted.recv()).await.unwrap();
    assert!(!client.is_connected());
    let got = tokio::time::timeout(
        Duration::from_millis(100),
        client.call("echo", tuple![1], Dict::new()),
    )
    .await
    .expect("returns at once");
    assert_eq!(got.unwrap(), None);
    drop(client);
}

#[tokio::test]
async fn server_restart_is_survived() {
    let (listener, port) = bind().await;
    // The first connection is served until the test kills it.
    let first = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let server = tokio::spawn(common::serve_one(sock, Version::V1, Mode::Echo));
        (listener, server)
    });
    let client = within(BestEffortClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        quick(),
    ))
    .await;
    let (listener, server) = within(first).await.unwrap();
    assert_eq!(
        within(client.call("echo", tuple![1], Dict::new()))
            .await
            .unwrap(),
        Some(Value::Int(1))
    );
    assert!(client.is_connected());
    server.abort();
    let _ = server.await;
    // Bounded: the broken connection is noticed by a call (or already by the reader).
    let mut saw_none = false;
    for _ in 0..100 {
        match within(client.call("echo", tuple![2], Dict::new()))
            .await
            .unwrap()
        {
            None => {
                saw_none = true;
                break;
            }
            Some(_) => tokio::task::yield_now().await,
        }
    }
    assert!(saw_none);
    // The server takes connections again: reconnection succeeds.
    let _accepted = serve(listener, Version::V2, Mode::Echo).await;
    within(client.wait_connected()).await;
    assert_eq!(
        within(client.call("echo", tuple![3], Dict::new()))
            .await
            .unwrap(),
        Some(Value::Int(3))
    );
}

#[tokio::test]
async fn fire_and_forget_drops_calls_while_busy() {
    let gate = Arc::new(Notify::new());
    let started = Arc::new(Notify::new());
    let (g, s) = (gate.clone(), started.clone());
    let ff = FireAndForget::from_fn(move |name: String, args: Vec<Value>, _kwargs: Dict| {
        let (g, s) = (g.clone(), s.clone());
        async move {
            s.notify_one();
            g.notified().await;
            assert_eq!(name, "slow");
            Ok(args.into_iter().next().unwrap_or_default())
        }
    });
    assert!(ff.call("slow", tuple![1], Dict::new()));
    within(started.notified()).await;
    assert!(ff.is_busy());
    assert!(!ff.call("slow", tuple![2], Dict::new()));
    assert!(!ff.call("slow", tuple![3], Dict::new()));
    assert_eq!(ff.dropped_calls(), 2);
    gate.notify_one();
    within(ff.join()).await;
    assert!(!ff.is_busy());
    assert!(ff.call("slow", tuple![4], Dict::new()));
    gate.notify_one();
    within(ff.join()).await;
    assert_eq!(ff.dropped_calls(), 2);
}

#[tokio::test]
async fn fire_and_forget_over_clients() {
    let (listener, port) = bind().await;
    let _accepted = serve(listener, Version::V2, Mode::Echo).await;
    let client = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap();
    let ff = FireAndForget::new(client.clone());
    for i in 0..5i64 {
        assert!(ff.call("echo", tuple![i], Dict::new()));
        within(ff.join()).await;
    }
    // A failing background call is logged, not propagated.
    assert!(ff.call("nope", (), Dict::new()));
    within(ff.join()).await;
    assert_eq!(ff.dropped_calls(), 0);

    let best = within(BestEffortClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        quick(),
    ))
    .await;
    let ff = FireAndForget::new(best);
    assert!(ff.call("echo", tuple![1], Dict::new()));
    within(ff.join()).await;
}
