//! PYON v2 text straight to Python objects: `json.loads` with sipyco's `object_hook`.
//!
//! The parser is Python's JSON grammar (with `NaN`, `Infinity`, `-Infinity`), its error
//! messages and positions, bounded in depth. A JSON object with the key `__jsonclass__` is
//! handed, as sipyco does, to the constructor its tag names (`tuple(*args)`, `set(*args)`,
//! `Fraction(*args)`, ...), called with the decoded arguments, so odd arguments fail as they
//! fail in Python. Strings without escapes and repeated keys become Python strings without an
//! intermediate copy; array data is base64-decoded in Rust, with the GIL released when large.

use numpy::{PyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::{PyRecursionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFloat, PyInt, PyList, PySet, PySlice, PyString, PyTuple};

use crate::from_text_keys::KeyCache;
use crate::{DETACH_BYTES, types};

/// Why decoding failed: bad text at a byte offset (a `json.JSONDecodeError`), or an exception
/// raised while building a value.
pub enum Failure {
    /// Python's message and the byte offset in the text.
    Syntax(&'static str, usize),
    /// Anything else, already a Python exception.
    Raised(PyErr),
}

impl From<PyErr> for Failure {
    fn from(e: PyErr) -> Failure {
        Failure::Raised(e)
    }
}

type Parsed<T> = Result<T, Failure>;

/// Decodes `text` into Python objects.
pub fn decode<'py>(py: Python<'py>, text: &str) -> Parsed<Bound<'py, PyAny>> {
    let mut p = Parser {
        py,
        text,
        b: text.as_bytes(),
        i: 0,
        depth: 0,
        keys: KeyCache::for_text(text.len()),
        dtypes: Vec::new(),
        lone: None,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(Failure::Syntax("Extra data", p.i));
    }
    match p.lone {
        Some(at) => Err(lone_surrogate(at)),
        None => Ok(v),
    }
}

/// The position of the first control character of `r`: looked for in blocks of 64 bytes, each
/// checked whole (which vectorises), since long strings rarely have one.
fn first_control(r: &[u8]) -> Option<usize> {
    const BLOCK: usize = 64;
    let mut base = 0;
    for block in r.chunks(BLOCK) {
        if block.iter().fold(false, |any, &b| any | (b < 0x20)) {
            return block.iter().position(|&b| b < 0x20).map(|p| base + p);
        }
        base += block.len();
    }
    None
}

struct Parser<'py, 't> {
    py: Python<'py>,
    text: &'t str,
    b: &'t [u8],
    i: usize,
    depth: usize,
    keys: KeyCache<'py, 't>,
    dtypes: Vec<(&'t str, Bound<'py, PyAny>)>,
    /// Where the first lone surrogate escape was (see [`lone_surrogate`]).
    lone: Option<usize>,
}

