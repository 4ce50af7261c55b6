//! sync_struct publisher benchmark: fan-out of mods to 100 subscribers, and the publisher's
//! memory while one subscriber is stalled. Prints one `name value` line per figure.
//!
//! `cargo bench -p sync-struct --bench sync` (about 15 s). The subscribers are loopback sockets
//! in this process that count lines, so the figures are the publisher's (the readers share the
//! same cores, as Python's benchmark subscribers did).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use pyon_codec::{Value, dict, tuple};
use sync_struct::{Notifier, Publisher, PublisherOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Notify;

const SUBSCRIBERS: usize = 100;
/// How long the producer runs in the fan-out measure.
const FANOUT_SECONDS: f64 = 5.0;
/// How far (in mods) the producer may run ahead of the slowest subscriber: a sustained rate,
/// not a burst absorbed by queues.
const WINDOW: u64 = 2000;
/// Mods between two checks of the subscribers' progress.
const CHUNK: u64 = 250;

/// One loopback subscriber that counts the lines it receives.
async fn counting_reader(port: u16, count: Arc<AtomicU64>, progress: Arc<Notify>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.set_nodelay(true).ok();
    stream
        .write_all(b"ARTIQ sync_struct\ndata\n")
        .await
        .expect("handshake");
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let lines = buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                count.fetch_add(lines, Ordering::Relaxed);
                progress.notify_one();
            }
        }
    }
}

fn min_count(counts: &[Arc<AtomicU64>]) -> u64 {
    counts
        .iter()
        .map(|c| c.load(Ordering::Relaxed))
        .min()
        .unwrap_or(0)
}

/// A mod like ARTIQ's dataset updates: a small tuple under one of 100 keys.
fn change(data: &Notifier, i: u64) {
    data.at("datasets")
        .setitem(
            format!("counts_{}", i % 100),
            tuple![i, i as f64 * 0.5, "ok"],
        )
        .expect("change");
}

fn server() -> (asyncio_server::Server, u16) {
    let server = asyncio_server::Server::bind(&["127.0.0.1:0".parse().unwrap()]).expect("bind");
    let port = server.local_addrs()[0].port();
    (server, port)
}

async fn fanout() {
    let data = Notifier::new(dict! {"datasets" => dict! {}, "status" => "running"});
    let publisher = Publisher::new();
    publisher.add_notifier("data", data.clone()).unwrap();
    let (server, port) = server();
    let serving = tokio::spawn(publisher.clone().serve(server, std::future::pending()));

    let progress = Arc::new(Notify::new());
    let counts: Vec<Arc<AtomicU64>> = (0..SUBSCRIBERS).map(|_| Arc::default()).collect();
    let readers: Vec<_> = counts
        .iter()
        .map(|c| tokio::spawn(counting_reader(port, c.clone(), progress.clone())))
        .collect();
    // Everyone has its init (1 line) before the clock starts.
    while min_count(&counts) < 1 {
        progress.notified().await;
    }

    let start = Instant::now();
    let mut produced = 0u64;
    while start.elapsed().as_secs_f64() < FANOUT_SECONDS {
        for _ in 0..CHUNK {
            change(&data, produced);
            produced += 1;
        }
        while produced + 1 - min_count(&counts) > WINDOW {
            progress.notified().await;
        }
    }
    while min_count(&counts) < produced + 1 {
        progress.notified().await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(publisher.stats().overflowed, 0, "no subscriber fell behind");
    let mods_per_s = produced as f64 / elapsed;
    println!("sync_fanout_100subs_mods_per_s {mods_per_s:.0}");
    println!(
        "sync_fanout_100subs_deliveries_per_s {:.0}",
        mods_per_s * SUBSCRIBERS as f64
    );
    serving.abort();
    for r in readers {
        r.abort();
    }
}

/// `VmRSS` and `VmHWM` (peak) of this process, in MiB.
fn memory_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<f64>()
                    .ok()
            })
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// One healthy subscriber keeps up while another connects, reads its init and stops reading;
/// the publisher pushes 256 MiB of mods. Unbounded queues (Python) would hold most of that.
async fn stalled() {
    const BYTES: usize = 256 << 20;
    let (rss_before, _) = memory_mb();
    let data = Notifier::new(dict! {"blob" => Value::None});
    let publisher = Publisher::with_options(PublisherOptions::default());
    publisher.add_notifier("data", data.clone()).unwrap();
    let (server, port) = server();
    let serving = tokio::spawn(publisher.clone().serve(server, std::future::pending()));

    let mut stalled = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stalled
        .write_all(b"ARTIQ sync_struct\ndata\n")
        .await
        .unwrap();
    let mut first = [0u8; 1];
    stalled.read_exact(&mut first).await.unwrap();

    let progress = Arc::new(Notify::new());
    let count = Arc::new(AtomicU64::new(0));
    let reader = tokio::spawn(counting_reader(port, count.clone(), progress.clone()));
    while count.load(Ordering::Relaxed) < 1 {
        progress.notified().await;
    }
    let blob = "z".repeat(4096);
    let mods = (BYTES / blob.len()) as u64;
    let mut sent = 0u64;
    while sent < mods {
        for _ in 0..64 {
            data.setitem("blob", format!("{sent}{blob}")).unwrap();
            sent += 1;
        }
        while sent + 1 - count.load(Ordering::Relaxed) > 512 {
            progress.notified().await;
        }
    }
    let (rss_after, peak) = memory_mb();
    println!("sync_publisher_peak_rss_mb_stalled {peak:.1}");
    println!(
        "sync_publisher_rss_growth_mb_stalled {:.1}",
        rss_after - rss_before
    );
    println!(
        "sync_publisher_stalled_cut_off {}",
        publisher.stats().overflowed
    );
    drop(stalled);
    serving.abort();
    reader.abort();
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to parse.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Memory first, so that the peak is the stalled scenario's and not the fan-out's.
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(60), stalled())
            .await
            .expect("stalled scenario in time");
        tokio::time::timeout(Duration::from_secs(60), fanout())
            .await
            .expect("fan-out in time");
    });
}
