//! The argument grammar of `sipyco_rpctool`: Python expressions evaluated without `eval`.
//!
//! The Python tool runs `eval()` on each argument. This module accepts the part of Python that
//! arguments use in practice, and nothing that could run code:
//!
//! - every PYON literal: numbers (ints of any size, floats, imaginary `2j`), strings and bytes in
//!   any quote style with Python escapes (adjacent literals concatenate: `'it''s'`), tuples,
//!   lists, dicts, sets, `True`/`False`/`None`;
//! - arithmetic with Python's semantics: `+ - * / // % **`, unary `- + ~`, parentheses
//!   (`1/3` is a float, `-7 // 2 == -4`, `2**70` stays exact); `+` and `*` on sequences
//!   (`'x' * 3`, `[0] * 4`);
//! - PYON v1 text as it is: `null`, `true`, `false`, `inf`, `nan` and the constructors `slice`,
//!   `Fraction`, `OrderedDict`, `nparray`, `npscalar` (built by `pyon_codec::v1`'s decoder);
//! - a few builtins: `list`, `tuple`, `set`, `dict`, `range`, `int`, `float`, `complex`, `bool`,
//!   `str`, `abs`, `len`;
//! - numpy: `np.array(LIST, dtype=...)` with numpy's dtype inference, the scalar types
//!   (`np.float32(1.5)`), `np.zeros`, `np.ones`, `np.arange`, `np.pi`, `np.inf`, `np.nan`;
//! - in interactive mode, calls of the target's methods, `set_attenuation(5)`, anywhere in an
//!   expression, through an [`Env`].
//!
//! Depth and length are bounded ([`MAX_DEPTH`], [`MAX_LEN`], and limits on the size of
//! results), so a hostile argument is an error, never a crash.
//!
//! ```
//! use pyon_codec::Value;
//! use rpctool::expr::evaluate;
//!
//! assert_eq!(evaluate("3 * 4 + 2")?, Value::Int(14));
//! assert_eq!(evaluate("1/3")?, Value::Float(1.0 / 3.0));
//! assert!(evaluate("__import__('os')").is_err());
//! # Ok::<(), rpctool::Error>(())
//! ```

mod arith;
mod builtins;
mod lex;
mod np;
mod obj;
mod parse;

use pyon_codec::{Dict, Value};

pub use arith::{MAX_ITEMS, MAX_RESULT_BITS};
pub use parse::{MAX_DEPTH, MAX_LEN};

use crate::Error;
use obj::Obj;
use parse::Expr;

/// Where names that are not builtins come from: the remote target's methods, in interactive
/// mode.
pub trait Env {
    /// Whether `name` is a method of the target.
    fn has_method(&self, name: &str) -> bool;

    /// Calls the method `name` of the target.
    fn call(&mut self, name: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value, Error>;
}

/// An [`Env`] without methods: the one of `call` arguments.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoMethods;

impl Env for NoMethods {
    fn has_method(&self, _: &str) -> bool {
        false
    }

    fn call(&mut self, name: &str, _: Vec<Value>, _: Dict) -> Result<Value, Error> {
        Err(Error::eval(format!(
            "NameError: name '{name}' is not defined"
        )))
    }
}

/// Evaluates a `call` argument (no remote methods in scope).
pub fn evaluate(text: &str) -> Result<Value, Error> {
    evaluate_in(text, &mut NoMethods)
}

/// Evaluates an expression, calling the target's methods through `env`.
pub fn evaluate_in(text: &str, env: &mut dyn Env) -> Result<Value, Error> {
    let expr = parse::parse(text)?;
    let mut ev = Evaluator { env };
    match ev.eval(&expr)? {
        Obj::Value(v) => Ok(v),
        other => Err(Error::eval(format!(
            "TypeError: {} cannot be sent or printed",
            other.describe()
        ))),
    }
}

struct Evaluator<'a> {
    env: &'a mut dyn Env,
}

