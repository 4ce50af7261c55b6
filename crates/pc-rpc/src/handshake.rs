//! The handshake: banner, identification, target selection and the method-name set.

use std::collections::HashSet;

use pyon_codec::{Dict, Value, Version};

use crate::{Error, Result};

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
    /// The identification a server of `dialect` sends: targets sorted, the dialect's features.
    pub fn new<S: AsRef<str>>(targets: &[S], description: Option<&str>, dialect: Dialect) -> Self {
        let mut targets: Vec<String> = targets.iter().map(|t| t.as_ref().to_owned()).collect();
        targets.sort_unstable();
        Identification {
            targets,
            description: description.map(str::to_owned),
            features: dialect.features().iter().map(|f| (*f).to_owned()).collect(),
        }
    }

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

    /// The line a server sends. With features, the current form
    /// `{"targets":["a","b"],"description":"text","features":["pyon_v2"]}`; without, the legacy
    /// form `{"targets": ["a", "b"], "description": null}` (PYON v1 spacing, no `features`).
    pub fn to_line(&self) -> String {
        let strings = |items: &[String]| Value::List(items.iter().map(Value::str).collect());
        let mut entries = vec![
            (Value::str("targets"), strings(&self.targets)),
            (
                Value::str("description"),
                self.description.as_deref().map_or(Value::None, Value::str),
            ),
        ];
        let version = if self.features.is_empty() {
            Version::V1
        } else {
            entries.push((Value::str("features"), strings(&self.features)));
            Version::V2
        };
        // Strings, lists and str-keyed dicts always encode.
        version
            .encode(&Value::Dict(Dict::from_unique_pairs(entries)))
            .unwrap_or_default()
    }

    /// Parses the identification line, current or legacy form.
    pub fn parse(line: &str) -> Result<Identification> {
        let (value, _) = pyon_codec::decode_auto(line)
            .map_err(|e| Error::incompatible(format!("unreadable identification: {e}")))?;
        let dict = value
            .as_dict()
            .ok_or_else(|| Error::incompatible("the identification is not a dict"))?;
        let targets = match dict.get_str("targets") {
            Some(t) => string_list(Some(t), "targets")?,
            None => return Err(Error::incompatible("the identification has no `targets`")),
        };
        let description = match dict.get_str("description") {
            None | Some(Value::None) => None,
            Some(Value::Str(s)) => Some(s.to_string()),
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
}

fn string_list(v: Option<&Value>, what: &str) -> Result<Vec<String>> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    v.as_seq()
        .ok_or_else(|| Error::incompatible(format!("`{what}` is not a list")))?
        .iter()
        .map(|t| {
            t.as_str()
                .map(str::to_owned)
                .ok_or_else(|| Error::incompatible(format!("`{what}` holds a non-string")))
        })
        .collect()
}

/// The server's identification line: [`Identification::new`] then [`Identification::to_line`].
pub fn identification<S: AsRef<str>>(
    targets: &[S],
    description: Option<&str>,
    dialect: Dialect,
) -> String {
    Identification::new(targets, description, dialect).to_line()
}

/// The line that selects `target`, and the PYON version of the rest of the session:
/// `demo pyon_v2` when the server offered `pyon_v2`, `demo` alone (PYON v1) otherwise.
pub fn selection_line(id: &Identification, target: &str) -> (String, Version) {
    match id.version() {
        Version::V2 => (format!("{target} {FEATURE_PYON_V2}"), Version::V2),
        Version::V1 => (target.to_owned(), Version::V1),
    }
}

/// What a client selected with its target line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// The target name.
    pub target: String,
    /// The PYON version of the rest of the session.
    pub version: Version,
}

