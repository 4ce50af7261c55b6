//! The constructors that both decoders call for type-tagged values (`tuple`, `set`, `nparray`,
//! ...): the same checks whatever the syntax was.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use num_bigint::BigInt;
use num_complex::Complex64;

use crate::numpy::{DType, NdArray, NpScalar};
use crate::pyeq::PyIndex;
use crate::value::{Custom, Fraction};
use crate::{Dict, Error, Result, Value};

/// Python refuses to convert integers of more decimal digits than this from text
/// (`sys.int_info.default_max_str_digits`): in literals, `int(str)` and both PYON decoders.
pub const MAX_INT_DIGITS: usize = 4300;

/// Whether `i` has more than [`MAX_INT_DIGITS`] decimal digits, found from its size in bits
/// (and, near the limit, one comparison) without converting it to decimal, which takes time
/// that grows with the square of its length.
pub(crate) fn over_digit_limit(i: &BigInt) -> bool {
    const _: () = assert!(MAX_INT_DIGITS == 4300);
    // 2^14283 < 10^4300 < 2^14285.
    match i.bits() {
        0..=14283 => false,
        14284..=14285 => i.magnitude() >= BigInt::from(10u8).pow(4300).magnitude(),
        _ => true,
    }
}

/// Decodes canonical padded base64 (what every encoder writes), or `None` for anything else.
/// `base64-simd` validates and decodes with SIMD where the CPU has it, several times faster
/// than the `base64` crate; it is exactly as strict (padding required, no stray trailing bits),
/// so whatever it accepts decodes the same as Python's `b64decode` would.
pub(crate) fn b64decode_strict(text: &[u8]) -> Option<Vec<u8>> {
    base64_simd::STANDARD.decode_to_vec(text).ok()
}

/// Unused capacity from which a vector decoded in place is shrunk to its data.
const SHRINK_FROM: usize = 4096;

/// [`b64decode`] of text in a vector of its own (a v1 bytes literal), decoded within that vector
/// when it is canonical: the base64 text of a large array is then never held beside its data.
pub(crate) fn b64decode_owned(mut text: Vec<u8>) -> Result<Vec<u8>> {
    // Checked first: decoding in place overwrites the text as it goes, and malformed text
    // must stay whole for the lenient decoding below.
    if base64_simd::STANDARD.check(&text).is_ok()
        && let Ok(n) = base64_simd::STANDARD
            .decode_inplace(&mut text)
            .map(|d| d.len())
    {
        text.truncate(n);
        // The text is 4/3 of the data: give a large array's slack back (a shrinking realloc,
        // which copies nothing); a small one keeps its few bytes.
        if text.capacity() - n >= SHRINK_FROM {
            text.shrink_to_fit();
        }
        return Ok(text);
    }
    b64decode(&text)
}

/// The base64 argument `v` decoded, taking it when it is a bytes literal (see
/// [`b64decode_owned`]).
fn b64decode_arg(v: &mut Value) -> Result<Vec<u8>> {
    match v {
        Value::Bytes(b) => b64decode_owned(std::mem::take(b)),
        other => b64decode(data_arg(other)?),
    }
}

/// Decodes base64 as Python's `base64.b64decode` does: standard alphabet; on malformed input,
/// characters outside the alphabet are discarded and padding is not required.
pub(crate) fn b64decode(text: &[u8]) -> Result<Vec<u8>> {
    if let Some(v) = b64decode_strict(text) {
        return Ok(v);
    }
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let filtered: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .collect();
    LENIENT
        .decode(&filtered)
        .map_err(|e| Error::data(format!("invalid base64: {e}")))
}

fn to_int(v: &Value, what: &str) -> Result<BigInt> {
    match v {
        Value::Int(i) => Ok(BigInt::from(*i)),
        Value::BigInt(i) => Ok((**i).clone()),
        Value::Bool(b) => Ok(BigInt::from(*b as i64)),
        other => Err(Error::data(format!(
            "{what} must be an int, not {}",
            other.kind()
        ))),
    }
}

