//! `cargo bench -p queued-listener --bench queued` (or `cargo xtask bench queued`): prints one
//! `name value` line per figure.
//!
//! - `queued_lossless_datagrams_per_s`: the highest paced rate (stepped from 25k/s up to 400k/s,
//!   half a second each) at which every 16-byte datagram over 127.0.0.1 reached an idle
//!   subscriber, as measured at reception.
//! - `queued_datagrams_per_s`: the reception rate when one thread sends 200,000 datagrams as
//!   fast as it can; `queued_lost` is how many of them never arrived (the kernel dropped them
//!   while the receiving thread was not scheduled), `queued_dropped` what the queue dropped (0:
//!   it is unbounded).
//! - `queued_latency_p50_us` / `_p99_us` / `_max_us`: from the receiving thread's timestamp to
//!   the start of the callback, with an idle consumer and paced datagrams.
//! - `queued_slow_subscriber_worst_delay_ms`: 20,000 datagrams sent as fast as possible to a
//!   subscriber that sleeps 1 ms per item; the worst delay from sending to reception. Its
//!   reference, `queued_slow_subscriber_backlog_ms`, is how long the subscriber took for the
//!   backlog: how late a listener without the queue would have received the last datagram.
//! - `queued_close_ms_max`: the longest of 20 `close` calls of an idle listener; reference
//!   `queued_poll_interval_ms`, the read timeout that bounds how soon the receiving thread sees
//!   the close.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use queued_listener::{Close, QueuedListener, Topics, UdpBroadcaster};

const BURST: u64 = 200_000;
const LATENCY_SAMPLES: usize = 10_000;

fn loopback() -> SocketAddr {
    (Ipv4Addr::LOCALHOST, 0).into()
}

/// Sends `count` datagrams at `rate` per second (`None`: as fast as possible) and returns
/// (received, reception rate per second, dropped by the queue).
fn burst(count: u64, rate: Option<f64>) -> (u64, f64, u64, usize) {
    let mut listener = QueuedListener::on(loopback());
    let received = Arc::new(AtomicU64::new(0));
    let first_last: Arc<Mutex<(Option<Instant>, Option<Instant>)>> = Arc::default();
    let (c, fl) = (Arc::clone(&received), Arc::clone(&first_last));
    listener.subscribe(Topics::All, move |item| {
        let mut fl = fl.lock().unwrap();
        fl.0.get_or_insert(item.received_at);
        fl.1 = Some(item.received_at);
        c.fetch_add(1, Ordering::Release);
    });
    listener.open().expect("open");
    let target = listener.local_addr().unwrap();
    let sender = std::thread::spawn(move || {
        let b = UdpBroadcaster::new(target).unwrap();
        let start = Instant::now();
        let mut payload = [0u8; 16];
        for seq in 0..count {
            if let Some(rate) = rate {
                let due = start + Duration::from_secs_f64(seq as f64 / rate);
                while Instant::now() < due {
                    std::hint::spin_loop();
                }
            }
            payload[..8].copy_from_slice(&seq.to_be_bytes());
            b.publish("bench", &payload).unwrap();
        }
    });
    sender.join().unwrap();
    // Wait until everything is dispatched, or nothing more has arrived for a while.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut last = (u64::MAX, Instant::now());
    while Instant::now() < deadline {
        let n = received.load(Ordering::Acquire);
        if n == count {
            break;
        }
        if n != last.0 {
            last = (n, Instant::now());
        } else if listener.is_empty() && last.1.elapsed() > Duration::from_millis(300) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let n = received.load(Ordering::Acquire);
    let (first, end) = *first_last.lock().unwrap();
    let secs = match (first, end) {
        (Some(a), Some(b)) if b > a => (b - a).as_secs_f64(),
        _ => f64::NAN,
    };
    let buffer = listener.recv_buffer_size().unwrap();
    let dropped = listener.dropped();
    listener.close();
    (n, n as f64 / secs, dropped, buffer)
}

fn throughput() {
    // The highest offered rate that arrives complete, stepping up until something is lost.
    let mut lossless = 0.0;
    for rate in [
        25_000.0, 50_000.0, 100_000.0, 150_000.0, 200_000.0, 300_000.0, 400_000.0,
    ] {
        let count = (rate * 0.5) as u64;
        let (n, measured, _, _) = burst(count, Some(rate));
        if n < count {
            break;
        }
        lossless = measured;
    }
    println!("queued_lossless_datagrams_per_s {lossless:.0}");
    // One thread sending as fast as it can.
    let (n, measured, dropped, buffer) = burst(BURST, None);
    println!("queued_recv_buffer_bytes {buffer}");
    println!("queued_datagrams_per_s {measured:.0}");
    println!("queued_lost {}", BURST - n);
    println!("queued_dropped {dropped}");
}

fn latency() {
    let mut listener = QueuedListener::on(loopback());
    let samples = Arc::new(Mutex::new(Vec::with_capacity(LATENCY_SAMPLES)));
    let s = Arc::clone(&samples);
    let (done_tx, done_rx) = mpsc::channel();
    listener.subscribe(Topics::All, move |item| {
        let latency = item.received_at.elapsed();
        let mut s = s.lock().unwrap();
        s.push(latency);
        if s.len() == LATENCY_SAMPLES {
            let _ = done_tx.send(());
        }
    });
    listener.open().expect("open");
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    for seq in 0..LATENCY_SAMPLES as u64 {
        b.publish("bench", &seq.to_be_bytes()).unwrap();
        // Paced, so that each datagram finds an idle consumer; sleeping rather than spinning
        // leaves the CPU to the receiving and dispatch threads.
        std::thread::sleep(Duration::from_micros(100));
    }
    let _ = done_rx.recv_timeout(Duration::from_secs(10));
    listener.close();
    let mut v = samples.lock().unwrap().clone();
    v.sort();
    let pct = |p: f64| {
        let i = ((v.len() as f64 - 1.0) * p).round() as usize;
        v.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e6)
    };
    println!("queued_latency_samples {}", v.len());
    println!("queued_latency_p50_us {:.1}", pct(0.50));
    println!("queued_latency_p99_us {:.1}", pct(0.99));
    println!("queued_latency_max_us {:.1}", pct(1.0));
}

