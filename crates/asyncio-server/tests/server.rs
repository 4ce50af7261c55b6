//! Public behaviour of `Server` and `Connection` over real loopback sockets.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener};
use std::time::Duration;

use asyncio_server::{Connection, Error, Server, ServerHandle, Stream, connect};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;

const T: Duration = Duration::from_secs(10);

/// Echo each line back; report why the connection ended on a line starting with `!` when possible.
async fn echo(mut conn: Connection) {
    loop {
        match conn.read_line().await {
            Ok(Some(line)) => {
                if conn.write_line(&line).await.is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = conn.write_line(&format!("!{e}")).await;
                return;
            }
        }
    }
}

/// A server on an ephemeral loopback port, running `echo` with the given line limit.
fn start(limit: usize) -> (SocketAddr, ServerHandle, JoinHandle<()>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let server = Server::from_std(vec![listener])
        .unwrap()
        .with_max_line_length(limit);
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let task = tokio::spawn(server.serve(echo, std::future::pending()));
    (addr, handle, task)
}

async fn client(addr: SocketAddr) -> Connection {
    timeout(T, connect(&addr.ip().to_string(), addr.port(), None, T))
        .await
        .unwrap()
        .unwrap()
}

async fn read(conn: &mut Connection) -> Option<String> {
    timeout(T, conn.read_line()).await.unwrap().unwrap()
}

async fn stop(handle: ServerHandle, task: JoinHandle<()>) {
    handle.shutdown();
    timeout(T, task).await.unwrap().unwrap();
}

#[tokio::test]
async fn ping_pong() {
    let (addr, handle, task) = start(1024);
    let mut conn = client(addr).await;
    for i in 0..100 {
        conn.write_line(&format!("ping {i}")).await.unwrap();
        assert_eq!(read(&mut conn).await.unwrap(), format!("ping {i}"));
    }
    conn.write_lines(["a", "", "c\r"]).await.unwrap();
    assert_eq!(read(&mut conn).await.unwrap(), "a");
    assert_eq!(read(&mut conn).await.unwrap(), "");
    assert_eq!(read(&mut conn).await.unwrap(), "c\r");
    stop(handle, task).await;
}

#[tokio::test]
async fn concurrent_clients() {
    let (addr, handle, task) = start(1024);
    let clients = (0..20).map(|c| {
        tokio::spawn(async move {
            let mut conn = client(addr).await;
            for i in 0..20 {
                conn.feed_line(&format!("{c}/{i}")).await.unwrap();
            }
            conn.flush().await.unwrap();
            for i in 0..20 {
                assert_eq!(read(&mut conn).await.unwrap(), format!("{c}/{i}"));
            }
        })
    });
    for c in clients.collect::<Vec<_>>() {
        timeout(T, c).await.unwrap().unwrap();
    }
    stop(handle, task).await;
}

#[tokio::test]
async fn over_long_line_ends_only_that_connection() {
    let (addr, handle, task) = start(64);
    let mut good = client(addr).await;
    good.write_line("before").await.unwrap();
    assert_eq!(read(&mut good).await.unwrap(), "before");

    let mut bad = client(addr).await;
    bad.write_line(&"x".repeat(100)).await.unwrap();
    assert_eq!(read(&mut bad).await.unwrap(), "!line longer than 64 bytes");
    assert_eq!(read(&mut bad).await, None);

    good.write_line(&"y".repeat(64)).await.unwrap();
    assert_eq!(read(&mut good).await.unwrap(), "y".repeat(64));
    stop(handle, task).await;
}

