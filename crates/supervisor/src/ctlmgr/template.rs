//! Command templates: Python's `str.format` with keyword fields only, as ARTIQ's controller
//! manager calls `command.format(name=..., bind=..., **entry)`.

use pyon_codec::Value;

/// Fill `template`'s `{field}`s with `lookup(field)`; `{{` and `}}` stand for braces. Values
/// are written as Python's `str()` (`!r` for `repr()`); format specs are not supported.
///
/// # Errors
///
/// A short message for an unknown field, a positional or indexed field, a format spec, or
/// unbalanced braces.
pub fn format_command(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<Value>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err("single '}' in command template".into()),
            '{' => {
                let mut field = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') => return Err("nested '{' in command template".into()),
                        Some(c) => field.push(c),
                        None => return Err("expected '}' before end of command template".into()),
                    }
                }
                out.push_str(&field_text(&field, lookup)?);
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

fn field_text(field: &str, lookup: &dyn Fn(&str) -> Option<Value>) -> Result<String, String> {
    if field.contains(':') {
        return Err(format!("format spec in {{{field}}} is not supported"));
    }
    let (name, conversion) = match field.split_once('!') {
        Some((name, conversion)) => (name, Some(conversion)),
        None => (field, None),
    };
    if name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("positional field {{{field}}} has no value"));
    }
    if name.contains(['.', '[']) {
        return Err(format!(
            "field {{{field}}}: attributes and indices are not supported"
        ));
    }
    let value = lookup(name).ok_or_else(|| format!("unknown field {{{name}}}"))?;
    match (conversion, &value) {
        (None | Some("s"), Value::Str(s)) => Ok(s.to_string()),
        (Some("r" | "a"), Value::Str(s)) => Ok(pyon_codec::str_repr(s)),
        (None | Some("s" | "r" | "a"), _) => Ok(pyon_codec::repr(&value)),
        (Some(other), _) => Err(format!("unknown conversion !{other} in {{{name}}}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(name: &str) -> Option<Value> {
        match name {
            "name" => Some(Value::from("lda")),
            "port" => Some(Value::Int(3253)),
            "bind" => Some(Value::from("::1")),
            "ratio" => Some(Value::Float(0.5)),
            "flag" => Some(Value::Bool(true)),
            _ => None,
        }
    }

    #[test]
    fn table() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            (
                "aqctl_lda -p {port} --bind {bind}",
                Ok("aqctl_lda -p 3253 --bind ::1"),
            ),
            ("{name}-{ratio}-{flag}", Ok("lda-0.5-True")),
            ("{name!r} {port!s}", Ok("'lda' 3253")),
            ("{{literal}} }}{{", Ok("{literal} }{")),
            ("no fields", Ok("no fields")),
            ("{missing}", Err("unknown field {missing}")),
            ("{}", Err("positional field {} has no value")),
            ("{0}", Err("positional field {0} has no value")),
            ("{port:d}", Err("format spec in {port:d} is not supported")),
            (
                "{name.upper}",
                Err("field {name.upper}: attributes and indices are not supported"),
            ),
            ("{port!x}", Err("unknown conversion !x in {port}")),
            ("{port", Err("expected '}' before end of command template")),
            ("port}", Err("single '}' in command template")),
            ("{a{b}}", Err("nested '{' in command template")),
        ];
        for (template, expected) in cases {
            let got = format_command(template, &fields);
            assert_eq!(
                got.as_deref().map_err(String::as_str),
                *expected,
                "{template}"
            );
        }
    }
}
