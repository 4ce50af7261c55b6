//! Python's `==` between values.

use std::hash::{BuildHasher, Hash, Hasher, RandomState};

use num_bigint::BigInt;
use num_traits::{FromPrimitive, ToPrimitive, Zero};

use crate::Value;

/// A number reduced to a form where Python's cross-type equality is plain comparison.
enum Num {
    Int(BigInt),
    Float(f64),
    Complex(f64, f64),
    Ratio(BigInt, BigInt),
}

fn as_num(v: &Value) -> Option<Num> {
    Some(match v {
        Value::Bool(b) => Num::Int(BigInt::from(*b as i64)),
        Value::Int(i) => Num::Int(BigInt::from(*i)),
        Value::BigInt(i) => Num::Int((**i).clone()),
        Value::Float(f) => Num::Float(*f),
        Value::Complex(c) => Num::Complex(c.re, c.im),
        Value::Fraction(f) => Num::Ratio(f.numer().clone(), f.denom().clone()),
        Value::Scalar(s) => match s.dtype().kind() {
            'f' => Num::Float(s.as_f64().or_else(|| s.get::<f32>().ok().map(f64::from))?),
            'i' => Num::Int(match s.dtype().itemsize() {
                1 => s.get::<i8>().ok()?.into(),
                2 => s.get::<i16>().ok()?.into(),
                4 => s.get::<i32>().ok()?.into(),
                8 => s.get::<i64>().ok()?.into(),
                _ => return None,
            }),
            'u' => Num::Int(match s.dtype().itemsize() {
                1 => s.get::<u8>().ok()?.into(),
                2 => s.get::<u16>().ok()?.into(),
                4 => s.get::<u32>().ok()?.into(),
                8 => s.get::<u64>().ok()?.into(),
                _ => return None,
            }),
            'b' => Num::Int(BigInt::from(s.get::<bool>().ok()? as i64)),
            _ => return None,
        },
        _ => return None,
    })
}

/// Exact comparison of an integer with a float, as Python does (no rounding of the int).
fn int_eq_float(i: &BigInt, f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && BigInt::from_f64(f).as_ref() == Some(i)
}

fn num_eq(a: &Num, b: &Num) -> bool {
    use Num::*;
    match (a, b) {
        (Int(x), Int(y)) => x == y,
        (Float(x), Float(y)) => x == y,
        (Int(i), Float(f)) | (Float(f), Int(i)) => int_eq_float(i, *f),
        (Complex(r, i), other) | (other, Complex(r, i)) => match other {
            Complex(r2, i2) => r == r2 && i == i2,
            _ => *i == 0.0 && num_eq(&Float(*r), other),
        },
        (Ratio(n, d), Ratio(n2, d2)) => n == n2 && d == d2,
        (Ratio(n, d), Int(i)) | (Int(i), Ratio(n, d)) => d == &BigInt::from(1) && n == i,
        (Ratio(n, d), Float(f)) | (Float(f), Ratio(n, d)) => {
            f.is_finite() && {
                // n/d == f exactly iff n == f*d with f as an exact dyadic rational.
                let (m, e) = decompose(*f);
                // f = m * 2^e
                if e >= 0 {
                    *d == BigInt::from(1) && *n == (m << e as usize)
                } else {
                    n * (BigInt::from(1) << (-e) as usize) == m * d
                }
            }
        }
    }
}

/// Splits a finite float into an integer mantissa and a power-of-two exponent.
fn decompose(f: f64) -> (BigInt, i64) {
    if f == 0.0 {
        return (BigInt::zero(), 0);
    }
    let bits = f.to_bits();
    let sign = if bits >> 63 == 0 { 1i64 } else { -1 };
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    (BigInt::from(m) * sign, e)
}

fn seq_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| py_eq(x, y))
}

fn set_eq(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| py_eq(x, y)))
}

