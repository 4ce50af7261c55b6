//! How many allocations decoding makes, in both versions: as few as the decoded value's shape
//! needs (see "A decoded value costs as few allocations as its shape needs" in
//! `docs/ARCHITECTURE.md`).
//!
//! This test binary counts the allocations of the thread that decodes, through a global
//! allocator that forwards everything to the system allocator. Each document is decoded twice
//! on the same thread and the second decode is counted: the decoder's scratch stacks, kept per
//! thread between calls, are then warm, as in a program that decodes message after message.
#![allow(unsafe_code)] // `GlobalAlloc` is an unsafe trait; the counter forwards every call as is.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use pyon_codec::{Value, v1, v2};

/// The system allocator, counting the allocations (and reallocations) of a thread that asks.
struct Counting;

thread_local! {
    /// `Some(n)` while this thread counts.
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn count_one() {
    let _ = COUNT.try_with(|c| c.set(c.get().map(|n| n + 1)));
}

// SAFETY: every method forwards its arguments unchanged to `System`, so the caller's side of
// the `GlobalAlloc` contract is passed on as it is; counting touches only a thread-local `Cell`
// (const-initialised, without a destructor), which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as the caller guarantees for `alloc`.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: as the caller guarantees for `alloc_zeroed`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as the caller guarantees for `dealloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: as the caller guarantees for `realloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The allocations made by `decode` of `text` (warm, see the module's comment), and the value.
fn decode_counted(decode: fn(&str) -> pyon_codec::Result<Value>, text: &str) -> (usize, Value) {
    drop(decode(text).expect("decodes"));
    COUNT.with(|c| c.set(Some(0)));
    let value = decode(text);
    let n = COUNT.with(|c| c.replace(None)).unwrap_or_default();
    (n, value.expect("decodes"))
}

/// Each v2 document with the allocations its value needs, and why.
const CASES: &[(&str, usize, &str)] = &[
    ("1", 0, "a number"),
    (
        r#""a key""#,
        0,
        "a str of up to 24 bytes is kept in the value",
    ),
    (r#""a str that is longer than 24 bytes""#, 1, "its text"),
    ("[]", 0, "an empty list"),
    ("[1,2,3]", 1, "the list"),
    (
        r#"{"a":1,"b":[1.5,"x"]}"#,
        2,
        "the dict's entries, the list",
    ),
    (
        r#"[{"unit":"V","scale":1,"precision":3},{"unit":"","scale":1e-06,"precision":5}]"#,
        3,
        "the list, each dict's entries",
    ),
    (
        r#"{"__jsonclass__":["tuple",[[1,[2,3]]]]}"#,
        2,
        "the tuple (its args list), the inner list",
    ),
    (r#"{"__jsonclass__":["set",[[1,2,2]]]}"#, 1, "the set"),
    (
        r#"{"__jsonclass__":["complex",[1.0,-2.5]]}"#,
        0,
        "a complex",
    ),
    (
        r#"{"__jsonclass__":["slice",[1,10,null]]}"#,
        1,
        "the boxed slice",
    ),
    (
        r#"{"__jsonclass__":["Fraction",[1,3]]}"#,
        1,
        "the boxed fraction (machine-sized terms need no digit vector)",
    ),
    (
        r#"{"__jsonclass__":["bytes",["AAEC"]]}"#,
        1,
        "the bytes, decoded from base64 straight into their vector",
    ),
    (
        r#"{"__jsonclass__":["nparray",[[4,2],"<i4","8wIAALYDAAAiAAAAkAAAADYDAAC0AwAA+QAAADcBAAA="]]}"#,
        3,
        "the boxed array, its shape (the shape list's own vector), its data",
    ),
    (
        r#"{"__jsonclass__":["npscalar",["<i4","AQAAAA=="]]}"#,
        2,
        "the boxed scalar, its data",
    ),
    (
        r#"{"__jsonclass__":["dict",[[[1,2],[3,4]]]]}"#,
        4,
        "the entries, plus the two pair lists and the list holding them, dropped when the \
         entries are made",
    ),
];

/// The same values (and v1's own forms) in PYON v1, with the allocations each needs.
const V1_CASES: &[(&str, usize, &str)] = &[
    ("1", 0, "a number"),
    ("'a key'", 0, "a str of up to 24 bytes is kept in the value"),
    ("'a str that is longer than 24 bytes'", 1, "its text"),
    ("[1, 2, 3]", 1, "the list"),
    (
        "{'a': 1, 'b': [1.5, 'x']}",
        2,
        "the dict's entries, the list",
    ),
    ("(1, [2, 3])", 2, "the tuple, the list"),
    ("{1, 2, 2}", 1, "the set"),
    ("(1+2j)", 0, "a complex"),
    (
        "slice(1, 10, None)",
        1,
        "the boxed slice, built from the arguments where they are",
    ),
    ("Fraction(1, 3)", 1, "the boxed fraction"),
    ("b'\\x00\\x01\\x02'", 1, "the bytes"),
    (
        "nparray((4, 2), '<i4', b'8wIAALYDAAAiAAAAkAAAADYDAAC0AwAA+QAAADcBAAA=')",
        3,
        "the boxed array, its shape (the shape tuple's own vector), its data (decoded within the \
         bytes of its base64 text)",
    ),
    (
        "npscalar('<i4', b'AQAAAA==')",
        2,
        "the boxed scalar, its data (decoded within the bytes of its base64 text)",
    ),
    ("{1: 2, 3: 4}", 1, "the dict's entries"),
    (
        "OrderedDict([('a', 1)])",
        3,
        "the entries, plus the pair and the list holding it, dropped when the entries are made",
    ),
];

/// A decoder and the encoder of the same version.
type Codec = (
    fn(&str) -> pyon_codec::Result<Value>,
    fn(&Value) -> pyon_codec::Result<String>,
);

fn check((decode, encode): Codec, cases: &[(&str, usize, &str)]) {
    let mut wrong = Vec::new();
    for &(text, want, why) in cases {
        let (got, value) = decode_counted(decode, text);
        // The count is of a correct decode.
        assert_eq!(decode(&encode(&value).unwrap()).unwrap(), value, "{text}");
        if got != want {
            wrong.push(format!("{text}: {got} allocations, want {want} ({why})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn v2_decoding_allocates_what_the_value_needs() {
    check((v2::decode, v2::encode), CASES);
}

#[test]
fn v1_decoding_allocates_what_the_value_needs() {
    check((v1::decode, v1::encode), V1_CASES);
}

/// A document made of many of the cases allocates their sum plus its own containers: nothing
/// grows with the document's size but the values themselves.
#[test]
fn a_long_document_allocates_the_sum_of_its_parts() {
    for (decode, cases, sep) in [
        (v2::decode as fn(&str) -> _, CASES, ","),
        (v1::decode, V1_CASES, ", "),
    ] {
        let items: Vec<&str> = (0..200).map(|i| cases[i % cases.len()].0).collect();
        let want: usize = (0..200).map(|i| cases[i % cases.len()].1).sum::<usize>() + 1;
        let (got, _) = decode_counted(decode, &format!("[{}]", items.join(sep)));
        assert_eq!(got, want, "the outer list plus each item's own");
    }
}

/// A decode made inside another on the same thread (here, by a registered type's check) has
/// stacks of its own: both values come out whole, and the thread's stacks are still reused
/// afterwards.
#[test]
fn a_decode_nested_in_a_check_leaves_the_outer_one_whole() {
    pyon_codec::register_with("allocations_test.Nested", |args| {
        let inner = v2::decode(r#"[1,{"a":[2,3]},"x"]"#).map_err(|e| e.to_string())?;
        let inner1 = v1::decode("[1, {'a': [2, 3]}, 'x']").map_err(|e| e.to_string())?;
        if inner != inner1 || args.len() != 1 {
            return Err("unexpected".into());
        }
        Ok(())
    })
    .unwrap();
    let outer = [
        (
            v2::decode as fn(&str) -> _,
            r#"[[4,5],{"__jsonclass__":["allocations_test.Nested",[[6,7]]]},[8,9]]"#,
        ),
        (
            v1::decode,
            "[[4, 5], allocations_test.Nested([6, 7]), [8, 9]]",
        ),
    ];
    for (decode, text) in outer {
        let (_, value) = decode_counted(decode, text);
        let Value::List(items) = &value else {
            panic!("{value:?}")
        };
        assert_eq!(items.len(), 3, "{text}");
        assert_eq!(items[0], Value::List(vec![Value::Int(4), Value::Int(5)]));
        assert_eq!(items[2], Value::List(vec![Value::Int(8), Value::Int(9)]));
        let Value::Custom(c) = &items[1] else {
            panic!("{value:?}")
        };
        assert_eq!(c.args, [Value::List(vec![Value::Int(6), Value::Int(7)])]);
        // The stacks went back to the thread: a plain list allocates only itself again.
        assert_eq!(decode_counted(decode, "[1, 2]").0, 1);
    }
}

/// Encoding a value without large payloads allocates its output text and nothing else (once
/// warm: the v1 encoder keeps its work list per thread), however deep or long the value.
#[test]
fn encoding_allocates_only_the_text() {
    let codecs: [(Codec, &str); 2] = [
        ((v2::decode, v2::encode), "v2"),
        ((v1::decode, v1::encode), "v1"),
    ];
    let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
    let all: Vec<&str> = CASES.iter().map(|c| c.0).collect();
    let long = format!("[{}]", vec![all.join(","); 8].join(","));
    let texts = CASES
        .iter()
        .map(|c| c.0)
        .chain([deep.as_str(), long.as_str()]);
    for text in texts {
        let value = v2::decode(text).unwrap();
        for ((_, encode), name) in codecs {
            drop(encode(&value).unwrap());
            COUNT.with(|c| c.set(Some(0)));
            let out = encode(&value).unwrap();
            let n = COUNT.with(|c| c.replace(None)).unwrap_or_default();
            // The text starts at 64 bytes and doubles as it grows.
            let growth = (out.len().max(1).div_ceil(64))
                .next_power_of_two()
                .trailing_zeros();
            assert_eq!(
                n,
                1 + growth as usize,
                "{name} {text}: {n} allocations for {out}"
            );
        }
    }
}
