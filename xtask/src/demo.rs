//! The demo's multi-process steps: servers started on port 0, their readiness read from their
//! output, clients run against them, everything stopped at the end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::release_bin;

/// A child process killed when dropped, with its output lines arriving on channels.
struct Server {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn start(cmd: &mut Command) -> Result<Server, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let stdout = lines(child.stdout.take().ok_or("no stdout")?);
    let stderr = lines(child.stderr.take().ok_or("no stderr")?);
    Ok(Server {
        child,
        stdout,
        stderr,
    })
}

/// Waits for a line with `prefix` and returns the rest of it.
fn wait_for(rx: &Receiver<String>, prefix: &str, what: &str) -> Result<String, String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return Ok(rest.to_owned());
                }
            }
            Err(_) => return Err(format!("{what}: no line starting with {prefix:?}")),
        }
    }
}

fn port_of(addr: &str) -> Result<String, String> {
    addr.rsplit(':')
        .next()
        .map(str::to_owned)
        .ok_or_else(|| format!("no port in {addr:?}"))
}

/// Starts `sipyco_logserver`, forwards the five recorded records through `tracing`, and shows
/// what the server printed.
pub(crate) fn logs() -> Result<(), String> {
    let server = start(Command::new(release_bin("sipyco_logserver")).args([
        "-p",
        "0",
        "--no-localhost-bind",
        "--bind",
        "127.0.0.1",
    ]))?;
    let port = port_of(&wait_for(
        &server.stderr,
        "listening on ",
        "sipyco_logserver",
    )?)?;
    println!("sipyco_logserver listening on 127.0.0.1:{port}");
    let status = Command::new(release_bin("examples/forward_logs"))
        .args(["127.0.0.1", &port, "--source", "demo"])
        .status()
        .map_err(|e| format!("forward_logs: {e}"))?;
    if !status.success() {
        return Err(format!("forward_logs failed ({status})"));
    }
    // Five records, two of them multi-line: eight lines on the server's stdout.
    for _ in 0..8 {
        let line = server
            .stdout
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "sipyco_logserver printed fewer records than were sent".to_owned())?;
        println!("  received: {line}");
    }
    Ok(())
}