/// Feeds a hash consistent with [`py_eq`] for hashable values: values that Python says are
/// equal (`1`, `1.0`, `True`, `Fraction(2, 2)`, `(1+0j)`) hash alike.
fn py_hash_into<H: Hasher>(v: &Value, h: &mut H) {
    // The keys and elements that encoders write most, without making a `Num`.
    match v {
        Value::Int(i) => return hash_i64(*i, h),
        Value::Bool(b) => return hash_i64(i64::from(*b), h),
        Value::Float(f) => return hash_float(*f, h),
        _ => {}
    }
    if let Some(n) = as_num(v) {
        hash_num(&n, h);
        return;
    }
    match v {
        Value::None => 0u8.hash(h),
        Value::Str(s) => {
            1u8.hash(h);
            s.hash(h);
        }
        Value::Bytes(b) => {
            2u8.hash(h);
            b.hash(h);
        }
        Value::Tuple(items) => {
            3u8.hash(h);
            items.len().hash(h);
            items.iter().for_each(|i| py_hash_into(i, h));
        }
        // Unhashable or rare: a constant keeps equal values together.
        _ => 4u8.hash(h),
    }
}

/// `-2**63` and `2**63` as floats: the integral floats in between are exactly those that
/// convert to `i64`.
const I64_FLOATS: std::ops::Range<f64> = -9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0;

fn hash_float<H: Hasher>(f: f64, h: &mut H) {
    if f.is_finite() && f.fract() == 0.0 {
        if I64_FLOATS.contains(&f) {
            return hash_i64(f as i64, h);
        }
        match BigInt::from_f64(f) {
            Some(i) => hash_int(&i, h),
            None => 5u8.hash(h),
        }
    } else {
        6u8.hash(h);
        f.to_bits().hash(h);
    }
}

/// Every integer-valued number in the `i64` range (bool, int, integral float, fraction with
/// denominator 1, numpy integer) is hashed here, whatever its type, so equal ones hash alike.
fn hash_i64<H: Hasher>(i: i64, h: &mut H) {
    7u8.hash(h);
    i.hash(h);
}

fn hash_int<H: Hasher>(i: &BigInt, h: &mut H) {
    match i.to_i64() {
        Some(i) => hash_i64(i, h),
        None => {
            9u8.hash(h);
            i.to_signed_bytes_le().hash(h);
        }
    }
}

fn hash_num<H: Hasher>(n: &Num, h: &mut H) {
    match n {
        Num::Int(i) => hash_int(i, h),
        Num::Float(f) => hash_float(*f, h),
        Num::Complex(re, im) if *im == 0.0 => hash_float(*re, h),
        Num::Complex(re, im) => {
            8u8.hash(h);
            (re + 0.0).to_bits().hash(h);
            (im + 0.0).to_bits().hash(h);
        }
        Num::Ratio(n, d) if *d == BigInt::from(1) => hash_int(n, h),
        // A fraction equal to a float has a power-of-two denominator and converts exactly.
        Num::Ratio(n, d) => match (n.to_f64(), d.to_f64()) {
            (Some(a), Some(b)) if (a / b).is_finite() => hash_float(a / b, h),
            _ => 5u8.hash(h),
        },
    }
}

/// An index from Python-equal values to positions, for building sets and dicts in linear time.
/// The table holds positions only; values are hashed (SipHash with a random key, as hostile
/// input may choose keys) and compared where they lie.
pub(crate) struct PyIndex {
    state: RandomState,
    table: hashbrown::HashTable<usize>,
}

impl PyIndex {
    pub(crate) fn with_capacity(n: usize) -> Self {
        PyIndex {
            state: RandomState::new(),
            table: hashbrown::HashTable::with_capacity(n),
        }
    }

