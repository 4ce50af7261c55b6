//! Positional arguments of a call.

use pyon_codec::Value;

/// What can be the positional arguments of a call (Python's `*args`).
///
/// - `Vec<Value>`, `[Value; N]`, `&[Value]`: the arguments in order;
/// - a [`Value::Tuple`], as built by `pyon_codec::tuple![...]`: its items;
/// - any other single [`Value`]: one argument (to pass one tuple, wrap it: `vec![t]`);
/// - `()`: no arguments.
pub trait IntoArgs {
    /// The arguments in order.
    fn into_args(self) -> Vec<Value>;
}

impl IntoArgs for Vec<Value> {
    fn into_args(self) -> Vec<Value> {
        self
    }
}

impl IntoArgs for &[Value] {
    fn into_args(self) -> Vec<Value> {
        self.to_vec()
    }
}

impl<const N: usize> IntoArgs for [Value; N] {
    fn into_args(self) -> Vec<Value> {
        self.into()
    }
}

impl IntoArgs for () {
    fn into_args(self) -> Vec<Value> {
        Vec::new()
    }
}

impl IntoArgs for Value {
    fn into_args(self) -> Vec<Value> {
        match self {
            Value::Tuple(items) => items,
            other => vec![other],
        }
    }
}

#[cfg(test)]
mod tests {
    use pyon_codec::{list, tuple};

    use super::*;

    #[test]
    fn shapes() {
        assert_eq!(tuple![1, "x"].into_args(), vec![1.into(), "x".into()]);
        assert_eq!(list![1, 2].into_args(), vec![list![1, 2]]);
        assert_eq!(().into_args(), Vec::<Value>::new());
        assert_eq!([Value::Int(3)].into_args(), vec![Value::Int(3)]);
        assert_eq!(vec![tuple![]].into_args(), vec![tuple![]]);
    }
}
