//! The decoder's cache of key strings.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// A cached key: its text, its first 16 bytes as two words (zero-padded), and its string.
type Slot<'py, 't> = Option<(&'t str, [u64; 2], Bound<'py, PyString>)>;

/// The strings of recent short keys (a document repeats a few keys many times): a direct-mapped
/// table, so a lookup is one hash and one comparison, and hostile keys can only cause misses.
pub(crate) struct KeyCache<'py, 't> {
    slots: Vec<Slot<'py, 't>>,
    /// Slots to set up at the first key (a power of two).
    size: usize,
}

impl<'py, 't> KeyCache<'py, 't> {
    /// A table for a text of `len` bytes: small for a short message, which would not repay
    /// setting up a large one.
    pub(crate) fn for_text(len: usize) -> Self {
        KeyCache {
            slots: Vec::new(),
            size: (len / 64).clamp(16, 512).next_power_of_two(),
        }
    }

    /// Longer keys are rarely repeated; they are built each time.
    const MAX_LEN: usize = 64;

    pub(crate) fn get(&mut self, py: Python<'py>, key: &'t str) -> PyResult<Bound<'py, PyString>> {
        if key.len() > Self::MAX_LEN {
            return crate::raw::new_string(py, key);
        }
        if self.slots.is_empty() {
            self.slots.resize(self.size, None);
        }
        let (hash, head) = key_hash(key.as_bytes());
        let at = hash & self.slots.len().wrapping_sub(1);
        match self.slots.get_mut(at) {
            // Keys of up to 16 bytes are equal when their lengths and words are.
            Some(Some((k, h, s)))
                if k.len() == key.len() && *h == head && (key.len() <= 16 || *k == key) =>
            {
                Ok(s.clone())
            }
            Some(slot) => {
                let s = crate::raw::new_string(py, key)?;
                *slot = Some((key, head, s.clone()));
                Ok(s)
            }
            None => crate::raw::new_string(py, key),
        }
    }
}

/// FxHash-style mixing of a short key, eight bytes at a time, and its first 16 bytes as two
/// words, zero-padded.
fn key_hash(b: &[u8]) -> (usize, [u64; 2]) {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut head = [0u64; 2];
    let mut chunks = b.chunks_exact(8);
    for (n, c) in (&mut chunks).enumerate() {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let w = u64::from_le_bytes(w);
        if let Some(slot) = head.get_mut(n) {
            *slot = w;
        }
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let w = tail_word(chunks.remainder());
    if let Some(slot) = head.get_mut(b.len() / 8) {
        *slot = w;
    }
    h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    ((h >> 32) as usize, head)
}

/// The bytes of `r` (at most 8) as a little-endian word, zero-padded: from overlapping loads,
/// since copying them into a buffer would cost a call and a stalled read-back.
#[inline(always)]
fn tail_word(r: &[u8]) -> u64 {
    let byte = |i: usize| u64::from(r.get(i).copied().unwrap_or(0));
    let word4 = |from: usize| {
        r.get(from..from + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, |b| u64::from(u32::from_le_bytes(b)))
    };
    match r.len() {
        0 => 0,
        n @ 1..=3 => byte(0) | byte(n / 2) << (8 * (n / 2)) | byte(n - 1) << (8 * (n - 1)),
        n @ 4..=7 => word4(0) | word4(n - 4) << (8 * (n - 4)),
        _ => r
            .get(..8)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map_or(0, u64::from_le_bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::{key_hash, tail_word};

    #[test]
    fn tail_words_are_the_bytes_zero_padded() {
        let bytes = b"\x01\x02\x03\x04\x05\x06\x07\x08";
        for n in 0..=8 {
            let mut want = [0u8; 8];
            want[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(tail_word(&bytes[..n]), u64::from_le_bytes(want), "{n}");
        }
    }

    #[test]
    fn heads_tell_short_keys_apart() {
        let keys: [&[u8]; 8] = [
            b"",
            b"a",
            b"a\0",
            b"unit",
            b"scale",
            b"precision",
            b"precision\0",
            b"0123456789abcdef",
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                let same_len = a.len() == b.len();
                assert!(!same_len || key_hash(a).1 != key_hash(b).1, "{a:?} {b:?}");
            }
        }
        assert_eq!(
            key_hash(b"unit").1,
            [u64::from_le_bytes(*b"unit\0\0\0\0"), 0]
        );
        assert_eq!(
            key_hash(b"0123456789abcdef").1,
            [
                u64::from_le_bytes(*b"01234567"),
                u64::from_le_bytes(*b"89abcdef")
            ]
        );
    }
}
