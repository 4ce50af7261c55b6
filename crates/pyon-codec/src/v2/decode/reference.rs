//! The decoder against a reference that is slow and plainly right: a recursive descent over
//! JSON (with `NaN`, `Infinity`, `-Infinity`) that applies sipyco's object hook to each object
//! as it closes, as Python's `json.loads(text, object_hook=...)` does, and builds tags with
//! the same constructors. The fast decoder builds tags early, in place and out of order; on
//! every text it must still give the same value, or fail the same way: malformed text for
//! malformed text, and a data error with the same message at the same line and column.
//!
//! The texts are mutations of the golden rows: pieces inserted, cut, copied or truncated.

use crate::construct::{MAX_INT_DIGITS, from_jsonclass};
use crate::error::line_col;
use crate::{Category, Dict, Value};
use num_bigint::BigInt;

/// Why the reference refused a text: malformed (any syntax error), or a data error with its
/// message and byte offset.
#[derive(Debug, PartialEq)]
enum Refused {
    Malformed,
    Data(String, usize),
}

type Ref<T> = Result<T, Refused>;

struct Reference<'a> {
    s: &'a [u8],
    text: &'a str,
    pos: usize,
    depth: usize,
    max_depth: usize,
}

impl Reference<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        let found = self.s[self.pos..].starts_with(word.as_bytes());
        if found {
            self.pos += word.len();
        }
        found
    }

    /// After an item of a container: `false` at its end `close`, `true` at a `,`.
    fn more(&mut self, close: &str) -> Ref<bool> {
        self.ws();
        if self.eat(close) {
            Ok(false)
        } else if self.eat(",") {
            Ok(true)
        } else {
            Err(Refused::Malformed)
        }
    }

    fn document(&mut self) -> Ref<Value> {
        let v = self.value()?;
        self.ws();
        if self.pos != self.s.len() {
            return Err(Refused::Malformed);
        }
        Ok(v)
    }

    fn value(&mut self) -> Ref<Value> {
        self.ws();
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => self.string().map(|s| Value::Str(s.into())),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => {
                for (word, v) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::None),
                    ("NaN", Value::Float(f64::NAN)),
                    ("Infinity", Value::Float(f64::INFINITY)),
                ] {
                    if self.eat(word) {
                        return Ok(v);
                    }
                }
                Err(Refused::Malformed)
            }
        }
    }

    fn enter(&mut self) -> Ref<()> {
        if self.depth >= self.max_depth {
            return Err(Refused::Malformed);
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    fn array(&mut self) -> Ref<Value> {
        self.enter()?;
        let mut items = Vec::new();
        self.ws();
        if !self.eat("]") {
            loop {
                items.push(self.value()?);
                if !self.more("]")? {
                    break;
                }
            }
        }
        self.depth -= 1;
        Ok(Value::List(items))
    }

    fn object(&mut self) -> Ref<Value> {
        let start = self.pos;
        self.enter()?;
        let mut pairs: Vec<(String, Value)> = Vec::new();
        self.ws();
        if !self.eat("}") {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return Err(Refused::Malformed);
                }
                let k = self.string()?;
                self.ws();
                if !self.eat(":") {
                    return Err(Refused::Malformed);
                }
                let v = self.value()?;
                pairs.push((k, v));
                if !self.more("}")? {
                    break;
                }
            }
        }
        self.depth -= 1;
        // The object hook: the last `__jsonclass__` key decides, other keys are ignored.
        let data = |msg: String| Refused::Data(msg, start);
        let Some((_, tag)) = pairs.iter().rev().find(|(k, _)| k == "__jsonclass__") else {
            let entries = pairs.into_iter().map(|(k, v)| (Value::Str(k.into()), v));
            return Ok(Value::Dict(Dict::from_pairs(entries.collect())));
        };
        let parts = match tag {
            Value::List(parts) => parts.as_slice(),
            _ => &[],
        };
        let [name, args] = parts else {
            return Err(data("__jsonclass__ needs a [name, args] list".into()));
        };
        let (Value::Str(name), Value::List(args)) = (name, args) else {
            return Err(data(
                "__jsonclass__ needs a str name and a list of args".into(),
            ));
        };
        from_jsonclass(name, args.clone(), None).map_err(|e| data(e.message().to_owned()))
    }

    fn hex4(&mut self) -> Ref<u32> {
        let digits = self
            .s
            .get(self.pos..self.pos + 4)
            .ok_or(Refused::Malformed)?;
        let digits = std::str::from_utf8(digits).map_err(|_| Refused::Malformed)?;
        if !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            return Err(Refused::Malformed);
        }
        self.pos += 4;
        u32::from_str_radix(digits, 16).map_err(|_| Refused::Malformed)
    }

    fn string(&mut self) -> Ref<String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or(Refused::Malformed)?;
            match c {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                0..0x20 => return Err(Refused::Malformed),
                b'\\' => {
                    let at = self.pos;
                    self.pos += 1;
                    let e = self.peek().ok_or(Refused::Malformed)?;
                    self.pos += 1;
                    let unpaired = || Refused::Data("unpaired surrogate in string".into(), at);
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if !self.eat("\\u") {
                                    return Err(unpaired());
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(unpaired());
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code).ok_or_else(unpaired)?);
                        }
                        _ => return Err(Refused::Malformed),
                    }
                }
                _ => {
                    // One whole character of the (valid UTF-8) text.
                    let ch = self.text[self.pos..]
                        .chars()
                        .next()
                        .ok_or(Refused::Malformed)?;
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    fn number(&mut self) -> Ref<Value> {
        let start = self.pos;
        if self.eat("-Infinity") {
            return Ok(Value::Float(f64::NEG_INFINITY));
        }
        self.eat("-");
        let digits = |r: &mut Self| {
            let from = r.pos;
            while matches!(r.peek(), Some(b'0'..=b'9')) {
                r.pos += 1;
            }
            r.pos - from
        };
        let int_start = self.pos;
        if !self.eat("0") && digits(self) == 0 {
            return Err(Refused::Malformed);
        }
        let int_digits = self.pos - int_start;
        let mut float = false;
        if self.eat(".") {
            if digits(self) == 0 {
                return Err(Refused::Malformed);
            }
            float = true;
        }
        if self.eat("e") || self.eat("E") {
            let _ = self.eat("+") || self.eat("-");
            if digits(self) == 0 {
                return Err(Refused::Malformed);
            }
            float = true;
        }
        let text = &self.text[start..self.pos];
        if float {
            return text
                .parse::<f64>()
                .map(Value::Float)
                .map_err(|_| Refused::Malformed);
        }
        if int_digits > MAX_INT_DIGITS {
            return Err(Refused::Data(
                format!("integer of more than {MAX_INT_DIGITS} digits (Python refuses it too)"),
                start,
            ));
        }
        let i = BigInt::parse_bytes(text.as_bytes(), 10).ok_or(Refused::Malformed)?;
        Ok(Value::from_bigint(i))
    }
}

