//! `--ssl CERT KEY PEER`: mutual TLS with certificates of the ARTIQ manual's shape (self-signed,
//! empty subject), made in-process.

mod common;

use asyncio_server::TlsServerConfig;
use asyncio_server::testing::make_certificate;
use common::{Servers, assert_one_line_error, run, stdout};
use rpc_core::Server;

#[test]
fn list_and_call_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (server_cert, client_cert) = (
        make_certificate(dir.path(), "server"),
        make_certificate(dir.path(), "client"),
    );
    let tls = TlsServerConfig::from_files(&server_cert.cert, &server_cert.key, &client_cert.cert)
        .unwrap();
    let servers = Servers::new();
    let server = Server::builder().target("only", common::lda()).build();
    let port = servers.start_tls(server, tls).port().to_string();
    let ssl = [
        client_cert.cert.to_str().unwrap(),
        client_cert.key.to_str().unwrap(),
        server_cert.cert.to_str().unwrap(),
    ];
    let out = run(&[
        "127.0.0.1",
        &port,
        "--ssl",
        ssl[0],
        ssl[1],
        ssl[2],
        "list-targets",
    ]);
    assert_eq!(stdout(&out), "Target(s):   only\n");
    let out = run(&[
        "127.0.0.1",
        &port,
        "--ssl",
        ssl[0],
        ssl[1],
        ssl[2],
        "call",
        "get_attenuation",
    ]);
    assert_eq!(stdout(&out), "5.0\n");

    // Without TLS, the server drops the connection: an error, not a hang.
    let out = run(&["127.0.0.1", &port, "list-targets"]);
    assert_eq!(out.status.code(), Some(1));

    // Files that cannot be read: a usage error naming the option.
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let out = run(&[
        "127.0.0.1",
        &port,
        "--ssl",
        missing,
        ssl[1],
        ssl[2],
        "list-targets",
    ]);
    assert_one_line_error(&out, 2, "--ssl");
}
