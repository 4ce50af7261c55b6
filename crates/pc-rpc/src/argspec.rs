//! [`ArgSpec`]: a method signature as Python's `inspect.getfullargspec` describes it: built,
//! sent, read back and shown. Binding call arguments to it is in `bind.rs`.

use pyon_codec::{Dict, Value};

/// A method signature, as `inspect.getfullargspec` reports it for `get_rpc_method_list`.
///
/// The Python signature `add(self, a: int, b: float = 2.5, *rest, scale=1, **opts) -> float`
/// is built as:
///
/// ```
/// use pc_rpc::ArgSpec;
///
/// let spec = ArgSpec::new()
///     .arg("a")
///     .arg_with_default("b", 2.5)
///     .varargs("rest")
///     .kwonly_with_default("scale", 1)
///     .varkw("opts")
///     .returns("float")
///     .annotation("a", "int")
///     .annotation("b", "float");
/// assert_eq!(spec.to_string(), "(self, a: 'int', b: 'float' = 2.5, *rest, scale=1, **opts) -> 'float'");
/// assert_eq!(ArgSpec::from_value(&spec.to_value()), spec);
/// ```
///
/// `self` is implied: it is not given to [`ArgSpec::arg`] but leads the `args` list on the wire.
/// The `Display` is the one `sipyco_rpctool list-methods` prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ArgSpec {
    /// `true` for a signature without a leading `self` (only from [`ArgSpec::from_value`]).
    pub(crate) unbound: bool,
    pub(crate) args: Vec<String>,
    pub(crate) defaults: Vec<Value>,
    pub(crate) varargs: Option<String>,
    pub(crate) varkw: Option<String>,
    pub(crate) kwonlyargs: Vec<String>,
    pub(crate) kwonlydefaults: Vec<(String, Value)>,
    pub(crate) returns: Option<Value>,
    pub(crate) annotations: Vec<(String, Value)>,
}

impl ArgSpec {
    /// The signature `(self)`.
    pub fn new() -> Self {
        ArgSpec::default()
    }

    /// Adds a positional-or-keyword argument without a default.
    ///
    /// # Panics
    ///
    /// After an argument with a default, as Python refuses "non-default argument follows
    /// default argument".
    pub fn arg(mut self, name: impl Into<String>) -> Self {
        assert!(
            self.defaults.is_empty(),
            "non-default argument follows default argument"
        );
        self.args.push(name.into());
        self
    }

    /// Adds a positional-or-keyword argument with a default value.
    pub fn arg_with_default(mut self, name: impl Into<String>, default: impl Into<Value>) -> Self {
        self.args.push(name.into());
        self.defaults.push(default.into());
        self
    }

    /// Names the `*varargs` parameter, which collects extra positional arguments as a tuple.
    pub fn varargs(mut self, name: impl Into<String>) -> Self {
        self.varargs = Some(name.into());
        self
    }

    /// Names the `**varkw` parameter, which collects unknown keyword arguments as a dict.
    pub fn varkw(mut self, name: impl Into<String>) -> Self {
        self.varkw = Some(name.into());
        self
    }

    /// Adds a keyword-only argument without a default.
    pub fn kwonly(mut self, name: impl Into<String>) -> Self {
        self.kwonlyargs.push(name.into());
        self
    }

    /// Adds a keyword-only argument with a default value.
    pub fn kwonly_with_default(
        mut self,
        name: impl Into<String>,
        default: impl Into<Value>,
    ) -> Self {
        let name = name.into();
        self.kwonlyargs.push(name.clone());
        self.kwonlydefaults.push((name, default.into()));
        self
    }

    /// Annotates the argument `name` with a Python type name (`"int"`).
    pub fn annotation(mut self, name: impl Into<String>, type_name: impl Into<String>) -> Self {
        self.annotations.push((name.into(), Value::str(type_name)));
        self
    }

    /// Annotates the return type with a Python type name.
    pub fn returns(mut self, type_name: impl Into<String>) -> Self {
        self.returns = Some(Value::str(type_name));
        self
    }

    /// The positional-or-keyword argument names, without `self`.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// The defaults of the last `defaults().len()` positional-or-keyword arguments.
    pub fn defaults(&self) -> &[Value] {
        &self.defaults
    }

    /// The `*varargs` name.
    pub fn varargs_name(&self) -> Option<&str> {
        self.varargs.as_deref()
    }

    /// The `**varkw` name.
    pub fn varkw_name(&self) -> Option<&str> {
        self.varkw.as_deref()
    }

    /// The keyword-only argument names.
    pub fn kwonlyargs(&self) -> &[String] {
        &self.kwonlyargs
    }

    /// The defaults of keyword-only arguments, in declaration order.
    pub fn kwonlydefaults(&self) -> &[(String, Value)] {
        &self.kwonlydefaults
    }

    /// The names bound by [`ArgSpec::bind`], in order: positional-or-keyword, then keyword-only.
    pub fn param_names(&self) -> impl Iterator<Item = &str> {
        self.args.iter().chain(&self.kwonlyargs).map(String::as_str)
    }

