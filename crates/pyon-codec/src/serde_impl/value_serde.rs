//! `Serialize` and `Deserialize` for [`Value`] itself.
//!
//! With any serde format, a `Value` maps to the nearest serde data model: `None` → unit, `tuple`
//! → tuple, `list` and `set` → sequence, `dict` and `OrderedDict` → map, `bytes` → bytes,
//! `complex` → the pair `(re, im)`, and the types serde has no word for → a struct named after
//! the Python type: `slice {start, stop, step}`, `Fraction {numerator, denominator}`,
//! `nparray {shape, dtype, data}`, `npscalar {dtype, data}`, `custom {name, args}`.
//! Deserializing builds the nearest `Value`: sequence → `list`, map → `dict`, and so on.
//!
//! Through this crate's own [`crate::to_value`] and [`crate::from_value`] a `Value` must come
//! through *unchanged* (a tuple stays a tuple, a set a set, an array an array), so that
//! `struct Call { args: Value }` carries any Python value. serde gives no way to downcast a
//! generic serializer, so the two sides meet through a private newtype-struct name, [`TOKEN`],
//! as serde_json's `RawValue` does, and hand the value over in a thread-local slot:
//!
//! - Serializing: `Value` calls `serialize_newtype_struct(TOKEN, Captured(&value))`. Any other
//!   serializer sees an ordinary newtype and serializes `Captured` as the model above. Our
//!   serializer recognises `TOKEN`, raises the thread-local `CAPTURING` flag and serializes
//!   `Captured`, which lowers the flag, clones the value into `SLOT` and emits a unit; our
//!   serializer then takes the clone from `SLOT`. The flag is only up between those two
//!   adjacent calls, so a `Value` serialized by another format meanwhile is unaffected.
//! - Deserializing: `Value::deserialize` calls `deserialize_newtype_struct(TOKEN, ValueVisitor)`.
//!   Other deserializers call `visit_newtype_struct`, whose `PASSED` slot is empty, and the
//!   visitor builds a `Value` through `deserialize_any`. Our deserializer recognises `TOKEN`,
//!   puts itself in `PASSED` and calls `visit_newtype_struct`, which takes it out unchanged.
//!
//! When serde buffers a value (`#[serde(flatten)]`, untagged and internally tagged enums) it
//! goes through serde's own intermediate form, and a `Value` inside comes out as its data model
//! (a tuple as a `list`, for example): the same limitation as serde_json's `RawValue`.

use std::cell::Cell;
use std::fmt;

use num_traits::ToPrimitive;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeStruct, SerializeTuple, Serializer};

use super::ser::ValueSerializer;
use crate::{Dict, Error, Result, Value};

/// The private newtype-struct name that marks a [`Value`] on its way through serde.
pub(super) const TOKEN: &str = "$pyon_codec::private::Value";

thread_local! {
    /// Raised by our serializer just before it serializes a `Captured`.
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
    /// The clone handed from `Captured` to our serializer.
    static SLOT: Cell<Option<Value>> = const { Cell::new(None) };
    /// The value handed from our deserializer to `ValueVisitor`.
    static PASSED: Cell<Option<Value>> = const { Cell::new(None) };
}

/// Called by our serializer for a newtype struct named [`TOKEN`]: returns the `Value` as is.
pub(super) fn capture<T: Serialize + ?Sized>(v: &T) -> Result<Value> {
    CAPTURING.set(true);
    let result = v.serialize(ValueSerializer);
    CAPTURING.set(false);
    match SLOT.take() {
        Some(value) => Ok(value),
        // Not a `Captured` (serde replaying a buffered value): its data model is all we have.
        None => result,
    }
}

/// Called by our deserializer for a newtype struct named [`TOKEN`]: hands `value` to the visitor.
pub(super) fn pass_through<'de, V: Visitor<'de>>(value: Value, visitor: V) -> Result<V::Value> {
    PASSED.set(Some(value));
    let result = visitor.visit_newtype_struct(Passed);
    // A visitor other than `ValueVisitor` may not have taken it; never leave it behind.
    PASSED.set(None);
    result
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(TOKEN, &Captured(self))
    }
}

