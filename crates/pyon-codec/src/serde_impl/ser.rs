//! The serializer behind [`crate::to_value`]: serde data model → [`Value`].

use serde::ser::{self, Serialize};

use super::value_serde;
use crate::{Dict, Error, Result, Value};

/// Serializes into a [`Value`].
pub(super) struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SerializeSeq;
    type SerializeTuple = SerializeSeq;
    type SerializeTupleStruct = SerializeSeq;
    type SerializeTupleVariant = SerializeVariant<SerializeSeq>;
    type SerializeMap = SerializeMap;
    type SerializeStruct = SerializeStruct;
    type SerializeStructVariant = SerializeVariant<SerializeStruct>;

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        // The exact value, as numpy's `float(np.float32(x))` gives it.
        Ok(Value::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::Str(crate::PyStr::new(v.encode_utf8(&mut [0; 4]))))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::Str(v.into()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value> {
        Ok(Value::str(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value> {
        if name == value_serde::TOKEN {
            return value_serde::capture(v);
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value> {
        Ok(variant_dict(variant, to_value(v)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SerializeSeq> {
        Ok(SerializeSeq::new(len, false))
    }
    fn serialize_tuple(self, len: usize) -> Result<SerializeSeq> {
        Ok(SerializeSeq::new(Some(len), true))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<SerializeSeq> {
        Ok(SerializeSeq::new(Some(len), true))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeVariant<SerializeSeq>> {
        Ok(SerializeVariant {
            variant,
            inner: SerializeSeq::new(Some(len), true),
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<SerializeMap> {
        Ok(SerializeMap {
            dict: Dict::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<SerializeStruct> {
        Ok(SerializeStruct {
            entries: Vec::with_capacity(len),
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeVariant<SerializeStruct>> {
        Ok(SerializeVariant {
            variant,
            inner: SerializeStruct {
                entries: Vec::with_capacity(len),
            },
        })
    }
}

fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value> {
    v.serialize(ValueSerializer)
}

/// `{variant: value}`, the externally tagged enum shape of serde_json.
fn variant_dict(variant: &str, value: Value) -> Value {
    Value::Dict(Dict::from_unique_pairs(vec![(Value::str(variant), value)]))
}

/// Collects a sequence into a `list`, or a tuple into a `tuple`.
pub(super) struct SerializeSeq {
    items: Vec<Value>,
    tuple: bool,
}

impl SerializeSeq {
    fn new(len: Option<usize>, tuple: bool) -> SerializeSeq {
        SerializeSeq {
            // Size hints are only hints: cap what is reserved up front.
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            tuple,
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.items.push(to_value(v)?);
        Ok(())
    }

    fn finish(self) -> Value {
        if self.tuple {
            Value::Tuple(self.items)
        } else {
            Value::List(self.items)
        }
    }
}

impl ser::SerializeSeq for SerializeSeq {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.push(v)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SerializeSeq {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.push(v)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SerializeSeq {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.push(v)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

/// Collects a map into a `dict`.
pub(super) struct SerializeMap {
    dict: Dict,
    key: Option<Value>,
}

impl ser::SerializeMap for SerializeMap {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        let key = to_value(key)?;
        if !key.is_hashable() {
            return Err(Error::encode(format!(
                "unhashable map key: a {} cannot be a dict key",
                key.kind()
            )));
        }
        self.key = Some(key);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error::encode("map value serialized before its key"))?;
        self.dict.insert(key, to_value(v)?);
        Ok(())
    }
    fn end(self) -> Result<Value> {
        Ok(Value::Dict(self.dict))
    }
}

/// Collects a struct into a `dict` with `str` keys in field order.
pub(super) struct SerializeStruct {
    entries: Vec<(Value, Value)>,
}

impl SerializeStruct {
    fn push<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.entries.push((Value::str(key), to_value(v)?));
        Ok(())
    }

    fn finish(self) -> Value {
        // Derived field names are distinct, but `#[serde(rename)]` could repeat one: keep
        // Python's dict semantics (last value wins) rather than trust it.
        Value::Dict(Dict::from_pairs(self.entries))
    }
}

impl ser::SerializeStruct for SerializeStruct {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.push(key, v)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

/// A tuple or struct variant: the inner collector, then wrapped as `{variant: inner}`.
pub(super) struct SerializeVariant<I> {
    variant: &'static str,
    inner: I,
}

impl ser::SerializeTupleVariant for SerializeVariant<SerializeSeq> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        self.inner.push(v)
    }
    fn end(self) -> Result<Value> {
        Ok(variant_dict(self.variant, self.inner.finish()))
    }
}

impl ser::SerializeStructVariant for SerializeVariant<SerializeStruct> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<()> {
        self.inner.push(key, v)
    }
    fn end(self) -> Result<Value> {
        Ok(variant_dict(self.variant, self.inner.finish()))
    }
}
