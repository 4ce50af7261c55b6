//! The elements of an array or scalar, read from its bytes, and the formatter of one array's
//! elements (numpy's `_get_format_function`): widths fitted to the elements shown.

use super::float::{FloatFormat, Width, half_to_f64};
use crate::{ByteOrder, DType};

/// One element of a known dtype.
#[derive(Debug, Clone, Copy)]
pub(super) enum Elem {
    /// A float and the width it was stored in.
    Float(f64, Width),
    Int(i128),
    Bool(bool),
    /// Real and imaginary parts, and the width of each.
    Complex(f64, f64, Width),
}

/// The bytes of one element in little-endian order (each half apart, for a complex number).
fn raw(dtype: &DType, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if dtype.byte_order() == ByteOrder::Big {
        let part = if dtype.kind() == 'c' {
            b.len() / 2
        } else {
            b.len()
        };
        for chunk in b.chunks_mut(part.max(1)) {
            chunk.reverse();
        }
    }
    b
}

fn float_from(b: &[u8]) -> Option<(f64, Width)> {
    match b.len() {
        8 => Some((f64::from_le_bytes(b.try_into().ok()?), Width::Double)),
        4 => Some((f32::from_le_bytes(b.try_into().ok()?) as f64, Width::Single)),
        2 => Some((
            half_to_f64(u16::from_le_bytes(b.try_into().ok()?)),
            Width::Half,
        )),
        _ => None,
    }
}

/// One element, or `None` for dtypes this printer does not know (the caller falls back).
pub(super) fn elem(dtype: &DType, bytes: &[u8]) -> Option<Elem> {
    let b = raw(dtype, bytes);
    Some(match dtype.kind() {
        'f' => {
            let (x, width) = float_from(&b)?;
            Elem::Float(x, width)
        }
        'c' => {
            let (re, im) = b.split_at_checked(b.len() / 2)?;
            let (re, width) = float_from(re)?;
            let (im, _) = float_from(im)?;
            Elem::Complex(re, im, width)
        }
        'b' => Elem::Bool(b.first().copied().unwrap_or(0) != 0),
        'i' | 'u' => {
            if b.len() > 8 {
                return None;
            }
            let negative = dtype.kind() == 'i' && b.last()? & 0x80 != 0;
            let mut v = [if negative { 0xff } else { 0 }; 16];
            for (to, from) in v.iter_mut().zip(&b) {
                *to = *from;
            }
            Elem::Int(i128::from_le_bytes(v))
        }
        _ => return None,
    })
}

/// The element formatter of one array, fitted to the elements shown.
pub(super) enum Formatter {
    Float(FloatFormat),
    Complex(FloatFormat, FloatFormat),
    Int(usize),
    Bool(bool),
}

impl Formatter {
    pub(super) fn new(shown: &[Elem], zero_d: bool) -> Formatter {
        match shown.first() {
            Some(Elem::Float(_, width)) => {
                let xs: Vec<f64> = shown
                    .iter()
                    .map(|e| if let Elem::Float(x, _) = e { *x } else { 0.0 })
                    .collect();
                Formatter::Float(FloatFormat::new(&xs, *width, false))
            }
            Some(Elem::Complex(_, _, width)) => {
                let (re, im): (Vec<f64>, Vec<f64>) = shown
                    .iter()
                    .map(|e| {
                        if let Elem::Complex(r, i, _) = e {
                            (*r, *i)
                        } else {
                            (0.0, 0.0)
                        }
                    })
                    .unzip();
                Formatter::Complex(
                    FloatFormat::new(&re, *width, false),
                    FloatFormat::new(&im, *width, true),
                )
            }
            Some(Elem::Int(_)) => {
                let ints = shown
                    .iter()
                    .filter_map(|e| if let Elem::Int(i) = e { Some(*i) } else { None });
                let (min, max) =
                    ints.fold((i128::MAX, i128::MIN), |(lo, hi), i| (lo.min(i), hi.max(i)));
                Formatter::Int(min.to_string().len().max(max.to_string().len()))
            }
            _ => Formatter::Bool(!zero_d),
        }
    }

    pub(super) fn format(&self, e: Elem) -> String {
        match (self, e) {
            (Formatter::Float(f), Elem::Float(x, _)) => f.format(x),
            (Formatter::Complex(r, i), Elem::Complex(re, im, _)) => {
                let re = r.format(re);
                let im = i.format(im);
                let trimmed = im.trim_end_matches(' ');
                format!("{re}{trimmed}j{}", &im[trimmed.len()..])
            }
            (Formatter::Int(w), Elem::Int(i)) => format!("{i:>w$}", w = *w),
            (Formatter::Bool(pad), Elem::Bool(b)) => match (b, pad) {
                (true, true) => " True".into(),
                (true, false) => "True".into(),
                (false, _) => "False".into(),
            },
            _ => "?".into(),
        }
    }
}
