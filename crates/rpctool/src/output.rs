//! The texts the tool prints: `list-targets`, `list-methods`, remote exceptions.
//!
//! Each function returns the exact text of the Python tool's `print` calls, newlines included.

use pc_rpc::ArgSpec;
use pyon_codec::Value;
use rpc_client::RemoteError;

/// `list-targets`: `Target(s):   a, b`, then `Description: text` when there is one.
pub fn list_targets(targets: &[String], description: Option<&str>) -> String {
    let mut s = format!("Target(s):   {}\n", targets.join(", "));
    if let Some(d) = description {
        s.push_str(&format!("Description: {d}\n"));
    }
    s
}

/// Python's `textwrap.indent(text, prefix)`: the prefix goes before every line that is not
/// whitespace only.
pub fn indent(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + prefix.len() * 4);
    for line in text.split_inclusive('\n') {
        if !line.trim().is_empty() {
            out.push_str(prefix);
        }
        out.push_str(line);
    }
    out
}

/// `list-methods`, from the reply of `get_rpc_method_list`: the target's docstring and a blank
/// line, then each method sorted by name with its signature, its docstring indented by 4
/// spaces, and a blank line.
pub fn list_methods(method_list: &Value) -> String {
    let mut s = String::new();
    if let Some(doc) = method_list.get("docstring").and_then(Value::as_str) {
        s.push_str(doc);
        s.push_str("\n\n");
    }
    let mut methods: Vec<(&str, &Value)> = method_list
        .get("methods")
        .and_then(Value::as_dict)
        .map(|d| {
            d.iter()
                .filter_map(|(k, v)| Some((k.as_str()?, v)))
                .collect()
        })
        .unwrap_or_default();
    methods.sort_by(|a, b| a.0.cmp(b.0));
    for (name, entry) in methods {
        let (spec, doc) = match entry.as_seq() {
            Some([spec, doc]) => (spec.clone(), doc.as_str()),
            _ => (Value::None, None),
        };
        s.push_str(name);
        // The one rendering of a signature, shared with the server's method list.
        s.push_str(&ArgSpec::from_value(&spec).to_string());
        s.push('\n');
        if let Some(doc) = doc {
            s.push_str(&indent(doc, "    "));
            s.push('\n');
        }
        s.push('\n');
    }
    s
}

/// The last line of a Python traceback for a re-raised remote exception
/// (`traceback.format_exception_only`): `ValueError: bad value 42`.
///
/// Python's client re-raises built-in classes as themselves, and anything else as
/// `sipyco.packed_exceptions.GenericRemoteException`; a `KeyError` shows the `repr` of its
/// message, as Python's `KeyError.__str__` does.
pub fn exception_line(e: &RemoteError) -> String {
    let class = if rpc_client_builtin(&e.class) {
        e.class.clone()
    } else {
        format!("sipyco.packed_exceptions.{}", e.class)
    };
    let message = if e.class == "KeyError" {
        pyon_codec::str_repr(&e.message)
    } else {
        e.message.clone()
    };
    if message.is_empty() {
        class
    } else {
        format!("{class}: {message}")
    }
}

fn rpc_client_builtin(class: &str) -> bool {
    class != "GenericRemoteException"
        && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !class.is_empty()
}

/// What the interactive mode prints for a remote exception: `Remote exception:`, the exception
/// line, then each remote traceback entry without its trailing whitespace.
pub fn remote_exception(e: &RemoteError) -> String {
    let mut s = String::from("Remote exception:\n");
    s.push_str(&exception_line(e));
    s.push('\n');
    for entry in &e.traceback {
        s.push_str(entry.trim_end());
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textwrap_indent() {
        assert_eq!(indent("a\n\nb", "    "), "    a\n\n    b");
        assert_eq!(indent("a\n  \nb\n", "> "), "> a\n  \n> b\n");
    }

    #[test]
    fn exceptions() {
        let e = |class: &str, message: &str| RemoteError {
            class: class.into(),
            message: message.into(),
            traceback: vec!["  File \"x\", line 1, in f\n    raise X\n".into()],
        };
        assert_eq!(
            exception_line(&e("ValueError", "bad value 42")),
            "ValueError: bad value 42"
        );
        assert_eq!(
            exception_line(&e("KeyError", "'missing'")),
            "KeyError: \"'missing'\""
        );
        assert_eq!(
            exception_line(&e("GenericRemoteException", "X.Fault: laser")),
            "sipyco.packed_exceptions.GenericRemoteException: X.Fault: laser"
        );
        assert_eq!(exception_line(&e("RuntimeError", "")), "RuntimeError");
        assert_eq!(
            remote_exception(&e("ValueError", "v")),
            "Remote exception:\nValueError: v\n  File \"x\", line 1, in f\n    raise X\n"
        );
    }
}