impl<'py, 't> Parser<'py, 't> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn lit(&mut self, word: &str) -> bool {
        if self.b.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Parsed<Bound<'py, PyAny>> {
        let py = self.py;
        let start = self.i;
        match self.peek() {
            Some(b'"') => Ok(self.string()?.into_any()),
            Some(b'{') => self.nested(|p| match p.wire_tag()? {
                Some(array) => Ok(array),
                None => p.object(),
            }),
            Some(b'[') => self.nested(|p| p.array()),
            Some(b'n') if self.lit("null") => Ok(py.None().into_bound(py)),
            Some(b't') if self.lit("true") => {
                Ok(pyo3::types::PyBool::new(py, true).to_owned().into_any())
            }
            Some(b'f') if self.lit("false") => {
                Ok(pyo3::types::PyBool::new(py, false).to_owned().into_any())
            }
            Some(b'N') if self.lit("NaN") => Ok(PyFloat::new(py, f64::NAN).into_any()),
            Some(b'I') if self.lit("Infinity") => Ok(PyFloat::new(py, f64::INFINITY).into_any()),
            Some(b'-') if self.lit("-Infinity") => {
                Ok(PyFloat::new(py, f64::NEG_INFINITY).into_any())
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Failure::Syntax("Expecting value", start)),
        }
    }

    /// A container one level deeper, on a fresh stack segment when the stack runs low.
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Parsed<Bound<'py, PyAny>>,
    ) -> Parsed<Bound<'py, PyAny>> {
        if self.depth >= pyon_codec::DEFAULT_MAX_DEPTH {
            return Err(Failure::Raised(PyRecursionError::new_err(format!(
                "nesting deeper than {} levels",
                pyon_codec::DEFAULT_MAX_DEPTH
            ))));
        }
        self.depth += 1;
        let v = stacker::maybe_grow(crate::STACK_RED_ZONE, crate::STACK_SEGMENT, || f(self));
        self.depth -= 1;
        v
    }

    fn number(&mut self) -> Parsed<Bound<'py, PyAny>> {
        let py = self.py;
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Failure::Syntax("Expecting value", start)),
        }
        // A fraction needs a digit after its `.`; the float parser reads the rest in one pass,
        // leaving out an exponent without digits as Python does ("1e" is the number 1
        // followed by extra data).
        let fraction =
            self.peek() == Some(b'.') && matches!(self.b.get(self.i + 1), Some(b'0'..=b'9'));
        if fraction || matches!(self.peek(), Some(b'e' | b'E')) {
            let int_len = self.i - start;
            let read = self.b.get(start..).and_then(pyon_codec::scan::float_prefix);
            match read {
                Some((f, len)) if len > int_len => {
                    self.i = start + len;
                    return Ok(PyFloat::new(py, f).into_any());
                }
                Some(_) => {}
                None => return Err(Failure::Syntax("Expecting value", start)),
            }
        }
        let s = self.text.get(start..self.i).unwrap_or("0");
        match s.parse::<i64>() {
            Ok(i) => Ok(PyInt::new(py, i).into_any()),
            Err(_) => Ok(py.get_type::<PyInt>().call1((s,))?),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    /// A string at `"`: the text itself when it has no escape, else the unescaped text.
    fn string(&mut self) -> Parsed<Bound<'py, PyString>> {
        let (plain, owned) = self.string_text()?;
        Ok(match owned {
            None => crate::raw::new_string(self.py, plain)?,
            Some(s) => PyString::new(self.py, &s),
        })
    }

    /// The raw text between the quotes, and the unescaped text when it has escapes.
    fn string_text(&mut self) -> Parsed<(&'t str, Option<String>)> {
        let quote = self.i;
        self.i += 1;
        let start = self.i;
        let mut out: Option<String> = None;
        let mut run = start;
        loop {
            self.i = self.string_stop();
            let Some(c) = self.peek() else {
                return Err(Failure::Syntax("Unterminated string starting at", quote));
            };
            match c {
                b'"' => {
                    let raw = self.text.get(start..self.i).unwrap_or("");
                    if let Some(o) = out.as_mut() {
                        o.push_str(self.text.get(run..self.i).unwrap_or(""));
                    }
                    self.i += 1;
                    return Ok((raw, out));
                }
                b'\\' => {
                    let o = out.get_or_insert_with(String::new);
                    o.push_str(self.text.get(run..self.i).unwrap_or(""));
                    o.push(self.escape(quote)?);
                    run = self.i;
                }
                0..=0x1f => return Err(Failure::Syntax("Invalid control character at", self.i)),
                _ => self.i += 1,
            }
        }
    }

    /// The first quote, backslash or control character from `i` on (the end if none): a word at
    /// a time over the first bytes, where most strings end, and vectorised beyond them (long
    /// strings are mostly array data).
    fn string_stop(&self) -> usize {
        const HEAD: usize = 32;
        let head_end = self.b.len().min(self.i + HEAD);
        let stop =
            pyon_codec::scan::string_stop(self.b.get(..head_end).unwrap_or_default(), self.i, b'"');
        if stop < head_end {
            return stop;
        }
        let rest = self.b.get(head_end..).unwrap_or_default();
        let next = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
        let bad = rest.get(..next).and_then(first_control);
        head_end + bad.unwrap_or(next)
    }

    /// Notes a lone surrogate escape at `at`, reported once the whole text has parsed, and
    /// stands U+FFFD in for it meanwhile.
    fn lone_surrogate(&mut self, at: usize) -> char {
        self.lone.get_or_insert(at);
        '\u{fffd}'
    }

    /// The character of one escape at `\`.
    fn escape(&mut self, quote: usize) -> Parsed<char> {
        let at = self.i;
        let c = self
            .b
            .get(self.i + 1)
            .copied()
            .ok_or(Failure::Syntax("Unterminated string starting at", quote))?;
        self.i += 2;
        let ch = match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                // Python reports a bad \\u escape at its `u`.
                let hi = self.hex4(at + 1)?;
                if (0xd800..0xdc00).contains(&hi) && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                {
                    let save = self.i;
                    self.i += 2;
                    let lo = self.hex4(save + 1)?;
                    if (0xdc00..0xe000).contains(&lo) {
                        let c = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                        char::from_u32(c).ok_or(Failure::Syntax("Invalid \\uXXXX escape", at))?
                    } else {
                        // Not a pair: the next escape is read on its own, as Python does.
                        self.i = save;
                        self.lone_surrogate(at)
                    }
                } else {
                    char::from_u32(hi).unwrap_or_else(|| self.lone_surrogate(at))
                }
            }
            _ => return Err(Failure::Syntax("Invalid \\escape", at)),
        };
        Ok(ch)
    }

    /// The four hex digits of a `\\u` escape whose `u` is at `at`. Like Python, it wants a
    /// character after them: digits that end the text are an invalid escape, not an
    /// unterminated string.
    fn hex4(&mut self, at: usize) -> Parsed<u32> {
        let digits = self
            .text
            .get(self.i..self.i + 4)
            .filter(|_| self.i + 4 < self.b.len())
            .filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(Failure::Syntax("Invalid \\uXXXX escape", at))?;
        self.i += 4;
        u32::from_str_radix(digits, 16).map_err(|_| Failure::Syntax("Invalid \\uXXXX escape", at))
    }

    fn array(&mut self) -> Parsed<Bound<'py, PyAny>> {
        let items = self.array_items()?;
        if items.is_empty() {
            return Ok(PyList::empty(self.py).into_any());
        }
        Ok(PyList::new(self.py, items)?.into_any())
    }

    /// The items of the array at `[`.
    fn array_items(&mut self) -> Parsed<Vec<Bound<'py, PyAny>>> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(items);
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(items);
                }
                _ => return Err(Failure::Syntax("Expecting ',' delimiter", self.i)),
            }
        }
    }

    fn object(&mut self) -> Parsed<Bound<'py, PyAny>> {
        self.i += 1;
        let d = PyDict::new(self.py);
        let mut tagged = false;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(d.into_any());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(Failure::Syntax(
                    "Expecting property name enclosed in double quotes",
                    self.i,
                ));
            }
            let key = self.key()?;
            tagged |= key.to_str().is_ok_and(|k| k == "__jsonclass__");
            self.ws();
            if self.peek() != Some(b':') {
                return Err(Failure::Syntax("Expecting ':' delimiter", self.i));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            d.set_item(key, v)?;
            self.ws();
            match self.peek() {
                Some(b',') => {
                    self.i += 1;
                    self.ws();
                }
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return Err(Failure::Syntax("Expecting ',' delimiter", self.i)),
            }
        }
        if tagged {
            return Ok(crate::from_text_tags::construct(self.py, &d)?);
        }
        Ok(d.into_any())
    }

    /// A tag in the compact form on the wire, `{"__jsonclass__":["name",[args...]]}`, built
    /// from its arguments without the dict and lists that `json` would make first; an array's
    /// base64 is decoded straight from the text. `None`, with nothing consumed, for any other
    /// form (spaces, more keys): the general path then parses it, to the same result.
    fn wire_tag(&mut self) -> Parsed<Option<Bound<'py, PyAny>>> {
        const HEAD: &[u8] = b"{\"__jsonclass__\":[\"";
        let start = self.i;
        if !self
            .b
            .get(start..)
            .is_some_and(|rest| rest.starts_with(HEAD))
        {
            return Ok(None);
        }
        self.i += HEAD.len() - 1;
        let name = self.key()?;
        if !self.lit(",[") {
            self.i = start;
            return Ok(None);
        }
        let name_str = name.to_str().unwrap_or("");
        let built = if name_str == "nparray" && self.peek() == Some(b'[') {
            self.wire_nparray()?
        } else if name_str == "tuple" && self.peek() == Some(b'[') {
            // `tuple(items)`: the items go straight into the tuple, with no list in between.
            let tuple = self.nested(|p| {
                let items = p.array_items()?;
                let tuple = PyTuple::new(p.py, items)?;
                crate::raw::untrack_atomic_tuple(&tuple);
                Ok(tuple.into_any())
            })?;
            self.lit("]]}").then_some(tuple)
        } else {
            self.wire_args()?
                .map(|args| crate::from_text_tags::build(self.py, name.as_any(), args))
                .transpose()?
        };
        if built.is_none() {
            self.i = start;
        }
        Ok(built)
    }

    /// The arguments of a wire tag up to its closing `]]}`.
    fn wire_args(&mut self) -> Parsed<Option<Vec<Bound<'py, PyAny>>>> {
        let mut args = Vec::new();
        if !self.lit("]") {
            loop {
                args.push(self.value()?);
                if self.lit(",") {
                    continue;
                }
                if self.lit("]") {
                    break;
                }
                return Ok(None);
            }
        }
        Ok(self.lit("]}").then_some(args))
    }

    /// `shape,"dtype","base64"]]}` of a wire array, its base64 decoded straight from the text.
    fn wire_nparray(&mut self) -> Parsed<Option<Bound<'py, PyAny>>> {
        let shape = self.array()?;
        let mut dtype = None;
        if self.lit(",") && self.peek() == Some(b'"') {
            let (raw, owned) = self.string_text()?;
            dtype = owned.is_none().then_some(raw);
        }
        let mut data = None;
        if dtype.is_some() && self.lit(",") && self.peek() == Some(b'"') {
            let (raw, owned) = self.string_text()?;
            data = owned.is_none().then_some(raw);
        }
        match (dtype, data) {
            (Some(dtype), Some(data)) if self.lit("]]}") => {
                // In sipyco's order: the data is decoded before numpy looks at the dtype.
                let bytes = b64decode_str(self.py, data)?;
                let dtype = self.dtype(dtype)?;
                Ok(Some(array_of(self.py, &shape, dtype, bytes)?))
            }
            _ => Ok(None),
        }
    }

    /// `numpy.dtype(text)`, once per dtype text of a document (at most 16 remembered).
    fn dtype(&mut self, text: &'t str) -> PyResult<Bound<'py, PyAny>> {
        if let Some((_, d)) = self.dtypes.iter().find(|(t, _)| *t == text) {
            return Ok(d.clone());
        }
        let d = types::np_dtype(self.py)?.call1((text,))?;
        if self.dtypes.len() < 16 {
            self.dtypes.push((text, d.clone()));
        }
        Ok(d)
    }

    /// A key: without escapes, through the cache (a repeated key is one string, hashed once).
    fn key(&mut self) -> Parsed<Bound<'py, PyString>> {
        let (raw, owned) = self.string_text()?;
        match owned {
            Some(s) => Ok(PyString::new(self.py, &s)),
            None => Ok(self.keys.get(self.py, raw)?),
        }
    }
}

