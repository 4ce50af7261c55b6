//! The queue between a TCP subscriber's socket and its callbacks: reading never waits for a
//! slow callback.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use pyon_codec::Value;
use queued_listener::{Capacity, LineOptions, LineReceiver, Overflow, QueuedDispatch};
use sync_struct::{BROADCAST_BANNER, SYNC_STRUCT_BANNER};

const WAIT: Duration = Duration::from_secs(30);

/// A one-connection server: checks the two subscription lines, then writes `body` as fast as
/// it can and closes (or, with `linger`, keeps the connection open until the peer closes).
fn serve(
    banner: &'static str,
    name: &'static str,
    body: Vec<u8>,
    linger: bool,
) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        for expected in [banner, name] {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            assert_eq!(line, format!("{expected}\n"));
        }
        let mut w = BufWriter::new(&stream);
        w.write_all(&body).unwrap();
        w.flush().unwrap();
        drop(w);
        if linger {
            // Wait for the peer to go away (bounded by the read timeout).
            stream.set_read_timeout(Some(WAIT)).unwrap();
            let _ = reader.read_line(&mut String::new());
        }
    });
    (addr, server)
}

fn broadcast_line(i: usize) -> String {
    format!("{{\"__jsonclass__\":[\"tuple\",[[\"INFO\",\"message {i}\"]]]}}\n")
}

#[test]
fn slow_callback_never_stalls_reading_a_broadcast() {
    const N: usize = 3000;
    let body: String = (0..N).map(broadcast_line).collect();
    let (addr, server) = serve(BROADCAST_BANNER, "log", body.into_bytes(), false);
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (entered_tx, entered_rx) = mpsc::channel::<()>();
    let (tx, rx) = mpsc::channel();
    let receiver =
        LineReceiver::subscribe_broadcast(addr, "log", LineOptions::default(), move |line| {
            // The first callback does not return until the test has seen the whole stream read.
            if line.value == Value::Tuple(vec![Value::str("INFO"), Value::str("message 0")]) {
                entered_tx.send(()).unwrap();
                gate_rx.recv_timeout(WAIT).unwrap();
            }
            tx.send(line).unwrap();
        })
        .unwrap();

    // The stream ends and is read to the end while the first callback is still stuck. Reading
    // may end before the dispatching thread has even taken the first line (on a loaded
    // machine): wait until that line is in its callback, then count what is queued.
    assert!(receiver.wait_end_of_stream(WAIT), "reading did not end");
    entered_rx
        .recv_timeout(WAIT)
        .expect("the first callback started");
    assert_eq!(receiver.lines(), N as u64);
    assert_eq!(receiver.dispatched(), 0);
    assert_eq!(
        receiver.len(),
        N - 1,
        "all but the line in the callback are queued"
    );
    server.join().unwrap();

    gate_tx.send(()).unwrap();
    let report = receiver.finish(WAIT);
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report.discarded, 0);
    let lines: Vec<_> = rx.try_iter().collect();
    assert_eq!(lines.len(), N);
    for (i, line) in lines.iter().enumerate() {
        let expected = Value::Tuple(vec![Value::str("INFO"), Value::str(format!("message {i}"))]);
        assert_eq!(line.value, expected);
    }
    assert!(
        lines
            .windows(2)
            .all(|w| w[0].received_at <= w[1].received_at)
    );
}

#[test]
fn sync_struct_subscription_gets_init_and_mods() {
    let body = concat!(
        "{\"action\":\"init\",\"struct\":{\"a\":1}}\n",
        "{\"action\":\"setitem\",\"path\":[],\"key\":\"b\",\"value\":2}\n",
    );
    let (addr, server) = serve(SYNC_STRUCT_BANNER, "schedule", body.into(), false);
    let (tx, rx) = mpsc::channel();
    let receiver =
        LineReceiver::subscribe_sync_struct(addr, "schedule", LineOptions::default(), move |l| {
            tx.send(l.value).unwrap();
        })
        .unwrap();
    assert!(receiver.finish(WAIT).is_clean());
    server.join().unwrap();
    let got: Vec<Value> = rx.try_iter().collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].get("action"), Some(&Value::str("init")));
    assert_eq!(got[1].get("key"), Some(&Value::str("b")));
}

