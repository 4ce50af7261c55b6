//! The datagram format: pure encoding and decoding, no I/O.
//!
//! One message is one UDP datagram:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 2 | magic `QL` (`0x51 0x4c`) |
//! | 2 | 1 | format version, [`VERSION`] (1) |
//! | 3 | 2 | topic length `n`, big-endian, at most [`MAX_TOPIC`] |
//! | 5 | n | topic, UTF-8 |
//! | 5 + n | 1 | payload kind: `0` raw bytes, `1` PYON v2 text (UTF-8) |
//! | 6 + n | rest | payload |
//!
//! A whole datagram is at most [`MAX_DATAGRAM`] bytes, the largest UDP payload over IPv4.
//! Encoding a larger one is an error ([`Error::TooLarge`]): a message is never truncated.

use crate::error::{Error, Result};

/// The two bytes every datagram starts with.
pub const MAGIC: [u8; 2] = *b"QL";
/// The format version this crate writes and reads.
pub const VERSION: u8 = 1;
/// The largest datagram, header included: the maximum UDP payload over IPv4
/// (65,535 − 8 bytes of UDP header − 20 bytes of IPv4 header).
pub const MAX_DATAGRAM: usize = 65_507;
/// The longest topic, in bytes.
pub const MAX_TOPIC: usize = 1024;
/// Bytes of header around the topic: magic, version, topic length, payload kind.
pub const HEADER_LEN: usize = 6;

/// How the payload bytes are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayloadKind {
    /// Opaque bytes.
    Bytes,
    /// PYON v2 text.
    Pyon,
}

impl PayloadKind {
    fn to_byte(self) -> u8 {
        match self {
            PayloadKind::Bytes => 0,
            PayloadKind::Pyon => 1,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0 => Some(PayloadKind::Bytes),
            1 => Some(PayloadKind::Pyon),
            _ => None,
        }
    }
}

/// A decoded datagram, borrowing from the received bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The topic.
    pub topic: &'a str,
    /// How to read the payload.
    pub kind: PayloadKind,
    /// The payload bytes.
    pub payload: &'a [u8],
}

/// The size of the datagram that [`encode`] would produce.
pub fn encoded_len(topic: &str, payload: &[u8]) -> usize {
    HEADER_LEN + topic.len() + payload.len()
}

/// Encodes one datagram, checking the topic and size limits.
pub fn encode(topic: &str, kind: PayloadKind, payload: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode_into(&mut out, topic, kind, payload)?;
    Ok(out)
}

/// Replaces the contents of `out` with one encoded datagram, checking the limits first
/// (`out` is left empty on error).
pub fn encode_into(
    out: &mut Vec<u8>,
    topic: &str,
    kind: PayloadKind,
    payload: &[u8],
) -> Result<()> {
    out.clear();
    if topic.len() > MAX_TOPIC {
        return Err(Error::TopicTooLong {
            len: topic.len(),
            max: MAX_TOPIC,
        });
    }
    let size = encoded_len(topic, payload);
    if size > MAX_DATAGRAM {
        return Err(Error::TooLarge {
            size,
            max: MAX_DATAGRAM,
        });
    }
    out.reserve(size);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    // Checked against MAX_TOPIC above, which fits in u16.
    out.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    out.extend_from_slice(topic.as_bytes());
    out.push(kind.to_byte());
    out.extend_from_slice(payload);
    Ok(())
}

/// Decodes one datagram.
pub fn decode(datagram: &[u8]) -> Result<Frame<'_>> {
    let malformed = |what: &str| Error::Malformed(what.to_owned());
    if datagram.len() < HEADER_LEN {
        return Err(Error::Malformed(format!(
            "expected at least {HEADER_LEN} bytes, got {}",
            datagram.len()
        )));
    }
    let [m0, m1, version, n_hi, n_lo, rest @ ..] = datagram else {
        return Err(malformed("truncated header"));
    };
    if [*m0, *m1] != MAGIC {
        return Err(malformed("expected magic `QL`"));
    }
    if *version != VERSION {
        return Err(Error::Malformed(format!(
            "unsupported version {version}, expected {VERSION}"
        )));
    }
    let n = usize::from(u16::from_be_bytes([*n_hi, *n_lo]));
    if n > MAX_TOPIC {
        return Err(Error::Malformed(format!(
            "topic length {n} exceeds the limit of {MAX_TOPIC}"
        )));
    }
    let Some((topic, after)) = rest.split_at_checked(n) else {
        return Err(malformed("truncated topic"));
    };
    let Some((&kind, payload)) = after.split_first() else {
        return Err(malformed("truncated topic"));
    };
    let topic = std::str::from_utf8(topic).map_err(|_| malformed("topic is not UTF-8"))?;
    let kind = PayloadKind::from_byte(kind)
        .ok_or_else(|| Error::Malformed(format!("unknown payload kind {kind}")))?;
    Ok(Frame {
        topic,
        kind,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let cases: &[(&str, PayloadKind, &[u8])] = &[
            ("", PayloadKind::Bytes, b""),
            ("t", PayloadKind::Bytes, b"\x00\xff"),
            ("temp/ü", PayloadKind::Pyon, b"[1,2]"),
        ];
        for &(topic, kind, payload) in cases {
            let d = encode(topic, kind, payload).unwrap();
            assert_eq!(d.len(), encoded_len(topic, payload));
            assert_eq!(
                decode(&d).unwrap(),
                Frame {
                    topic,
                    kind,
                    payload
                }
            );
        }
    }

    #[test]
    fn exact_bytes() {
        let d = encode("ab", PayloadKind::Pyon, b"1").unwrap();
        assert_eq!(d, b"QL\x01\x00\x02ab\x011");
    }

    #[test]
    fn size_limit_is_checked_at_encode() {
        let topic = "x";
        let fits = vec![0u8; MAX_DATAGRAM - HEADER_LEN - 1];
        assert_eq!(
            encode(topic, PayloadKind::Bytes, &fits).unwrap().len(),
            MAX_DATAGRAM
        );
        let over = vec![0u8; fits.len() + 1];
        let err = encode(topic, PayloadKind::Bytes, &over).unwrap_err();
        assert_eq!(
            err.to_string(),
            "datagram of 65508 bytes exceeds the limit of 65507 bytes"
        );
        let long = "t".repeat(MAX_TOPIC + 1);
        assert!(matches!(
            encode(&long, PayloadKind::Bytes, b""),
            Err(Error::TopicTooLong { .. })
        ));
    }

    #[test]
    fn rejects_malformed() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "malformed datagram: expected at least 6 bytes, got 0"),
            (
                b"XL\x01\x00\x00\x00",
                "malformed datagram: expected magic `QL`",
            ),
            (
                b"QL\x02\x00\x00\x00",
                "malformed datagram: unsupported version 2, expected 1",
            ),
            (
                b"QL\x01\x00\x05ab\x00",
                "malformed datagram: truncated topic",
            ),
            (
                b"QL\x01\x00\x01\xff\x00",
                "malformed datagram: topic is not UTF-8",
            ),
            (
                b"QL\x01\x00\x00\x07",
                "malformed datagram: unknown payload kind 7",
            ),
            (
                b"QL\x01\xff\xff\x00",
                "malformed datagram: topic length 65535 exceeds the limit of 1024",
            ),
        ];
        for &(input, expected) in cases {
            assert_eq!(
                decode(input).unwrap_err().to_string(),
                expected,
                "{input:?}"
            );
        }
    }
}
