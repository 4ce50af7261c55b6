//! PYON v2: JSON with type tags, the current wire format.

// The decoder is being rewritten for speed (another branch); it keeps its checked indexing
// until then, and the rule applies to it again when the rewrite lands.
#[cfg_attr(
    not(test),
    allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
mod decode;
mod encode;

pub use decode::{decode, decode_with_depth};
pub use encode::{encode, encode_into, encode_pretty};
