//! Mutual TLS, with certificates made in-process (rcgen) and with the checked-in ones that the
//! ARTIQ manual's openssl recipe made (`tests/fixtures/artiq-manual/`). Nothing here skips.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use asyncio_server::testing::{self, CertFiles};
use asyncio_server::{
    Connection, Server, TlsClientConfig, TlsServerConfig, connect, connect_stream,
};
use tokio::net::TcpListener;
use tokio::time::timeout;

const T: Duration = Duration::from_secs(20);

fn pair(c: CertFiles) -> (PathBuf, PathBuf) {
    (c.cert, c.key)
}

struct Pki {
    dir: tempfile::TempDir,
    server: (PathBuf, PathBuf),
    client: (PathBuf, PathBuf),
    stranger: (PathBuf, PathBuf),
}

impl Pki {
    /// Fresh certificates for a server, a client and a stranger.
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let make = |name| pair(testing::make_certificate(dir.path(), name));
        let (server, client, stranger) = (make("server"), make("client"), make("stranger"));
        Pki {
            dir,
            server,
            client,
            stranger,
        }
    }

    /// The checked-in certificates made with the ARTIQ manual's openssl recipe (RSA).
    fn artiq_manual() -> Pki {
        Pki {
            dir: tempfile::tempdir().unwrap(),
            server: pair(testing::artiq_manual_certificate("server")),
            client: pair(testing::artiq_manual_certificate("client")),
            stranger: pair(testing::artiq_manual_certificate("stranger")),
        }
    }

    fn server_config(&self, trusted: &Path) -> TlsServerConfig {
        TlsServerConfig::from_files(&self.server.0, &self.server.1, trusted).unwrap()
    }

    fn client_config(&self, who: &(PathBuf, PathBuf), trusted: &Path) -> TlsClientConfig {
        TlsClientConfig::from_files(&who.0, &who.1, trusted).unwrap()
    }

    /// A PEM file holding several certificates.
    fn bundle(&self, name: &str, certs: &[&Path]) -> PathBuf {
        let path = self.dir.path().join(name);
        let text: String = certs
            .iter()
            .map(|c| std::fs::read_to_string(c).unwrap())
            .collect();
        std::fs::write(&path, text).unwrap();
        path
    }
}

async fn echo_once(mut conn: Connection) {
    if let Ok(Some(line)) = conn.read_line().await {
        let _ = conn.write_line(&line).await;
    }
}

fn tls_server(tls: TlsServerConfig) -> (SocketAddr, asyncio_server::ServerHandle) {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let server = Server::from_std(vec![listener])
        .unwrap()
        .with_tls(Some(tls));
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    tokio::spawn(server.serve(echo_once, std::future::pending()));
    (addr, handle)
}

#[tokio::test]
async fn handshake_and_line_exchange() {
    let pki = Pki::new();
    let (addr, handle) = tls_server(pki.server_config(&pki.client.0));
    let client_tls = pki.client_config(&pki.client, &pki.server.0);
    let mut conn = timeout(T, connect("127.0.0.1", addr.port(), Some(&client_tls), T))
        .await
        .unwrap()
        .unwrap();
    assert!(conn.stream().is_tls());
    conn.write_line("ARTIQ pc_rpc").await.unwrap();
    let line = timeout(T, conn.read_line()).await.unwrap().unwrap();
    assert_eq!(line.as_deref(), Some("ARTIQ pc_rpc"));
    assert_eq!(timeout(T, conn.read_line()).await.unwrap().unwrap(), None);
    handle.shutdown();
}

#[tokio::test]
async fn peer_file_with_several_certificates() {
    let pki = Pki::new();
    let clients = pki.bundle("clients.pem", &[&pki.stranger.0, &pki.client.0]);
    let servers = pki.bundle("servers.pem", &[&pki.stranger.0, &pki.server.0]);
    let (addr, handle) = tls_server(pki.server_config(&clients));
    let client_tls = pki.client_config(&pki.client, &servers);
    let mut conn = timeout(T, connect("localhost", addr.port(), Some(&client_tls), T))
        .await
        .unwrap()
        .unwrap();
    conn.write_line("hello").await.unwrap();
    let line = timeout(T, conn.read_line()).await.unwrap().unwrap();
    assert_eq!(line.as_deref(), Some("hello"));
    handle.shutdown();
}

/// One handshake and one line with `pki`'s server and client.
async fn exchange(pki: &Pki, line: &str) {
    let (addr, handle) = tls_server(pki.server_config(&pki.client.0));
    let client_tls = pki.client_config(&pki.client, &pki.server.0);
    let mut conn = timeout(T, connect("127.0.0.1", addr.port(), Some(&client_tls), T))
        .await
        .unwrap()
        .unwrap();
    conn.write_line(line).await.unwrap();
    let got = timeout(T, conn.read_line()).await.unwrap().unwrap();
    assert_eq!(got.as_deref(), Some(line));
    handle.shutdown();
}