fn to_float(v: &Value, what: &str) -> Result<f64> {
    match v {
        Value::Float(_) | Value::Int(_) | Value::BigInt(_) | Value::Bool(_) => v
            .as_f64()
            .ok_or_else(|| Error::data(format!("{what} too large"))),
        other => Err(Error::data(format!(
            "{what} must be a number, not {}",
            other.kind()
        ))),
    }
}

fn arity(name: &str, args: &[Value], min: usize, max: usize) -> Result<()> {
    if args.len() < min || args.len() > max {
        return Err(Error::data(format!(
            "{name} takes {} arguments, got {}",
            if min == max {
                min.to_string()
            } else {
                format!("{min} to {max}")
            },
            args.len()
        )));
    }
    Ok(())
}

fn items(v: Value, what: &str) -> Result<Vec<Value>> {
    match v {
        Value::List(v) | Value::Tuple(v) => Ok(v),
        other => Err(Error::data(format!(
            "{what} needs a list, not {}",
            other.kind()
        ))),
    }
}

/// `set(items)`: unhashable elements are refused, duplicates (Python `==`) dropped, in linear
/// time (a hostile set of many elements must not cost quadratic time). The elements kept are
/// moved to the front of `elems` itself, which becomes the set: no second vector.
pub(crate) fn make_set(mut elems: Vec<Value>) -> Result<Value> {
    // Small sets (most of them) compare pairwise with Python `==`, with no hash table to build.
    let mut index = (elems.len() > 8).then(|| PyIndex::with_capacity(elems.len()));
    let mut kept = 0;
    for i in 0..elems.len() {
        let (front, rest) = elems.split_at(i);
        let Some(e) = rest.first() else { break };
        if !e.is_hashable() {
            return Err(Error::data(format!("unhashable type: '{}'", e.kind())));
        }
        let front = front.get(..kept).unwrap_or_default();
        let seen = match index.as_mut() {
            Some(index) => index.find_or_insert(e, front, |v| v, kept).is_some(),
            None => front.iter().any(|o| crate::pyeq::py_eq(o, e)),
        };
        if !seen {
            elems.swap(kept, i);
            kept += 1;
        }
    }
    elems.truncate(kept);
    Ok(Value::Set(elems))
}

/// `dict(pairs)` from a list of 2-item lists or tuples.
pub(crate) fn make_dict(pairs: Vec<Value>) -> Result<Dict> {
    let mut entries = Vec::with_capacity(pairs.len());
    for p in pairs {
        let kv = items(p, "a dict entry")?;
        let [k, v]: [Value; 2] = kv
            .try_into()
            .map_err(|_| Error::data("a dict entry needs exactly 2 items"))?;
        if !k.is_hashable() {
            return Err(Error::data(format!("unhashable type: '{}'", k.kind())));
        }
        entries.push((k, v));
    }
    Ok(Dict::from_decoded_pairs(entries))
}

/// `complex(re[, im])`.
pub(crate) fn make_complex(args: &[Value]) -> Result<Value> {
    arity("complex", args, 1, 2)?;
    let (re, im) = match args {
        [re] => (re, None),
        [re, im, ..] => (re, Some(im)),
        [] => return Err(Error::data("complex takes 1 to 2 arguments, got 0")),
    };
    let re = to_float(re, "complex real part")?;
    let im = match im {
        Some(v) => to_float(v, "complex imaginary part")?,
        None => 0.0,
    };
    Ok(Value::Complex(Complex64::new(re, im)))
}

/// `OrderedDict()`, `OrderedDict([(k, v), ...])` or `OrderedDict(a_dict)`, taking the argument.
pub(crate) fn make_ordered_dict(args: &mut [Value]) -> Result<Value> {
    match args {
        [] => Ok(Value::OrderedDict(Dict::new())),
        [arg] => match std::mem::take(arg) {
            Value::List(pairs) | Value::Tuple(pairs) => make_dict(pairs).map(Value::OrderedDict),
            Value::Dict(d) | Value::OrderedDict(d) => Ok(Value::OrderedDict(d)),
            other => Err(Error::data(format!(
                "OrderedDict needs a list of pairs, not {}",
                other.kind()
            ))),
        },
        _ => Err(Error::data(format!(
            "OrderedDict takes at most 1 argument, got {}",
            args.len()
        ))),
    }
}