/// Python keeps a lone surrogate in a str; a Rust string cannot hold one. It is no error to
/// Python, so any error Python finds in the text, before it or after it, is the one raised;
/// only a text Python would accept fails with this.
fn lone_surrogate(at: usize) -> Failure {
    Failure::Syntax("Unpaired surrogate (not supported by sipyco_rs)", at)
}

/// Decodes base64 as Python's `base64.b64decode`: strictly (SIMD) when the text is canonical,
/// else through Python's own lenient decoder. Large text is decoded with the GIL released.
pub(crate) fn b64decode<'py>(py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = text.cast::<PyString>()
        && let Ok(s) = s.to_str()
        && let Some(data) = b64decode_strict(py, s)
    {
        return Ok(data);
    }
    b64decode_python(py, text)
}

/// [`b64decode`] of text that is not yet a Python string.
fn b64decode_str(py: Python<'_>, s: &str) -> PyResult<Vec<u8>> {
    match b64decode_strict(py, s) {
        Some(data) => Ok(data),
        None => b64decode_python(py, PyString::new(py, s).as_any()),
    }
}

fn b64decode_strict(py: Python<'_>, s: &str) -> Option<Vec<u8>> {
    if s.len() >= DETACH_BYTES {
        py.detach(|| base64_simd::STANDARD.decode_to_vec(s).ok())
    } else {
        base64_simd::STANDARD.decode_to_vec(s).ok()
    }
}

