//! What subscribers of a [`QueuedListener`](crate::QueuedListener) see: each received [`Item`]
//! with its [`Payload`], and the [`Topics`] they choose.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use pyon_codec::Value;

/// The payload of a received message.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    /// Opaque bytes.
    Bytes(Vec<u8>),
    /// A PYON value.
    Pyon(Value),
}

impl Payload {
    /// The bytes, if the payload is raw bytes.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Payload::Bytes(b) => Some(b),
            Payload::Pyon(_) => None,
        }
    }

    /// The value, if the payload is PYON.
    pub fn as_value(&self) -> Option<&Value> {
        match self {
            Payload::Pyon(v) => Some(v),
            Payload::Bytes(_) => None,
        }
    }
}

/// One received message, as the subscribers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The topic it was published on.
    pub topic: String,
    /// What was published.
    pub payload: Payload,
    /// The address of the sender.
    pub source: SocketAddr,
    /// Wall-clock time at which the receiving thread got the datagram.
    pub received: SystemTime,
    /// The same moment on the monotonic clock (for latencies inside this process).
    pub received_at: Instant,
}

/// Which topics a subscriber wants.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Topics {
    /// Every topic.
    #[default]
    All,
    /// Only these topics.
    Only(BTreeSet<String>),
}

impl Topics {
    /// One topic.
    pub fn one(topic: impl Into<String>) -> Self {
        Topics::Only(BTreeSet::from([topic.into()]))
    }

    /// A set of topics.
    pub fn set<I, S>(topics: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Topics::Only(topics.into_iter().map(Into::into).collect())
    }

    /// Whether `topic` is wanted.
    pub fn matches(&self, topic: &str) -> bool {
        match self {
            Topics::All => true,
            Topics::Only(set) => set.contains(topic),
        }
    }
}

/// Identifies a subscription, to [`unsubscribe`](crate::QueuedListener::unsubscribe) it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubscriptionId(pub(crate) u64);