#[tokio::test]
async fn invalid_utf8_ends_only_that_connection() {
    let (addr, handle, task) = start(1024);
    let mut good = client(addr).await;

    let mut bad = TcpStream::connect(addr).await.unwrap();
    bad.write_all(b"fine\nbad \xff\xfe line\nnever\n")
        .await
        .unwrap();
    let mut reply = Vec::new();
    timeout(T, bad.read_to_end(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        String::from_utf8(reply).unwrap(),
        "fine\n!line is not valid UTF-8 (invalid byte at offset 4)\n"
    );

    good.write_line("still here").await.unwrap();
    assert_eq!(read(&mut good).await.unwrap(), "still here");
    stop(handle, task).await;
}

#[tokio::test]
async fn eof_mid_line_is_an_error() {
    let (addr, handle, task) = start(1024);
    let mut raw = TcpStream::connect(addr).await.unwrap();
    raw.write_all(b"whole\nhalf").await.unwrap();
    raw.shutdown().await.unwrap();
    let mut reply = String::new();
    timeout(T, raw.read_to_string(&mut reply))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        reply,
        "whole\n!connection closed in the middle of a line (4 bytes without `\\n`)\n"
    );
    stop(handle, task).await;
}

#[tokio::test]
async fn many_connections_opened_and_dropped() {
    let (addr, handle, task) = start(1024);
    for i in 0..1000 {
        let conn = timeout(T, TcpStream::connect(addr)).await.unwrap().unwrap();
        if i % 2 == 0 {
            // Half of them send a partial line before vanishing.
            let mut conn = conn;
            let _ = conn.write_all(b"partial").await;
        }
    }
    let mut conn = client(addr).await;
    conn.write_line("served").await.unwrap();
    assert_eq!(read(&mut conn).await.unwrap(), "served");
    stop(handle, task).await;
}

#[tokio::test]
async fn shutdown_cancels_idle_connection_and_returns() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let server = Server::from_std(vec![listener]).unwrap();
    let addr = server.local_addrs()[0];
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::channel::<()>(1);
    let task = tokio::spawn(server.serve(
        move |mut conn| {
            let seen = seen_tx.clone();
            async move {
                seen.send(()).await.unwrap();
                // Idle forever: only cancellation ends this.
                let _ = conn.read_line().await;
                let _ = conn.read_line().await;
            }
        },
        async {
            let _ = stop_rx.await;
        },
    ));
    let mut idle = client(addr).await;
    idle.write_line("hello").await.unwrap();
    timeout(T, seen_rx.recv()).await.unwrap().unwrap();

    stop_tx.send(()).unwrap();
    timeout(Duration::from_secs(3), task)
        .await
        .unwrap()
        .unwrap();
    // The server dropped the connection: the client sees the end of the stream.
    assert!(matches!(
        timeout(T, idle.read_line()).await.unwrap(),
        Ok(None) | Err(_)
    ));
    // And nobody listens any more.
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn handler_can_stop_the_server() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let server = Server::from_std(vec![listener]).unwrap();
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let task = tokio::spawn(server.serve(
        move |mut conn| {
            let handle = handle.clone();
            async move {
                if let Ok(Some(line)) = conn.read_line().await
                    && line == "terminate"
                {
                    let _ = conn.write_line("ok").await;
                    handle.shutdown();
                }
            }
        },
        std::future::pending(),
    ));
    let mut conn = client(addr).await;
    conn.write_line("terminate").await.unwrap();
    assert_eq!(read(&mut conn).await.unwrap(), "ok");
    timeout(T, task).await.unwrap().unwrap();
}

#[tokio::test]
async fn binds_ipv4_and_ipv6_localhost() {
    let v4 = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    let v6 = SocketAddr::from((Ipv6Addr::LOCALHOST, 0));
    let mut addrs = vec![v4];
    if std::net::TcpListener::bind(v6).is_ok() {
        addrs.push(v6);
    } else {
        println!("IPv6 loopback unavailable: testing 127.0.0.1 only");
    }
    let server = Server::bind(&addrs).unwrap();
    let bound = server.local_addrs();
    assert_eq!(bound.len(), addrs.len());
    let handle = server.handle();
    let task = tokio::spawn(server.serve(echo, std::future::pending()));
    for addr in bound {
        let mut conn = client(addr).await;
        conn.write_line(&addr.to_string()).await.unwrap();
        assert_eq!(read(&mut conn).await.unwrap(), addr.to_string());
    }
    stop(handle, task).await;
}

