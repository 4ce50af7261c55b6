//! Requests and replies: the lines of a session after the handshake.

use pyon_codec::{Dict, Value, Version};

use crate::{Error, Result, RpcError};

/// A request, as a client sends it and a server reads it.
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
                Ok(Request::Call {
                    name: name.into_string(),
                    args,
                    kwargs,
                })
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

    /// The request line in `version`; fails when an argument cannot be encoded.
    pub fn encode(&self, version: Version) -> Result<String, pyon_codec::Error> {
        version.encode(&self.to_value())
    }
}

fn reply(status: &str, key: &str, value: Value) -> Value {
    Value::Dict(Dict::from_unique_pairs(vec![
        (Value::str("status"), Value::str(status)),
        (Value::str(key), value),
    ]))
}

/// Encodes a reply: `{"status": "ok", "ret": ...}` or
/// `{"status": "failed", "exception": {...}}`.
///
/// A return value that cannot be encoded turns into a `failed` reply with a `TypeError`, as in
/// Python.
pub fn encode_reply(result: Result<Value, RpcError>, version: Version) -> String {
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

/// Decodes a reply line: `Ok(Ok(value))` for `{"status":"ok","ret":...}`, `Ok(Err(exception))`
/// for `{"status":"failed","exception":{...}}`, [`Error::Incompatible`] for anything else.
///
/// Current and legacy servers nest the exception under `exception`; very old ones put
/// `message` and `traceback` at the top level, which unpacks the same way.
pub fn decode_reply(line: &str, version: Version) -> Result<Result<Value, RpcError>> {
    let value = version
        .decode(line)
        .map_err(|e| Error::incompatible(format!("unreadable reply: {e}")))?;
    let Value::Dict(mut reply) = value else {
        return Err(Error::incompatible("a reply is not a dict"));
    };
    match reply.get_str("status").and_then(Value::as_str) {
        Some("ok") => Ok(Ok(reply.remove(&Value::str("ret")).unwrap_or_default())),
        Some("failed") => {
            let exception = match reply.get_str("exception") {
                Some(e @ Value::Dict(_)) => RpcError::unpack(e),
                _ => RpcError::unpack_dict(&reply),
            };
            Ok(Err(exception))
        }
        Some(other) => Err(Error::incompatible(format!(
            "unknown reply status {other:?}"
        ))),
        None => Err(Error::incompatible("a reply has no `status`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::tuple;

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
            (r#"{"action":1}"#, "ValueError: Unknown action: 1"),
            (
                r#"{"action":"call","args":[],"kwargs":{}}"#,
                "KeyError: 'name'",
            ),
            (
                r#"{"action":"call","name":1,"args":[],"kwargs":{}}"#,
                "TypeError: attribute name must be string, not 'int'",
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
    fn request_lines_as_recorded() {
        let mut kwargs = Dict::new();
        kwargs.insert("scale".into(), 2.into());
        kwargs.insert("extra".into(), true.into());
        let add = Request::Call {
            name: "add".into(),
            args: vec![1.into(), 2.into(), 3.into()],
            kwargs,
        };
        assert_eq!(
            add.encode(Version::V2).unwrap(),
            r#"{"action":"call","name":"add","args":{"__jsonclass__":["tuple",[[1,2,3]]]},"kwargs":{"scale":2,"extra":true}}"#
        );
        assert_eq!(
            add.encode(Version::V1).unwrap(),
            r#"{"action": "call", "name": "add", "args": (1, 2, 3), "kwargs": {"scale": 2, "extra": true}}"#
        );
        let echo = Request::Call {
            name: "echo".into(),
            args: vec![5.into()],
            kwargs: Dict::new(),
        };
        assert_eq!(
            echo.encode(Version::V1).unwrap(),
            r#"{"action": "call", "name": "echo", "args": (5, ), "kwargs": {}}"#
        );
        assert_eq!(
            Request::MethodList.encode(Version::V2).unwrap(),
            r#"{"action":"get_rpc_method_list"}"#
        );
        assert_eq!(
            Request::MethodList.encode(Version::V1).unwrap(),
            r#"{"action": "get_rpc_method_list"}"#
        );
    }

    #[test]
    fn replies_both_ways() {
        let cases = [
            (Ok(Value::Int(5)), Version::V2, r#"{"status":"ok","ret":5}"#),
            (
                Ok(Value::Int(5)),
                Version::V1,
                r#"{"status": "ok", "ret": 5}"#,
            ),
            (
                Ok(tuple![1, 2]),
                Version::V1,
                r#"{"status": "ok", "ret": (1, 2)}"#,
            ),
            (
                Err(RpcError::key_error("missing")),
                Version::V2,
                r#"{"status":"failed","exception":{"class":"KeyError","message":"'missing'","traceback":[]}}"#,
            ),
        ];
        for (result, version, line) in cases {
            assert_eq!(encode_reply(result.clone(), version), line);
            assert_eq!(decode_reply(line, version).unwrap(), result);
        }
    }

    #[test]
    fn unencodable_return_is_a_type_error() {
        // A numpy bool scalar (refused by v1), a dict with the key `__jsonclass__` (by v2).
        let scalar = Value::Scalar(Box::new(pyon_codec::NpScalar::from_value(true)));
        let bad = Value::List(vec![scalar, pyon_codec::dict! {"__jsonclass__" => 1}]);
        for version in [Version::V1, Version::V2] {
            let text = encode_reply(Ok(bad.clone()), version);
            let exc = decode_reply(&text, version).unwrap().unwrap_err();
            assert_eq!(exc.class(), "TypeError");
        }
    }

    #[test]
    fn failed_replies_old_and_new() {
        let exc = decode_reply(
            r#"{"status": "failed", "exception": {"class": "ValueError", "message": "bad", "traceback": ["a", "b"]}}"#,
            Version::V1,
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(exc.class(), "ValueError");
        assert_eq!(exc.traceback(), ["a", "b"]);
        assert_eq!(exc.to_string(), "ValueError: bad");
        let old = decode_reply(
            r#"{"status": "failed", "message": "gone", "traceback": "tb"}"#,
            Version::V1,
        )
        .unwrap()
        .unwrap_err();
        assert_eq!(old.to_string(), "GenericRemoteException: gone");
        assert_eq!(old.traceback(), ["tb"]);
        for line in [r#"{"status": "maybe"}"#, "[]", r#"{"ret": 1}"#, "{"] {
            assert!(
                matches!(decode_reply(line, Version::V1), Err(Error::Incompatible(_))),
                "{line}"
            );
        }
    }
}
