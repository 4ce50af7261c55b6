//! Typed messages: a Rust type declares its topic, its endpoint and its mandatory fields;
//! [`MessageBroadcaster`] publishes only that type and [`MessageListener`] hands out only valid
//! values of it.

use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pyon_codec::Value;
use serde::Serialize;
use serde::de::{self, DeserializeOwned, Visitor};

use crate::broadcaster::UdpBroadcaster;
use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::item::{Item, Payload, SubscriptionId, Topics};
use crate::listener::{Close, ListenerConfig, Open, QueuedListener};

/// A message type: its topic, where it travels, and what a valid value must contain.
///
/// Values travel as PYON dicts (the serde mapping of a struct), so a Python peer sees a `dict`.
///
/// ```
/// use queued_listener::{Endpoint, Message};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Temperature {
///     sensor: String,
///     kelvin: f64,
///     #[serde(default)]
///     note: String,
/// }
///
/// impl Message for Temperature {
///     const TOPIC: &'static str = "temperature";
///     fn endpoint() -> Endpoint {
///         "239.255.0.1:5007".parse().unwrap()
///     }
///     fn mandatory_fields() -> &'static [&'static str] {
///         &["sensor", "kelvin"]
///     }
/// }
/// ```
pub trait Message: Serialize + DeserializeOwned + Send + 'static {
    /// The topic messages of this type are published on.
    const TOPIC: &'static str;

    /// Where messages of this type are published.
    fn endpoint() -> Endpoint;

    /// The dict keys every message must have. By default every field of the struct, as its
    /// `Deserialize` implementation names them (nothing for a type that is not a struct).
    fn mandatory_fields() -> &'static [&'static str] {
        struct_fields::<Self>()
    }
}

/// The field names that `T`'s `Deserialize` implementation asks for, when it is a struct.
pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut fields: &'static [&'static str] = &[];
    // The deserializer records the field list and then fails: no value is ever built.
    let _ = T::deserialize(FieldNames {
        fields: &mut fields,
    });
    fields
}

/// Checks `value` against `M` (mandatory fields present, every field of the right type) and
/// converts it.
pub fn validate<M: Message>(value: &Value) -> Result<M> {
    let invalid = |reason: String| Error::InvalidMessage {
        message: short_type_name::<M>(),
        reason,
    };
    let mandatory = M::mandatory_fields();
    if !mandatory.is_empty() {
        let dict = match value {
            Value::Dict(d) | Value::OrderedDict(d) => d,
            other => {
                return Err(invalid(format!(
                    "expected a dict, got {}",
                    other.kind().name()
                )));
            }
        };
        let missing: Vec<String> = mandatory
            .iter()
            .filter(|f| dict.get_str(f).is_none())
            .map(|f| format!("`{f}`"))
            .collect();
        if !missing.is_empty() {
            return Err(invalid(format!(
                "missing mandatory field{} {}",
                if missing.len() > 1 { "s" } else { "" },
                missing.join(", ")
            )));
        }
    }
    pyon_codec::from_value(value.clone()).map_err(|e| invalid(e.to_string()))
}

fn short_type_name<M>() -> &'static str {
    let full = std::any::type_name::<M>();
    // `a::b::Name` → `Name`; generic arguments would confuse this, so keep those whole.
    if full.contains('<') {
        full
    } else {
        full.rsplit("::").next().unwrap_or(full)
    }
}

/// Publishes messages of type `M` only: the type is checked at compile time, and a raw
/// [`Value`] is validated against `M` before it is sent.
#[derive(Debug)]
pub struct MessageBroadcaster<M> {
    inner: UdpBroadcaster,
    _message: PhantomData<fn(&M)>,
}

impl<M: Message> MessageBroadcaster<M> {
    /// A broadcaster to `M`'s endpoint.
    pub fn new() -> Result<Self> {
        Self::with_endpoint(M::endpoint())
    }

    /// A broadcaster to another endpoint (tests, port 0 listeners).
    pub fn with_endpoint(endpoint: impl Into<Endpoint>) -> Result<Self> {
        Ok(MessageBroadcaster {
            inner: UdpBroadcaster::new(endpoint)?,
            _message: PhantomData,
        })
    }

    /// Publishes a message on `M::TOPIC`.
    pub fn publish(&self, message: &M) -> Result<()> {
        let value = pyon_codec::to_value(message)?;
        self.inner.publish_value(M::TOPIC, &value)
    }

    /// Publishes a value after checking that it is a valid `M`; an invalid one is refused with
    /// [`Error::InvalidMessage`] and nothing is sent.
    pub fn publish_value(&self, value: &Value) -> Result<()> {
        validate::<M>(value)?;
        self.inner.publish_value(M::TOPIC, value)
    }

    /// The underlying untyped broadcaster.
    pub fn broadcaster(&self) -> &UdpBroadcaster {
        &self.inner
    }
}

