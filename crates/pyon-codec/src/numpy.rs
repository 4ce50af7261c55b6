//! numpy arrays and scalars: dtype strings, raw C-order bytes, and `ndarray` conversions.

use ndarray::{ArrayBase, ArrayD, Data, Dimension, IxDyn};
use num_complex::Complex;

use crate::Error;

/// A numpy dtype as its `dtype.str`: byte order, kind and item size (`<f8`, `|u1`, `<U2`, `>f8`,
/// `<M8[ns]`). The text is kept as received so that any dtype round-trips untouched.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DType {
    /// Inline (no allocation): a dtype string is a few bytes.
    text: crate::PyStr,
    kind: u8,
    itemsize: usize,
}

/// Byte order of a dtype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    /// `<`
    Little,
    /// `>`
    Big,
    /// `|` or `=`: not applicable or native.
    NotApplicable,
}

impl DType {
    /// Parses a numpy `dtype.str`. The object dtype (`|O`) is refused: it has no byte layout.
    pub fn parse(text: &str) -> Result<DType, String> {
        let b = text.as_bytes();
        let mut i = 0;
        if matches!(b.first(), Some(b'<' | b'>' | b'|' | b'=')) {
            i = 1;
        }
        let kind = *b
            .get(i)
            .ok_or_else(|| format!("dtype {text:?}: missing kind"))?;
        if !b"biufcmMUSVa".contains(&kind) {
            return Err(format!("dtype {text:?}: unsupported kind"));
        }
        i += 1;
        let digits_end = b
            .get(i..)
            .unwrap_or_default()
            .iter()
            .position(|c| !c.is_ascii_digit())
            .map_or(b.len(), |p| i + p);
        if digits_end == i || digits_end - i > 9 {
            return Err(format!("dtype {text:?}: missing or bad item size"));
        }
        let n: usize = text[i..digits_end]
            .parse()
            .map_err(|_| format!("dtype {text:?}: bad item size"))?;
        let rest = &text[digits_end..];
        if !(rest.is_empty()
            || (matches!(kind, b'm' | b'M')
                && rest.starts_with('[')
                && rest.ends_with(']')
                && rest[1..rest.len() - 1]
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric())))
        {
            return Err(format!("dtype {text:?}: unexpected {rest:?}"));
        }
        let itemsize = if kind == b'U' { n * 4 } else { n };
        if itemsize == 0 && !matches!(kind, b'U' | b'S' | b'V' | b'a') {
            return Err(format!("dtype {text:?}: zero item size"));
        }
        Ok(DType {
            text: text.into(),
            kind,
            itemsize,
        })
    }

    /// The dtype string, as numpy's `dtype.str`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The kind character: `b` bool, `i` signed, `u` unsigned, `f` float, `c` complex, `U`, `S`, ...
    pub fn kind(&self) -> char {
        self.kind as char
    }

    /// Bytes per element.
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// numpy's name of the dtype, as its `repr` and error messages write it: `float32`,
    /// `int64`, `uint8`, `complex128`, `bool`; other kinds as their quoted dtype string (`'<U2'`).
    pub fn name(&self) -> String {
        let bits = self.itemsize * 8;
        match self.kind() {
            'f' => format!("float{bits}"),
            'i' => format!("int{bits}"),
            'u' => format!("uint{bits}"),
            'c' => format!("complex{bits}"),
            'b' => "bool".into(),
            _ => format!("'{}'", self.text),
        }
    }

    /// The byte order.
    pub fn byte_order(&self) -> ByteOrder {
        match self.text.as_bytes().first() {
            Some(b'<') => ByteOrder::Little,
            Some(b'>') => ByteOrder::Big,
            _ => ByteOrder::NotApplicable,
        }
    }

    /// Whether elements are stored big-endian.
    fn is_big_endian(&self) -> bool {
        self.byte_order() == ByteOrder::Big && self.itemsize > 1
    }
}

impl std::fmt::Display for DType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A numpy array: shape, dtype and the raw bytes of the elements in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct NdArray {
    shape: Vec<usize>,
    dtype: DType,
    data: Vec<u8>,
}

impl NdArray {
    /// The most dimensions an array may have: numpy's `NPY_MAXDIMS` (Python's decoder refuses
    /// more, in `reshape`).
    pub const MAX_DIMS: usize = 64;

