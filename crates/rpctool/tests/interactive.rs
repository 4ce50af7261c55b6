//! The interactive mode driven through a pseudo-terminal, as a person would use it: prompt,
//! results, line editing (Ctrl-A, backspace), history (up arrow), a remote exception, a bad
//! expression, and Ctrl-D to leave with status 0.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Instant;

use common::{BIN, Servers, TIMEOUT, run_with_input, stdout};
use rustix::fs::{Mode, OFlags};
use rustix::pty::OpenptFlags;

/// The binary on the slave side of a fresh pseudo-terminal, and the master side.
struct Terminal {
    child: Child,
    master: File,
    output: Receiver<Vec<u8>>,
    raw: Vec<u8>,
    /// How much of the cleaned output earlier expectations consumed.
    consumed: usize,
}

/// The output as a person reads it: no `\r`, no terminal control sequences.
fn clean(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\x07' => {}
            '\x1b' => match chars.next() {
                Some('[') => {
                    while let Some(&n) = chars.peek() {
                        chars.next();
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                Some(']') => {
                    for n in chars.by_ref() {
                        if n == '\x07' {
                            break;
                        }
                    }
                }
                _ => {}
            },
            c => out.push(c),
        }
    }
    out
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
                ws_col: 80,
                ws_xpixel: 0,
                ws_ypixel: 0,
            },
        )
        .unwrap();
        let child = Command::new(BIN)
            .args(args)
            .env("TERM", "xterm")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave))
            .spawn()
            .unwrap();
        let master = File::from(master);
        let mut reader = master.try_clone().unwrap();
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
            master,
            output,
            raw: Vec::new(),
            consumed: 0,
        }
    }

    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).unwrap();
        self.master.flush().unwrap();
    }

    /// Waits until `text` appears in the output after what earlier expectations consumed.
    fn expect(&mut self, text: &str) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let cleaned = clean(&self.raw);
            if let Some(p) = cleaned
                .get(self.consumed..)
                .and_then(|rest| rest.find(text))
            {
                self.consumed += p + text.len();
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(chunk) => self.raw.extend(chunk),
                Err(_) => panic!(
                    "did not see {text:?}; output after the last match:\n{}",
                    cleaned.get(self.consumed..).unwrap_or("")
                ),
            }
        }
    }

    /// Waits for the process to end; its exit status.
    fn wait(mut self) -> Option<i32> {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(self.child.wait());
        });
        rx.recv_timeout(TIMEOUT)
            .expect("the tool did not exit")
            .unwrap()
            .code()
    }
}

#[test]
fn a_session_at_the_terminal() {
    let servers = Servers::new();
    let port = servers.single().port().to_string();
    // No action means interactive, on the only target.
    let mut t = Terminal::spawn(&["127.0.0.1", &port]);
    t.expect("(only) ");

    t.send("set_attenuation(5)\r");
    t.expect("set_attenuation(5)\n(only) ");

    t.send("get_attenuation()\r");
    t.expect("5.0\n(only) ");

    // Line editing: the line is typed without its first letter, which Ctrl-A then inserts.
    t.send("et_attenuation()x\x7f\x01g\r");
    t.expect("5.0\n(only) ");

    // History: the up arrow brings the last line back.
    t.send("\x1b[A\r");
    t.expect("5.0\n(only) ");

    t.send("np.array([1.0, 2.5])\r");
    t.expect("array([1. , 2.5])\n(only) ");

    t.send("echo({'b': 1, 'a': [1, 2]})\r");
    t.expect("{'a': [1, 2], 'b': 1}\n(only) ");

    t.send("no_doc(1, 2)\r");
    t.expect("Remote exception:\nTypeError: Lda.no_doc() missing 1 required keyword-only argument: 'c'\n");
    t.expect("(only) ");

    t.send("no_doc(1, c=3)\r");
    t.expect("no_doc(1, c=3)\n(only) ");

    t.send("1 +\r");
    t.expect("unexpected end of expression at column 4\n(only) ");

    t.send("nonexistent()\r");
    t.expect("NameError: name 'nonexistent' is not defined\n(only) ");

    t.send("\x04");
    assert_eq!(t.wait(), Some(0));
}

#[test]
fn interactive_with_a_named_target() {
    let servers = Servers::new();
    let port = servers.golden().port().to_string();
    let mut t = Terminal::spawn(&["127.0.0.1", &port, "interactive", "-t", "demo"]);
    t.expect("(demo) ");
    t.send("add(1, 2, 3, scale=2)\r");
    t.expect("12\n(demo) ");
    t.send("fail_value()\r");
    t.expect("Remote exception:\nValueError: bad value 42\n  File \"<path>/record_golden.py\", line 171, in fail_value\n    raise ValueError(\"bad value 42\")\n(demo) ");
    t.send("\x04");
    assert_eq!(t.wait(), Some(0));
}

#[test]
fn interactive_reading_a_pipe() {
    let servers = Servers::new();
    let port = servers.single().port().to_string();
    let out = run_with_input(
        &["127.0.0.1", &port, "interactive"],
        "get_attenuation()\necho([1, 'a'])\n",
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "(only) 5.0\n(only) [1, 'a']\n(only) ");
}
