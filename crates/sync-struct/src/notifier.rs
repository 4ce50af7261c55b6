//! [`Notifier`]: the owner of a replicated structure, and [`update_from_dict`].

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pyon_codec::{Dict, Value, Version};

use crate::error::{Error, Result};
use crate::mods::{ModAction, encode_parts};
use crate::ops::{self, Op};
use crate::outbox::{Line, Outbox, Policy, Pushed};

/// A structure whose changes are published, as Python's `sync_struct.Notifier`.
///
/// The notifier owns the structure: every change goes through it ([`append`](Self::append),
/// [`insert`](Self::insert), [`pop`](Self::pop), [`setitem`](Self::setitem),
/// [`delitem`](Self::delitem)), and each change is sent to the subscribers as exactly the mod
/// Python would send. Reads go through [`read`](Self::read), [`get`](Self::get) and
/// [`with`](Self::with).
///
/// A `Notifier` is a cheap handle: clones share the structure. [`at`](Self::at) returns a handle
/// on a nested item, as Python's `n["a"][0]`, whose changes carry that path:
///
/// ```
/// use pyon_codec::{dict, list};
/// use sync_struct::Notifier;
///
/// let n = Notifier::new(dict! {"a" => list![list![]]});
/// n.at("a").at(0).append(42)?; // {"action":"append","path":["a",0],"x":42}
/// assert_eq!(n.get()?, dict! {"a" => list![list![42]]});
/// assert!(n.at("nope").append(1).is_err());
/// # Ok::<(), sync_struct::Error>(())
/// ```
///
/// The path of a nested handle is checked when it is used, not when it is made; a bad path is an
/// error and changes nothing. Every change is atomic: it either applies fully and is published,
/// or returns an error and is neither applied nor published (this includes values that cannot be
/// encoded for a subscriber).
#[derive(Debug, Clone)]
pub struct Notifier {
    shared: Arc<Mutex<State>>,
    path: Vec<Value>,
}

#[derive(Debug)]
struct State {
    value: Value,
    subscribers: Vec<Subscription>,
}

/// One subscriber's queue and the PYON version it receives.
#[derive(Debug)]
struct Subscription {
    outbox: Arc<Outbox>,
    version: Version,
    /// The publisher that registered it (so removing a notifier from one publisher cuts only
    /// that publisher's subscribers).
    owner: u64,
}

/// A read-only view of the whole structure of a [`Notifier`] (Python's `raw_view`), holding the
/// notifier's lock: changes from other threads wait until it is dropped, and changing the
/// notifier from the thread that holds the view would deadlock (drop the view first).
#[derive(Debug)]
pub struct ReadView<'a> {
    guard: MutexGuard<'a, State>,
}

impl std::ops::Deref for ReadView<'_> {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.guard.value
    }
}

