//! The parser's scratch stacks, kept per thread between calls.
//!
//! Decoding a document pushes every value onto a scratch stack before its container closes and
//! takes it off in one exact-size vector. Growing those stacks afresh for each document costs
//! reallocation and page faults on every call; a thread that decodes one message after another
//! reuses them instead. Stacks that grew large for a big document are freed, not kept.

use std::cell::Cell;

use super::Frame;
use super::stack::Stack;
use crate::Value;

/// Stacks above this many bytes are freed after use rather than kept for the next call.
const KEEP_BYTES: usize = 1 << 20;
/// Entries of the list of decoded base64 arguments kept for the next call (it is emptied).
const KEEP_DECODED: usize = 64;

/// Empty stacks with whatever capacity earlier calls left them.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) items: Stack<Value>,
    pub(super) decoded: Vec<(usize, Vec<u8>)>,
    pub(super) frames: Stack<Frame>,
}

thread_local! {
    static KEPT: Cell<Option<Scratch>> = const { Cell::new(None) };
}

impl Scratch {
    /// The thread's stacks, or new ones (the first call, or a decode nested in another one).
    pub(super) fn take() -> Scratch {
        KEPT.try_with(Cell::take).ok().flatten().unwrap_or_default()
    }

    /// Empties the stacks (an error leaves values on them) and keeps them for the next call,
    /// unless they are too large to be worth keeping.
    pub(super) fn give_back(mut self) {
        self.items.clear();
        self.decoded.clear();
        self.frames.clear();
        let bytes = self.items.capacity_bytes() + self.frames.capacity_bytes();
        if bytes <= KEEP_BYTES {
            if self.decoded.capacity() > KEEP_DECODED {
                self.decoded.shrink_to_fit();
            }
            let _ = KEPT.try_with(|k| k.set(Some(self)));
        }
    }
}
