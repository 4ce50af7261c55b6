//! The workspace's task runner: `cargo xtask <task>` (alias in `.cargo/config.toml`).
//!
//! - `test`: formatting, clippy with `-D warnings`, every test and doc test of the workspace
//!   (the golden conformance tests included), then one closing `N passed, N failed` line.
//! - `demo`: the project's main job as a newcomer runs it.
//! - `bench [pyon|...]`: benchmarks that print one `name value` line per figure.
//!
//! It has no dependencies: it only runs cargo and reads its output.

mod demo;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("demo") => demo(),
        Some("bench") => bench(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 test            fmt check, clippy -D warnings, all tests; prints `N passed, N failed`\n  \
                 demo            the project's main job: codec, controller, publisher, logs\n  \
                 bench [NAME..]  benchmarks ({}); all when none is named",
                BENCHES
                    .iter()
                    .map(|b| b.name)
                    .collect::<Vec<_>>()
                    .join(", ")
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

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(workspace_root());
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

/// Counts of one `cargo test` run, read from its `test result:` lines.
#[derive(Default)]
struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Counts {
    fn add_line(&mut self, line: &str) {
        // "test result: ok. 14 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; ..."
        let Some(rest) = line.trim().strip_prefix("test result: ") else {
            return;
        };
        for part in rest.split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(what), Some(n)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(n) = n.parse::<u64>() else { continue };
            match what {
                "passed" => self.passed += n,
                "failed" => self.failed += n,
                "ignored" => self.ignored += n,
                _ => {}
            }
        }
    }
}

fn test() -> Result<(), String> {
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    run(
        "cargo clippy -D warnings",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    eprintln!("xtask: cargo test --workspace");
    let mut child = cargo()
        .args(["test", "--workspace", "--all-features", "--no-fail-fast"])
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cargo test: cannot start: {e}"))?;
    let mut counts = Counts::default();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line.map_err(|e| format!("cargo test output: {e}"))?;
            println!("{line}");
            counts.add_line(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("cargo test: {e}"))?;
    // A build failure or a crashed test binary fails the run even if no test reported failing.
    let failed = counts.failed + u64::from(!status.success() && counts.failed == 0);
    println!();
    println!("{} passed, {} failed", counts.passed, failed);
    if counts.ignored > 0 {
        return Err(format!("{} tests are ignored; none may be", counts.ignored));
    }
    if failed > 0 || counts.passed == 0 {
        return Err("tests failed".into());
    }
    Ok(())
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

fn demo() -> Result<(), String> {
    run(
        "demo: building (release)",
        cargo().args([
            "build",
            "--quiet",
            "--release",
            "--workspace",
            "--bins",
            "--examples",
        ]),
    )?;
    let corpus = corpus_file("mixed.v1.pyon");
    println!("== 1. PYON codec on the benchmark corpus");
    run(
        "demo: codec",
        Command::new(release_bin("examples/corpus_demo")).arg(&corpus),
    )?;
    println!();
    println!("== 2. logs: a tracing forwarder sends records to sipyco_logserver");
    demo::logs()?;
    println!();
    println!("== 3. queued listener: UDP datagrams received on one thread, dispatched on another");
    run(
        "demo: queued listener",
        &mut Command::new(release_bin("examples/demo")),
    )?;
    println!();
    println!("== 4. sync_struct: a publisher applies mods, subscribers in other processes follow");
    demo::sync()?;
    println!();
    println!("== 5. RPC: the echo controller, the Rust clients and sipyco_rpctool");
    demo::rpc()?;
    println!();
    println!("demo: all steps passed");
    Ok(())
}

/// A binary of the release build, by its path under `target/release`.
fn release_bin(rel: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("release").join(rel)
}

struct Bench {
    name: &'static str,
    package: &'static str,
    target: &'static str,
}

const BENCHES: &[Bench] = &[
    Bench {
        name: "pyon",
        package: "pyon-codec",
        target: "pyon",
    },
    Bench {
        name: "logs",
        package: "log-forward",
        target: "logs",
    },
    Bench {
        name: "queued",
        package: "queued-listener",
        target: "queued",
    },
    Bench {
        name: "sync",
        package: "sync-struct",
        target: "sync",
    },
    Bench {
        name: "rpc",
        package: "rpc-core",
        target: "rpc",
    },
];

fn bench(names: &[String]) -> Result<(), String> {
    let selected: Vec<&Bench> = if names.is_empty() {
        BENCHES.iter().collect()
    } else {
        names
            .iter()
            .map(|n| {
                BENCHES
                    .iter()
                    .find(|b| b.name == n)
                    .ok_or_else(|| format!("unknown benchmark {n:?}"))
            })
            .collect::<Result<_, _>>()?
    };
    for b in selected {
        run(
            &format!("bench {}", b.name),
            cargo()
                .args(["bench", "--quiet", "-p", b.package, "--bench", b.target])
                .env("SIPYCO_CORPUS_DIR", corpus_file("").as_os_str()),
        )?;
    }
    Ok(())
}
