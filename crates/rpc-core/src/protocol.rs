//! The pc_rpc wire protocol as pure functions on lines and values (no I/O).
//!
//! A session, server side:
//!
//! 1. read [`BANNER`]; anything else: close without a word;
//! 2. send [`identification`];
//! 3. read the target line, [`parse_target_line`] (an unknown target or feature: close);
//! 4. send [`method_set_line`];
//! 5. for each request line: decode it in the selected [`Version`] (a line that does not decode
//!    ends the connection), [`Request::from_value`], run it, send [`encode_reply`].

use pyon_codec::{Dict, Value, Version};

use crate::{Error, RpcError};

/// The first line a pc_rpc client sends.
pub const BANNER: &str = "ARTIQ pc_rpc";

/// The feature a current client selects to speak PYON v2 for the rest of the session.
pub const FEATURE_PYON_V2: &str = "pyon_v2";

/// Which SiPyCo a server behaves as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Current SiPyCo: offers the `pyon_v2` feature; each client chooses v2 or v1.
    #[default]
    Current,
    /// Legacy SiPyCo (ARTIQ 8 and older): no features, PYON v1 only.
    Legacy,
}

impl Dialect {
    /// The features offered in the identification.
    pub fn features(self) -> &'static [&'static str] {
        match self {
            Dialect::Current => &[FEATURE_PYON_V2],
            Dialect::Legacy => &[],
        }
    }
}

/// The server's identification line.
///
/// Current: `{"targets":["a","b"],"description":"text","features":["pyon_v2"]}`;
/// legacy: `{"targets": ["a", "b"], "description": null}`. Targets are sorted.
pub fn identification<S: AsRef<str>>(
    targets: &[S],
    description: Option<&str>,
    dialect: Dialect,
) -> String {
    let mut names: Vec<&str> = targets.iter().map(AsRef::as_ref).collect();
    names.sort_unstable();
    let mut entries = vec![
        (
            Value::str("targets"),
            Value::List(names.into_iter().map(Value::str).collect()),
        ),
        (
            Value::str("description"),
            description.map_or(Value::None, Value::str),
        ),
    ];
    let version = match dialect {
        Dialect::Current => {
            let features = dialect.features().iter().map(|f| Value::str(*f)).collect();
            entries.push((Value::str("features"), Value::List(features)));
            Version::V2
        }
        Dialect::Legacy => Version::V1,
    };
    // Strings, lists and str-keyed dicts always encode.
    version
        .encode(&Value::Dict(Dict::from_unique_pairs(entries)))
        .unwrap_or_default()
}

/// What a client selected with its target line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The target name.
    pub target: String,
    /// The PYON version of the rest of the session.
    pub version: Version,
}

/// Parses the client's target line `name [feature ...]` (space-separated).
///
/// `has_target` says whether a name is served. Fails with [`Error::UnknownTarget`] or
/// [`Error::UnknownFeature`]; the server then closes the connection.
pub fn parse_target_line(
    line: &str,
    has_target: impl Fn(&str) -> bool,
    dialect: Dialect,
) -> Result<Selection, Error> {
    let mut words = line.split_ascii_whitespace();
    let target = words.next().unwrap_or("");
    if !has_target(target) {
        return Err(Error::UnknownTarget(line.to_owned()));
    }
    let mut version = Version::V1;
    for feature in words {
        if !dialect.features().contains(&feature) {
            return Err(Error::UnknownFeature(feature.to_owned()));
        }
        if feature == FEATURE_PYON_V2 {
            version = Version::V2;
        }
    }
    Ok(Selection {
        target: target.to_owned(),
        version,
    })
}

/// The line that lists the callable method names, encoded as a Python `set`.
pub fn method_set_line<S: AsRef<str>>(names: &[S], version: Version) -> String {
    let set = Value::Set(names.iter().map(|n| Value::str(n.as_ref())).collect());
    version.encode(&set).unwrap_or_default()
}

/// A decoded request.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// `{"action": "call", "name": ..., "args": (...), "kwargs": {...}}`.
    Call {
        /// The method name.
        name: String,
        /// Positional arguments.
        args: Vec<Value>,
        /// Keyword arguments.
        kwargs: Dict,
    },
    /// `{"action": "get_rpc_method_list"}`.
    MethodList,
}

