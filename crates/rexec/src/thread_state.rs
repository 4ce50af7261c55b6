//! One Python thread state per thread that runs remote code, kept between calls.
//!
//! pyo3 attaches a thread to the interpreter with `PyGILState_Ensure`. On a thread that has
//! no Python thread state (a tokio worker or blocking-pool thread), that creates one, and
//! the matching `PyGILState_Release` destroys it again: every call allocated, registered,
//! cleared and freed a thread state, whose first frame-stack chunk is an `mmap`/`munmap`
//! pair (and an unmap in a multi-threaded process interrupts the other CPUs to flush their
//! TLBs). That was most of a trivial call's cost. [`attach`] first makes this thread's state
//! permanent, by taking one `PyGILState_Ensure` reference that is never given back; pyo3's
//! own attach then only takes and releases the GIL on it. When the thread exits, its state is
//! deleted by the next [`attach`] on another thread.
//!
//! This is the only module of the crate with `unsafe` code: a few calls into the C API.

#![allow(unsafe_code)]

use std::cell::Cell;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::Python;
use pyo3::ffi;

/// This thread's kept thread state.
struct Kept(*mut ffi::PyThreadState);

/// The kept state of a thread that has exited, waiting for another thread to delete it.
struct Exited(*mut ffi::PyThreadState);

// SAFETY: once its thread has exited, a thread state is plain data of the interpreter's; it
// is only touched again by `reap`, under the GIL.
unsafe impl Send for Exited {}

/// Kept states of exited threads. A thread does not delete its own state as it exits: that
/// needs the GIL, which the thread that waits for it to exit may hold (dropping a tokio
/// runtime while attached), a deadlock. The next [`attach`] deletes them instead.
static EXITED: Mutex<Vec<Exited>> = Mutex::new(Vec::new());
static ANY_EXITED: AtomicBool = AtomicBool::new(false);

impl Drop for Kept {
    fn drop(&mut self) {
        if let Ok(mut exited) = EXITED.lock() {
            exited.push(Exited(self.0));
            ANY_EXITED.store(true, Ordering::Release);
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
    Python::attach(|py| {
        reap(py);
        f(py)
    })
}

/// Deletes the kept states of threads that have exited.
fn reap(_py: Python<'_>) {
    if !ANY_EXITED.load(Ordering::Acquire) {
        return;
    }
    let exited = match EXITED.lock() {
        Ok(mut exited) => {
            ANY_EXITED.store(false, Ordering::Release);
            std::mem::take(&mut *exited)
        }
        Err(_) => return,
    };
    for Exited(tstate) in exited {
        // SAFETY: the `Python` token proves this thread holds the GIL, which
        // `PyThreadState_Clear` needs. `tstate` belonged to a thread that has run its
        // thread-local destructors: it is detached and runs no frame, and nothing of this
        // crate attaches on that thread again (an attach from another thread-local
        // destructor would find the state again through PyGILState's key; none does). It was
        // made by `PyGILState_Ensure` and is in `EXITED` once, so it is deleted once.
        unsafe {
            ffi::PyThreadState_Clear(tstate);
            ffi::PyThreadState_Delete(tstate);
        }
    }
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
                // The reference taken here is never given back: the state outlives every
                // attach of this thread, and `reap` deletes it after the thread exits.
                let _ = ffi::PyGILState_Ensure();
                Some(Kept(ffi::PyEval_SaveThread()))
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
