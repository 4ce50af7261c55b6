//! The parser's scratch stacks, kept per thread between calls, as the v2 decoder keeps its own
//! (see `v2/decode/scratch.rs`): a thread that decodes one message after another grows them
//! once, not for every message. Stacks that grew large for a big document are freed, not kept.

use std::cell::RefCell;

use super::Frame;
use crate::Value;

/// Stacks above this many bytes are freed after use rather than kept for the next call.
const KEEP_BYTES: usize = 1 << 20;

/// The parser's stacks.
struct Scratch {
    items: Vec<Value>,
    entries: Vec<(Value, Value)>,
    frames: Vec<Frame>,
}

thread_local! {
    /// Empty stacks, with whatever capacity earlier calls left them.
    static KEPT: RefCell<Scratch> = const {
        RefCell::new(Scratch {
            items: Vec::new(),
            entries: Vec::new(),
            frames: Vec::new(),
        })
    };
}

/// Swaps the stacks with the thread's kept ones, in place. A decode nested in another on the
/// same thread (through a registered type's check) finds empty ones there, and the outer
/// decode's are put back last.
fn swap_with_kept(
    items: &mut Vec<Value>,
    entries: &mut Vec<(Value, Value)>,
    frames: &mut Vec<Frame>,
) {
    let _ = KEPT.try_with(|k| {
        if let Ok(mut k) = k.try_borrow_mut() {
            std::mem::swap(items, &mut k.items);
            std::mem::swap(entries, &mut k.entries);
            std::mem::swap(frames, &mut k.frames);
        }
    });
}

/// Takes the thread's kept stacks in place of these new, empty ones.
pub(super) fn take(
    items: &mut Vec<Value>,
    entries: &mut Vec<(Value, Value)>,
    frames: &mut Vec<Frame>,
) {
    swap_with_kept(items, entries, frames);
}

/// Empties the stacks (an error leaves values on them) and gives them back to the thread,
/// unless they are too large to be worth keeping.
pub(super) fn give_back(
    items: &mut Vec<Value>,
    entries: &mut Vec<(Value, Value)>,
    frames: &mut Vec<Frame>,
) {
    items.clear();
    entries.clear();
    frames.clear();
    let bytes = items.capacity() * size_of::<Value>()
        + entries.capacity() * size_of::<(Value, Value)>()
        + frames.capacity() * size_of::<Frame>();
    if bytes <= KEEP_BYTES {
        swap_with_kept(items, entries, frames);
    }
}