fn b64decode_python<'py>(py: Python<'py>, text: &Bound<'py, PyAny>) -> PyResult<Vec<u8>> {
    let bytes = py
        .import(pyo3::intern!(py, "base64"))?
        .call_method1(pyo3::intern!(py, "b64decode"), (text,))?;
    Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec())
}

/// `numpy.frombuffer(data, dtype).reshape(shape, copy=True)`, the decoded bytes moved into
/// numpy without a copy.
pub(crate) fn nparray<'py>(
    py: Python<'py>,
    shape: &Bound<'py, PyAny>,
    dtype: &Bound<'py, PyAny>,
    data: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = b64decode(py, data)?;
    array_from(py, shape, dtype, bytes)
}

/// [`array_from`] with the dtype object at hand; a one-dimensional shape that the data already
/// has needs no reshaping.
fn array_of<'py>(
    py: Python<'py>,
    shape: &Bound<'py, PyAny>,
    dtype: Bound<'py, PyAny>,
    bytes: Vec<u8>,
) -> PyResult<Bound<'py, PyAny>> {
    let flat = PyArray1::from_vec(py, bytes);
    let typed = flat.call_method1(pyo3::intern!(py, "view"), (dtype,))?;
    if let Ok(dims) = shape.cast_exact::<PyList>()
        && dims.len() == 1
        && let Ok(n) = dims.get_item(0)
        && n.is_exact_instance_of::<PyInt>()
        && let Ok(n) = n.extract::<usize>()
        && let Ok(array) = typed.cast::<PyUntypedArray>()
        && array.ndim() == 1
        && array.len() == n
    {
        return Ok(typed);
    }
    typed.call_method1(pyo3::intern!(py, "reshape"), (shape,))
}

