//! PYON, the value format of SiPyCo and ARTIQ, in Rust.
//!
//! PYON carries Python values between SiPyCo peers: RPC arguments and results, replicated
//! structures, datasets in files. This crate is the bottom of the `sipyco-rs` workspace and
//! mirrors the Python modules `sipyco.pyon` (PYON v2) and `sipyco.pyon_v1` (PYON v1):
//!
//! - [`Value`] models every Python type that PYON can carry: `None`, `bool`, `int` of any size,
//!   `float`, `complex`, `str`, `bytes`, `list`, `tuple`, `dict` with any hashable keys, `set`,
//!   `OrderedDict`, `slice`, `Fraction`, numpy arrays ([`NdArray`]) and scalars ([`NpScalar`]).
//! - [`v2`] is the current wire format: JSON with `{"__jsonclass__": [name, args]}` tags. The
//!   crate-root [`encode`], [`encode_pretty`] and [`decode`] are its shortcuts.
//! - [`v1`] is the legacy format: Python literal syntax. Its decoder is a real parser of the
//!   literal subset; nothing is ever evaluated.
//! - Encodings are byte for byte those of the Python encoders.
//! - Decoders bound nesting ([`DEFAULT_MAX_DEPTH`]), never panic, and report errors with a line
//!   and column.
//! - [`to_value`] / [`from_value`] move `serde` types in and out of the model, so a
//!   `#[derive(Serialize, Deserialize)]` struct travels as its Python counterpart.
//! - [`load_file`] and [`store_file`] read and atomically write PYON files.
//! - [`text`] writes values as Python shows them to people: [`repr`], [`pformat`] (Python's
//!   `pprint`), numpy's array repr; and reads Python's number and string literals.
//!
//! ```
//! use pyon_codec::{Value, decode, encode, tuple};
//!
//! let v = tuple![1, "x", 2.5];
//! let text = encode(&v)?;
//! assert_eq!(text, r#"{"__jsonclass__":["tuple",[[1,"x",2.5]]]}"#);
//! assert_eq!(decode(&text)?, v);
//! assert_eq!(pyon_codec::v1::encode(&v)?, r#"(1, "x", 2.5)"#);
//! # Ok::<(), pyon_codec::Error>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

/// `$body` with `$t` bound to `$s` (a `&str`), dispatched on the length: for each listed length
/// `$t` is a slice of that constant length, so the copies `$body` makes of it are a few
/// fixed-size moves, which the compiler can keep in registers, instead of a `memcpy` call; any
/// other length takes `$s` as it is. Used where short strings are made or written, the bulk of
/// a document's strings.
macro_rules! by_length {
    ($s:expr, |$t:ident| $body:expr, $($n:literal)*) => {{
        let s: &str = $s;
        match s.len() {
            $($n => {
                let $t = &s[..$n];
                $body
            })*
            _ => {
                let $t = s;
                $body
            }
        }
    }};
}

mod construct;
mod dict;
mod error;
mod files;
mod numpy;
mod pyeq;
mod registry;
#[doc(hidden)]
pub mod scan;
mod serde_impl;
pub mod text;
pub mod v1;
pub mod v2;
mod value;
mod write;

pub use dict::Dict;
pub use error::{Category, Error, Result};
pub use files::{load_file, store_file};
pub use numpy::{ByteOrder, DType, Element, NdArray, NpScalar};
pub use registry::{is_registered, register, register_with, unregister};
pub use serde_impl::{
    from_slice, from_str, from_str_v1, from_value, to_string, to_string_v1, to_value, to_vec,
};
pub use text::{float_repr, pformat, repr, str_repr};
pub use v2::{decode, encode, encode_pretty};
pub use value::{Custom, Fraction, Kind, PyStr, Slice, Value};

/// The default nesting limit of the decoders. Python's decoders give up (with a
/// `RecursionError`) a little below 1000 levels; this accepts everything they accept.
pub const DEFAULT_MAX_DEPTH: usize = 1024;

/// The nesting limit of the encoders, in values.
pub const MAX_ENCODE_DEPTH: usize = 2048;

/// A PYON version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// Legacy: Python literal syntax (ARTIQ 8 and older, files, command-line arguments).
    V1,
    /// Current: JSON with type tags.
    V2,
}

impl Version {
    /// Encodes `v` in this version.
    pub fn encode(self, v: &Value) -> Result<String> {
        match self {
            Version::V1 => v1::encode(v),
            Version::V2 => v2::encode(v),
        }
    }

    /// Encodes `v` in this version, pretty-printed.
    pub fn encode_pretty(self, v: &Value) -> Result<String> {
        match self {
            Version::V1 => v1::encode_pretty(v),
            Version::V2 => v2::encode_pretty(v),
        }
    }

    /// Appends the encoding of `v` to `out`.
    pub fn encode_into(self, out: &mut String, v: &Value, pretty: bool) -> Result<()> {
        match self {
            Version::V1 => v1::encode_into(out, v, pretty),
            Version::V2 => v2::encode_into(out, v, pretty),
        }
    }

    /// Writes the encoding of `v` to `w`: the whole text is made and checked first (nothing is
    /// written when `v` cannot be encoded), but the base64 of large arrays and `bytes` goes to
    /// `w` in pieces straight from `v`, so it never takes an output buffer of its own size.
    /// See [`v2::encode_to_writer`].
    pub fn encode_to_writer(self, w: impl std::io::Write, v: &Value, pretty: bool) -> Result<()> {
        match self {
            Version::V1 => v1::encode_to_writer(w, v, pretty),
            Version::V2 => v2::encode_to_writer(w, v, pretty),
        }
    }

    /// Decodes one value in this version.
    pub fn decode(self, text: &str) -> Result<Value> {
        match self {
            Version::V1 => v1::decode(text),
            Version::V2 => v2::decode(text),
        }
    }
}

/// Decodes PYON of either version: v2 when the text is valid PYON v2, v1 otherwise (the rule of
/// SiPyCo's converters). On failure the v1 error is returned, unless the text looks like JSON.
pub fn decode_auto(text: &str) -> Result<(Value, Version)> {
    match v2::decode(text) {
        Ok(v) => Ok((v, Version::V2)),
        Err(e2) => match v1::decode(text) {
            Ok(v) => Ok((v, Version::V1)),
            Err(e1) => Err(if e2.category() == Category::Data {
                e2
            } else {
                e1
            }),
        },
    }
}

// The README's examples are doc tests of rpc-client, the crate whose tests reach every crate
// they use (pyon-codec, rpc-core, asyncio-server).
