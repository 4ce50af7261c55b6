//! An `IDict` served on a loopback port, watched and steered by the Rust subscriber and client
//! (no Python needed).

use std::collections::HashSet;
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use idict::{IDict, Status};
use pyon_codec::{Dict, Value, dict, list};
use rpc_client::AsyncClient;
use sync_struct::{PublisherOptions, Subscriber, SubscriberHandle};
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::timeout;

const T: Duration = Duration::from_secs(30);

fn start(idict: &IDict, options: PublisherOptions) -> (idict::Server, u16) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let net = asyncio_server::Server::from_std(vec![listener]).unwrap();
    let server = idict::serve_on(idict, net, options).unwrap();
    let port = server.port().unwrap();
    (server, port)
}

/// A subscriber whose replicas (after each mod) arrive on a channel.
async fn replicas(name: &str, port: u16) -> (SubscriberHandle, UnboundedReceiver<Value>) {
    let (tx, rx) = unbounded_channel();
    let handle = Subscriber::new(name)
        .on_mod(move |_, replica| {
            let _ = tx.send(replica.clone());
        })
        .connect("127.0.0.1", port)
        .await
        .unwrap();
    (handle, rx)
}

/// Receives replicas until one satisfies `done`; returns it.
async fn until(rx: &mut UnboundedReceiver<Value>, mut done: impl FnMut(&Value) -> bool) -> Value {
    timeout(T, async {
        loop {
            let v = rx.recv().await.expect("subscription ended");
            if done(&v) {
                return v;
            }
        }
    })
    .await
    .expect("timed out waiting for a replica")
}

fn status_of(v: &Value) -> Status {
    Status::from_value(v).expect("a status dict")
}

/// Changes of every kind, different at each step.
fn step(idict: &IDict, k: i64) {
    let mut d = idict.lock();
    d.set("k", k);
    if k % 3 == 0 {
        d.append_bounded("history", k as f64 * 0.5, 5).unwrap();
    }
    if k % 5 == 1 {
        d.remove("tmp");
    } else {
        d.set("tmp", list![k, "x"]);
    }
    if k % 7 == 2
        && let Some(Value::Dict(nested)) = d.get_mut("nested")
    {
        nested.insert(Value::Int(k), Value::Bool(k % 2 == 0));
    }
    if k % 4 == 3
        && d.get("history")
            .and_then(Value::as_seq)
            .is_some_and(|h| !h.is_empty())
    {
        d.pop("history", 0).unwrap();
    }
    if k % 11 == 5 {
        d.set("big", "y".repeat(1000 + k as usize));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_equals_the_state_after_every_update() {
    let idict = IDict::new();
    idict.lock().set("nested", dict! {"a" => 1});
    idict.notify_update();
    let (server, port) = start(&idict, PublisherOptions::default());
    let (contents, mut rx) = replicas("idict", port).await;
    let (status, mut status_rx) = replicas("status", port).await;
    let init = until(&mut rx, |_| true).await;
    assert_eq!(init, idict.published());
    for k in 0..80 {
        step(&idict, k);
        idict.notify_update();
        let state = Value::Dict(idict.lock().dict().clone());
        assert_eq!(idict.published(), state, "published copy after update {k}");
        if contents.replica().as_ref() != Some(&state) {
            until(&mut rx, |r| *r == state).await;
        }
        let updates = idict.status().updates;
        until(&mut status_rx, |s| status_of(s).updates == updates).await;
    }
    assert_eq!(contents.replica(), Some(idict.published()));
    contents.close().await.unwrap();
    status.close().await.unwrap();
    server.wait_then_close(T);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_parks_the_computation_resume_restarts_it_terminate_ends_it_once() {
    let idict = IDict::new();
    let finals = Arc::new(AtomicUsize::new(0));
    let seen = finals.clone();
    idict.add_callback(move |view| {
        if view.status().is_final {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    });
    let (server, port) = start(&idict, PublisherOptions::default());
    let computation = idict.clone();
    let thread = std::thread::spawn(move || {
        let mut n = 0_i64;
        while !computation.terminated() {
            computation.wait();
            n += 1;
            computation.lock().set("n", n);
            computation.notify_update();
            std::thread::sleep(Duration::from_millis(2)); // the work of one step
        }
        computation.notify_update_final();
        n
    });
    let (_status, mut status_rx) = replicas("status", port).await;
    let client = AsyncClient::connect("127.0.0.1", port, "computation")
        .await
        .unwrap();
    let methods: HashSet<&str> = client
        .method_names()
        .unwrap()
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(
        methods,
        HashSet::from(["pause", "resume", "terminate", "status"])
    );
    let call = |method: &'static str| {
        let client = client.clone();
        async move { status_of(&client.call(method, (), Dict::new()).await.unwrap()) }
    };
    until(&mut status_rx, |s| status_of(s).updates > 3).await;

    assert!(call("pause").await.paused);
    let parked = idict.clone();
    let is_parked = tokio::task::spawn_blocking(move || parked.wait_parked(T))
        .await
        .unwrap();
    assert!(is_parked, "the computation's thread is parked in wait()");
    let frozen = idict.status().updates;
    let status = call("status").await;
    assert!(status.paused && !status.terminated);
    assert_eq!(status.updates, frozen);
    assert!(idict.parked());
    until(&mut status_rx, |s| {
        status_of(s).paused && status_of(s).updates == frozen
    })
    .await;

    assert!(!call("resume").await.paused);
    until(&mut status_rx, |s| status_of(s).updates > frozen + 2).await;

    call("pause").await;
    let status = call("terminate").await;
    assert!(status.terminated && status.paused);
    let steps = tokio::task::spawn_blocking(move || thread.join().unwrap())
        .await
        .unwrap();
    let last = until(&mut status_rx, |s| status_of(s).is_final).await;
    assert_eq!(finals.load(Ordering::SeqCst), 1, "exactly one final update");
    assert_eq!(status_of(&last).updates, u64::try_from(steps).unwrap() + 1);
    // The server outlives the computation: its `terminate` only stopped the computation.
    let status = call("status").await;
    assert!(status.is_final && status.terminated);
    client.close_rpc().await;
    server.wait_then_close(T);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_that_falls_behind_is_cut_off_and_reconnects_to_a_fresh_snapshot() {
    let idict = IDict::new();
    let options = PublisherOptions {
        backlog_limit: 64 << 10,
        ..PublisherOptions::default()
    };
    let (server, port) = start(&idict, options);
    // A watcher that subscribes and then never reads.
    let mut stalled = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    stalled
        .write_all(b"ARTIQ sync_struct\nidict\n")
        .await
        .unwrap();
    let mut updates = 0;
    while server.stats().overflowed == 0 {
        assert!(updates < 20_000, "the stalled watcher was never cut off");
        let fill = char::from(b'a' + (updates % 26) as u8);
        idict.lock().set("blob", fill.to_string().repeat(10_000));
        idict.notify_update();
        updates += 1;
        if updates % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    // Reconnecting gives the current state at once.
    let (_again, mut again_rx) = replicas("idict", port).await;
    assert_eq!(until(&mut again_rx, |_| true).await, idict.published());
    drop(stalled);
    server.wait_then_close(T);
}
