//! `BannerDispatch`: two line protocols on one port, each connection routed by its first line,
//! with that line still there for the handler.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::time::Duration;

use asyncio_server::{BANNER_LINE_LIMIT, BannerDispatch, Connection, Server, connect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

const T: Duration = Duration::from_secs(10);

/// Answers every line with `tag: line`, the banner included.
async fn tagged(tag: &'static str, mut conn: Connection) {
    while let Ok(Some(line)) = conn.read_line().await {
        if conn.write_line(&format!("{tag}: {line}")).await.is_err() {
            return;
        }
    }
}

fn start() -> (SocketAddr, asyncio_server::ServerHandle) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let server = Server::from_std(vec![listener]).unwrap();
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let dispatch = BannerDispatch::new()
        .route("ARTIQ pc_rpc", |c| tagged("rpc", c))
        .route("ARTIQ sync_struct", |c| tagged("sync", c));
    assert_eq!(
        dispatch.banners().collect::<Vec<_>>(),
        ["ARTIQ pc_rpc", "ARTIQ sync_struct"]
    );
    tokio::spawn(server.serve(dispatch.into_handler(), std::future::pending()));
    (addr, handle)
}

async fn read(conn: &mut Connection) -> Option<String> {
    timeout(T, conn.read_line()).await.unwrap().unwrap()
}

#[tokio::test]
async fn each_banner_reaches_its_handler_with_the_banner_unread() {
    let (addr, handle) = start();
    let mut rpc = connect("127.0.0.1", addr.port(), None, T).await.unwrap();
    let mut sync = connect("127.0.0.1", addr.port(), None, T).await.unwrap();
    // Banner and the next line in one write: the second line must not be lost.
    rpc.write_lines(["ARTIQ pc_rpc", "hello"]).await.unwrap();
    sync.write_line("ARTIQ sync_struct").await.unwrap();
    assert_eq!(read(&mut rpc).await.as_deref(), Some("rpc: ARTIQ pc_rpc"));
    assert_eq!(read(&mut rpc).await.as_deref(), Some("rpc: hello"));
    assert_eq!(
        read(&mut sync).await.as_deref(),
        Some("sync: ARTIQ sync_struct")
    );
    sync.write_line("data").await.unwrap();
    assert_eq!(read(&mut sync).await.as_deref(), Some("sync: data"));
    handle.shutdown();
}

#[tokio::test]
async fn unknown_or_oversized_banners_are_closed_without_a_word() {
    let (addr, handle) = start();
    let long = "x".repeat(BANNER_LINE_LIMIT + 1);
    for first in ["ARTIQ logging\n", "ARTIQ pc_rpc\r\n", long.as_str()] {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(first.as_bytes()).await.unwrap();
        let mut got = Vec::new();
        let n = timeout(T, tcp.read_to_end(&mut got)).await.unwrap();
        // Closed (or reset, when unread bytes were left behind) and nothing written.
        assert!(n.is_err() || got.is_empty(), "{first:.20?}: {got:?}");
    }
    // The server still serves others.
    let mut rpc = connect("127.0.0.1", addr.port(), None, T).await.unwrap();
    rpc.write_line("ARTIQ pc_rpc").await.unwrap();
    assert_eq!(read(&mut rpc).await.as_deref(), Some("rpc: ARTIQ pc_rpc"));
    handle.shutdown();
}

#[tokio::test]
async fn a_handler_gets_the_full_line_limit_back() {
    let (addr, handle) = start();
    let mut sync = connect("127.0.0.1", addr.port(), None, T).await.unwrap();
    let big = "y".repeat(BANNER_LINE_LIMIT * 4);
    sync.write_lines(["ARTIQ sync_struct", big.as_str()])
        .await
        .unwrap();
    assert_eq!(
        read(&mut sync).await.as_deref(),
        Some("sync: ARTIQ sync_struct")
    );
    assert_eq!(read(&mut sync).await, Some(format!("sync: {big}")));
    handle.shutdown();
}
