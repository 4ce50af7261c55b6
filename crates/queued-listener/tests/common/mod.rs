//! Shared by the integration tests.

/// Reports a test as skipped to `cargo xtask test` (see xtask/src/test.rs), not passed: a
/// `SKIPPED name: reason` line on stderr, and `name<TAB>reason` appended to `$SIPYCO_SKIP_LOG`.
pub fn skip(test: &str, reason: &str) {
    eprintln!("SKIPPED {test}: {reason}");
    if let Some(log) = std::env::var_os("SIPYCO_SKIP_LOG") {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(log).unwrap();
        writeln!(f, "{test}\t{reason}").unwrap();
    }
}
