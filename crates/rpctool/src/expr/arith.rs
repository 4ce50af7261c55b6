//! Python's arithmetic on `int` (any size), `float` and `complex`, and on sequences (`+`, `*`).

use num_bigint::BigInt;
use num_complex::Complex64;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use pyon_codec::Value;

use crate::Error;

/// Most items or characters an operation may build (`'x' * n`, `[0] * n`).
pub const MAX_ITEMS: usize = 1 << 24;

/// Largest integer an arithmetic operation may build, in bits (`2 ** 10**7` is refused before
/// it is computed). Literals are bounded apart, by Python's own limit of 4300 digits.
pub const MAX_RESULT_BITS: u64 = 1 << 20;

#[derive(Debug, Clone)]
enum Num {
    Int(BigInt),
    Float(f64),
    Complex(Complex64),
}

fn num(v: &Value) -> Option<Num> {
    Some(match v {
        Value::Bool(b) => Num::Int(BigInt::from(*b as u8)),
        Value::Int(i) => Num::Int(BigInt::from(*i)),
        Value::BigInt(i) => Num::Int((**i).clone()),
        Value::Float(f) => Num::Float(*f),
        Value::Complex(c) => Num::Complex(*c),
        _ => return None,
    })
}

fn int_to_f64(i: &BigInt) -> Result<f64, Error> {
    match i.to_f64() {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(Error::eval(
            "OverflowError: int too large to convert to float",
        )),
    }
}

fn as_f64(n: &Num) -> Result<f64, Error> {
    match n {
        Num::Int(i) => int_to_f64(i),
        Num::Float(f) => Ok(*f),
        Num::Complex(_) => Err(Error::eval("TypeError: complex is not a float")),
    }
}

fn as_complex(n: &Num) -> Result<Complex64, Error> {
    match n {
        Num::Complex(c) => Ok(*c),
        other => Ok(Complex64::new(as_f64(other)?, 0.0)),
    }
}

fn unsupported(op: &str, a: &Value, b: &Value) -> Error {
    Error::eval(format!(
        "TypeError: unsupported operand type(s) for {op}: '{}' and '{}'",
        a.kind(),
        b.kind()
    ))
}

fn zero_division(what: &str) -> Error {
    Error::eval(format!("ZeroDivisionError: {what}"))
}

fn float_result(x: f64) -> Result<Value, Error> {
    Ok(Value::Float(x))
}

/// `-x`, `+x`, `~x`.
pub(crate) fn unary(op: &str, v: &Value) -> Result<Value, Error> {
    let bad = || {
        Error::eval(format!(
            "TypeError: bad operand type for unary {op}: '{}'",
            v.kind()
        ))
    };
    let n = num(v).ok_or_else(bad)?;
    Ok(match (op, n) {
        ("-", Num::Int(i)) => Value::from_bigint(-i),
        ("-", Num::Float(f)) => Value::Float(-f),
        ("-", Num::Complex(c)) => Value::Complex(Complex64::new(-c.re, -c.im)),
        ("+", Num::Int(i)) => Value::from_bigint(i),
        ("+", Num::Float(f)) => Value::Float(f),
        ("+", Num::Complex(c)) => Value::Complex(c),
        ("~", Num::Int(i)) => Value::from_bigint(-i - 1),
        _ => return Err(bad()),
    })
}

/// `a OP b` with Python's rules.
pub(crate) fn binary(op: &str, a: &Value, b: &Value) -> Result<Value, Error> {
    if let Some(v) = sequence_op(op, a, b)? {
        return Ok(v);
    }
    let (Some(x), Some(y)) = (num(a), num(b)) else {
        return Err(unsupported(op, a, b));
    };
    match (&x, &y) {
        (Num::Int(i), Num::Int(j)) => int_op(op, i, j),
        (Num::Complex(_), _) | (_, Num::Complex(_)) => {
            complex_op(op, as_complex(&x)?, as_complex(&y)?, a, b)
        }
        _ => float_op(op, as_f64(&x)?, as_f64(&y)?),
    }
}

fn check_bits(i: BigInt) -> Result<Value, Error> {
    if i.bits() > MAX_RESULT_BITS {
        return Err(Error::eval("integer result too large"));
    }
    Ok(Value::from_bigint(i))
}

