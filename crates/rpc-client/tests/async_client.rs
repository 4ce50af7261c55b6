//! AsyncClient behaviour: pipelining, dropped callers, timeouts, closed connections.

mod common;

use std::time::Duration;

use common::{Mode, bind, serve, within};
use pyon_codec::{Dict, Value, Version, tuple};
use rpc_client::{AsyncClient, AutoTarget, ClientOptions, Error};

async fn echo_client(version: Version) -> AsyncClient {
    let (listener, port) = bind().await;
    let _accepted = serve(listener, version, Mode::Echo).await;
    within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_concurrent_calls_are_pipelined_and_matched_in_order() {
    for version in [Version::V2, Version::V1] {
        let client = echo_client(version).await;
        assert_eq!(client.pyon_version(), Some(version));
        let calls: Vec<_> = (0..64i64)
            .map(|i| {
                let client = client.clone();
                tokio::spawn(async move {
                    let x = tuple![i, format!("call {i}")];
                    let got = client.call("echo", vec![x.clone()], Dict::new()).await;
                    (x, got)
                })
            })
            .collect();
        for call in calls {
            let (sent, got) = within(call).await.unwrap();
            assert_eq!(got.unwrap(), sent);
        }
        // Also from one task, joined: every reply goes to its own caller.
        let futs = (0..64i64).map(|i| client.call_as::<i64>("echo", tuple![i]));
        let got = within(futures::future::join_all(futs)).await;
        let got: Vec<i64> = got.into_iter().map(Result::unwrap).collect();
        assert_eq!(got, (0..64).collect::<Vec<_>>());
        within(client.close_rpc()).await;
    }
}

#[tokio::test]
async fn a_dropped_call_does_not_desync_the_stream() {
    let client = echo_client(Version::V2).await;
    for i in 0..10i64 {
        // Poll once, so the request is queued, then give up on it.
        let dropped = client.call("echo", tuple![-i], Dict::new());
        let mut dropped = Box::pin(dropped);
        assert!(futures::poll!(dropped.as_mut()).is_pending());
        drop(dropped);
        let got: i64 = within(client.call_as("echo", tuple![i])).await.unwrap();
        assert_eq!(got, i);
    }
}

#[tokio::test]
async fn unknown_method_is_refused_locally() {
    let client = echo_client(Version::V2).await;
    let err = client.call("nope", (), Dict::new()).await.unwrap_err();
    assert!(matches!(err, Error::NoSuchMethod { ref name } if name == "nope"));
    // The connection is untouched.
    assert_eq!(
        within(client.call("echo", tuple!["still"], Dict::new()))
            .await
            .unwrap(),
        Value::str("still")
    );
}

#[tokio::test]
async fn call_timeout_against_a_silent_server() {
    let (listener, port) = bind().await;
    let _accepted = serve(listener, Version::V2, Mode::Silent).await;
    let options = ClientOptions::new().call_timeout(Duration::from_millis(100));
    let client = within(AsyncClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        &options,
    ))
    .await
    .unwrap();
    let err = within(client.call("echo", tuple![1], Dict::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err}");
    assert!(err.is_network());
}

#[tokio::test]
async fn connect_timeout_against_a_mute_server() {
    let (listener, port) = bind().await;
    let _accepted = serve(listener, Version::V2, Mode::Mute).await;
    let options = ClientOptions::new().connect_timeout(Duration::from_millis(100));
    let err = within(AsyncClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        &options,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Timeout("connecting")), "{err}");
}

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let (listener, port) = bind().await;
    drop(listener);
    let err = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
}

#[tokio::test]
async fn server_going_away_fails_pending_and_later_calls() {
    let (listener, port) = bind().await;
    let server = tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let mut lines = tokio_util::codec::Framed::new(sock, tokio_util::codec::LinesCodec::new());
        use futures::{SinkExt, StreamExt};
        lines.next().await.unwrap().unwrap();
        lines.send(common::ECHO_ID_V2).await.unwrap();
        lines.next().await.unwrap().unwrap();
        lines
            .send(r#"{"__jsonclass__":["set",[["echo"]]]}"#)
            .await
            .unwrap();
        // Read one request, then hang up without answering.
        lines.next().await.unwrap().unwrap();
    });
    let client = within(AsyncClient::connect("127.0.0.1", port, AutoTarget))
        .await
        .unwrap();
    let err = within(client.call("echo", tuple![1], Dict::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionClosed { .. }), "{err}");
    within(server).await.unwrap();
    let err = within(client.call("echo", tuple![1], Dict::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionClosed { .. }), "{err}");
    assert!(client.is_closed());
}

#[tokio::test]
async fn over_long_reply_line_ends_the_connection() {
    let (listener, port) = bind().await;
    let _accepted = serve(listener, Version::V2, Mode::Echo).await;
    let options = ClientOptions::new().max_line_length(1000);
    let client = within(AsyncClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        &options,
    ))
    .await
    .unwrap();
    let err = within(client.call("echo", tuple!["x".repeat(2000)], Dict::new()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LineTooLong { limit: 1000 }), "{err}");
}

#[tokio::test]
async fn closed_client_fails_calls() {
    let client = echo_client(Version::V1).await;
    within(client.close_rpc()).await;
    let err = client
        .call("echo", tuple![1], Dict::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionClosed { .. }), "{err}");
}