#[test]
fn malformed_lines_are_skipped_and_an_over_long_line_ends_the_connection() {
    let mut body = b"1\nnot pyon\n2\n".to_vec();
    body.extend(std::iter::repeat_n(b'7', 2000));
    body.extend(b"\n3\n");
    let (addr, server) = serve(BROADCAST_BANNER, "ccb", body, false);
    let (tx, rx) = mpsc::channel();
    let options = LineOptions {
        max_line: 1000,
        ..LineOptions::default()
    };
    let receiver = LineReceiver::subscribe_broadcast(addr, "ccb", options, move |l| {
        tx.send(l.value).unwrap();
    })
    .unwrap();
    assert!(receiver.wait_end_of_stream(WAIT), "reading did not end");
    assert_eq!(receiver.lines(), 3);
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), Value::Int(1));
    // Dispatch is in order: once 2 is delivered, the malformed line before it was skipped.
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), Value::Int(2));
    assert_eq!(receiver.malformed(), 1);
    assert!(receiver.finish(WAIT).is_clean());
    let _ = server.join();
    assert_eq!(rx.try_iter().count(), 0);
}

#[test]
fn close_interrupts_an_idle_tcp_stream() {
    let (addr, server) = serve(BROADCAST_BANNER, "log", b"1\n".to_vec(), true);
    let (tx, rx) = mpsc::channel();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(b"ARTIQ broadcast\nlog\n").unwrap();
    // A close timeout far beyond any scheduling delay: a clean report means that the blocked
    // read was interrupted, not that it happened to end in time.
    let options = LineOptions {
        close_timeout: WAIT,
        ..LineOptions::default()
    };
    let receiver = LineReceiver::from_tcp(stream, options, move |l| {
        tx.send(l.value).unwrap();
    })
    .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), Value::Int(1));
    let report = receiver.close();
    assert!(report.is_clean(), "{report:?}");
    server.join().unwrap();
}

#[test]
fn queued_dispatch_from_another_thread_with_a_bound() {
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (entered_tx, entered_rx) = mpsc::channel();
    let (tx, rx) = mpsc::channel();
    let dispatch = QueuedDispatch::spawn(
        "test",
        Capacity::bounded(5, Overflow::DropOldest),
        move |n: u32| {
            if n == 0 {
                entered_tx.send(()).unwrap();
                gate_rx.recv_timeout(WAIT).unwrap();
            }
            tx.send(n).unwrap();
        },
    )
    .unwrap();
    let pusher = dispatch.pusher();
    pusher.push(0);
    // Once the dispatcher holds item 0, the queue is empty.
    entered_rx.recv_timeout(WAIT).unwrap();
    assert!(dispatch.is_empty());
    std::thread::spawn(move || {
        for n in 1..=20 {
            pusher.push(n);
        }
    })
    .join()
    .unwrap();
    assert_eq!((dispatch.len(), dispatch.dropped()), (5, 15));
    gate_tx.send(()).unwrap();
    let report = dispatch.finish(WAIT);
    assert!(report.is_clean());
    assert_eq!(rx.try_iter().collect::<Vec<_>>(), [0, 16, 17, 18, 19, 20]);
}

#[test]
fn queued_dispatch_close_discards_what_is_queued() {
    let (gate_tx, gate_rx) = mpsc::channel::<()>();
    let (entered_tx, entered_rx) = mpsc::channel();
    let dispatch = QueuedDispatch::spawn("test", Capacity::Unbounded, move |n: u32| {
        entered_tx.send(n).unwrap();
        let _ = gate_rx.recv_timeout(WAIT);
    })
    .unwrap();
    for n in 0..10 {
        dispatch.push(n);
    }
    assert_eq!(entered_rx.recv_timeout(WAIT).unwrap(), 0);
    // Item 0 is stuck in the callback: close gives up waiting, and discards items 1 to 9.
    let report = dispatch.close(Duration::from_millis(100));
    assert!(!report.dispatcher_stopped);
    assert_eq!(report.discarded, 9);
    gate_tx.send(()).unwrap();
    // Released, the thread stops instead of going on with the queue.
    assert!(entered_rx.recv_timeout(WAIT).is_err());
}