fn int_op(op: &str, i: &BigInt, j: &BigInt) -> Result<Value, Error> {
    match op {
        "+" => check_bits(i + j),
        "-" => check_bits(i - j),
        "*" => {
            if i.bits() + j.bits() > MAX_RESULT_BITS {
                return Err(Error::eval("integer result too large"));
            }
            check_bits(i * j)
        }
        "/" => {
            if j.is_zero() {
                return Err(zero_division("division by zero"));
            }
            float_result(int_true_div(i, j)?)
        }
        "//" => {
            if j.is_zero() {
                return Err(zero_division("integer division or modulo by zero"));
            }
            check_bits(i.div_floor(j))
        }
        "%" => {
            if j.is_zero() {
                return Err(zero_division("integer modulo by zero"));
            }
            check_bits(i.mod_floor(j))
        }
        "**" => {
            if j.is_negative() {
                if i.is_zero() {
                    return Err(zero_division("0.0 cannot be raised to a negative power"));
                }
                return float_op("**", int_to_f64(i)?, int_to_f64(j)?);
            }
            let e = j.to_u64().unwrap_or(u64::MAX);
            let small = i.magnitude() <= &num_bigint::BigUint::from(1u8);
            if !small && (i.bits().saturating_mul(e) > MAX_RESULT_BITS) {
                return Err(Error::eval("integer result too large"));
            }
            if small {
                // 0, 1 and -1 to any power.
                let r = if i.is_zero() && !j.is_zero() {
                    0
                } else if i.is_negative() && j.is_odd() {
                    -1
                } else {
                    1
                };
                return Ok(Value::Int(r));
            }
            check_bits(num_traits::pow::pow(i.clone(), e as usize))
        }
        _ => Err(Error::eval(format!("unsupported operator {op}"))),
    }
}

/// `i / j` correctly rounded, as Python's int true division.
fn int_true_div(i: &BigInt, j: &BigInt) -> Result<f64, Error> {
    const EXACT: u64 = 53;
    if i.bits() <= EXACT && j.bits() <= EXACT {
        return Ok(int_to_f64(i)? / int_to_f64(j)?);
    }
    // Scale so that the quotient has 64+ significant bits, then let the conversion round once.
    let shift = (j.bits() as i64 - i.bits() as i64 + 66).max(0);
    let q = (i << shift as usize) / j;
    let f = q.to_f64().unwrap_or(f64::INFINITY) * 2f64.powi(-(shift as i32));
    if f.is_infinite() {
        return Err(Error::eval(
            "OverflowError: integer division result too large for a float",
        ));
    }
    Ok(f)
}

/// CPython's `float_divmod`.
fn float_divmod(vx: f64, wx: f64) -> (f64, f64) {
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 {
        if (wx < 0.0) != (m < 0.0) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = 0f64.copysign(wx);
    }
    let floordiv = if div != 0.0 {
        let mut f = div.floor();
        if div - f > 0.5 {
            f += 1.0;
        }
        f
    } else {
        0f64.copysign(vx / wx)
    };
    (floordiv, m)
}

fn float_op(op: &str, x: f64, y: f64) -> Result<Value, Error> {
    match op {
        "+" => float_result(x + y),
        "-" => float_result(x - y),
        "*" => float_result(x * y),
        "/" => {
            if y == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            float_result(x / y)
        }
        "//" => {
            if y == 0.0 {
                return Err(zero_division("float floor division by zero"));
            }
            float_result(float_divmod(x, y).0)
        }
        "%" => {
            if y == 0.0 {
                return Err(zero_division("float modulo"));
            }
            float_result(float_divmod(x, y).1)
        }
        "**" => {
            if x == 0.0 && y < 0.0 {
                return Err(zero_division("0.0 cannot be raised to a negative power"));
            }
            if x < 0.0 && y.is_finite() && y.fract() != 0.0 {
                // Python 3 gives a complex result here.
                return complex_pow(Complex64::new(x, 0.0), Complex64::new(y, 0.0))
                    .map(Value::Complex);
            }
            let r = x.powf(y);
            if r.is_infinite() && x.is_finite() && y.is_finite() {
                return Err(Error::eval(
                    "OverflowError: (34, 'Numerical result out of range')",
                ));
            }
            float_result(r)
        }
        _ => Err(Error::eval(format!("unsupported operator {op}"))),
    }
}

