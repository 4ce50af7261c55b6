//! Where datagrams go: an address, unicast or multicast, and the multicast options.
//!
//! The socket set-up of both ends lives here, so that a broadcaster and a listener given the same
//! [`Endpoint`] always agree.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::str::FromStr;

use socket2::{Domain, Protocol, Socket, Type};

use crate::error::{Error, Result};

/// The receive buffer a listener asks for by default (SO_RCVBUF). The kernel may grant less
/// (on Linux: twice `net.core.rmem_max`); the granted size can be read back from the listener.
pub const DEFAULT_RECV_BUFFER: usize = 8 << 20;

/// A UDP endpoint shared by a broadcaster and its listeners.
///
/// For a unicast address, the listener binds it (port 0 picks a free port) and the broadcaster
/// sends to it. For a multicast group, the listener binds the group's port and joins the group;
/// the broadcaster sends to the group with the given hop limit and loopback setting.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// The unicast address or the multicast group, with the port.
    pub addr: SocketAddr,
    /// Multicast time-to-live (IPv4) or hop limit (IPv6) of sent datagrams. Default 1: the
    /// local network only.
    pub ttl: u32,
    /// Whether multicast datagrams sent from this host are looped back to its own listeners.
    /// Default true.
    pub loopback: bool,
    /// The local IPv4 address of the interface for multicast (unspecified: the kernel chooses).
    pub interface_v4: Ipv4Addr,
    /// The index of the interface for IPv6 multicast (0: the kernel chooses).
    pub interface_v6: u32,
}

impl Endpoint {
    /// An endpoint to `addr` with the default multicast options.
    pub fn new(addr: impl Into<SocketAddr>) -> Self {
        Endpoint {
            addr: addr.into(),
            ttl: 1,
            loopback: true,
            interface_v4: Ipv4Addr::UNSPECIFIED,
            interface_v6: 0,
        }
    }

    /// Whether the address is a multicast group.
    pub fn is_multicast(&self) -> bool {
        self.addr.ip().is_multicast()
    }

    /// Sets the multicast time-to-live / hop limit.
    pub fn with_ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets whether multicast is looped back to this host.
    pub fn with_loopback(mut self, loopback: bool) -> Self {
        self.loopback = loopback;
        self
    }

    /// Sets the IPv4 multicast interface by its local address.
    pub fn with_interface_v4(mut self, interface: Ipv4Addr) -> Self {
        self.interface_v4 = interface;
        self
    }

    /// Sets the IPv6 multicast interface by its index.
    pub fn with_interface_v6(mut self, index: u32) -> Self {
        self.interface_v6 = index;
        self
    }

    /// A socket that sends to this endpoint.
    pub(crate) fn sender_socket(&self) -> Result<UdpSocket> {
        let socket = Socket::new(
            Domain::for_address(self.addr),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        let local: SocketAddr = match self.addr.ip() {
            IpAddr::V4(group) => {
                if group.is_multicast() {
                    socket.set_multicast_ttl_v4(self.ttl)?;
                    socket.set_multicast_loop_v4(self.loopback)?;
                    if !self.interface_v4.is_unspecified() {
                        socket.set_multicast_if_v4(&self.interface_v4)?;
                    }
                }
                (Ipv4Addr::UNSPECIFIED, 0).into()
            }
            IpAddr::V6(group) => {
                socket.set_only_v6(true)?;
                if group.is_multicast() {
                    socket.set_multicast_hops_v6(self.ttl)?;
                    socket.set_multicast_loop_v6(self.loopback)?;
                    if self.interface_v6 != 0 {
                        socket.set_multicast_if_v6(self.interface_v6)?;
                    }
                }
                (Ipv6Addr::UNSPECIFIED, 0).into()
            }
        };
        socket.bind(&local.into())?;
        Ok(socket.into())
    }

    /// A socket that receives from this endpoint, with a receive buffer of (at most)
    /// `recv_buffer` bytes. Returns the socket and the buffer size the kernel granted.
    pub(crate) fn listener_socket(&self, recv_buffer: usize) -> Result<(UdpSocket, usize)> {
        let socket = Socket::new(
            Domain::for_address(self.addr),
            Type::DGRAM,
            Some(Protocol::UDP),
        )?;
        if self.addr.is_ipv6() {
            socket.set_only_v6(true)?;
        }
        if let Err(e) = socket.set_recv_buffer_size(recv_buffer) {
            tracing::warn!(
                requested = recv_buffer,
                "cannot set the receive buffer size: {e}"
            );
        }
        let granted = socket.recv_buffer_size()?;
        if self.is_multicast() {
            // Several listeners of one group on one host must coexist, as with MCL.
            socket.set_reuse_address(true)?;
            let any: IpAddr = match self.addr {
                SocketAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
                SocketAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
            };
            // Binding the group itself (Linux) filters out other groups on the same port.
            let bind_addr = if cfg!(target_os = "linux") {
                self.addr
            } else {
                SocketAddr::new(any, self.addr.port())
            };
            socket.bind(&bind_addr.into())?;
            match self.addr.ip() {
                IpAddr::V4(group) => socket.join_multicast_v4(&group, &self.interface_v4)?,
                IpAddr::V6(group) => socket.join_multicast_v6(&group, self.interface_v6)?,
            }
        } else {
            socket.bind(&self.addr.into())?;
        }
        Ok((socket.into(), granted))
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Self {
        Endpoint::new(addr)
    }
}

impl FromStr for Endpoint {
    type Err = Error;

    /// Parses `HOST:PORT` or `[HOST6]:PORT` with numeric addresses.
    fn from_str(s: &str) -> Result<Self> {
        s.parse::<SocketAddr>()
            .map(Endpoint::new)
            .map_err(|_| Error::Address(format!("expected `ADDRESS:PORT`, got `{s}`")))
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.addr.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_addresses() {
        let c: Endpoint = "239.1.2.3:5000".parse().unwrap();
        assert!(c.is_multicast());
        assert_eq!((c.ttl, c.loopback), (1, true));
        let c: Endpoint = "[::1]:7".parse().unwrap();
        assert!(!c.is_multicast());
        assert_eq!(c.to_string(), "[::1]:7");
        assert_eq!(
            "localhost".parse::<Endpoint>().unwrap_err().to_string(),
            "invalid address: expected `ADDRESS:PORT`, got `localhost`"
        );
    }
}