#[tokio::test]
async fn same_port_on_unspecified_v4_and_v6() {
    // IPV6_V6ONLY lets 0.0.0.0 and :: share a port, as `--bind '*'` needs.
    let first = asyncio_server::bind_listener((Ipv4Addr::UNSPECIFIED, 0).into()).unwrap();
    let port = first.local_addr().unwrap().port();
    match asyncio_server::bind_listener((Ipv6Addr::UNSPECIFIED, port).into()) {
        Ok(second) => assert_eq!(second.local_addr().unwrap().port(), port),
        Err(e) => println!("IPv6 unavailable, skipped: {e}"),
    }
}

#[tokio::test]
async fn keepalive_on_accepted_sockets() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let server = Server::from_std(vec![listener]).unwrap();
    let addr = server.local_addrs()[0];
    let handle = server.handle();
    let task = tokio::spawn(server.serve(
        |mut conn: Connection| async move {
            let sock = socket2::SockRef::from(conn.stream().tcp());
            let report = format!(
                "keepalive={} nodelay={}",
                sock.keepalive().unwrap(),
                sock.nodelay().unwrap()
            );
            let _ = conn.write_line(&report).await;
        },
        std::future::pending(),
    ));
    let mut conn = client(addr).await;
    assert_eq!(
        read(&mut conn).await.unwrap(),
        "keepalive=true nodelay=true"
    );
    // The client side has them too.
    let sock = socket2::SockRef::from(conn.stream().tcp());
    assert!(sock.keepalive().unwrap());
    assert!(sock.nodelay().unwrap());
    stop(handle, task).await;
}

#[tokio::test]
async fn split_halves_work_from_separate_tasks() {
    let (addr, handle, task) = start(1024);
    let conn = client(addr).await;
    let (mut reader, mut writer) = conn.into_split();
    let writer_task = tokio::spawn(async move {
        for i in 0..50 {
            writer.write_line(&i.to_string()).await.unwrap();
        }
        writer.shutdown().await.unwrap();
    });
    for i in 0..50 {
        let line = timeout(T, reader.read_line()).await.unwrap().unwrap();
        assert_eq!(line.unwrap(), i.to_string());
    }
    assert_eq!(timeout(T, reader.read_line()).await.unwrap().unwrap(), None);
    timeout(T, writer_task).await.unwrap().unwrap();
    stop(handle, task).await;
}

#[tokio::test]
async fn connect_reports_refused_connections() {
    // Bind then drop to get a port where nobody listens.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = connect("127.0.0.1", port, None, T).await.unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot connect to 127.0.0.1:{port}: "))
    );
}

#[tokio::test]
async fn plain_stream_is_not_tls() {
    let (addr, handle, task) = start(1024);
    let conn = client(addr).await;
    assert!(!conn.stream().is_tls());
    assert!(matches!(conn.stream(), Stream::Tcp(_)));
    assert_eq!(conn.peer_addr(), addr);
    drop(conn);
    stop(handle, task).await;
}

#[tokio::test]
async fn network_args_bind_localhost() {
    let args = asyncio_server::NetworkArgs {
        port: Some(0),
        ..Default::default()
    };
    let server = args.server(3253).unwrap();
    let bound = server.local_addrs();
    assert!(
        bound.iter().any(|a| a.ip() == Ipv4Addr::LOCALHOST),
        "{bound:?}"
    );
    assert!(bound.iter().all(|a| a.ip().is_loopback()), "{bound:?}");

    let nothing = asyncio_server::NetworkArgs {
        no_localhost_bind: true,
        ..Default::default()
    };
    let err = nothing.server(3253).unwrap_err();
    assert!(matches!(err, Error::NothingToBind), "{err}");
}
