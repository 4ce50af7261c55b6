//! The pc_rpc wire protocol as seen by a client, without any I/O.
//!
//! Every function here turns lines into values or values into lines; the async layer only moves
//! the lines. The order of a session is:
//!
//! 1. the client sends [`BANNER`];
//! 2. the server sends its identification, parsed by [`parse_identification`];
//! 3. the client sends [`selection_line`] for the chosen target, which also fixes the PYON
//!    version of the rest of the session;
//! 4. the server sends the method names of the target, parsed by [`parse_method_names`];
//! 5. requests ([`encode_call`], [`encode_method_list_request`]) and replies ([`decode_reply`])
//!    follow, strictly one reply per request, in order.

use std::collections::HashSet;

use pyon_codec::{Dict, Value, Version};

use crate::error::{Error, RemoteError, Result};

/// The line that opens a pc_rpc session.
pub const BANNER: &str = "ARTIQ pc_rpc";

/// The feature that switches a session to PYON v2.
pub const FEATURE_PYON_V2: &str = "pyon_v2";

/// What a server says about itself right after the banner (Python's `get_rpc_id()` plus the
/// features it offers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identification {
    /// The target names, as listed by the server (sorted by Python servers).
    pub targets: Vec<String>,
    /// The server's description, if it has one.
    pub description: Option<String>,
    /// The optional features the server offers; empty for legacy (PYON v1 only) servers.
    pub features: Vec<String>,
}

impl Identification {
    /// Whether the server offers a feature.
    pub fn offers(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }

    /// The PYON version a session will use: v2 exactly when the server offers `pyon_v2`.
    pub fn version(&self) -> Version {
        if self.offers(FEATURE_PYON_V2) {
            Version::V2
        } else {
            Version::V1
        }
    }
}

/// Which target to select after connecting (Python's `target_name` argument).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    /// The only target of the server; an error if it has several (Python's `AutoTarget`).
    #[default]
    Auto,
    /// The target of this name.
    Named(String),
    /// None yet: read the identification and select later with `select_rpc_target`
    /// (Python's `target_name=None`).
    Unselected,
}

/// Selects the only target of the server, as Python's `sipyco.pc_rpc.AutoTarget`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AutoTarget;

impl From<AutoTarget> for Target {
    fn from(_: AutoTarget) -> Target {
        Target::Auto
    }
}

impl From<&str> for Target {
    fn from(name: &str) -> Target {
        Target::Named(name.to_owned())
    }
}

impl From<String> for Target {
    fn from(name: String) -> Target {
        Target::Named(name)
    }
}

impl From<&String> for Target {
    fn from(name: &String) -> Target {
        Target::Named(name.clone())
    }
}

impl<T: Into<Target>> From<Option<T>> for Target {
    /// `None` means no target yet ([`Target::Unselected`]).
    fn from(target: Option<T>) -> Target {
        target.map_or(Target::Unselected, Into::into)
    }
}

impl Target {
    /// The name to select among the server's targets; `Ok(None)` for [`Target::Unselected`].
    ///
    /// A named target must be one the server offers (a Python client lets the server close the
    /// connection instead; failing here gives a clearer error).
    pub fn resolve(&self, id: &Identification) -> Result<Option<String>> {
        match self {
            Target::Unselected => Ok(None),
            Target::Auto => match id.targets.as_slice() {
                [only] => Ok(Some(only.clone())),
                [] => Err(Error::NoTarget),
                several => Err(Error::AmbiguousTarget {
                    targets: several.to_vec(),
                }),
            },
            Target::Named(name) => check_target(id, name).map(|()| Some(name.clone())),
        }
    }
}

/// Checks that the server offers the target `name`.
pub fn check_target(id: &Identification, name: &str) -> Result<()> {
    if id.targets.iter().any(|t| t == name) {
        Ok(())
    } else {
        Err(Error::UnknownTarget {
            name: name.to_owned(),
            targets: id.targets.clone(),
        })
    }
}

fn incompatible(what: impl Into<String>) -> Error {
    Error::IncompatibleServer(what.into())
}

fn string_list(v: Option<&Value>, what: &str) -> Result<Vec<String>> {
    match v {
        None => Ok(Vec::new()),
        Some(v) => v
            .as_seq()
            .ok_or_else(|| incompatible(format!("`{what}` is not a list")))?
            .iter()
            .map(|t| {
                t.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| incompatible(format!("`{what}` holds a non-string")))
            })
            .collect(),
    }
}

/// Parses the identification line: `{"targets":[...],"description":...,"features":[...]}`
/// (current servers) or the v1-spaced form without `features` (legacy servers).
pub fn parse_identification(line: &str) -> Result<Identification> {
    let (value, _) = pyon_codec::decode_auto(line)
        .map_err(|e| incompatible(format!("unreadable identification: {e}")))?;
    let dict = value
        .as_dict()
        .ok_or_else(|| incompatible("the identification is not a dict"))?;
    let targets = match dict.get_str("targets") {
        Some(t) => string_list(Some(t), "targets")?,
        None => return Err(incompatible("the identification has no `targets`")),
    };
    let description = match dict.get_str("description") {
        None | Some(Value::None) => None,
        Some(Value::Str(s)) => Some(s.clone()),
        // Python accepts any JSON value here; keep it readable rather than refuse it.
        Some(other) => Some(pyon_codec::encode(other).unwrap_or_default()),
    };
    let features = string_list(dict.get_str("features"), "features")?;
    Ok(Identification {
        targets,
        description,
        features,
    })
}

