//! The manager's own RPC target, `ctlmgr` (Python's `ControllerManagerControl`).

use pyon_codec::{Dict, Value};
use rpc_core::{RpcError, rpc_target};

use super::manager::Manager;

/// The `ctlmgr` target: `retry_now(name)`, `status()`, and the built-in `terminate`.
pub struct Control {
    manager: Manager,
}

impl Control {
    /// The target for `manager`.
    pub fn new(manager: Manager) -> Control {
        Control { manager }
    }
}

/// Controller manager: runs the controllers of this host.
#[rpc_target(type_name = "ControllerManagerControl")]
impl Control {
    /// Restart a controller that waits to be restarted, now.
    fn retry_now(&self, k: String) -> Result<(), RpcError> {
        if self.manager.retry_now(&k) {
            Ok(())
        } else {
            Err(RpcError::key_error(k))
        }
    }

    /// Per controller: state (starting, running, stopping, waiting, stopped), pid, restarts,
    /// last exit and retry delay in seconds.
    fn status(&self) -> Value {
        let mut out = Dict::new();
        for (name, status) in self.manager.status() {
            out.insert(Value::from(name), status.to_value());
        }
        Value::Dict(out)
    }
}
