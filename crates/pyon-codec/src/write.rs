//! Pieces of encoder output that are not Python text: base64 (arrays of both versions),
//! integers of any size, and the ASCII-only string escaping of `json.dumps(ensure_ascii=True)`
//! (PYON v2).

use crate::construct::MAX_INT_DIGITS;
use crate::text::scalar::hex_digit;

/// Appends standard base64 with padding, as Python's `base64.b64encode`. `base64-simd` writes
/// straight into the string's spare capacity, several times faster than a chunked encoder.
pub(crate) fn write_base64(out: &mut String, data: &[u8]) {
    // `encode_append` reserves exactly what it writes, which would make the next push
    // reallocate (and copy a large array's whole text): reserve with the usual amortised
    // growth first, with room for the closing `"]]}` and a little more (not so much that a
    // short text outgrows its first 64 bytes for it).
    out.reserve(base64_simd::STANDARD.encoded_length(data.len()) + 16);
    base64_simd::STANDARD.encode_append(data, out);
}

/// Byte payloads from this size on are left out of the text of the encoders to a writer (see
/// [`Deferred`]).
const DEFER_FROM: usize = 64 << 10;

/// Bytes of a deferred payload encoded per piece: 1 MiB of base64, and a multiple of 3, so
/// that the pieces join with no padding between them.
const PIECE: usize = 3 << 18;

/// The large byte payloads that an encoder to a writer leaves out of its text: where the
/// base64 of each goes (a byte offset in the text) and the bytes, in text order. Written out
/// by [`Parts::write_to`], in pieces, straight from the value: the output never needs a buffer of
/// its whole size, yet every check is made on the text before anything is written.
pub(crate) type Deferred<'v> = Vec<(usize, &'v [u8])>;

/// Appends the base64 of `data`, or leaves it to [`Parts::write_to`] when there is a `deferred`
/// list and `data` is large.
#[inline]
pub(crate) fn write_base64_or_defer<'v>(
    out: &mut String,
    data: &'v [u8],
    deferred: Option<&mut Deferred<'v>>,
) {
    match deferred {
        Some(d) if data.len() >= DEFER_FROM => d.push((out.len(), data)),
        _ => write_base64(out, data),
    }
}

/// A value's encoding, made and checked, with its large byte payloads deferred: ready to be
/// written with [`Parts::write_to`].
pub(crate) struct Parts<'v> {
    text: String,
    deferred: Deferred<'v>,
}

