//! Processes for the tests: the `monte_carlo` example and `sipyco_inspect`, killed and reaped
//! when dropped, their output lines on channels.
#![allow(dead_code)] // each test file uses its own part

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

pub const INSPECT: &str = env!("CARGO_BIN_EXE_sipyco_inspect");
pub const MONTE_CARLO: &str = env!("CARGO_BIN_EXE_idict_monte_carlo");
pub const T: Duration = Duration::from_secs(60);

/// A child process, killed and reaped when dropped.
pub struct Proc {
    pub child: Child,
    pub stdout: Receiver<String>,
    pub stderr: Receiver<String>,
}

impl Drop for Proc {
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

impl Proc {
    pub fn spawn(cmd: &mut Command) -> Proc {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
        let stdout = lines(child.stdout.take().unwrap());
        let stderr = lines(child.stderr.take().unwrap());
        Proc {
            child,
            stdout,
            stderr,
        }
    }

    /// The next line of stdout.
    pub fn line(&self) -> String {
        self.stdout
            .recv_timeout(T)
            .unwrap_or_else(|_| panic!("no line on stdout; stderr: {:?}", self.stderr_now()))
    }

    pub fn stderr_now(&self) -> Vec<String> {
        self.stderr.try_iter().collect()
    }

    /// Waits for the exit, at most `T`.
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + T;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the process did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// The example on a free loopback port; returns it and its port (from its `port N` line).
pub fn monte_carlo(extra: &[&str]) -> (Proc, u16) {
    let p = Proc::spawn(
        Command::new(MONTE_CARLO)
            .args(["-p", "0", "--no-localhost-bind", "--bind", "127.0.0.1"])
            .args(extra),
    );
    let line = p.line();
    let port = line
        .strip_prefix("port ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("not a port line: {line:?}"));
    (p, port)
}

/// `sipyco_inspect 127.0.0.1 PORT ARGS...`, run to its end: (exit status, stdout, stderr).
pub fn inspect(port: u16, args: &[&str]) -> (ExitStatus, String, String) {
    let out = Command::new(INSPECT)
        .arg("127.0.0.1")
        .arg(port.to_string())
        .args(args)
        .output()
        .unwrap();
    (
        out.status,
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}
