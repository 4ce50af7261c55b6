//! Across processes: the real `sipyco_logserver` binary, the `forward_logs` example, and a
//! forwarder that keeps logging while its server goes away and comes back.

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use log_forward::LogForwarder;
use tracing_subscriber::prelude::*;

const T: Duration = Duration::from_secs(30);

/// A running `sipyco_logserver` on 127.0.0.1, its output lines on channels.
struct LogServerProcess {
    child: Child,
    port: u16,
    stdout: mpsc::Receiver<String>,
    stderr: mpsc::Receiver<String>,
}

fn lines_of(read: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(read).lines() {
            let Ok(line) = line else { return };
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

impl LogServerProcess {
    /// Start on `port` (0: any free port) and wait for its `listening on` line.
    fn start(port: u16) -> LogServerProcess {
        Self::start_with(port, &[])
    }

    /// [`start`](Self::start) with more arguments.
    fn start_with(port: u16, args: &[&str]) -> LogServerProcess {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sipyco_logserver"))
            .args(["--no-localhost-bind", "--bind", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sipyco_logserver");
        let stdout = lines_of(child.stdout.take().unwrap());
        let stderr = lines_of(child.stderr.take().unwrap());
        let ready = stderr.recv_timeout(T).expect("readiness line");
        let port = ready
            .strip_prefix("listening on 127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected first line: {ready}"))
            .parse()
            .unwrap();
        LogServerProcess {
            child,
            port,
            stdout,
            stderr,
        }
    }

    fn next_line(&self) -> String {
        self.stdout.recv_timeout(T).expect("a line on stdout")
    }

    fn lines(&self, n: usize) -> Vec<String> {
        (0..n).map(|_| self.next_line()).collect()
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for LogServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn recorded_lines() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/head/transcripts/logs_head.jsonl"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let entry: serde_json::Value = serde_json::from_str(line).unwrap();
            entry["line"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn example_to_logserver_prints_the_recorded_lines() {
    let server = LogServerProcess::start(0);
    let status = Command::new(env!("CARGO_BIN_EXE_forward_logs"))
        .args(["127.0.0.1", &server.port.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let expected = &recorded_lines()[1..];
    assert_eq!(server.lines(expected.len()), expected);

    let status = Command::new(env!("CARGO_BIN_EXE_forward_logs"))
        .args(["127.0.0.1", &server.port.to_string(), "--source", "other"])
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(server.next_line(), "other:INFO:golden.ctl:simple message");
    server.lines(expected.len() - 1);

    // A bad forwarder is dropped with a warning on stderr; the server goes on.
    let mut bad = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    bad.write_all(b"ARTIQ logging\nno colon\n").unwrap();
    let warning = server.stderr.recv_timeout(T).unwrap();
    assert!(
        warning.starts_with("WARNING:log_forward.server:received improperly formatted message")
            && warning.ends_with(": 'no colon'"),
        "{warning}"
    );
    let mut good = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    good.write_all(b"ARTIQ logging\ns:INFO:n:still here\n")
        .unwrap();
    assert_eq!(server.next_line(), "s:INFO:n:still here");
}

#[test]
fn every_record_is_printed_unless_quieted() {
    let records = b"ARTIQ logging\ns:TRACE:n:t\ns:DEBUG:n:d\ns:INFO:n:i\ns:CRITICAL:n:c\n";
    // (arguments, the records printed); the last record marks the end of each run.
    let table: [(&[&str], &[&str]); 4] = [
        (
            &[],
            &["s:TRACE:n:t", "s:DEBUG:n:d", "s:INFO:n:i", "s:CRITICAL:n:c"],
        ),
        (
            &["-v"],
            &["s:TRACE:n:t", "s:DEBUG:n:d", "s:INFO:n:i", "s:CRITICAL:n:c"],
        ),
        (&["-q"], &["s:DEBUG:n:d", "s:INFO:n:i", "s:CRITICAL:n:c"]),
        (&["-qq"], &["s:INFO:n:i", "s:CRITICAL:n:c"]),
    ];
    for (args, expected) in table {
        let server = LogServerProcess::start_with(0, args);
        let mut forwarder = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        forwarder.write_all(records).unwrap();
        assert_eq!(server.lines(expected.len()), expected, "{args:?}");
    }
}

#[test]
fn server_restart_while_logging() {
    let server = LogServerProcess::start(0);
    let port = server.port;
    let forwarder = LogForwarder::builder("127.0.0.1", port)
        .source("restart")
        .queue_size(100)
        .retry(Duration::from_millis(50))
        .start()
        .unwrap();
    let handle = forwarder.handle();
    let _guard = tracing_subscriber::registry().with(forwarder).set_default();

    for i in 0..10 {
        tracing::info!(target: "t", "before {i}");
    }
    handle.flush(T).unwrap();
    let expected: Vec<String> = (0..10)
        .map(|i| format!("restart:INFO:t:before {i}"))
        .collect();
    assert_eq!(server.lines(10), expected);

    server.kill();
    handle.wait_for(T, |s| !s.connected).unwrap();
    // The queue holds 100; the rest is dropped and counted, and the calls return at once.
    for i in 0..150 {
        tracing::warn!(target: "t", "during {i}");
    }
    let stats = handle.stats();
    assert_eq!((stats.queued, stats.dropped), (110, 50), "{stats:?}");

    let server = LogServerProcess::start(port);
    handle.flush(T).unwrap();
    let expected: Vec<String> = (0..100)
        .map(|i| format!("restart:WARNING:t:during {i}"))
        .collect();
    assert_eq!(server.lines(100), expected);

    tracing::error!(target: "t", "after\nrestart");
    handle.flush(T).unwrap();
    assert_eq!(server.lines(2), ["restart:ERROR<2>:t:after", "restart"]);
    let stats = handle.stats();
    assert_eq!((stats.sent, stats.dropped), (111, 50), "{stats:?}");
    assert!(stats.connections >= 2);

    tracing::info!(target: "t", "last");
    handle.close(T).unwrap();
    assert_eq!(server.next_line(), "restart:INFO:t:last");
    tracing::info!(target: "t", "too late");
    let stats = handle.stats();
    assert!(stats.stopped && !stats.connected);
    assert_eq!((stats.sent, stats.dropped), (112, 51), "{stats:?}");
}

#[test]
fn forwarder_to_nothing_never_blocks() {
    // A socket bound but not listening: the port stays ours and every connection is refused.
    let reserved =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
    reserved.bind(&addr.into()).unwrap();
    let port = reserved.local_addr().unwrap().as_socket().unwrap().port();
    let forwarder = LogForwarder::builder("127.0.0.1", port).start().unwrap();
    let handle = forwarder.handle();
    let _guard = tracing_subscriber::registry().with(forwarder).set_default();
    for i in 0..10_000 {
        tracing::info!(target: "t", "record {i}");
    }
    let stats = handle.stats();
    assert_eq!((stats.queued, stats.dropped, stats.sent), (1000, 9000, 0));
    assert!(!stats.connected);
    assert!(matches!(
        handle.flush(Duration::from_millis(10)),
        Err(log_forward::Error::Timeout(_))
    ));
    handle.shutdown();
    handle.wait_for(T, |s| s.stopped).unwrap();
}
