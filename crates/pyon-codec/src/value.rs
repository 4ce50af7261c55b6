//! The value model: what a PYON document can hold, as Python sees it.

use num_bigint::BigInt;
use num_complex::Complex64;
use num_traits::{ToPrimitive, Zero};

pub use compact_str::CompactString as PyStr;

use crate::dict::Dict;
use crate::numpy::{NdArray, NpScalar};

/// A Python value that PYON can carry.
///
/// Each variant is one Python type. Integers have an `i64` fast path ([`Value::Int`]) and an
/// exact arbitrary-size form ([`Value::BigInt`]) that is only used for values outside the `i64`
/// range; constructors such as [`Value::from_bigint`] keep that invariant.
///
/// `PartialEq` is *structural*: `Value::Int(1) != Value::Float(1.0)` and a `Dict` differs from an
/// `OrderedDict`, which is what round-trip tests want. [`Value::py_eq`] gives Python's `==`.
///
/// The discriminant takes a whole word (`repr(u64)`; the size stays 32 bytes, and `Option<Value>`
/// too). With a one-byte discriminant, the compiler moved a value as that byte and two
/// overlapping 16-byte halves of the rest, at odd offsets: reading such a copy back stalled
/// the processor (a store-forwarding failure) wherever values were moved in bulk, as when a
/// decoder gathers a container's items. Word-aligned moves do not.
#[derive(Debug, Clone, Default)]
#[repr(u64)]
pub enum Value {
    /// `None`.
    #[default]
    None,
    /// `bool`.
    Bool(bool),
    /// `int` within the `i64` range.
    Int(i64),
    /// `int` outside the `i64` range, kept exactly.
    BigInt(Box<BigInt>),
    /// `float`.
    Float(f64),
    /// `complex`.
    Complex(Complex64),
    /// `str`: short strings (up to 24 bytes, most keys) are kept inline, without an allocation.
    Str(PyStr),
    /// `bytes`.
    Bytes(Vec<u8>),
    /// `list`.
    List(Vec<Value>),
    /// `tuple`.
    Tuple(Vec<Value>),
    /// `dict`: insertion-ordered, keys any hashable value.
    Dict(Dict),
    /// `set`: elements in insertion order, no two equal under Python's `==`.
    Set(Vec<Value>),
    /// `collections.OrderedDict`.
    OrderedDict(Dict),
    /// `slice(start, stop, step)`.
    Slice(Box<Slice>),
    /// `fractions.Fraction`, always in lowest terms with a positive denominator.
    Fraction(Box<Fraction>),
    /// `numpy.ndarray`.
    Array(Box<NdArray>),
    /// A numpy scalar such as `numpy.int32(5)`.
    Scalar(Box<NpScalar>),
    /// An application type registered by name (see [`crate::register`]).
    Custom(Box<Custom>),
}

/// A Python `slice` object.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Slice {
    /// `start`, usually `None` or an int.
    pub start: Value,
    /// `stop`, usually `None` or an int.
    pub stop: Value,
    /// `step`, usually `None` or an int.
    pub step: Value,
}

/// A Python `fractions.Fraction`, normalised like Python's: lowest terms, positive denominator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fraction {
    numer: BigInt,
    denom: BigInt,
}

impl Fraction {
    /// Builds `numer / denom` in lowest terms; `None` when `denom` is zero (Python raises
    /// `ZeroDivisionError`).
    pub fn new(numer: impl Into<BigInt>, denom: impl Into<BigInt>) -> Option<Self> {
        use num_integer::Integer;
        let (mut numer, mut denom) = (numer.into(), denom.into());
        if denom.is_zero() {
            return None;
        }
        let g = numer.gcd(&denom);
        if !g.is_zero() {
            numer /= &g;
            denom /= &g;
        }
        if denom < BigInt::zero() {
            numer = -numer;
            denom = -denom;
        }
        Some(Fraction { numer, denom })
    }
    /// [`Fraction::new`] for machine integers (nearly every fraction on the wire): the same
    /// result, reduced with `i128` arithmetic instead of big-integer division.
    pub(crate) fn from_i64(numer: i64, denom: i64) -> Option<Self> {
        use num_integer::Integer;
        let (mut numer, mut denom) = (i128::from(numer), i128::from(denom));
        if denom == 0 {
            return None;
        }
        let g = numer.gcd(&denom);
        numer /= g;
        denom /= g;
        if denom < 0 {
            numer = -numer;
            denom = -denom;
        }
        Some(Fraction {
            numer: numer.into(),
            denom: denom.into(),
        })
    }