    /// Builds an array from its parts; at most [`NdArray::MAX_DIMS`] dimensions, and the data
    /// length must be the product of the shape times the item size (checked without overflow).
    pub fn new(shape: Vec<usize>, dtype: DType, data: Vec<u8>) -> Result<NdArray, Error> {
        if shape.len() > NdArray::MAX_DIMS {
            return Err(Error::data(format!(
                "maximum supported dimension for an ndarray is currently {}, found {}",
                NdArray::MAX_DIMS,
                shape.len()
            )));
        }
        let expected = expected_len(&shape, dtype.itemsize)
            .ok_or_else(|| Error::data(format!("array shape {shape:?} is too large")))?;
        if expected != data.len() {
            return Err(Error::data(format!(
                "array of shape {shape:?} and dtype {dtype} needs {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(NdArray { shape, dtype, data })
    }

    /// The shape (empty for a zero-dimensional array).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The dtype.
    pub fn dtype(&self) -> &DType {
        &self.dtype
    }

    /// The raw element bytes in C order.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// `true` when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes the parts back.
    pub fn into_parts(self) -> (Vec<usize>, DType, Vec<u8>) {
        (self.shape, self.dtype, self.data)
    }

    /// Converts to an `ndarray` array of `T`; the dtype must be `T`'s (any byte order).
    pub fn to_ndarray<T: Element>(&self) -> Result<ArrayD<T>, Error> {
        check_dtype::<T>(&self.dtype)?;
        let big = self.dtype.is_big_endian();
        let items: Vec<T> = self
            .data
            .chunks_exact(T::SIZE)
            .map(|c| T::from_bytes(c, big))
            .collect();
        ArrayD::from_shape_vec(IxDyn(&self.shape), items).map_err(|e| Error::data(e.to_string()))
    }

    /// Builds a little-endian array from any `ndarray` array; Fortran-order or strided input is
    /// written in C order, as numpy's PYON encoder does.
    pub fn from_ndarray<T: Element, S: Data<Elem = T>, D: Dimension>(
        a: &ArrayBase<S, D>,
    ) -> NdArray {
        let mut data = Vec::with_capacity(a.len() * T::SIZE);
        match a.as_slice() {
            Some(s) => T::extend_le(&mut data, s),
            None => a.iter().for_each(|x| x.push_le(&mut data)),
        }
        NdArray {
            shape: a.shape().to_vec(),
            dtype: T::dtype(),
            data,
        }
    }
}

fn expected_len(shape: &[usize], itemsize: usize) -> Option<usize> {
    shape
        .iter()
        .try_fold(itemsize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize)
}

fn check_dtype<T: Element>(dtype: &DType) -> Result<(), Error> {
    if holds::<T>(dtype) {
        Ok(())
    } else {
        Err(Error::data(format!(
            "dtype {dtype} does not hold {}",
            std::any::type_name::<T>()
        )))
    }
}

/// Whether elements of `dtype` are `T`s.
fn holds<T: Element>(dtype: &DType) -> bool {
    dtype.kind() == T::KIND && dtype.itemsize() == T::SIZE
}

/// A numpy scalar (`numpy.float32(1.5)`): dtype and the raw bytes of one element.
#[derive(Debug, Clone, PartialEq)]
pub struct NpScalar {
    dtype: DType,
    data: Vec<u8>,
}

impl NpScalar {
    /// Builds a scalar; `data` must be exactly one item of `dtype`.
    pub fn new(dtype: DType, data: Vec<u8>) -> Result<NpScalar, Error> {
        if data.len() != dtype.itemsize() {
            return Err(Error::data(format!(
                "scalar of dtype {dtype} needs {} bytes, got {}",
                dtype.itemsize(),
                data.len()
            )));
        }
        Ok(NpScalar { dtype, data })
    }

    /// A scalar of a Rust element type, little-endian.
    pub fn from_value<T: Element>(x: T) -> NpScalar {
        let mut data = Vec::with_capacity(T::SIZE);
        x.push_le(&mut data);
        NpScalar {
            dtype: T::dtype(),
            data,
        }
    }

    /// The dtype.
    pub fn dtype(&self) -> &DType {
        &self.dtype
    }

    /// The raw bytes.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// The scalar as `T`, when the dtype is `T`'s.
    pub fn get<T: Element>(&self) -> Result<T, Error> {
        check_dtype::<T>(&self.dtype)?;
        Ok(T::from_bytes(&self.data, self.dtype.is_big_endian()))
    }

    /// A `float64` scalar's value (numpy's `float64` is a Python `float`).
    pub(crate) fn as_f64(&self) -> Option<f64> {
        // Checked here rather than through `get`, whose error (a message) would be made and
        // dropped for every other scalar an encoder writes.
        holds::<f64>(&self.dtype).then(|| f64::from_bytes(&self.data, self.dtype.is_big_endian()))
    }
}

/// An element type with a fixed numpy dtype: `bool`, `i8`..`i64`, `u8`..`u64`, `f32`, `f64`,
/// `Complex<f32>`, `Complex<f64>`.
pub trait Element: Copy + 'static {
    /// numpy kind character.
    const KIND: char;
    /// Bytes per element.
    const SIZE: usize;
    /// The little-endian dtype (`|` for one-byte types, as numpy writes it).
    fn dtype() -> DType {
        let order = if Self::SIZE == 1 { '|' } else { '<' };
        DType {
            text: compact_str::format_compact!("{order}{}{}", Self::KIND, Self::SIZE),
            kind: Self::KIND as u8,
            itemsize: Self::SIZE,
        }
    }
    /// Reads one element from `SIZE` bytes.
    fn from_bytes(b: &[u8], big_endian: bool) -> Self;
    /// Appends the little-endian bytes of one element.
    fn push_le(&self, out: &mut Vec<u8>);
    /// Appends the little-endian bytes of many elements.
    fn extend_le(out: &mut Vec<u8>, items: &[Self]) {
        for x in items {
            x.push_le(out);
        }
    }
}

macro_rules! element_num {
    ($($t:ty => $kind:expr),*) => {$(
        impl Element for $t {
            const KIND: char = $kind;
            const SIZE: usize = std::mem::size_of::<$t>();
            fn from_bytes(b: &[u8], big_endian: bool) -> Self {
                // Callers pass chunks of exactly `SIZE` bytes; a short one reads as zero.
                let a: [u8; std::mem::size_of::<$t>()] = b
                    .get(..Self::SIZE)
                    .and_then(|b| b.try_into().ok())
                    .unwrap_or_default();
                if big_endian { <$t>::from_be_bytes(a) } else { <$t>::from_le_bytes(a) }
            }
            fn push_le(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
element_num!(i8 => 'i', i16 => 'i', i32 => 'i', i64 => 'i', u8 => 'u', u16 => 'u', u32 => 'u',
             u64 => 'u', f32 => 'f', f64 => 'f');

impl Element for bool {
    const KIND: char = 'b';
    const SIZE: usize = 1;
    fn from_bytes(b: &[u8], _: bool) -> Self {
        b.first().is_some_and(|&b| b != 0)
    }
    fn push_le(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
}

macro_rules! element_complex {
    ($($t:ty),*) => {$(
        impl Element for Complex<$t> {
            const KIND: char = 'c';
            const SIZE: usize = 2 * std::mem::size_of::<$t>();
            fn from_bytes(b: &[u8], big_endian: bool) -> Self {
                let half = Self::SIZE / 2;
                Complex::new(
                    <$t>::from_bytes(b.get(..half).unwrap_or_default(), big_endian),
                    <$t>::from_bytes(b.get(half..Self::SIZE).unwrap_or_default(), big_endian),
                )
            }
            fn push_le(&self, out: &mut Vec<u8>) {
                self.re.push_le(out);
                self.im.push_le(out);
            }
        }
    )*};
}
element_complex!(f32, f64);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, ShapeBuilder};

    #[test]
    fn dtype_parse() {
        assert_eq!(DType::parse("<f8").unwrap().itemsize(), 8);
        assert_eq!(DType::parse("<U2").unwrap().itemsize(), 8);
        assert_eq!(DType::parse("|S2").unwrap().itemsize(), 2);
        assert_eq!(DType::parse("<M8[ns]").unwrap().itemsize(), 8);
        assert_eq!(DType::parse("<c16").unwrap().kind(), 'c');
        for bad in ["", "<", "<f", "|O8", "<f8x", "<f99999999999", "<M8[n s]"] {
            assert!(DType::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fortran_order_becomes_c_order() {
        let f = Array2::from_shape_vec((2, 3).f(), vec![0i64, 3, 1, 4, 2, 5]).unwrap();
        let a = NdArray::from_ndarray(&f);
        let back = a.to_ndarray::<i64>().unwrap();
        assert_eq!(back.as_slice().unwrap(), &[0, 1, 2, 3, 4, 5]);
        assert_eq!(a.shape(), &[2, 3]);
        assert_eq!(a.dtype().as_str(), "<i8");
    }

    #[test]
    fn big_endian_reads() {
        let a = NdArray::new(
            vec![2],
            DType::parse(">f8").unwrap(),
            [1.0f64.to_be_bytes(), 2.0f64.to_be_bytes()].concat(),
        )
        .unwrap();
        assert_eq!(
            a.to_ndarray::<f64>().unwrap().as_slice().unwrap(),
            &[1.0, 2.0]
        );
        assert!(a.to_ndarray::<f32>().is_err());
    }

    #[test]
    fn shape_overflow_is_an_error_not_an_allocation() {
        let dt = DType::parse("<f8").unwrap();
        assert!(NdArray::new(vec![1_000_000_000_000], dt.clone(), vec![]).is_err());
        assert!(NdArray::new(vec![usize::MAX, 2], dt.clone(), vec![]).is_err());
    }

    #[test]
    fn more_dimensions_than_numpy_are_refused() {
        let dt = DType::parse("<i1").unwrap();
        assert!(NdArray::new(vec![1; 64], dt.clone(), vec![0]).is_ok());
        let e = NdArray::new(vec![1; 65], dt, vec![0]).unwrap_err();
        assert_eq!(
            e.message(),
            "maximum supported dimension for an ndarray is currently 64, found 65"
        );
        let text = format!("nparray(({}), '<i1', b'AA==')", "1, ".repeat(65));
        assert!(crate::v1::decode(&text).is_err());
    }
}