fn c_prod(a: Complex64, b: Complex64) -> Complex64 {
    Complex64::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/// CPython's `_Py_c_quot` (Smith's method).
fn c_quot(a: Complex64, b: Complex64) -> Result<Complex64, Error> {
    let (abs_re, abs_im) = (b.re.abs(), b.im.abs());
    if abs_re >= abs_im {
        if abs_re == 0.0 {
            return Err(zero_division("complex division by zero"));
        }
        let ratio = b.im / b.re;
        let denom = b.re + b.im * ratio;
        Ok(Complex64::new(
            (a.re + a.im * ratio) / denom,
            (a.im - a.re * ratio) / denom,
        ))
    } else if abs_im >= abs_re {
        let ratio = b.re / b.im;
        let denom = b.re * ratio + b.im;
        Ok(Complex64::new(
            (a.re * ratio + a.im) / denom,
            (a.im * ratio - a.re) / denom,
        ))
    } else {
        Ok(Complex64::new(f64::NAN, f64::NAN))
    }
}

/// CPython's `complex_pow`: repeated squaring for small integral exponents, polar otherwise.
fn complex_pow(a: Complex64, b: Complex64) -> Result<Complex64, Error> {
    if b.im == 0.0 && b.re == b.re.floor() && b.re.abs() <= 100.0 {
        let n = b.re as i64;
        let powu = |x: Complex64, n: i64| {
            let (mut r, mut p, mut mask) = (Complex64::new(1.0, 0.0), x, 1i64);
            while mask > 0 && n >= mask {
                if n & mask != 0 {
                    r = c_prod(r, p);
                }
                mask <<= 1;
                p = c_prod(p, p);
            }
            r
        };
        return if n > 0 {
            Ok(powu(a, n))
        } else {
            c_quot(Complex64::new(1.0, 0.0), powu(a, -n))
                .map_err(|_| zero_division("0.0 to a negative or complex power"))
        };
    }
    if b.re == 0.0 && b.im == 0.0 {
        return Ok(Complex64::new(1.0, 0.0));
    }
    if a.re == 0.0 && a.im == 0.0 {
        if b.im != 0.0 || b.re < 0.0 {
            return Err(zero_division("0.0 to a negative or complex power"));
        }
        return Ok(Complex64::new(0.0, 0.0));
    }
    let vabs = a.re.hypot(a.im);
    let mut len = vabs.powf(b.re);
    let at = a.im.atan2(a.re);
    let mut phase = at * b.re;
    if b.im != 0.0 {
        len /= (at * b.im).exp();
        phase += b.im * vabs.ln();
    }
    Ok(Complex64::new(len * phase.cos(), len * phase.sin()))
}

fn complex_op(op: &str, x: Complex64, y: Complex64, a: &Value, b: &Value) -> Result<Value, Error> {
    let c = match op {
        "+" => Complex64::new(x.re + y.re, x.im + y.im),
        "-" => Complex64::new(x.re - y.re, x.im - y.im),
        "*" => c_prod(x, y),
        "/" => c_quot(x, y)?,
        "**" => complex_pow(x, y)?,
        _ => return Err(unsupported(op, a, b)),
    };
    Ok(Value::Complex(c))
}

fn repeat_count(n: &Value) -> Option<Result<usize, Error>> {
    let i = match n {
        Value::Bool(b) => BigInt::from(*b as u8),
        Value::Int(i) => BigInt::from(*i),
        Value::BigInt(i) => (**i).clone(),
        _ => return None,
    };
    Some(if i.is_negative() {
        Ok(0)
    } else {
        i.to_usize().ok_or_else(|| {
            Error::eval("OverflowError: cannot fit 'int' into an index-sized integer")
        })
    })
}

fn check_len(n: usize) -> Result<(), Error> {
    if n > MAX_ITEMS {
        return Err(Error::eval("sequence result too large"));
    }
    Ok(())
}

/// `+` and `*` on `str`, `bytes`, `list` and `tuple`; `None` when not a sequence operation.
fn sequence_op(op: &str, a: &Value, b: &Value) -> Result<Option<Value>, Error> {
    use Value::{Bytes, Complex, Float, List, Str, Tuple};
    Ok(Some(match (op, a, b) {
        ("+", Str(x), Str(y)) => {
            check_len(x.len() + y.len())?;
            Str(format!("{x}{y}").into())
        }
        ("+", Bytes(x), Bytes(y)) => {
            check_len(x.len() + y.len())?;
            Bytes([x.as_slice(), y].concat())
        }
        ("+", List(x), List(y)) => {
            check_len(x.len() + y.len())?;
            List([x.as_slice(), y].concat())
        }
        ("+", Tuple(x), Tuple(y)) => {
            check_len(x.len() + y.len())?;
            Tuple([x.as_slice(), y].concat())
        }
        ("*", seq @ (Str(_) | Bytes(_) | List(_) | Tuple(_)), n)
        | ("*", n, seq @ (Str(_) | Bytes(_) | List(_) | Tuple(_))) => {
            let Some(count) = repeat_count(n) else {
                return match n {
                    Str(_) | Bytes(_) | List(_) | Tuple(_) | Float(_) | Complex(_) => {
                        Err(Error::eval(format!(
                            "TypeError: can't multiply sequence by non-int of type '{}'",
                            n.kind()
                        )))
                    }
                    _ => Err(unsupported(op, a, b)),
                };
            };
            let count = count?;
            let len = match seq {
                Str(s) => s.len(),
                Bytes(s) => s.len(),
                List(s) | Tuple(s) => s.len(),
                _ => 0,
            };
            check_len(len.saturating_mul(count))?;
            match seq {
                Str(s) => Str(s.repeat(count)),
                Bytes(s) => Bytes(s.repeat(count)),
                List(s) => List(repeat(s, count)),
                Tuple(s) => Tuple(repeat(s, count)),
                _ => return Ok(None),
            }
        }
        ("%", Str(_), _) => {
            return Err(Error::eval("string formatting with % is not supported"));
        }
        _ => return Ok(None),
    }))
}

fn repeat(items: &[Value], count: usize) -> Vec<Value> {
    (0..count).flat_map(|_| items.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use pyon_codec::float_repr;

    fn f(op: &str, a: impl Into<Value>, b: impl Into<Value>) -> Value {
        binary(op, &a.into(), &b.into()).unwrap()
    }

    #[test]
    fn python_semantics() {
        assert_eq!(f("+", 3 * 4, 2), Value::Int(14));
        assert_eq!(f("/", 1, 3), Value::Float(1.0 / 3.0));
        assert_eq!(f("//", -7, 2), Value::Int(-4));
        assert_eq!(f("%", -7, 2), Value::Int(1));
        assert_eq!(f("%", 7, -2), Value::Int(-1));
        assert_eq!(f("//", -7.0, 2), Value::Float(-4.0));
        assert_eq!(f("%", -7.5, 2), Value::Float(0.5));
        assert_eq!(f("%", 7.5, -2), Value::Float(-0.5));
        assert_eq!(f("**", 2, -1), Value::Float(0.5));
        assert_eq!(f("**", 2, 70).to_string_lossy(), "1180591620717411303424");
        assert_eq!(f("*", "ab", 3), Value::str("ababab"));
        assert_eq!(
            f("*", 2, Value::List(vec![1.into()])),
            Value::List(vec![1.into(), 1.into()])
        );
        assert_eq!(f("*", "ab", -1), Value::str(""));
        assert_eq!(f("+", true, 1), Value::Int(2));
        let Value::Float(x) = f("/", 10i64.pow(18) * 7, 3) else {
            panic!()
        };
        assert_eq!(float_repr(x), "2.3333333333333335e+18");
    }

    #[test]
    fn complex_semantics() {
        let j = Value::Complex(Complex64::new(0.0, 1.0));
        assert_eq!(
            f("+", 1, j.clone()),
            Value::Complex(Complex64::new(1.0, 1.0))
        );
        assert_eq!(
            f("**", j.clone(), 2),
            Value::Complex(Complex64::new(-1.0, 0.0))
        );
        assert_eq!(
            unary("-", &j).unwrap(),
            Value::Complex(Complex64::new(-0.0, -1.0))
        );
        assert!(binary("//", &j, &Value::Int(1)).is_err());
    }

    #[test]
    fn errors() {
        let cases = [
            (
                "/",
                Value::Int(1),
                Value::Int(0),
                "ZeroDivisionError: division by zero",
            ),
            (
                "%",
                Value::Float(1.0),
                Value::Float(0.0),
                "ZeroDivisionError: float modulo",
            ),
            (
                "+",
                Value::Int(1),
                Value::str("a"),
                "TypeError: unsupported operand type(s) for +: 'int' and 'str'",
            ),
            (
                "*",
                Value::str("a"),
                Value::Float(2.0),
                "TypeError: can't multiply sequence by non-int of type 'float'",
            ),
            (
                "**",
                Value::Int(2),
                Value::Int(10_000_000),
                "integer result too large",
            ),
            (
                "*",
                Value::str("a"),
                Value::Int(1 << 40),
                "sequence result too large",
            ),
        ];
        for (op, a, b, want) in cases {
            assert_eq!(binary(op, &a, &b).unwrap_err().to_string(), want);
        }
    }

    trait Lossy {
        fn to_string_lossy(&self) -> String;
    }
    impl Lossy for Value {
        fn to_string_lossy(&self) -> String {
            pyon_codec::repr(self)
        }
    }
}
