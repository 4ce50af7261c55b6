//! The wire, line by line, as the Python peers write it: the client lines of the recorded
//! Python sessions (`tests/golden/head/transcripts/`) are replayed against an idict server,
//! and its answers have the recorded shapes.

use std::net::{Ipv4Addr, TcpListener};
use std::time::Duration;

use asyncio_server::Connection;
use idict::IDict;
use pyon_codec::{Value, list};
use sync_struct::PublisherOptions;

const T: Duration = Duration::from_secs(30);

/// The lines of one direction of a recorded session.
fn recorded(name: &str, dir: &str) -> Vec<String> {
    let path = format!(
        "{}/../../tests/golden/head/transcripts/{name}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|m| m["dir"] == dir)
        .map(|m| m["line"].as_str().unwrap().to_owned())
        .collect()
}

fn start(idict: &IDict) -> (idict::Server, u16) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let net = asyncio_server::Server::from_std(vec![listener]).unwrap();
    let server = idict::serve_on(idict, net, PublisherOptions::default()).unwrap();
    let port = server.port().unwrap();
    (server, port)
}

async fn connect(port: u16) -> Connection {
    asyncio_server::connect("127.0.0.1", port, None, T)
        .await
        .unwrap()
}

async fn read(conn: &mut Connection) -> String {
    tokio::time::timeout(T, conn.read_line())
        .await
        .unwrap()
        .unwrap()
        .expect("a line")
}

#[tokio::test]
async fn a_python_subscriber_receives_the_changes_only() {
    let idict = IDict::new();
    {
        let mut d = idict.lock();
        d.set("big", "x".repeat(100_000));
        d.set("history", list![1.0]);
    }
    idict.notify_update();
    let (server, port) = start(&idict);
    let python = recorded("sync_struct_head", "c2s");
    assert_eq!(python[0], sync_struct::SYNC_STRUCT_BANNER);
    let mut conn = connect(port).await;
    // The recorded subscriber's banner, then our notifier's name instead of `data`.
    conn.write_lines([python[0].as_str(), "idict"])
        .await
        .unwrap();
    let init = read(&mut conn).await;
    let recorded_init = &recorded("sync_struct_head", "s2c")[0];
    let prefix = r#"{"action":"init","struct":"#;
    assert!(recorded_init.starts_with(prefix) && init.starts_with(prefix));
    assert_eq!(
        pyon_codec::decode(&init).unwrap().get("struct"),
        Some(&idict.published())
    );
    {
        let mut d = idict.lock();
        d.append_bounded("history", 2.5, 2).unwrap();
        d.set("n", 1);
    }
    idict.notify_update();
    // One update, two mods, in Python's format; the 100 kB key is not sent again.
    assert_eq!(
        read(&mut conn).await,
        r#"{"action":"append","path":["history"],"x":2.5}"#
    );
    assert_eq!(
        read(&mut conn).await,
        r#"{"action":"setitem","path":[],"key":"n","value":1}"#
    );
    {
        let mut d = idict.lock();
        d.append_bounded("history", 3.5, 2).unwrap();
    }
    idict.notify_update();
    assert_eq!(
        read(&mut conn).await,
        r#"{"action":"append","path":["history"],"x":3.5}"#
    );
    assert_eq!(
        read(&mut conn).await,
        r#"{"action":"pop","path":["history"],"i":0}"#
    );
    server.wait_then_close(T);
}

#[tokio::test]
async fn a_python_rpc_client_steers_the_computation() {
    let idict = IDict::new();
    let (server, port) = start(&idict);
    let python = recorded("pc_rpc_head_call", "c2s");
    let answers = recorded("pc_rpc_head_call", "s2c");
    let mut conn = connect(port).await;
    conn.write_line(&python[0]).await.unwrap(); // ARTIQ pc_rpc
    let id = read(&mut conn).await;
    assert_eq!(
        id,
        format!(
            r#"{{"targets":["computation"],"description":"{}","features":["pyon_v2"]}}"#,
            idict::DESCRIPTION
        )
    );
    assert!(answers[0].ends_with(r#","features":["pyon_v2"]}"#));
    // The recorded selection `demo pyon_v2`, for our target.
    let selection = python[1].replace("demo", "computation");
    assert_eq!(selection, "computation pyon_v2");
    conn.write_line(&selection).await.unwrap();
    let methods = pyon_codec::decode(&read(&mut conn).await).unwrap();
    let Value::Set(mut names) = methods else {
        panic!("not a set: {methods:?}")
    };
    names.sort_by_key(|n| n.as_str().map(str::to_owned));
    assert_eq!(
        names,
        ["pause", "resume", "status", "terminate"].map(Value::str)
    );
    // A call in the recorded shape (`echo(5)` there, `pause()` here).
    let call = python[2]
        .replace(r#""name":"echo""#, r#""name":"pause""#)
        .replace("[[5]]", "[[]]");
    assert_eq!(
        call,
        r#"{"action":"call","name":"pause","args":{"__jsonclass__":["tuple",[[]]]},"kwargs":{}}"#
    );
    conn.write_line(&call).await.unwrap();
    let reply = read(&mut conn).await;
    let started = pyon_codec::float_repr(idict.status().started);
    assert_eq!(
        reply,
        format!(
            r#"{{"status":"ok","ret":{{"paused":true,"terminated":false,"final":false,"updates":0,"started":{started}}}}}"#
        )
    );
    assert!(idict.status().paused);
    // No built-in terminate: the target's own stops the computation, not the server.
    conn.write_line(&call.replace("pause", "terminate"))
        .await
        .unwrap();
    assert!(read(&mut conn).await.contains(r#""terminated":true"#));
    assert!(idict.terminated());
    conn.write_line(&call.replace("pause", "status"))
        .await
        .unwrap();
    assert!(
        read(&mut conn)
            .await
            .starts_with(r#"{"status":"ok","ret":{"paused":true"#)
    );
    server.wait_then_close(T);
}