impl<'v> Parts<'v> {
    /// Runs `encode` (a version's encoder, given the text to append to and the list to defer
    /// payloads to); nothing is kept when it fails.
    pub(crate) fn make(
        encode: impl FnOnce(&mut String, Option<&mut Deferred<'v>>) -> crate::Result<()>,
    ) -> crate::Result<Self> {
        let mut parts = Parts {
            text: String::new(),
            deferred: Deferred::new(),
        };
        encode(&mut parts.text, Some(&mut parts.deferred))?;
        Ok(parts)
    }

    /// Writes the text with the base64 of each deferred payload where it belongs.
    pub(crate) fn write_to(&self, mut w: impl std::io::Write) -> std::io::Result<()> {
        let text = self.text.as_bytes();
        let mut from = 0;
        let mut piece = String::new();
        for &(at, data) in &self.deferred {
            w.write_all(text.get(from..at).unwrap_or_default())?;
            for chunk in data.chunks(PIECE) {
                piece.clear();
                write_base64(&mut piece, chunk);
                w.write_all(piece.as_bytes())?;
            }
            from = at;
        }
        w.write_all(text.get(from..).unwrap_or_default())?;
        w.flush()
    }
}

/// A version's `encode_to_writer`: the [`Parts`] that `encode` makes, written to `w`.
pub(crate) fn encode_to_writer<'v>(
    w: impl std::io::Write,
    encode: impl FnOnce(&mut String, Option<&mut Deferred<'v>>) -> crate::Result<()>,
) -> crate::Result<()> {
    Parts::make(encode)?
        .write_to(w)
        .map_err(|e| crate::Error::io("cannot write the encoding", e))
}

/// Appends an integer of any size in decimal; those that fit in 128 bits (nearly all) without
/// the temporary string of `BigInt`'s `Display`.
///
/// An integer of more than [`MAX_INT_DIGITS`] decimal digits is refused, as Python refuses to
/// write it (`ValueError: Exceeds the limit (4300 digits) for integer string conversion`) and
/// as the decoders refuse to read it. Such an integer can be decoded (a long hexadecimal
/// literal in PYON v1) or built; the check on its size in bits comes first, so that a huge
/// one is refused without the conversion, whose time grows with the square of its length.
pub(crate) fn write_bigint(out: &mut String, i: &num_bigint::BigInt) -> crate::Result<()> {
    if let Some(i) = num_traits::ToPrimitive::to_i128(i) {
        out.push_str(itoa::Buffer::new().format(i));
        return Ok(());
    }
    if crate::construct::over_digit_limit(i) {
        return Err(crate::Error::encode(format!(
            "Exceeds the limit ({MAX_INT_DIGITS} digits) for integer string conversion"
        )));
    }
    out.push_str(&i.to_string());
    Ok(())
}

/// Bytes that `json.dumps(ensure_ascii=True)` writes as themselves inside a string.
#[allow(clippy::indexing_slicing)] // indices below 256 in a table of 256 entries, at compile time
const fn plain_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0x20;
    while i < 0x7f {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = false;
    t[b'\\' as usize] = false;
    t
}
static PLAIN: [bool; 256] = plain_table();

/// Whether `json.dumps(ensure_ascii=True)` writes `b` as itself inside a string.
#[inline]
fn plain(b: u8) -> bool {
    #[allow(clippy::indexing_slicing)] // a byte indexes a table of 256 entries
    PLAIN[usize::from(b)]
}

/// Whether any of 8 bytes needs escaping: below 0x20, `"`, `\\`, 0x7f or non-ASCII. May say
/// yes for a clean word next to a byte that needs escaping (then the bytes are looked at one by
/// one), never no for a word that needs it.
#[inline]
fn word_needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space
        | zero_byte(w ^ (ONES * b'"' as u64))
        | zero_byte(w ^ (ONES * b'\\' as u64))
        | zero_byte(w ^ (ONES * 0x7f))
        | (w & HIGH))
        != 0
}

/// Index of the first byte at or after `i` that `json.dumps(ensure_ascii=True)` escapes.
#[inline]
fn next_escape(bytes: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = bytes.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        if word_needs_escape(w) {
            break;
        }
        i += 8;
    }
    i + bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .take_while(|&&b| plain(b))
        .count()
}

/// Whether any byte of `b` needs escaping, looked at a word at a time without a loop over
/// single bytes: the last, partial word is read overlapping the one before it, and text of 4 to
/// 7 bytes as two overlapping halves. (The exit of a byte loop mispredicts on nearly every
/// short key.)
#[inline]
fn any_escape(b: &[u8]) -> bool {
    let word = |at: usize| {
        b.get(at..at + 8)
            .map_or(0, |w| u64::from_le_bytes(w.try_into().unwrap_or([0; 8])))
    };
    let half = |at: usize| {
        b.get(at..at + 4)
            .map_or(0, |w| u32::from_le_bytes(w.try_into().unwrap_or([0; 4])))
    };
    match b.len() {
        0 => false,
        1..=3 => b.iter().any(|&c| !plain(c)),
        4..=7 => word_needs_escape(u64::from(half(0)) | u64::from(half(b.len() - 4)) << 32),
        n => {
            let mut i = 0;
            while i + 8 < n {
                if word_needs_escape(word(i)) {
                    return true;
                }
                i += 8;
            }
            word_needs_escape(word(n - 8))
        }
    }
}

/// Appends `s` as a JSON string literal escaped as Python's `json.dumps(ensure_ascii=True)`.
#[inline(never)]
pub(crate) fn write_json_str(out: &mut String, s: &str) {
    write_json_str_inline(out, s);
}

/// [`write_json_str`], always inlined: for the v2 encoder's items and keys, where most of a
/// document's strings are written. Inlined there, the string's own writes share the
/// registers of the writes around it (the length of `out` above all) instead of a call.
#[inline(always)]
pub(crate) fn write_json_str_inline(out: &mut String, s: &str) {
    // Most strings are short keys and need no escape: one reservation, one scan, one copy.
    out.reserve(s.len() + 2);
    out.push('"');
    if any_escape(s.as_bytes()) {
        write_escaped(out, s, next_escape(s.as_bytes(), 0));
    } else {
        push_short(out, s);
    }
    out.push('"');
}

