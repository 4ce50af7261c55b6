//! [`ArgSpec`]: a method signature as Python's `inspect.getfullargspec` describes it, and the
//! binding of call arguments to it with Python's rules and `TypeError` messages.

use pyon_codec::{Dict, Value};

use crate::RpcError;

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
    unbound: bool,
    args: Vec<String>,
    defaults: Vec<Value>,
    varargs: Option<String>,
    varkw: Option<String>,
    kwonlyargs: Vec<String>,
    kwonlydefaults: Vec<(String, Value)>,
    returns: Option<Value>,
    annotations: Vec<(String, Value)>,
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
        self.annotations
            .push((name.into(), Value::Str(type_name.into())));
        self
    }

    /// Annotates the return type with a Python type name.
    pub fn returns(mut self, type_name: impl Into<String>) -> Self {
        self.returns = Some(Value::Str(type_name.into()));
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
            Some(Value::Str(s)) => Some(s.clone()),
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

    /// Binds call arguments as Python does for `qualname(*args, **kwargs)`.
    ///
    /// Missing arguments take their defaults. Errors are `TypeError`s with CPython's messages,
    /// counting `self` as CPython does for a bound method:
    /// `Demo.echo() missing 1 required positional argument: 'x'`.
    pub fn bind(
        &self,
        qualname: &str,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> Result<BoundArgs, RpcError> {
        let (values, varargs, varkw) = self.bind_values(qualname, args, kwargs)?;
        Ok(BoundArgs {
            names: self.param_names().map(str::to_owned).collect(),
            values,
            varargs,
            varkw,
        })
    }

    /// [`ArgSpec::bind`] without names: the bound values in [`ArgSpec::param_names`] order, the
    /// extra positional arguments and the extra keyword arguments.
    pub fn bind_values(
        &self,
        qualname: &str,
        args: Vec<Value>,
        kwargs: Dict,
    ) -> Result<(Vec<Value>, Vec<Value>, Dict), RpcError> {
        let n_pos = self.args.len();
        let given = args.len();
        if given > n_pos && self.varargs.is_none() {
            return Err(self.too_many_positional(qualname, given));
        }
        let mut slots: Vec<Option<Value>> = Vec::with_capacity(n_pos + self.kwonlyargs.len());
        let mut args = args.into_iter();
        slots.extend(args.by_ref().take(n_pos).map(Some));
        slots.resize(n_pos + self.kwonlyargs.len(), None);
        let varargs: Vec<Value> = args.collect();

        let mut varkw = Dict::new();
        for (key, value) in kwargs {
            let Value::Str(key) = key else {
                return Err(RpcError::type_error("keywords must be strings"));
            };
            let slot = self
                .param_names()
                .position(|p| p == key)
                .and_then(|i| slots.get_mut(i));
            match slot {
                Some(Some(_)) => {
                    return Err(RpcError::type_error(format!(
                        "{qualname}() got multiple values for argument '{key}'"
                    )));
                }
                Some(slot) => *slot = Some(value),
                None if self.varkw.is_some() => {
                    varkw.insert(Value::Str(key), value);
                }
                None => {
                    return Err(RpcError::type_error(format!(
                        "{qualname}() got an unexpected keyword argument '{key}'"
                    )));
                }
            }
        }

        let first_default = n_pos.saturating_sub(self.defaults.len());
        let with_defaults = slots.iter_mut().take(n_pos).skip(first_default);
        for (slot, default) in with_defaults.zip(&self.defaults) {
            slot.get_or_insert_with(|| default.clone());
        }
        let mid = n_pos.min(slots.len());
        let (positional, kwonly) = slots.split_at_mut(mid);
        let missing = unfilled(positional, &self.args);
        if !missing.is_empty() {
            return Err(missing_error(qualname, &missing, "positional"));
        }
        for (slot, name) in kwonly.iter_mut().zip(&self.kwonlyargs) {
            if slot.is_none()
                && let Some((_, d)) = self.kwonlydefaults.iter().find(|(k, _)| k == name)
            {
                *slot = Some(d.clone());
            }
        }
        let missing = unfilled(kwonly, &self.kwonlyargs);
        if !missing.is_empty() {
            return Err(missing_error(qualname, &missing, "keyword-only"));
        }
        Ok((slots.into_iter().flatten().collect(), varargs, varkw))
    }

    fn too_many_positional(&self, qualname: &str, given: usize) -> RpcError {
        // CPython counts `self` in both numbers for a bound method.
        let receiver = usize::from(!self.unbound);
        let max = self.args.len() + receiver;
        let min = max.saturating_sub(self.defaults.len());
        let takes = if min == max {
            format!("{max} positional argument{}", plural(max))
        } else {
            format!("from {min} to {max} positional arguments")
        };
        let given = given + receiver;
        let verb = if given == 1 { "was" } else { "were" };
        RpcError::type_error(format!(
            "{qualname}() takes {takes} but {given} {verb} given"
        ))
    }

    fn annotation_of(&self, name: &str) -> Option<&Value> {
        self.annotations
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, a)| a)
    }
}

