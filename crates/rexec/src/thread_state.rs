//! One Python thread state per thread that runs remote code, kept between calls.
//!
//! pyo3 attaches a thread to the interpreter with `PyGILState_Ensure`. On a thread that has
//! no Python thread state (a tokio worker or blocking-pool thread), that creates one, and
//! the matching `PyGILState_Release` destroys it again: every call would allocate,
//! register, clear and free a thread state (and its first frame chunk). [`attach`] first
//! makes this thread's state permanent, by taking one `PyGILState_Ensure` reference that is
//! only given back when the thread exits; pyo3's own attach then only takes and releases the
//! GIL (`PyEval_RestoreThread` / `PyEval_SaveThread`) on the thread's state.
//!
//! This is the only module of the crate with `unsafe` code: a few calls into the C API.

#![allow(unsafe_code)]

use std::cell::Cell;

use pyo3::Python;
use pyo3::ffi;

/// This thread's kept thread state: the `PyGILState_Ensure` reference that keeps it alive.
struct Kept {
    gstate: ffi::PyGILState_STATE,
    tstate: *mut ffi::PyThreadState,
}

impl Drop for Kept {
    fn drop(&mut self) {
        // SAFETY: `tstate` is this thread's state, made by the `PyGILState_Ensure` whose
        // result is `gstate`, and this thread is detached (it only attaches inside
        // `Python::attach`, which cannot be running while the thread exits). The
        // interpreter is never finalized by this crate; if something else finalized it,
        // `Py_IsInitialized` is 0 and the state is left alone.
        unsafe {
            if ffi::Py_IsInitialized() != 0 {
                ffi::PyEval_RestoreThread(self.tstate);
                // The counter drops to zero: clears and deletes the state, releases the GIL.
                ffi::PyGILState_Release(self.gstate);
            }
        }
    }
}

thread_local! {
    static KEPT: Cell<Option<Kept>> = const { Cell::new(None) };
}

/// [`Python::attach`], on a thread state that this thread keeps for its lifetime.
pub(crate) fn attach<F, R>(f: F) -> R
where
    F: for<'py> FnOnce(Python<'py>) -> R,
{
    keep_thread_state();
    Python::attach(f)
}

/// Gives this thread a permanent Python thread state, unless it has one already.
fn keep_thread_state() {
    let _ = KEPT.try_with(|kept| {
        let had = kept.take();
        if had.is_some() {
            kept.set(had);
            return;
        }
        Python::initialize();
        // SAFETY: the interpreter is initialized (just above). A thread without a Python
        // thread state is not attached, so `PyGILState_Ensure` makes a state and attaches
        // (taking the GIL) and `PyEval_SaveThread` detaches again, keeping the state and its
        // gilstate counter at 1. A thread that already has a state (one pyo3 made while
        // attached, or a Python-created thread) is left alone.
        let made = unsafe {
            if ffi::PyGILState_GetThisThreadState().is_null() {
                let gstate = ffi::PyGILState_Ensure();
                let tstate = ffi::PyEval_SaveThread();
                Some(Kept { gstate, tstate })
            } else {
                None
            }
        };
        kept.set(made);
    });
}

/// Drops a `SystemExit` that `Host::interrupt_all` aimed at an earlier call on this
/// thread but that arrived after that call returned. With a thread state per call it died
/// with the state; a kept state would raise it in the thread's next call.
pub(crate) fn clear_pending_interrupt(_py: Python<'_>, ident: u64) {
    // SAFETY: the `Python` token proves this thread is attached, as the C API requires; a
    // null exception only clears what is pending for the thread with this id. The id is the
    // C `unsigned long` that `_thread.get_ident` returned, passed back bit for bit.
    unsafe {
        ffi::PyThreadState_SetAsyncExc(ident as std::ffi::c_long, std::ptr::null_mut());
    }
}