#[tokio::test]
async fn artiq_manual_certificates_work() {
    // RSA keys, empty subjects, CA:TRUE, and OpenSSL's 30-day validity long past: none of it
    // matters to the exact-match trust of SimpleSSLConfig.
    let pki = Pki::artiq_manual();
    exchange(&pki, "manual").await;

    // The stranger of the manual's set is refused like any other.
    let (addr, handle) = tls_server(pki.server_config(&pki.client.0));
    let client_tls = pki.client_config(&pki.client, &pki.stranger.0);
    let err = timeout(T, connect("127.0.0.1", addr.port(), Some(&client_tls), T))
        .await
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("not in the trusted list"), "{err}");
    handle.shutdown();
}

#[tokio::test]
async fn rsa_and_ec_keys_mix() {
    // A server with the manual's RSA certificate, a client with an in-process P-256 one.
    let fresh = Pki::new();
    let manual = Pki::artiq_manual();
    let mixed = Pki {
        dir: fresh.dir,
        server: manual.server,
        client: fresh.client,
        stranger: fresh.stranger,
    };
    exchange(&mixed, "mixed").await;
}

#[tokio::test]
async fn server_refuses_untrusted_client() {
    let pki = Pki::new();
    let server_tls = pki.server_config(&pki.client.0);
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        server_tls.accept(tcp).await.map(|_| ())
    });

    // The stranger trusts the server, but the server does not trust the stranger.
    let client_tls = pki.client_config(&pki.stranger, &pki.server.0);
    let client = async {
        let stream = connect_stream("127.0.0.1", port, Some(&client_tls), T).await?;
        // With TLS 1.3 the refusal arrives after the client's side of the handshake.
        let mut conn = Connection::new(stream, 1024)?;
        conn.read_line().await
    };
    let client_result = timeout(T, client).await.unwrap();
    let err = client_result.unwrap_err();
    assert_eq!(
        err.to_string(),
        "TLS error: the peer refused our certificate (received fatal alert: CertificateUnknown)"
    );

    let err = timeout(T, server).await.unwrap().unwrap().unwrap_err();
    let expected = format!(
        "TLS error: peer certificate is not in the trusted list ({})",
        pki.client.0.display()
    );
    assert_eq!(err.to_string(), expected);
}

#[tokio::test]
async fn client_refuses_untrusted_server() {
    let pki = Pki::new();
    let (addr, handle) = tls_server(pki.server_config(&pki.client.0));
    // The client expects the stranger's certificate from the server.
    let client_tls = pki.client_config(&pki.client, &pki.stranger.0);
    let err = timeout(T, connect("127.0.0.1", addr.port(), Some(&client_tls), T))
        .await
        .unwrap()
        .unwrap_err();
    let expected = format!(
        "TLS error: peer certificate is not in the trusted list ({})",
        pki.stranger.0.display()
    );
    assert_eq!(err.to_string(), expected);
    handle.shutdown();
}

#[tokio::test]
async fn plain_client_gets_nothing_from_tls_server() {
    let pki = Pki::new();
    let (addr, handle) = tls_server(pki.server_config(&pki.client.0));
    let mut conn = timeout(T, connect("127.0.0.1", addr.port(), None, T))
        .await
        .unwrap()
        .unwrap();
    conn.write_line("ARTIQ pc_rpc").await.unwrap();
    // The server answers with a TLS alert (not UTF-8 text) or just closes.
    let result = timeout(T, conn.read_line()).await.unwrap();
    assert!(!matches!(result, Ok(Some(ref line)) if line == "ARTIQ pc_rpc"));
    handle.shutdown();
}

#[test]
fn configuration_errors_name_the_file() {
    let pki = Pki::new();
    let missing = pki.dir.path().join("missing.pem");
    let err = TlsServerConfig::from_files(&pki.server.0, &pki.server.1, &missing).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&format!("{}: cannot open: ", missing.display())),
        "{err}"
    );

    let not_pem = pki.dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let err = TlsClientConfig::from_files(&not_pem, &pki.client.1, &pki.server.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no certificate (BEGIN CERTIFICATE) found",
            not_pem.display()
        )
    );

    // A certificate given where the key should be.
    let err = TlsClientConfig::from_files(&pki.client.0, &pki.client.0, &pki.server.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}: no private key (BEGIN PRIVATE KEY) found",
            pki.client.0.display()
        )
    );

    // A key that does not belong to the certificate.
    let err = TlsServerConfig::from_files(&pki.server.0, &pki.client.1, &pki.client.0).unwrap_err();
    assert!(
        err.to_string()
            .starts_with(&pki.client.1.display().to_string()),
        "{err}"
    );
}