    /// The argspec dict of `get_rpc_method_list`, keys in Python's order: `args` (with
    /// `self`), `varargs`, `varkw`, `defaults` (tuple or `None`), `kwonlyargs`,
    /// `kwonlydefaults` (dict or `None`), `annotations` (`return` first).
    pub fn to_value(&self) -> Value {
        let opt_str = |s: &Option<String>| s.as_deref().map_or(Value::None, Value::str);
        let mut args = Vec::with_capacity(self.args.len() + 1);
        if !self.unbound {
            args.push(Value::str("self"));
        }
        args.extend(self.args.iter().map(Value::str));
        let defaults = if self.defaults.is_empty() {
            Value::None
        } else {
            Value::Tuple(self.defaults.clone())
        };
        let kwonlydefaults = if self.kwonlydefaults.is_empty() {
            Value::None
        } else {
            Value::Dict(
                self.kwonlydefaults
                    .iter()
                    .map(|(k, v)| (Value::str(k), v.clone()))
                    .collect(),
            )
        };
        let annotations: Dict = self
            .returns
            .iter()
            .map(|r| ("return", r))
            .chain(self.annotations.iter().map(|(k, v)| (k.as_str(), v)))
            .map(|(k, v)| (Value::str(k), v.clone()))
            .collect();
        Value::Dict(Dict::from_unique_pairs(vec![
            (Value::str("args"), Value::List(args)),
            (Value::str("varargs"), opt_str(&self.varargs)),
            (Value::str("varkw"), opt_str(&self.varkw)),
            (Value::str("defaults"), defaults),
            (
                Value::str("kwonlyargs"),
                Value::List(self.kwonlyargs.iter().map(Value::str).collect()),
            ),
            (Value::str("kwonlydefaults"), kwonlydefaults),
            (Value::str("annotations"), Value::Dict(annotations)),
        ]))
    }

    /// Reads an argspec dict as a peer sent it, never failing, as the Python tool does: missing
    /// keys count as empty, a name that is not a string is shown by its `repr`, a `varargs` of
    /// `""` is none, and surplus defaults are dropped from the front. A leading `self` is the
    /// receiver; without one the signature is unbound.
    pub fn from_value(argspec: &Value) -> ArgSpec {
        let names = |key: &str| -> Vec<String> {
            argspec
                .get(key)
                .and_then(Value::as_seq)
                .unwrap_or_default()
                .iter()
                .map(|n| {
                    n.as_str()
                        .map_or_else(|| pyon_codec::repr(n), str::to_owned)
                })
                .collect()
        };
        let name = |key: &str| match argspec.get(key) {
            None | Some(Value::None) => None,
            Some(Value::Str(s)) if s.is_empty() => None,
            Some(Value::Str(s)) => Some(s.to_string()),
            Some(other) => Some(pyon_codec::repr(other)),
        };
        let mut args = names("args");
        let mut defaults: Vec<Value> = argspec
            .get("defaults")
            .and_then(Value::as_seq)
            .unwrap_or_default()
            .to_vec();
        // Defaults belong to the last arguments; `self` never has one.
        let unbound = args.first().is_none_or(|a| a != "self");
        let surplus = defaults
            .len()
            .saturating_sub(args.len() - usize::from(!unbound));
        defaults.drain(..surplus);
        if !unbound {
            args.remove(0);
        }
        let kwonlyargs = names("kwonlyargs");
        let kwdefaults = argspec.get("kwonlydefaults").and_then(Value::as_dict);
        let kwonlydefaults = kwonlyargs
            .iter()
            .filter_map(|k| Some((k.clone(), kwdefaults?.get_str(k)?.clone())))
            .collect();
        let mut returns = None;
        let mut annotations = Vec::new();
        if let Some(dict) = argspec.get("annotations").and_then(Value::as_dict) {
            for (k, v) in dict.iter() {
                match k.as_str() {
                    Some("return") => returns = Some(v.clone()),
                    Some(k) => annotations.push((k.to_owned(), v.clone())),
                    None => {}
                }
            }
        }
        ArgSpec {
            unbound,
            args,
            defaults,
            varargs: name("varargs"),
            varkw: name("varkw"),
            kwonlyargs,
            kwonlydefaults,
            returns,
            annotations,
        }
    }

    fn annotation_of(&self, name: &str) -> Option<&Value> {
        self.annotations
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, a)| a)
    }
}

/// One parameter as `inspect.Parameter.__str__` writes it.
fn parameter(name: &str, annotation: Option<&Value>, default: Option<&Value>) -> String {
    let mut s = name.to_owned();
    if let Some(a) = annotation {
        s.push_str(": ");
        s.push_str(&pyon_codec::repr(a));
    }
    if let Some(d) = default {
        s.push_str(if annotation.is_some() { " = " } else { "=" });
        s.push_str(&pyon_codec::repr(d));
    }
    s
}