impl Request {
    /// Interprets a decoded request line. A malformed request is answered, as Python does, with
    /// a `failed` reply carrying this error (`KeyError: 'action'`,
    /// `ValueError: Unknown action: x`, a `TypeError`).
    pub fn from_value(v: Value) -> Result<Request, RpcError> {
        let mut d = match v {
            Value::Dict(d) | Value::OrderedDict(d) => d,
            other => {
                return Err(RpcError::type_error(format!(
                    "{} indices must be integers or slices, not str",
                    other.kind()
                )));
            }
        };
        let mut take = |key: &str| {
            d.remove(&Value::str(key))
                .ok_or_else(|| RpcError::key_error(key))
        };
        let action = take("action")?;
        match action.as_str() {
            Some("get_rpc_method_list") => Ok(Request::MethodList),
            Some("call") => {
                let name = match take("name")? {
                    Value::Str(s) => s,
                    other => {
                        return Err(RpcError::type_error(format!(
                            "attribute name must be string, not '{}'",
                            other.kind()
                        )));
                    }
                };
                let args = match take("args")? {
                    Value::Tuple(v) | Value::List(v) | Value::Set(v) => v,
                    other => {
                        return Err(RpcError::type_error(format!(
                            "{name}() argument after * must be an iterable, not {}",
                            other.kind()
                        )));
                    }
                };
                let kwargs = match take("kwargs")? {
                    Value::Dict(d) | Value::OrderedDict(d) => d,
                    other => {
                        return Err(RpcError::type_error(format!(
                            "{name}() argument after ** must be a mapping, not {}",
                            other.kind()
                        )));
                    }
                };
                Ok(Request::Call { name, args, kwargs })
            }
            // Python formats the action with `str()`.
            Some(text) => Err(RpcError::value_error(format!("Unknown action: {text}"))),
            None => Err(RpcError::value_error(format!(
                "Unknown action: {}",
                pyon_codec::repr(&action)
            ))),
        }
    }

    /// The request as a client sends it, keys in Python's order.
    pub fn to_value(&self) -> Value {
        let pairs = match self {
            Request::Call { name, args, kwargs } => vec![
                (Value::str("action"), Value::str("call")),
                (Value::str("name"), Value::str(name)),
                (Value::str("args"), Value::Tuple(args.clone())),
                (Value::str("kwargs"), Value::Dict(kwargs.clone())),
            ],
            Request::MethodList => vec![(Value::str("action"), Value::str("get_rpc_method_list"))],
        };
        Value::Dict(Dict::from_unique_pairs(pairs))
    }
}

