//! PYON v2: JSON with type tags, the current wire format.

mod decode;
mod encode;

pub use decode::{decode, decode_with_depth};
pub(crate) use encode::encode_parts;
pub use encode::{encode, encode_into, encode_pretty, encode_to_writer};
