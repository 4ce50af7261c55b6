//! numpy's `repr` of arrays and scalars (numpy 2, default print options: precision 8,
//! `floatmode='maxprec'`, line width 75, summary above 1000 elements with 3 edge items).

use pyon_codec::{ByteOrder, DType, NdArray, NpScalar, Value, float_repr};

use crate::pprint::{repr, str_repr};

const LINE_WIDTH: isize = 75;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const PRECISION: usize = 8;

#[derive(Debug, Clone, Copy)]
enum Elem {
    Float(f64, bool),
    Int(i128),
    Bool(bool),
    Complex(f64, f64, bool),
}

fn raw(dtype: &DType, bytes: &[u8]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    if dtype.byte_order() == ByteOrder::Big {
        if dtype.kind() == 'c' {
            let half = b.len() / 2;
            b[..half].reverse();
            b[half..].reverse();
        } else {
            b.reverse();
        }
    }
    b
}

fn float_from(b: &[u8]) -> Option<(f64, bool)> {
    match b.len() {
        8 => Some((f64::from_le_bytes(b.try_into().ok()?), false)),
        4 => Some((f32::from_le_bytes(b.try_into().ok()?) as f64, true)),
        _ => None,
    }
}

/// One element, or `None` for dtypes this printer does not know (the caller falls back).
fn elem(dtype: &DType, bytes: &[u8]) -> Option<Elem> {
    let b = raw(dtype, bytes);
    Some(match dtype.kind() {
        'f' => {
            let (x, single) = float_from(&b)?;
            Elem::Float(x, single)
        }
        'c' => {
            let half = b.len() / 2;
            let (re, single) = float_from(&b[..half])?;
            let (im, _) = float_from(&b[half..])?;
            Elem::Complex(re, im, single)
        }
        'b' => Elem::Bool(b.first().copied().unwrap_or(0) != 0),
        'i' | 'u' => {
            if b.len() > 8 || b.is_empty() {
                return None;
            }
            let negative = dtype.kind() == 'i' && b[b.len() - 1] & 0x80 != 0;
            let mut v = [if negative { 0xff } else { 0 }; 16];
            v[..b.len()].copy_from_slice(&b);
            Elem::Int(i128::from_le_bytes(v))
        }
        _ => return None,
    })
}

/// Shortest round-trip digits of `|x|` (finite) and the decimal exponent of the first digit.
fn shortest(x: f64, single: bool) -> (String, i32) {
    let s = if single {
        format!("{:e}", (x as f32).abs())
    } else {
        format!("{:e}", x.abs())
    };
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    (mant.replace('.', ""), exp.parse().unwrap_or(0))
}

