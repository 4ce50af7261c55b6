//! How many allocations decoding makes: as few as the decoded value's shape needs (see
//! "A decoded value costs as few allocations as its shape needs" in `docs/ARCHITECTURE.md`).
//!
//! This test binary counts the allocations of the thread that decodes, through a global
//! allocator that forwards everything to the system allocator. Each document is decoded twice
//! on the same thread and the second decode is counted: the decoder's scratch stacks, kept per
//! thread between calls, are then warm, as in a program that decodes message after message.
#![allow(unsafe_code)] // `GlobalAlloc` is an unsafe trait; the counter forwards every call as is.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use pyon_codec::{Value, v2};

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

/// The allocations made by decoding `text` (warm, see the module's comment), and the value.
fn decode_counted(text: &str) -> (usize, Value) {
    drop(v2::decode(text).expect("decodes"));
    COUNT.with(|c| c.set(Some(0)));
    let value = v2::decode(text);
    let n = COUNT.with(|c| c.replace(None)).unwrap_or_default();
    (n, value.expect("decodes"))
}

/// Each document with the allocations its value needs, and why.
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

#[test]
fn decoding_allocates_what_the_value_needs() {
    let mut wrong = Vec::new();
    for &(text, want, why) in CASES {
        let (got, value) = decode_counted(text);
        // The count is of a correct decode.
        assert_eq!(v2::decode(&v2::encode(&value).unwrap()).unwrap(), value);
        if got != want {
            wrong.push(format!("{text}: {got} allocations, want {want} ({why})"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A document made of many of the cases allocates their sum plus its own containers: nothing
/// grows with the document's size but the values themselves.
#[test]
fn a_long_document_allocates_the_sum_of_its_parts() {
    let parts: Vec<(&str, usize)> = CASES.iter().map(|&(t, n, _)| (t, n)).collect();
    let items: Vec<&str> = (0..200).map(|i| parts[i % parts.len()].0).collect();
    let want: usize = (0..200).map(|i| parts[i % parts.len()].1).sum::<usize>() + 1;
    let (got, _) = decode_counted(&format!("[{}]", items.join(",")));
    assert_eq!(got, want, "the outer list plus each item's own");
}
