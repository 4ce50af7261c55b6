//! Typed messages: the broadcaster refuses invalid values, the listener rejects malformed
//! messages with a logged error and keeps running.

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use pyon_codec::{Dict, Value};
use queued_listener::{
    Endpoint, Error, ListenerConfig, Message, MessageBroadcaster, MessageListener, Open,
    UdpBroadcaster,
};
use serde::{Deserialize, Serialize};

const WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Temperature {
    sensor: String,
    kelvin: f64,
    #[serde(default)]
    note: Option<String>,
}

impl Message for Temperature {
    const TOPIC: &'static str = "temperature";
    fn endpoint() -> Endpoint {
        // Not used by these tests, which listen on port 0.
        "239.255.0.7:5007".parse().unwrap()
    }
    fn mandatory_fields() -> &'static [&'static str] {
        &["sensor", "kelvin"]
    }
}

/// Everything logged by any thread of this test binary.
fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf: Arc<Mutex<Vec<u8>>> = Arc::default();
        let writer = Arc::clone(&buf);
        tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(move || LogWriter(Arc::clone(&writer)))
            .init();
        buf
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn dict(pairs: &[(&str, Value)]) -> Value {
    Value::Dict(Dict::from_pairs(
        pairs
            .iter()
            .map(|(k, v)| (Value::str(*k), v.clone()))
            .collect(),
    ))
}

fn open_listener() -> (MessageListener<Temperature>, mpsc::Receiver<Temperature>) {
    let config = ListenerConfig::new(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    let mut listener = MessageListener::<Temperature>::with_config(config);
    let (tx, rx) = mpsc::channel();
    listener.subscribe(move |m, item| {
        assert_eq!(item.topic, Temperature::TOPIC);
        tx.send(m).unwrap();
    });
    assert_eq!(listener.open().unwrap(), Open::Opened);
    (listener, rx)
}

#[test]
fn typed_messages_round_trip() {
    let (listener, rx) = open_listener();
    let addr = listener.listener().local_addr().unwrap();
    let b = MessageBroadcaster::<Temperature>::with_endpoint(addr).unwrap();
    let m = Temperature {
        sensor: "cryostat".into(),
        kelvin: 3.9,
        note: None,
    };
    b.publish(&m).unwrap();
    b.publish_value(&dict(&[
        ("sensor", Value::str("oven")),
        ("kelvin", Value::Int(600)),
    ]))
    .unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap(), m);
    let second = rx.recv_timeout(WAIT).unwrap();
    assert_eq!((second.sensor.as_str(), second.kelvin), ("oven", 600.0));
    assert_eq!(listener.rejected(), 0);
}

#[test]
fn broadcaster_refuses_values_that_are_not_the_message_type() {
    let (listener, rx) = open_listener();
    let addr = listener.listener().local_addr().unwrap();
    let b = MessageBroadcaster::<Temperature>::with_endpoint(addr).unwrap();
    let cases = [
        (
            dict(&[("sensor", Value::str("a"))]),
            "invalid `Temperature` message: missing mandatory field `kelvin`",
        ),
        (
            Value::List(vec![]),
            "invalid `Temperature` message: expected a dict, got list",
        ),
    ];
    for (value, expected) in cases {
        let err = b.publish_value(&value).unwrap_err();
        assert!(matches!(err, Error::InvalidMessage { .. }));
        assert_eq!(err.to_string(), expected);
    }
    let wrong_type = dict(&[("sensor", Value::Int(1)), ("kelvin", Value::Float(1.0))]);
    assert!(b.publish_value(&wrong_type).is_err());
    // Nothing was sent: the first message to arrive is the valid marker.
    let marker = dict(&[
        ("sensor", Value::str("marker")),
        ("kelvin", Value::Float(0.0)),
    ]);
    b.publish_value(&marker).unwrap();
    assert_eq!(rx.recv_timeout(WAIT).unwrap().sensor, "marker");
}

#[test]
fn listener_rejects_malformed_messages_logs_and_keeps_running() {
    let log = log();
    let (listener, rx) = open_listener();
    let addr = listener.listener().local_addr().unwrap();
    let raw = UdpBroadcaster::new(addr).unwrap();
    let typed = MessageBroadcaster::<Temperature>::with_endpoint(addr).unwrap();
    let topic = Temperature::TOPIC;
    raw.publish_value(topic, &dict(&[("sensor", Value::str("x"))]))
        .unwrap();
    raw.publish(topic, b"raw bytes").unwrap();
    raw.publish_value(topic, &Value::Int(5)).unwrap();
    raw.publish_value(
        topic,
        &dict(&[("sensor", Value::str("x")), ("kelvin", Value::str("hot"))]),
    )
    .unwrap();
    // Other topics are not this listener's business: neither delivered nor rejected.
    raw.publish_value("other", &Value::Int(1)).unwrap();
    for i in 0..3 {
        typed
            .publish(&Temperature {
                sensor: format!("s{i}"),
                kelvin: f64::from(i),
                note: Some("ok".into()),
            })
            .unwrap();
    }
    let got: Vec<String> = (0..3)
        .map(|_| rx.recv_timeout(WAIT).unwrap().sensor)
        .collect();
    assert_eq!(got, ["s0", "s1", "s2"]);
    assert_eq!(listener.rejected(), 4);
    assert!(listener.is_open());

    let text = String::from_utf8(log.lock().unwrap().clone()).unwrap();
    let errors: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("ERROR") && l.contains("rejecting message"))
        .collect();
    assert!(
        errors
            .iter()
            .any(|l| l.contains("missing mandatory field `kelvin`")),
        "{text}"
    );
    assert!(
        errors
            .iter()
            .any(|l| l.contains("expected a PYON payload, got raw bytes")),
        "{text}"
    );
    assert!(
        errors
            .iter()
            .any(|l| l.contains("expected a dict, got int")),
        "{text}"
    );
}
