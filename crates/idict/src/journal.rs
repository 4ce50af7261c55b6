//! The computation's side of the contents: [`Contents`], the guard that [`IDict::lock`]
//! returns, and the journal of what changed since the last update.
//!
//! Pure code: the journal only records *which* keys changed and how (whole value replaced, or
//! items appended to / popped from a list); [`IDict::notify_update`] turns it into sync_struct
//! mods. Several changes of one key between two updates collapse: a key set twice is sent once,
//! a list appended to a thousand times is sent whole when that is shorter.
//!
//! [`IDict::lock`]: crate::IDict::lock
//! [`IDict::notify_update`]: crate::IDict::notify_update

use std::collections::HashMap;
use std::sync::MutexGuard;

use pyon_codec::{Dict, Value};
use serde::Serialize;

use crate::error::{Error, Result};

/// The contents and what changed in them since the last update.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub(crate) dict: Dict,
    pub(crate) journal: Journal,
}

/// How one key changed since the last update.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    /// Send the key's current value whole (or delete it if it is gone).
    Replace,
    /// Send these list operations, in order.
    List(Vec<ListOp>),
}

/// One operation on a list, as sent to subscribers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ListOp {
    Append(Value),
    Pop(i64),
}

/// Keys changed since the last update, in the order they were first changed.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    order: Vec<String>,
    changes: HashMap<String, Change>,
}

impl Journal {
    fn entry(&mut self, key: &str) -> Option<&mut Change> {
        self.changes.get_mut(key)
    }

    fn replace(&mut self, key: &str) {
        match self.entry(key) {
            Some(change) => *change = Change::Replace,
            None => {
                self.order.push(key.to_owned());
                self.changes.insert(key.to_owned(), Change::Replace);
            }
        }
    }

    /// Records `op` on the list at `key`, now `len` items long. Sends the list whole instead
    /// once the operations outnumber half its items (each mod costs a few dozen bytes more than
    /// an item).
    fn list_op(&mut self, key: &str, op: ListOp, len: usize) {
        match self.entry(key) {
            Some(Change::Replace) => {}
            Some(Change::List(ops)) => {
                ops.push(op);
                if ops.len() > len / 2 + 1 {
                    self.replace(key);
                }
            }
            None => {
                self.order.push(key.to_owned());
                self.changes.insert(key.to_owned(), Change::List(vec![op]));
            }
        }
    }

    /// Empties the journal, returning the changes in order.
    pub(crate) fn take(&mut self) -> Vec<(String, Change)> {
        let mut changes = std::mem::take(&mut self.changes);
        std::mem::take(&mut self.order)
            .into_iter()
            .filter_map(|k| changes.remove(&k).map(|c| (k, c)))
            .collect()
    }
}

/// The contents of an [`IDict`](crate::IDict), locked for the computation: read and change
/// them, then drop the guard and call [`IDict::notify_update`](crate::IDict::notify_update) to
/// publish the changes together.
///
/// The contents are a dict with `str` keys and any PYON values. Changes are only recorded here;
/// watchers see none of them before the next update.
///
/// ```
/// let idict = idict::IDict::new();
/// {
///     let mut d = idict.lock();
///     d.set("samples", 1000);
///     d.append_bounded("history", 3.14, 100)?;
/// }
/// idict.notify_update();
/// # Ok::<(), idict::Error>(())
/// ```
#[derive(Debug)]
pub struct Contents<'a> {
    pub(crate) state: MutexGuard<'a, State>,
}

fn not_a_list(key: &str, v: &Value) -> Error {
    Error::NotAList {
        key: key.to_owned(),
        found: v.kind().name(),
    }
}

