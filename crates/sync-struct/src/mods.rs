//! Mods: the messages that describe one change to a replicated structure, their wire form, and
//! [`process_mod`], which applies one to a [`Value`]. Pure code, no I/O.

use pyon_codec::{Dict, Value, Version};

use crate::error::{Error, Result};
use crate::ops::{self, Op};

/// The kind of a [`Mod`], as named on the wire (`"action"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModAction {
    /// A full copy of the structure (`struct`), sent first to each subscriber.
    Init,
    /// Appends `x` to the list at `path`.
    Append,
    /// Inserts `x` at index `i` of the list at `path`.
    Insert,
    /// Removes index `i` from the list at `path`.
    Pop,
    /// Sets `key` of the dict or list at `path` to `value`.
    SetItem,
    /// Removes `key` from the dict or list at `path`.
    DelItem,
}

impl ModAction {
    /// All actions, in the order of Python's `ModAction` enum.
    pub const ALL: [ModAction; 6] = [
        ModAction::Init,
        ModAction::Append,
        ModAction::Insert,
        ModAction::Pop,
        ModAction::SetItem,
        ModAction::DelItem,
    ];

    /// The wire name: `init`, `append`, `insert`, `pop`, `setitem` or `delitem`.
    pub fn as_str(self) -> &'static str {
        match self {
            ModAction::Init => "init",
            ModAction::Append => "append",
            ModAction::Insert => "insert",
            ModAction::Pop => "pop",
            ModAction::SetItem => "setitem",
            ModAction::DelItem => "delitem",
        }
    }

    /// The action with this wire name.
    pub fn from_name(name: &str) -> Option<ModAction> {
        ModAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

impl std::fmt::Display for ModAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One modification of a replicated structure, as Python's `sync_struct` describes it.
///
/// `path` lists the keys (dict keys or list indices, negative allowed) that lead from the root to
/// the container the mod applies to; `[]` is the root.
#[derive(Debug, Clone, PartialEq)]
pub enum Mod {
    /// `{"action": "init", "struct": ...}`: the whole structure.
    Init {
        /// The structure (`struct` on the wire).
        value: Value,
    },
    /// `{"action": "append", "path": ..., "x": ...}`.
    Append {
        /// Path to the list.
        path: Vec<Value>,
        /// The appended item.
        x: Value,
    },
    /// `{"action": "insert", "path": ..., "i": ..., "x": ...}`.
    Insert {
        /// Path to the list.
        path: Vec<Value>,
        /// Where to insert, with Python's clamping of out-of-range indices.
        i: i64,
        /// The inserted item.
        x: Value,
    },
    /// `{"action": "pop", "path": ..., "i": ...}`.
    Pop {
        /// Path to the list.
        path: Vec<Value>,
        /// The index removed (Python's default is -1); on a dict, the key removed, as Python's
        /// `dict.pop` allows.
        i: Value,
    },
    /// `{"action": "setitem", "path": ..., "key": ..., "value": ...}`.
    SetItem {
        /// Path to the dict or list.
        path: Vec<Value>,
        /// Dict key, list index, or slice of a list.
        key: Value,
        /// The new value.
        value: Value,
    },
    /// `{"action": "delitem", "path": ..., "key": ...}`.
    DelItem {
        /// Path to the dict or list.
        path: Vec<Value>,
        /// Dict key, list index, or slice of a list.
        key: Value,
    },
}

impl Mod {
    /// The action of this mod.
    pub fn action(&self) -> ModAction {
        match self {
            Mod::Init { .. } => ModAction::Init,
            Mod::Append { .. } => ModAction::Append,
            Mod::Insert { .. } => ModAction::Insert,
            Mod::Pop { .. } => ModAction::Pop,
            Mod::SetItem { .. } => ModAction::SetItem,
            Mod::DelItem { .. } => ModAction::DelItem,
        }
    }

    /// The path of this mod (empty for `init`).
    pub fn path(&self) -> &[Value] {
        match self {
            Mod::Init { .. } => &[],
            Mod::Append { path, .. }
            | Mod::Insert { path, .. }
            | Mod::Pop { path, .. }
            | Mod::SetItem { path, .. }
            | Mod::DelItem { path, .. } => path,
        }
    }

    /// The mod as the dict Python puts on the wire, keys in Python's order.
    pub fn to_value(&self) -> Value {
        let s = |k: &str| Value::str(k);
        let path = |p: &[Value]| Value::List(p.to_vec());
        let mut d = vec![(s("action"), s(self.action().as_str()))];
        match self {
            Mod::Init { value } => d.push((s("struct"), value.clone())),
            Mod::Append { path: p, x } => {
                d.push((s("path"), path(p)));
                d.push((s("x"), x.clone()));
            }
            Mod::Insert { path: p, i, x } => {
                d.push((s("path"), path(p)));
                d.push((s("i"), Value::Int(*i)));
                d.push((s("x"), x.clone()));
            }
            Mod::Pop { path: p, i } => {
                d.push((s("path"), path(p)));
                d.push((s("i"), i.clone()));
            }
            Mod::SetItem {
                path: p,
                key,
                value,
            } => {
                d.push((s("path"), path(p)));
                d.push((s("key"), key.clone()));
                d.push((s("value"), value.clone()));
            }
            Mod::DelItem { path: p, key } => {
                d.push((s("path"), path(p)));
                d.push((s("key"), key.clone()));
            }
        }
        Value::Dict(Dict::from_unique_pairs(d))
    }

    /// Reads a mod from the dict received on the wire. Extra keys are ignored, as Python does.
    pub fn from_value(v: Value) -> Result<Mod> {
        let Value::Dict(d) = v else {
            return Err(Error::InvalidMod(format!(
                "expected a dict, got a {}",
                v.kind()
            )));
        };
        let (mut action, mut path, mut i, mut x, mut key, mut value, mut structure) =
            (None, None, None, None, None, None, None);
        for (k, v) in d {
            match k.as_str() {
                Some("action") => action = Some(v),
                Some("path") => path = Some(v),
                Some("i") => i = Some(v),
                Some("x") => x = Some(v),
                Some("key") => key = Some(v),
                Some("value") => value = Some(v),
                Some("struct") => structure = Some(v),
                _ => {}
            }
        }
        let action = match action {
            Some(Value::Str(name)) => ModAction::from_name(&name)
                .ok_or_else(|| Error::InvalidMod(format!("unknown action {name:?}")))?,
            Some(other) => {
                return Err(Error::InvalidMod(format!(
                    "action must be a str, got a {}",
                    other.kind()
                )));
            }
            None => return Err(missing("action")),
        };
        if action == ModAction::Init {
            return Ok(Mod::Init {
                value: structure.ok_or_else(|| missing("struct"))?,
            });
        }
        let path = match path {
            Some(Value::List(p) | Value::Tuple(p)) => p,
            Some(other) => {
                return Err(Error::InvalidMod(format!(
                    "path must be a list, got a {}",
                    other.kind()
                )));
            }
            None => return Err(missing("path")),
        };
        let index = |i: Option<Value>| match i {
            Some(v) => v
                .as_i64()
                .ok_or_else(|| Error::InvalidMod(format!("i must be an int, got {}", v.kind()))),
            None => Err(missing("i")),
        };
        Ok(match action {
            ModAction::Init => unreachable!("handled above"),
            ModAction::Append => Mod::Append {
                path,
                x: x.ok_or_else(|| missing("x"))?,
            },
            ModAction::Insert => Mod::Insert {
                path,
                i: index(i)?,
                x: x.ok_or_else(|| missing("x"))?,
            },
            ModAction::Pop => Mod::Pop {
                path,
                i: i.ok_or_else(|| missing("i"))?,
            },
            ModAction::SetItem => Mod::SetItem {
                path,
                key: key.ok_or_else(|| missing("key"))?,
                value: value.ok_or_else(|| missing("value"))?,
            },
            ModAction::DelItem => Mod::DelItem {
                path,
                key: key.ok_or_else(|| missing("key"))?,
            },
        })
    }

    /// Decodes one line of a publisher in the given PYON version.
    pub fn decode(line: &str, version: Version) -> Result<Mod> {
        Mod::from_value(version.decode(line)?)
    }

    /// Encodes this mod as one line (without the `\n`) in the given PYON version, byte for byte
    /// what Python's publisher sends.
    pub fn encode(&self, version: Version) -> Result<String> {
        let int;
        let (path, fields): (Option<&[Value]>, Vec<(&str, &Value)>) = match self {
            Mod::Init { value } => (None, vec![("struct", value)]),
            Mod::Append { path, x } => (Some(path), vec![("x", x)]),
            Mod::Insert { path, i, x } => {
                int = Value::Int(*i);
                (Some(path), vec![("i", &int), ("x", x)])
            }
            Mod::Pop { path, i } => (Some(path), vec![("i", i)]),
            Mod::SetItem { path, key, value } => (Some(path), vec![("key", key), ("value", value)]),
            Mod::DelItem { path, key } => (Some(path), vec![("key", key)]),
        };
        encode_parts(version, self.action(), path, &fields)
    }

    /// Applies this mod to `target`; see [`process_mod`].
    pub fn apply(&self, target: &mut Value) -> Result<()> {
        process_mod(target, self)
    }
}

fn missing(field: &str) -> Error {
    Error::InvalidMod(format!("missing field {field:?}"))
}

/// Writes a mod from borrowed parts, so a notifier can encode before it moves the value into
/// its structure. The layout is that of Python's `json.dumps` (v2) or `pyon_v1` of a dict with
/// these keys in this order.
pub(crate) fn encode_parts(
    version: Version,
    action: ModAction,
    path: Option<&[Value]>,
    fields: &[(&str, &Value)],
) -> Result<String> {
    let (comma, colon) = match version {
        Version::V2 => (",", ":"),
        Version::V1 => (", ", ": "),
    };
    let mut out = String::with_capacity(64);
    out.push_str("{\"action\"");
    out.push_str(colon);
    out.push('"');
    out.push_str(action.as_str());
    out.push('"');
    if let Some(path) = path {
        out.push_str(comma);
        out.push_str("\"path\"");
        out.push_str(colon);
        out.push('[');
        for (n, key) in path.iter().enumerate() {
            if n > 0 {
                out.push_str(comma);
            }
            version.encode_into(&mut out, key, false)?;
        }
        out.push(']');
    }
    for (name, value) in fields {
        out.push_str(comma);
        out.push('"');
        out.push_str(name);
        out.push('"');
        out.push_str(colon);
        version.encode_into(&mut out, value, false)?;
    }
    out.push('}');
    Ok(out)
}

/// Applies `m` to `target` as Python's `sync_struct.process_mod` does: walks `path` from the
/// root with `target[key]` (dict key, or list/tuple index with negative indices counted from the
/// end), then performs the action.
///
/// A bad path, key, index or type is an error and leaves `target` unchanged; nothing panics.
/// An `init` mod replaces the whole target.
///
/// ```
/// use pyon_codec::{dict, list};
/// use sync_struct::{Mod, process_mod};
///
/// let mut t = dict! {"a" => list![1, 2]};
/// process_mod(&mut t, &Mod::Append { path: vec!["a".into()], x: 3.into() })?;
/// assert_eq!(t, dict! {"a" => list![1, 2, 3]});
/// assert!(process_mod(&mut t, &Mod::Pop { path: vec!["b".into()], i: 0.into() }).is_err());
/// # Ok::<(), sync_struct::Error>(())
/// ```
pub fn process_mod(target: &mut Value, m: &Mod) -> Result<()> {
    let op = match m {
        Mod::Init { value } => {
            *target = value.clone();
            return Ok(());
        }
        Mod::Append { x, .. } => Op::Append(x.clone()),
        Mod::Insert { i, x, .. } => Op::Insert(*i, x.clone()),
        Mod::Pop { i, .. } => Op::Pop(i.clone()),
        Mod::SetItem { key, value, .. } => Op::SetItem(key.clone(), value.clone()),
        Mod::DelItem { key, .. } => Op::DelItem(key.clone()),
    };
    let node = ops::resolve_mut(target, m.path())?;
    ops::apply(node, op).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, list, tuple};

    fn all_mods() -> Vec<Mod> {
        let p = || vec![Value::str("a"), Value::Int(-1)];
        vec![
            Mod::Init {
                value: dict! {"a" => list![tuple![1, 2]]},
            },
            Mod::Append {
                path: p(),
                x: 3.into(),
            },
            Mod::Insert {
                path: p(),
                i: 0,
                x: "é".into(),
            },
            Mod::Pop {
                path: vec![],
                i: Value::Int(-1),
            },
            Mod::SetItem {
                path: p(),
                key: tuple![1, "k"],
                value: dict! {1 => 2.5},
            },
            Mod::DelItem {
                path: vec![],
                key: "z".into(),
            },
        ]
    }

    #[test]
    fn hand_written_encoding_matches_the_generic_encoder() {
        for m in all_mods() {
            for version in [Version::V1, Version::V2] {
                let expected = version.encode(&m.to_value()).unwrap();
                assert_eq!(m.encode(version).unwrap(), expected, "{m:?}");
                assert_eq!(Mod::decode(&expected, version).unwrap(), m);
            }
        }
    }

    #[test]
    fn bad_mods_are_errors() {
        let cases = [
            ("[1]", "invalid mod: expected a dict, got a list"),
            ("{}", "invalid mod: missing field \"action\""),
            (
                r#"{"action":"frob"}"#,
                "invalid mod: unknown action \"frob\"",
            ),
            (
                r#"{"action":1}"#,
                "invalid mod: action must be a str, got a int",
            ),
            (
                r#"{"action":"init"}"#,
                "invalid mod: missing field \"struct\"",
            ),
            (
                r#"{"action":"append","x":1}"#,
                "invalid mod: missing field \"path\"",
            ),
            (
                r#"{"action":"append","path":{}}"#,
                "invalid mod: path must be a list, got a dict",
            ),
            (
                r#"{"action":"append","path":[]}"#,
                "invalid mod: missing field \"x\"",
            ),
            (
                r#"{"action":"insert","path":[],"i":"0","x":1}"#,
                "invalid mod: i must be an int, got str",
            ),
            (
                r#"{"action":"insert","path":[],"x":1}"#,
                "invalid mod: missing field \"i\"",
            ),
            (
                r#"{"action":"setitem","path":[],"key":1}"#,
                "invalid mod: missing field \"value\"",
            ),
            (
                r#"{"action":"delitem","path":[]}"#,
                "invalid mod: missing field \"key\"",
            ),
        ];
        for (line, expected) in cases {
            let err = Mod::decode(line, Version::V2).unwrap_err();
            assert_eq!(err.to_string(), expected, "{line}");
        }
    }

    #[test]
    fn action_names_round_trip() {
        for a in ModAction::ALL {
            assert_eq!(ModAction::from_name(a.as_str()), Some(a));
        }
        assert_eq!(ModAction::from_name("Append"), None);
    }
}