fn array_from<'py>(
    py: Python<'py>,
    shape: &Bound<'py, PyAny>,
    dtype: &Bound<'py, PyAny>,
    bytes: Vec<u8>,
) -> PyResult<Bound<'py, PyAny>> {
    let dtype = types::np_dtype(py)?.call1((dtype,))?;
    let flat = PyArray1::from_vec(py, bytes);
    let typed = flat.call_method1(pyo3::intern!(py, "view"), (dtype,))?;
    typed.call_method1(pyo3::intern!(py, "reshape"), (shape,))
}

/// The constructor of a tag name, as sipyco's decode map has it.
pub(crate) fn constructor<'py>(py: Python<'py>, name: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    Ok(Some(match name {
        "tuple" => py.get_type::<PyTuple>().into_any(),
        "dict" => py.get_type::<PyDict>().into_any(),
        "set" => py.get_type::<PySet>().into_any(),
        "slice" => py.get_type::<PySlice>().into_any(),
        "complex" => py.get_type::<pyo3::types::PyComplex>().into_any(),
        "Fraction" => types::fraction(py)?.clone().into_any(),
        "OrderedDict" => types::ordered_dict(py)?.clone().into_any(),
        _ => return Ok(None),
    }))
}

/// Errors of the tag constructors that are sipyco's own.
pub(crate) fn not_decodable(name: &Bound<'_, PyAny>) -> PyErr {
    let shown = name
        .str()
        .map(|s| s.to_string())
        .unwrap_or_else(|_| "?".into());
    PyTypeError::new_err(format!("Object of type `{shown}` is not PYON decodable"))
}

/// `ValueError` for an unpacking of the wrong length, as Python words it.
pub(crate) fn unpack_error(got: usize) -> PyErr {
    if got < 2 {
        PyValueError::new_err(format!(
            "not enough values to unpack (expected 2, got {got})"
        ))
    } else {
        PyValueError::new_err("too many values to unpack (expected 2)")
    }
}
