//! The recorded forwarder sessions of the Python library, byte for byte: formatting the recorded
//! records gives the recorded lines, parsing the lines gives the records back, and a
//! `LogForwarder` fed the same records through `tracing` puts exactly those bytes on the socket.

use std::time::Duration;

use log_forward::{BANNER, Level, LogForwarder, LogParser, LogRecord};
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;
use tokio::time::timeout;
use tracing_subscriber::prelude::*;

const T: Duration = Duration::from_secs(20);

fn recording(version: &str) -> Vec<String> {
    let path = format!(
        "{}/../../tests/golden/{version}/transcripts/logs_{version}.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(entry["dir"], "c2s");
            entry["line"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// The records that the Python forwarder sent in the recordings.
fn recorded_records() -> Vec<LogRecord> {
    [
        (Level::Info, "simple message"),
        (Level::Warning, "two\nlines"),
        (Level::Error, "colon: inside: text"),
        (Level::Debug, "three\nline\nmessage"),
        (Level::Critical, ""),
    ]
    .into_iter()
    .map(|(level, message)| LogRecord::new(level, "golden.ctl", message).with_source("ctl_demo"))
    .collect()
}

/// Parse record lines as the server does: the source is split off each first line.
fn parse_lines(lines: &[String]) -> Vec<LogRecord> {
    let mut parser = LogParser::new();
    let mut source = String::new();
    let mut records = Vec::new();
    for line in lines {
        let text = if parser.in_multiline() {
            line.as_str()
        } else {
            let (s, rest) = line.split_once(':').expect("record line has a source");
            source = s.to_owned();
            rest
        };
        if let Some(record) = parser.line_input(text).unwrap() {
            records.push(record.with_source(source.as_str()));
        }
    }
    records
}

#[test]
fn recordings_format_and_parse() {
    for version in ["head", "v1"] {
        let lines = recording(version);
        assert_eq!(lines[0], BANNER);
        let formatted: Vec<String> = recorded_records()
            .iter()
            .flat_map(|r| {
                r.to_wire_text()
                    .split('\n')
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(formatted, lines[1..], "{version}");
        assert_eq!(parse_lines(&lines[1..]), recorded_records(), "{version}");
    }
}

#[tokio::test]
async fn forwarder_sends_the_recorded_bytes() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let forwarder = LogForwarder::builder("127.0.0.1", port)
        .source("ctl_demo")
        .retry(Duration::from_millis(50))
        .start()
        .unwrap();
    let handle = forwarder.handle();
    let subscriber = tracing_subscriber::registry().with(forwarder);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "golden.ctl", "simple message");
        tracing::warn!(target: "golden.ctl", "two\nlines");
        tracing::error!(target: "golden.ctl", "colon: {} text", "inside:");
        tracing::debug!(target: "golden.ctl", "three\nline\nmessage");
        tracing::error!(target: "golden.ctl", levelname = "CRITICAL", "");
    });

    let (mut socket, _) = timeout(T, listener.accept()).await.unwrap().unwrap();
    handle.flush_async(T).await.unwrap();
    let mut expected = recording("head").join("\n");
    expected.push('\n');
    let mut received = vec![0u8; expected.len()];
    timeout(T, socket.read_exact(&mut received))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(String::from_utf8(received).unwrap(), expected);
    let stats = handle.stats();
    assert_eq!((stats.queued, stats.sent, stats.dropped), (5, 5, 0));
    handle.shutdown();
}
