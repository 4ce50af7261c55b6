//! Estimates π by sampling, as a computation that clients can watch, pause and stop.
//!
//! ```text
//! cargo run -p idict --example monte_carlo -- -p 3253 [--samples N]
//! # in another terminal:
//! cargo run -p idict --bin sipyco_inspect -- localhost 3253          # watch
//! cargo run -p idict --bin sipyco_inspect -- localhost 3253 pause
//! cargo run -p idict --bin sipyco_inspect -- localhost 3253 web      # a live page
//! ```
//!
//! It publishes at least 10 updates per second of
//! `{"samples": int, "inside": int, "pi": float, "history": [float, ...]}` (history: the last
//! 100 estimates), stops after `--samples N` (default: never) or on `terminate()`, publishes a
//! final update and exits 0. With `-p 0` it prints `port PORT` once listening.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[path = "support/monte_carlo.rs"]
mod program;

fn main() -> std::process::ExitCode {
    program::main()
}
