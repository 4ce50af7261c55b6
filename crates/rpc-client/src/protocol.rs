//! The pc_rpc wire protocol as seen by a client, without any I/O: [`pc_rpc`] (where the wire
//! format is defined once for servers and clients) with this crate's error, plus the choice of
//! a target.
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

pub use pc_rpc::{BANNER, FEATURE_PYON_V2, Identification, Request, selection_line};
use pyon_codec::{Dict, Value, Version};

use crate::error::{Error, Result};

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

/// Parses the identification line: `{"targets":[...],"description":...,"features":[...]}`
/// (current servers) or the v1-spaced form without `features` (legacy servers).
pub fn parse_identification(line: &str) -> Result<Identification> {
    Ok(Identification::parse(line)?)
}

/// Parses the set of method names sent after target selection (`{"__jsonclass__":["set",...]}`
/// in v2, `{"a", "b"}` in v1).
pub fn parse_method_names(line: &str, version: Version) -> Result<HashSet<String>> {
    Ok(pc_rpc::parse_method_names(line, version)?)
}

/// Encodes a call request: `{"action":"call","name":...,"args":(...),"kwargs":{...}}`.
pub fn encode_call(version: Version, name: &str, args: Vec<Value>, kwargs: Dict) -> Result<String> {
    let request = Request::Call {
        name: name.to_owned(),
        args,
        kwargs,
    };
    Ok(request.encode(version)?)
}

/// Encodes the request for the method list: `{"action":"get_rpc_method_list"}`.
pub fn encode_method_list_request(version: Version) -> String {
    // A request without arguments always encodes.
    Request::MethodList.encode(version).unwrap_or_default()
}

/// Decodes a reply line: the returned value for `{"status":"ok","ret":...}`,
/// [`Error::Remote`] for `{"status":"failed","exception":{...}}`.
pub fn decode_reply(version: Version, line: &str) -> Result<Value> {
    pc_rpc::decode_reply(line, version)?.map_err(|e| Error::Remote(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD_ID: &str =
        r#"{"targets":["demo","other"],"description":"golden demo server","features":["pyon_v2"]}"#;

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
    fn errors_in_this_crate_terms() {
        assert!(matches!(
            parse_identification("[1]"),
            Err(Error::IncompatibleServer(_))
        ));
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
        assert!(matches!(
            decode_reply(Version::V1, "{"),
            Err(Error::IncompatibleServer(_))
        ));
        assert_eq!(
            encode_method_list_request(Version::V1),
            r#"{"action": "get_rpc_method_list"}"#
        );
    }
}
