//! `cargo xtask test`: every check and test, ending in `N passed, N failed, N skipped`.
//!
//! # Skipped tests
//! A test that cannot run on this machine (no network namespaces without root, a package that
//! could not be installed) must not count as passed. It returns early after appending one line,
//! `test name<TAB>reason`, to the file named by the environment variable `SIPYCO_SKIP_LOG`
//! (and saying the same on stderr). This task subtracts those tests from the passed count,
//! reports them as skipped and lists them with their reasons. Outside this task the variable is
//! unset and the skip is only printed.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use crate::{cargo, debian, python, run, target_dir};

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

/// One skipped test and why.
struct Skip {
    test: String,
    reason: String,
}

fn read_skips(text: &str) -> Vec<Skip> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (test, reason) = l.split_once('\t').unwrap_or((l, "no reason given"));
            Skip {
                test: test.to_string(),
                reason: reason.to_string(),
            }
        })
        .collect()
}

/// `/dev/null` must be the null device. If something replaced it with a regular file, every
/// `Stdio::null()` in every later process reads back what others wrote there (cargo's rustc
/// probe then fails and caches the failure): refuse to run, and catch a test that does it.
fn check_null_device(when: &str) -> Result<(), String> {
    use std::os::unix::fs::FileTypeExt;
    match std::fs::metadata("/dev/null") {
        Ok(m) if m.file_type().is_char_device() => Ok(()),
        _ => Err(format!(
            "/dev/null is not the null device {when}; restore it as root with \
             `rm -f /dev/null && mknod -m 666 /dev/null c 1 3`"
        )),
    }
}

pub(crate) fn run_all() -> Result<(), String> {
    check_null_device("before the tests")?;
    run(
        "cargo fmt --check",
        cargo().args(["fmt", "--all", "--check"]),
    )?;
    if let Err(e) = debian::ensure(debian::TEST_PACKAGES) {
        eprintln!("xtask: warning: {e}; the tests that need them will be skipped");
    }
    let venv = python::ensure_venv()?;
    run(
        "cargo clippy -D warnings",
        venv.apply(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ])),
    )?;
    run(
        "cargo doc (warnings denied)",
        venv.apply(
            cargo()
                .args([
                    "doc",
                    "--workspace",
                    "--all-features",
                    "--no-deps",
                    "--quiet",
                ])
                .env("RUSTDOCFLAGS", "-D warnings"),
        ),
    )?;
    // The fuzz targets live outside the workspace (cargo-fuzz runs them, see fuzz/README.md);
    // `cargo check` type-checks them here, so an API change cannot silently break them.
    run(
        "fuzz targets compile (cargo check)",
        cargo().args([
            "check",
            "--quiet",
            "--manifest-path",
            "fuzz/Cargo.toml",
            "--bins",
        ]),
    )?;

    eprintln!("xtask: cargo test --workspace");
    let skip_log = target_dir().join("xtask-skips.txt");
    std::fs::create_dir_all(target_dir()).map_err(|e| format!("target dir: {e}"))?;
    std::fs::write(&skip_log, "").map_err(|e| format!("{}: {e}", skip_log.display()))?;
    let mut child = venv
        .apply(
            cargo()
                .args(["test", "--workspace", "--all-features", "--no-fail-fast"])
                .env("SIPYCO_SKIP_LOG", &skip_log),
        )
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
    let skips = read_skips(&std::fs::read_to_string(&skip_log).unwrap_or_default());
    let py = run_pytest(&venv);
    check_null_device("after the tests (a test replaced it)")?;

    // A build failure or a crashed test binary fails the run even if no test reported failing.
    let failed = counts.failed + u64::from(!status.success() && counts.failed == 0) + py.failed;
    let skipped = skips.len() as u64 + py.skipped;
    let passed = counts.passed.saturating_sub(skips.len() as u64) + py.passed;
    println!();
    for s in &skips {
        println!("skipped: {}: {}", s.test, s.reason);
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if counts.ignored > 0 {
        return Err(format!("{} tests are ignored; none may be", counts.ignored));
    }
    if failed > 0 || passed == 0 {
        return Err("tests failed".into());
    }
    Ok(())
}

