//! Word-at-a-time (SWAR) scans for the decoders' hot loops: eight bytes per step instead of one,
//! in safe code.
//!
//! Public, but hidden from the documentation, for the sibling crate `pyon-python`'s decoder;
//! not part of this crate's API.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// Marks (high bit) the zero bytes of `v`. A byte above a marked one may be marked wrongly (a
/// borrow), never one below: the first mark is always right, which is all the scans use.
#[inline(always)]
const fn zero_bytes(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGH
}

/// Marks the bytes of `w` equal to `b`.
#[inline(always)]
const fn eq_bytes(w: u64, b: u8) -> u64 {
    zero_bytes(w ^ (ONES * b as u64))
}

/// Marks the bytes of `w` below 0x20 (control characters).
#[inline(always)]
const fn control_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES * 0x20) & !w & HIGH
}

/// Index of the first byte at or after `i` that ends the plain run of a string literal: the
/// quote `q`, a backslash or a control character; `s.len()` if none.
#[inline]
pub fn string_stop(s: &[u8], mut i: usize, q: u8) -> usize {
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let m = eq_bytes(w, q) | eq_bytes(w, b'\\') | control_bytes(w);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = s.get(i) {
        if c == q || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// The float written at the start of `s`, and the length of its text: a sign, digits with or
/// without a `.` and more digits, and an exponent (`e`, a sign, digits) only when it has
/// digits. Correctly rounded, as `str::parse` is, reading the number once where it stands.
/// The callers have already checked the grammar that is theirs (JSON's or Python's) up to
/// the `.` or `e`: this grammar is wider (`1.`, `.5`, `+1`, `inf`).
#[inline]
pub fn float_prefix(s: &[u8]) -> Option<(f64, usize)> {
    fast_float2::parse_partial(s).ok()
}

/// The float whose whole text is `s`, as [`float_prefix`] reads it.
#[inline]
pub fn float_text(s: &[u8]) -> Option<f64> {
    fast_float2::parse(s).ok()
}

/// Index of the first byte at or after `i` that a PYON v1 literal must look at: the quote `q`,
/// a backslash, a line break, or (`bytes`) any non-ASCII byte; `None` if there is none.
#[inline]
pub(crate) fn literal_stop(s: &[u8], mut i: usize, q: u8, bytes: bool) -> Option<usize> {
    let high = if bytes { HIGH } else { 0 };
    while let Some(chunk) = s.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let m = eq_bytes(w, q)
            | eq_bytes(w, b'\\')
            | eq_bytes(w, b'\n')
            | eq_bytes(w, b'\r')
            | (w & high);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s.get(i..)?
        .iter()
        .position(|&b| b == q || b == b'\\' || b == b'\n' || b == b'\r' || (bytes && b >= 0x80))
        .map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::{literal_stop, string_stop};

    #[test]
    fn finds_the_first_literal_stop() {
        let text = b"abcdefgh\x01ijklmnopqrstuvwxyz'\"\n\r\\\xc3\xa9.";
        for start in 0..=text.len() {
            for q in [b'"', b'\''] {
                for bytes in [false, true] {
                    let want = (start..text.len()).find(|&i| {
                        let b = text[i];
                        b == q || b == b'\\' || b == b'\n' || b == b'\r' || (bytes && b >= 0x80)
                    });
                    assert_eq!(
                        literal_stop(text, start, q, bytes),
                        want,
                        "{start} {q} {bytes}"
                    );
                }
            }
        }
    }

    #[test]
    fn finds_the_first_stop_byte() {
        let text = b"abcdefghijklmnop\"q";
        for start in 0..text.len() {
            for q in [b'"', b'\''] {
                let want = (start..text.len())
                    .find(|&i| text[i] == q || text[i] == b'\\' || text[i] < 0x20)
                    .unwrap_or(text.len());
                assert_eq!(string_stop(text, start, q), want);
            }
        }
        for (t, want) in [
            (&b"0123456\x01xx"[..], 7),
            (b"01234567\\", 8),
            (b"\xe9\x80\x80\xff\x7f\x20\x21\x1f", 7),
            (b"", 0),
            (b"abc", 3),
        ] {
            assert_eq!(string_stop(t, 0, b'"'), want, "{t:?}");
        }
    }
}
