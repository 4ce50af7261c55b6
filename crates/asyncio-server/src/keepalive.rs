//! TCP keepalive and no-delay on every connection, as `sipyco.keepalive` does.

use std::io;
use std::time::Duration;

use socket2::{SockRef, TcpKeepalive};
use tokio::net::TcpStream;

/// TCP keepalive parameters (Python's `sipyco.keepalive.set_keepalive`).
///
/// The defaults are Python's: first probe after 10 s of silence, then every 10 s, and the
/// connection is declared dead after 3 unanswered probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keepalive {
    /// Idle time before the first probe.
    pub after_idle: Duration,
    /// Time between probes.
    pub interval: Duration,
    /// Unanswered probes before the connection is dropped.
    pub max_fails: u32,
}

impl Default for Keepalive {
    fn default() -> Self {
        Keepalive {
            after_idle: Duration::from_secs(10),
            interval: Duration::from_secs(10),
            max_fails: 3,
        }
    }
}

impl Keepalive {
    /// Turn on keepalive with these parameters, and `TCP_NODELAY` (lines are small messages that
    /// must not wait for Nagle's algorithm), on `stream`.
    pub fn apply(&self, stream: &TcpStream) -> io::Result<()> {
        let sock = SockRef::from(stream);
        let params = TcpKeepalive::new()
            .with_time(self.after_idle)
            .with_interval(self.interval);
        #[cfg(any(target_os = "linux", target_os = "android", target_os = "macos"))]
        let params = params.with_retries(self.max_fails);
        sock.set_tcp_keepalive(&params)?;
        sock.set_keepalive(true)?;
        stream.set_nodelay(true)
    }
}
