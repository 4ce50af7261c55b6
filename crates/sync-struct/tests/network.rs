//! Publisher, subscribers, broadcaster and receivers in one process, over loopback sockets.

mod common;

use std::sync::{Arc, Mutex};

use common::{RawClient, T};
use pyon_codec::{Value, Version, dict, list};
use sync_struct::{
    Backoff, Broadcaster, Error, Notifier, Publisher, PublisherOptions, Receiver, Subscriber,
};
use tokio::sync::mpsc;
use tokio::time::timeout;

#[tokio::test]
async fn bad_handshakes_are_closed_without_a_word() {
    let publisher = Publisher::new();
    publisher
        .add_notifier("data", Notifier::new(dict! {}))
        .unwrap();
    let server = common::serve_publisher(&publisher);
    for lines in [
        &["ARTIQ pc_rpc", "data"][..],
        &["ARTIQ sync_struct\r", "data"],
        &["ARTIQ sync_struct", "nope"],
        &["ARTIQ sync_struct", "data "],
    ] {
        let mut client = RawClient::connect(server.port).await;
        client.send(lines).await;
        assert_eq!(client.line().await, None, "{lines:?}");
    }
    let mut client = RawClient::connect(server.port).await;
    client.send(&["ARTIQ sync_struct", "data"]).await;
    assert_eq!(
        client.line().await.unwrap(),
        r#"{"action":"init","struct":{}}"#
    );
    server.stop().await;
}

#[tokio::test]
async fn notifiers_come_and_go_while_serving() {
    let publisher = Publisher::new();
    let server = common::serve_publisher(&publisher);
    // Not there yet: the publisher closes, the subscriber ends without a replica.
    let mut early = Subscriber::new("x")
        .connect("127.0.0.1", server.port)
        .await
        .unwrap();
    timeout(T, early.wait()).await.unwrap().unwrap();
    assert_eq!(early.replica(), None);

    let x = Notifier::new(list![1]);
    publisher.add_notifier("x", x.clone()).unwrap();
    assert!(matches!(
        publisher.add_notifier("x", Notifier::new(list![])),
        Err(Error::DuplicateNotifier(name)) if name == "x"
    ));
    assert_eq!(publisher.names(), ["x"]);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (gone_tx, mut gone) = mpsc::unbounded_channel();
    let mut sub = Subscriber::new("x")
        .on_mod(move |_, replica| {
            let _ = tx.send(replica.clone());
        })
        .on_disconnect(move || {
            let _ = gone_tx.send(());
        })
        .connect("127.0.0.1", server.port)
        .await
        .unwrap();
    assert_eq!(timeout(T, rx.recv()).await.unwrap(), Some(list![1]));
    x.append(2).unwrap();
    assert_eq!(timeout(T, rx.recv()).await.unwrap(), Some(list![1, 2]));

    // Removing the notifier disconnects its subscribers.
    assert!(publisher.remove_notifier("x").unwrap().same_structure(&x));
    timeout(T, gone.recv()).await.unwrap().unwrap();
    timeout(T, sub.wait()).await.unwrap().unwrap();
    assert_eq!(sub.replica(), Some(list![1, 2]));
    assert_eq!(x.subscriber_count(), 0);
    assert!(publisher.names().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn subscriber_reconnects_and_rebuilds_from_the_new_init() {
    let data = Notifier::new(dict! {"k" => 1});
    let publisher = Publisher::new();
    publisher.add_notifier("data", data.clone()).unwrap();
    let server = common::serve_publisher(&publisher);
    let port = server.port;

    let (tx, mut rx) = mpsc::unbounded_channel();
    let (gone_tx, mut gone) = mpsc::unbounded_channel();
    let connects = Arc::new(Mutex::new(0));
    let connects2 = connects.clone();
    let sub = Subscriber::new("data")
        .target_builder(|mut v| {
            // The builder shapes the local replica: mark it as built here.
            if let Some(d) = v.as_dict_mut() {
                d.insert("local".into(), true.into());
            }
            v
        })
        .before_receive(move || *connects2.lock().unwrap() += 1)
        .on_mod(move |m, replica| {
            let _ = tx.send((m.action(), replica.clone()));
        })
        .on_disconnect(move || {
            let _ = gone_tx.send(());
        })
        .reconnect(Backoff {
            initial: std::time::Duration::from_millis(5),
            max: std::time::Duration::from_millis(50),
        })
        .connect("127.0.0.1", port)
        .await
        .unwrap();
    let (action, replica) = timeout(T, rx.recv()).await.unwrap().unwrap();
    assert_eq!(action, sync_struct::ModAction::Init);
    assert_eq!(replica, dict! {"k" => 1, "local" => true});

    server.stop().await;
    timeout(T, gone.recv()).await.unwrap().unwrap();
    data.setitem("k", 2).unwrap();
    // The publisher comes back on the same port.
    let server = common::serve_publisher_on(
        &publisher,
        asyncio_server::Server::bind(&[([127, 0, 0, 1], port).into()]).unwrap(),
    );
    let (action, replica) = timeout(T, rx.recv()).await.unwrap().unwrap();
    assert_eq!(action, sync_struct::ModAction::Init);
    assert_eq!(replica, dict! {"k" => 2, "local" => true});
    assert!(*connects.lock().unwrap() >= 2);
    data.delitem("k").unwrap();
    let (_, replica) = timeout(T, rx.recv()).await.unwrap().unwrap();
    assert_eq!(replica, dict! {"local" => true});

    // Closing does not call the disconnect callback.
    timeout(T, sub.close()).await.unwrap().unwrap();
    assert!(gone.try_recv().is_err());
    server.stop().await;
}

#[tokio::test]
async fn a_bad_mod_ends_the_session_with_an_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let fake = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        use tokio::io::AsyncWriteExt;
        let mut stream = stream;
        stream
            .write_all(
                b"{\"action\":\"init\",\"struct\":[]}\n{\"action\":\"pop\",\"path\":[],\"i\":0}\n",
            )
            .await
            .unwrap();
        // Keep the socket open until the subscriber gives up.
        let mut buf = [0u8; 64];
        use tokio::io::AsyncReadExt;
        while stream.read(&mut buf).await.is_ok_and(|n| n > 0) {}
    });
    let mut sub = Subscriber::new("data")
        .connect("127.0.0.1", port)
        .await
        .unwrap();
    let err = timeout(T, sub.wait()).await.unwrap().unwrap_err();
    assert_eq!(
        err.to_string(),
        "index 0 out of range for a sequence of length 0"
    );
    timeout(T, fake).await.unwrap().unwrap();
}

