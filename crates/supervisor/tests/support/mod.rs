//! Shared by the process tests: tags to find every process a test started, and waiting for
//! them to be gone.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Environment variable carrying a test's tag; inherited by every process it starts.
pub const TAG_VAR: &str = "SUPERVISOR_TEST_TAG";

/// The fixture controllers.
pub const FIXTURE: &str = env!("CARGO_BIN_EXE_supervisor_fixture");

/// A tag unique to this test process and call.
pub fn new_tag(test: &str) -> String {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{test}-{}-{}",
        std::process::id(),
        COUNT.fetch_add(1, Ordering::SeqCst)
    )
}

/// Pids of the live (non-zombie) processes whose environment holds `TAG_VAR=tag`.
pub fn tagged(tag: &str) -> Vec<u32> {
    let needle = format!("{TAG_VAR}={tag}");
    let mut pids = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return pids;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(environ) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if environ
            .split(|&b| b == 0)
            .any(|var| var == needle.as_bytes())
        {
            pids.push(pid);
        }
    }
    pids
}

/// Wait (bounded, polling /proc) until no process of `tag` is left; panics naming them.
pub fn assert_none_left(tag: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = tagged(tag);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes of {tag} still running: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// [`assert_none_left`] for async tests: lets the runtime's other tasks run meanwhile.
pub async fn none_left(tag: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = tagged(tag);
        if left.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "processes of {tag} still running: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The environment of `pid`, as `KEY=VALUE` strings.
pub fn environ(pid: u32) -> Vec<String> {
    std::fs::read(format!("/proc/{pid}/environ"))
        .unwrap_or_default()
        .split(|&b| b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect()
}

pub mod lab;
