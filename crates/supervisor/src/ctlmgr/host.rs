//! Which device-database entries run here: host matching, with `localhost`, `127.0.0.1` and
//! `::1` taken as this machine (ARTIQ's `localhost` entries never matched, artiq#465).

use std::net::{IpAddr, SocketAddr, ToSocketAddrs as _, UdpSocket};

/// The host filter: the addresses that mean "here" for the device database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFilter {
    text: String,
    addrs: Vec<IpAddr>,
    this_machine: bool,
}

impl HostFilter {
    /// A filter from its text, its addresses, and whether they belong to this machine (pure).
    pub fn new(text: impl Into<String>, addrs: Vec<IpAddr>, this_machine: bool) -> HostFilter {
        HostFilter {
            text: text.into(),
            addrs,
            this_machine,
        }
    }

    /// Resolve `text` (a name or an address) and check whether it is one of ours.
    pub fn resolve(text: &str) -> HostFilter {
        let addrs = resolve_host(text);
        let this_machine = addrs.iter().any(|&ip| is_local_address(ip));
        HostFilter::new(text, addrs, this_machine)
    }

    /// The filter as given (also the `{bind}` of command templates).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether an entry whose `host` is `host`, resolving to `host_addrs`, runs here.
    pub fn matches(&self, host: &str, host_addrs: &[IpAddr]) -> bool {
        if host_addrs.iter().any(|a| self.addrs.contains(a)) {
            return true;
        }
        let loopback = is_loopback_name(host)
            || (!host_addrs.is_empty() && host_addrs.iter().all(IpAddr::is_loopback));
        self.this_machine && loopback
    }
}

/// `localhost`, `127.0.0.1`, `::1` (bracketed or not), any other loopback address.
pub fn is_loopback_name(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The addresses of `host` (empty if it does not resolve).
pub fn resolve_host(host: &str) -> Vec<IpAddr> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return vec![ip];
    }
    let mut addrs: Vec<IpAddr> = (bare, 0)
        .to_socket_addrs()
        .map(|it| it.map(|a| a.ip()).collect())
        .unwrap_or_default();
    addrs.dedup();
    addrs
}

/// Whether `ip` is an address of this machine: loopback, or one a socket can bind to.
pub fn is_local_address(ip: IpAddr) -> bool {
    ip.is_loopback() || UdpSocket::bind(SocketAddr::new(ip, 0)).is_ok()
}

/// Our address on the way to `server:port` (the default host filter, as ARTIQ takes the local
/// end of its connection to the master). Nothing is sent: a UDP socket is only connected.
pub fn local_address_towards(server: &str, port: u16) -> Option<IpAddr> {
    let bare = server.trim_start_matches('[').trim_end_matches(']');
    let target = (bare, port).to_socket_addrs().ok()?.next()?;
    let any: IpAddr = match target {
        SocketAddr::V4(_) => std::net::Ipv4Addr::UNSPECIFIED.into(),
        SocketAddr::V6(_) => std::net::Ipv6Addr::UNSPECIFIED.into(),
    };
    let socket = UdpSocket::bind(SocketAddr::new(any, 0)).ok()?;
    socket.connect(target).ok()?;
    socket.local_addr().ok().map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn table() {
        let lab = HostFilter::new("10.0.0.2", vec![ip("10.0.0.2")], true);
        let elsewhere = HostFilter::new("10.0.0.9", vec![ip("10.0.0.9")], false);
        let loopback = HostFilter::new("::1", vec![ip("::1")], true);
        let cases = [
            (&lab, "10.0.0.2", vec![ip("10.0.0.2")], true),
            (&lab, "ctl-host", vec![ip("10.0.0.3"), ip("10.0.0.2")], true),
            (&lab, "10.0.0.3", vec![ip("10.0.0.3")], false),
            (&lab, "localhost", vec![ip("127.0.0.1"), ip("::1")], true),
            (&lab, "127.0.0.1", vec![ip("127.0.0.1")], true),
            (&lab, "::1", vec![ip("::1")], true),
            (&lab, "[::1]", vec![ip("::1")], true),
            (&lab, "LOCALHOST", vec![], true),
            (&lab, "unknown", vec![], false),
            (&elsewhere, "localhost", vec![ip("127.0.0.1")], false),
            (&elsewhere, "10.0.0.9", vec![ip("10.0.0.9")], true),
            (&loopback, "127.0.0.1", vec![ip("127.0.0.1")], true),
            (&loopback, "10.0.0.3", vec![ip("10.0.0.3")], false),
        ];
        for (filter, host, addrs, expected) in cases {
            assert_eq!(
                filter.matches(host, &addrs),
                expected,
                "{} {host}",
                filter.text()
            );
        }
    }

    #[test]
    fn local_addresses() {
        assert!(is_local_address(ip("127.0.0.1")));
        assert!(!is_local_address(ip("192.0.2.55")));
        assert!(resolve_host("127.0.0.1") == vec![ip("127.0.0.1")]);
        assert!(HostFilter::resolve("localhost").this_machine);
        assert_eq!(
            local_address_towards("127.0.0.1", 3250),
            Some(ip("127.0.0.1"))
        );
    }
}
