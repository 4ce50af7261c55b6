//! Calls over mutual TLS, with certificates of the ARTIQ manual's shape (self-signed, empty
//! subject) made in-process.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use asyncio_server::{Connection, Server, TlsServerConfig};
use common::{ECHO_ID_V2, bind, within};
use pyon_codec::{Dict, Value, tuple};
use rpc_client::{AsyncClient, AutoTarget, ClientOptions, Error, TlsClientConfig};

fn make_cert(dir: &Path, name: &str) -> (PathBuf, PathBuf) {
    let c = asyncio_server::testing::make_certificate(dir, name);
    (c.cert, c.key)
}

/// A pc_rpc echo server speaking through asyncio-server's `Connection`.
async fn echo(mut conn: Connection) {
    let step = async {
        if conn.read_line().await.ok()?? != "ARTIQ pc_rpc" {
            return None;
        }
        conn.write_line(ECHO_ID_V2).await.ok()?;
        if conn.read_line().await.ok()?? != "echo pyon_v2" {
            return None;
        }
        conn.write_line(r#"{"__jsonclass__":["set",[["echo"]]]}"#)
            .await
            .ok()?;
        while let Some(req) = conn.read_line().await.ok()? {
            let req = pyon_codec::decode(&req).ok()?;
            let x = req.get("args")?.as_seq()?.first()?.clone();
            let mut reply = Dict::new();
            reply.insert("status".into(), "ok".into());
            reply.insert("ret".into(), x);
            conn.write_line(&pyon_codec::encode(&Value::Dict(reply)).ok()?)
                .await
                .ok()?;
        }
        Some(())
    };
    let _ = step.await;
}

#[tokio::test]
async fn calls_over_mutual_tls() {
    let dir = tempfile::tempdir().unwrap();
    let (server_cert, client_cert, stranger) = (
        make_cert(dir.path(), "server"),
        make_cert(dir.path(), "client"),
        make_cert(dir.path(), "stranger"),
    );

    let (listener, port) = bind().await;
    let tls = TlsServerConfig::from_files(&server_cert.0, &server_cert.1, &client_cert.0).unwrap();
    let server = Server::from_tokio(vec![listener])
        .unwrap()
        .with_tls(Some(tls));
    let handle = server.handle();
    let serving = tokio::spawn(server.serve(echo, std::future::pending()));

    let config =
        TlsClientConfig::from_files(&client_cert.0, &client_cert.1, &server_cert.0).unwrap();
    let options = ClientOptions::new()
        .tls(config)
        .connect_timeout(Duration::from_secs(10));
    let client = within(AsyncClient::connect_with(
        "localhost",
        port,
        AutoTarget,
        &options,
    ))
    .await
    .unwrap();
    assert_eq!(
        within(client.call("echo", tuple!["over TLS"], Dict::new()))
            .await
            .unwrap(),
        Value::str("over TLS")
    );
    within(client.close_rpc()).await;

    // A client that does not trust the server's certificate fails to connect.
    let wrong = TlsClientConfig::from_files(&client_cert.0, &client_cert.1, &stranger.0).unwrap();
    let options = ClientOptions::new()
        .tls(wrong)
        .connect_timeout(Duration::from_secs(10));
    let err = within(AsyncClient::connect_with(
        "127.0.0.1",
        port,
        AutoTarget,
        &options,
    ))
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Tls(_)), "{err}");

    handle.shutdown();
    within(serving).await.unwrap();
}
