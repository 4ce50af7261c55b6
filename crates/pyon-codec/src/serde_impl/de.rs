//! The deserializer behind [`crate::from_value`]: a [`Value`], by value, is a serde
//! `Deserializer`.

use num_traits::ToPrimitive;
use serde::de::{
    self, DeserializeSeed, EnumAccess, Expected, IntoDeserializer, MapAccess, SeqAccess,
    Unexpected, VariantAccess, Visitor,
};

use super::value_serde;
use crate::{Error, Result, Value};

impl Value {
    /// How serde error messages name this value ("invalid type: tuple, expected i32").
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Value::None => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Int(i) => Unexpected::Signed(*i),
            Value::Float(f) => Unexpected::Float(*f),
            Value::Str(s) => Unexpected::Str(s),
            Value::Bytes(b) => Unexpected::Bytes(b),
            Value::List(_) => Unexpected::Seq,
            Value::Dict(_) => Unexpected::Map,
            Value::BigInt(_) => Unexpected::Other("int"),
            other => Unexpected::Other(other.kind().name()),
        }
    }

    fn invalid_type(&self, exp: &dyn Expected) -> Error {
        de::Error::invalid_type(self.unexpected(), exp)
    }
}

/// A `Value` deserializes into any type whose shape it has; [`crate::from_value`] lists the
/// accepted shapes.
impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Int(i) => visitor.visit_i64(i),
            Value::BigInt(ref i) => {
                // Outside the i64 range; the narrowest visit that holds it, since serde's
                // primitive visitors do not narrow an `i128` to a `u64`.
                if let Some(x) = i.to_u64() {
                    visitor.visit_u64(x)
                } else if let Some(x) = i.to_i128() {
                    visitor.visit_i128(x)
                } else if let Some(x) = i.to_u128() {
                    visitor.visit_u128(x)
                } else {
                    Err(Error::data(format!(
                        "invalid value: int {i} does not fit in 128 bits, expected {}",
                        &visitor as &dyn Expected
                    )))
                }
            }
            Value::Float(f) => visitor.visit_f64(f),
            // Documented: a complex number is seen as the pair (re, im).
            Value::Complex(c) => visit_seq(vec![Value::Float(c.re), Value::Float(c.im)], visitor),
            Value::Str(s) => visitor.visit_string(s.into_string()),
            Value::Bytes(b) => visitor.visit_byte_buf(b),
            Value::List(items) | Value::Tuple(items) | Value::Set(items) => {
                visit_seq(items, visitor)
            }
            Value::Dict(d) | Value::OrderedDict(d) => {
                let len = d.len();
                let mut map = MapDeserializer {
                    iter: d.into_iter(),
                    value: None,
                };
                let out = visitor.visit_map(&mut map)?;
                match map.iter.len() {
                    0 => Ok(out),
                    _ => Err(de::Error::invalid_length(len, &"fewer entries in the dict")),
                }
            }
            Value::Scalar(ref x) => visit_scalar(x, &self, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::None => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::None => visitor.visit_unit(),
            other => Err(other.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == value_serde::TOKEN {
            return value_serde::pass_through(self, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            // `Vec<u8>` asks for a sequence: give it the bytes one by one.
            Value::Bytes(b) => visit_seq(b.into_iter().map(Value::from).collect(), visitor),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::Str(_) => visitor.visit_enum(EnumDeserializer {
                variant: self,
                value: None,
            }),
            Value::Dict(d) | Value::OrderedDict(d) if d.len() == 1 => {
                let Some((variant, value)) = d.into_iter().next() else {
                    return Err(de::Error::custom("expected a dict of one entry"));
                };
                visitor.visit_enum(EnumDeserializer {
                    variant,
                    value: Some(value),
                })
            }
            Value::Dict(_) | Value::OrderedDict(_) => Err(de::Error::invalid_value(
                Unexpected::Map,
                &"a dict with a single key (the variant name)",
            )),
            other => Err(other.invalid_type(&"a str or a single-entry dict (an enum)")),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        drop(self);
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf tuple tuple_struct map struct identifier
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

/// A numeric numpy scalar is its number; other scalars are an `invalid type` error.
fn visit_scalar<'de, V: Visitor<'de>>(
    x: &crate::NpScalar,
    value: &Value,
    visitor: V,
) -> Result<V::Value> {
    match (x.dtype().kind(), x.dtype().itemsize()) {
        ('b', 1) => visitor.visit_bool(x.get::<bool>()?),
        ('i', 1) => visitor.visit_i8(x.get::<i8>()?),
        ('i', 2) => visitor.visit_i16(x.get::<i16>()?),
        ('i', 4) => visitor.visit_i32(x.get::<i32>()?),
        ('i', 8) => visitor.visit_i64(x.get::<i64>()?),
        ('u', 1) => visitor.visit_u8(x.get::<u8>()?),
        ('u', 2) => visitor.visit_u16(x.get::<u16>()?),
        ('u', 4) => visitor.visit_u32(x.get::<u32>()?),
        ('u', 8) => visitor.visit_u64(x.get::<u64>()?),
        ('f', 4) => visitor.visit_f32(x.get::<f32>()?),
        ('f', 8) => visitor.visit_f64(x.get::<f64>()?),
        _ => Err(value.invalid_type(&visitor)),
    }
}

/// Visits `items` as a sequence, and insists that the visitor takes all of them.
fn visit_seq<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value> {
    let len = items.len();
    let mut seq = SeqDeserializer {
        iter: items.into_iter(),
    };
    let out = visitor.visit_seq(&mut seq)?;
    match seq.iter.len() {
        0 => Ok(out),
        _ => Err(de::Error::invalid_length(
            len,
            &"fewer elements in the sequence",
        )),
    }
}

struct SeqDeserializer {
    iter: std::vec::IntoIter<Value>,
}

impl<'de> SeqAccess<'de> for SeqDeserializer {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        self.iter.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapDeserializer {
    iter: std::vec::IntoIter<(Value, Value)>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapDeserializer {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        match self.value.take() {
            Some(v) => seed.deserialize(v),
            None => Err(Error::data("dict value requested before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An enum: the variant name (a `str`) and, for a `{variant: value}` dict, its value.
struct EnumDeserializer {
    variant: Value,
    value: Option<Value>,
}

impl<'de> EnumAccess<'de> for EnumDeserializer {
    type Error = Error;
    type Variant = VariantDeserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self::Variant)> {
        let variant = seed.deserialize(self.variant)?;
        Ok((variant, VariantDeserializer { value: self.value }))
    }
}

struct VariantDeserializer {
    value: Option<Value>,
}

impl<'de> VariantAccess<'de> for VariantDeserializer {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.value {
            None | Some(Value::None) => Ok(()),
            Some(other) => Err(other.invalid_type(&"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.value {
            Some(v) => seed.deserialize(v),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(Value::List(items) | Value::Tuple(items)) => visit_seq(items, visitor),
            Some(other) => Err(other.invalid_type(&"tuple variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.value {
            Some(
                v @ (Value::Dict(_) | Value::OrderedDict(_) | Value::List(_) | Value::Tuple(_)),
            ) => de::Deserializer::deserialize_any(v, visitor),
            Some(other) => Err(other.invalid_type(&"struct variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}
