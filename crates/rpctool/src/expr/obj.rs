//! What an expression evaluates to before it becomes a PYON value: a value, or one of the few
//! objects that only live inside an expression (a range, a builtin, the numpy module).

use pyon_codec::Value;

use crate::Error;

/// What an expression evaluates to before it becomes a PYON value.
#[derive(Debug, Clone)]
pub(super) enum Obj {
    Value(Value),
    /// `range(start, stop, step)`.
    Range(i64, i64, i64),
    /// A builtin function such as `list`.
    Builtin(&'static str),
    /// The numpy module.
    Numpy,
    /// A function or type of the numpy module (`np.array`, `np.float64`).
    NumpyAttr(&'static str),
    /// A method of the remote target.
    Method(String),
}

impl Obj {
    pub(super) fn describe(&self) -> String {
        match self {
            Obj::Value(v) => format!("a value of type '{}'", v.kind()),
            Obj::Range(..) => "a range object".into(),
            Obj::Builtin(n) => format!("the builtin '{n}'"),
            Obj::Numpy => "the numpy module".into(),
            Obj::NumpyAttr(n) => format!("np.{n}"),
            Obj::Method(n) => format!("the remote method '{n}'"),
        }
    }

    pub(super) fn into_value(self) -> Result<Value, Error> {
        match self {
            Obj::Value(v) => Ok(v),
            other => Err(Error::eval(format!(
                "TypeError: {} is not a value",
                other.describe()
            ))),
        }
    }
}
