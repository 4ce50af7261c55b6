//! Peers that misbehave lose their own connection; everyone else goes on being served.

mod common;

use std::net::SocketAddr;

use common::{RawClient, start_with_limit, timed};
use pyon_codec::Value;
use rpc_core::{Server, rpc_target};
use tokio::io::AsyncWriteExt;

/// Line limit of these servers, small so that over-long lines are cheap to send.
const LIMIT: usize = 64 * 1024;

struct Echo;

#[rpc_target]
impl Echo {
    fn echo(&self, x: Value) -> Value {
        x
    }
}

async fn echo_server() -> SocketAddr {
    let server = Server::builder().target("test", Echo).build();
    start_with_limit(server, LIMIT).await.0
}

/// A well-behaved client, connected before the hostile one and used after it.
async fn check_served(client: &mut RawClient, n: i64) {
    let reply = client.call("echo", vec![Value::Int(n)]).await;
    assert_eq!(reply.get("ret"), Some(&Value::Int(n)));
}

/// Reads until the server closes; fails if it sends anything but the allowed lines.
async fn expect_closed(client: &mut RawClient, allowed: &[&str]) {
    let mut got = Vec::new();
    while let Some(line) = client.recv().await {
        got.push(line);
        assert!(got.len() <= allowed.len(), "unexpected lines {got:?}");
    }
    for (line, prefix) in got.iter().zip(allowed) {
        assert!(line.starts_with(prefix), "unexpected line {line:?}");
    }
}

#[tokio::test]
async fn wrong_banner_is_closed_without_a_word() {
    let addr = echo_server().await;
    let mut good = RawClient::handshake(addr, "test pyon_v2").await;
    for banner in ["ARTIQ sync_struct", "ARTIQ pc_rpc ", "GET / HTTP/1.1", ""] {
        let mut bad = RawClient::connect(addr).await;
        bad.send(banner).await;
        expect_closed(&mut bad, &[]).await;
        check_served(&mut good, 1).await;
    }
}

#[tokio::test]
async fn unknown_target_or_feature_is_closed() {
    let addr = echo_server().await;
    let mut good = RawClient::handshake(addr, "test pyon_v2").await;
    for line in [
        "nope",
        "nope pyon_v2",
        "test pyon_v3",
        "test pyon_v2 extra",
        "",
    ] {
        let mut bad = RawClient::connect(addr).await;
        bad.send("ARTIQ pc_rpc").await;
        bad.send(line).await;
        expect_closed(&mut bad, &["{\"targets\":"]).await;
        check_served(&mut good, 2).await;
    }
}

#[tokio::test]
async fn undecodable_request_ends_the_connection() {
    let addr = echo_server().await;
    let mut good = RawClient::handshake(addr, "test pyon_v2").await;
    for garbage in ["{not json", "[1, 2", "nan", "\u{1}", "(1, )"] {
        let mut bad = RawClient::handshake(addr, "test pyon_v2").await;
        bad.send(garbage).await;
        expect_closed(&mut bad, &[]).await;
        check_served(&mut good, 3).await;
    }
    // Requests before the bad line are answered.
    let mut bad = RawClient::handshake(addr, "test pyon_v2").await;
    let call = "{\"action\":\"call\",\"name\":\"echo\",\"args\":[1],\"kwargs\":{}}";
    bad.writer
        .write_all(format!("{call}\n{call}\n{{oops\n{call}\n").as_bytes())
        .await
        .unwrap();
    let ok = "{\"status\":\"ok\",\"ret\":1}";
    assert_eq!(bad.recv().await.as_deref(), Some(ok));
    assert_eq!(bad.recv().await.as_deref(), Some(ok));
    expect_closed(&mut bad, &[]).await;

    // A decodable but malformed request gets a `failed` reply and the connection goes on.
    let mut odd = RawClient::handshake(addr, "test pyon_v2").await;
    odd.send("{\"action\":\"dance\"}").await;
    assert_eq!(
        odd.recv().await.unwrap(),
        r#"{"status":"failed","exception":{"class":"ValueError","message":"Unknown action: dance","traceback":[]}}"#
    );
    check_served(&mut odd, 4).await;
}

