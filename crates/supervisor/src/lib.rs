//! Child processes that never leak, pipe IPC, periodic tasks, and the controller manager
//! `sipyco_ctlmgr`: the process side of an ARTIQ lab (Python's `sipyco.pipe_ipc`, the runtime
//! seed's `run_process` and `spin`, and `artiq_comtools.ctlmgr`).
//!
//! # Main types
//!
//! - [`ProcessSpec`] and [`Process`]: start a program (argv, environment, directory) in a
//!   session of its own, with SIGKILL as its parent-death signal, so it dies with us even
//!   if we are killed with SIGKILL; [`Process::stop`] sends SIGTERM to its whole process group,
//!   waits, then SIGKILL; [`Exit`] says how it ended. Dropping a [`Process`] stops it.
//!   [`run_process`] runs one to its end or until cancelled. Output can be captured as log
//!   records of a source such as `controller(NAME)` ([`ProcessSpec::capture_output`], with
//!   log-forward's parser); bad UTF-8 is replaced and reading never stops early.
//! - [`ParentComm`], [`ChildComm`] (blocking) and [`AsyncChildComm`]: two pipes between a
//!   parent and its child, the child's address being `"RFD,WFD"`; raw bytes or one PYON value
//!   per line, lines up to [`MAX_LINE`].
//! - [`spin`] and [`Health`]: run an async callback every interval; a health record.
//! - [`ctlmgr`]: the controller manager, pure parts (templates, shell splitting, host matching,
//!   the state machine of a controller) and the async manager behind `sipyco_ctlmgr`.
//! - [`Error`]: the one error type; [`Error::EmergencyStop`] is a child's emergency stop.
//!
//! # Example
//!
//! ```no_run
//! # async fn example() -> supervisor::Result<()> {
//! use std::time::Duration;
//! use supervisor::{Exit, ProcessSpec, run_process};
//! use tokio_util::sync::CancellationToken;
//!
//! let stop = CancellationToken::new();
//! let spec = ProcessSpec::new("sleeper", "sleep")
//!     .arg("60")
//!     .term_timeout(Duration::from_secs(2));
//! let stopper = stop.clone();
//! tokio::spawn(async move { stopper.cancel() });
//! assert_eq!(run_process(spec, &stop).await?, Exit::Terminated);
//! # Ok(()) }
//! ```
//!
//! # Python mapping
//!
//! | Python | here |
//! | --- | --- |
//! | `pipe_ipc.AsyncioParentComm` (`get_address`, `create_subprocess`) | [`ParentComm`] |
//! | `pipe_ipc.ChildComm`, `AsyncioChildComm` | [`ChildComm`], [`AsyncChildComm`] |
//! | seed `run_process`, `EmergencyStopException` | [`run_process`], [`Error::EmergencyStop`] |
//! | seed `spin` | [`spin`] |
//! | `artiq_comtools.ctlmgr` (`Controller`, `Controllers`, `ControllerManagerControl`) | [`ctlmgr`] |
//!
//! Linux only: the parent-death signal is a Linux feature.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod ctlmgr;
mod error;
mod pipe_ipc;
mod process;
mod spawner;
mod spin;
mod sys;

pub use error::{Error, Result};
pub use pipe_ipc::{AsyncChildComm, ChildComm, MAX_LINE, ParentComm, parse_address};
pub use process::{
    DEFAULT_TERM_TIMEOUT, EMERGENCY_STOP_CODE, Exit, Process, ProcessSpec, run_process,
};
pub use spin::{Health, spin};
