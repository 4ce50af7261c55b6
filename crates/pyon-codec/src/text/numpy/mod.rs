//! numpy's `repr` of arrays and scalars (numpy 2, default print options: precision 8,
//! `floatmode='maxprec'`, line width 75, summary above 1000 elements with 3 edge items).
//!
//! This module lays arrays out (`_formatArray`: nesting, wrapping, summaries, the `dtype=`
//! suffix); [`elem`] reads and formats elements and [`float`] holds the float formatting.

mod elem;
mod float;

use elem::{Elem, Formatter, elem};
use float::python_float_text;

use super::repr::{repr, str_repr};
use crate::{ByteOrder, DType, NdArray, NpScalar, Value};

const LINE_WIDTH: isize = 75;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;

/// dtypes whose repr omits `dtype=`.
fn dtype_is_implied(d: &DType) -> bool {
    d.byte_order() != ByteOrder::Big
        && matches!(
            (d.kind(), d.itemsize()),
            ('f', 8) | ('i', 8) | ('b', 1) | ('c', 16)
        )
}

fn dtype_short_repr(d: &DType) -> String {
    let native = d.byte_order() != ByteOrder::Big || d.itemsize() == 1;
    if native && matches!(d.kind(), 'f' | 'i' | 'u' | 'c' | 'b') {
        d.name()
    } else {
        format!("'{}'", d.as_str())
    }
}

/// numpy's `repr(array)`.
pub(crate) fn array_repr(a: &NdArray) -> String {
    let d = a.dtype();
    let size = d.itemsize();
    let n = a.len();
    let shape = a.shape();
    let texts: Option<Vec<String>> = match d.kind() {
        'U' if size.is_multiple_of(4) => Some(
            a.data()
                .chunks_exact(size.max(1))
                .map(|c| {
                    let s: String = c
                        .chunks_exact(4)
                        .filter_map(|u| {
                            let b: [u8; 4] = u.try_into().ok()?;
                            let cp = if d.byte_order() == ByteOrder::Big {
                                u32::from_be_bytes(b)
                            } else {
                                u32::from_le_bytes(b)
                            };
                            char::from_u32(cp)
                        })
                        .collect();
                    str_repr(s.trim_end_matches('\0'))
                })
                .collect(),
        ),
        'S' => Some(
            a.data()
                .chunks_exact(size.max(1))
                .map(|c| {
                    let end = c.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
                    repr(&Value::Bytes(c.get(..end).unwrap_or_default().to_vec()))
                })
                .collect(),
        ),
        _ => None,
    };
    let elems: Option<Vec<Elem>> = if texts.is_some() {
        Some(Vec::new())
    } else {
        a.data()
            .chunks_exact(size.max(1))
            .map(|c| elem(d, c))
            .collect()
    };
    // numpy refuses more than 64 dimensions; the layout recursion goes one level per axis.
    let (Some(elems), true, true) = (elems, size > 0, shape.len() <= NdArray::MAX_DIMS) else {
        return fallback(a);
    };
    let summarize = n > THRESHOLD;
    let body = if n == 0 {
        "[]".to_owned()
    } else {
        let shown = shown_indices(shape, summarize);
        let formatted: Box<dyn Fn(usize) -> String> = match &texts {
            Some(t) => Box::new(move |i| t.get(i).cloned().unwrap_or_default()),
            None => {
                let sample: Vec<Elem> = shown
                    .iter()
                    .filter_map(|&i| elems.get(i))
                    .copied()
                    .collect();
                let f = Formatter::new(&sample, shape.is_empty());
                Box::new(move |i| elems.get(i).map_or_else(String::new, |&e| f.format(e)))
            }
        };
        let mut arr = ArrayPrinter {
            shape,
            summarize,
            format: formatted,
        };
        // `array2string(..., prefix="array(", suffix=")")`.
        arr.recurse(&mut Vec::new(), "       ", LINE_WIDTH - 1)
    };
    // What the text of the elements does not tell: the shape of an empty or summarised array
    // (numpy 2.2 and later), a dtype other than the default of its kind.
    let mut extras = Vec::new();
    if (n == 0 && shape != [0]) || summarize {
        let dims = shape.iter().map(|&s| Value::from(s)).collect();
        extras.push(format!("shape={}", repr(&Value::Tuple(dims))));
    }
    if !dtype_is_implied(d) || n == 0 {
        extras.push(format!("dtype={}", dtype_short_repr(d)));
    }
    if extras.is_empty() {
        return format!("array({body})");
    }
    let arr_str = format!("array({body},");
    let extra_str = format!("{})", extras.join(", "));
    let last_line = arr_str.rsplit('\n').next().unwrap_or_default();
    let too_long = last_line.chars().count() + extra_str.chars().count() + 1 > LINE_WIDTH as usize;
    let spacer = if too_long { "\n      " } else { " " };
    format!("{arr_str}{spacer}{extra_str}")
}

