//! Support of the code that `#[rpc_target]` generates. Not a public API.

pub use pyon_codec::{Dict, Value};
pub use serde::Serialize;
pub use serde::de::DeserializeOwned;

pub use crate::{ArgSpec, CallFuture, MethodInfo, RpcError, Target};
pub use std::sync::OnceLock;

/// Converts an argument to the parameter type, failing with a `TypeError` naming it.
pub fn arg<T: DeserializeOwned>(v: Value, qualname: &str, name: &str) -> Result<T, RpcError> {
    pyon_codec::from_value(v)
        .map_err(|e| RpcError::type_error(format!("{qualname}() argument '{name}': {e}")))
}

/// Converts the extra positional arguments (a tuple) to the `*varargs` parameter type.
pub fn varargs<T: DeserializeOwned>(
    v: Vec<Value>,
    qualname: &str,
    name: &str,
) -> Result<T, RpcError> {
    arg(Value::Tuple(v), qualname, name)
}

/// Converts the extra keyword arguments (a dict) to the `**varkw` parameter type.
pub fn varkw<T: DeserializeOwned>(d: Dict, qualname: &str, name: &str) -> Result<T, RpcError> {
    arg(Value::Dict(d), qualname, name)
}

/// Converts a return value, failing with a `TypeError` as Python does for an unencodable one.
pub fn ret<T: Serialize + ?Sized>(v: &T, qualname: &str) -> Result<Value, RpcError> {
    pyon_codec::to_value(v).map_err(|e| {
        RpcError::type_error(format!(
            "return value of {qualname}() is not PYON encodable: {e}"
        ))
    })
}

/// Converts a default value for the argspec (`None` if it cannot be converted).
pub fn default_value<T: Serialize>(v: T) -> Value {
    pyon_codec::to_value(&v).unwrap_or(Value::None)
}

/// Takes the next bound value (binding guarantees there is one).
pub fn next(it: &mut std::vec::IntoIter<Value>) -> Value {
    it.next().unwrap_or_default()
}

/// What the typed clients are built on.
pub mod client {
    pub use rpc_client::{AsyncClient, Client, Error, Result};
}

/// Converts a typed client's argument.
pub fn client_arg<T: Serialize + ?Sized>(v: &T) -> rpc_client::Result<Value> {
    Ok(pyon_codec::to_value(v)?)
}

/// Appends a typed client's `*varargs` argument (a sequence) to the positional arguments.
pub fn client_varargs(args: &mut Vec<Value>, v: Value) -> rpc_client::Result<()> {
    match v {
        Value::Tuple(items) | Value::List(items) | Value::Set(items) => {
            args.extend(items);
            Ok(())
        }
        other => Err(not_a(other, "sequence for *varargs")),
    }
}

/// Adds a typed client's `**varkw` argument (a mapping) to the keyword arguments.
pub fn client_varkw(kwargs: &mut Dict, v: Value) -> rpc_client::Result<()> {
    match v {
        Value::Dict(d) | Value::OrderedDict(d) => {
            for (k, v) in d {
                kwargs.insert(k, v);
            }
            Ok(())
        }
        other => Err(not_a(other, "mapping for **varkw")),
    }
}

fn not_a(v: Value, expected: &str) -> rpc_client::Error {
    let message = format!("expected a {expected}, got {}", v.kind());
    rpc_client::Error::Pyon(<pyon_codec::Error as serde::ser::Error>::custom(message))
}

/// Converts the value a typed client's call returned.
pub fn client_ret<T: DeserializeOwned>(v: Value) -> rpc_client::Result<T> {
    Ok(pyon_codec::from_value(v)?)
}
