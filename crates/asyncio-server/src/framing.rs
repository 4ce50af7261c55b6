//! Line framing: one message per `\n`-terminated line, bounded in length.
//!
//! [`LineCodec`] has the shape of tokio-util's `LinesCodec::new_with_max_length`, but it reports
//! the errors of this crate and never resumes after a bad line: in SiPyCo an over-long line,
//! invalid UTF-8 or a truncated line ends the connection.
//!
//! Only the trailing `\n` is removed from a line; every other byte is kept, including a `\r`
//! before the `\n` (Python peers compare lines byte for byte, so `"ARTIQ pc_rpc\r"` is not a
//! valid banner for them either).

use bytes::{BufMut, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use crate::error::Error;

/// Longest line (in bytes, without the `\n`) that servers accept by default: 4 MiB, the limit of
/// Python SiPyCo servers.
pub const DEFAULT_SERVER_LINE_LIMIT: usize = 4 << 20;

/// Longest line that clients and subscribers accept by default: 100 MiB, the limit of Python
/// SiPyCo clients.
pub const DEFAULT_CLIENT_LINE_LIMIT: usize = 100 << 20;

/// Decoder and encoder of `\n`-terminated UTF-8 lines.
///
/// Decoding yields each line without its `\n`. Encoding appends `\n` to the given text; the text
/// itself must not contain `\n` (the SiPyCo encoders never emit one).
#[derive(Debug, Clone)]
pub struct LineCodec {
    /// Where to resume looking for `\n` in the buffer: bytes before it hold none.
    next_index: usize,
    max_length: usize,
}

impl LineCodec {
    /// A codec accepting lines of at most `max_length` bytes (not counting the `\n`).
    pub fn new(max_length: usize) -> Self {
        LineCodec {
            next_index: 0,
            max_length,
        }
    }

    /// The longest line this codec accepts.
    pub fn max_length(&self) -> usize {
        self.max_length
    }

    /// Change the longest line this codec accepts, effective for the next line checked.
    pub fn set_max_length(&mut self, max_length: usize) {
        self.max_length = max_length;
    }
}

impl Default for LineCodec {
    /// A codec with the server limit, [`DEFAULT_SERVER_LINE_LIMIT`].
    fn default() -> Self {
        LineCodec::new(DEFAULT_SERVER_LINE_LIMIT)
    }
}

impl Decoder for LineCodec {
    type Item = String;
    type Error = Error;

    fn decode(&mut self, buf: &mut BytesMut) -> Result<Option<String>, Error> {
        // Never look further than one byte past the limit: a longer line is an error anyway.
        let end = buf.len().min(self.max_length.saturating_add(1));
        let found = buf
            .get(self.next_index..end)
            .and_then(|window| window.iter().position(|&b| b == b'\n'));
        match found {
            Some(offset) => {
                let newline = self.next_index + offset;
                self.next_index = 0;
                let mut line = buf.split_to(newline + 1);
                line.truncate(newline);
                match String::from_utf8(line.into()) {
                    Ok(text) => Ok(Some(text)),
                    Err(err) => Err(Error::InvalidUtf8 {
                        offset: err.utf8_error().valid_up_to(),
                    }),
                }
            }
            None if buf.len() > self.max_length => Err(Error::LineTooLong {
                limit: self.max_length,
            }),
            None => {
                self.next_index = buf.len();
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<String>, Error> {
        match self.decode(buf)? {
            Some(line) => Ok(Some(line)),
            None if buf.is_empty() => Ok(None),
            None => Err(Error::UnexpectedEof { len: buf.len() }),
        }
    }
}

impl Encoder<&str> for LineCodec {
    type Error = Error;

    fn encode(&mut self, line: &str, buf: &mut BytesMut) -> Result<(), Error> {
        buf.reserve(line.len() + 1);
        buf.put_slice(line.as_bytes());
        buf.put_u8(b'\n');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(codec: &mut LineCodec, buf: &mut BytesMut) -> Vec<String> {
        let mut lines = Vec::new();
        while let Some(line) = codec.decode(buf).unwrap() {
            lines.push(line);
        }
        lines
    }

    #[test]
    fn lines_in_one_piece() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::from("ARTIQ pc_rpc\n{\"a\":1}\n\nlast\n");
        assert_eq!(
            decode_all(&mut codec, &mut buf),
            ["ARTIQ pc_rpc", "{\"a\":1}", "", "last"]
        );
        assert!(buf.is_empty());
        assert_eq!(codec.decode_eof(&mut buf).unwrap(), None);
    }

    #[test]
    fn line_split_across_reads() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::new();
        for piece in ["AR", "TIQ ", "sync_", "struct"] {
            buf.extend_from_slice(piece.as_bytes());
            assert_eq!(codec.decode(&mut buf).unwrap(), None);
        }
        buf.extend_from_slice(b"\nnot");
        assert_eq!(
            codec.decode(&mut buf).unwrap().as_deref(),
            Some("ARTIQ sync_struct")
        );
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"ifier\n");
        assert_eq!(codec.decode(&mut buf).unwrap().as_deref(), Some("notifier"));
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
    }

    #[test]
    fn byte_by_byte() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::new();
        let mut lines = Vec::new();
        for &b in b"a\nbc\n\xc3\xa9\n" {
            buf.put_u8(b);
            if let Some(line) = codec.decode(&mut buf).unwrap() {
                lines.push(line);
            }
        }
        assert_eq!(lines, ["a", "bc", "é"]);
    }

    #[test]
    fn keeps_carriage_return() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::from("ARTIQ pc_rpc\r\n");
        assert_eq!(
            codec.decode(&mut buf).unwrap().as_deref(),
            Some("ARTIQ pc_rpc\r")
        );
    }

    #[test]
    fn limit_is_inclusive() {
        let mut codec = LineCodec::new(4);
        let mut buf = BytesMut::from("abcd\n");
        assert_eq!(codec.decode(&mut buf).unwrap().as_deref(), Some("abcd"));
        let mut buf = BytesMut::from("abcde\n");
        assert_eq!(
            codec.decode(&mut buf).unwrap_err().to_string(),
            "line longer than 4 bytes"
        );
    }

    #[test]
    fn over_long_line_without_newline_yet() {
        let mut codec = LineCodec::new(8);
        let mut buf = BytesMut::from("12345");
        assert_eq!(codec.decode(&mut buf).unwrap(), None);
        buf.extend_from_slice(b"6789");
        assert!(matches!(
            codec.decode(&mut buf),
            Err(Error::LineTooLong { limit: 8 })
        ));
    }

    #[test]
    fn over_long_line_with_newline_far_away() {
        let mut codec = LineCodec::new(8);
        let mut buf = BytesMut::from("ok\n0123456789abcdef\n");
        assert_eq!(codec.decode(&mut buf).unwrap().as_deref(), Some("ok"));
        assert!(matches!(
            codec.decode(&mut buf),
            Err(Error::LineTooLong { limit: 8 })
        ));
    }

    #[test]
    fn invalid_utf8() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::from(&b"ab\xffcd\n"[..]);
        let err = codec.decode(&mut buf).unwrap_err();
        assert!(matches!(err, Error::InvalidUtf8 { offset: 2 }), "{err}");
        assert_eq!(
            err.to_string(),
            "line is not valid UTF-8 (invalid byte at offset 2)"
        );
    }

    #[test]
    fn eof_in_the_middle_of_a_line() {
        let mut codec = LineCodec::new(100);
        let mut buf = BytesMut::from("done\npartial");
        assert_eq!(codec.decode_eof(&mut buf).unwrap().as_deref(), Some("done"));
        let err = codec.decode_eof(&mut buf).unwrap_err();
        assert!(matches!(err, Error::UnexpectedEof { len: 7 }), "{err}");
    }

    #[test]
    fn encode_appends_newline() {
        let mut codec = LineCodec::default();
        let mut buf = BytesMut::new();
        codec.encode("ARTIQ pc_rpc", &mut buf).unwrap();
        codec.encode("{}", &mut buf).unwrap();
        codec.encode("", &mut buf).unwrap();
        assert_eq!(&buf[..], b"ARTIQ pc_rpc\n{}\n\n");
    }
}