/// A [`QueuedListener`] for messages of type `M`: each subscriber gets decoded, validated
/// values; a malformed message is logged (`tracing::error!`), counted in
/// [`rejected`](Self::rejected), and skipped, and the listener keeps running.
#[derive(Debug)]
pub struct MessageListener<M> {
    listener: QueuedListener,
    rejected: Arc<AtomicU64>,
    _message: PhantomData<fn() -> M>,
}

impl<M: Message> Default for MessageListener<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Message> MessageListener<M> {
    /// A closed listener on `M`'s endpoint.
    pub fn new() -> Self {
        Self::with_config(ListenerConfig::new(M::endpoint()))
    }

    /// A closed listener with another configuration (tests, port 0, a bounded queue).
    pub fn with_config(config: ListenerConfig) -> Self {
        MessageListener {
            listener: QueuedListener::new(config),
            rejected: Arc::default(),
            _message: PhantomData,
        }
    }

    /// Calls `callback` on the dispatch thread with every valid message of topic `M::TOPIC`.
    pub fn subscribe(&self, callback: impl Fn(M, &Item) + Send + Sync + 'static) -> SubscriptionId {
        let rejected = Arc::clone(&self.rejected);
        self.listener.subscribe(Topics::one(M::TOPIC), move |item| {
            let message = match &item.payload {
                Payload::Pyon(v) => validate::<M>(v),
                Payload::Bytes(_) => Err(Error::InvalidMessage {
                    message: short_type_name::<M>(),
                    reason: "expected a PYON payload, got raw bytes".to_owned(),
                }),
            };
            match message {
                Ok(m) => callback(m, item),
                Err(e) => {
                    rejected.fetch_add(1, Ordering::Relaxed);
                    tracing::error!(topic = item.topic, source = %item.source, "rejecting message: {e}");
                }
            }
        })
    }

    /// Removes a subscription; returns whether it existed.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        self.listener.unsubscribe(id)
    }

    /// Opens the underlying listener.
    pub fn open(&mut self) -> Result<Open> {
        self.listener.open()
    }

    /// Closes the underlying listener.
    pub fn close(&mut self) -> Close {
        self.listener.close()
    }

    /// Whether it is open.
    pub fn is_open(&self) -> bool {
        self.listener.is_open()
    }

    /// How many messages were rejected as invalid (counted once per subscriber).
    pub fn rejected(&self) -> u64 {
        self.rejected.load(Ordering::Relaxed)
    }

    /// The underlying listener (address, queue length, drop count).
    pub fn listener(&self) -> &QueuedListener {
        &self.listener
    }
}

/// A deserializer that only records the field list of a struct.
struct FieldNames<'a> {
    fields: &'a mut &'static [&'static str],
}

#[derive(Debug)]
struct Stop;

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field names recorded")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> de::Deserializer<'de> for FieldNames<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> std::result::Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _visitor: V,
    ) -> std::result::Result<V::Value, Stop> {
        *self.fields = fields;
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Reading {
        sensor: String,
        value: f64,
    }

    impl Message for Reading {
        const TOPIC: &'static str = "reading";
        fn endpoint() -> Endpoint {
            "127.0.0.1:0".parse().unwrap()
        }
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Optional {
        id: i64,
        #[serde(default)]
        note: String,
    }

    impl Message for Optional {
        const TOPIC: &'static str = "optional";
        fn endpoint() -> Endpoint {
            "127.0.0.1:0".parse().unwrap()
        }
        fn mandatory_fields() -> &'static [&'static str] {
            &["id"]
        }
    }

    #[test]
    fn field_names_come_from_serde() {
        assert_eq!(Reading::mandatory_fields(), ["sensor", "value"]);
        assert_eq!(struct_fields::<i32>(), [] as [&str; 0]);
        assert_eq!(Optional::mandatory_fields(), ["id"]);
    }

    fn dict(pairs: &[(&str, Value)]) -> Value {
        Value::Dict(pyon_codec::Dict::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (Value::str(*k), v.clone()))
                .collect(),
        ))
    }

    #[test]
    fn validation_table() {
        let ok = dict(&[("sensor", Value::str("a")), ("value", Value::Float(1.5))]);
        assert_eq!(
            validate::<Reading>(&ok).unwrap(),
            Reading {
                sensor: "a".into(),
                value: 1.5
            }
        );
        let cases = [
            (
                Value::Int(3),
                "invalid `Reading` message: expected a dict, got int",
            ),
            (
                dict(&[("sensor", Value::str("a"))]),
                "invalid `Reading` message: missing mandatory field `value`",
            ),
            (
                dict(&[]),
                "invalid `Reading` message: missing mandatory fields `sensor`, `value`",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(
                validate::<Reading>(&value).unwrap_err().to_string(),
                expected
            );
        }
        let wrong_type = dict(&[("sensor", Value::Int(1)), ("value", Value::Float(1.0))]);
        assert!(matches!(
            validate::<Reading>(&wrong_type),
            Err(Error::InvalidMessage { .. })
        ));
        let optional = dict(&[("id", Value::Int(7))]);
        assert_eq!(validate::<Optional>(&optional).unwrap().id, 7);
    }
}
