//! Binding call arguments to an [`ArgSpec`] with Python's rules and CPython's `TypeError`
//! messages, and [`BoundArgs`], the result by name.

use pyon_codec::{Dict, Value};

use crate::{ArgSpec, RpcError};

impl ArgSpec {
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
    use crate::argspec::tests::add;
    use pyon_codec::dict;

    fn kw(pairs: &[(&str, Value)]) -> Dict {
        pairs
            .iter()
            .map(|(k, v)| (Value::str(*k), v.clone()))
            .collect()
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
