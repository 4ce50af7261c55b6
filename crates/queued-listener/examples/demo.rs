//! A broadcaster and a queued listener with a slow subscriber: all messages are received at once
//! and queued, then delivered one by one.
//!
//! Run with `cargo run -p queued-listener --example demo`.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use pyon_codec::Value;
use queued_listener::{Close, Payload, QueuedListener, Topics, UdpBroadcaster};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut listener = QueuedListener::on(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    let (done_tx, done_rx) = mpsc::channel();
    listener.subscribe(Topics::set(["temperature", "status"]), move |item| {
        let waited = SystemTime::now()
            .duration_since(item.received)
            .unwrap_or_default();
        let shown = match &item.payload {
            Payload::Pyon(v) => pyon_codec::encode(v).unwrap_or_default(),
            Payload::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        };
        println!("{:<12} {shown:<24} queued for {waited:?}", item.topic);
        // A slow subscriber: reception goes on while it sleeps.
        std::thread::sleep(Duration::from_millis(20));
        if item.topic == "status" {
            let _ = done_tx.send(());
        }
    });
    listener.open()?;
    println!(
        "listening on {} (receive buffer {} bytes)",
        listener.local_addr().unwrap(),
        listener.recv_buffer_size().unwrap()
    );

    let broadcaster = UdpBroadcaster::new(listener.local_addr().unwrap())?;
    for i in 0..5 {
        let reading = Value::Tuple(vec![
            Value::str("cryostat"),
            Value::Float(3.9 + f64::from(i) / 10.0),
        ]);
        broadcaster.publish_value("temperature", &reading)?;
    }
    broadcaster.publish("ignored", b"no subscriber for this topic")?;
    broadcaster.publish("status", b"done")?;
    println!("published 7 messages");

    done_rx.recv_timeout(Duration::from_secs(10))?;
    if let Close::Closed(report) = listener.close() {
        println!(
            "closed: received {}, dropped {}, clean {}",
            listener.received(),
            listener.dropped(),
            report.is_clean()
        );
    }
    Ok(())
}
