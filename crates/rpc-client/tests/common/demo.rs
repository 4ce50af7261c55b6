//! `Demo`: one target for the tests against our own server, and its typed clients.

use pyon_codec::{Dict, Value};
use rpc_core::{RpcError, rpc_target};
use serde::{Deserialize, Serialize};

pub struct Demo;

// The methods of the Python demo server of the recordings, in Rust, and a slow echo. Served by
// our server; only its typed clients are used against the recordings.
/// Demo target.
#[rpc_target]
impl Demo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }

    /// Sum of the arguments, times `scale`.
    fn add(
        &self,
        a: i64,
        b: i64,
        #[rpc(varargs)] rest: Vec<i64>,
        #[rpc(kwonly, default = 1)] scale: i64,
        #[rpc(varkw)] opts: Dict,
    ) -> i64 {
        let _ = opts;
        (a + b + rest.iter().sum::<i64>()) * scale
    }

    /// Echo, asynchronously.
    async fn async_echo(&self, x: Value) -> Value {
        x
    }

    /// Echo after a pause, so that requests pile up.
    async fn slow_echo(&self, x: Value) -> Value {
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
        x
    }

    /// A record, for typed results; arguments by reference.
    fn point(&self, label: &str, scale: &f64) -> Point {
        Point {
            x: 1.5 * scale,
            label: label.to_owned(),
        }
    }

    /// Always fails with a built-in exception.
    fn fail_value(&self) -> Result<(), RpcError> {
        Err(RpcError::value_error("bad value 42"))
    }

    /// Always fails with an exception of its own.
    fn fail_custom(&self) -> Result<(), RpcError> {
        Err(RpcError::new(
            "Demo.fail_custom.<locals>.DeviceFault",
            "laser unlocked",
        ))
    }

    /// Always fails with a `KeyError`.
    fn fail_key(&self) -> Result<(), RpcError> {
        Err(RpcError::key_error("missing"))
    }

    /// Returns what the wire cannot carry (on the Python server).
    fn unserializable(&self) -> Value {
        Value::None
    }
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub label: String,
}