fn fallback(a: &NdArray) -> String {
    crate::v1::encode(&Value::Array(Box::new(a.clone()))).unwrap_or_else(|_| "array(...)".into())
}

/// Flat indices of the elements shown (all, or the edges of each axis when summarising).
fn shown_indices(shape: &[usize], summarize: bool) -> Vec<usize> {
    let mut out = vec![0usize];
    for &len in shape {
        let keep: Vec<usize> = if summarize && len > 2 * EDGE_ITEMS {
            (0..EDGE_ITEMS).chain(len - EDGE_ITEMS..len).collect()
        } else {
            (0..len).collect()
        };
        out = out
            .iter()
            .flat_map(|&base| keep.iter().map(move |&k| base * len + k))
            .collect();
    }
    out
}

struct ArrayPrinter<'a> {
    shape: &'a [usize],
    summarize: bool,
    format: Box<dyn Fn(usize) -> String + 'a>,
}

fn extend_line(s: &mut String, line: &mut String, word: &str, width: isize, prefix: &str) {
    let needs_wrap = (line.len() + word.len()) as isize > width && line.len() > prefix.len();
    if needs_wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = prefix.to_owned();
    }
    line.push_str(word);
}

impl ArrayPrinter<'_> {
    fn flat(&self, index: &[usize]) -> usize {
        index
            .iter()
            .zip(self.shape)
            .fold(0, |acc, (&i, &len)| acc * len + i)
    }

    /// numpy's `_formatArray` recursion.
    fn recurse(&mut self, index: &mut Vec<usize>, hanging: &str, width: isize) -> String {
        let axis = index.len();
        let Some(&len) = self.shape.get(axis) else {
            return (self.format)(self.flat(index));
        };
        let axes_left = self.shape.len() - axis;
        let next_hanging = format!("{hanging} ");
        let next_width = width - 1;
        let summary = self.summarize && 2 * EDGE_ITEMS < len;
        let (leading, trailing) = if summary {
            (EDGE_ITEMS, EDGE_ITEMS)
        } else {
            (0, len)
        };
        let mut item = |this: &mut Self, i: usize| {
            index.push(i);
            let r = this.recurse(index, &next_hanging, next_width);
            index.pop();
            r
        };
        let mut s = String::new();
        if axes_left == 1 {
            let elem_width = width - 1;
            let mut line = hanging.to_owned();
            for i in 0..leading {
                let word = item(self, i);
                extend_line(&mut s, &mut line, &word, elem_width, hanging);
                line.push_str(", ");
            }
            if summary {
                extend_line(&mut s, &mut line, "...", elem_width, hanging);
                line.push_str(", ");
            }
            for i in (2..=trailing).rev() {
                let word = item(self, len - i);
                extend_line(&mut s, &mut line, &word, elem_width, hanging);
                line.push_str(", ");
            }
            let word = item(self, len - 1);
            extend_line(&mut s, &mut line, &word, elem_width, hanging);
            s.push_str(&line);
        } else {
            let line_sep = format!(",{}", "\n".repeat(axes_left - 1));
            for i in 0..leading {
                let nested = item(self, i);
                s.push_str(&format!("{hanging}{nested}{line_sep}"));
            }
            if summary {
                s.push_str(&format!("{hanging}...{line_sep}"));
            }
            for i in (2..=trailing).rev() {
                let nested = item(self, len - i);
                s.push_str(&format!("{hanging}{nested}{line_sep}"));
            }
            let nested = item(self, len - 1);
            s.push_str(&format!("{hanging}{nested}"));
        }
        format!("[{}]", &s[hanging.len()..])
    }
}

/// The numpy type name of a scalar (`float64`).
pub(crate) fn scalar_type(s: &NpScalar) -> String {
    match s.dtype().kind() {
        'b' => "bool".into(),
        'U' => "str_".into(),
        'S' => "bytes_".into(),
        _ => s.dtype().name(),
    }
}

