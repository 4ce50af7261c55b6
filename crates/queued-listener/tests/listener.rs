//! QueuedListener and UdpBroadcaster on loopback: payloads, topics, open/close, limits, queue
//! bounds.

mod common;

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyon_codec::Value;
use queued_listener::wire::{HEADER_LEN, MAX_DATAGRAM};
use queued_listener::{
    Capacity, Close, Error, Item, ListenerConfig, Open, Overflow, Payload, QueuedListener, Topics,
    UdpBroadcaster,
};

const WAIT: Duration = Duration::from_secs(20);

fn v4() -> SocketAddr {
    (Ipv4Addr::LOCALHOST, 0).into()
}

/// Opens a listener with one subscriber to `topics` that forwards every item to a channel.
fn open_forwarding(
    config: ListenerConfig,
    topics: Topics,
) -> (QueuedListener, mpsc::Receiver<Item>) {
    let mut listener = QueuedListener::new(config);
    let (tx, rx) = mpsc::channel();
    listener.subscribe(topics, move |item| {
        let _ = tx.send(item.clone());
    });
    assert_eq!(listener.open().unwrap(), Open::Opened);
    (listener, rx)
}

fn recv(rx: &mpsc::Receiver<Item>) -> Item {
    rx.recv_timeout(WAIT).expect("no item within the deadline")
}

#[test]
fn delivers_bytes_and_pyon_values_in_order() {
    let (listener, rx) = open_forwarding(ListenerConfig::new(v4()), Topics::All);
    let addr = listener.local_addr().unwrap();
    let b = UdpBroadcaster::new(addr).unwrap();
    let value = Value::List(vec![Value::Int(1), Value::str("x"), Value::Float(2.5)]);
    let before = std::time::SystemTime::now();
    b.publish("raw", b"\x00\x01binary").unwrap();
    b.publish_value("pyon", &value).unwrap();
    b.publish("empty", b"").unwrap();

    let items: Vec<Item> = (0..3).map(|_| recv(&rx)).collect();
    assert_eq!(items[0].topic, "raw");
    assert_eq!(items[0].payload, Payload::Bytes(b"\x00\x01binary".to_vec()));
    assert_eq!(items[1].topic, "pyon");
    assert_eq!(items[1].payload.as_value(), Some(&value));
    assert_eq!(items[2].payload.as_bytes(), Some(&b""[..]));
    assert_eq!(
        items[0].source,
        SocketAddr::from((Ipv4Addr::LOCALHOST, b.local_addr().unwrap().port()))
    );
    assert!(items.iter().all(|i| i.received >= before));
    assert!(
        items
            .windows(2)
            .all(|w| w[0].received_at <= w[1].received_at)
    );
    assert_eq!(listener.received(), 3);
    assert!(listener.recv_buffer_size().unwrap() > 0);
}

#[test]
fn works_on_ipv6_loopback() {
    let addr: SocketAddr = (Ipv6Addr::LOCALHOST, 0).into();
    if UdpSocket::bind(addr).is_err() {
        return common::skip(
            "works_on_ipv6_loopback",
            "IPv6 loopback ::1 is not available here",
        );
    }
    let (listener, rx) = open_forwarding(ListenerConfig::new(addr), Topics::one("t"));
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    b.publish_value("t", &Value::str("over ::1")).unwrap();
    let item = recv(&rx);
    assert_eq!(item.payload, Payload::Pyon(Value::str("over ::1")));
    assert!(item.source.is_ipv6());
}

#[test]
fn topics_filter_subscribers() {
    let mut listener = QueuedListener::on(v4());
    let seen: Arc<Mutex<Vec<(&str, String)>>> = Arc::default();
    let (done_tx, done_rx) = mpsc::channel();
    for (name, topics) in [
        ("all", Topics::All),
        ("a", Topics::one("a")),
        ("ab", Topics::set(["a", "b"])),
        ("none", Topics::set(Vec::<String>::new())),
    ] {
        let seen = Arc::clone(&seen);
        listener.subscribe(topics, move |item| {
            seen.lock().unwrap().push((name, item.topic.clone()));
        });
    }
    // Registered last, so when it sees "end" every subscriber has seen everything before it.
    listener.subscribe(Topics::one("end"), move |_| done_tx.send(()).unwrap());
    listener.open().unwrap();
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    for topic in ["a", "b", "c", "a", "end"] {
        b.publish(topic, topic.as_bytes()).unwrap();
    }
    done_rx.recv_timeout(WAIT).unwrap();
    let seen = seen.lock().unwrap();
    let of = |who: &str| -> Vec<&str> {
        seen.iter()
            .filter(|(n, _)| *n == who)
            .map(|(_, t)| t.as_str())
            .collect()
    };
    assert_eq!(of("all"), ["a", "b", "c", "a", "end"]);
    assert_eq!(of("a"), ["a", "a"]);
    assert_eq!(of("ab"), ["a", "b", "a"]);
    assert!(of("none").is_empty());
}