/// Parses the client's target line `name [feature ...]` (space-separated), as a server does.
///
/// `has_target` says whether a name is served. Fails with [`Error::UnknownTarget`] or
/// [`Error::UnknownFeature`]; the server then closes the connection.
pub fn parse_target_line(
    line: &str,
    has_target: impl Fn(&str) -> bool,
    dialect: Dialect,
) -> Result<Selection> {
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

/// Parses the set of method names sent after target selection (`{"__jsonclass__":["set",...]}`
/// in v2, `{"a", "b"}` in v1).
pub fn parse_method_names(line: &str, version: Version) -> Result<HashSet<String>> {
    let value = version
        .decode(line)
        .map_err(|e| Error::incompatible(format!("unreadable method names: {e}")))?;
    let items: &[Value] = match &value {
        Value::Set(items) | Value::List(items) | Value::Tuple(items) => items,
        // An empty set is `{}` in PYON v1, which decodes as an empty dict.
        Value::Dict(d) if d.is_empty() => &[],
        other => {
            return Err(Error::incompatible(format!(
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
                .ok_or_else(|| Error::incompatible("a method name is not a string"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD_ID: &str =
        r#"{"targets":["demo","other"],"description":"golden demo server","features":["pyon_v2"]}"#;
    const V1_ID: &str = r#"{"targets": ["demo", "other"], "description": "golden demo server"}"#;

    #[test]
    fn identification_lines() {
        let t = ["other", "demo"];
        let desc = Some("golden demo server");
        assert_eq!(identification(&t, desc, Dialect::Current), HEAD_ID);
        assert_eq!(identification(&t, desc, Dialect::Legacy), V1_ID);
        assert_eq!(
            identification(&t, None, Dialect::Legacy),
            r#"{"targets": ["demo", "other"], "description": null}"#
        );
        for line in [HEAD_ID, V1_ID] {
            assert_eq!(Identification::parse(line).unwrap().to_line(), line);
        }
    }

    #[test]
    fn identification_current_and_legacy() {
        let head = Identification::parse(HEAD_ID).unwrap();
        assert_eq!(head.targets, ["demo", "other"]);
        assert_eq!(head.description.as_deref(), Some("golden demo server"));
        assert_eq!(head.version(), Version::V2);
        let legacy = Identification::parse(V1_ID).unwrap();
        assert_eq!(legacy.targets, head.targets);
        assert!(legacy.features.is_empty());
        assert_eq!(legacy.version(), Version::V1);
        let none = Identification::parse(r#"{"targets": [], "description": null}"#).unwrap();
        assert_eq!(none.description, None);
    }

    #[test]
    fn identification_rejects() {
        for (line, msg) in [
            ("hello", "unreadable identification"),
            ("[1]", "not a dict"),
            (r#"{"description": null}"#, "no `targets`"),
            (r#"{"targets": [1]}"#, "non-string"),
            (r#"{"targets": 1}"#, "not a list"),
        ] {
            let err = Identification::parse(line).unwrap_err().to_string();
            assert!(err.contains(msg), "{line}: {err}");
        }
    }

    #[test]
    fn selection_both_sides() {
        let head = Identification::parse(HEAD_ID).unwrap();
        let legacy = Identification::parse(V1_ID).unwrap();
        let has = |n: &str| n == "demo";
        for (id, dialect, line, version) in [
            (&head, Dialect::Current, "demo pyon_v2", Version::V2),
            (&legacy, Dialect::Legacy, "demo", Version::V1),
        ] {
            assert_eq!(selection_line(id, "demo"), (line.to_owned(), version));
            let sel = parse_target_line(line, has, dialect).unwrap();
            assert_eq!((sel.target.as_str(), sel.version), ("demo", version));
        }
        assert_eq!(
            parse_target_line("demo", has, Dialect::Current)
                .unwrap()
                .version,
            Version::V1
        );
        for (line, dialect, unknown_target) in [
            ("demo pyon_v2", Dialect::Legacy, false),
            ("demo pyon_v3", Dialect::Current, false),
            ("nope", Dialect::Current, true),
            ("", Dialect::Current, true),
        ] {
            let err = parse_target_line(line, has, dialect).unwrap_err();
            match err {
                Error::UnknownTarget(_) => assert!(unknown_target, "{line}"),
                Error::UnknownFeature(_) => assert!(!unknown_target, "{line}"),
                other => panic!("{line}: {other}"),
            }
        }
    }

    #[test]
    fn method_sets() {
        let v2 = method_set_line(&["echo", "terminate"], Version::V2);
        assert_eq!(v2, r#"{"__jsonclass__":["set",[["echo","terminate"]]]}"#);
        let v1 = method_set_line(&["echo", "terminate"], Version::V1);
        assert_eq!(v1, r#"{"echo", "terminate"}"#);
        let names = parse_method_names(&v2, Version::V2).unwrap();
        assert_eq!(names, parse_method_names(&v1, Version::V1).unwrap());
        assert!(names.contains("echo") && names.contains("terminate"));
        assert!(parse_method_names("{}", Version::V1).unwrap().is_empty());
        assert!(parse_method_names("5", Version::V1).is_err());
        assert!(parse_method_names("[1]", Version::V1).is_err());
    }
}
