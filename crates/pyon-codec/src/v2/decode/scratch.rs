//! The parser's scratch stacks, kept per thread between calls.
//!
//! Decoding a document pushes every value onto a scratch stack before its container closes and
//! takes it off in one exact-size vector. Growing those stacks afresh for each document costs
//! reallocation and page faults on every call; a thread that decodes one message after another
//! reuses them instead. Stacks that grew large for a big document are freed, not kept.
//!
//! The stacks are swapped with the thread's kept ones in place, one by one: moving them as one
//! value made the processor read back, in wide loads, the narrower stores just made, which
//! stalled (decoding `1` took 53 ns then, 42 ns now).

use std::cell::RefCell;

use super::Frame;
use super::stack::Stack;
use crate::Value;

/// Stacks above this many bytes are freed after use rather than kept for the next call.
const KEEP_BYTES: usize = 1 << 20;
/// Entries of the list of decoded base64 arguments kept for the next call (it is emptied).
const KEEP_DECODED: usize = 64;

/// The parser's stacks.
struct Scratch {
    items: Stack<Value>,
    decoded: Vec<(usize, Vec<u8>)>,
    frames: Stack<Frame>,
}

thread_local! {
    /// Empty stacks, with whatever capacity earlier calls left them.
    static KEPT: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            items: Stack::new(),
            decoded: Vec::new(),
            frames: Stack::new(),
        })
    };
}

/// Swaps the stacks with the thread's kept ones. A decode nested in another on the same thread
/// (through a registered type's check) finds empty ones there, and the outer decode's are put
/// back last.
fn swap_with_kept(
    items: &mut Stack<Value>,
    decoded: &mut Vec<(usize, Vec<u8>)>,
    frames: &mut Stack<Frame>,
) {
    let _ = KEPT.try_with(|k| {
        if let Ok(mut k) = k.try_borrow_mut() {
            std::mem::swap(items, &mut k.items);
            std::mem::swap(decoded, &mut k.decoded);
            std::mem::swap(frames, &mut k.frames);
        }
    });
}

/// Takes the thread's kept stacks in place of these new, empty ones.
pub(super) fn take(
    items: &mut Stack<Value>,
    decoded: &mut Vec<(usize, Vec<u8>)>,
    frames: &mut Stack<Frame>,
) {
    swap_with_kept(items, decoded, frames);
}

/// Empties the stacks (an error leaves values on them) and gives them back to the thread,
/// unless they are too large to be worth keeping.
pub(super) fn give_back(
    items: &mut Stack<Value>,
    decoded: &mut Vec<(usize, Vec<u8>)>,
    frames: &mut Stack<Frame>,
) {
    items.clear();
    decoded.clear();
    frames.clear();
    if items.capacity_bytes() + frames.capacity_bytes() <= KEEP_BYTES {
        if decoded.capacity() > KEEP_DECODED {
            decoded.shrink_to_fit();
        }
        swap_with_kept(items, decoded, frames);
    }
}
