//! The one error type of this crate.

use std::io;

/// What went wrong while publishing, receiving or decoding.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The datagram would not fit in one UDP datagram: refused at publish time, never truncated.
    #[error("datagram of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the encoded datagram (header, topic and payload).
        size: usize,
        /// The limit, [`MAX_DATAGRAM`](crate::wire::MAX_DATAGRAM).
        max: usize,
    },
    /// A topic longer than the wire format allows.
    #[error("topic of {len} bytes exceeds the limit of {max} bytes")]
    TopicTooLong {
        /// Length of the topic in bytes.
        len: usize,
        /// The limit, [`MAX_TOPIC`](crate::wire::MAX_TOPIC).
        max: usize,
    },
    /// A datagram that is not in the format of [`wire`](crate::wire).
    #[error("malformed datagram: {0}")]
    Malformed(String),
    /// A payload that is not valid PYON, or a value that PYON cannot carry.
    #[error("pyon: {0}")]
    Pyon(#[from] pyon_codec::Error),
    /// A value that is not a valid message of the expected type.
    #[error("invalid `{message}` message: {reason}")]
    InvalidMessage {
        /// The Rust name of the message type.
        message: &'static str,
        /// What was wrong with it.
        reason: String,
    },
    /// An address that does not fit the operation (e.g. joining a group with a unicast address).
    #[error("invalid address: {0}")]
    Address(String),
    /// A socket error.
    #[error("io: {0}")]
    Io(#[from] io::Error),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
