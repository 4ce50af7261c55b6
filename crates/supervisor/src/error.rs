//! The crate's one error type.

use std::io;

/// Why starting, stopping or talking to a child failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The program could not be started (not found, not executable, ...).
    #[error("cannot start {name}: program {program:?}: {source}")]
    Spawn {
        /// The child's name.
        name: String,
        /// The program that was to run.
        program: String,
        /// Why it did not start.
        source: io::Error,
    },
    /// The child exited with the emergency-stop code: the caller must stop what it is doing
    /// (the seed's `EmergencyStopException`).
    #[error("{name} (pid {pid}) requested an emergency stop (exit code {code})")]
    EmergencyStop {
        /// The child's name.
        name: String,
        /// Its process id.
        pid: u32,
        /// The exit code it used.
        code: i32,
    },
    /// Waiting for or signalling a child failed.
    #[error("process {name}: {source}")]
    Process {
        /// The child's name.
        name: String,
        /// The system error.
        source: io::Error,
    },
    /// A pipe_ipc address is not `"RFD,WFD"` with two open descriptors of ours.
    #[error("bad pipe_ipc address {0:?}: expected \"RFD,WFD\" of two open descriptors")]
    Address(String),
    /// A line on a pipe is longer than the limit.
    #[error("line longer than {limit} bytes")]
    LineTooLong {
        /// The limit in bytes.
        limit: usize,
    },
    /// A line on a pipe is not UTF-8 or not PYON.
    #[error("bad PYON line: {0}")]
    Pyon(#[from] pyon_codec::Error),
    /// A network server or client failed (the control port, signals).
    #[error(transparent)]
    Net(#[from] asyncio_server::Error),
    /// Reading or writing a pipe failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
