//! The two places where this crate needs `unsafe`: code that runs in the child between `fork`
//! and `exec`, and taking ownership of inherited pipe descriptors named by number.
#![allow(unsafe_code)]

use std::collections::HashSet;
use std::io;
use std::os::fd::{FromRawFd as _, OwnedFd, RawFd};
use std::os::unix::process::CommandExt as _;
use std::sync::Arc;
use std::sync::{Mutex, PoisonError};

use rustix::io::FdFlags;
use rustix::process::Signal;

/// Make `cmd` start its child in a new session (so a process group of its own, away from our
/// terminal), with SIGKILL as its parent-death signal, and with `inherit` open across `exec`
/// (Python's `pass_fds`; the descriptors keep their numbers).
pub(crate) fn prepare_child(cmd: &mut std::process::Command, inherit: Vec<Arc<OwnedFd>>) {
    let parent = rustix::process::getpid();
    let hook = move || -> io::Result<()> {
        rustix::process::setsid()?;
        rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
        // The parent may have died before the line above: then nobody will send the signal.
        if rustix::process::getppid() != Some(parent) {
            return Err(io::Error::from_raw_os_error(
                rustix::io::Errno::SRCH.raw_os_error(),
            ));
        }
        for fd in &inherit {
            rustix::io::fcntl_setfd(&**fd, FdFlags::empty())?;
        }
        Ok(())
    };
    // SAFETY: the hook runs in the forked child before `exec`. It only makes system calls that
    // are async-signal-safe (setsid, prctl, getppid, fcntl), takes no lock and allocates
    // nothing (errors are built from raw OS codes).
    unsafe {
        cmd.pre_exec(hook);
    }
}

/// Descriptors already taken by [`adopt_fd`] in this process.
static ADOPTED: Mutex<Option<HashSet<RawFd>>> = Mutex::new(None);

/// Take ownership of descriptor `fd`, inherited from our parent (pipe_ipc's `"RFD,WFD"`).
///
/// Refuses a descriptor that is not open, a standard stream, or one already taken, so that two
/// owners never close the same descriptor.
pub(crate) fn adopt_fd(fd: RawFd) -> Option<OwnedFd> {
    if fd <= 2 || std::fs::symlink_metadata(format!("/proc/self/fd/{fd}")).is_err() {
        return None;
    }
    let mut adopted = ADOPTED.lock().unwrap_or_else(PoisonError::into_inner);
    if !adopted.get_or_insert_with(HashSet::new).insert(fd) {
        return None;
    }
    // SAFETY: `fd` is open (checked just above through /proc), it is not a standard stream, and
    // the registry guarantees this process takes it at most once; nothing else in this crate
    // owns inherited descriptors. The caller (a pipe_ipc child) was handed these numbers by
    // its parent precisely so that it owns them.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}
