//! Opening connections, as `sipyco.keepalive.async_open_connection` does (with optional TLS).

use std::time::Duration;

use tokio::net::TcpStream;

use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::framing::DEFAULT_CLIENT_LINE_LIMIT;
use crate::keepalive::Keepalive;
use crate::stream::Stream;
use crate::tls::TlsClientConfig;

/// Connect to `host:port` and frame the connection for lines of up to
/// [`DEFAULT_CLIENT_LINE_LIMIT`] bytes (change it with [`Connection::set_max_line_length`]).
///
/// See [`connect_stream`] for the details.
pub async fn connect(
    host: &str,
    port: u16,
    tls: Option<&TlsClientConfig>,
    timeout: Duration,
) -> Result<Connection> {
    let stream = connect_stream(host, port, tls, timeout).await?;
    Connection::new(stream, DEFAULT_CLIENT_LINE_LIMIT)
}

/// Connect to `host:port`: resolve `host` (a name, an IPv4 or an IPv6 address, with or without
/// brackets), try each address in turn, set TCP keepalive ([`Keepalive::default`]) and
/// `TCP_NODELAY`, then run the TLS handshake if `tls` is given.
///
/// `timeout` bounds the whole operation (resolution, every attempt and the handshake). The
/// error names the host and the last failure.
pub async fn connect_stream(
    host: &str,
    port: u16,
    tls: Option<&TlsClientConfig>,
    timeout: Duration,
) -> Result<Stream> {
    let connect_error = |reason: String| Error::Connect {
        host: host.to_owned(),
        port,
        reason,
    };
    match tokio::time::timeout(timeout, connect_inner(host, port, tls)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e @ (Error::Resolve { .. } | Error::Tls(_)))) => Err(e),
        Ok(Err(e)) => Err(connect_error(e.to_string())),
        Err(_) => Err(connect_error(format!("timed out after {timeout:?}"))),
    }
}

async fn connect_inner(host: &str, port: u16, tls: Option<&TlsClientConfig>) -> Result<Stream> {
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs = tokio::net::lookup_host((bare_host, port))
        .await
        .map_err(|source| Error::Resolve {
            host: host.to_owned(),
            source,
        })?;
    let mut last_error = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => {
                Keepalive::default().apply(&tcp)?;
                return match tls {
                    Some(tls) => tls.connect(tcp, bare_host).await,
                    None => Ok(Stream::Tcp(tcp)),
                };
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(match last_error {
        Some(e) => Error::Io(e),
        None => Error::Resolve {
            host: host.to_owned(),
            source: std::io::Error::other("no address found"),
        },
    })
}