/// numpy 2's `repr` of a scalar: `np.float64(1.5)`, `np.int32(5)`, `np.True_`.
pub(crate) fn scalar_repr(s: &NpScalar) -> String {
    let name = scalar_type(s);
    match elem(s.dtype(), s.data()) {
        Some(Elem::Bool(b)) => if b { "np.True_" } else { "np.False_" }.into(),
        Some(Elem::Int(i)) => format!("np.{name}({i})"),
        Some(Elem::Float(x, width)) => format!("np.{name}({})", python_float_text(x, width)),
        Some(Elem::Complex(re, im, _)) => {
            let text = repr(&Value::Complex(num_complex::Complex64::new(re, im)));
            let inner = text
                .strip_prefix('(')
                .and_then(|t| t.strip_suffix(')'))
                .unwrap_or(&text);
            format!("np.{name}({inner})")
        }
        None => crate::v1::encode(&Value::Scalar(Box::new(s.clone())))
            .unwrap_or_else(|_| format!("np.{name}(...)")),
    }
}

#[cfg(test)]
mod tests {
    use ndarray::{Array, arr1, arr2};
    use num_complex::Complex;

    use super::*;

    fn array<T: crate::Element, D: ndarray::Dimension>(a: Array<T, D>) -> String {
        array_repr(&NdArray::from_ndarray(&a))
    }

    // The full table, written from numpy's printing rules, is in rpctool's tests, where the
    // arrays are written as expressions; these cover each dtype and the layout once.
    #[test]
    fn arrays_like_numpy() {
        assert_eq!(array(arr1(&[1.5, 10.25])), "array([ 1.5 , 10.25])");
        assert_eq!(array(arr1(&[1e-5, 1.0])), "array([1.e-05, 1.e+00])");
        assert_eq!(array(arr1(&[1i64, 10, 100])), "array([  1,  10, 100])");
        assert_eq!(array(arr1(&[1u8, 2])), "array([1, 2], dtype=uint8)");
        assert_eq!(array(arr1(&[0.1f32])), "array([0.1], dtype=float32)");
        assert_eq!(array(arr1(&[true, false])), "array([ True, False])");
        assert_eq!(
            array(arr1(&[Complex::new(1.0, 2.0), Complex::new(3.0, -4.5)])),
            "array([1.+2.j , 3.-4.5j])"
        );
        assert_eq!(
            array(arr2(&[[1.5, 2.0], [3.0, 4.0]])),
            "array([[1.5, 2. ],\n       [3. , 4. ]])"
        );
        assert_eq!(
            array(Array::from_iter(0..2000i64)),
            "array([   0,    1,    2, ..., 1997, 1998, 1999], shape=(2000,))"
        );
        assert_eq!(
            array(Array::<f64, _>::zeros((0, 3))),
            "array([], shape=(0, 3), dtype=float64)"
        );
    }

    #[test]
    fn many_dimensions_neither_recurse_deeply_nor_panic() {
        let deep = NdArray::new(
            vec![1; 64],
            DType::parse("<i8").unwrap(),
            vec![7, 0, 0, 0, 0, 0, 0, 0],
        );
        let text = array_repr(&deep.unwrap());
        assert_eq!(
            text,
            format!("array({}7{})", "[".repeat(64), "]".repeat(64))
        );
        // More than numpy allows (a hostile peer's array, built without `NdArray::new`'s check):
        // PYON v1 text, without a recursion per axis.
        let deeper = ndarray::ArrayD::<i64>::zeros(ndarray::IxDyn(&[1; 100_000]));
        let text = array_repr(&NdArray::from_ndarray(&deeper));
        assert!(text.starts_with("nparray((1, 1, "), "{}", &text[..40]);
    }

    #[test]
    fn scalars_like_numpy() {
        let cases = [
            (NpScalar::from_value(1e16f64), "np.float64(1e+16)"),
            (NpScalar::from_value(5i32), "np.int32(5)"),
            (NpScalar::from_value(true), "np.True_"),
            (NpScalar::from_value(0.1f32), "np.float32(0.1)"),
            (
                NpScalar::from_value(Complex::new(1.0f64, 2.0)),
                "np.complex128(1+2j)",
            ),
        ];
        for (s, want) in cases {
            assert_eq!(scalar_repr(&s), want);
        }
    }
}
