//! The acceptance test of the queued listener: a subscriber that is stuck for the whole of a
//! 20,000-datagram burst sent as fast as possible loses nothing; everything is delivered in
//! order, with monotonic receive times. (How late a slow subscriber makes reception, in time,
//! is a figure of `cargo xtask bench queued`, not an assertion here.)

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use queued_listener::{QueuedListener, Topics, UdpBroadcaster};

const COUNT: u64 = 20_000;
/// A bound on every wait, far beyond what the events need, so that a broken build fails.
const WAIT: Duration = Duration::from_secs(120);

fn nanos_since_epoch(t: SystemTime) -> u64 {
    u64::try_from(t.duration_since(UNIX_EPOCH).unwrap().as_nanos()).unwrap()
}

#[test]
fn stuck_subscriber_loses_nothing_of_a_fast_burst() {
    let mut listener = QueuedListener::on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    let (entered_tx, entered_rx) = mpsc::channel();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let gate_rx = Mutex::new(gate_rx);
    let (tx, rx) = mpsc::channel();
    listener.subscribe(Topics::one("seq"), move |item| {
        let p = item.payload.as_bytes().unwrap();
        let seq = u64::from_be_bytes(p[..8].try_into().unwrap());
        let sent_ns = u64::from_be_bytes(p[8..16].try_into().unwrap());
        if seq == 0 {
            // Stuck on the first item until the whole burst has been received.
            entered_tx.send(()).unwrap();
            gate_rx.lock().unwrap().recv_timeout(WAIT).unwrap();
        }
        tx.send((seq, sent_ns, item.received)).unwrap();
    });
    listener.open().unwrap();
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
    entered_rx.recv_timeout(WAIT).unwrap();
    sender.join().unwrap();
    assert!(
        listener.wait_received(COUNT, WAIT),
        "received {} of {COUNT} while the subscriber was stuck",
        listener.received()
    );
    assert_eq!(
        listener.dispatched(),
        0,
        "the subscriber is still in item 0"
    );
    assert_eq!(listener.len() as u64, COUNT - 1);
    gate_tx.send(()).unwrap();

    let got: Vec<_> = (0..COUNT).map(|_| rx.recv_timeout(WAIT).unwrap()).collect();
    assert_eq!(listener.received(), COUNT);
    assert_eq!(listener.dropped(), 0);
    for (i, (seq, sent_ns, received)) in got.iter().enumerate() {
        assert_eq!(*seq, i as u64, "out of order");
        // Same-host clocks: a datagram cannot be received before it was sent (1 ms of slack
        // for the wall clock's own adjustments).
        assert!(
            nanos_since_epoch(*received) + 1_000_000 >= *sent_ns,
            "item {i} received before it was sent"
        );
    }
    assert!(
        got.windows(2).all(|w| w[0].2 <= w[1].2),
        "receive times are not monotonic"
    );
}
