//! [`Target`]: an object whose methods a server offers, and its method list.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pyon_codec::{Dict, Value};

use crate::{ArgSpec, RpcError};

/// The future returned by [`Target::call`].
pub type CallFuture<'a> = Pin<Box<dyn Future<Output = Result<Value, RpcError>> + Send + 'a>>;

/// One method of a target, as `get_rpc_method_list` describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodInfo {
    /// The method name.
    pub name: String,
    /// Its signature.
    pub argspec: ArgSpec,
    /// Its docstring (`inspect.getdoc`), if any.
    pub doc: Option<String>,
}

impl MethodInfo {
    /// A method description.
    pub fn new(name: impl Into<String>, argspec: ArgSpec, doc: Option<&str>) -> Self {
        MethodInfo {
            name: name.into(),
            argspec,
            doc: doc.map(str::to_owned),
        }
    }
}

/// An object whose methods an RPC server offers to its clients (a Python `pc_rpc` target).
///
/// Implement it with the [`rpc_target`](crate::rpc_target) attribute on an `impl` block, build
/// one at run time with [`DynamicTarget`](crate::DynamicTarget), or implement it by hand:
///
/// ```
/// use pyon_codec::{Dict, Value};
/// use rpc_core::{ArgSpec, CallFuture, MethodInfo, RpcError, Target};
///
/// struct Clock;
///
/// impl Target for Clock {
///     fn type_name(&self) -> &str {
///         "Clock"
///     }
///     fn methods(&self) -> Vec<MethodInfo> {
///         vec![MethodInfo::new("now", ArgSpec::new(), Some("Seconds since the epoch."))]
///     }
///     fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a> {
///         Box::pin(async move {
///             match name {
///                 "now" => {
///                     ArgSpec::new().bind("Clock.now", args, kwargs)?;
///                     Ok(Value::Float(1.7e9))
///                 }
///                 _ => Err(RpcError::no_attribute(self.type_name(), name)),
///             }
///         })
///     }
/// }
/// ```
///
/// Calls take `&self`: a target with state keeps it behind a `Mutex` or atomics. A server
/// serialises calls with one lock unless it allows parallel calls.
pub trait Target: Send + Sync + 'static {
    /// The Python class name, used in messages (`'Demo' object has no attribute 'x'`).
    fn type_name(&self) -> &str;

    /// The target's docstring, if any.
    fn docstring(&self) -> Option<&str> {
        None
    }

    /// The callable methods (the built-in `terminate` is the server's, not listed here).
    fn methods(&self) -> Vec<MethodInfo>;

    /// Calls the method `name`. An unknown name fails with
    /// [`RpcError::no_attribute`]`(self.type_name(), name)`.
    fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a>;

    /// The method names, sorted.
    fn method_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.methods().into_iter().map(|m| m.name).collect();
        names.sort();
        names
    }

    /// The reply of `get_rpc_method_list` without the built-in `terminate`:
    /// `{"docstring": str or None, "methods": {name: (argspec, doc)}}`, methods sorted by name
    /// and those starting with `_` left out, as Python does.
    fn method_list(&self) -> Value {
        method_list(self, false)
    }
}

impl<T: Target + ?Sized> Target for Arc<T> {
    fn type_name(&self) -> &str {
        (**self).type_name()
    }
    fn docstring(&self) -> Option<&str> {
        (**self).docstring()
    }
    fn methods(&self) -> Vec<MethodInfo> {
        (**self).methods()
    }
    fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a> {
        (**self).call(name, args, kwargs)
    }
    fn method_names(&self) -> Vec<String> {
        (**self).method_names()
    }
}

impl<T: Target + ?Sized> Target for Box<T> {
    fn type_name(&self) -> &str {
        (**self).type_name()
    }
    fn docstring(&self) -> Option<&str> {
        (**self).docstring()
    }
    fn methods(&self) -> Vec<MethodInfo> {
        (**self).methods()
    }
    fn call<'a>(&'a self, name: &'a str, args: Vec<Value>, kwargs: Dict) -> CallFuture<'a> {
        (**self).call(name, args, kwargs)
    }
    fn method_names(&self) -> Vec<String> {
        (**self).method_names()
    }
}

/// The method-list entry of the built-in `terminate`, byte for byte what Python servers send
/// (its argspec has its own key order and `[]` for `kwonlydefaults`).
pub(crate) fn terminate_entry() -> Value {
    let spec = Dict::from_unique_pairs(vec![
        (Value::str("args"), Value::List(vec![Value::str("self")])),
        (Value::str("defaults"), Value::None),
        (Value::str("varargs"), Value::None),
        (Value::str("varkw"), Value::None),
        (Value::str("kwonlyargs"), Value::List(vec![])),
        (Value::str("kwonlydefaults"), Value::List(vec![])),
    ]);
    Value::Tuple(vec![Value::Dict(spec), Value::str("Terminate the server.")])
}

/// The `get_rpc_method_list` reply of `target`, with the built-in `terminate` last when on.
pub(crate) fn method_list<T: Target + ?Sized>(target: &T, builtin_terminate: bool) -> Value {
    let mut methods = target.methods();
    methods.retain(|m| !m.name.starts_with('_'));
    methods.sort_by(|a, b| a.name.cmp(&b.name));
    let mut entries: Vec<(Value, Value)> = methods
        .into_iter()
        .map(|m| {
            let doc = m.doc.map_or(Value::None, Value::from);
            (
                Value::from(m.name),
                Value::Tuple(vec![m.argspec.to_value(), doc]),
            )
        })
        .collect();
    if builtin_terminate {
        entries.retain(|(k, _)| k.as_str() != Some("terminate"));
        entries.push((Value::str("terminate"), terminate_entry()));
    }
    let docstring = target.docstring().map_or(Value::None, Value::str);
    Value::Dict(Dict::from_unique_pairs(vec![
        (Value::str("docstring"), docstring),
        (
            Value::str("methods"),
            Value::Dict(Dict::from_unique_pairs(entries)),
        ),
    ]))
}
