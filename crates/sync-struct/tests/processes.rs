//! Publisher and subscribers in separate processes: the real `sipyco_subscribe` binary and the
//! `publisher` and `broadcaster` examples.

mod common;

#[path = "../examples/support/workload.rs"]
mod workload;

use std::process::Stdio;

use common::{T, replay_watch_output};
use pyon_codec::{Value, Version, dict, list, tuple};
use sync_struct::{Notifier, Publisher, PublisherOptions, Subscriber};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};
use tokio::sync::mpsc;
use tokio::time::timeout;

const SUBSCRIBE: &str = env!("CARGO_BIN_EXE_sipyco_subscribe");

/// A child process with its stdout read line by line.
struct Proc {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    stderr: Lines<BufReader<ChildStderr>>,
}

impl Proc {
    fn spawn(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Proc {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        Proc {
            child,
            stdout,
            stderr,
        }
    }

    fn subscribe(port: u16, args: &[&str]) -> Proc {
        let port = port.to_string();
        let mut all = vec!["127.0.0.1", port.as_str()];
        all.extend_from_slice(args);
        Proc::spawn(SUBSCRIBE, &all)
    }

    async fn line(&mut self) -> Option<String> {
        timeout(T, self.stdout.next_line())
            .await
            .expect("stdout line in time")
            .expect("read stdout")
    }

    async fn err_line(&mut self) -> Option<String> {
        timeout(T, self.stderr.next_line())
            .await
            .expect("stderr line in time")
            .expect("read stderr")
    }

    /// Reads stdout and stderr to their ends, then waits for the exit:
    /// `(stdout lines, success, stderr)`.
    async fn finish(self) -> (Vec<String>, bool, String) {
        let Proc {
            mut child,
            mut stdout,
            mut stderr,
        } = self;
        let out = async {
            let mut lines = Vec::new();
            while let Some(line) = stdout.next_line().await.expect("read stdout") {
                lines.push(line);
            }
            lines
        };
        let err = async {
            let mut text = String::new();
            while let Some(line) = stderr.next_line().await.expect("read stderr") {
                text.push_str(&line);
                text.push('\n');
            }
            text
        };
        let (lines, err) = timeout(T, async { tokio::join!(out, err) })
            .await
            .expect("outputs end in time");
        let status = timeout(T, child.wait())
            .await
            .expect("exit in time")
            .unwrap();
        (lines, status.success(), err)
    }

    /// The port an example reports on stderr (`NAME: listening on 127.0.0.1:PORT`).
    async fn listening_port(&mut self, name: &str) -> u16 {
        let prefix = format!("{name}: listening on ");
        for _ in 0..1000 {
            let line = self.err_line().await.expect("listening line");
            if let Some(addr) = line.strip_prefix(&prefix) {
                return addr.rsplit(':').next().unwrap().parse().expect("port");
            }
        }
        panic!("no {prefix:?} line");
    }

    async fn terminate(&self) {
        let pid = self.child.id().expect("running").to_string();
        let status = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(status.success());
    }
}

/// Counts the mods an in-process subscriber received.
fn counting_subscriber(name: &str) -> (Subscriber, mpsc::UnboundedReceiver<()>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let sub = Subscriber::new(name).on_mod(move |_, _| {
        let _ = tx.send(());
    });
    (sub, rx)
}

async fn expect_events(rx: &mut mpsc::UnboundedReceiver<()>, n: usize) {
    for _ in 0..n {
        timeout(T, rx.recv())
            .await
            .expect("event in time")
            .expect("event");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_match_after_thousands_of_random_mods() {
    let data = Notifier::new(workload::initial_structure());
    let v2 = Publisher::new();
    v2.add_notifier("data", data.clone()).unwrap();
    // The same notifier, also served in PYON v1 to legacy subscribers.
    let v1 = Publisher::with_options(PublisherOptions {
        version: Version::V1,
        ..PublisherOptions::default()
    });
    v1.add_notifier("data", data.clone()).unwrap();
    let server_v2 = common::serve_publisher(&v2);
    let server_v1 = common::serve_publisher(&v1);

    let mut watchers = vec![
        Proc::subscribe(server_v2.port, &["data", "--watch"]),
        Proc::subscribe(server_v2.port, &["data", "--watch"]),
    ];
    let mut inits = Vec::new();
    for w in &mut watchers {
        inits.push(w.line().await.expect("init line"));
    }
    // Read their output as it comes, so that a full pipe never slows them down.
    let watchers: Vec<_> = watchers
        .into_iter()
        .map(|w| tokio::spawn(w.finish()))
        .collect();
    let (sub, mut events_v2) = counting_subscriber("data");
    let mut local_v2 = sub.connect("127.0.0.1", server_v2.port).await.unwrap();
    let (sub, mut events_v1) = counting_subscriber("data");
    let mut local_v1 = sub.connect("127.0.0.1", server_v1.port).await.unwrap();
    expect_events(&mut events_v2, 1).await;
    expect_events(&mut events_v1, 1).await;

    let mut rng = workload::Rng::new(2024);
    const MODS: usize = 3000;
    for _ in 0..MODS {
        workload::random_change(&data, &mut rng).unwrap();
    }
    expect_events(&mut events_v2, MODS).await;
    expect_events(&mut events_v1, MODS).await;
    let expected = data.get().unwrap();
    assert_eq!(local_v2.replica(), Some(expected.clone()));
    assert_eq!(local_v1.replica(), Some(expected.clone()));
    assert_eq!(local_v1.publisher_version(), Some(Version::V1));

    server_v2.stop().await;
    server_v1.stop().await;
    timeout(T, local_v2.wait()).await.unwrap().unwrap();
    timeout(T, local_v1.wait()).await.unwrap().unwrap();
    for (w, init) in watchers.into_iter().zip(inits) {
        let (mut lines, ok, err) = w.await.unwrap();
        assert!(ok, "sipyco_subscribe failed: {err}");
        assert_eq!(lines.len(), MODS, "one line per mod after the init");
        lines.insert(0, init);
        assert_eq!(replay_watch_output(&lines), expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_subscriber_is_cut_off_while_others_keep_receiving() {
    const LIMIT: usize = 64 << 10;
    let data = Notifier::new(dict! {"blob" => "", "n" => 0});
    let publisher = Publisher::with_options(PublisherOptions {
        backlog_limit: LIMIT,
        ..PublisherOptions::default()
    });
    publisher.add_notifier("data", data.clone()).unwrap();
    let server = common::serve_publisher(&publisher);

    // A subscriber that never reads, with a small receive buffer so the publisher's queue is
    // what fills up.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stalled = timeout(T, socket.connect(([127, 0, 0, 1], server.port).into()))
        .await
        .unwrap()
        .unwrap();
    let (stalled_r, mut stalled_w) = stalled.into_split();
    use tokio::io::AsyncWriteExt;
    stalled_w
        .write_all(b"ARTIQ sync_struct\ndata\n")
        .await
        .unwrap();

    let mut watcher = Proc::subscribe(server.port, &["data", "--watch"]);
    let init = watcher.line().await.expect("init");
    let (sub, mut events) = counting_subscriber("data");
    let mut healthy = sub.connect("127.0.0.1", server.port).await.unwrap();
    expect_events(&mut events, 1).await;
    // The stalled subscriber reads its init (so it is registered), then stops reading.
    let mut stalled_r = tokio::io::BufReader::new(stalled_r);
    let mut stalled_init = String::new();
    timeout(T, stalled_r.read_line(&mut stalled_init))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stalled_init,
        "{\"action\":\"init\",\"struct\":{\"blob\":\"\",\"n\":0}}\n"
    );
    assert_eq!(data.subscriber_count(), 3);

    let blob = "x".repeat(4000);
    let mut watched = vec![init];
    let mut sent = 0usize;
    // Bounded: the kernel's socket buffers (a few MiB) plus the 64 KiB backlog fill long before.
    while publisher.stats().overflowed == 0 && sent < 20_000 {
        for _ in 0..16 {
            sent += 1;
            data.setitem("blob", format!("{sent}{blob}")).unwrap();
        }
        // The healthy subscribers keep up: wait for both, so that only the stalled one can fall
        // behind, however loaded the machine is.
        expect_events(&mut events, 16).await;
        for _ in 0..16 {
            watched.push(watcher.line().await.expect("watched mod"));
        }
    }
    assert_eq!(
        publisher.stats().overflowed,
        1,
        "the stalled subscriber was cut off"
    );
    assert_eq!(data.subscriber_count(), 2);

    // The others keep receiving.
    data.setitem("n", 1).unwrap();
    expect_events(&mut events, 1).await;
    assert_eq!(healthy.replica(), Some(data.get().unwrap()));

    // The stalled subscriber finds its connection closed once it reads what was buffered.
    let drained = async {
        use tokio::io::AsyncReadExt;
        let mut r = stalled_r;
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        loop {
            match r.read(&mut buf).await {
                Ok(0) | Err(_) => return total,
                Ok(n) => total += n,
            }
        }
    };
    let received = timeout(T, drained)
        .await
        .expect("stalled connection closed");
    assert!(received < sent * blob.len(), "it did not get everything");

    server.stop().await;
    timeout(T, healthy.wait()).await.unwrap().unwrap();
    let (lines, ok, err) = watcher.finish().await;
    assert!(ok, "{err}");
    watched.extend(lines);
    assert_eq!(replay_watch_output(&watched), data.get().unwrap());
}

#[tokio::test]
async fn sipyco_subscribe_prints_the_structure_pretty() {
    let value = dict! {"a" => list![1, 2.5, tuple![1, "x"]], "b" => dict! {}};
    let publisher = Publisher::new();
    publisher
        .add_notifier("data", Notifier::new(value.clone()))
        .unwrap();
    let server = common::serve_publisher(&publisher);
    let (lines, ok, err) = Proc::subscribe(server.port, &["data"]).finish().await;
    assert!(ok, "{err}");
    assert_eq!(lines.join("\n"), pyon_codec::encode_pretty(&value).unwrap());

    // An unknown notifier: the publisher closes, the tool says so and fails.
    let (lines, ok, err) = Proc::subscribe(server.port, &["nope", "--watch"])
        .finish()
        .await;
    assert!(!ok);
    assert!(lines.is_empty());
    assert!(err.contains("\"nope\""), "{err}");
    server.stop().await;
}

#[tokio::test]
async fn publisher_example_stays_in_sync_with_a_subscriber() {
    let mut publisher = Proc::spawn(
        env!("CARGO_BIN_EXE_publisher"),
        &[
            "-p",
            "0",
            "--no-localhost-bind",
            "--bind",
            "127.0.0.1",
            "--mods",
            "300",
            "--interval-ms",
            "1",
            "-vv",
        ],
    );
    let port = publisher.listening_port("publisher").await;
    let mut watcher = Proc::subscribe(port, &["data", "--watch"]);
    let init = watcher.line().await.expect("init");
    let watcher = tokio::spawn(watcher.finish());
    let last = Proc::subscribe(port, &["data", "--final"]);
    // With -vv the publisher logs each subscription: stop it only once both subscribed and
    // all changes are made.
    let (mut subscribed, mut applied) = (0, false);
    for _ in 0..100_000 {
        if subscribed == 2 && applied {
            break;
        }
        let line = publisher.err_line().await.expect("stderr line");
        subscribed += usize::from(line.contains("subscribed to \"data\""));
        applied |= line == "publisher: applied 300 mods";
    }
    assert!(subscribed == 2 && applied);
    publisher.terminate().await;
    let (final_lines, ok, err) = publisher.finish().await;
    assert!(ok, "{err}");
    assert_eq!(final_lines.len(), 1);
    let final_structure: Value = pyon_codec::decode(&final_lines[0]).unwrap();
    let (mut lines, ok, err) = watcher.await.unwrap();
    assert!(ok, "{err}");
    lines.insert(0, init);
    assert_eq!(replay_watch_output(&lines), final_structure);
    // Byte for byte the publisher's own encoding.
    let (replica, ok, err) = last.finish().await;
    assert!(ok, "{err}");
    assert_eq!(replica, final_lines);
}

#[tokio::test]
async fn broadcaster_example_reaches_sipyco_subscribe() {
    let mut broadcaster = Proc::spawn(
        env!("CARGO_BIN_EXE_broadcaster"),
        &[
            "-p",
            "0",
            "--no-localhost-bind",
            "--bind",
            "127.0.0.1",
            "--count",
            "14",
            "--interval-ms",
            "1",
            "--wait-receivers",
            "1",
        ],
    );
    let port = broadcaster.listening_port("broadcaster").await;
    let receiver = Proc::subscribe(port, &["demo", "--broadcast"]);
    let (lines, ok, err) = receiver.finish().await;
    assert!(ok, "{err}");
    assert_eq!(lines.len(), 14);
    assert_eq!(
        lines[0],
        r#"{"__jsonclass__":["tuple",[["INFO","message 0"]]]}"#
    );
    assert_eq!(lines[5], r#"{"__jsonclass__":["bytes",["AAX/"]]}"#);
    let (_, ok, err) = broadcaster.finish().await;
    assert!(ok, "{err}");
}

#[tokio::test]
async fn sipyco_subscribe_over_tls() {
    let dir = tempfile::tempdir().unwrap();
    let make = |name: &str| asyncio_server::testing::make_certificate(dir.path(), name);
    let (server, client) = (make("server"), make("client"));
    let (server_pem, server_key) = (server.cert, server.key);
    let (client_pem, client_key) = (client.cert, client.key);
    let tls =
        asyncio_server::TlsServerConfig::from_files(&server_pem, &server_key, &client_pem).unwrap();
    let server = asyncio_server::Server::bind(&["127.0.0.1:0".parse().unwrap()])
        .unwrap()
        .with_tls(Some(tls));
    let value = dict! {"secure" => true};
    let publisher = Publisher::new();
    publisher
        .add_notifier("data", Notifier::new(value.clone()))
        .unwrap();
    let server = common::serve_publisher_on(&publisher, server);
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let args = [
        "data".to_owned(),
        "--ssl".to_owned(),
        path(&client_pem),
        path(&client_key),
        path(&server_pem),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (lines, ok, err) = Proc::subscribe(server.port, &args).finish().await;
    assert!(ok, "{err}");
    assert_eq!(lines.join("\n"), pyon_codec::encode_pretty(&value).unwrap());
    // Without TLS the handshake fails and the tool reports an error.
    let (_, ok, _) = Proc::subscribe(server.port, &["data"]).finish().await;
    assert!(!ok);
    server.stop().await;
}