    /// The position of a value equal to `key` among `items` (found through `get`), or records
    /// `key` as living at `next` and returns `None`.
    pub(crate) fn find_or_insert<'a, T>(
        &mut self,
        key: &Value,
        items: &'a [T],
        get: impl Fn(&'a T) -> &'a Value,
        next: usize,
    ) -> Option<usize> {
        let state = &self.state;
        let hash = |v: &Value| {
            let mut h = state.build_hasher();
            py_hash_into(v, &mut h);
            h.finish()
        };
        let entry = self.table.entry(
            hash(key),
            |&i| items.get(i).is_some_and(|item| py_eq(get(item), key)),
            // Growing rehashes the positions recorded so far, all within `items`.
            |&i| items.get(i).map_or(0, |item| hash(get(item))),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => Some(*e.get()),
            hashbrown::hash_table::Entry::Vacant(e) => {
                e.insert(next);
                None
            }
        }
    }
}

pub(crate) fn py_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    // The pairs that building dicts and sets compares most, without making a `Num` (a big
    // integer, allocated, for every int).
    match (a, b) {
        (Int(x), Int(y)) => return x == y,
        (Str(x), Str(y)) => return x == y,
        (Float(x), Float(y)) => return x == y,
        (Int(i), Float(f)) | (Float(f), Int(i)) => {
            return f.fract() == 0.0 && I64_FLOATS.contains(f) && *f as i64 == *i;
        }
        (Str(_), Int(_) | Float(_) | Bool(_) | None)
        | (Int(_) | Float(_) | Bool(_) | None, Str(_)) => {
            return false;
        }
        _ => {}
    }
    py_eq_general(a, b)
}

