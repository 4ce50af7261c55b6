//! `sipyco_inspect HOST PORT` on a pseudo-terminal: the in-place view with its status line,
//! redrawn as the computation runs, paused and finished.

mod common;

use std::fs::File;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use common::{INSPECT, T, inspect, monte_carlo};
use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;

/// The view as a person reads it: the text after the last clear-screen, without control
/// sequences or `\r`.
fn last_screen(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let screen = text.rsplit("\x1b[2J").next().unwrap_or_default();
    let mut out = String::new();
    let mut chars = screen.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\x1b' => {
                if chars.next() == Some('[') {
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

struct Terminal {
    child: std::process::Child,
    output: Receiver<Vec<u8>>,
    raw: Vec<u8>,
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Terminal {
    fn spawn(args: &[&str]) -> Terminal {
        let master = rustix::pty::openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        rustix::pty::grantpt(&master).unwrap();
        rustix::pty::unlockpt(&master).unwrap();
        let name = rustix::pty::ptsname(&master, Vec::new()).unwrap();
        let slave = rustix::fs::open(
            name.as_c_str(),
            OFlags::RDWR | OFlags::NOCTTY,
            Mode::empty(),
        )
        .unwrap();
        rustix::termios::tcsetwinsize(
            &slave,
            rustix::termios::Winsize {
                ws_row: 24,
                ws_col: 72,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .unwrap();
        let child = Command::new(INSPECT)
            .args(args)
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap();
        let mut reader = File::from(master);
        let (tx, output) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once the child has exited and closed the slave side.
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                if tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Terminal {
            child,
            output,
            raw: Vec::new(),
        }
    }

    /// Waits for a whole screen for which `done` holds; returns it.
    ///
    /// The tool draws a frame with one flush, but a pseudo-terminal hands it to the reader in
    /// as many pieces as the line discipline makes, so a screen counts only once its last line,
    /// the `history` one, has arrived whole.
    fn screen(&mut self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + T;
        loop {
            let screen = last_screen(&self.raw);
            if whole(&screen) && done(&screen) {
                return screen;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.raw.extend(chunk),
                Err(_) => panic!("no screen with {what}; last one:\n{screen}"),
            }
        }
    }
}

/// Whether the screen has been drawn to its end: the monte-carlo contents end with the
/// `history` key, and every line of the view ends with a newline.
fn whole(screen: &str) -> bool {
    screen.ends_with('\n') && screen.lines().any(|l| l.starts_with("history: "))
}

fn updates(screen: &str) -> u64 {
    screen
        .split("updates ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

#[test]
fn the_terminal_view_redraws_in_place() {
    let (mut computation, port) = monte_carlo(&[]);
    let port_arg = port.to_string();
    let mut term = Terminal::spawn(&["127.0.0.1", &port_arg]);
    let first = term.screen("a running computation", |s| {
        s.starts_with("running | updates ") && s.contains("pi: 3.")
    });
    for key in ["samples: ", "inside: ", "pi: 3.", "history: ["] {
        assert!(first.contains(key), "{key} in\n{first}");
    }
    assert!(first.lines().all(|l| l.chars().count() <= 72), "{first}");
    let later = term.screen("more updates", |s| {
        s.starts_with("running") && updates(s) > updates(&first) + 2
    });
    // A history of more than three estimates is drawn as a sparkline.
    assert!(later.contains(" numbers] "), "{later}");
    // The status line: state, update count, and a rate measured by the tool.
    let status_line = later.lines().next().unwrap();
    let rate: f64 = status_line
        .strip_suffix(" updates/s")
        .and_then(|l| l.rsplit(" | ").next())
        .and_then(|r| r.parse().ok())
        .unwrap_or_else(|| panic!("no rate in {status_line:?}"));
    assert!(rate > 0.0, "{status_line}");

    assert!(inspect(port, &["pause"]).0.success());
    term.screen("the paused state", |s| s.starts_with("paused | updates "));
    assert!(inspect(port, &["resume"]).0.success());
    term.screen("running again", |s| s.starts_with("running | updates "));
    assert!(inspect(port, &["terminate"]).0.success());
    let last = term.screen("the end", |s| s.starts_with("finished | updates "));
    assert!(last.contains("pi: 3."), "{last}");
    assert!(computation.wait().success());
    let deadline = Instant::now() + T;
    let status = loop {
        if let Some(status) = term.child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "sipyco_inspect did not exit");
        // Keep draining the terminal so the child never blocks on a full buffer.
        if let Ok(chunk) = term
            .output
            .recv_timeout(std::time::Duration::from_millis(50))
        {
            term.raw.extend(chunk);
        }
    };
    assert!(status.success());
}
