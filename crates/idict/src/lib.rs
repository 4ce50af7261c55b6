//! Computations that clients can watch, pause and stop, over SiPyCo.
//!
//! A long computation (a simulation, a fit over hours of data, a calibration scan) keeps its
//! intermediate results in an [`IDict`]; [`serve`] publishes them with the protocols the lab
//! already runs, so any SiPyCo client can look and steer, from another process or machine:
//!
//! - the sync_struct notifier `idict` holds the contents (a dict), `status` the [`Status`]
//!   (`{"paused", "terminated", "final", "updates", "started"}`);
//! - the pc_rpc target `computation` ([`Computation`]) offers `pause()`, `resume()`,
//!   `terminate()` and `status()`, without the built-in `terminate`.
//!
//! Both protocols share one port (the banner each client sends first picks the protocol, see
//! [`asyncio_server::BannerDispatch`]). Nothing is pickled, unpickled or evaluated: this is the
//! safe successor of mmf's `IDict`, which did the same over Twisted with pickled state.
//!
//! # Main types
//!
//! - [`IDict`]: the computation's handle, cheap to clone. [`IDict::lock`] returns [`Contents`],
//!   a guard under which changes are recorded; [`IDict::notify_update`] publishes what changed
//!   since the last update (only the changes) and runs the local callbacks
//!   ([`IDict::add_callback`]); [`IDict::wait`] parks while paused, [`IDict::terminated`] says
//!   when to stop (with async twins).
//! - [`serve`] / [`Server`]: the network side, on its own thread;
//!   [`Server::wait_then_close`] lets the watchers receive the final update before closing.
//! - The `sipyco_inspect` program watches, steers, or shows a computation in a browser.
//!
//! # Example
//!
//! The mmf loop, in Rust:
//!
//! ```no_run
//! use std::time::Duration;
//!
//! # fn main() -> idict::Result<()> {
//! let idict = idict::IDict::new();
//! let server = idict::serve(&idict, &asyncio_server::NetworkArgs::default())?;
//! let mut x = 0.0_f64;
//! while !idict.terminated() {
//!     idict.wait(); // parks here while a client has paused the computation
//!     x += 1.0;
//!     {
//!         let mut d = idict.lock();
//!         d.set("x", x);
//!         d.append_bounded("history", x.sqrt(), 100)?;
//!     }
//!     idict.notify_update();
//! }
//! idict.notify_update_final();
//! server.wait_then_close(Duration::from_secs(5));
//! # Ok(())
//! # }
//! ```
//!
//! From Python: `Subscriber("idict", ...)` replicates the contents;
//! `Client(host, port, "computation").pause()` pauses it. From a shell:
//! `sipyco_inspect HOST PORT` (watch), `sipyco_inspect HOST PORT pause`, or
//! `sipyco_inspect HOST PORT web` for a live page.
//!
//! # Memory
//!
//! Every watcher has the publisher's bounded backlog ([`sync_struct::PublisherOptions`]): a
//! watcher that falls behind is cut off (and re-initialises from a fresh snapshot when it
//! reconnects), so any number of watchers, slow ones included, cannot grow the computation's
//! memory without bound.
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

mod control;
mod error;
mod idict;
mod journal;
mod serve;
mod status;
mod target;

pub use error::{Error, Result};
pub use idict::{IDict, View};
pub use journal::Contents;
pub use serve::{
    CONTENTS_NOTIFIER, DEFAULT_PORT, DESCRIPTION, STATUS_NOTIFIER, Server, TARGET, serve, serve_on,
};
pub use status::Status;
pub use target::Computation;
