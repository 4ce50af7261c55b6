//! The `monte_carlo` example of idict, built as a binary so that tests (and
//! `cargo xtask demo`) reach it through `CARGO_BIN_EXE_idict_monte_carlo`.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[path = "../../examples/support/monte_carlo.rs"]
mod program;

fn main() -> std::process::ExitCode {
    program::main()
}