#[tokio::test]
async fn receivers_get_their_channel_and_slow_ones_lose_lines() {
    let broadcaster = Broadcaster::with_options(32, Version::V2);
    let server = common::serve_broadcaster(&broadcaster);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let receiver = Receiver::new("log")
        .on_object(move |v| {
            let _ = tx.send(v);
        })
        .connect("127.0.0.1", server.port)
        .await
        .unwrap();
    // A receiver that reads its first line, then stalls.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stalled = socket
        .connect(([127, 0, 0, 1], server.port).into())
        .await
        .unwrap();
    let (r, mut w) = stalled.into_split();
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    w.write_all(b"ARTIQ broadcast\nlog\n").await.unwrap();
    timeout(T, broadcaster.wait_receivers("log", 2))
        .await
        .unwrap();
    assert_eq!(broadcaster.receiver_count("other"), 0);

    broadcaster.broadcast("log", &Value::str("first")).unwrap();
    assert_eq!(
        timeout(T, rx.recv()).await.unwrap(),
        Some(Value::str("first"))
    );
    let mut r = tokio::io::BufReader::new(r);
    let mut line = String::new();
    timeout(T, r.read_line(&mut line)).await.unwrap().unwrap();
    assert_eq!(line, "\"first\"\n");

    let blob = "y".repeat(4000);
    let mut sent = 1;
    while broadcaster.dropped() == 0 && sent < 20_000 {
        for _ in 0..16 {
            sent += 1;
            broadcaster
                .broadcast("log", &list![sent, blob.as_str()])
                .unwrap();
        }
        for _ in 0..16 {
            timeout(T, rx.recv()).await.unwrap().unwrap();
        }
    }
    assert!(
        broadcaster.dropped() > 0,
        "the stalled receiver's queue filled up"
    );
    // Unlike a sync_struct subscriber, a slow receiver stays connected (as in Python).
    assert_eq!(broadcaster.receiver_count("log"), 2);
    broadcaster.broadcast("log", &Value::str("last")).unwrap();
    assert_eq!(
        timeout(T, rx.recv()).await.unwrap(),
        Some(Value::str("last"))
    );
    timeout(T, receiver.close()).await.unwrap().unwrap();
    server.stop().await;
}

#[tokio::test]
async fn legacy_broadcaster_sends_v1() {
    let broadcaster = Broadcaster::with_options(1024, Version::V1);
    let server = common::serve_broadcaster(&broadcaster);
    let mut client = RawClient::connect(server.port).await;
    client.send(&["ARTIQ broadcast", "ccb"]).await;
    timeout(T, broadcaster.wait_receivers("ccb", 1))
        .await
        .unwrap();
    broadcaster
        .broadcast("ccb", &pyon_codec::tuple!["INFO", 1])
        .unwrap();
    assert_eq!(client.line().await.unwrap(), r#"("INFO", 1)"#);
    server.stop().await;
}

#[tokio::test]
async fn publisher_options_and_stats() {
    let publisher = Publisher::with_options(PublisherOptions {
        backlog_limit: 1,
        version: Version::V1,
    });
    assert_eq!(publisher.options().backlog_limit, 1);
    let data = Notifier::new(dict! {"a" => 1});
    publisher.add_notifier("data", data.clone()).unwrap();
    let server = common::serve_publisher(&publisher);
    let mut client = RawClient::connect(server.port).await;
    client.send(&["ARTIQ sync_struct", "data"]).await;
    assert_eq!(
        client.line().await.unwrap(),
        r#"{"action": "init", "struct": {"a": 1}}"#
    );
    assert_eq!(publisher.stats().subscribed, 1);
    server.stop().await;
    assert_eq!(client.line().await, None);
}
