//! A method signature rendered from its `get_rpc_method_list` argspec, exactly as the Python
//! tool renders it.
//!
//! The Python tool calls `sipyco.arguments.formatargspec(**argspec)`, which builds an
//! `inspect.Signature` and prints it: annotations (type names sent as strings) are shown by
//! their `repr`, a default after an annotation is written ` = ` with spaces, a bare `*` comes
//! before keyword-only arguments when there is no `*varargs`, and annotations of `*varargs` and
//! `**varkw` are not shown.
//!
//! ```
//! use pyon_codec::v2::decode;
//! use rpctool::argspec::format_argspec;
//!
//! let spec = decode(r#"{"args": ["self", "a", "b"], "varargs": "rest", "varkw": "opts",
//!     "defaults": {"__jsonclass__": ["tuple", [[2.5]]]}, "kwonlyargs": ["scale"],
//!     "kwonlydefaults": {"scale": 1}, "annotations": {"return": "float", "a": "int", "b": "float"}}"#)?;
//! assert_eq!(
//!     format_argspec(&spec),
//!     "(self, a: 'int', b: 'float' = 2.5, *rest, scale=1, **opts) -> 'float'"
//! );
//! # Ok::<(), pyon_codec::Error>(())
//! ```

use pyon_codec::Value;

use pyon_codec::repr;

fn names(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_seq)
        .map(|items| {
            items
                .iter()
                .map(|n| n.as_str().map_or_else(|| repr(n), str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn name(v: Option<&Value>) -> Option<String> {
    match v {
        None | Some(Value::None) => None,
        Some(Value::Str(s)) if s.is_empty() => None,
        Some(Value::Str(s)) => Some(s.clone()),
        Some(other) => Some(repr(other)),
    }
}

/// One parameter as `inspect.Parameter.__str__` writes it.
fn parameter(name: &str, annotation: Option<&Value>, default: Option<&Value>) -> String {
    let mut s = name.to_owned();
    if let Some(a) = annotation {
        s.push_str(": ");
        s.push_str(&repr(a));
    }
    if let Some(d) = default {
        s.push_str(if annotation.is_some() { " = " } else { "=" });
        s.push_str(&repr(d));
    }
    s
}

/// `formatargspec(**argspec)`: the signature in parentheses, with ` -> 'type'` when the return
/// type is annotated. Missing keys count as empty, as in Python's defaults.
pub fn format_argspec(argspec: &Value) -> String {
    let args = names(argspec.get("args"));
    let defaults = argspec
        .get("defaults")
        .and_then(Value::as_seq)
        .unwrap_or(&[]);
    let varargs = name(argspec.get("varargs"));
    let varkw = name(argspec.get("varkw"));
    let kwonly = names(argspec.get("kwonlyargs"));
    let kwdefaults = argspec.get("kwonlydefaults").and_then(Value::as_dict);
    let annotations = argspec.get("annotations").and_then(Value::as_dict);
    let annotation = |n: &str| annotations.and_then(|a| a.get_str(n));

    let mut params = Vec::new();
    let first_default = args.len() as isize - defaults.len() as isize;
    for (i, arg) in args.iter().enumerate() {
        let d = i as isize - first_default;
        let default = if d >= 0 {
            defaults.get(d as usize)
        } else {
            None
        };
        params.push(parameter(arg, annotation(arg), default));
    }
    match &varargs {
        Some(v) => params.push(format!("*{v}")),
        None if !kwonly.is_empty() => params.push("*".to_owned()),
        None => {}
    }
    for k in &kwonly {
        params.push(parameter(
            k,
            annotation(k),
            kwdefaults.and_then(|d| d.get_str(k)),
        ));
    }
    if let Some(v) = &varkw {
        params.push(format!("**{v}"));
    }
    let mut s = format!("({})", params.join(", "));
    if let Some(r) = annotation("return") {
        s.push_str(" -> ");
        s.push_str(&repr(r));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(json: &str) -> String {
        format_argspec(&pyon_codec::v2::decode(json).unwrap())
    }

    #[test]
    fn shapes() {
        assert_eq!(
            fmt(
                r#"{"args":["self","a","b"],"varargs":null,"varkw":null,"defaults":{"__jsonclass__":["tuple",[[null]]]},"kwonlyargs":["c","d"],"kwonlydefaults":{"d":{"__jsonclass__":["tuple",[[1,"x"]]]}},"annotations":{}}"#
            ),
            "(self, a, b=None, *, c, d=(1, 'x'))"
        );
        assert_eq!(
            fmt(
                r#"{"args":["self"],"defaults":null,"varargs":null,"varkw":null,"kwonlyargs":[],"kwonlydefaults":[]}"#
            ),
            "(self)"
        );
        assert_eq!(
            fmt(
                r#"{"args":["self","db"],"varargs":null,"varkw":null,"defaults":null,"kwonlyargs":[],"kwonlydefaults":null,"annotations":{"db":"float"}}"#
            ),
            "(self, db: 'float')"
        );
        assert_eq!(
            fmt(
                r#"{"args":["self"],"varargs":"a","varkw":"k","defaults":null,"kwonlyargs":["x"],"kwonlydefaults":{"x":"it's"},"annotations":{"x":"str","a":"int","return":null}}"#
            ),
            "(self, *a, x: 'str' = \"it's\", **k) -> None"
        );
    }
}
