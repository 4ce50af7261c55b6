//! Tokens: numbers and strings (with JSON escapes and UTF-16 surrogate pairs).

use std::borrow::Cow;

use super::*;

impl<'a> Parser<'a> {
    /// A number, pushed on the scratch stack.
    #[inline]
    pub(super) fn number(&mut self) -> Parsed<()> {
        let start = self.pos;
        let neg = self.peek() == Some(b'-');
        if neg {
            self.pos += 1;
            if self.peek() == Some(b'I') {
                return self.literal("Infinity", Value::Float(f64::NEG_INFINITY));
            }
        }
        let int_start = self.pos;
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return Err(self.eof_or("expected digit")),
        }
        let int_end = self.pos;
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return self.float(start);
        }
        let digits = self.s.get(int_start..int_end).unwrap_or_default();
        if digits.len() <= 18 {
            let mut v: i64 = 0;
            for &d in digits {
                v = v * 10 + (d - b'0') as i64;
            }
            self.items.push_int(if neg { -v } else { v });
            return Ok(());
        }
        if digits.len() > MAX_INT_DIGITS {
            return Err(self.err_at(
                Error::data(format!(
                    "integer of more than {MAX_INT_DIGITS} digits (Python refuses it too)"
                )),
                start,
            ));
        }
        let v = BigInt::parse_bytes(self.text_of(start, int_end).as_bytes(), 10)
            .map(Value::from_bigint)
            .ok_or_else(|| self.err("invalid number"))?;
        self.items.push(v);
        Ok(())
    }

    /// The rest of a number that has a fraction or an exponent, from its `start`: the grammar
    /// checked here, the value read by [`crate::scan::float_prefix`] in the same pass.
    #[inline(never)]
    fn float(&mut self, start: usize) -> Parsed<()> {
        if self.peek() == Some(b'.') && !matches!(self.s.get(self.pos + 1), Some(b'0'..=b'9')) {
            self.pos += 1;
            return Err(self.eof_or("expected digit after `.`"));
        }
        let Some((f, len)) = crate::scan::float_prefix(self.rest(start)) else {
            return Err(self.err("invalid number"));
        };
        self.pos = start + len;
        // The float's reader leaves out an exponent without digits, which JSON refuses (an
        // `e` after a whole exponent is what follows the number).
        let read = self.s.get(start..self.pos).unwrap_or_default();
        if matches!(self.peek(), Some(b'e' | b'E')) && !read.iter().any(|&c| c | 0x20 == b'e') {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            return Err(self.eof_or("expected exponent digits"));
        }
        self.items.push_float(f);
        Ok(())
    }

    /// A string: borrowed from the input when it has no escapes (most do), so that the
    /// caller copies it where it goes.
    #[inline]
    pub(super) fn string(&mut self) -> Parsed<Cow<'a, str>> {
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes.
        self.pos = crate::scan::string_stop(self.s, start, b'"');
        match self.peek() {
            Some(b'"') => {
                let s = self.text_of(start, self.pos);
                self.pos += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(b'\\') => {}
            Some(_) => return Err(self.err("control character in string")),
            None => return Err(self.eof_or("unterminated string")),
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(self.text_of(start, self.pos));
        let mut run = self.pos;
        loop {
            self.pos = crate::scan::string_stop(self.s, self.pos, b'"');
            match self.peek() {
                Some(b'"') => {
                    out.push_str(self.text_of(run, self.pos));
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    out.push_str(self.text_of(run, self.pos));
                    self.pos += 1;
                    let c = self
                        .peek()
                        .ok_or_else(|| self.eof_or("unterminated string"))?;
                    self.pos += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let ch = self.unicode_escape()?;
                            out.push(ch);
                        }
                        _ => {
                            self.pos -= 1;
                            return Err(self.err("invalid escape"));
                        }
                    }
                    run = self.pos;
                }
                Some(_) => return Err(self.err("control character in string")),
                None => return Err(self.eof_or("unterminated string")),
            }
        }
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let h = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.eof_or("expected 4 hex digits"))?;
        let mut v = 0u32;
        for &c in h {
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| self.err("expected 4 hex digits"))?;
            v = v * 16 + d;
        }
        self.pos += 4;
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Parsed<char> {
        let at = self.pos - 2;
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if self.s.get(self.pos..self.pos + 2) == Some(b"\\u") {
                self.pos += 2;
                let lo = self.hex4()?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return Err(self.err_at(Error::data("unpaired surrogate in string"), at));
                }
                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
            } else {
                return Err(self.err_at(Error::data("unpaired surrogate in string"), at));
            }
        } else {
            hi
        };
        char::from_u32(code)
            .ok_or_else(|| self.err_at(Error::data("unpaired surrogate in string"), at))
    }
}
