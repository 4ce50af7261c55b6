//! The parser's value stack, written in place.
//!
//! `Vec::push` builds each value in a temporary and then copies all 32 bytes of it into the
//! vector. A value is written as a one-byte tag and its payload, so the copy's wide loads read
//! back narrower stores that have not retired yet: a store-forwarding stall on every value,
//! which was the largest single cost of decoding numbers. Here the slots above the top stay
//! initialised (as `Value::None`), and a value is assigned straight into its slot.

use std::borrow::Cow;

use crate::Value;

/// Writes `v` into a slot above the top, which holds the default value: there is nothing to
/// drop, and dropping (a call) would keep `v` in a temporary across it.
#[inline(always)]
fn put<T>(slot: &mut T, v: T) {
    std::mem::forget(std::mem::replace(slot, v));
}

/// A stack whose slots above the top hold `T::default()` (`Value::None` for values).
pub(super) struct Stack<T> {
    slots: Vec<T>,
    top: usize,
}

impl<T> Default for Stack<T> {
    fn default() -> Self {
        Stack::new()
    }
}

impl<T> Stack<T> {
    /// An empty stack (no allocation).
    pub(super) const fn new() -> Self {
        Stack {
            slots: Vec::new(),
            top: 0,
        }
    }
}

impl<T: Default> Stack<T> {
    /// The number of values on the stack.
    #[inline(always)]
    pub(super) fn len(&self) -> usize {
        self.top
    }

    /// Pushes a value, assigned straight into its slot.
    #[inline(always)]
    pub(super) fn push(&mut self, v: T) {
        if let Some(slot) = self.next() {
            put(slot, v);
        }
    }

    /// Pushes the value `make` makes once there is room: in its slot, when `make` is inlined.
    #[inline(always)]
    pub(super) fn push_with(&mut self, make: impl FnOnce() -> T) {
        if let Some(slot) = self.next() {
            put(slot, make());
        }
    }

    /// The slot above the top, now counted on the stack.
    #[inline(always)]
    fn next(&mut self) -> Option<&mut T> {
        if self.top == self.slots.len() {
            self.grow();
        }
        let slot = self.slots.get_mut(self.top)?;
        self.top += 1;
        Some(slot)
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let n = (self.slots.len() * 2).max(256);
        self.slots.resize_with(n, T::default);
    }

