//! Real children: exits, escalation, process groups, emergency stops, output capture, and
//! that nothing is left behind.

mod support;

use std::sync::Arc;
use std::time::Duration;

use log_forward::{Level, LogRecord};
use supervisor::{Error, Exit, Process, ProcessSpec, run_process};
use support::{FIXTURE, TAG_VAR, new_tag, none_left, tagged};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn fixture(tag: &str, role: &str) -> ProcessSpec {
    ProcessSpec::new(role, FIXTURE)
        .arg(role)
        .env(TAG_VAR, tag)
        .term_timeout(Duration::from_secs(5))
}

/// A sink that passes records to the test.
fn channel_sink() -> (
    Arc<dyn log_forward::RecordSink>,
    mpsc::UnboundedReceiver<LogRecord>,
) {
    let (tx, rx) = mpsc::unbounded_channel();
    let sink = move |record: LogRecord| {
        let _ = tx.send(record);
    };
    (Arc::new(sink), rx)
}

/// Wait for the record whose message satisfies `f`.
async fn record_where(
    rx: &mut mpsc::UnboundedReceiver<LogRecord>,
    f: impl Fn(&LogRecord) -> bool,
) -> LogRecord {
    loop {
        let record = rx.recv().await.expect("output ended");
        if f(&record) {
            return record;
        }
    }
}

#[tokio::test]
async fn exit_codes() {
    let tag = new_tag("exit_codes");
    let stop = CancellationToken::new();
    for code in [0, 3] {
        let spec = fixture(&tag, "exit").arg("--code").arg(code.to_string());
        assert_eq!(run_process(spec, &stop).await.unwrap(), Exit::Code(code));
    }
    none_left(&tag).await;
}

#[tokio::test]
async fn emergency_stop_is_an_error() {
    let tag = new_tag("emergency");
    let spec = fixture(&tag, "exit")
        .args(["--code", "99"])
        .emergency_stop_code(supervisor::EMERGENCY_STOP_CODE);
    match run_process(spec, &CancellationToken::new()).await {
        Err(Error::EmergencyStop { name, code: 99, .. }) => assert_eq!(name, "exit"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn missing_program_is_named() {
    let spec = ProcessSpec::new("ghost", "/nonexistent/aqctl_ghost");
    let err = Process::spawn(spec).await.unwrap_err();
    assert!(matches!(err, Error::Spawn { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("ghost") && text.contains("/nonexistent/aqctl_ghost"),
        "{text}"
    );
}

#[tokio::test]
async fn cancel_terminates_the_whole_group() {
    let tag = new_tag("group");
    let (sink, mut rx) = channel_sink();
    let spec = fixture(&tag, "sleep")
        .args(["--children", "2"])
        .capture_output("sleeper", sink);
    let stop = CancellationToken::new();
    let run = tokio::spawn({
        let stop = stop.clone();
        async move { run_process(spec, &stop).await }
    });
    // The sleeper and its two children (sharing its stdout) each print when ready.
    for _ in 0..3 {
        record_where(&mut rx, |r| r.message == "sleeping").await;
    }
    assert_eq!(tagged(&tag).len(), 3, "the sleeper and its two children");
    stop.cancel();
    assert_eq!(run.await.unwrap().unwrap(), Exit::Terminated);
    none_left(&tag).await;
}

#[tokio::test]
async fn sigterm_ignored_then_killed() {
    let tag = new_tag("stubborn");
    let (sink, mut rx) = channel_sink();
    let spec = fixture(&tag, "stubborn")
        .args(["-p", "0", "--no-localhost-bind", "--bind", "127.0.0.1"])
        .term_timeout(Duration::from_millis(300))
        .capture_output("stubborn", sink);
    let mut process = Process::spawn(spec).await.unwrap();
    record_where(&mut rx, |r| r.message.starts_with("port ")).await;
    assert_eq!(process.stop().await.unwrap(), Exit::Killed);
    let ignored = record_where(&mut rx, |r| r.level == Level::Warning).await;
    assert_eq!(ignored.message, "ignoring SIGTERM");
    assert_eq!(process.exit(), Some(Exit::Killed));
    none_left(&tag).await;
}

#[tokio::test]
async fn dropping_a_process_stops_it() {
    let tag = new_tag("drop");
    let (sink, mut rx) = channel_sink();
    let process = Process::spawn(fixture(&tag, "sleep").capture_output("s", sink))
        .await
        .unwrap();
    record_where(&mut rx, |r| r.message == "sleeping").await;
    drop(process);
    none_left(&tag).await;
}

#[tokio::test]
async fn output_becomes_records() {
    let tag = new_tag("noisy");
    let (sink, mut rx) = channel_sink();
    let spec = fixture(&tag, "noisy")
        .args([
            "--lines",
            "10000",
            "-p",
            "0",
            "--no-localhost-bind",
            "--bind",
            "127.0.0.1",
        ])
        .capture_output("controller(noisy)", sink);
    let mut process = Process::spawn(spec).await.unwrap();
    let mut lines = 0;
    let mut warning = None;
    let mut bad = None;
    let mut port = None;
    while lines < 10_000 || warning.is_none() || port.is_none() {
        let record = rx.recv().await.unwrap();
        assert_eq!(record.source.as_deref(), Some("controller(noisy)"));
        if let Some(n) = record.message.strip_prefix("line ") {
            assert_eq!(n.parse::<usize>().unwrap(), lines, "lines in order");
            lines += 1;
        } else if record.message.starts_with("port ") {
            port = Some(record);
        } else if record.level == Level::Warning {
            warning = Some(record);
        } else {
            bad = Some(record);
        }
    }
    assert_eq!(
        bad.unwrap(),
        LogRecord::new(Level::Info, "print", "bad \u{fffd}\u{fffd} bytes")
            .with_source("controller(noisy)")
    );
    assert_eq!(
        warning.unwrap(),
        LogRecord::new(Level::Warning, "noisy.ctl", "two\nlines").with_source("controller(noisy)")
    );
    assert_eq!(process.stop().await.unwrap(), Exit::Terminated);
    none_left(&tag).await;
}
