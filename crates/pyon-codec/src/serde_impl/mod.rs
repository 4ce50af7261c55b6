//! serde integration: Rust types in and out of [`Value`], and straight to PYON text.
//!
//! [`to_value`] documents how the serde data model maps to Python values, [`from_value`] the
//! shapes it accepts back. [`Value`] implements `Serialize` and `Deserialize` too; `value_serde`
//! explains how it passes through [`to_value`] and [`from_value`] unchanged.

mod de;
mod ser;
mod value_serde;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result, Value};

/// Converts any serializable Rust value to a [`Value`].
///
/// The mapping follows what a Python peer expects, so a `#[derive(Serialize)]` struct travels
/// as its Python counterpart:
///
/// | Rust (serde data model) | Python value |
/// | --- | --- |
/// | `bool`, integers of any width, `f32`/`f64`, `char`/`str` | `bool`, `int`, `float`, `str` |
/// | bytes (`serialize_bytes`, as `serde_bytes` does) | `bytes` |
/// | `None`, `()`, unit struct | `None` |
/// | `Some(x)`, newtype struct | `x` |
/// | sequence (`Vec`, slice, `HashSet`) | `list` |
/// | tuple, array `[T; N]`, tuple struct | `tuple` |
/// | map | `dict`; keys may be any hashable value (ints, tuples...), a `list` key is an error |
/// | struct | `dict` with `str` keys, in field order |
/// | enum | as serde_json: `"Unit"`, `{"Newtype": x}`, `{"Tuple": (..)}`, `{"Struct": {..}}` |
/// | [`Value`] | itself, unchanged |
///
/// ```
/// use pyon_codec::{Value, to_value, tuple};
///
/// assert_eq!(to_value(&(1, "x"))?, tuple![1, "x"]);
/// assert_eq!(to_value(&vec![1u8, 2])?, Value::List(vec![Value::Int(1), Value::Int(2)]));
/// # Ok::<(), pyon_codec::Error>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(v: &T) -> Result<Value> {
    v.serialize(ser::ValueSerializer)
}

/// Converts a [`Value`] to any deserializable Rust type.
///
/// Accepts the reverse of [`to_value`], plus the shapes a Python peer may send instead:
///
/// - a `list`, `tuple` or `set` for any sequence, tuple or set type;
/// - a `dict` or `OrderedDict` for any map or struct, keys deserialized from their own value
///   (so `HashMap<i64, _>` reads int keys), and a sequence for a struct (fields in order, as
///   serde_json allows);
/// - an `int` for a float (not the reverse), a big `int` for `u64`/`i128`/`u128` when it fits;
/// - `bytes` for `Vec<u8>` or a bytes visitor; a 1-character `str` for `char`;
/// - a numeric numpy scalar (`bool`, `int8`..`uint64`, `float32`, `float64`) for its number;
/// - an enum from a `str` (unit variant) or a single-entry dict `{variant: value}`;
/// - a `complex` as the pair `(re, im)`.
///
/// Slices, fractions, arrays, other numpy scalars and registered custom types have no serde
/// counterpart: they are an `invalid type` error naming the Python type ("invalid type:
/// ndarray, expected a sequence"), unless the target is [`Value`], which takes anything as is.
///
/// ```
/// use pyon_codec::{from_value, tuple};
///
/// let (a, b): (i32, String) = from_value(tuple![1, "x"])?;
/// assert_eq!((a, b.as_str()), (1, "x"));
/// assert!(from_value::<i32>(tuple![1]).is_err());
/// # Ok::<(), pyon_codec::Error>(())
/// ```
pub fn from_value<T: DeserializeOwned>(v: Value) -> Result<T> {
    T::deserialize(v)
}

/// Encodes any serializable Rust value as compact PYON v2 text.
///
/// ```
/// assert_eq!(pyon_codec::to_string(&(1, "x"))?, r#"{"__jsonclass__":["tuple",[[1,"x"]]]}"#);
/// # Ok::<(), pyon_codec::Error>(())
/// ```
pub fn to_string<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    crate::v2::encode(&to_value(v)?)
}

/// Decodes PYON v2 text into any deserializable Rust type.
pub fn from_str<T: DeserializeOwned>(s: &str) -> Result<T> {
    from_value(crate::v2::decode(s)?)
}

/// Serialises `v` as compact PYON v2 bytes (ASCII), ready for a socket or a file.
pub fn to_vec<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>> {
    to_string(v).map(String::into_bytes)
}

/// Deserialises `T` from PYON v2 bytes, as read from a socket or a file; invalid UTF-8 is an
/// error with its position.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, column) = crate::error::line_col(bytes, e.valid_up_to());
        crate::Error::data("invalid UTF-8").at(line, column)
    })?;
    from_str(text)
}

/// Encodes any serializable Rust value as compact PYON v1 text.
pub fn to_string_v1<T: Serialize + ?Sized>(v: &T) -> Result<String> {
    crate::v1::encode(&to_value(v)?)
}

/// Decodes PYON v1 text into any deserializable Rust type.
pub fn from_str_v1<T: DeserializeOwned>(s: &str) -> Result<T> {
    from_value(crate::v1::decode(s)?)
}

impl serde::ser::Error for Error {
    fn custom<M: std::fmt::Display>(msg: M) -> Error {
        Error::encode(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<M: std::fmt::Display>(msg: M) -> Error {
        Error::data(msg.to_string())
    }
}