/// dragon4 positional, unique digits with at most `PRECISION` fraction digits: (int, frac).
fn positional(x: f64, single: bool, plus: bool) -> (String, String) {
    let sign = if x.is_sign_negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    let (digits, e) = shortest(x, single);
    let nfrac = digits.len() as i32 - 1 - e;
    let (int, frac) = if x == 0.0 {
        ("0".to_owned(), String::new())
    } else if nfrac <= PRECISION as i32 {
        if e < 0 {
            let zeros = "0".repeat((-e - 1) as usize);
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else {
            let int_len = e as usize + 1;
            if digits.len() <= int_len {
                (
                    format!("{digits}{}", "0".repeat(int_len - digits.len())),
                    String::new(),
                )
            } else {
                (digits[..int_len].to_owned(), digits[int_len..].to_owned())
            }
        }
    } else {
        let s = if single {
            format!("{:.8}", (x as f32).abs())
        } else {
            format!("{:.8}", x.abs())
        };
        let (i, f) = s.split_once('.').unwrap_or((&s, ""));
        (i.to_owned(), f.trim_end_matches('0').to_owned())
    };
    (format!("{sign}{int}"), frac)
}

/// dragon4 scientific, unique digits with at most `PRECISION` fraction digits:
/// (int, frac, exponent with sign).
fn scientific(x: f64, single: bool, plus: bool) -> (String, String, String) {
    let sign = if x.is_sign_negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    let (mut digits, mut e) = shortest(x, single);
    if digits.len() > PRECISION + 1 {
        let s = if single {
            format!("{:.8e}", (x as f32).abs())
        } else {
            format!("{:.8e}", x.abs())
        };
        let (m, ex) = s.split_once('e').unwrap_or((&s, "0"));
        digits = m.replace('.', "").trim_end_matches('0').to_owned();
        e = ex.parse().unwrap_or(0);
    }
    let exp = format!("{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs());
    (
        format!("{sign}{}", &digits[..1]),
        digits[1..].to_owned(),
        exp,
    )
}

/// numpy's `FloatingFormat` after `fillFormat`.
struct FloatFormat {
    exp_format: bool,
    pad_left: usize,
    pad_right: usize,
    precision: usize,
    exp_size: usize,
    plus: bool,
    single: bool,
}

impl FloatFormat {
    fn new(data: &[f64], single: bool, plus: bool) -> FloatFormat {
        let finite: Vec<f64> = data.iter().copied().filter(|x| x.is_finite()).collect();
        let nonzero: Vec<f64> = finite
            .iter()
            .map(|x| x.abs())
            .filter(|&x| x != 0.0)
            .collect();
        let mut f = FloatFormat {
            exp_format: false,
            pad_left: 0,
            pad_right: 0,
            precision: PRECISION,
            exp_size: 0,
            plus,
            single,
        };
        if !nonzero.is_empty() {
            let max = nonzero.iter().copied().fold(f64::MIN, f64::max);
            let min = nonzero.iter().copied().fold(f64::MAX, f64::min);
            let (max_c, min_c) = if single {
                (max as f32 as f64, min as f32 as f64)
            } else {
                (max, min)
            };
            f.exp_format = max_c >= 1e8 || min_c < 0.0001 || max_c / min_c > 1000.0;
        }
        if finite.is_empty() {
        } else if f.exp_format {
            let parts: Vec<_> = finite
                .iter()
                .map(|&x| scientific(x, single, plus))
                .collect();
            f.exp_size = parts.iter().map(|p| p.2.len() - 1).max().unwrap_or(2);
            f.precision = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(1);
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            let parts: Vec<_> = finite
                .iter()
                .map(|&x| positional(x, single, plus))
                .collect();
            f.pad_left = parts.iter().map(|p| p.0.len()).max().unwrap_or(1);
            f.pad_right = parts.iter().map(|p| p.1.len()).max().unwrap_or(0);
        }
        if finite.len() != data.len() {
            let neginf = plus || data.iter().any(|x| x.is_infinite() && *x < 0.0);
            let offset = f.pad_right + 1;
            let nan = 3usize.saturating_sub(offset);
            let inf = (3 + neginf as usize).saturating_sub(offset);
            f.pad_left = f.pad_left.max(nan).max(inf);
        }
        f
    }

    fn format(&self, x: f64) -> String {
        if !x.is_finite() {
            let text = if x.is_nan() {
                format!("{}nan", if self.plus { "+" } else { "" })
            } else if x < 0.0 {
                "-inf".to_owned()
            } else {
                format!("{}inf", if self.plus { "+" } else { "" })
            };
            return format!("{text:>width$}", width = self.pad_left + self.pad_right + 1);
        }
        if self.exp_format {
            let (int, frac, exp) = scientific(x, self.single, self.plus);
            let digits = exp.len() - 1;
            let exp = format!(
                "{}{}{}",
                &exp[..1],
                "0".repeat(self.exp_size.saturating_sub(digits)),
                &exp[1..]
            );
            format!(
                "{int:>pl$}.{frac:0<p$}e{exp}",
                pl = self.pad_left,
                p = self.precision
            )
        } else {
            let (int, frac) = positional(x, self.single, self.plus);
            format!(
                "{int:>pl$}.{frac:<pr$}",
                pl = self.pad_left,
                pr = self.pad_right
            )
        }
    }
}

/// The element formatter of one array, fitted to the elements shown.
enum Formatter {
    Float(FloatFormat),
    Complex(FloatFormat, FloatFormat),
    Int(usize),
    Bool(bool),
}

impl Formatter {
    fn new(shown: &[Elem], zero_d: bool) -> Formatter {
        match shown.first() {
            Some(Elem::Float(_, single)) => {
                let xs: Vec<f64> = shown
                    .iter()
                    .map(|e| if let Elem::Float(x, _) = e { *x } else { 0.0 })
                    .collect();
                Formatter::Float(FloatFormat::new(&xs, *single, false))
            }
            Some(Elem::Complex(_, _, single)) => {
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
                    FloatFormat::new(&re, *single, false),
                    FloatFormat::new(&im, *single, true),
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

    fn format(&self, e: Elem) -> String {
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
        crate::expr::dtype_name(d)
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
                    repr(&Value::Bytes(c[..end].to_vec()))
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
    let (Some(elems), true) = (elems, size > 0) else {
        return fallback(a);
    };
    let skip_dtype = dtype_is_implied(d) && n > 0;
    let suffix = if skip_dtype { ")" } else { "," };
    let body = if n == 0 {
        if shape == [0] {
            "[]".to_owned()
        } else {
            format!(
                "[], shape={}",
                repr(&Value::Tuple(
                    shape.iter().map(|&s| Value::from(s)).collect()
                ))
            )
        }
    } else {
        let summarize = n > THRESHOLD;
        let shown = shown_indices(shape, summarize);
        let formatted: Box<dyn Fn(usize) -> String> = match &texts {
            Some(t) => Box::new(move |i| t[i].clone()),
            None => {
                let sample: Vec<Elem> = shown.iter().map(|&i| elems[i]).collect();
                let f = Formatter::new(&sample, shape.is_empty());
                Box::new(move |i| f.format(elems[i]))
            }
        };
        let mut arr = ArrayPrinter {
            shape,
            summarize,
            format: formatted,
        };
        arr.recurse(
            &mut Vec::new(),
            "       ",
            LINE_WIDTH - suffix.len() as isize,
        )
    };
    let arr_str = format!("array({body}{suffix}");
    if skip_dtype {
        return arr_str;
    }
    let dtype_str = format!("dtype={})", dtype_short_repr(d));
    let last_line_len = arr_str.len() - arr_str.rfind('\n').map_or(0, |p| p + 1);
    let spacer = if last_line_len + dtype_str.len() + 1 > LINE_WIDTH as usize {
        "\n      "
    } else {
        " "
    };
    format!("{arr_str}{spacer}{dtype_str}")
}

fn fallback(a: &NdArray) -> String {
    pyon_codec::v1::encode(&Value::Array(Box::new(a.clone())))
        .unwrap_or_else(|_| "array(...)".into())
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
        let axes_left = self.shape.len() - axis;
        if axes_left == 0 {
            return (self.format)(self.flat(index));
        }
        let next_hanging = format!("{hanging} ");
        let next_width = width - 1;
        let len = self.shape[axis];
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
        _ => crate::expr::dtype_name(s.dtype()),
    }
}

/// Python's `repr(float)` layout for shortest digits of a float32.
fn python_float_text(x: f64, single: bool) -> String {
    if !single || !x.is_finite() || x == 0.0 {
        return float_repr(x);
    }
    let (digits, e) = shortest(x, true);
    let sign = if x < 0.0 { "-" } else { "" };
    if (-4..16).contains(&e) {
        let (int, frac) = positional(x, true, false);
        let frac = if frac.is_empty() {
            "0".to_owned()
        } else {
            frac
        };
        format!("{}.{frac}", int)
    } else {
        let frac = if digits.len() > 1 {
            format!(".{}", &digits[1..])
        } else {
            String::new()
        };
        format!(
            "{sign}{}{frac}e{}{:02}",
            &digits[..1],
            if e < 0 { '-' } else { '+' },
            e.unsigned_abs()
        )
    }
}

/// numpy 2's `repr` of a scalar: `np.float64(1.5)`, `np.int32(5)`, `np.True_`.
pub(crate) fn scalar_repr(s: &NpScalar) -> String {
    let name = scalar_type(s);
    match elem(s.dtype(), s.data()) {
        Some(Elem::Bool(b)) => if b { "np.True_" } else { "np.False_" }.into(),
        Some(Elem::Int(i)) => format!("np.{name}({i})"),
        Some(Elem::Float(x, single)) => format!("np.{name}({})", python_float_text(x, single)),
        Some(Elem::Complex(re, im, _)) => {
            let text = repr(&Value::Complex(num_complex::Complex64::new(re, im)));
            let inner = text
                .strip_prefix('(')
                .and_then(|t| t.strip_suffix(')'))
                .unwrap_or(&text);
            format!("np.{name}({inner})")
        }
        None => pyon_codec::v1::encode(&Value::Scalar(Box::new(s.clone())))
            .unwrap_or_else(|_| format!("np.{name}(...)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::evaluate;

    fn show(text: &str) -> String {
        repr(&evaluate(text).unwrap())
    }

    /// Expected texts of numpy 2.x's `repr`. numpy is not installed on the machines of this
    /// project, so these were written from numpy's printing rules (`arrayprint.py`), not recorded.
    #[test]
    fn arrays_like_numpy() {
        let cases = [
            ("np.array([1.0, 2.0])", "array([1., 2.])"),
            ("np.array([1.5, 10.25])", "array([ 1.5 , 10.25])"),
            ("np.array([-1.0, 2.0])", "array([-1.,  2.])"),
            ("np.array([1/3])", "array([0.33333333])"),
            ("np.array([1e-5, 1.0])", "array([1.e-05, 1.e+00])"),
            ("np.array([1e-5, 1.5])", "array([1.0e-05, 1.5e+00])"),
            ("np.array([1e10])", "array([1.e+10])"),
            ("np.array([float('nan'), 1.0])", "array([nan,  1.])"),
            ("np.array([float('-inf'), 1.5])", "array([-inf,  1.5])"),
            ("np.array([1, 10, 100])", "array([  1,  10, 100])"),
            ("np.array([-1, 10])", "array([-1, 10])"),
            (
                "np.array([1, 2], dtype=np.uint8)",
                "array([1, 2], dtype=uint8)",
            ),
            (
                "np.array([0.1], dtype=np.float32)",
                "array([0.1], dtype=float32)",
            ),
            ("np.array([1+2j, 3-4.5j])", "array([1.+2.j , 3.-4.5j])"),
            ("np.array(5)", "array(5)"),
            ("np.array(1.0)", "array(1.)"),
            ("np.array(True)", "array(True)"),
            ("np.array(['a', 'bc'])", "array(['a', 'bc'], dtype='<U2')"),
            ("np.array([], dtype=int)", "array([], dtype=int64)"),
            ("np.zeros((0, 3))", "array([], shape=(0, 3), dtype=float64)"),
            ("np.float64(1e16)", "np.float64(1e+16)"),
            ("np.int32(5)", "np.int32(5)"),
            ("np.bool_(1)", "np.True_"),
            ("np.complex128(1+2j)", "np.complex128(1+2j)"),
            ("np.float32(0.1)", "np.float32(0.1)"),
        ];
        for (text, want) in cases {
            assert_eq!(show(text), want, "{text}");
        }
    }

    #[test]
    fn wrapping_and_summary() {
        assert_eq!(
            show("np.arange(30)"),
            "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n       \
             17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29])"
        );
        assert_eq!(
            show("np.arange(2000)"),
            "array([   0,    1,    2, ..., 1997, 1998, 1999])"
        );
        assert_eq!(
            show("np.arange(20, dtype='int32')"),
            "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n       \
             17, 18, 19], dtype=int32)"
        );
        assert_eq!(
            show("np.array([[1.5, 2], [3, 4]])"),
            "array([[1.5, 2. ],\n       [3. , 4. ]])"
        );
    }
}
