//! The workspace's task runner: `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! - `test`: formatting, clippy with `-D warnings`, the documentation with warnings denied,
//!   every test and doc test of the workspace (the golden conformance tests included), then one
//!   closing `N passed, N failed, N skipped` line and the list of what was skipped and why.
//! - `demo`: the project's main job as a newcomer runs it.
//! - `bench [pyon|...]`: benchmarks that print one `name value` line per figure.
//! - `pyenv`: makes the tests' Python virtualenv and prints its interpreter.
//!
//! What the tests need beyond a Rust toolchain is installed by this crate, never by hand:
//! a Python virtualenv under `target/` ([`python`]) and Debian packages ([`debian`]).
//! It has no dependencies: it only runs commands and reads their output.

mod bench;
mod debian;
mod demo;
mod python;
mod test;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run_all(),
        Some("demo") => demo::run_all(),
        Some("bench") => bench::run_selected(&args[1..]),
        Some("pyenv") => python::ensure_venv().map(|v| println!("{}", v.python().display())),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 test            fmt check, clippy -D warnings, docs, all tests;\n                  \
                 prints `N passed, N failed, N skipped`\n  \
                 demo            the project's main job: codec, controller, publisher, logs\n  \
                 bench [NAME..]  benchmarks ({}); all when none is named\n  \
                 pyenv           make target/pyenv (the tests' Python) and print its interpreter",
                bench::names().join(", ")
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The cargo target directory (`CARGO_TARGET_DIR` or `target/`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// A cargo command in the workspace root. Its standard input is the null device: cargo's
/// rustc probe and the tests must never read whatever the caller's input happens to be (CI
/// runs with none), and a probe that read garbage would be cached as a failure.
fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace_root())
        .stdin(std::process::Stdio::null());
    c
}

fn run(step: &str, cmd: &mut Command) -> Result<(), String> {
    eprintln!("xtask: {step}");
    let status = cmd
        .status()
        .map_err(|e| format!("{step}: cannot start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{step} failed ({status})"))
    }
}

/// The shared data folder beside the checkout when present, else the copy in `tests/`.
fn corpus_file(name: &str) -> PathBuf {
    let root = workspace_root();
    let shared = root.join("../shared/corpus").join(name);
    if shared.exists() {
        shared
    } else {
        root.join("tests/corpus").join(name)
    }
}

/// A binary of the release build, by its path under `target/release`.
fn release_bin(rel: &str) -> PathBuf {
    target_dir().join("release").join(rel)
}