fn reference(text: &str, max_depth: usize) -> Ref<Value> {
    Reference {
        s: text.as_bytes(),
        text,
        pos: 0,
        depth: 0,
        max_depth,
    }
    .document()
}

/// A xorshift generator: the same texts on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Pieces that mutations insert: the tokens and tag parts where the decoder's fast paths are.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    " ",
    "\n",
    "\"__jsonclass__\"",
    "\"__jsonclass__\":",
    "\"tuple\"",
    "\"set\"",
    "\"dict\"",
    "\"OrderedDict\"",
    "\"bytes\"",
    "\"nparray\"",
    "\"npscalar\"",
    "\"complex\"",
    "\"Fraction\"",
    "\"slice\"",
    "\"t\\u0075ple\"",
    "\"QUJD\"",
    "\"QQ==\"",
    "\"<i4\"",
    "\"|u1\"",
    "[1]",
    "[[1]]",
    "[]",
    "{}",
    "1",
    "-2",
    "1.5",
    "1e400",
    "NaN",
    "Infinity",
    "-Infinity",
    "null",
    "true",
    "\"k\":",
    "\"\\ud800\"",
    "\"\\udc00x\"",
    "\"\\ud83d\\ude00\"",
    "99999999999999999999",
    "{\"__jsonclass__\":[\"tuple\",[[",
    "]]]}",
    "{\"__jsonclass__\":[\"bytes\",[\"QQ==\"]]}",
    "{\"__jsonclass__\":[\"nparray\",[[2],\"<i4\",\"AQAAAAIAAAA=\"]]}",
    ",[1]",
    ",[[2],[3]]",
    ",[\"QUJD\"]",
    "],[",
    ",\"__jsonclass__\":",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut t = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(t.len() + 1);
        match rng.below(4) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())];
                t.splice(at..at, piece.bytes());
            }
            1 => {
                let end = (at + 1 + rng.below(8)).min(t.len());
                t.drain(at..end);
            }
            2 => {
                let from = rng.below(t.len() + 1);
                let end = (from + rng.below(40)).min(t.len());
                let copy = t[from..end].to_vec();
                t.splice(at..at, copy);
            }
            _ => t.truncate(at),
        }
    }
    String::from_utf8_lossy(&t).into_owned()
}

