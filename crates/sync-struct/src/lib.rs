//! Replicated structures and broadcasts of SiPyCo (`sipyco.sync_struct`, `sipyco.broadcast`),
//! interoperable with Python peers in both directions.
//!
//! A *publisher* owns structures (PYON values: dicts, lists, anything nested) and serves them by
//! name; each *subscriber* keeps a replica. On connection a subscriber receives the whole
//! structure (`init`), then one *mod* per change: `append`, `insert`, `pop`, `setitem`,
//! `delitem` at a path from the root. ARTIQ's master publishes its schedule, datasets and
//! devices this way (port 3250).
//!
//! - [`Mod`], [`ModAction`] and [`process_mod`]: the messages and how one applies to a
//!   [`Value`]; pure code, a bad path or index is an error, never a panic.
//! - [`Notifier`]: owns a structure; every change goes through it and produces exactly the mod
//!   Python's `Notifier` would. [`Notifier::at`] is Python's `n["a"][0]`. [`update_from_dict`]
//!   makes a dict equal to another with few mods.
//! - [`Publisher`]: serves notifiers by name. Each mod is encoded once and the bytes shared by
//!   all subscribers; each subscriber has a bounded backlog ([`PublisherOptions`]) and is cut
//!   off when it falls further behind, so a stalled subscriber cannot grow the publisher's
//!   memory. PYON v2, or v1 for legacy subscribers.
//! - [`Subscriber`]: the async client; target builder, notify callbacks, disconnect callback,
//!   before-receive hook, optional reconnection ([`Backoff`]); reads v2 and v1 publishers.
//! - [`Broadcaster`] and [`Receiver`]: objects sent on named channels, with Python's queue of
//!   1024 lines per receiver that drops when full.
//!
//! ```
//! use pyon_codec::{dict, list};
//! use sync_struct::{Notifier, Publisher, Subscriber};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> sync_struct::Result<()> {
//! let data = Notifier::new(dict! {"counts" => list![]});
//! let publisher = Publisher::new();
//! publisher.add_notifier("data", data.clone())?;
//! let server = asyncio_server::Server::bind(&["127.0.0.1:0".parse().unwrap()])?;
//! let port = server.local_addrs()[0].port();
//! tokio::spawn(publisher.serve(server, std::future::pending()));
//!
//! let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
//! let replica = Subscriber::new("data")
//!     .on_mod(move |_, replica| { let _ = tx.send(replica.clone()); })
//!     .connect("127.0.0.1", port)
//!     .await?;
//! assert_eq!(rx.recv().await, Some(dict! {"counts" => list![]})); // the init
//! data.at("counts").append(42)?; // {"action":"append","path":["counts"],"x":42}
//! assert_eq!(rx.recv().await, Some(dict! {"counts" => list![42]}));
//! replica.close().await?;
//! # Ok(())
//! # }
//! ```
//!
//! | Python | here |
//! | --- | --- |
//! | `sync_struct.ModAction`, mod dicts | [`ModAction`], [`Mod`] |
//! | `sync_struct.process_mod(target, mod)` | [`process_mod`] |
//! | `sync_struct.Notifier`, `n[key]`, `raw_view` | [`Notifier`], [`Notifier::at`], [`Notifier::read`] |
//! | `sync_struct.update_from_dict` | [`update_from_dict`] |
//! | `sync_struct.Publisher` | [`Publisher`] |
//! | `sync_struct.Subscriber` | [`Subscriber`], [`SubscriberHandle`] |
//! | `broadcast.Broadcaster`, `broadcast.Receiver` | [`Broadcaster`], [`Receiver`] |
//!
//! The `sipyco_subscribe` program prints a notifier or watches its mods or a broadcast channel.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![deny(missing_docs)]

mod broadcast;
mod error;
mod mods;
mod notifier;
mod ops;
mod outbox;
mod publisher;
mod subscriber;

pub use broadcast::{BROADCAST_BANNER, Broadcaster, DEFAULT_QUEUE_LIMIT, Receiver, ReceiverHandle};
pub use error::{Error, Result};
pub use mods::{Mod, ModAction, process_mod};
pub use notifier::{Notifier, ReadView, update_from_dict};
pub use publisher::{
    DEFAULT_BACKLOG_LIMIT, Publisher, PublisherOptions, PublisherStats, SHUTDOWN_FLUSH_TIMEOUT,
    SYNC_STRUCT_BANNER,
};
pub use pyon_codec::{Value, Version};
pub use subscriber::{Backoff, Subscriber, SubscriberHandle};