/// The names of the slots left empty.
fn unfilled<'a>(slots: &[Option<Value>], names: &'a [String]) -> Vec<&'a str> {
    slots
        .iter()
        .zip(names)
        .filter(|(slot, _)| slot.is_none())
        .map(|(_, name)| name.as_str())
        .collect()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// CPython's "missing N required ... argument(s): 'a', 'b', and 'c'".
fn missing_error(qualname: &str, names: &[&str], kind: &str) -> RpcError {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    let list = match quoted.as_slice() {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
        [] => String::new(),
    };
    RpcError::type_error(format!(
        "{qualname}() missing {} required {kind} argument{}: {list}",
        names.len(),
        plural(names.len())
    ))
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

/// Call arguments bound to an [`ArgSpec`] by name.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundArgs {
    names: Vec<String>,
    values: Vec<Value>,
    /// The extra positional arguments (`*varargs`).
    pub varargs: Vec<Value>,
    /// The extra keyword arguments (`**varkw`).
    pub varkw: Dict,
}

impl BoundArgs {
    /// The value bound to the parameter `name` (given or defaulted).
    pub fn get(&self, name: &str) -> Option<&Value> {
        let i = self.names.iter().position(|n| n == name)?;
        self.values.get(i)
    }

    /// Takes the value bound to `name` out, leaving `None`.
    pub fn take(&mut self, name: &str) -> Option<Value> {
        let i = self.names.iter().position(|n| n == name)?;
        self.values.get_mut(i).map(std::mem::take)
    }

    /// The bound values in [`ArgSpec::param_names`] order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::{dict, tuple};

    fn add() -> ArgSpec {
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

    fn kw(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(k, v)| (Value::str(*k), v.clone()))
            .collect()
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

    #[test]
    fn unbound_counts_no_self() {
        let spec =
            ArgSpec::from_value(&pyon_codec::dict! {"args" => Value::List(vec!["x".into()])});
        let e = spec
            .bind("f", vec![1.into(), 2.into()], Dict::new())
            .unwrap_err();
        assert_eq!(
            e.message(),
            "f() takes 1 positional argument but 2 were given"
        );
        assert_eq!(
            spec.to_value().get("args"),
            Some(&Value::List(vec!["x".into()]))
        );
    }

    #[test]
    fn binding() {
        let b = add()
            .bind(
                "Demo.add",
                vec![1.into(), 2.into(), 3.into()],
                kw(&[("scale", 2.into()), ("extra", true.into())]),
            )
            .unwrap();
        assert_eq!(b.values(), &[Value::Int(1), Value::Int(2), Value::Int(2)]);
        assert_eq!(b.varargs, vec![Value::Int(3)]);
        assert_eq!(Value::Dict(b.varkw.clone()), dict! {"extra" => true});
        let b = add()
            .bind("Demo.add", vec![], kw(&[("a", 7.into())]))
            .unwrap();
        assert_eq!(b.get("b"), Some(&Value::Float(2.5)));
        assert_eq!(b.get("scale"), Some(&Value::Int(1)));
    }

    #[test]
    fn binding_errors() {
        let echo = ArgSpec::new().arg("x");
        let no_doc = ArgSpec::new()
            .arg("a")
            .arg_with_default("b", Value::None)
            .kwonly("c")
            .kwonly_with_default("d", 1);
        let two = ArgSpec::new().arg("a").arg("b").arg("c");
        let empty = ArgSpec::new();
        let cases: Vec<(&ArgSpec, &str, Vec<Value>, Dict, &str)> = vec![
            (
                &echo,
                "Demo.echo",
                vec![],
                Dict::new(),
                "Demo.echo() missing 1 required positional argument: 'x'",
            ),
            (
                &echo,
                "Demo.echo",
                vec![1.into(), 2.into()],
                Dict::new(),
                "Demo.echo() takes 2 positional arguments but 3 were given",
            ),
            (
                &echo,
                "Demo.echo",
                vec![1.into()],
                kw(&[("k", 1.into())]),
                "Demo.echo() got an unexpected keyword argument 'k'",
            ),
            (
                &echo,
                "Demo.echo",
                vec![1.into()],
                kw(&[("x", 1.into())]),
                "Demo.echo() got multiple values for argument 'x'",
            ),
            (
                &no_doc,
                "Lda.no_doc",
                vec![1.into(), 2.into()],
                Dict::new(),
                "Lda.no_doc() missing 1 required keyword-only argument: 'c'",
            ),
            (
                &no_doc,
                "Lda.no_doc",
                vec![1.into(), 2.into(), 3.into()],
                Dict::new(),
                "Lda.no_doc() takes from 2 to 3 positional arguments but 4 were given",
            ),
            (
                &two,
                "T.f",
                vec![],
                Dict::new(),
                "T.f() missing 3 required positional arguments: 'a', 'b', and 'c'",
            ),
            (
                &two,
                "T.f",
                vec![1.into()],
                Dict::new(),
                "T.f() missing 2 required positional arguments: 'b' and 'c'",
            ),
            (
                &empty,
                "T.f",
                vec![1.into()],
                Dict::new(),
                "T.f() takes 1 positional argument but 2 were given",
            ),
        ];
        for (spec, q, args, kwargs, msg) in cases {
            let e = spec.bind(q, args, kwargs).unwrap_err();
            assert_eq!((e.class(), e.message()), ("TypeError", msg));
        }
    }
}
