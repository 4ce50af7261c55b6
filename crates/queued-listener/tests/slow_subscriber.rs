//! The acceptance test of the issue: a subscriber that sleeps 1 ms per item, 20,000 datagrams
//! sent as fast as possible, all delivered, in order, with monotonic receive times close to the
//! send times.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use queued_listener::{QueuedListener, Topics, UdpBroadcaster};

const COUNT: u64 = 20_000;

fn nanos_since_epoch(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_nanos()).unwrap()
}

#[test]
fn slow_subscriber_loses_nothing_of_a_fast_burst() {
    let mut listener = QueuedListener::on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    let (tx, rx) = mpsc::channel();
    listener.subscribe(Topics::one("seq"), move |item| {
        let p = item.payload.as_bytes().unwrap();
        let seq = u64::from_be_bytes(p[..8].try_into().unwrap());
        let sent_ns = u64::from_be_bytes(p[8..16].try_into().unwrap());
        tx.send((seq, sent_ns, item.received)).unwrap();
        std::thread::sleep(Duration::from_millis(1));
    });
    listener.open().unwrap();
    eprintln!(
        "receive buffer granted: {} bytes",
        listener.recv_buffer_size().unwrap()
    );
    let target = listener.local_addr().unwrap();

    let sender = std::thread::spawn(move || {
        let b = UdpBroadcaster::new(target).unwrap();
        let mut payload = [0u8; 16];
        for seq in 0..COUNT {
            payload[..8].copy_from_slice(&seq.to_be_bytes());
            payload[8..].copy_from_slice(&nanos_since_epoch(SystemTime::now()).to_be_bytes());
            b.publish("seq", &payload).unwrap();
        }
    });
    let send_started = Instant::now();
    sender.join().unwrap();
    eprintln!("sent {COUNT} datagrams in {:?}", send_started.elapsed());

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut got = Vec::with_capacity(COUNT as usize);
    while (got.len() as u64) < COUNT {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left.min(Duration::from_secs(2))) {
            Ok(x) => got.push(x),
            Err(_) => {
                // Fail fast once everything the socket gave us has been dispatched.
                let drained = listener.is_empty() && listener.dispatched() == listener.received();
                assert!(
                    !drained && Instant::now() < deadline,
                    "only {} of {COUNT} delivered (received {}, dropped by queue {})",
                    got.len(),
                    listener.received(),
                    listener.dropped()
                );
            }
        }
    }
    eprintln!("dispatched in {:?}", send_started.elapsed());
    assert_eq!(listener.received(), COUNT);
    assert_eq!(listener.dropped(), 0);

    let mut worst = 0u64;
    for (i, (seq, sent_ns, received)) in got.iter().enumerate() {
        assert_eq!(*seq, i as u64, "out of order");
        let received_ns = nanos_since_epoch(*received);
        let delay = received_ns.saturating_sub(*sent_ns);
        worst = worst.max(delay);
        // Generous for a loaded machine: a queued listener receives at once; a listener that
        // received only as its subscriber got through the backlog would be ~20 s late.
        assert!(
            delay < 1_000_000_000,
            "item {i} received {delay} ns after sending"
        );
        // Same-host clocks: a datagram cannot be received before it was sent (1 ms of slack).
        assert!(
            received_ns + 1_000_000 >= *sent_ns,
            "item {i} received before it was sent"
        );
    }
    assert!(
        got.windows(2).all(|w| w[0].2 <= w[1].2),
        "receive times are not monotonic"
    );
    eprintln!("worst send-to-receive delay: {} µs", worst / 1000);
}