/// `slice(stop)` or `slice(start, stop[, step])`, taking the arguments.
pub(crate) fn make_slice(args: &mut [Value]) -> Result<Value> {
    arity("slice", args, 1, 3)?;
    Ok(match args {
        [stop] => Value::slice(Value::None, std::mem::take(stop), Value::None),
        [start, stop] => Value::slice(std::mem::take(start), std::mem::take(stop), Value::None),
        [start, stop, step] => Value::slice(
            std::mem::take(start),
            std::mem::take(stop),
            std::mem::take(step),
        ),
        _ => return Err(Error::data("slice takes 1 to 3 arguments")),
    })
}

/// `Fraction(numerator, denominator)`.
pub(crate) fn make_fraction(args: &[Value]) -> Result<Value> {
    arity("Fraction", args, 1, 2)?;
    if let [Value::Int(n), Value::Int(d)] = args {
        return Fraction::from_i64(*n, *d)
            .map(Value::from)
            .ok_or_else(|| Error::data("Fraction with a zero denominator"));
    }
    let Some(n) = args.first() else {
        return Err(Error::data("Fraction takes 1 to 2 arguments, got 0"));
    };
    let n = to_int(n, "Fraction numerator")?;
    let d = match args.get(1) {
        Some(v) => to_int(v, "Fraction denominator")?,
        None => BigInt::from(1),
    };
    Fraction::new(n, d)
        .map(Value::from)
        .ok_or_else(|| Error::data("Fraction with a zero denominator"))
}

fn dtype_arg(v: &Value) -> Result<DType> {
    let s = v
        .as_str()
        .ok_or_else(|| Error::data("a dtype must be a str"))?;
    DType::parse(s).map_err(Error::data)
}

fn data_arg(v: &Value) -> Result<&[u8]> {
    match v {
        Value::Str(s) => Ok(s.as_bytes()),
        Value::Bytes(b) => Ok(b),
        other => Err(Error::data(format!(
            "array data must be base64 text, not {}",
            other.kind()
        ))),
    }
}

/// `nparray(shape, dtype, base64)`. Only the decoded data is allocated (at most 3/4 of the input
/// text), never the size the shape claims; the two must then agree. The shape list is taken
/// from `args`.
pub(crate) fn make_nparray(args: &mut [Value]) -> Result<Value> {
    make_nparray_with(args, None)
}

/// `nparray(shape, dtype, base64)` where the base64 argument may already be decoded (`data`,
/// see [`from_jsonclass`]); every other check is made as usual, in the same order.
fn make_nparray_with(args: &mut [Value], data: Option<Vec<u8>>) -> Result<Value> {
    arity("nparray", args, 3, 3)?;
    let [shape, dtype, text] = args else {
        return Err(Error::data("nparray takes 3 arguments"));
    };
    if shape.as_seq().is_none() && shape.as_i64().is_none() {
        return Err(Error::data("an array shape must be a list of ints"));
    }
    let dtype = dtype_arg(dtype)?;
    data_arg(text)?;
    let dim = |d: Value| {
        let d = d
            .as_i64()
            .filter(|&d| d >= 0)
            .ok_or_else(|| Error::data("an array dimension must be a non-negative int"))?;
        usize::try_from(d).map_err(|_| Error::data("array dimension too large"))
    };
    // The list of dimensions becomes the shape in its own allocation (collected in place): a
    // decoded array costs no vector for its shape.
    let shape = match shape {
        Value::List(dims) | Value::Tuple(dims) => std::mem::take(dims)
            .into_iter()
            .map(dim)
            .collect::<Result<Vec<usize>>>()?,
        one => vec![dim(std::mem::take(one))?],
    };
    let data = match data {
        Some(d) => d,
        None => b64decode_arg(text)?,
    };
    NdArray::new(shape, dtype, data).map(Value::from)
}