/// A `Value` inside the [`TOKEN`] newtype.
struct Captured<'a>(&'a Value);

impl Serialize for Captured<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if CAPTURING.replace(false) {
            SLOT.set(Some(self.0.clone()));
            return s.serialize_unit();
        }
        Model(self.0).serialize(s)
    }
}

/// A `Value` as the nearest serde data model, for every other serializer.
struct Model<'a>(&'a Value);

impl Serialize for Model<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::None => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::BigInt(i) => {
                if let Some(x) = i.to_i128() {
                    s.serialize_i128(x)
                } else if let Some(x) = i.to_u128() {
                    s.serialize_u128(x)
                } else {
                    Err(ser::Error::custom(format!(
                        "int {i} does not fit in 128 bits"
                    )))
                }
            }
            Value::Float(f) => s.serialize_f64(*f),
            Value::Complex(c) => (c.re, c.im).serialize(s),
            Value::Str(x) => s.serialize_str(x),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::List(items) | Value::Set(items) => s.collect_seq(items.iter().map(Model)),
            Value::Tuple(items) => {
                let mut t = s.serialize_tuple(items.len())?;
                for x in items {
                    t.serialize_element(&Model(x))?;
                }
                t.end()
            }
            Value::Dict(d) | Value::OrderedDict(d) => {
                s.collect_map(d.iter().map(|(k, v)| (Model(k), Model(v))))
            }
            Value::Slice(sl) => {
                let mut st = s.serialize_struct("slice", 3)?;
                st.serialize_field("start", &Model(&sl.start))?;
                st.serialize_field("stop", &Model(&sl.stop))?;
                st.serialize_field("step", &Model(&sl.step))?;
                st.end()
            }
            Value::Fraction(f) => {
                let mut st = s.serialize_struct("Fraction", 2)?;
                st.serialize_field("numerator", &Model(&Value::from(f.numer().clone())))?;
                st.serialize_field("denominator", &Model(&Value::from(f.denom().clone())))?;
                st.end()
            }
            Value::Array(a) => {
                let mut st = s.serialize_struct("nparray", 3)?;
                st.serialize_field("shape", a.shape())?;
                st.serialize_field("dtype", a.dtype().as_str())?;
                st.serialize_field("data", &Bytes(a.data()))?;
                st.end()
            }
            Value::Scalar(x) => {
                let mut st = s.serialize_struct("npscalar", 2)?;
                st.serialize_field("dtype", x.dtype().as_str())?;
                st.serialize_field("data", &Bytes(x.data()))?;
                st.end()
            }
            Value::Custom(c) => {
                let mut st = s.serialize_struct("custom", 2)?;
                st.serialize_field("name", &c.name)?;
                st.serialize_field("args", &Model(&Value::List(c.args.clone())))?;
                st.end()
            }
        }
    }
}

/// Raw bytes through `serialize_bytes` (a `&[u8]` alone serializes as a sequence).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_newtype_struct(TOKEN, ValueVisitor)
    }
}

/// Builds a `Value` from any self-describing format.
struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::str(v))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v.into()))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        match PASSED.take() {
            Some(value) => Ok(value),
            None => d.deserialize_any(self),
        }
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(key) = map.next_key::<Value>()? {
            if !key.is_hashable() {
                return Err(de::Error::custom(format!(
                    "unhashable dict key: a {} cannot be a dict key",
                    key.kind()
                )));
            }
            let value = map.next_value()?;
            dict.insert(key, value);
        }
        Ok(Value::Dict(dict))
    }
}

/// The deserializer handed to `visit_newtype_struct` by [`pass_through`]: the value waits in
/// `PASSED`; a visitor that does not take it directly deserializes it from there.
struct Passed;

impl<'de> Deserializer<'de> for Passed {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match PASSED.take() {
            Some(value) => value.deserialize_any(visitor),
            None => Err(Error::data("value already taken")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}
