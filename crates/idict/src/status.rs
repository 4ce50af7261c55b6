//! [`Status`]: what the notifier `status` and the RPC method `status()` report.

use pyon_codec::{Dict, Value};

/// The state of a computation, published as the notifier `status` and returned by the RPC
/// methods of the target `computation`:
/// `{"paused": bool, "terminated": bool, "final": bool, "updates": int, "started": float}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status {
    /// Paused by a client (the computation parks in [`IDict::wait`](crate::IDict::wait)).
    pub paused: bool,
    /// Asked to stop ([`IDict::terminated`](crate::IDict::terminated) is true).
    pub terminated: bool,
    /// The final update was published ([`IDict::notify_update_final`](crate::IDict::notify_update_final)).
    pub is_final: bool,
    /// Updates published so far.
    pub updates: u64,
    /// When the computation started, in seconds since the Unix epoch (Python's `time.time()`).
    pub started: f64,
}

impl Status {
    /// A computation started at `started` that has published nothing yet.
    pub(crate) fn default_at(started: f64) -> Status {
        Status {
            paused: false,
            terminated: false,
            is_final: false,
            updates: 0,
            started,
        }
    }

    /// The dict sent on the wire, keys in the documented order.
    pub fn to_dict(&self) -> Dict {
        let updates = i64::try_from(self.updates).unwrap_or(i64::MAX);
        Dict::from_unique_pairs(vec![
            (Value::str("paused"), Value::Bool(self.paused)),
            (Value::str("terminated"), Value::Bool(self.terminated)),
            (Value::str("final"), Value::Bool(self.is_final)),
            (Value::str("updates"), Value::Int(updates)),
            (Value::str("started"), Value::Float(self.started)),
        ])
    }

    /// The dict sent on the wire, as a value.
    pub fn to_value(&self) -> Value {
        Value::Dict(self.to_dict())
    }

    /// Reads a status dict received from a server; `None` if it is not one.
    pub fn from_value(v: &Value) -> Option<Status> {
        let d = v.as_dict()?;
        let flag = |k: &str| d.get_str(k).and_then(Value::as_bool);
        Some(Status {
            paused: flag("paused")?,
            terminated: flag("terminated")?,
            is_final: flag("final")?,
            updates: u64::try_from(d.get_str("updates")?.as_i64()?).ok()?,
            started: d.get_str("started")?.as_f64()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_and_back() {
        let s = Status {
            paused: true,
            terminated: false,
            is_final: false,
            updates: 7,
            started: 1.5,
        };
        assert_eq!(
            pyon_codec::encode(&s.to_value()).unwrap(),
            r#"{"paused":true,"terminated":false,"final":false,"updates":7,"started":1.5}"#
        );
        assert_eq!(Status::from_value(&s.to_value()), Some(s));
        assert_eq!(Status::from_value(&Value::Int(1)), None);
        assert_eq!(
            Status::from_value(&pyon_codec::dict! {"paused" => true}),
            None
        );
    }
}