    /// Takes the top value off.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<T> {
        let top = self.top.checked_sub(1)?;
        self.top = top;
        self.slots.get_mut(top).map(std::mem::take)
    }

    /// The values on the stack, bottom first.
    #[inline]
    pub(super) fn live(&self) -> &[T] {
        self.slots.get(..self.top).unwrap_or_default()
    }

    /// The values on the stack, to change in place.
    #[inline]
    pub(super) fn live_mut(&mut self) -> &mut [T] {
        self.slots.get_mut(..self.top).unwrap_or_default()
    }

    /// The top value.
    #[inline]
    pub(super) fn last(&self) -> Option<&T> {
        self.live().last()
    }

    /// The top value, to change in place.
    #[inline]
    pub(super) fn last_mut(&mut self) -> Option<&mut T> {
        self.live_mut().last_mut()
    }

    /// Drops the top value where it lies (`pop` would move it out first).
    #[inline]
    pub(super) fn drop_top(&mut self) {
        self.truncate(self.top.saturating_sub(1));
    }

    /// The values from `first` on.
    #[inline]
    pub(super) fn tail(&self, first: usize) -> &[T] {
        self.live().get(first..).unwrap_or_default()
    }

    /// The values from `first` on, to take from or change in place (see [`Stack::truncate`]).
    #[inline]
    pub(super) fn tail_mut(&mut self, first: usize) -> &mut [T] {
        self.live_mut().get_mut(first..).unwrap_or_default()
    }

    /// The value at `i`, if it is on the stack.
    #[inline]
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.live().get(i)
    }

    /// Takes the value at `i` (the default if it is not on the stack), leaving the default.
    #[inline]
    pub(super) fn take(&mut self, i: usize) -> T {
        self.get_mut(i).map(std::mem::take).unwrap_or_default()
    }

    /// The value at `i`, if it is on the stack, to change.
    #[inline]
    pub(super) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        self.tail_mut(i).first_mut()
    }

    /// Drops the values from `n` on (leaving the default in their slots).
    #[inline]
    pub(super) fn truncate(&mut self, n: usize) {
        for slot in self.tail_mut(n) {
            *slot = T::default();
        }
        self.top = self.top.min(n);
    }

    /// Takes the values from `first` on off the stack, into a vector of their exact size.
    #[inline]
    pub(super) fn take_from(&mut self, first: usize) -> Vec<T> {
        let v: Vec<T> = self
            .tail_mut(first)
            .iter_mut()
            .map(std::mem::take)
            .collect();
        self.top = self.top.min(first);
        v
    }

    /// Takes the values from `first` on off the stack as pairs (keys and values in turn).
    #[inline]
    pub(super) fn take_pairs_from(&mut self, first: usize) -> Vec<(T, T)> {
        // `as_chunks_mut`, not `chunks_exact_mut(2)`: the pair count is then a shift, where
        // the other's size hint divides at run time.
        let v: Vec<(T, T)> = self
            .tail_mut(first)
            .as_chunks_mut::<2>()
            .0
            .iter_mut()
            .map(|[k, v]| (std::mem::take(k), std::mem::take(v)))
            .collect();
        // Every slot taken from holds the default now; an odd one left is dropped.
        if self.top > first && (self.top - first) % 2 == 1 {
            self.drop_top();
        }
        self.top = self.top.min(first);
        v
    }

    /// Empties the stack, keeping its slots.
    pub(super) fn clear(&mut self) {
        self.truncate(0);
    }

    /// The bytes the slots take.
    pub(super) fn capacity_bytes(&self) -> usize {
        self.slots.capacity() * size_of::<T>()
    }
}

impl Stack<Value> {
    /// [`Stack::push`] of an int, made in its slot: a function of its own, so that the
    /// compiler cannot merge it with the pushes of other kinds through a temporary.
    #[inline(never)]
    pub(super) fn push_int(&mut self, v: i64) {
        if let Some(slot) = self.next() {
            put(slot, Value::Int(v));
        }
    }

    /// Replaces the values from `first` on with the list of them, made in its slot.
    #[inline(never)]
    pub(super) fn close_list(&mut self, first: usize) {
        let items = self.take_from(first);
        if let Some(slot) = self.next() {
            put(slot, Value::List(items));
        }
    }

    /// Replaces the keys and values from `first` on with the dict of them, made in its slot.
    #[inline(never)]
    pub(super) fn close_dict(&mut self, first: usize) {
        let dict = crate::Dict::from_decoded_pairs(self.take_pairs_from(first));
        if let Some(slot) = self.next() {
            put(slot, Value::Dict(dict));
        }
    }

    /// [`Stack::push_int`] for an empty string (the placeholder of a tag's part that the
    /// parser keeps elsewhere).
    #[inline(never)]
    pub(super) fn push_empty_str(&mut self) {
        if let Some(slot) = self.next() {
            put(slot, Value::Str(crate::PyStr::const_new("")));
        }
    }

    /// [`Stack::push_int`] for a float.
    #[inline(never)]
    pub(super) fn push_float(&mut self, v: f64) {
        if let Some(slot) = self.next() {
            put(slot, Value::Float(v));
        }
    }

    /// [`Stack::push_int`] for a string, copied here when it is borrowed from the input.
    #[inline]
    pub(super) fn push_str(&mut self, v: Cow<'_, str>) {
        match v {
            Cow::Borrowed(s) => self.push_str_copy(s),
            Cow::Owned(s) => self.push(Value::Str(s.into())),
        }
    }

    /// [`Stack::push_str`] of a string borrowed from the input (see [`crate::value::str_value`]).
    #[inline(never)]
    fn push_str_copy(&mut self, v: &str) {
        if let Some(slot) = self.next() {
            put(slot, crate::value::str_value(v));
        }
    }
}
