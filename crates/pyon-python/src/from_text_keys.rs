//! The decoder's cache of key strings.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The strings of recent short keys (a document repeats a few keys many times): a direct-mapped
/// table, so a lookup is one hash and one comparison, and hostile keys can only cause misses.
pub(crate) struct KeyCache<'py, 't> {
    slots: Vec<Option<(&'t str, Bound<'py, PyString>)>>,
    /// Slots to set up at the first key.
    size: usize,
}

impl<'py, 't> KeyCache<'py, 't> {
    /// A table for a text of `len` bytes: small for a short message, which would not repay
    /// setting up a large one.
    pub(crate) fn for_text(len: usize) -> Self {
        KeyCache {
            slots: Vec::new(),
            size: (len / 64).clamp(16, 512),
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
        let at = key_hash(key.as_bytes()) % self.slots.len().max(1);
        match self.slots.get_mut(at) {
            Some(Some((k, s))) if *k == key => Ok(s.clone()),
            Some(slot) => {
                let s = crate::raw::new_string(py, key)?;
                *slot = Some((key, s.clone()));
                Ok(s)
            }
            None => crate::raw::new_string(py, key),
        }
    }
}

/// FxHash-style mixing of a short key, eight bytes at a time.
fn key_hash(b: &[u8]) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    }
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(chunks.remainder()) {
        *d = *s;
    }
    h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
    (h >> 32) as usize
}
