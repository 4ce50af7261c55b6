//! `cargo xtask bench idict`: how fast an `IDict` publishes, with its references measured in
//! the same run.
//!
//! - `updates_per_s_{0,1,50}_watchers`: a computation changing two keys per update (a counter
//!   and a bounded history), each update delivered to every watcher (Rust subscribers on
//!   loopback) before the clock stops; 0 watchers is the reference.
//! - `notify_update_1mb_us`: one `notify_update()` on a 1 MB state with a small change, one
//!   watcher attached; reference `encode_whole_1mb_us`, the cost of encoding the state once
//!   (what sending the state instead of the change would cost at least).
//! - `bytes_per_update_1mb` vs `state_bytes_1mb`: what a watcher receives per update, against
//!   the size of the state.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use idict::IDict;
use pyon_codec::Value;
use sync_struct::{PublisherOptions, Subscriber, SubscriberHandle};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::watch;

const T: Duration = Duration::from_secs(60);

fn serve(idict: &IDict) -> (idict::Server, u16) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let net = asyncio_server::Server::from_std(vec![listener]).unwrap();
    let server = idict::serve_on(idict, net, PublisherOptions::default()).unwrap();
    let port = server.port().unwrap();
    (server, port)
}

/// A watcher whose channel says the last `n` it has seen.
async fn watcher(port: u16) -> (SubscriberHandle, watch::Receiver<i64>) {
    let (tx, rx) = watch::channel(-1);
    let handle = Subscriber::new("idict")
        .on_mod(move |_, replica| {
            if let Some(n) = replica.get("n").and_then(Value::as_i64) {
                tx.send_if_modified(|seen| {
                    let newer = *seen != n;
                    *seen = n;
                    newer
                });
            }
        })
        .connect("127.0.0.1", port)
        .await
        .unwrap();
    (handle, rx)
}

async fn updates_per_second(watchers: usize, updates: i64) -> f64 {
    let idict = IDict::new();
    idict.lock().set("n", -1);
    idict.notify_update();
    let (server, port) = serve(&idict);
    let mut seen = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..watchers {
        let (h, rx) = watcher(port).await;
        handles.push(h);
        seen.push(rx);
    }
    for rx in &mut seen {
        tokio::time::timeout(T, rx.wait_for(|&n| n == -1))
            .await
            .unwrap()
            .unwrap();
    }
    let start = Instant::now();
    let computation = idict.clone();
    tokio::task::spawn_blocking(move || {
        for n in 0..updates {
            let mut d = computation.lock();
            d.set("n", n);
            d.append_bounded("history", n as f64 * 0.5, 100).unwrap();
            drop(d);
            computation.notify_update();
        }
    })
    .await
    .unwrap();
    for rx in &mut seen {
        tokio::time::timeout(T, rx.wait_for(|&n| n == updates - 1))
            .await
            .expect("every update delivered")
            .unwrap();
    }
    let rate = updates as f64 / start.elapsed().as_secs_f64();
    for h in handles {
        let _ = h.close().await;
    }
    tokio::task::spawn_blocking(move || server.wait_then_close(Duration::ZERO))
        .await
        .unwrap();
    rate
}

async fn one_megabyte() {
    let idict = IDict::new();
    {
        let mut d = idict.lock();
        for i in 0..1000 {
            d.set(format!("key{i:04}"), format!("{i:0>1000}"));
        }
        d.set("n", 0);
    }
    idict.notify_update();
    let state = idict.published();
    let started = Instant::now();
    let rounds = 20;
    let mut state_bytes = 0;
    for _ in 0..rounds {
        state_bytes = pyon_codec::encode(&state).unwrap().len();
    }
    let encode_us = started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);

    let (server, port) = serve(&idict);
    // A raw watcher counting the bytes it receives after the init line.
    let received = Arc::new(AtomicU64::new(0));
    let lines = Arc::new(AtomicU64::new(0));
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    tcp.write_all(b"ARTIQ sync_struct\nidict\n").await.unwrap();
    let mut reader = BufReader::new(tcp);
    let mut init = String::new();
    reader.read_line(&mut init).await.unwrap();
    let (r, l) = (received.clone(), lines.clone());
    let counting = tokio::spawn(async move {
        let mut line = String::new();
        while reader.read_line(&mut line).await.is_ok_and(|n| n > 0) {
            r.fetch_add(line.len() as u64, Ordering::Relaxed);
            l.fetch_add(1, Ordering::Relaxed);
            line.clear();
        }
    });
    let updates = 2000_i64;
    let computation = idict.clone();
    let per_update_us = tokio::task::spawn_blocking(move || {
        let mut total = Duration::ZERO;
        for n in 1..=updates {
            computation.lock().set("n", n);
            let t = Instant::now();
            computation.notify_update();
            total += t.elapsed();
        }
        total.as_secs_f64() * 1e6 / updates as f64
    })
    .await
    .unwrap();
    // One mod per update; wait until all have arrived.
    let deadline = Instant::now() + T;
    while lines.load(Ordering::Relaxed) < updates as u64 {
        assert!(Instant::now() < deadline, "mods missing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let per_update_bytes = received.load(Ordering::Relaxed) as f64 / updates as f64;
    println!("notify_update_1mb_us {per_update_us:.2}");
    println!("encode_whole_1mb_us {encode_us:.0}");
    println!("bytes_per_update_1mb {per_update_bytes:.0}");
    println!("state_bytes_1mb {state_bytes}");
    counting.abort();
    tokio::task::spawn_blocking(move || server.wait_then_close(Duration::ZERO))
        .await
        .unwrap();
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; nothing else is taken.
    let updates = 20_000;
    for watchers in [0, 1, 50] {
        let rate = updates_per_second(watchers, updates).await;
        let noun = if watchers == 1 { "watcher" } else { "watchers" };
        println!("updates_per_s_{watchers}_{noun} {rate:.0}");
    }
    one_megabyte().await;
}
