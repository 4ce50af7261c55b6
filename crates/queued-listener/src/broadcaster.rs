//! [`UdpBroadcaster`]: publishes `(topic, payload)` datagrams to a unicast address or a
//! multicast group.

use std::net::{SocketAddr, UdpSocket};

use pyon_codec::Value;

use crate::endpoint::Endpoint;
use crate::error::{Error, Result};
use crate::wire::{self, PayloadKind};

/// Sends one datagram per published message, in the [`wire`] format.
///
/// A message that does not fit in one datagram is refused with [`Error::TooLarge`]; nothing is
/// sent. Sending is unconnected: publishing with no listener is not an error.
#[derive(Debug)]
pub struct UdpBroadcaster {
    socket: UdpSocket,
    endpoint: Endpoint,
}

impl UdpBroadcaster {
    /// A broadcaster to `endpoint`, applying its multicast options.
    pub fn new(endpoint: impl Into<Endpoint>) -> Result<Self> {
        let endpoint = endpoint.into();
        let socket = endpoint.sender_socket()?;
        Ok(UdpBroadcaster { socket, endpoint })
    }

    /// Where it sends.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The local address of the sending socket (the `source` listeners see).
    pub fn local_addr(&self) -> Result<SocketAddr> {
        Ok(self.socket.local_addr()?)
    }

    /// Publishes raw bytes on `topic`.
    pub fn publish(&self, topic: &str, payload: &[u8]) -> Result<()> {
        self.send(topic, PayloadKind::Bytes, payload)
    }

    /// Publishes a PYON value on `topic` (compact PYON v2).
    pub fn publish_value(&self, topic: &str, value: &Value) -> Result<()> {
        let text = pyon_codec::encode(value)?;
        self.send(topic, PayloadKind::Pyon, text.as_bytes())
    }

    /// Publishes PYON v2 text as it is, without checking it.
    pub fn publish_pyon_text(&self, topic: &str, text: &str) -> Result<()> {
        self.send(topic, PayloadKind::Pyon, text.as_bytes())
    }

    fn send(&self, topic: &str, kind: PayloadKind, payload: &[u8]) -> Result<()> {
        let datagram = wire::encode(topic, kind, payload)?;
        let sent = self.socket.send_to(&datagram, self.endpoint.addr)?;
        if sent != datagram.len() {
            return Err(Error::Io(std::io::Error::other(format!(
                "sent {sent} of {} bytes",
                datagram.len()
            ))));
        }
        Ok(())
    }
}