/// The line that selects `target`, and the PYON version of the rest of the session:
/// `demo pyon_v2` when the server offered `pyon_v2`, `demo` alone (PYON v1) otherwise.
pub fn selection_line(id: &Identification, target: &str) -> (String, Version) {
    match id.version() {
        Version::V2 => (format!("{target} {FEATURE_PYON_V2}"), Version::V2),
        Version::V1 => (target.to_owned(), Version::V1),
    }
}

/// Parses the set of method names sent after target selection (`{"__jsonclass__":["set",...]}`
/// in v2, `{"a", "b"}` in v1).
pub fn parse_method_names(line: &str, version: Version) -> Result<HashSet<String>> {
    let value = version
        .decode(line)
        .map_err(|e| incompatible(format!("unreadable method names: {e}")))?;
    let items: &[Value] = match &value {
        Value::Set(items) | Value::List(items) | Value::Tuple(items) => items,
        // An empty set is `{}` in PYON v1, which decodes as an empty dict.
        Value::Dict(d) if d.is_empty() => &[],
        other => {
            return Err(incompatible(format!(
                "method names are a {}, not a set",
                other.kind()
            )));
        }
    };
    items
        .iter()
        .map(|n| {
            n.as_str()
                .map(str::to_owned)
                .ok_or_else(|| incompatible("a method name is not a string"))
        })
        .collect()
}

/// Encodes a call request: `{"action":"call","name":...,"args":(...),"kwargs":{...}}`.
pub fn encode_call(version: Version, name: &str, args: Vec<Value>, kwargs: Dict) -> Result<String> {
    let request = Dict::from_unique_pairs(vec![
        (Value::str("action"), Value::str("call")),
        (Value::str("name"), Value::str(name)),
        (Value::str("args"), Value::Tuple(args)),
        (Value::str("kwargs"), Value::Dict(kwargs)),
    ]);
    Ok(version.encode(&Value::Dict(request))?)
}

/// Encodes the request for the method list: `{"action":"get_rpc_method_list"}`.
pub fn encode_method_list_request(version: Version) -> String {
    match version {
        Version::V2 => r#"{"action":"get_rpc_method_list"}"#.to_owned(),
        Version::V1 => r#"{"action": "get_rpc_method_list"}"#.to_owned(),
    }
}

/// Decodes a reply line: the returned value for `{"status":"ok","ret":...}`,
/// [`Error::Remote`] for `{"status":"failed","exception":{...}}`.
pub fn decode_reply(version: Version, line: &str) -> Result<Value> {
    let value = version
        .decode(line)
        .map_err(|e| incompatible(format!("unreadable reply: {e}")))?;
    let Value::Dict(mut reply) = value else {
        return Err(incompatible("a reply is not a dict"));
    };
    let status = reply.get_str("status").and_then(Value::as_str);
    match status {
        Some("ok") => Ok(reply.remove(&Value::str("ret")).unwrap_or_default()),
        Some("failed") => Err(Error::Remote(remote_error(&reply))),
        Some(other) => Err(incompatible(format!("unknown reply status {other:?}"))),
        None => Err(incompatible("a reply has no `status`")),
    }
}

/// The exception of a failed reply. Current and legacy servers nest it under `exception`;
/// very old ones put `message` and `traceback` at the top level.
fn remote_error(reply: &Dict) -> RemoteError {
    let exc = reply
        .get_str("exception")
        .and_then(Value::as_dict)
        .unwrap_or(reply);
    let text = |key: &str| exc.get_str(key).and_then(Value::as_str).map(str::to_owned);
    let traceback = match exc.get_str("traceback") {
        Some(Value::Str(s)) => vec![s.clone()],
        Some(v) => v
            .as_seq()
            .unwrap_or_default()
            .iter()
            .filter_map(|l| l.as_str().map(str::to_owned))
            .collect(),
        None => Vec::new(),
    };
    RemoteError {
        class: text("class").unwrap_or_else(|| "GenericRemoteException".to_owned()),
        message: text("message").unwrap_or_default(),
        traceback,
    }
}

#[cfg(test)]
mod tests {
    use pyon_codec::tuple;

    use super::*;

    const HEAD_ID: &str =
        r#"{"targets":["demo","other"],"description":"golden demo server","features":["pyon_v2"]}"#;
    const V1_ID: &str = r#"{"targets": ["demo", "other"], "description": "golden demo server"}"#;