const SLOW_COUNT: u64 = 20_000;

fn nanos_since_epoch(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_nanos()).unwrap()
}

fn slow_subscriber() {
    let mut listener = QueuedListener::on(loopback());
    let worst = Arc::new(AtomicU64::new(0));
    let (w, (done_tx, done_rx)) = (Arc::clone(&worst), mpsc::channel());
    listener.subscribe(Topics::All, move |item| {
        let p = item.payload.as_bytes().unwrap();
        let seq = u64::from_be_bytes(p[..8].try_into().unwrap());
        let sent_ns = u64::from_be_bytes(p[8..16].try_into().unwrap());
        let delay = nanos_since_epoch(item.received).saturating_sub(sent_ns);
        w.fetch_max(delay, Ordering::Relaxed);
        std::thread::sleep(Duration::from_millis(1));
        if seq == SLOW_COUNT - 1 {
            let _ = done_tx.send(());
        }
    });
    listener.open().expect("open");
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    let start = Instant::now();
    let mut payload = [0u8; 16];
    for seq in 0..SLOW_COUNT {
        payload[..8].copy_from_slice(&seq.to_be_bytes());
        payload[8..].copy_from_slice(&nanos_since_epoch(SystemTime::now()).to_be_bytes());
        b.publish("bench", &payload).unwrap();
    }
    let delivered = done_rx.recv_timeout(Duration::from_secs(120)).is_ok();
    let backlog = start.elapsed();
    println!("queued_slow_subscriber_received {}", listener.received());
    println!(
        "queued_slow_subscriber_worst_delay_ms {:.2}",
        worst.load(Ordering::Relaxed) as f64 / 1e6
    );
    if delivered {
        println!(
            "queued_slow_subscriber_backlog_ms {:.0}",
            backlog.as_secs_f64() * 1e3
        );
    }
    listener.close();
}

fn close_latency() {
    let mut listener = QueuedListener::on(loopback());
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        listener.open().expect("open");
        let start = Instant::now();
        let clean = matches!(listener.close(), Close::Closed(r) if r.is_clean());
        worst = worst.max(start.elapsed());
        assert!(
            clean,
            "listener threads did not stop within the close timeout"
        );
    }
    println!("queued_close_ms_max {:.1}", worst.as_secs_f64() * 1e3);
    println!(
        "queued_poll_interval_ms {:.0}",
        listener.config().poll_interval.as_secs_f64() * 1e3
    );
}

fn main() {
    throughput();
    latency();
    slow_subscriber();
    close_latency();
}
