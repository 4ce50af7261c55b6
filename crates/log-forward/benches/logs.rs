//! Log forwarding figures, one `name value` line each (`cargo xtask bench logs`):
//!
//! - `logs_forwarded_records_per_s`: records per second from `tracing` calls through a
//!   `LogForwarder` to a `LogServer` (in process, over loopback TCP), counted at the server;
//! - `logs_call_ns_server_up`: cost of one log call on the application thread while the
//!   server is up (calls timed in bursts that fit in the queue, so none is dropped);
//! - `logs_call_ns_server_down`: the same while the server is away (the queue is full, every
//!   call is a counted drop).
//!
//! Bounded to a few seconds.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use log_forward::{LogForwarder, LogRecord, LogServer};
use tracing_subscriber::prelude::*;

const WAIT: Duration = Duration::from_secs(30);

fn main() {
    let received = Arc::new(AtomicU64::new(0));
    let port = start_server(received.clone());
    forwarded_records_per_s(port, &received);
    call_cost_server_up(port);
    call_cost_server_down();
}

/// A log server on its own runtime thread, counting the records it receives.
fn start_server(received: Arc<AtomicU64>) -> u16 {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = runtime.block_on(async {
        let server = asyncio_server::Server::bind(&["127.0.0.1:0".parse().unwrap()]).unwrap();
        LogServer::new(server).with_sink(move |_record: LogRecord| {
            received.fetch_add(1, Ordering::Relaxed);
        })
    });
    let port = server.local_addrs()[0].port();
    std::thread::spawn(move || runtime.block_on(server.serve(std::future::pending())));
    port
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_micros(200));
    }
}

fn forwarded_records_per_s(port: u16, received: &AtomicU64) {
    const QUEUE: usize = 65_536;
    const RUN: Duration = Duration::from_secs(3);
    let forwarder = LogForwarder::builder("127.0.0.1", port)
        .source("bench")
        .queue_size(QUEUE)
        .retry(Duration::from_millis(20))
        .start()
        .unwrap();
    let handle = forwarder.handle();
    let subscriber = tracing_subscriber::registry().with(forwarder);
    tracing::subscriber::with_default(subscriber, || {
        handle.wait_for(WAIT, |s| s.connected).unwrap();
        let before = received.load(Ordering::Relaxed);
        let start = Instant::now();
        let mut i = 0u64;
        while start.elapsed() < RUN {
            // Keep the queue from overflowing: this measures delivery, not drops.
            if handle.stats().pending() > (QUEUE as u64) * 3 / 4 {
                std::thread::yield_now();
                continue;
            }
            for _ in 0..256 {
                tracing::info!(target: "bench.ctl", "record number {i} with some text");
                i += 1;
            }
        }
        let queued = handle.stats().queued;
        handle.flush(WAIT).unwrap();
        wait_until("the server to receive every record", || {
            received.load(Ordering::Relaxed) - before >= queued
        });
        let elapsed = start.elapsed().as_secs_f64();
        let delivered = received.load(Ordering::Relaxed) - before;
        println!(
            "logs_forwarded_records_per_s {:.0}",
            delivered as f64 / elapsed
        );
        assert_eq!(handle.dropped(), 0);
        handle.shutdown();
    });
}

fn call_cost_server_up(port: u16) {
    const BURST: u64 = 500;
    const BURSTS: u64 = 400;
    let forwarder = LogForwarder::builder("127.0.0.1", port)
        .source("bench")
        .retry(Duration::from_millis(20))
        .start()
        .unwrap();
    let handle = forwarder.handle();
    let subscriber = tracing_subscriber::registry().with(forwarder);
    tracing::subscriber::with_default(subscriber, || {
        handle.wait_for(WAIT, |s| s.connected).unwrap();
        let mut timed = Duration::ZERO;
        for burst in 0..BURSTS {
            let start = Instant::now();
            for i in 0..BURST {
                tracing::info!(target: "bench.ctl", "record number {} with some text", burst * BURST + i);
            }
            timed += start.elapsed();
            handle.flush(WAIT).unwrap();
        }
        assert_eq!(handle.dropped(), 0);
        println!(
            "logs_call_ns_server_up {:.0}",
            timed.as_nanos() as f64 / (BURST * BURSTS) as f64
        );
        handle.shutdown();
    });
}

fn call_cost_server_down() {
    const CALLS: u64 = 1_000_000;
    // Bound but not listening: every connection attempt is refused.
    let reserved =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    reserved.bind(&addr.into()).unwrap();
    let port = reserved.local_addr().unwrap().as_socket().unwrap().port();
    let forwarder = LogForwarder::builder("127.0.0.1", port)
        .source("bench")
        .start()
        .unwrap();
    let handle = forwarder.handle();
    let subscriber = tracing_subscriber::registry().with(forwarder);
    tracing::subscriber::with_default(subscriber, || {
        let start = Instant::now();
        for i in 0..CALLS {
            tracing::info!(target: "bench.ctl", "record number {i} with some text");
        }
        let elapsed = start.elapsed();
        let stats = handle.stats();
        assert_eq!(stats.queued + stats.dropped, CALLS);
        println!(
            "logs_call_ns_server_down {:.0}",
            elapsed.as_nanos() as f64 / CALLS as f64
        );
        handle.shutdown();
    });
}