/// `npscalar(dtype, base64)`: numpy takes the first item of the buffer.
pub(crate) fn make_npscalar(args: &mut [Value]) -> Result<Value> {
    arity("npscalar", args, 2, 2)?;
    let [dtype, data] = args else {
        return Err(Error::data("npscalar takes 2 arguments"));
    };
    let dtype = dtype_arg(dtype)?;
    let mut data = b64decode_arg(data)?;
    if data.len() < dtype.itemsize() || dtype.itemsize() == 0 {
        return Err(Error::data(format!(
            "scalar of dtype {dtype} needs {} bytes, got {}",
            dtype.itemsize(),
            data.len()
        )));
    }
    data.truncate(dtype.itemsize());
    NpScalar::new(dtype, data).map(|s| Value::Scalar(Box::new(s)))
}

/// A registered custom type, or an error naming the unknown type.
pub(crate) fn make_custom(name: &str, args: Vec<Value>) -> Result<Value> {
    crate::registry::check(name, &args)?;
    Ok(Value::Custom(Box::new(Custom {
        name: name.to_owned(),
        args,
    })))
}

/// Whether `name` is a type that [`from_jsonclass`] builds itself (not a registered one).
pub(crate) fn is_builtin(name: &str) -> bool {
    matches!(
        name,
        "tuple"
            | "set"
            | "dict"
            | "OrderedDict"
            | "complex"
            | "bytes"
            | "slice"
            | "Fraction"
            | "nparray"
            | "npscalar"
    )
}

/// Builds the value of `{"__jsonclass__": [name, args]}`. `decoded` is the base64 argument of
/// `nparray` or `bytes` decoded already, when the parser could do so straight from its input
/// (the argument itself is then a placeholder); it is `None` for any other name.
pub(crate) fn from_jsonclass(
    name: &str,
    mut args: Vec<Value>,
    decoded: Option<Vec<u8>>,
) -> Result<Value> {
    match name {
        "tuple" | "set" | "dict" | "OrderedDict" | "bytes" => {
            arity(name, &args, 1, 1)?;
            from_one_arg(name, args.pop().unwrap_or_default(), decoded)
        }
        "complex" => make_complex(&args),
        "slice" => make_slice(&mut args),
        "Fraction" => make_fraction(&args),
        "nparray" => make_nparray_with(&mut args, decoded),
        "npscalar" => make_npscalar(&mut args),
        _ => make_custom(name, args),
    }
}

/// [`from_jsonclass`] for the types of one argument (`tuple`, `set`, `dict`, `OrderedDict`,
/// `bytes`), given that argument.
fn from_one_arg(name: &str, arg: Value, decoded: Option<Vec<u8>>) -> Result<Value> {
    match name {
        "tuple" => Ok(Value::Tuple(items(arg, "tuple")?)),
        "set" => make_set(items(arg, "set")?),
        "dict" => Ok(Value::Dict(make_dict(items(arg, "dict")?)?)),
        "OrderedDict" => Ok(Value::OrderedDict(make_dict(items(arg, "OrderedDict")?)?)),
        "bytes" => match arg {
            Value::Str(_) if decoded.is_some() => Ok(Value::Bytes(decoded.unwrap_or_default())),
            Value::Str(s) => Ok(Value::Bytes(b64decode(s.as_bytes())?)),
            other => Err(Error::data(format!(
                "bytes needs base64 text, not {}",
                other.kind()
            ))),
        },
        _ => make_custom(name, vec![arg]),
    }
}