/// Encodes a reply: `{"status": "ok", "ret": ...}` or
/// `{"status": "failed", "exception": {...}}`.
///
/// A return value that cannot be encoded turns into a `failed` reply with a `TypeError`, as in
/// Python.
pub fn encode_reply(result: Result<Value, RpcError>, version: Version) -> String {
    fn reply(status: &str, key: &str, value: Value) -> Value {
        Value::Dict(Dict::from_unique_pairs(vec![
            (Value::str("status"), Value::str(status)),
            (Value::str(key), value),
        ]))
    }
    let encoded = match result {
        Ok(ret) => version.encode(&reply("ok", "ret", ret)),
        Err(e) => version.encode(&reply("failed", "exception", e.to_value())),
    };
    encoded.unwrap_or_else(|e| {
        let exc = RpcError::type_error(format!("return value is not PYON encodable: {e}"));
        version
            .encode(&reply("failed", "exception", exc.to_value()))
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::tuple;

    #[test]
    fn identification_lines() {
        let t = ["other", "demo"];
        assert_eq!(
            identification(&t, Some("golden demo server"), Dialect::Current),
            r#"{"targets":["demo","other"],"description":"golden demo server","features":["pyon_v2"]}"#
        );
        assert_eq!(
            identification(&t, Some("golden demo server"), Dialect::Legacy),
            r#"{"targets": ["demo", "other"], "description": "golden demo server"}"#
        );
        assert_eq!(
            identification(&t, None, Dialect::Legacy),
            r#"{"targets": ["demo", "other"], "description": null}"#
        );
    }

    #[test]
    fn target_lines() {
        let has = |n: &str| n == "demo";
        let sel = |line, dialect| parse_target_line(line, has, dialect);
        assert_eq!(
            sel("demo pyon_v2", Dialect::Current).unwrap().version,
            Version::V2
        );
        assert_eq!(sel("demo", Dialect::Current).unwrap().version, Version::V1);
        assert_eq!(sel("demo", Dialect::Legacy).unwrap().version, Version::V1);
        assert!(matches!(
            sel("demo pyon_v2", Dialect::Legacy),
            Err(Error::UnknownFeature(_))
        ));
        assert!(matches!(
            sel("demo pyon_v3", Dialect::Current),
            Err(Error::UnknownFeature(_))
        ));
        assert!(matches!(
            sel("nope", Dialect::Current),
            Err(Error::UnknownTarget(_))
        ));
        assert!(matches!(
            sel("", Dialect::Current),
            Err(Error::UnknownTarget(_))
        ));
    }

    #[test]
    fn method_sets() {
        assert_eq!(
            method_set_line(&["echo", "terminate"], Version::V2),
            r#"{"__jsonclass__":["set",[["echo","terminate"]]]}"#
        );
        assert_eq!(
            method_set_line(&["echo", "terminate"], Version::V1),
            r#"{"echo", "terminate"}"#
        );
    }

    #[test]
    fn requests() {
        let call = pyon_codec::decode(
            r#"{"action":"call","name":"echo","args":{"__jsonclass__":["tuple",[[5]]]},"kwargs":{}}"#,
        )
        .unwrap();
        let req = Request::from_value(call.clone()).unwrap();
        assert_eq!(
            req,
            Request::Call {
                name: "echo".into(),
                args: vec![Value::Int(5)],
                kwargs: Dict::new()
            }
        );
        assert_eq!(req.to_value(), call);
        let list = pyon_codec::v1::decode(r#"{"action": "get_rpc_method_list"}"#).unwrap();
        assert_eq!(
            Request::from_value(list.clone()).unwrap(),
            Request::MethodList
        );
        assert_eq!(Request::MethodList.to_value(), list);

        let bad = [
            (r#"{"name":"x"}"#, "KeyError: 'action'"),
            (r#"{"action":"dance"}"#, "ValueError: Unknown action: dance"),
            (
                r#"{"action":"call","args":[],"kwargs":{}}"#,
                "KeyError: 'name'",
            ),
            (
                r#"{"action":"call","name":"f","args":1,"kwargs":{}}"#,
                "TypeError: f() argument after * must be an iterable, not int",
            ),
            (
                r#"{"action":"call","name":"f","args":[],"kwargs":[]}"#,
                "TypeError: f() argument after ** must be a mapping, not list",
            ),
            (
                r#"[1]"#,
                "TypeError: list indices must be integers or slices, not str",
            ),
        ];
        for (text, msg) in bad {
            let e = Request::from_value(pyon_codec::decode(text).unwrap()).unwrap_err();
            assert_eq!(e.to_string(), msg);
        }
    }

    #[test]
    fn replies() {
        assert_eq!(
            encode_reply(Ok(Value::Int(5)), Version::V2),
            r#"{"status":"ok","ret":5}"#
        );
        assert_eq!(
            encode_reply(Ok(Value::Int(5)), Version::V1),
            r#"{"status": "ok", "ret": 5}"#
        );
        assert_eq!(
            encode_reply(Ok(tuple![1, 2]), Version::V1),
            r#"{"status": "ok", "ret": (1, 2)}"#
        );
        assert_eq!(
            encode_reply(Err(RpcError::key_error("missing")), Version::V2),
            r#"{"status":"failed","exception":{"class":"KeyError","message":"'missing'","traceback":[]}}"#
        );
        // A numpy bool scalar (refused by v1), a dict with the key `__jsonclass__` (by v2).
        let scalar = Value::Scalar(Box::new(pyon_codec::NpScalar::from_value(true)));
        let bad = Value::List(vec![scalar, pyon_codec::dict! {"__jsonclass__" => 1}]);
        for version in [Version::V1, Version::V2] {
            let text = encode_reply(Ok(bad.clone()), version);
            let reply = version.decode(&text).unwrap();
            let exc = RpcError::from_value(reply.get("exception").unwrap()).unwrap();
            assert_eq!(exc.class(), "TypeError");
        }
    }
}