    /// The numerator (carries the sign).
    pub fn numer(&self) -> &BigInt {
        &self.numer
    }
    /// The denominator, always positive.
    pub fn denom(&self) -> &BigInt {
        &self.denom
    }
}

/// A value of an application type registered with [`crate::register`]: the type's name and its
/// constructor arguments, encoded as `{"__jsonclass__": [name, args]}` (v2) or `name(args...)` (v1).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Custom {
    /// The registered type name.
    pub name: String,
    /// The constructor arguments.
    pub args: Vec<Value>,
}

/// The Python type of a value, for counting and error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// `None`
    None,
    /// `bool`
    Bool,
    /// `int` (either representation)
    Int,
    /// `float`
    Float,
    /// `complex`
    Complex,
    /// `str`
    Str,
    /// `bytes`
    Bytes,
    /// `list`
    List,
    /// `tuple`
    Tuple,
    /// `dict`
    Dict,
    /// `set`
    Set,
    /// `OrderedDict`
    OrderedDict,
    /// `slice`
    Slice,
    /// `Fraction`
    Fraction,
    /// `numpy.ndarray`
    Array,
    /// numpy scalar
    Scalar,
    /// registered custom type
    Custom,
}

impl Kind {
    /// The Python name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Kind::None => "NoneType",
            Kind::Bool => "bool",
            Kind::Int => "int",
            Kind::Float => "float",
            Kind::Complex => "complex",
            Kind::Str => "str",
            Kind::Bytes => "bytes",
            Kind::List => "list",
            Kind::Tuple => "tuple",
            Kind::Dict => "dict",
            Kind::Set => "set",
            Kind::OrderedDict => "OrderedDict",
            Kind::Slice => "slice",
            Kind::Fraction => "Fraction",
            Kind::Array => "ndarray",
            Kind::Scalar => "npscalar",
            Kind::Custom => "custom",
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Value {
    /// The Python type of this value.
    pub fn kind(&self) -> Kind {
        match self {
            Value::None => Kind::None,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) | Value::BigInt(_) => Kind::Int,
            Value::Float(_) => Kind::Float,
            Value::Complex(_) => Kind::Complex,
            Value::Str(_) => Kind::Str,
            Value::Bytes(_) => Kind::Bytes,
            Value::List(_) => Kind::List,
            Value::Tuple(_) => Kind::Tuple,
            Value::Dict(_) => Kind::Dict,
            Value::Set(_) => Kind::Set,
            Value::OrderedDict(_) => Kind::OrderedDict,
            Value::Slice(_) => Kind::Slice,
            Value::Fraction(_) => Kind::Fraction,
            Value::Array(_) => Kind::Array,
            Value::Scalar(_) => Kind::Scalar,
            Value::Custom(_) => Kind::Custom,
        }
    }

    /// An integer, in the `i64` fast path when it fits.
    pub fn from_bigint(i: BigInt) -> Value {
        match i.to_i64() {
            Some(small) => Value::Int(small),
            None => Value::BigInt(Box::new(i)),
        }
    }