/// The golden texts of PYON v2, values and rejects, compact and pretty.
fn seeds() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden/head/pyon");
    let mut seeds = Vec::new();
    for (file, keys) in [
        ("values.jsonl", &["v2", "v2_pretty"][..]),
        ("v2_rejects.jsonl", &["input"][..]),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for line in text.lines() {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            for key in keys {
                if let Some(s) = row.get(key).and_then(|v| v.as_str()) {
                    seeds.push(s.to_owned());
                }
            }
        }
    }
    seeds
}

#[test]
fn the_decoder_agrees_with_the_reference_on_mutated_golden_texts() {
    crate::register("reference_test.Point").unwrap();
    // Tags of every built-in type, among other keys and inside each other.
    let tags = [
        r#"{"__jsonclass__":["reference_test.Point",[1,{"__jsonclass__":["set",[[2]]]}]]}"#,
        r#"{"a":{"__jsonclass__":["tuple",[[1]]]},"__jsonclass__":["tuple",[[2]]],"b":[3]}"#,
        r#"{"__jsonclass__":["dict",[[[1,"a"],["k",{"__jsonclass__":["complex",[1,2]]}]]]]}"#,
        r#"{"__jsonclass__":["OrderedDict",[[["a",1]]]],"x":{"__jsonclass__":["slice",[1,2,3]]}}"#,
        r#"[{"__jsonclass__":["Fraction",[6,-8]]},{"__jsonclass__":["bytes",["QUJD"]]}]"#,
        r#"{"__jsonclass__":["npscalar",["<i4","AQAAAA=="]],"y":{"__jsonclass__":["set",[[]]]}}"#,
        r#"{"__jsonclass__":["nparray",[[2],"<i4","AQAAAAIAAAA="]],"z":[{"__jsonclass__":["tuple",[[]]]}]}"#,
    ];
    let mut seeds = seeds();
    assert!(seeds.len() > 100, "the golden rows are missing");
    seeds.extend(tags.iter().map(|t| t.to_string()));
    let mut outcomes = Outcomes::default();
    // Every piece inserted at every place of every tag text.
    for seed in tags {
        for at in 0..=seed.len() {
            for piece in PIECES {
                let mut text = seed.to_owned();
                text.insert_str(at, piece);
                outcomes.check(&text);
            }
        }
    }
    // Random mutations of all the texts.
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..40_000 {
        let mut text = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(3) {
            text = mutate(&mut rng, &text);
        }
        outcomes.check(&text);
    }
    // The texts must reach both outcomes often, or the test says little.
    assert!(
        outcomes.decoded > 5_000 && outcomes.data_errors > 1_000,
        "{outcomes:?}"
    );
}