#[test]
fn unsubscribe_stops_delivery() {
    let (listener, rx) = open_forwarding(ListenerConfig::new(v4()), Topics::one("x"));
    let (tx2, rx2) = mpsc::channel();
    let id = listener.subscribe(Topics::All, move |item| {
        tx2.send(item.topic.clone()).unwrap()
    });
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    b.publish("x", b"1").unwrap();
    recv(&rx);
    assert_eq!(rx2.recv_timeout(WAIT).unwrap(), "x");
    assert!(listener.unsubscribe(id));
    assert!(!listener.unsubscribe(id));
    b.publish("x", b"2").unwrap();
    recv(&rx);
    assert!(rx2.try_recv().is_err());
}

#[test]
fn open_and_close_twice_are_reported_and_reopen_works_repeatedly() {
    let mut listener = QueuedListener::on(v4());
    let (tx, rx) = mpsc::channel();
    listener.subscribe(Topics::All, move |item| {
        tx.send(item.payload.as_bytes().unwrap().to_vec()).unwrap();
    });
    assert!(!listener.is_open());
    assert_eq!(listener.close(), Close::AlreadyClosed);
    for round in 0..10u8 {
        assert_eq!(listener.open().unwrap(), Open::Opened);
        assert_eq!(listener.open().unwrap(), Open::AlreadyOpen);
        assert!(listener.is_open());
        let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
        b.publish("t", &[round]).unwrap();
        assert_eq!(rx.recv_timeout(WAIT).unwrap(), [round]);
        match listener.close() {
            Close::Closed(report) => {
                assert!(report.is_clean(), "{report:?}");
                assert_eq!(report.discarded, 0);
            }
            Close::AlreadyClosed => panic!("was open"),
        }
        assert_eq!(listener.close(), Close::AlreadyClosed);
        assert!(!listener.is_open());
        assert_eq!(listener.local_addr(), None);
    }
    assert_eq!(listener.received(), 10);
    assert_eq!(listener.dispatched(), 10);
}

#[test]
fn reopen_rebinds_the_same_fixed_port() {
    let probe = UdpSocket::bind(v4()).unwrap();
    let addr = probe.local_addr().unwrap();
    drop(probe);
    let (mut listener, rx) = open_forwarding(ListenerConfig::new(addr), Topics::All);
    let b = UdpBroadcaster::new(addr).unwrap();
    for round in 0..3u8 {
        if round > 0 {
            assert_eq!(listener.open().unwrap(), Open::Opened);
        }
        assert_eq!(listener.local_addr(), Some(addr));
        b.publish("t", &[round]).unwrap();
        assert_eq!(recv(&rx).payload.as_bytes(), Some(&[round][..]));
        assert!(matches!(listener.close(), Close::Closed(r) if r.is_clean()));
    }
}