/// `out.push_str(s)`, with the lengths of most keys (up to 16 bytes) copied by fixed-size moves
/// instead of a call to `memcpy`, whose call and size dispatch cost more than the copy. Out of
/// line, this is slower than the plain call; inlined, it adds some 37 KB of text.
#[inline(always)]
fn push_short(out: &mut String, s: &str) {
    by_length!(s, |t| out.push_str(t), 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

/// The rest of [`write_json_str`] from the first byte `i` that needs an escape, kept out of
/// line so the common path stays small.
#[inline(never)]
fn write_escaped(out: &mut String, s: &str, mut i: usize) {
    let bytes = s.as_bytes();
    let mut start = 0;
    loop {
        out.push_str(&s[start..i]);
        let Some(&c) = bytes.get(i) else {
            break;
        };
        let mut next = i + 1;
        if c < 0x80 {
            match c {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                b'\n' => out.push_str("\\n"),
                b'\r' => out.push_str("\\r"),
                b'\t' => out.push_str("\\t"),
                0x08 => out.push_str("\\b"),
                0x0c => out.push_str("\\f"),
                _ => push_u_escape(out, c as u16),
            }
        } else {
            let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
            let mut units = [0u16; 2];
            for &u in ch.encode_utf16(&mut units).iter() {
                push_u_escape(out, u);
            }
            next = i + ch.len_utf8();
        }
        start = next;
        i = next_escape(bytes, start);
    }
}

fn push_u_escape(out: &mut String, u: u16) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(hex_digit(((u >> shift) & 15) as u8));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dict, NdArray, Value, Version, numpy::DType};

    /// The bytes of `n` as a `uint8` array.
    fn bytes_array(n: usize) -> Value {
        let data: Vec<u8> = (0..n).map(|i| (i * 7 % 251) as u8).collect();
        let dtype = DType::parse("|u1").unwrap();
        Value::from(NdArray::new(vec![n], dtype, data).unwrap())
    }

    /// Strings of every length around the ones copied by fixed-size moves, with text before
    /// and after them, are written whole, in place, and nothing else is.
    #[test]
    fn strings_of_every_short_length_are_written_whole() {
        for n in 0..=40 {
            let s: String = (0..n)
                .map(|i| (b'a' + (i * 7 % 26) as u8) as char)
                .collect();
            let mut out = String::from("x");
            write_json_str(&mut out, &s);
            write_json_str_inline(&mut out, &s);
            out.push('y');
            assert_eq!(out, format!("x\"{s}\"\"{s}\"y"), "length {n}");
        }
    }

    /// A writer that takes `room` bytes, then fails.
    struct Full {
        room: usize,
    }

    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::other("disk full"));
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Writing to a writer gives exactly the text of `encode_into`, in both versions and
    /// layouts, with payloads below, at and above the size that is deferred, of every length
    /// modulo 3, larger than one piece, and inside a dict that is first tried as an object and
    /// then written tagged (its deferred payloads taken back).
    #[test]
    fn writer_output_is_the_encoded_text() {
        let big = PIECE + 1;
        let mut mixed = Dict::new();
        mixed.insert(Value::from("a"), bytes_array(DEFER_FROM + 1));
        mixed.insert(Value::Int(1), Value::Bytes(vec![9; DEFER_FROM]));
        let value = Value::List(vec![
            bytes_array(10),
            Value::Bytes(vec![1; DEFER_FROM - 1]),
            bytes_array(DEFER_FROM),
            Value::Tuple(vec![bytes_array(big), Value::from("x")]),
            bytes_array(2 * PIECE + 2),
            Value::Dict(mixed),
            Value::from("end"),
        ]);
        for version in [Version::V1, Version::V2] {
            for pretty in [false, true] {
                let mut want = String::from("prefix ");
                version.encode_into(&mut want, &value, pretty).unwrap();
                let mut got = b"prefix ".to_vec();
                version.encode_to_writer(&mut got, &value, pretty).unwrap();
                assert!(got == want.as_bytes(), "{version:?} pretty={pretty}");
            }
        }
    }

    /// A value that cannot be encoded writes nothing, even after a deferred payload; a failing
    /// writer is an I/O error.
    #[test]
    fn writer_gets_nothing_on_an_encode_error() {
        let mut bad = Dict::new();
        bad.insert(Value::from("__jsonclass__"), Value::Int(1));
        let value = Value::List(vec![bytes_array(DEFER_FROM * 2), Value::Dict(bad)]);
        let mut out = Vec::new();
        let e = Version::V2
            .encode_to_writer(&mut out, &value, false)
            .unwrap_err();
        assert_eq!(e.category(), crate::Category::Encode);
        assert!(out.is_empty());
        let big = bytes_array(DEFER_FROM * 2);
        for room in [0, 10, DEFER_FROM] {
            let e = Version::V2
                .encode_to_writer(Full { room }, &big, false)
                .unwrap_err();
            assert_eq!(e.category(), crate::Category::Io, "{room}");
            assert!(e.to_string().ends_with("disk full"), "{e}");
        }
    }

    #[test]
    fn json_strings_match_python() {
        let mut s = String::new();
        write_json_str(&mut s, "ab\nx\"'\\\t\r\u{0}\u{1f}\u{7f}");
        assert_eq!(s, r#""ab\nx\"'\\\t\r\u0000\u001f\u007f""#);
        s.clear();
        write_json_str(&mut s, "\u{269b} caf\u{e9} \u{1f600}");
        assert_eq!(s, r#""\u269b caf\u00e9 \ud83d\ude00""#);
    }

    /// Integers of up to 4300 digits are written and read back; longer ones are refused by
    /// both encoders, as Python refuses them, even when the v1 decoder took them in (as a
    /// hexadecimal literal, which has no digit limit in Python either).
    #[test]
    fn integers_beyond_pythons_digit_limit_are_refused() {
        use num_bigint::BigInt;
        let limit = BigInt::from(10).pow(4300);
        for (i, ok) in [
            (&limit - 1, true),
            (1 - &limit, true),
            (limit.clone(), false),
            (-&limit, false),
            (BigInt::from(1) << 20_000, false),
        ] {
            let v = crate::Value::from_bigint(i.clone());
            for (name, encoded) in [("v1", crate::v1::encode(&v)), ("v2", crate::v2::encode(&v))] {
                match encoded {
                    Ok(text) => {
                        assert!(ok, "{name} wrote {} digits", text.len());
                        let back = match name {
                            "v1" => crate::v1::decode(&text),
                            _ => crate::v2::decode(&text),
                        };
                        assert_eq!(back.unwrap(), v);
                    }
                    Err(e) => {
                        assert!(!ok, "{name}: {e}");
                        assert!(e.to_string().contains("Exceeds the limit (4300 digits)"));
                    }
                }
            }
            let frac = crate::Value::Fraction(Box::new(crate::Fraction::new(i, 7).unwrap()));
            assert_eq!(crate::v2::encode(&frac).is_ok(), ok);
        }
        // What the fuzzer found: a v1 hexadecimal literal of just over 4300 decimal digits was
        // read, and then written in a form that no decoder reads. Now the v1 decoder takes
        // just what the encoders can write.
        let below = crate::v1::decode(&format!("{:#x}", &limit - 1)).unwrap();
        assert_eq!(below, crate::Value::from_bigint(&limit - 1));
        assert!(crate::v1::decode(&crate::v1::encode(&below).unwrap()).is_ok());
        assert!(crate::v1::decode(&format!("{limit:#x}")).is_err());
        assert!(crate::v1::decode(&format!("0x{}", "F".repeat(3575))).is_err());
    }

    /// The word-at-a-time check finds an escape wherever it is, in text of every length.
    #[test]
    fn any_escape_finds_every_position() {
        for len in 0..40 {
            let plain_text = vec![b'a'; len];
            assert!(!any_escape(&plain_text), "{len}");
            for at in 0..len {
                for bad in [b'"', b'\\', 0x00, 0x1f, 0x7f, 0x80, 0xff] {
                    let mut t = plain_text.clone();
                    t[at] = bad;
                    assert!(any_escape(&t), "{len} {at} {bad}");
                    assert_eq!(next_escape(&t, 0), at);
                }
            }
        }
    }
}
