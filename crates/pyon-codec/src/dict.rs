//! An insertion-ordered map with Python key semantics.

use crate::Value;

/// A Python `dict`: insertion-ordered, keys compared with Python's `==` (so `1`, `1.0` and
/// `True` are the same key, as in Python).
///
/// Entries live in a vector: PYON dicts are mostly small and decoded far more often than they are
/// searched, and a vector keeps decoding and encoding fast. Lookups are linear.
#[derive(Debug, Clone, Default)]
pub struct Dict {
    entries: Vec<(Value, Value)>,
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Self {
        Dict::default()
    }

    /// An empty dict with room for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        Dict {
            entries: Vec::with_capacity(n),
        }
    }

    /// Builds a dict as Python's `dict(pairs)` does: a repeated key keeps its first position and
    /// its last value. Linear time: keys are hashed consistently with Python's `==`.
    pub fn from_pairs(pairs: Vec<(Value, Value)>) -> Self {
        if pairs.len() <= 8 {
            let mut d = Dict::with_capacity(pairs.len());
            for (k, v) in pairs {
                d.insert(k, v);
            }
            return d;
        }
        let mut entries: Vec<(Value, Value)> = Vec::with_capacity(pairs.len());
        let mut index = crate::pyeq::PyIndex::with_capacity(pairs.len());
        for (k, v) in pairs {
            match index.find_or_insert(&k, &entries, |(k, _)| k, entries.len()) {
                Some(i) => {
                    if let Some(entry) = entries.get_mut(i) {
                        entry.1 = v;
                    }
                }
                None => entries.push((k, v)),
            }
        }
        Dict { entries }
    }

    /// A decoded dict display or JSON object: a repeated key keeps its first position and its
    /// last value, as in Python. The keys that encoders write (str, int) are checked for
    /// repeats without hashing values; any other key takes [`Dict::from_pairs`].
    pub(crate) fn from_decoded_pairs(entries: Vec<(Value, Value)>) -> Dict {
        /// A key that hashes as Python's `==` compares, for the key types that encoders write most.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        enum Key<'a> {
            Int(i64),
            Str(&'a str),
        }
        fn key(k: &Value) -> Option<Key<'_>> {
            match k {
                Value::Str(s) => Some(Key::Str(s)),
                Value::Int(i) => Some(Key::Int(*i)),
                // Other keys (floats equal to ints, bools, tuples, ...): Python's `==`.
                _ => None,
            }
        }
        /// `a == b`, looking at a str's length and its first and last bytes before its text:
        /// distinct keys of one length (`"pipeline"`, `"priority"`) mostly differ there, and
        /// comparing whole texts calls `memcmp`.
        #[inline]
        fn same(a: Key<'_>, b: Key<'_>) -> bool {
            match (a, b) {
                (Key::Str(a), Key::Str(b)) => {
                    let (a, b) = (a.as_bytes(), b.as_bytes());
                    a.len() == b.len() && a.first() == b.first() && a.last() == b.last() && a == b
                }
                _ => a == b,
            }
        }
        let n = entries.len();
        let has_dup = if n <= 16 {
            // Small dicts (most of them): compare the keys pairwise, without building a table.
            let mut dup = false;
            for (i, (k, _)) in entries.iter().enumerate() {
                let Some(k) = key(k) else {
                    return Dict::from_pairs(entries);
                };
                if entries
                    .iter()
                    .take(i)
                    .any(|(e, _)| key(e).is_some_and(|e| same(e, k)))
                {
                    dup = true;
                    break;
                }
            }
            dup
        } else {
            let mut seen = std::collections::HashSet::with_capacity(n);
            let mut dup = false;
            for (k, _) in &entries {
                let Some(key) = key(k) else {
                    return Dict::from_pairs(entries);
                };
                if !seen.insert(key) {
                    dup = true;
                    break;
                }
            }
            dup
        };
        if has_dup {
            Dict::from_pairs(entries)
        } else {
            Dict::from_unique_pairs(entries)
        }
    }

    /// Wraps entries that are already known to have distinct keys (no check is made).
    pub fn from_unique_pairs(entries: Vec<(Value, Value)>) -> Self {
        Dict { entries }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, key: &Value) -> Option<usize> {
        match key {
            Value::Str(s) => self.position_str(s),
            _ => self.entries.iter().position(|(k, _)| k.py_eq(key)),
        }
    }

    fn position_str(&self, key: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|(k, _)| matches!(k, Value::Str(s) if s == key))
    }

    /// The value for `key`.
    pub fn get(&self, key: &Value) -> Option<&Value> {
        self.position(key)
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The value for a string key.
    pub fn get_str(&self, key: &str) -> Option<&Value> {
        self.position_str(key)
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The value for `key`, mutably.
    pub fn get_mut(&mut self, key: &Value) -> Option<&mut Value> {
        self.position(key)
            .and_then(move |i| self.entries.get_mut(i))
            .map(|(_, v)| v)
    }

    /// Whether `key` is present.
    pub fn contains_key(&self, key: &Value) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value` as Python's `d[key] = value`: an existing key keeps its position
    /// (and its original key object) and the old value is returned.
    pub fn insert(&mut self, key: Value, value: Value) -> Option<Value> {
        match self.position(&key).and_then(|i| self.entries.get_mut(i)) {
            Some((_, old)) => Some(std::mem::replace(old, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Removes `key` as Python's `del d[key]`, keeping the order of the others.
    pub fn remove(&mut self, key: &Value) -> Option<Value> {
        self.position(key).map(|i| self.entries.remove(i).1)
    }

    /// The entries in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Value, &Value)> + '_ {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The entries in order, values mutable.
    pub fn iter_mut(&mut self) -> impl ExactSizeIterator<Item = (&Value, &mut Value)> + '_ {
        self.entries.iter_mut().map(|(k, v)| (&*k, v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Value> + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The entries as a slice.
    pub fn entries(&self) -> &[(Value, Value)] {
        &self.entries
    }

    /// Whether every key is a `str` (such a dict is a plain JSON object in PYON v2).
    pub fn all_str_keys(&self) -> bool {
        self.entries.iter().all(|(k, _)| matches!(k, Value::Str(_)))
    }

    /// Python's `dict == dict`: same keys with equal values, order ignored.
    pub fn py_eq_unordered(&self, other: &Dict) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v.py_eq(w)))
    }
}

impl PartialEq for Dict {
    /// Structural: same entries in the same order.
    fn eq(&self, other: &Dict) -> bool {
        self.entries == other.entries
    }
}

impl IntoIterator for Dict {
    type Item = (Value, Value);
    type IntoIter = std::vec::IntoIter<(Value, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Dict {
    type Item = &'a (Value, Value);
    type IntoIter = std::slice::Iter<'a, (Value, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter()
    }
}

impl FromIterator<(Value, Value)> for Dict {
    fn from_iter<I: IntoIterator<Item = (Value, Value)>>(iter: I) -> Self {
        Dict::from_pairs(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_key_semantics() {
        let mut d = Dict::new();
        d.insert(Value::Int(1), "a".into());
        d.insert(Value::str("x"), "b".into());
        assert_eq!(d.insert(Value::Float(1.0), "c".into()), Some("a".into()));
        assert_eq!(d.insert(Value::Bool(true), "d".into()), Some("c".into()));
        assert_eq!(d.len(), 2);
        assert_eq!(d.entries()[0], (Value::Int(1), Value::str("d")));
        assert_eq!(d.remove(&Value::str("x")), Some("b".into()));
        assert!(d.get(&Value::str("x")).is_none());
    }
}
