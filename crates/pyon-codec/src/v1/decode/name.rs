//! Names: the constants (`None`, `true`, ...) and the constructor calls a v1 document may
//! make (`slice`, `Fraction`, `OrderedDict`, `nparray`, `npscalar`, registered names).

use super::{Frame, Parser};
use crate::construct::{
    make_custom, make_fraction, make_nparray, make_npscalar, make_ordered_dict, make_slice,
};
use crate::v1::lex;
use crate::{Error, Result, Value};

/// The constructors a v1 document may call.
pub(super) enum Callee {
    Slice,
    Fraction,
    OrderedDict,
    NpArray,
    NpScalar,
    Custom(String),
}

impl Callee {
    /// The constructor called `name`: one of PYON's, or a registered custom type.
    fn named(name: &str) -> Option<Callee> {
        Some(match name {
            "slice" => Callee::Slice,
            "Fraction" => Callee::Fraction,
            "OrderedDict" => Callee::OrderedDict,
            "nparray" => Callee::NpArray,
            "npscalar" => Callee::NpScalar,
            _ if crate::is_registered(name) => Callee::Custom(name.to_owned()),
            _ => return None,
        })
    }

    /// The value of the call with these arguments, checked as Python's constructors check them.
    /// The arguments may be taken from (the decoder's scratch stack): PYON's own constructors
    /// build their value from them where they are, without a vector of their own.
    fn build(self, args: &mut [Value]) -> Result<Value> {
        match self {
            Callee::Slice => make_slice(args),
            Callee::Fraction => make_fraction(args),
            Callee::NpArray => make_nparray(args),
            Callee::NpScalar => make_npscalar(args),
            Callee::OrderedDict => make_ordered_dict(args),
            Callee::Custom(name) => {
                make_custom(&name, args.iter_mut().map(std::mem::take).collect())
            }
        }
    }
}

/// The value of the PYON v1 constructor call `name(args...)`, built and checked exactly as the
/// decoder builds it from text: `slice`, `Fraction`, `OrderedDict`, `nparray`, `npscalar` and
/// the registered custom names. For tools that evaluate such calls themselves, such as the
/// argument grammar of `sipyco_rpctool`.
///
/// ```
/// use pyon_codec::{Value, v1};
///
/// let f = v1::construct("Fraction", vec![Value::Int(6), Value::Int(8)])?;
/// assert_eq!(pyon_codec::repr(&f), "Fraction(3, 4)");
/// assert!(v1::construct("eval", vec![Value::str("1")]).is_err());
/// # Ok::<(), pyon_codec::Error>(())
/// ```
pub fn construct(name: &str, mut args: Vec<Value>) -> Result<Value> {
    Callee::named(name)
        .ok_or_else(|| Error::data(format!("unknown name `{name}`")))?
        .build(&mut args)
}

/// What a name turned out to be.
pub(super) enum Step {
    /// A complete value.
    Value(Value),
    /// A constructor call whose arguments follow.
    Push(Frame),
}

impl Parser<'_> {
    /// A name: a literal (`None`, `true`, ...), a number (`inf`, `nan`), or the start of a
    /// constructor call, whose frame is returned for the caller to push.
    pub(super) fn name(&mut self, depth: usize) -> Result<Step> {
        let start = self.pos;
        let n = lex::name(&self.text[start..]);
        if n == 0 {
            return Err(self.err("expected a value"));
        }
        let full = &self.text[start..start + n];
        let (first, dot) = match full.find('.') {
            Some(d) => (&full[..d], Some(start + d)),
            None => (full, None),
        };
        let builtin = match first {
            "None" | "null" => Some(Value::None),
            "True" | "true" => Some(Value::Bool(true)),
            "False" | "false" => Some(Value::Bool(false)),
            "inf" | "nan" | "infj" | "nanj" if dot.is_none() => {
                return self.number().map(Step::Value);
            }
            _ => None,
        };
        if let Some(dot) = dot
            && (builtin.is_some()
                || matches!(
                    first,
                    "slice" | "Fraction" | "OrderedDict" | "nparray" | "npscalar"
                )
                || matches!(first, "inf" | "nan" | "infj" | "nanj"))
        {
            return Err(self.syntax_at("unexpected `.`", dot));
        }
        if let Some(v) = builtin {
            self.pos += n;
            return Ok(Step::Value(v));
        }
        let Some(callee) = Callee::named(full) else {
            return Err(self.err(format!("unknown name `{full}`")));
        };
        if depth >= self.max_depth {
            return Err(self.err(format!("nesting deeper than {} levels", self.max_depth)));
        }
        self.pos += n;
        self.skip_ws();
        if self.peek() != Some(b'(') {
            return Err(self.eof_or(&format!("expected `(` after `{full}`")));
        }
        self.pos += 1;
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return self.call(callee, &mut [], start).map(Step::Value);
        }
        Ok(Step::Push(Frame::Call {
            callee,
            first: self.items.len(),
            start,
        }))
    }

    pub(super) fn call(&self, callee: Callee, args: &mut [Value], start: usize) -> Result<Value> {
        callee.build(args).map_err(|e| self.err_at(e, start))
    }
}
