//! Receive on a dedicated thread, dispatch on another, lose nothing.
//!
//! This crate is the Rust counterpart of the `QueuedListener` of the MCL library: datagrams are
//! received by a light-weight thread that only reads the socket, stamps each datagram with its
//! receive time and puts it on a queue; a separate dispatch thread takes them off the queue and
//! calls the subscribers. A subscriber that takes a long time never makes the receiver drop
//! packets: the queue is unbounded by default (an optional bound drops and counts).
//!
//! - [`Endpoint`] is where datagrams go: a unicast address or a multicast group (IPv4 or IPv6)
//!   with its multicast options; a broadcaster and its listeners share one.
//! - [`UdpBroadcaster`] publishes `(topic, payload)` datagrams to an [`Endpoint`]; payloads are raw bytes or PYON values. A message larger than
//!   one datagram ([`wire::MAX_DATAGRAM`]) is an error at publish time, never truncated.
//! - [`QueuedListener`] receives them: [`open`](QueuedListener::open),
//!   [`close`](QueuedListener::close), [`is_open`](QueuedListener::is_open) with MCL's semantics
//!   (opening twice or closing twice is reported, not an error); subscribers choose
//!   [`Topics`] and get each [`Item`] (topic, payload, receive time) in order.
//! - [`Message`], [`MessageBroadcaster`] and [`MessageListener`]: typed messages with serde; a
//!   malformed message is logged and skipped, and the listener keeps running.
//! - [`QueuedDispatch`] is the queue and dispatch thread on their own, for any receiver, and
//!   [`LineReceiver`] ([`lines`]) puts them behind a TCP `sync_struct` or `broadcast`
//!   subscription, framed by asyncio-server's `LineCodec` with the banners of sync-struct.
//! - [`wire`] is the datagram format (pure code, no I/O); [`Queue`] the queue.
//!
//! ```
//! use std::sync::mpsc;
//! use std::time::Duration;
//! use queued_listener::{Payload, QueuedListener, Topics, UdpBroadcaster};
//!
//! let mut listener = QueuedListener::on("127.0.0.1:0".parse::<std::net::SocketAddr>()?);
//! let (tx, rx) = mpsc::channel();
//! listener.subscribe(Topics::one("greeting"), move |item| {
//!     tx.send(item.payload.clone()).unwrap();
//! });
//! listener.open()?;
//!
//! let broadcaster = UdpBroadcaster::new(listener.local_addr().unwrap())?;
//! broadcaster.publish("other", b"ignored")?;
//! broadcaster.publish("greeting", b"hello")?;
//! let got = rx.recv_timeout(Duration::from_secs(10))?;
//! assert_eq!(got, Payload::Bytes(b"hello".to_vec()));
//! listener.close();
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![deny(missing_docs)]

mod broadcaster;
mod dispatch;
mod endpoint;
mod error;
mod item;
pub mod lines;
mod listener;
pub mod queue;
mod receive;
mod typed;
pub mod wire;

pub use broadcaster::UdpBroadcaster;
pub use dispatch::{CloseReport, DEFAULT_CLOSE_TIMEOUT, Pusher, QueuedDispatch};
pub use endpoint::{DEFAULT_RECV_BUFFER, Endpoint};
pub use error::{Error, Result};
pub use item::{Item, Payload, SubscriptionId, Topics};
pub use lines::{Line, LineOptions, LineReceiver};
pub use listener::{Close, ListenerConfig, Open, QueuedListener};
pub use queue::{Capacity, Overflow, Pop, Push, Queue};
pub use typed::{Message, MessageBroadcaster, MessageListener, struct_fields, validate};
