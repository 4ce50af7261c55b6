//! String and bytes literals in a document: adjacent literals concatenate (`'a' "b"`), bytes
//! and str literals do not mix.

use super::Parser;
use crate::v1::strings::{self, Prefix};
use crate::{Result, Value};

impl Parser<'_> {
    /// One string or bytes literal at `open` (its prefix starts at `self.pos`), and the
    /// literals adjacent to it, concatenated.
    pub(super) fn strings(&mut self, mut prefix: Prefix, mut open: usize) -> Result<Value> {
        let bytes = prefix.bytes;
        // Fast path, most literals: one non-empty literal without escapes, copied once into a
        // string (or bytes) of its exact size.
        let Some(&q) = self.s.get(open) else {
            return Err(self.eof_or("expected a string"));
        };
        if let Some(end) = crate::scan::literal_stop(self.s, open + 1, q, bytes)
            && self.s.get(end) == Some(&q)
            && end > open + 1
        {
            // Not triple-quoted (the body does not start with the quote), and complete unless
            // another literal follows, to be concatenated.
            self.pos = end + 1;
            self.skip_ws();
            if strings::literal_start(self.s, self.pos).is_none() {
                self.pos = end + 1;
                let body = open + 1..end;
                return Ok(if bytes {
                    Value::Bytes(self.s.get(body).unwrap_or_default().to_vec())
                } else {
                    crate::value::str_value(&self.text[body])
                });
            }
        }
        let mut str_out = String::new();
        let mut bytes_out = Vec::new();
        loop {
            self.pos = if bytes {
                strings::scan(self.text, open, prefix, &mut bytes_out)
            } else {
                strings::scan(self.text, open, prefix, &mut str_out)
            }
            .map_err(|f| self.fail(f))?;
            let after = self.pos;
            self.skip_ws();
            match strings::literal_start(self.s, self.pos) {
                Some((p, o)) => {
                    if p.bytes != bytes {
                        return Err(self.err("cannot mix bytes and nonbytes literals"));
                    }
                    (prefix, open) = (p, o);
                }
                None => {
                    self.pos = after;
                    break;
                }
            }
        }
        Ok(if bytes {
            Value::Bytes(bytes_out)
        } else {
            Value::Str(str_out.into())
        })
    }
}
