//! The simulated camera controller with remote execution; the program is the binary
//! `rexec_controller` of this crate (so that tests can run it), see its documentation.
//!
//! ```text
//! cargo run -p rexec --example rexec_controller -- -p 3253 -v
//! ```

#[path = "../src/bin/rexec_controller.rs"]
mod controller;

fn main() -> std::process::ExitCode {
    controller::main()
}