    /// A string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(s.into().into())
    }

    /// A slice value.
    pub fn slice(start: Value, stop: Value, step: Value) -> Value {
        Value::Slice(Box::new(Slice { start, stop, step }))
    }

    /// `true` for `None`.
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    /// The string, if this is a `str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an `int` (or `bool`, as in Python) that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            Value::Bool(b) => Some(*b as i64),
            _ => None,
        }
    }

    /// The number as a float, for `int`, `float` and `bool`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Float(f) => Some(*f),
            Value::Int(i) => Some(*i as f64),
            Value::BigInt(i) => i.to_f64(),
            Value::Bool(b) => Some(*b as u8 as f64),
            _ => None,
        }
    }

    /// The boolean, if this is a `bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The items, if this is a `list` or a `tuple`.
    pub fn as_seq(&self) -> Option<&[Value]> {
        match self {
            Value::List(v) | Value::Tuple(v) => Some(v),
            _ => None,
        }
    }

    /// The map, if this is a `dict` or an `OrderedDict`.
    pub fn as_dict(&self) -> Option<&Dict> {
        match self {
            Value::Dict(d) | Value::OrderedDict(d) => Some(d),
            _ => None,
        }
    }

    /// The map, mutably, if this is a `dict` or an `OrderedDict`.
    pub fn as_dict_mut(&mut self) -> Option<&mut Dict> {
        match self {
            Value::Dict(d) | Value::OrderedDict(d) => Some(d),
            _ => None,
        }
    }

    /// Looks up a string key in a dict; `None` for any other value or a missing key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_dict()?.get_str(key)
    }

    /// Whether Python can use this value as a dict key or set element.
    pub fn is_hashable(&self) -> bool {
        match self {
            Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::OrderedDict(_) => false,
            Value::Array(_) | Value::Slice(_) | Value::Custom(_) => false,
            Value::Tuple(items) => items.iter().all(Value::is_hashable),
            _ => true,
        }
    }

    /// Python's `==`: numbers compare by value across `bool`, `int`, `float`, `complex`,
    /// `Fraction` and float64 scalars; `dict` equals `OrderedDict` ignoring order (two
    /// `OrderedDict`s compare in order); sets compare as sets; `NaN` is unequal to itself.
    pub fn py_eq(&self, other: &Value) -> bool {
        crate::pyeq::py_eq(self, other)
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (None, None) => true,
            (Bool(a), Bool(b)) => a == b,
            (Int(a), Int(b)) => a == b,
            (BigInt(a), BigInt(b)) => a == b,
            // Structural: NaN equals NaN and -0.0 differs from 0.0, so round trips are exact.
            (Float(a), Float(b)) => a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
            (Complex(a), Complex(b)) => Float(a.re) == Float(b.re) && Float(a.im) == Float(b.im),
            (Str(a), Str(b)) => a == b,
            (Bytes(a), Bytes(b)) => a == b,
            (List(a), List(b)) | (Tuple(a), Tuple(b)) | (Set(a), Set(b)) => a == b,
            (Dict(a), Dict(b)) | (OrderedDict(a), OrderedDict(b)) => a == b,
            (Slice(a), Slice(b)) => a == b,
            (Fraction(a), Fraction(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Scalar(a), Scalar(b)) => a == b,
            (Custom(a), Custom(b)) => a == b,
            _ => false,
        }
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                Value::Int(i as i64)
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                match i64::try_from(i) {
                    Ok(small) => Value::Int(small),
                    Err(_) => Value::BigInt(Box::new(BigInt::from(i))),
                }
            }
        }
    )*};
}
from_wide_int!(u64, i128, u128, usize, isize);

impl From<BigInt> for Value {
    fn from(i: BigInt) -> Value {
        Value::from_bigint(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<f32> for Value {
    fn from(f: f32) -> Value {
        Value::Float(f as f64)
    }
}

impl From<Complex64> for Value {
    fn from(c: Complex64) -> Value {
        Value::Complex(c)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s.into())
    }
}

/// `Value::Str` of `s`, for decoders: a string kept inline (up to 24 bytes) is made by a match
/// on its length, each arm a constant-size copy that the compiler does in registers. With the
/// length unknown, compact_str calls `memcpy` into a buffer on the stack, and the value read
/// back from it right away waits for those stores to land.
#[inline(always)]
pub(crate) fn str_value(s: &str) -> Value {
    by_length!(s, |t| Value::Str(PyStr::from(t)), 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24)
}

impl From<PyStr> for Value {
    fn from(s: PyStr) -> Value {
        Value::Str(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Value {
        Value::List(v)
    }
}

impl From<Dict> for Value {
    fn from(d: Dict) -> Value {
        Value::Dict(d)
    }
}

impl From<NdArray> for Value {
    fn from(a: NdArray) -> Value {
        Value::Array(Box::new(a))
    }
}

impl From<Fraction> for Value {
    fn from(f: Fraction) -> Value {
        Value::Fraction(Box::new(f))
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::None, Into::into)
    }
}

impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::None
    }
}

/// Builds a [`Value::Tuple`] from its items: `tuple![1, "x"]`.
#[macro_export]
macro_rules! tuple {
    ($($item:expr),* $(,)?) => {
        $crate::Value::Tuple(vec![$($crate::Value::from($item)),*])
    };
}

/// Builds a [`Value::List`] from its items: `list![1, "x"]`.
#[macro_export]
macro_rules! list {
    ($($item:expr),* $(,)?) => {
        $crate::Value::List(vec![$($crate::Value::from($item)),*])
    };
}

/// Builds a [`Value::Dict`] from `key => value` pairs: `dict!{"a" => 1, 2 => "b"}`.
#[macro_export]
macro_rules! dict {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::Value::Dict($crate::Dict::from_pairs(vec![$(($crate::Value::from($k), $crate::Value::from($v))),*]))
    };
}

#[cfg(test)]
mod tests {
    use super::Value;

    /// The word-sized discriminant (see [`Value`]) costs no space: four words, with or without
    /// an `Option` around it.
    #[test]
    fn a_value_is_four_words() {
        assert_eq!(size_of::<Value>(), 32);
        assert_eq!(size_of::<Option<Value>>(), 32);
        assert_eq!(size_of::<(Value, Value)>(), 64);
    }
}
