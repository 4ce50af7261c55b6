//! The recorded Python sessions replay byte for byte: our publisher sends the recorded lines
//! for the same changes, our subscriber and receiver rebuild the same values from them.

mod common;

use std::sync::{Arc, Mutex};

use common::{RawClient, T, transcript};
use pyon_codec::{Value, Version, dict, list, tuple};
use sync_struct::{
    Broadcaster, Mod, Notifier, Publisher, PublisherOptions, Receiver, Subscriber, update_from_dict,
};
use tokio::net::TcpListener;
use tokio::time::timeout;

/// The changes the recording made, through a notifier, in the recorded order.
fn recorded_changes(n: &Notifier) {
    n.at("a").append(3).unwrap();
    n.at("a").insert(0, 0).unwrap();
    n.at("a").pop(1).unwrap();
    n.at("a").pop(-1).unwrap();
    let array = pyon_codec::decode(
        r#"{"__jsonclass__":["nparray",[[2],"<f8","AAAAAAAA8D8AAAAAAAAAQA=="]]}"#,
    )
    .unwrap();
    n.at("b").setitem("c", array).unwrap();
    n.setitem("new", dict! {"x" => list![]}).unwrap();
    n.at("new").at("x").append(dict! {"y" => 1}).unwrap();
    let Value::Dict(source) = dict!("a" => list![9], "z" => 1) else {
        unreachable!()
    };
    update_from_dict(n, &source).unwrap();
}

fn initial() -> Value {
    dict! {"a" => list![1, 2], "b" => dict! {"c" => tuple![1, 2]}}
}

async fn publisher_replays(file: &str, version: Version) {
    let session = transcript(file);
    let data = Notifier::new(initial());
    let publisher = Publisher::with_options(PublisherOptions {
        version,
        ..PublisherOptions::default()
    });
    publisher.add_notifier("data", data.clone()).unwrap();
    let server = common::serve_publisher(&publisher);

    let mut client = RawClient::connect(server.port).await;
    let c2s: Vec<&str> = session
        .iter()
        .filter(|(d, _)| d == "c2s")
        .map(|(_, l)| l.as_str())
        .collect();
    client.send(&c2s).await;
    let expected: Vec<&String> = session
        .iter()
        .filter(|(d, _)| d == "s2c")
        .map(|(_, l)| l)
        .collect();
    // The init first, so that the changes below go out as mods.
    assert_eq!(client.line().await.as_ref(), Some(expected[0]));
    recorded_changes(&data);
    for line in &expected[1..] {
        assert_eq!(client.line().await.as_ref(), Some(*line));
    }
    server.stop().await;
    assert_eq!(client.line().await, None, "closed after the stop");
    assert_eq!(data.get().unwrap(), dict! {"a" => list![9], "z" => 1});
}

#[tokio::test]
async fn publisher_replays_the_v2_recording() {
    publisher_replays("head/transcripts/sync_struct_head.jsonl", Version::V2).await;
}

#[tokio::test]
async fn publisher_replays_the_v1_recording() {
    publisher_replays("v1/transcripts/sync_struct_v1.jsonl", Version::V1).await;
}

/// A fake Python publisher that checks the handshake and plays the recorded lines.
async fn play_publisher(session: Vec<(String, String)>) -> (u16, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (r, w) = stream.into_split();
        let mut client = RawClient {
            reader: tokio::io::BufReader::new(r),
            writer: w,
        };
        let mut out = String::new();
        for (dir, line) in &session {
            if dir == "c2s" {
                assert_eq!(client.line().await.as_deref(), Some(line.as_str()));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        use tokio::io::AsyncWriteExt;
        client.writer.write_all(out.as_bytes()).await.unwrap();
        // Closing ends the subscriber's session.
    });
    (port, task)
}

async fn subscriber_rebuilds(file: &str, version: Version) {
    let session = transcript(file);
    let n_mods = session.iter().filter(|(d, _)| d == "s2c").count();
    let (port, fake) = play_publisher(session.clone()).await;
    let seen: Arc<Mutex<Vec<(Mod, Value)>>> = Arc::default();
    let seen2 = seen.clone();
    let mut sub = Subscriber::new("data")
        .on_mod(move |m, replica| seen2.lock().unwrap().push((m.clone(), replica.clone())))
        .connect("127.0.0.1", port)
        .await
        .unwrap();
    timeout(T, sub.wait()).await.unwrap().unwrap();
    timeout(T, fake).await.unwrap().unwrap();
    assert_eq!(sub.publisher_version(), Some(version));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.len(),
        n_mods,
        "one callback per line, the init included"
    );
    // Each mod, re-encoded, is the recorded line, and the replica follows a notifier making the
    // same changes.
    let s2c: Vec<&String> = session
        .iter()
        .filter(|(d, _)| d == "s2c")
        .map(|(_, l)| l)
        .collect();
    for ((m, _), line) in seen.iter().zip(&s2c) {
        assert_eq!(&&m.encode(version).unwrap(), line);
    }
    assert_eq!(seen[0].1, initial());
    assert_eq!(seen.last().unwrap().1, dict! {"a" => list![9], "z" => 1});
    assert_eq!(sub.replica(), Some(dict! {"a" => list![9], "z" => 1}));
    let expected_after_setitem_array = seen[5].1.get("b").unwrap().get("c").unwrap().clone();
    assert!(matches!(expected_after_setitem_array, Value::Array(_)));
}

#[tokio::test]
async fn subscriber_rebuilds_the_v2_recording() {
    subscriber_rebuilds("head/transcripts/sync_struct_head.jsonl", Version::V2).await;
}

#[tokio::test]
async fn subscriber_rebuilds_the_v1_recording() {
    subscriber_rebuilds("v1/transcripts/sync_struct_v1.jsonl", Version::V1).await;
}

#[tokio::test]
async fn broadcaster_replays_the_recording() {
    let session = transcript("head/transcripts/broadcast_head.jsonl");
    let broadcaster = Broadcaster::new();
    let server = common::serve_broadcaster(&broadcaster);
    let mut client = RawClient::connect(server.port).await;
    client.send(&["ARTIQ broadcast", "log"]).await;
    // Wait until the broadcaster registered the receiver: a line broadcast before would be lost.
    timeout(T, broadcaster.wait_receivers("log", 1))
        .await
        .unwrap();
    broadcaster.broadcast("log", &tuple!["INFO", "x"]).unwrap();
    broadcaster
        .broadcast("other", &tuple!["not", "for us"])
        .unwrap();
    broadcaster
        .broadcast("log", &dict! {"k" => list![1, 2]})
        .unwrap();
    for (dir, line) in &session {
        if dir == "s2c" {
            assert_eq!(client.line().await.as_ref(), Some(line));
        }
    }
    server.stop().await;
    assert_eq!(client.line().await, None);
}

#[tokio::test]
async fn receiver_decodes_the_recording() {
    let session = transcript("head/transcripts/broadcast_head.jsonl");
    let (port, fake) = play_publisher(session).await;
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let got2 = got.clone();
    let mut receiver = Receiver::new("log")
        .on_object(move |v| got2.lock().unwrap().push(v))
        .connect("127.0.0.1", port)
        .await
        .unwrap();
    timeout(T, receiver.wait()).await.unwrap().unwrap();
    timeout(T, fake).await.unwrap().unwrap();
    assert_eq!(
        *got.lock().unwrap(),
        [tuple!["INFO", "x"], dict! {"k" => list![1, 2]}]
    );
}