    #[test]
    fn identification_current_and_legacy() {
        let head = parse_identification(HEAD_ID).unwrap();
        assert_eq!(head.targets, ["demo", "other"]);
        assert_eq!(head.description.as_deref(), Some("golden demo server"));
        assert_eq!(head.version(), Version::V2);
        let legacy = parse_identification(V1_ID).unwrap();
        assert_eq!(legacy.targets, head.targets);
        assert!(legacy.features.is_empty());
        assert_eq!(legacy.version(), Version::V1);
        let none = parse_identification(r#"{"targets": [], "description": null}"#).unwrap();
        assert_eq!(none.description, None);
    }

    #[test]
    fn identification_rejects() {
        for (line, msg) in [
            ("hello", "unreadable identification"),
            ("[1]", "not a dict"),
            (r#"{"description": null}"#, "no `targets`"),
            (r#"{"targets": [1]}"#, "non-string"),
        ] {
            let err = parse_identification(line).unwrap_err().to_string();
            assert!(err.contains(msg), "{line}: {err}");
        }
    }

    #[test]
    fn selection_follows_features() {
        let head = parse_identification(HEAD_ID).unwrap();
        assert_eq!(
            selection_line(&head, "demo"),
            ("demo pyon_v2".to_owned(), Version::V2)
        );
        let legacy = parse_identification(V1_ID).unwrap();
        assert_eq!(
            selection_line(&legacy, "demo"),
            ("demo".to_owned(), Version::V1)
        );
    }

    #[test]
    fn target_resolution() {
        let two = parse_identification(HEAD_ID).unwrap();
        let one = parse_identification(r#"{"targets":["only"],"description":null}"#).unwrap();
        assert_eq!(Target::Auto.resolve(&one).unwrap().as_deref(), Some("only"));
        let err = Target::Auto.resolve(&two).unwrap_err();
        assert_eq!(err.to_string(), "server has multiple targets: demo other");
        assert_eq!(
            Target::from("other").resolve(&two).unwrap().as_deref(),
            Some("other")
        );
        assert!(matches!(
            Target::from("nope").resolve(&two),
            Err(Error::UnknownTarget { .. })
        ));
        assert_eq!(Target::from(None::<&str>).resolve(&two).unwrap(), None);
    }

    #[test]
    fn method_names_both_versions() {
        let v2 = parse_method_names(r#"{"__jsonclass__":["set",[["echo","add"]]]}"#, Version::V2)
            .unwrap();
        let v1 = parse_method_names(r#"{"echo", "add"}"#, Version::V1).unwrap();
        assert_eq!(v1, v2);
        assert!(v1.contains("echo") && v1.contains("add"));
        assert!(parse_method_names("{}", Version::V1).unwrap().is_empty());
        assert!(parse_method_names("5", Version::V1).is_err());
    }

    #[test]
    fn requests_as_recorded() {
        let mut kwargs = Dict::new();
        kwargs.insert("scale".into(), 2.into());
        kwargs.insert("extra".into(), true.into());
        let args = vec![1.into(), 2.into(), 3.into()];
        assert_eq!(
            encode_call(Version::V2, "add", args.clone(), kwargs.clone()).unwrap(),
            r#"{"action":"call","name":"add","args":{"__jsonclass__":["tuple",[[1,2,3]]]},"kwargs":{"scale":2,"extra":true}}"#
        );
        assert_eq!(
            encode_call(Version::V1, "add", args, kwargs).unwrap(),
            r#"{"action": "call", "name": "add", "args": (1, 2, 3), "kwargs": {"scale": 2, "extra": true}}"#
        );
        assert_eq!(
            encode_call(Version::V1, "echo", vec![5.into()], Dict::new()).unwrap(),
            r#"{"action": "call", "name": "echo", "args": (5, ), "kwargs": {}}"#
        );
        for v in [Version::V1, Version::V2] {
            let line = encode_method_list_request(v);
            let mut d = Dict::new();
            d.insert("action".into(), "get_rpc_method_list".into());
            assert_eq!(line, v.encode(&Value::Dict(d)).unwrap());
        }
    }

    #[test]
    fn replies() {
        assert_eq!(
            decode_reply(
                Version::V2,
                r#"{"status":"ok","ret":{"__jsonclass__":["tuple",[[1,2]]]}}"#
            )
            .unwrap(),
            tuple![1, 2]
        );
        assert_eq!(
            decode_reply(Version::V1, r#"{"status": "ok", "ret": (1, 2)}"#).unwrap(),
            tuple![1, 2]
        );
        let err = decode_reply(
            Version::V1,
            r#"{"status": "failed", "exception": {"class": "ValueError", "message": "bad", "traceback": ["a", "b"]}}"#,
        )
        .unwrap_err();
        let Error::Remote(remote) = err else {
            panic!("{err:?}")
        };
        assert_eq!(remote.class, "ValueError");
        assert_eq!(remote.traceback, ["a", "b"]);
        assert_eq!(remote.to_string(), "ValueError: bad");
        let old = decode_reply(
            Version::V1,
            r#"{"status": "failed", "message": "gone", "traceback": "tb"}"#,
        )
        .unwrap_err();
        assert_eq!(old.to_string(), "GenericRemoteException: gone");
        for line in [r#"{"status": "maybe"}"#, "[]", r#"{"ret": 1}"#, "{"] {
            assert!(
                matches!(
                    decode_reply(Version::V1, line),
                    Err(Error::IncompatibleServer(_))
                ),
                "{line}"
            );
        }
    }
}