/// Counts of one pytest run, from its closing summary line.
#[derive(Debug, Default, PartialEq)]
struct PytestCounts {
    passed: u64,
    failed: u64,
    skipped: u64,
}

/// Reads pytest's summary line (`3 failed, 589 passed, 2 skipped in 7.26s`, possibly framed by
/// `=`); `None` for any other line. Errors count as failures; `xfailed`, `xpassed`,
/// `deselected` and `warnings` are not tests that ran to a verdict here and are left out.
fn parse_pytest_summary(line: &str) -> Option<PytestCounts> {
    let body = line.trim().trim_matches('=').trim();
    let (counts, time) = body.rsplit_once(" in ")?;
    if !time.trim_end().ends_with('s') {
        return None;
    }
    let mut c = PytestCounts::default();
    let mut any = false;
    for part in counts.split(", ") {
        let (n, what) = part.trim().split_once(' ')?;
        let n: u64 = n.parse().ok()?;
        any = true;
        match what {
            "passed" => c.passed += n,
            "failed" | "error" | "errors" => c.failed += n,
            "skipped" => c.skipped += n,
            _ => {}
        }
    }
    any.then_some(c)
}

/// Builds and installs the `sipyco_rs` module, then runs its pytest suite
/// (crates/pyon-python/tests) with the venv's python. A build failure, a failing test, a run
/// that collects no test (pytest's exit code 5) or an unreadable summary is one failure more.
fn run_pytest(venv: &python::Venv) -> PytestCounts {
    let failure = |why: String| {
        eprintln!("xtask: pytest: {why}");
        PytestCounts {
            failed: 1,
            ..PytestCounts::default()
        }
    };
    if let Err(e) = python::install_pyon_python(venv, false) {
        return failure(e);
    }
    eprintln!("xtask: pytest crates/pyon-python/tests");
    let crate_dir = crate::workspace_root().join("crates/pyon-python");
    let child = venv
        .apply(&mut std::process::Command::new(venv.python()))
        .args([
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            "tests",
        ])
        .current_dir(&crate_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return failure(format!("cannot start: {e}")),
    };
    let mut counts = None;
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            println!("{line}");
            if let Some(c) = parse_pytest_summary(&line) {
                counts = Some(c);
            }
        }
    }
    let code = child.wait().ok().and_then(|s| s.code());
    match (code, counts) {
        (Some(5), _) => failure("no tests were collected (exit code 5)".into()),
        (Some(0), Some(c)) => c,
        (Some(_), Some(c)) if c.failed > 0 => c,
        (code, c) => {
            let mut c = c.unwrap_or_default();
            c.failed += 1;
            eprintln!("xtask: pytest: exit code {code:?} without a failing test");
            c
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pytest_summaries_are_read() {
        let cases = [
            ("592 passed in 7.26s", Some((592, 0, 0))),
            (
                "===== 3 failed, 589 passed, 2 skipped in 7.26s =====",
                Some((589, 3, 2)),
            ),
            ("1 failed, 2 errors, 1 warning in 0.5s", Some((0, 3, 0))),
            (
                "4 passed, 1 xfailed, 2 deselected in 1.00s",
                Some((4, 0, 0)),
            ),
            ("no tests ran in 0.01s", None),
            ("tests/test_golden.py ....                  [ 12%]", None),
            ("FAILED tests/test_x.py::test_y - assert 1 in [2]", None),
        ];
        for (line, want) in cases {
            let got = parse_pytest_summary(line).map(|c| (c.passed, c.failed, c.skipped));
            assert_eq!(got, want, "{line}");
        }
    }

    #[test]
    fn counts_add_up_over_result_lines() {
        let mut c = Counts::default();
        c.add_line("test result: ok. 14 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out");
        c.add_line("test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured");
        c.add_line("running 5 tests");
        assert_eq!((c.passed, c.failed, c.ignored), (17, 2, 1));
    }

    #[test]
    fn skip_lines_carry_their_reason() {
        let s = read_skips("a::b\tno root\n\nc\n");
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].test.as_str(), s[0].reason.as_str()),
            ("a::b", "no root")
        );
        assert_eq!(s[1].reason, "no reason given");
    }
}