/// Floats are read in one pass by the float parser, not by `str::parse` as here: every value
/// must still be the correctly rounded one, and the text it accepts JSON's.
#[test]
fn floats_agree_with_the_reference() {
    let mut texts: Vec<String> = [
        "0.0",
        "0e0",
        "0E-0",
        "0.000e123",
        "1e400",
        "1e-400",
        "1e99999999999999999999",
        "1e-99999999999999999999",
        "2.2250738585072011e-308",
        "2.2250738585072014e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "9007199254740993.0",
        "9007199254740992.5",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "0.1",
        "1e23",
        "8.98846567431158e307",
        "123456789012345678901234567890.5",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.3e+5",
        // Not JSON: the float parser would take a part of each.
        "1.",
        "1.e5",
        "1e",
        "1e+",
        "1E-",
        ".5",
        "01.5",
        "00.5",
        "1.5e5.3",
        "1ee5",
        "1e5e5",
        "+1.5",
        "1.5f",
        "1_0.5",
        "infinity",
        "nan",
        "1.5e+-3",
    ]
    .iter()
    .map(|t| t.to_string())
    .collect();
    texts.push(format!("0.{}1", "0".repeat(800)));
    texts.push(format!("1{}.0e-700", "0".repeat(700)));
    texts.push(format!("{}.5", "9".repeat(400)));
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let bits = (rng.below(1 << 32) as u64) << 32 | rng.below(1 << 32) as u64;
        let f = f64::from_bits(bits);
        if f.is_finite() {
            texts.push(format!("{f:?}"));
            texts.push(format!("{f:e}"));
        }
        // Decimal texts of every length, near and past the 19 digits a u64 holds.
        let digits: String = (0..1 + rng.below(30))
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        let digits = digits.trim_start_matches('0');
        let (int, frac) = digits.split_at(rng.below(digits.len() + 1));
        let int = if int.is_empty() { "0" } else { int };
        let exp = match rng.below(3) {
            0 => String::new(),
            1 => format!("e{}", rng.below(700)),
            _ => format!("E-{}", rng.below(700)),
        };
        texts.push(format!(
            "{int}.{}{exp}",
            if frac.is_empty() { "0" } else { frac }
        ));
    }
    let mut outcomes = Outcomes::default();
    for t in &texts {
        for text in [
            t.clone(),
            format!("-{t}"),
            format!("[{t},-{t}]"),
            format!("{{\"k\":{t}}}"),
        ] {
            outcomes.check(&text);
        }
    }
    assert!(outcomes.decoded > 100_000, "{outcomes:?}");
}

/// How many texts decoded, and how many the reference refused as data.
#[derive(Debug, Default)]
struct Outcomes {
    decoded: usize,
    data_errors: usize,
}

impl Outcomes {
    /// Decodes `text` with both, and fails unless they agree.
    fn check(&mut self, text: &str) {
        // A small nesting limit, so that mutations reach it too.
        let max_depth = 12;
        let ours = super::decode_with_depth(text, max_depth);
        let want = reference(text, max_depth);
        let same = match (&ours, &want) {
            (Ok(v), Ok(w)) => format!("{v:?}") == format!("{w:?}"),
            (Err(e), Err(Refused::Malformed)) => {
                matches!(e.category(), Category::Syntax | Category::Eof)
            }
            (Err(e), Err(Refused::Data(msg, at))) => {
                let (line, column) = line_col(text.as_bytes(), *at);
                e.category() == Category::Data
                    && e.message() == msg
                    && (e.line(), e.column()) == (Some(line), Some(column))
            }
            _ => false,
        };
        assert!(same, "{text}\n  decoder:   {ours:?}\n  reference: {want:?}");
        self.decoded += usize::from(ours.is_ok());
        self.data_errors += usize::from(matches!(want, Err(Refused::Data(..))));
    }
}