/// [`py_eq`] for any pair of values.
fn py_eq_general(a: &Value, b: &Value) -> bool {
    use Value::*;
    if let (Some(x), Some(y)) = (as_num(a), as_num(b)) {
        return num_eq(&x, &y);
    }
    match (a, b) {
        (None, None) => true,
        (Str(x), Str(y)) => x == y,
        (Bytes(x), Bytes(y)) => x == y,
        (List(x), List(y)) | (Tuple(x), Tuple(y)) => seq_eq(x, y),
        (Set(x), Set(y)) => set_eq(x, y),
        (OrderedDict(x), OrderedDict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y.iter())
                    .all(|((k1, v1), (k2, v2))| py_eq(k1, k2) && py_eq(v1, v2))
        }
        (Dict(x) | OrderedDict(x), Dict(y) | OrderedDict(y)) => x.py_eq_unordered(y),
        (Slice(x), Slice(y)) => {
            py_eq(&x.start, &y.start) && py_eq(&x.stop, &y.stop) && py_eq(&x.step, &y.step)
        }
        (Array(x), Array(y)) => x == y,
        // Scalars that `as_num` does not read (float16, complex, strings): same dtype and bytes.
        (Scalar(x), Scalar(y)) => x == y,
        (Custom(x), Custom(y)) => x.name == y.name && seq_eq(&x.args, &y.args),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dict, Fraction};

    #[test]
    fn numbers_compare_like_python() {
        assert!(py_eq(&Value::Int(1), &Value::Float(1.0)));
        assert!(py_eq(&Value::Bool(true), &Value::Int(1)));
        assert!(!py_eq(&Value::Float(f64::NAN), &Value::Float(f64::NAN)));
        assert!(py_eq(
            &Value::from(Fraction::new(1, 2).unwrap()),
            &Value::Float(0.5)
        ));
        assert!(!py_eq(
            &Value::from(Fraction::new(1, 3).unwrap()),
            &Value::Float(1.0 / 3.0)
        ));
        assert!(py_eq(
            &Value::from(1u128 << 100),
            &Value::Float(2f64.powi(100))
        ));
        assert!(!py_eq(
            &Value::Int(i64::MAX),
            &Value::Float(i64::MAX as f64)
        ));
    }

    #[test]
    fn equal_values_hash_alike() {
        let hash = |v: &Value| {
            let mut h = std::hash::DefaultHasher::new();
            py_hash_into(v, &mut h);
            h.finish()
        };
        let same = [
            Value::Int(1),
            Value::Float(1.0),
            Value::Bool(true),
            Value::from(Fraction::new(2, 2).unwrap()),
            Value::Complex(num_complex::Complex64::new(1.0, 0.0)),
        ];
        for v in &same {
            assert_eq!(hash(v), hash(&same[0]), "{v:?}");
        }
        assert_eq!(
            hash(&Value::from(Fraction::new(1, 2).unwrap())),
            hash(&Value::Float(0.5))
        );
        assert_eq!(hash(&Value::Float(-0.0)), hash(&Value::Int(0)));
        assert_eq!(
            hash(&Value::from(1u128 << 80)),
            hash(&Value::Float(2f64.powi(80)))
        );
    }

    /// The shortcuts of `py_eq` and `py_hash_into` agree with the general path on every pair of
    /// a sample that crosses all the numeric types, their extremes and the edges of `i64`.
    #[test]
    fn shortcuts_agree_with_the_general_path() {
        let two63 = 9_223_372_036_854_775_808.0;
        let scalar = |dtype: &str, bytes: &[u8]| {
            Value::Scalar(Box::new(
                crate::NpScalar::new(crate::numpy::DType::parse(dtype).unwrap(), bytes.to_vec())
                    .unwrap(),
            ))
        };
        let mut sample = vec![
            Value::None,
            Value::Bool(false),
            Value::Bool(true),
            Value::Str("1".into()),
            Value::Str("".into()),
            Value::from(1u128 << 63),
            Value::from(-(1i128 << 63) - 1),
            Value::from(1u128 << 80),
            Value::from(Fraction::new(1, 2).unwrap()),
            Value::from(Fraction::new(-4, 2).unwrap()),
            Value::from(Fraction::new(7, 1).unwrap()),
            Value::Complex(num_complex::Complex64::new(-2.0, 0.0)),
            Value::Complex(num_complex::Complex64::new(1.0, 1.0)),
            scalar("<i4", &7i32.to_le_bytes()),
            scalar("<f8", &0.5f64.to_le_bytes()),
            scalar("<u8", &u64::MAX.to_le_bytes()),
        ];
        for i in [
            0,
            1,
            -1,
            -2,
            7,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
            1 << 53,
            (1 << 53) + 1,
        ] {
            sample.push(Value::Int(i));
        }
        for f in [
            0.0,
            -0.0,
            0.5,
            1.0,
            -2.0,
            7.0,
            1e300,
            -two63,
            two63,
            two63 / 2.0,
            9_007_199_254_740_992.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            2f64.powi(80),
            f64::MIN_POSITIVE,
        ] {
            sample.push(Value::Float(f));
        }
        let hash = |v: &Value| {
            let mut h = std::hash::DefaultHasher::new();
            py_hash_into(v, &mut h);
            h.finish()
        };
        for a in &sample {
            for b in &sample {
                let eq = py_eq(a, b);
                assert_eq!(eq, py_eq_general(a, b), "{a:?} == {b:?}");
                if eq {
                    assert_eq!(hash(a), hash(b), "{a:?} and {b:?} are equal");
                }
            }
        }
        // Python: -2**63 == -2.0**63, 2**63 - 1 != 2.0**63, 2**63 == 2.0**63.
        assert!(py_eq(&Value::Int(i64::MIN), &Value::Float(-two63)));
        assert!(!py_eq(&Value::Int(i64::MAX), &Value::Float(two63)));
        assert!(py_eq(&Value::from(1u128 << 63), &Value::Float(two63)));
    }

    #[test]
    fn dict_and_ordered_dict() {
        let a = Dict::from_pairs(vec![(1.into(), "a".into()), (2.into(), "b".into())]);
        let b = Dict::from_pairs(vec![(2.into(), "b".into()), (1.into(), "a".into())]);
        assert!(py_eq(
            &Value::Dict(a.clone()),
            &Value::OrderedDict(b.clone())
        ));
        assert!(!py_eq(&Value::OrderedDict(a), &Value::OrderedDict(b)));
    }
}
