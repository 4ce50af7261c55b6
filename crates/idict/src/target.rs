//! [`Computation`]: the pc_rpc target `computation` through which clients steer an [`IDict`].

use pyon_codec::Value;
use rpc_core::rpc_target;

use crate::IDict;

/// The pc_rpc target `computation` of an [`IDict`]'s server: `pause()`, `resume()`,
/// `terminate()` and `status()`, each returning the status dict.
///
/// Served without the built-in `terminate`: stopping the computation is this target's
/// `terminate()`; stopping the server is the computation's business.
#[derive(Debug, Clone)]
pub struct Computation {
    idict: IDict,
}

impl Computation {
    /// The target steering `idict`.
    pub fn new(idict: IDict) -> Computation {
        Computation { idict }
    }
}

/// A computation published by idict: watch its contents (sync_struct notifier `idict`) and its
/// status (notifier `status`), steer it with these methods.
#[rpc_target]
impl Computation {
    /// Pause the computation at its next wait(); return the status.
    fn pause(&self) -> Value {
        self.idict.pause().to_value()
    }

    /// Let a paused computation run again; return the status.
    fn resume(&self) -> Value {
        self.idict.resume().to_value()
    }

    /// Ask the computation to stop (it publishes a final update); return the status.
    fn terminate(&self) -> Value {
        self.idict.terminate().to_value()
    }

    /// Return the status: {"paused", "terminated", "final", "updates", "started"}.
    fn status(&self) -> Value {
        self.idict.status().to_value()
    }
}