impl Contents<'_> {
    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.state.dict.get_str(key)
    }

    /// The whole contents.
    pub fn dict(&self) -> &Dict {
        &self.state.dict
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.state.dict.len()
    }

    /// Whether there is no key.
    pub fn is_empty(&self) -> bool {
        self.state.dict.is_empty()
    }

    /// Sets `key` to `value` (sent whole at the next update).
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        self.state.journal.replace(&key);
        self.state.dict.insert(Value::from(key), value.into());
    }

    /// Sets `key` to a serde value, converted as [`pyon_codec::to_value`] does (a struct becomes
    /// a dict).
    pub fn set_serde<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<()> {
        let key = key.into();
        let value = pyon_codec::to_value(value).map_err(|source| Error::Convert {
            key: key.clone(),
            source,
        })?;
        self.set(key, value);
        Ok(())
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let removed = self.state.dict.remove(&Value::str(key));
        if removed.is_some() {
            self.state.journal.replace(key);
        }
        removed
    }

    /// The value at `key`, to change in place; it is sent whole at the next update.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        let state = &mut *self.state;
        let value = state.dict.get_mut(&Value::str(key))?;
        state.journal.replace(key);
        Some(value)
    }

    /// Appends `x` to the list at `key` (created empty if the key is absent). Only the new item
    /// is sent.
    pub fn append(&mut self, key: &str, x: impl Into<Value>) -> Result<()> {
        let x = x.into();
        let state = &mut *self.state;
        match state.dict.get_mut(&Value::str(key)) {
            None => {
                state.dict.insert(Value::str(key), Value::List(vec![x]));
                state.journal.replace(key);
            }
            Some(Value::List(items)) => {
                items.push(x.clone());
                let len = items.len();
                state.journal.list_op(key, ListOp::Append(x), len);
            }
            Some(other) => return Err(not_a_list(key, other)),
        }
        Ok(())
    }

    /// Removes and returns item `i` of the list at `key` (negative counts from the end, as in
    /// Python).
    pub fn pop(&mut self, key: &str, i: i64) -> Result<Value> {
        let state = &mut *self.state;
        let items = match state.dict.get_mut(&Value::str(key)) {
            None => return Err(Error::NoKey(key.to_owned())),
            Some(Value::List(items)) => items,
            Some(other) => return Err(not_a_list(key, other)),
        };
        let len = items.len();
        let at = if i < 0 {
            i64::try_from(len).ok().and_then(|n| n.checked_add(i))
        } else {
            Some(i)
        };
        let index = at
            .and_then(|a| usize::try_from(a).ok())
            .filter(|&a| a < len)
            .ok_or(Error::Index {
                key: key.to_owned(),
                index: i,
                len,
            })?;
        let removed = items.remove(index);
        let len = items.len();
        state.journal.list_op(key, ListOp::Pop(i), len);
        Ok(removed)
    }

    /// Appends `x` to the list at `key`, then drops the oldest items so that at most `max_len`
    /// remain: a history of the last `max_len` values, sent as one `append` and the `pop`s.
    pub fn append_bounded(&mut self, key: &str, x: impl Into<Value>, max_len: usize) -> Result<()> {
        self.append(key, x)?;
        while self
            .get(key)
            .and_then(Value::as_seq)
            .map_or(0, <[Value]>::len)
            > max_len
        {
            self.pop(key, 0)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::list;
    use std::sync::Mutex;

    fn with_contents<R>(
        f: impl FnOnce(&mut Contents<'_>) -> R,
    ) -> (R, Vec<(String, Change)>, Dict) {
        let m = Mutex::new(State::default());
        let r = f(&mut Contents {
            state: m.lock().unwrap(),
        });
        let mut state = m.into_inner().unwrap();
        (r, state.journal.take(), state.dict)
    }

    #[test]
    fn changes_collapse_per_key_in_first_change_order() {
        let ((), changes, dict) = with_contents(|d| {
            d.set("b", 1);
            d.set("a", 1);
            d.set("b", 2);
            d.append("h", 1.0).unwrap(); // new key: sent whole
            d.append("h", 2.0).unwrap();
            assert_eq!(d.remove("zz"), None);
        });
        assert_eq!(
            changes,
            [
                ("b".into(), Change::Replace),
                ("a".into(), Change::Replace),
                ("h".into(), Change::Replace)
            ]
        );
        assert_eq!(
            Value::Dict(dict),
            pyon_codec::dict! {"b" => 2, "a" => 1, "h" => list![1.0, 2.0]}
        );
    }

    #[test]
    fn list_operations_are_sent_as_such_until_the_list_is_shorter() {
        let m = Mutex::new(State::default());
        {
            let mut d = Contents {
                state: m.lock().unwrap(),
            };
            d.set("h", Value::List((0..10).map(Value::Int).collect()));
        }
        m.lock().unwrap().journal.take();
        {
            let mut d = Contents {
                state: m.lock().unwrap(),
            };
            d.append_bounded("h", 10, 10).unwrap();
            assert_eq!(d.pop("h", -1).unwrap(), Value::Int(10));
        }
        assert_eq!(
            m.lock().unwrap().journal.take(),
            [(
                "h".into(),
                Change::List(vec![
                    ListOp::Append(Value::Int(10)),
                    ListOp::Pop(0),
                    ListOp::Pop(-1)
                ])
            )]
        );
        {
            let mut d = Contents {
                state: m.lock().unwrap(),
            };
            for i in 0..20 {
                d.append("h", i).unwrap();
            }
        }
        assert_eq!(
            m.lock().unwrap().journal.take(),
            [("h".into(), Change::Replace)]
        );
    }

    #[test]
    fn errors_change_nothing() {
        let ((), changes, _) = with_contents(|d| {
            d.set("x", 1);
            assert_eq!(
                d.append("x", 2).unwrap_err().to_string(),
                r#"expected a list at key "x", found int"#
            );
            assert!(matches!(d.pop("nope", 0), Err(Error::NoKey(_))));
            d.set("l", list![]);
            assert_eq!(
                d.pop("l", -1).unwrap_err().to_string(),
                r#"index -1 out of range for the list at key "l" (length 0)"#
            );
        });
        assert_eq!(changes.len(), 2);
    }

    #[test]
    fn serde_values_and_get_mut() {
        #[derive(Serialize)]
        struct Fit {
            a: f64,
            b: Vec<i32>,
        }
        let ((), changes, dict) = with_contents(|d| {
            d.set_serde("fit", &Fit { a: 1.5, b: vec![1] }).unwrap();
            if let Some(Value::Dict(fit)) = d.get_mut("fit") {
                fit.insert(Value::str("c"), Value::None);
            }
        });
        assert_eq!(changes, [("fit".into(), Change::Replace)]);
        assert_eq!(
            pyon_codec::encode(&Value::Dict(dict)).unwrap(),
            r#"{"fit":{"a":1.5,"b":[1],"c":null}}"#
        );
    }
}