/// [`from_jsonclass`] with the arguments on top of a decoder's scratch stack, which it may
/// take from (the caller drops what is left): the same value or error, without gathering the
/// arguments of a built-in type into a vector of their own.
pub(crate) fn from_jsonclass_on(
    name: &str,
    args: &mut [Value],
    decoded: Option<Vec<u8>>,
) -> Result<Value> {
    match name {
        "tuple" | "set" | "dict" | "OrderedDict" | "bytes" if args.len() == 1 => {
            let arg = args.first_mut().map(std::mem::take).unwrap_or_default();
            from_one_arg(name, arg, decoded)
        }
        "complex" => make_complex(args),
        "slice" => make_slice(args),
        "Fraction" => make_fraction(args),
        "nparray" => make_nparray_with(args, decoded),
        "npscalar" => make_npscalar(args),
        _ => from_jsonclass(name, args.iter_mut().map(std::mem::take).collect(), decoded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(v: &[i64]) -> Vec<Value> {
        v.iter().map(|&i| Value::Int(i)).collect()
    }

    /// Sets keep the first of each group of Python-equal elements, in order, below and above
    /// the size where a hash index takes over, reusing the vector they were given.
    #[test]
    fn set_keeps_first_of_equals_in_place() {
        let small = vec![
            Value::Int(3),
            Value::Float(3.0),
            Value::Int(1),
            Value::Bool(true),
            Value::Int(2),
            Value::Int(3),
        ];
        assert_eq!(make_set(small).unwrap(), Value::Set(ints(&[3, 1, 2])));
        let mut big: Vec<Value> = (0..40).map(|i| Value::Int(i % 13)).collect();
        big.push(Value::Float(5.0));
        big.insert(0, Value::Bool(false));
        let mut want = vec![Value::Bool(false)];
        want.extend((1..13).map(Value::Int));
        assert_eq!(make_set(big).unwrap(), Value::Set(want));
        let elems = ints(&[1, 1, 2]);
        let at = elems.as_ptr();
        let Value::Set(kept) = make_set(elems).unwrap() else {
            panic!("a set")
        };
        assert_eq!(kept.as_ptr(), at);
        for n in [3, 20] {
            let mut elems = ints(&(0..n).collect::<Vec<_>>());
            elems.push(Value::List(vec![]));
            elems.push(Value::Dict(Dict::new()));
            let e = make_set(elems).unwrap_err();
            assert_eq!(e.to_string(), "unhashable type: 'list'");
        }
    }

    #[test]
    fn slice_takes_one_to_three_arguments() {
        let i = Value::Int;
        assert_eq!(
            make_slice(&mut [i(4)]).unwrap(),
            Value::slice(Value::None, i(4), Value::None)
        );
        assert_eq!(
            make_slice(&mut [i(1), i(4)]).unwrap(),
            Value::slice(i(1), i(4), Value::None)
        );
        assert_eq!(
            make_slice(&mut [i(1), i(4), i(2)]).unwrap(),
            Value::slice(i(1), i(4), i(2))
        );
        for args in [vec![], ints(&[1, 2, 3, 4])] {
            let e = make_slice(&mut args.clone()).unwrap_err();
            let want = format!("slice takes 1 to 3 arguments, got {}", args.len());
            assert_eq!(e.to_string(), want);
        }
    }

    /// `dict(pairs)`: a repeated key keeps its first place and its last value, whatever the
    /// key types.
    #[test]
    fn dict_from_pairs_keeps_first_place_last_value() {
        let pair = |k: Value, v: i64| Value::List(vec![k, Value::Int(v)]);
        let pairs = vec![
            pair(Value::from("a"), 1),
            pair(Value::Int(1), 2),
            pair(Value::from("a"), 3),
            pair(Value::Float(1.0), 4),
        ];
        let d = make_dict(pairs).unwrap();
        let got: Vec<_> = d.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        assert_eq!(
            got,
            vec![
                (Value::from("a"), Value::Int(3)),
                (Value::Int(1), Value::Int(4))
            ]
        );
        let e = make_dict(vec![Value::List(ints(&[1]))]).unwrap_err();
        assert_eq!(e.to_string(), "a dict entry needs exactly 2 items");
    }
}
