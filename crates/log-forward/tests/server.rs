//! The log server in process: raw forwarders (written by hand, as a Python peer would), the
//! default `tracing` sink, and our own forwarder over plain TCP and mutual TLS.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use asyncio_server::{Server, ServerHandle, TlsClientConfig, TlsServerConfig};
use log_forward::{Level, LogForwarder, LogRecord, LogServer, MultilineFormat, RecordSink};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

const T: Duration = Duration::from_secs(20);

/// Records go to a channel the test awaits.
struct ChannelSink(mpsc::UnboundedSender<LogRecord>);

impl RecordSink for ChannelSink {
    fn record(&self, record: LogRecord) {
        let _ = self.0.send(record);
    }
}

fn start(server: Server, sink: impl RecordSink) -> (SocketAddr, ServerHandle) {
    let server = LogServer::new(server).with_sink(sink);
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    tokio::spawn(server.serve(std::future::pending()));
    (addr, handle)
}

fn loopback_server() -> Server {
    Server::bind(&["127.0.0.1:0".parse().unwrap()]).unwrap()
}

async fn next(rx: &mut mpsc::UnboundedReceiver<LogRecord>) -> LogRecord {
    timeout(T, rx.recv()).await.unwrap().unwrap()
}

/// Wait until the server closes `socket` (end of stream).
async fn closed_by_server(socket: &mut TcpStream) {
    let mut buf = [0u8; 64];
    loop {
        match timeout(T, socket.read(&mut buf)).await.unwrap() {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

#[tokio::test]
async fn records_from_a_raw_forwarder() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (addr, handle) = start(loopback_server(), ChannelSink(tx));
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(
            b"ARTIQ logging\n\
              ctl_demo:WARNING<2>:golden.ctl:two\nlines\n\
              other:WARN:x.y:a:b:c\n\
              ctl_demo:TRACE<3>:n:first\nnot:a:source\n\n\
              ctl_demo:no record here\n\
              :CRITICAL::\n",
        )
        .await
        .unwrap();
    let expected = [
        LogRecord::new(Level::Warning, "golden.ctl", "two\nlines").with_source("ctl_demo"),
        LogRecord::new(Level::Warning, "x.y", "a:b:c").with_source("other"),
        LogRecord::new(Level::Trace, "n", "first\nnot:a:source\n").with_source("ctl_demo"),
        LogRecord::new(Level::Info, "print", "no record here").with_source("ctl_demo"),
        LogRecord::new(Level::Critical, "", "").with_source(""),
    ];
    for record in expected {
        assert_eq!(next(&mut rx).await, record);
    }
    handle.shutdown();
}

#[tokio::test]
async fn malformed_line_drops_only_that_connection() {
    let captured = Captured::default();
    let _guard = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .event_format(MultilineFormat::new())
                .with_writer(captured.clone()),
        )
        .set_default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (addr, handle) = start(loopback_server(), ChannelSink(tx));

    let mut good = TcpStream::connect(addr).await.unwrap();
    good.write_all(b"ARTIQ logging\na:INFO:n:before\n")
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await.message, "before");

    let mut bad = TcpStream::connect(addr).await.unwrap();
    let bad_addr = bad.local_addr().unwrap();
    bad.write_all(b"ARTIQ logging\nb:INFO:n:ok\nno colon at all\nb:INFO:n:never\n")
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await.message, "ok");
    closed_by_server(&mut bad).await;
    let log = captured.text();
    assert!(
        log.contains(&format!(
            "WARNING:log_forward.server:received improperly formatted message, \
             dropping connection to {bad_addr}: 'no colon at all'"
        )),
        "{log}"
    );

    good.write_all(b"a:INFO:n:after\n").await.unwrap();
    assert_eq!(
        next(&mut rx).await,
        LogRecord::new(Level::Info, "n", "after").with_source("a")
    );
    handle.shutdown();
}

#[tokio::test]
async fn wrong_banner_is_closed_silently() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (addr, handle) = start(loopback_server(), ChannelSink(tx));
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"ARTIQ pc_rpc\na:INFO:n:m\n")
        .await
        .unwrap();
    closed_by_server(&mut socket).await;
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"ARTIQ logging\na:INFO:n:m\n")
        .await
        .unwrap();
    assert_eq!(next(&mut rx).await.message, "m");
    assert!(rx.try_recv().is_err());
    handle.shutdown();
}

#[tokio::test]
async fn default_sink_reemits_tracing_events() {
    let captured = Captured::default();
    let _guard = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .event_format(MultilineFormat::with_source("local"))
                .with_writer(captured.clone())
                .with_filter(log_forward::SourceFilter::new(
                    log_forward::LevelThreshold::WARNING,
                    "local",
                )),
        )
        .set_default();
    let server = LogServer::new(loopback_server());
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let served = tokio::spawn(server.serve(std::future::pending()));
    let mut socket = TcpStream::connect(addr).await.unwrap();
    socket
        .write_all(b"ARTIQ logging\nctl:DEBUG<2>:golden.ctl:low\nlevel\nctl:CRITICAL:golden.ctl:\n")
        .await
        .unwrap();
    socket.shutdown().await.unwrap();
    closed_by_server(&mut socket).await;
    handle.shutdown();
    timeout(T, served).await.unwrap().unwrap();
    assert_eq!(
        captured.text(),
        "ctl:DEBUG<2>:golden.ctl:low\nlevel\nctl:CRITICAL:golden.ctl:\n"
    );
}

fn make_cert(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let c = asyncio_server::testing::make_certificate(dir, name);
    (c.cert, c.key)
}

#[tokio::test]
async fn forwarder_to_server_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (server_cert, client_cert) = (
        make_cert(dir.path(), "server"),
        make_cert(dir.path(), "client"),
    );
    let server_tls =
        TlsServerConfig::from_files(&server_cert.0, &server_cert.1, &client_cert.0).unwrap();
    let client_tls =
        TlsClientConfig::from_files(&client_cert.0, &client_cert.1, &server_cert.0).unwrap();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (addr, handle) = start(
        loopback_server().with_tls(Some(server_tls)),
        ChannelSink(tx),
    );

    let forwarder = LogForwarder::builder("127.0.0.1", addr.port())
        .source("tls_ctl")
        .tls(Some(client_tls))
        .retry(Duration::from_millis(50))
        .start()
        .unwrap();
    let fwd = forwarder.handle();
    let subscriber = tracing_subscriber::registry().with(forwarder);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(target: "my_ctl::driver", "over\nTLS");
        tracing::warn!(logger = "named", count = 2, "with a field");
    });
    assert_eq!(
        next(&mut rx).await,
        LogRecord::new(Level::Info, "my_ctl.driver", "over\nTLS").with_source("tls_ctl")
    );
    assert_eq!(
        next(&mut rx).await,
        LogRecord::new(Level::Warning, "named", "with a field count=2").with_source("tls_ctl")
    );
    // The layer went with the subscriber at the end of `with_default`: the forwarder has sent
    // what was queued, closed the connection cleanly and stopped.
    fwd.wait_for_async(T, |s| s.stopped).await.unwrap();
    assert_eq!(fwd.stats().sent, 2);
    handle.shutdown();
}