#[test]
fn a_message_larger_than_a_datagram_is_refused_at_publish() {
    let (listener, rx) = open_forwarding(ListenerConfig::new(v4()), Topics::All);
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    let topic = "big";
    let fits = vec![7u8; MAX_DATAGRAM - HEADER_LEN - topic.len()];
    b.publish(topic, &fits).unwrap();
    let item = recv(&rx);
    assert_eq!(item.payload.as_bytes().map(<[u8]>::len), Some(fits.len()));

    let over = vec![7u8; fits.len() + 1];
    match b.publish(topic, &over) {
        Err(Error::TooLarge { size, max }) => {
            assert_eq!((size, max), (MAX_DATAGRAM + 1, MAX_DATAGRAM))
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    let big_value = Value::str("x".repeat(MAX_DATAGRAM));
    assert!(matches!(
        b.publish_value(topic, &big_value),
        Err(Error::TooLarge { .. })
    ));
    // Nothing of the refused messages went out: the next item is the marker.
    b.publish("marker", b"").unwrap();
    assert_eq!(recv(&rx).topic, "marker");
}

#[test]
fn malformed_datagrams_are_logged_skipped_and_counted() {
    let (listener, rx) = open_forwarding(ListenerConfig::new(v4()), Topics::All);
    let addr = listener.local_addr().unwrap();
    let raw = UdpSocket::bind(v4()).unwrap();
    raw.send_to(b"not our format", addr).unwrap();
    raw.send_to(b"QL\x01\x00\x01t\x01[1,", addr).unwrap(); // bad PYON
    raw.send_to(b"QL\x01\x00\x01t\x01\xff", addr).unwrap(); // PYON not UTF-8
    UdpBroadcaster::new(addr)
        .unwrap()
        .publish("ok", b"fine")
        .unwrap();
    let item = recv(&rx);
    assert_eq!(item.topic, "ok");
    assert_eq!(listener.malformed(), 3);
    assert_eq!(listener.received(), 4);
}

#[test]
fn a_panicking_subscriber_does_not_stop_the_others() {
    let mut listener = QueuedListener::on(v4());
    listener.subscribe(Topics::All, |_| panic!("subscriber bug"));
    let (tx, rx) = mpsc::channel();
    listener.subscribe(Topics::All, move |item| tx.send(item.clone()).unwrap());
    listener.open().unwrap();
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    b.publish("a", b"1").unwrap();
    b.publish("b", b"2").unwrap();
    assert_eq!(recv(&rx).topic, "a");
    assert_eq!(recv(&rx).topic, "b");
}

/// Sends item 0, waits until the subscriber holds it, then sends 1..100 into a bounded queue.
fn fill_bounded(overflow: Overflow) -> (Vec<u8>, usize, u64) {
    let config = ListenerConfig::new(v4()).with_capacity(Capacity::bounded(10, overflow));
    let mut listener = QueuedListener::new(config);
    let (entered_tx, entered_rx) = mpsc::channel();
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let gate_rx = Mutex::new(gate_rx);
    let (tx, rx) = mpsc::channel();
    listener.subscribe(Topics::All, move |item| {
        let n = item.payload.as_bytes().unwrap()[0];
        if n == 0 {
            entered_tx.send(()).unwrap();
            gate_rx.lock().unwrap().recv_timeout(WAIT).unwrap();
        }
        tx.send(n).unwrap();
    });
    listener.open().unwrap();
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    b.publish("t", &[0]).unwrap();
    entered_rx.recv_timeout(WAIT).unwrap();
    for n in 1..100u8 {
        b.publish("t", &[n]).unwrap();
    }
    assert!(listener.wait_received(100, WAIT), "all datagrams received");
    let (len, dropped) = (listener.len(), listener.dropped());
    gate_tx.send(()).unwrap();
    let got: Vec<u8> = (0..11).map(|_| rx.recv_timeout(WAIT).unwrap()).collect();
    assert!(matches!(listener.close(), Close::Closed(r) if r.discarded == 0));
    assert_eq!(listener.dropped(), dropped, "drop count survives close");
    (got, len, dropped)
}

#[test]
fn bounded_queue_drop_newest_keeps_the_oldest_and_counts() {
    let (got, len, dropped) = fill_bounded(Overflow::DropNewest);
    assert_eq!((len, dropped), (10, 89));
    assert_eq!(got, (0..=10).collect::<Vec<u8>>());
}

#[test]
fn bounded_queue_drop_oldest_keeps_the_newest_and_counts() {
    let (got, len, dropped) = fill_bounded(Overflow::DropOldest);
    assert_eq!((len, dropped), (10, 89));
    let mut expected = vec![0u8];
    expected.extend(90..100u8);
    assert_eq!(got, expected);
}

#[test]
fn close_discards_the_queue_and_reports_a_stuck_callback() {
    let config = ListenerConfig::new(v4()).with_close_timeout(Duration::from_millis(200));
    let mut listener = QueuedListener::new(config);
    let (entered_tx, entered_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let release_rx = Mutex::new(release_rx);
    listener.subscribe(Topics::All, move |_| {
        let _ = entered_tx.send(());
        // Stuck until the test lets it go (or a bound, so the thread always ends).
        let _ = release_rx
            .lock()
            .unwrap()
            .recv_timeout(Duration::from_secs(30));
    });
    listener.open().unwrap();
    let b = UdpBroadcaster::new(listener.local_addr().unwrap()).unwrap();
    for n in 0..5u8 {
        b.publish("t", &[n]).unwrap();
    }
    entered_rx.recv_timeout(WAIT).unwrap();
    assert!(listener.wait_received(5, WAIT), "all datagrams received");
    let Close::Closed(report) = listener.close() else {
        panic!("was open")
    };
    assert!(report.receiver_stopped);
    assert!(!report.dispatcher_stopped);
    assert!(!report.is_clean());
    assert_eq!(report.discarded, 4);
    release_tx.send(()).unwrap();
    // The listener can be opened again while the old dispatch thread winds down.
    assert_eq!(listener.open().unwrap(), Open::Opened);
}
