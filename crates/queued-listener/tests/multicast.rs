//! Multicast, IPv4 and IPv6, inside a network namespace that the test makes for itself, so no
//! datagram ever leaves the namespace's loopback interface.
//!
//! The outer test creates the namespace (loopback up, multicast on, routes for the multicast
//! ranges) and runs this same test binary inside it with `QL_IN_NETNS=1`, selecting only the
//! inner test; the inner test does nothing (and passes) when that variable is absent. Where
//! `ip` is missing or namespaces cannot be made (not root), the outer test reports itself
//! skipped with the reason (`asyncio_server::testing::skip`), never passed.

mod common;
use common::skip;

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV6};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use queued_listener::{
    Endpoint, Item, ListenerConfig, Payload, QueuedListener, Topics, UdpBroadcaster,
};

const INNER: &str = "QL_IN_NETNS";
const V6_INDEX: &str = "QL_V6_IFINDEX";
const WAIT: Duration = Duration::from_secs(20);

/// A network namespace, deleted on drop.
struct Netns {
    name: String,
}

impl Netns {
    fn create() -> Result<Netns, String> {
        let name = format!("sipyco-ql-{}", std::process::id());
        run(&["netns", "add", &name])?;
        let ns = Netns { name };
        for args in [
            &["link", "set", "lo", "up"][..],
            &["link", "set", "lo", "multicast", "on"],
            &["route", "add", "224.0.0.0/4", "dev", "lo"],
        ] {
            ns.ip(args)?;
        }
        Ok(ns)
    }

    /// Linux does not loop IPv6 multicast back on `lo`, so IPv6 gets a veth pair of its own
    /// (both ends inside the namespace). Returns the interface index to use.
    fn add_ipv6_link(&self) -> Result<u32, String> {
        for args in [
            &["link", "add", "ql0", "type", "veth", "peer", "name", "ql1"][..],
            &["link", "set", "ql0", "up"],
            &["link", "set", "ql1", "up"],
            &["-6", "addr", "add", "fd00:17::1/64", "dev", "ql0", "nodad"],
            &["-6", "route", "add", "ff00::/8", "dev", "ql0"],
        ] {
            self.ip(args)?;
        }
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                &self.name,
                "cat",
                "/sys/class/net/ql0/ifindex",
            ])
            .output()
            .map_err(|e| e.to_string())?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .map_err(|_| "cannot read the index of ql0".to_owned())
    }

    fn ip(&self, args: &[&str]) -> Result<(), String> {
        let mut all = vec!["netns", "exec", &self.name, "ip"];
        all.extend_from_slice(args);
        run(&all)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        if let Err(e) = run(&["netns", "delete", &self.name]) {
            eprintln!("could not delete network namespace {}: {e}", self.name);
        }
    }
}

fn run(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `ip`: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[test]
fn multicast_in_a_private_network_namespace() {
    if std::env::var_os(INNER).is_some() {
        return;
    }
    let ns = match Netns::create() {
        Ok(ns) => ns,
        Err(e) => {
            return skip(
                "multicast_in_a_private_network_namespace",
                &format!("cannot make a network namespace ({e}); needs iproute2 and root"),
            );
        }
    };
    let v6_index = match ns.add_ipv6_link() {
        Ok(i) => i.to_string(),
        Err(e) => {
            eprintln!("no IPv6 link in the namespace, IPv6 multicast will be skipped: {e}");
            String::new()
        }
    };
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("ip")
        .args(["netns", "exec", &ns.name, "env", &format!("{INNER}=1")])
        .arg(format!("{V6_INDEX}={v6_index}"))
        .arg(exe)
        .args(["multicast_inside_the_namespace", "--exact", "--nocapture"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("--- inner test stdout ---\n{stdout}--- inner test stderr ---\n{stderr}");
    assert!(out.status.success(), "the inner test failed");
    assert!(stdout.contains("1 passed"), "the inner test did not run");
}

fn forward(listener: &QueuedListener, topics: Topics) -> mpsc::Receiver<Item> {
    let (tx, rx) = mpsc::channel();
    listener.subscribe(topics, move |item| {
        let _ = tx.send(item.clone());
    });
    rx
}

/// Two listeners of one group on one port both get every message of their topics; a listener
/// of another group on the same port gets none of them.
fn exercise(group: Endpoint, other_group: Endpoint) {
    let mut a = QueuedListener::new(ListenerConfig::new(group.clone()));
    let mut b = QueuedListener::new(ListenerConfig::new(group.clone()));
    let mut other = QueuedListener::new(ListenerConfig::new(other_group.clone()));
    let rx_a = forward(&a, Topics::All);
    let rx_b = forward(&b, Topics::one("wanted"));
    let rx_other = forward(&other, Topics::All);
    for l in [&mut a, &mut b, &mut other] {
        l.open().unwrap();
    }
    let sender = UdpBroadcaster::new(group.clone()).unwrap();
    for (topic, n) in [("wanted", 1u8), ("unwanted", 2), ("wanted", 3)] {
        sender.publish(topic, &[n]).unwrap();
    }
    // A marker to the other group proves that listener works, and that it saw nothing before.
    UdpBroadcaster::new(other_group)
        .unwrap()
        .publish("marker", b"")
        .unwrap();

    let payloads = |rx: &mpsc::Receiver<Item>, n: usize| -> Vec<(String, Payload)> {
        (0..n)
            .map(|_| {
                let item = rx.recv_timeout(WAIT).expect("multicast item");
                (item.topic, item.payload)
            })
            .collect()
    };
    let bytes = |t: &str, n: u8| (t.to_owned(), Payload::Bytes(vec![n]));
    assert_eq!(
        payloads(&rx_a, 3),
        [bytes("wanted", 1), bytes("unwanted", 2), bytes("wanted", 3)]
    );
    assert_eq!(payloads(&rx_b, 2), [bytes("wanted", 1), bytes("wanted", 3)]);
    assert_eq!(
        payloads(&rx_other, 1),
        [("marker".to_owned(), Payload::Bytes(vec![]))]
    );
    for l in [&mut a, &mut b, &mut other] {
        assert!(matches!(l.close(), queued_listener::Close::Closed(r) if r.is_clean()));
    }
}

#[test]
fn multicast_inside_the_namespace() {
    if std::env::var_os(INNER).is_none() {
        return;
    }
    let port = 45_017;
    let v4 = |last: u8| Endpoint::new(SocketAddr::from((Ipv4Addr::new(239, 255, 17, last), port)));
    exercise(v4(1), v4(2));
    println!("IPv4 multicast: ok");

    let Some(index) = std::env::var(V6_INDEX)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
    else {
        return skip(
            "multicast_in_a_private_network_namespace (IPv6)",
            "no IPv6 link in the namespace",
        );
    };
    let v6 = |last: u16| {
        let group = format!("ff15::17:{last}").parse().unwrap();
        Endpoint::new(SocketAddr::V6(SocketAddrV6::new(group, port, 0, 0))).with_interface_v6(index)
    };
    exercise(v6(1), v6(2));
    println!("IPv6 multicast: ok");
}