impl Notifier {
    /// A notifier owning `value`.
    pub fn new(value: impl Into<Value>) -> Notifier {
        Notifier {
            shared: Arc::new(Mutex::new(State {
                value: value.into(),
                subscribers: Vec::new(),
            })),
            path: Vec::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A handle on the item at `key` of this node (Python's `n[key]`).
    pub fn at(&self, key: impl Into<Value>) -> Notifier {
        let mut path = self.path.clone();
        path.push(key.into());
        Notifier {
            shared: self.shared.clone(),
            path,
        }
    }

    /// A handle on the item at `path` from this node.
    pub fn at_path(&self, path: impl IntoIterator<Item = Value>) -> Notifier {
        let mut full = self.path.clone();
        full.extend(path);
        Notifier {
            shared: self.shared.clone(),
            path: full,
        }
    }

    /// The path of this handle from the root (`[]` for the root).
    pub fn path(&self) -> &[Value] {
        &self.path
    }

    /// A handle on the root of the structure.
    pub fn root(&self) -> Notifier {
        Notifier {
            shared: self.shared.clone(),
            path: Vec::new(),
        }
    }

    /// Whether both handles share the same structure.
    pub fn same_structure(&self, other: &Notifier) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// The whole structure, read-only, without copying (Python's `raw_view` of the root).
    /// Changes wait while the view lives (see [`ReadView`]).
    pub fn read(&self) -> ReadView<'_> {
        ReadView { guard: self.lock() }
    }

    /// A copy of the node of this handle.
    pub fn get(&self) -> Result<Value> {
        self.with(Value::clone)
    }

    /// Runs `f` on the node of this handle, without copying.
    pub fn with<R>(&self, f: impl FnOnce(&Value) -> R) -> Result<R> {
        let state = self.lock();
        Ok(f(ops::resolve(&state.value, &self.path)?))
    }

    /// Appends `x` to this list (Python's `n.append(x)`).
    pub fn append(&self, x: impl Into<Value>) -> Result<()> {
        self.change(Op::Append(x.into())).map(drop)
    }

    /// Inserts `x` at index `i` of this list, with Python's clamping of out-of-range indices.
    pub fn insert(&self, i: i64, x: impl Into<Value>) -> Result<()> {
        self.change(Op::Insert(i, x.into())).map(drop)
    }

    /// Removes and returns item `i` of this list (negative counts from the end; Python's default
    /// is `-1`), or the value of key `i` of this dict.
    pub fn pop(&self, i: impl Into<Value>) -> Result<Value> {
        self.change(Op::Pop(i.into()))
            .map(|removed| removed.unwrap_or_default())
    }

    /// Sets `key` of this dict, or index `key` (an int or a slice) of this list, to `value`
    /// (Python's `n[key] = value`).
    pub fn setitem(&self, key: impl Into<Value>, value: impl Into<Value>) -> Result<()> {
        self.change(Op::SetItem(key.into(), value.into())).map(drop)
    }

    /// Deletes `key` of this dict, or index `key` (an int or a slice) of this list (Python's
    /// `del n[key]`).
    pub fn delitem(&self, key: impl Into<Value>) -> Result<()> {
        self.change(Op::DelItem(key.into())).map(drop)
    }

    /// Validates, encodes (once per PYON version in use), applies, then queues the mod for every
    /// subscriber, all under the lock so that subscribers see changes in order.
    fn change(&self, op: Op) -> Result<Option<Value>> {
        let mut guard = self.lock();
        let state = &mut *guard;
        let node = ops::resolve_mut(&mut state.value, &self.path)?;
        let (mut v1, mut v2): (Option<Line>, Option<Line>) = (None, None);
        for sub in &state.subscribers {
            let slot = match sub.version {
                Version::V1 => &mut v1,
                Version::V2 => &mut v2,
            };
            if slot.is_none() {
                *slot = Some(encode_op(sub.version, &self.path, &op)?.into());
            }
        }
        let removed = ops::apply(node, op)?;
        if !state.subscribers.is_empty() {
            state.subscribers.retain(|sub| {
                let line = match sub.version {
                    Version::V1 => &v1,
                    Version::V2 => &v2,
                };
                let Some(line) = line else {
                    return true;
                };
                !matches!(sub.outbox.push(line), Pushed::Overflowed | Pushed::Closed)
            });
        }
        Ok(removed)
    }

    /// Registers a subscriber: its queue receives the `init` line now, then every mod, under one
    /// lock so that nothing is missed or duplicated.
    pub(crate) fn attach(
        &self,
        version: Version,
        max_bytes: usize,
        owner: u64,
    ) -> Result<Arc<Outbox>> {
        let mut state = self.lock();
        let init: Line =
            encode_parts(version, ModAction::Init, None, &[("struct", &state.value)])?.into();
        let outbox = Outbox::new(Policy::Disconnect { max_bytes });
        outbox.push_unbudgeted(&init);
        state.subscribers.retain(|s| !s.outbox.is_closed());
        state.subscribers.push(Subscription {
            outbox: outbox.clone(),
            version,
            owner,
        });
        Ok(outbox)
    }

    /// Closes the queues of `owner`'s subscribers.
    pub(crate) fn detach(&self, owner: u64) {
        self.lock().subscribers.retain(|s| {
            if s.owner == owner {
                s.outbox.close();
                false
            } else {
                true
            }
        });
    }

    /// The queues of `owner`'s subscribers.
    pub(crate) fn outboxes(&self, owner: u64) -> Vec<Arc<Outbox>> {
        self.lock()
            .subscribers
            .iter()
            .filter(|s| s.owner == owner)
            .map(|s| s.outbox.clone())
            .collect()
    }

    /// How many subscribers receive this notifier's changes.
    pub fn subscriber_count(&self) -> usize {
        let mut state = self.lock();
        state.subscribers.retain(|s| !s.outbox.is_closed());
        state.subscribers.len()
    }
}

fn encode_op(version: Version, path: &[Value], op: &Op) -> Result<String> {
    let int;
    let (action, fields): (ModAction, Vec<(&str, &Value)>) = match op {
        Op::Append(x) => (ModAction::Append, vec![("x", x)]),
        Op::Insert(i, x) => {
            int = Value::Int(*i);
            (ModAction::Insert, vec![("i", &int), ("x", x)])
        }
        Op::Pop(i) => (ModAction::Pop, vec![("i", i)]),
        Op::SetItem(key, value) => (ModAction::SetItem, vec![("key", key), ("value", value)]),
        Op::DelItem(key) => (ModAction::DelItem, vec![("key", key)]),
    };
    encode_parts(version, action, Some(path), &fields)
}

/// Makes the dict at `target` equal to `source` with as few changes as Python's
/// `sync_struct.update_from_dict`: first deletes the keys missing from `source` (in the target's
/// order), then sets the keys of `source` that are new or whose value differs (Python's `!=`),
/// in the source's order. Only the top level is compared: a changed member is replaced whole.
pub fn update_from_dict(target: &Notifier, source: &Dict) -> Result<()> {
    let (to_delete, to_set) = target.with(|current| {
        let current = current.as_dict().ok_or(Error::WrongType {
            op: "update from a dict",
            kind: current.kind(),
        })?;
        let to_delete: Vec<Value> = current
            .keys()
            .filter(|k| !source.contains_key(k))
            .cloned()
            .collect();
        let to_set: Vec<(Value, Value)> = source
            .iter()
            .filter(|(k, v)| current.get(k).is_none_or(|cur| !cur.py_eq(v)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok::<_, Error>((to_delete, to_set))
    })??;
    for k in to_delete {
        target.delitem(k)?;
    }
    for (k, v) in to_set {
        target.setitem(k, v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, list, tuple};

    fn drain(outbox: &Outbox) -> Vec<String> {
        outbox.take_now()
    }

    #[test]
    fn nested_handles_emit_python_paths() {
        let n = Notifier::new(dict! {"a" => list![list![1]], "d" => dict! {}});
        let outbox = n.attach(Version::V2, 1 << 20, 0).unwrap();
        n.at("a").at(-1).append(2).unwrap();
        n.at("a").insert(5, "x").unwrap();
        assert_eq!(n.at("a").pop(-1).unwrap(), Value::str("x"));
        n.at("d").setitem(tuple![1, 2], 3.5).unwrap();
        n.at("d").delitem(tuple![1, 2]).unwrap();
        n.at_path([Value::str("a"), Value::Int(0)])
            .setitem(0, Value::None)
            .unwrap();
        assert_eq!(
            drain(&outbox),
            [
                r#"{"action":"init","struct":{"a":[[1]],"d":{}}}"#,
                r#"{"action":"append","path":["a",-1],"x":2}"#,
                r#"{"action":"insert","path":["a"],"i":5,"x":"x"}"#,
                r#"{"action":"pop","path":["a"],"i":-1}"#,
                r#"{"action":"setitem","path":["d"],"key":{"__jsonclass__":["tuple",[[1,2]]]},"value":3.5}"#,
                r#"{"action":"delitem","path":["d"],"key":{"__jsonclass__":["tuple",[[1,2]]]}}"#,
                r#"{"action":"setitem","path":["a",0],"key":0,"value":null}"#,
            ]
        );
        assert_eq!(
            n.get().unwrap(),
            dict! {"a" => list![list![Value::None, 2]], "d" => dict! {}}
        );
    }

    #[test]
    fn failed_changes_are_neither_applied_nor_published() {
        let n = Notifier::new(dict! {"a" => list![]});
        let outbox = n.attach(Version::V2, 1 << 20, 0).unwrap();
        assert!(n.at("b").append(1).is_err());
        assert!(n.at("a").pop(-1).is_err());
        assert!(n.append(1).is_err());
        assert!(n.delitem("zz").is_err());
        // Not encodable: a dict with a `__jsonclass__` key.
        assert!(n.setitem("bad", dict! {"__jsonclass__" => 1}).is_err());
        assert_eq!(n.get().unwrap(), dict! {"a" => list![]});
        assert_eq!(drain(&outbox).len(), 1);
    }

    #[test]
    fn update_from_dict_like_python() {
        let n = Notifier::new(
            dict! {"a" => list![1, 2], "b" => dict! {"c" => 1}, "new" => 1, "k" => 1.0},
        );
        let outbox = n.attach(Version::V2, 1 << 20, 0).unwrap();
        let Value::Dict(source) = dict!("a" => list![9], "k" => 1, "z" => 1) else {
            unreachable!()
        };
        update_from_dict(&n, &source).unwrap();
        assert_eq!(
            drain(&outbox)[1..],
            [
                r#"{"action":"delitem","path":[],"key":"b"}"#,
                r#"{"action":"delitem","path":[],"key":"new"}"#,
                r#"{"action":"setitem","path":[],"key":"a","value":[9]}"#,
                r#"{"action":"setitem","path":[],"key":"z","value":1}"#,
            ]
        );
        assert!(update_from_dict(&n.at("a"), &source).is_err());
    }

    #[test]
    fn versions_are_encoded_once_each() {
        let n = Notifier::new(dict! {"a" => tuple![1]});
        let v1 = n.attach(Version::V1, 1 << 20, 0).unwrap();
        let v2 = n.attach(Version::V2, 1 << 20, 0).unwrap();
        n.setitem("b", tuple![]).unwrap();
        assert_eq!(
            drain(&v1),
            [
                r#"{"action": "init", "struct": {"a": (1, )}}"#,
                r#"{"action": "setitem", "path": [], "key": "b", "value": ()}"#,
            ]
        );
        assert_eq!(
            drain(&v2)[1],
            r#"{"action":"setitem","path":[],"key":"b","value":{"__jsonclass__":["tuple",[[]]]}}"#
        );
        assert_eq!(n.subscriber_count(), 2);
        n.detach(0);
        assert_eq!(n.subscriber_count(), 0);
        assert!(v1.is_closed());
    }
}