#[tokio::test]
async fn over_long_line_ends_the_connection() {
    let addr = echo_server().await;
    let mut good = RawClient::handshake(addr, "test pyon_v2").await;
    // Before the handshake, and after it.
    let mut bad = RawClient::connect(addr).await;
    let long = vec![b'x'; LIMIT + 10];
    let _ = bad.writer.write_all(&long).await;
    expect_closed(&mut bad, &[]).await;
    check_served(&mut good, 5).await;

    let mut bad = RawClient::handshake(addr, "test pyon_v2").await;
    let text = format!("\"{}\"", "y".repeat(LIMIT));
    let _ = bad.writer.write_all(text.as_bytes()).await;
    expect_closed(&mut bad, &[]).await;
    check_served(&mut good, 6).await;
}

#[tokio::test]
async fn a_client_that_never_reads_does_not_stall_others() {
    let addr = echo_server().await;
    let mut good = RawClient::handshake(addr, "test pyon_v2").await;
    let mut greedy = RawClient::handshake(addr, "test pyon_v2").await;
    // 2,000 calls of ~10 kB replies: far more than the socket buffers hold. The writer task
    // blocks once they are full; the server's task for this connection blocks likewise.
    let payload = format!(
        "{{\"action\":\"call\",\"name\":\"echo\",\"args\":{{\"__jsonclass__\":[\"tuple\",[[\"{}\"]]]}},\"kwargs\":{{}}}}\n",
        "z".repeat(10_000)
    );
    let flood = tokio::spawn(async move {
        for _ in 0..2000 {
            if greedy.writer.write_all(payload.as_bytes()).await.is_err() {
                break;
            }
        }
        greedy
    });
    for n in 0..50 {
        check_served(&mut good, n).await;
    }
    // A new client is served too.
    let mut late = RawClient::handshake(addr, "test").await;
    late.send("{\"action\": \"call\", \"name\": \"echo\", \"args\": (7, ), \"kwargs\": {}}")
        .await;
    assert_eq!(
        late.recv().await.unwrap(),
        "{\"status\": \"ok\", \"ret\": 7}"
    );
    flood.abort();
}

#[tokio::test]
async fn a_thousand_dropped_connections() {
    let addr = echo_server().await;
    for i in 0..1000 {
        let mut c = RawClient::connect(addr).await;
        match i % 4 {
            0 => {}
            1 => c.send("ARTIQ pc_rpc").await,
            2 => {
                let _ = c.writer.write_all(b"ARTIQ pc").await;
            }
            _ => {
                c.send("ARTIQ pc_rpc").await;
                c.recv().await;
                c.send("test pyon_v2").await;
            }
        }
    }
    let mut good = timed("handshake", RawClient::handshake(addr, "test pyon_v2")).await;
    check_served(&mut good, 8).await;
}

#[tokio::test]
async fn deeply_nested_requests() {
    // Debug builds need much stack per nesting level: test with a modest limit.
    let server = Server::builder()
        .target("test", Echo)
        .max_request_depth(100)
        .build();
    let addr = start_with_limit(server, LIMIT).await.0;
    let mut good = RawClient::handshake(addr, "test pyon_v2").await;
    for (depth, served) in [(90, true), (101, false), (5000, false)] {
        let mut c = RawClient::handshake(addr, "test pyon_v2").await;
        let arg = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        c.send(&format!(
            "{{\"action\":\"call\",\"name\":\"echo\",\"args\":[{arg}],\"kwargs\":{{}}}}"
        ))
        .await;
        let reply = c.recv().await;
        assert_eq!(reply.is_some(), served, "depth {depth}");
        if let Some(reply) = reply {
            assert!(reply.starts_with("{\"status\":\"ok\",\"ret\":[[[["));
        }
        check_served(&mut good, 9).await;
    }
}
