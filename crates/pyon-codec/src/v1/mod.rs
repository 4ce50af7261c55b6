//! PYON v1: Python literal syntax, the legacy format of ARTIQ 8 and older, still used for files
//! and command-line arguments.
//!
//! The encoder writes exactly what `sipyco.pyon_v1` writes. The decoder is a real parser of the
//! literal subset (numbers, strings, bytes, tuples, lists, dicts, sets and calls of the PYON
//! constructors `slice`, `Fraction`, `OrderedDict`, `nparray`, `npscalar` and registered custom
//! names); nothing is ever evaluated.
//!
//! ```
//! use pyon_codec::{Value, tuple, v1};
//!
//! let v = v1::decode("(1, 'x', 2.5, b'\\x00', slice(None, 3, None))")?;
//! assert_eq!(v1::encode(&v)?, r#"(1, "x", 2.5, b'\x00', slice(None, 3, None))"#);
//! assert!(v1::decode("__import__('os')").is_err());
//! # Ok::<(), pyon_codec::Error>(())
//! ```

mod decode;
mod encode;
pub(crate) mod lex;
pub(crate) mod strings;

pub use decode::{construct, decode, decode_with_depth};
pub use encode::{encode, encode_into, encode_pretty, encode_to_writer};