impl Evaluator<'_> {
    fn value(&mut self, e: &Expr) -> Result<Value, Error> {
        self.eval(e)?.into_value()
    }

    fn values(&mut self, items: &[Expr]) -> Result<Vec<Value>, Error> {
        items.iter().map(|e| self.value(e)).collect()
    }

    fn eval(&mut self, e: &Expr) -> Result<Obj, Error> {
        Ok(match e {
            Expr::Lit(v) => Obj::Value(v.clone()),
            Expr::Name(n, _) => self.name(n)?,
            Expr::Attr(base, attr, _) => match self.eval(base)? {
                Obj::Numpy => np::attribute(attr)?,
                other => {
                    return Err(Error::eval(format!(
                        "AttributeError: {} has no attribute '{attr}'",
                        other.describe()
                    )));
                }
            },
            Expr::Call {
                func, args, kwargs, ..
            } => {
                let f = self.eval(func)?;
                let mut posargs = Vec::with_capacity(args.len());
                for a in args {
                    posargs.push(self.eval(a)?);
                }
                let mut kw = Vec::with_capacity(kwargs.len());
                for (k, v) in kwargs {
                    kw.push((k.clone(), self.eval(v)?));
                }
                self.call(f, posargs, kw)?
            }
            Expr::Unary(op, operand, _) => {
                let v = self.value(operand)?;
                Obj::Value(arith::unary(op, &v)?)
            }
            Expr::Binary(op, a, b, _) => {
                let a = self.value(a)?;
                let b = self.value(b)?;
                Obj::Value(arith::binary(op, &a, &b)?)
            }
            Expr::List(items) => Obj::Value(Value::List(self.values(items)?)),
            Expr::Tuple(items) => Obj::Value(Value::Tuple(self.values(items)?)),
            Expr::Set(items) => Obj::Value(builtins::make_set(self.values(items)?)?),
            Expr::Dict(pairs) => {
                let mut d = Dict::with_capacity(pairs.len());
                for (k, v) in pairs {
                    let k = self.value(k)?;
                    builtins::check_hashable(&k)?;
                    let v = self.value(v)?;
                    d.insert(k, v);
                }
                Obj::Value(Value::Dict(d))
            }
        })
    }

    fn name(&mut self, n: &str) -> Result<Obj, Error> {
        // The Python tool's lookup order: `np`, then the target's methods.
        if n == "np" || n == "numpy" {
            return Ok(Obj::Numpy);
        }
        if self.env.has_method(n) {
            return Ok(Obj::Method(n.to_owned()));
        }
        if let Some(b) = builtins::lookup(n) {
            return Ok(Obj::Builtin(b));
        }
        if let Some(v) = builtins::pyon_constant(n) {
            return Ok(Obj::Value(v));
        }
        Err(Error::eval(format!("NameError: name '{n}' is not defined")))
    }

    fn call(&mut self, f: Obj, args: Vec<Obj>, kwargs: Vec<(String, Obj)>) -> Result<Obj, Error> {
        match f {
            Obj::Method(name) => {
                let args = args
                    .into_iter()
                    .map(Obj::into_value)
                    .collect::<Result<Vec<_>, _>>()?;
                let mut kw = Dict::with_capacity(kwargs.len());
                for (k, v) in kwargs {
                    kw.insert(Value::from(k), v.into_value()?);
                }
                Ok(Obj::Value(self.env.call(&name, args, kw)?))
            }
            Obj::Builtin(name) => builtins::call(name, args, kwargs),
            Obj::NumpyAttr(name) => np::call(name, args, kwargs),
            other => Err(Error::eval(format!(
                "TypeError: {} is not callable",
                other.describe()
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::pformat;

    fn show(text: &str) -> String {
        pformat(&evaluate(text).unwrap())
    }

    #[test]
    fn recorded_arguments() {
        let cases = [
            ("3 * 4 + 2", "14"),
            ("[1, 2]", "[1, 2]"),
            ("True", "True"),
            ("'it''s'", "'its'"),
            ("(1, 'a', None, 2.5)", "(1, 'a', None, 2.5)"),
            ("{'k': [1, 2], 3: (4,)}", "{3: (4,), 'k': [1, 2]}"),
            ("b'\\x00ab'", "b'\\x00ab'"),
            ("{1, 2, 3}", "{1, 2, 3}"),
            ("1/3", "0.3333333333333333"),
            ("2**70", "1180591620717411303424"),
            ("1e16", "1e+16"),
            ("-0.0", "-0.0"),
            ("1+2j", "(1+2j)"),
            ("np.array([1.0, 2.0], dtype=float)", "array([1., 2.])"),
            ("np.array([1, 2, 3])", "array([1, 2, 3])"),
            ("len(list(range(40)))", "40"),
            ("-2 ** 2", "-4"),
            ("2 ** -1", "0.5"),
            ("(-8) ** (1/3)", "(1.0000000000000002+1.7320508075688772j)"),
            ("-1j", "(-0-1j)"),
            ("2 * 1j", "2j"),
            ("7 % -3, -7 // 2", "(-2, -4)"),
            ("float('inf'), float('-inf')", "(inf, -inf)"),
            ("int('12') + int(2.7)", "14"),
            ("dict(a=1, b=[2])", "{'a': 1, 'b': [2]}"),
            ("tuple('ab')", "('a', 'b')"),
            ("np.float32(1.5)", "np.float32(1.5)"),
            ("np.zeros(3)", "array([0., 0., 0.])"),
            ("np.arange(4)", "array([0, 1, 2, 3])"),
            (
                "np.array([[1, 2], [3, 4]], dtype='int32')",
                "array([[1, 2],\n       [3, 4]], dtype=int32)",
            ),
            ("np.array([True, False])", "array([ True, False])"),
            ("np.array([1, 2.5])", "array([1. , 2.5])"),
            ("np.array([1+2j])", "array([1.+2.j])"),
            ("np.array([])", "array([], dtype=float64)"),
            // PYON v1 text is accepted as it is.
            (
                "[null, true, false, inf, -inf, nan]",
                "[None, True, False, inf, -inf, nan]",
            ),
            ("Fraction(6, 8)", "Fraction(3, 4)"),
            ("slice(None, -1, None)", "slice(None, -1, None)"),
            (
                "OrderedDict([('b', 1), ('a', 2)])",
                "OrderedDict([('b', 1), ('a', 2)])",
            ),
            (
                "nparray((3, ), \"<i8\", b\"AAAAAAAAAAABAAAAAAAAAAIAAAAAAAAA\")",
                "array([0, 1, 2])",
            ),
            ("npscalar(\"<f8\", b\"AAAAAAAA+D8=\")", "np.float64(1.5)"),
        ];
        for (text, want) in cases {
            assert_eq!(show(text), want, "{text}");
        }
    }

    #[test]
    fn errors() {
        let cases = [
            (
                "__import__('os')",
                "NameError: name '__import__' is not defined",
            ),
            (
                "open('/etc/passwd')",
                "NameError: name 'open' is not defined",
            ),
            ("1/0", "ZeroDivisionError: division by zero"),
            (
                "int('9' * 4301)",
                "ValueError: Exceeds the limit (4300 digits) for integer string conversion: \
                 value has 4301 digits",
            ),
            ("{[1]: 2}", "TypeError: unhashable type: 'list'"),
            (
                "range(3)",
                "TypeError: a range object cannot be sent or printed",
            ),
            ("np.array([[1], [2, 3]])", "inhomogeneous"),
            ("np.array([1], dtype='object')", "unsupported dtype"),
            ("np.array([300], dtype=np.uint8)", "OverflowError"),
            (
                "np.foo",
                "AttributeError: module 'numpy' has no attribute 'foo'",
            ),
        ];
        for (text, want) in cases {
            let e = evaluate(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text}: {e}");
        }
        // Literals: Python's limit of digits, as in PYON v1.
        assert!(evaluate(&"9".repeat(4300)).is_ok());
        let e = evaluate(&"9".repeat(4301)).unwrap_err().to_string();
        assert!(e.contains("integer of more than 4300 digits"), "{e}");
    }

    struct Remote(Vec<(String, Vec<Value>)>);

    impl Env for Remote {
        fn has_method(&self, name: &str) -> bool {
            name == "get" || name == "set"
        }
        fn call(&mut self, name: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value, Error> {
            assert!(kwargs.is_empty() || name == "set");
            self.0.push((name.to_owned(), args));
            Ok(if name == "get" {
                Value::Float(5.0)
            } else {
                Value::None
            })
        }
    }

    #[test]
    fn remote_methods() {
        let mut env = Remote(Vec::new());
        assert_eq!(
            evaluate_in("set(get() * 2, x=1)", &mut env).unwrap(),
            Value::None
        );
        assert_eq!(env.0[1], ("set".to_owned(), vec![Value::Float(10.0)]));
        assert!(evaluate_in("get", &mut env).is_err());
    }
}