impl std::fmt::Display for ArgSpec {
    /// The signature as `sipyco_rpctool list-methods` prints it (Python's
    /// `formatargspec(**argspec)`, built on `inspect.Signature`):
    /// `(self, a: 'int', b=2.5, *rest, c, **kw) -> 'float'`. Annotations are shown by their
    /// `repr`, a default after an annotation is written ` = `, a bare `*` comes before
    /// keyword-only arguments when there is no `*varargs`, and annotations of `*varargs` and
    /// `**varkw` are not shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if !self.unbound {
            parts.push("self".to_owned());
        }
        let first_default = self.args.len().saturating_sub(self.defaults.len());
        for (i, name) in self.args.iter().enumerate() {
            let default = i
                .checked_sub(first_default)
                .and_then(|j| self.defaults.get(j));
            parts.push(parameter(name, self.annotation_of(name), default));
        }
        match &self.varargs {
            Some(v) => parts.push(format!("*{v}")),
            None if !self.kwonlyargs.is_empty() => parts.push("*".to_owned()),
            None => {}
        }
        for name in &self.kwonlyargs {
            let default = self
                .kwonlydefaults
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v);
            parts.push(parameter(name, self.annotation_of(name), default));
        }
        if let Some(v) = &self.varkw {
            parts.push(format!("**{v}"));
        }
        write!(f, "({})", parts.join(", "))?;
        if let Some(r) = &self.returns {
            write!(f, " -> {}", pyon_codec::repr(r))?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use pyon_codec::tuple;

    pub(crate) fn add() -> ArgSpec {
        ArgSpec::new()
            .arg("a")
            .arg_with_default("b", 2.5)
            .varargs("rest")
            .kwonly_with_default("scale", 1)
            .varkw("opts")
            .returns("float")
            .annotation("a", "int")
            .annotation("b", "float")
    }

    #[test]
    fn argspec_value_matches_python() {
        let text = pyon_codec::encode(&add().to_value()).unwrap();
        assert_eq!(
            text,
            r#"{"args":["self","a","b"],"varargs":"rest","varkw":"opts","defaults":{"__jsonclass__":["tuple",[[2.5]]]},"kwonlyargs":["scale"],"kwonlydefaults":{"scale":1},"annotations":{"return":"float","a":"int","b":"float"}}"#
        );
        let text = pyon_codec::encode(&ArgSpec::new().arg("x").to_value()).unwrap();
        assert_eq!(
            text,
            r#"{"args":["self","x"],"varargs":null,"varkw":null,"defaults":null,"kwonlyargs":[],"kwonlydefaults":null,"annotations":{}}"#
        );
    }

    #[test]
    fn signature_text() {
        let no_doc = ArgSpec::new()
            .arg("a")
            .arg_with_default("b", Value::None)
            .kwonly("c")
            .kwonly_with_default("d", tuple![1, "x"]);
        assert_eq!(no_doc.to_string(), "(self, a, b=None, *, c, d=(1, 'x'))");
    }

    #[test]
    fn signatures_from_the_wire() {
        // The argspec dicts that Python servers send, and what the Python tool prints.
        let cases = [
            (
                r#"{"args":["self","a","b"],"varargs":null,"varkw":null,"defaults":{"__jsonclass__":["tuple",[[null]]]},"kwonlyargs":["c","d"],"kwonlydefaults":{"d":{"__jsonclass__":["tuple",[[1,"x"]]]}},"annotations":{}}"#,
                "(self, a, b=None, *, c, d=(1, 'x'))",
            ),
            (
                r#"{"args":["self"],"defaults":null,"varargs":null,"varkw":null,"kwonlyargs":[],"kwonlydefaults":[]}"#,
                "(self)",
            ),
            (
                r#"{"args":["self","db"],"varargs":null,"varkw":null,"defaults":null,"kwonlyargs":[],"kwonlydefaults":null,"annotations":{"db":"float"}}"#,
                "(self, db: 'float')",
            ),
            (
                r#"{"args":["self"],"varargs":"a","varkw":"k","defaults":null,"kwonlyargs":["x"],"kwonlydefaults":{"x":"it's"},"annotations":{"x":"str","a":"int","return":null}}"#,
                "(self, *a, x: 'str' = \"it's\", **k) -> None",
            ),
            (
                r#"{"args":["x"],"defaults":{"__jsonclass__":["tuple",[[1,2]]]}}"#,
                "(x=2)",
            ),
            (r#"{"args":["self",1],"varargs":""}"#, "(self, 1)"),
            (r#"[]"#, "()"),
        ];
        for (json, text) in cases {
            let spec = ArgSpec::from_value(&pyon_codec::v2::decode(json).unwrap());
            assert_eq!(spec.to_string(), text, "{json}");
        }
        // Annotated `*args` and `**kwargs`: the annotations travel but are not shown.
        let spec = ArgSpec::new()
            .varargs("rest")
            .varkw("opts")
            .annotation("rest", "int")
            .annotation("opts", "str");
        assert_eq!(spec.to_string(), "(self, *rest, **opts)");
        assert_eq!(ArgSpec::from_value(&spec.to_value()), spec);
        assert_eq!(ArgSpec::from_value(&add().to_value()), add());
    }
}
