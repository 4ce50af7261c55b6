//! The blocking client against an echo controller in a separate process, which prints
//! `port PORT` once it listens and exits after `terminate`.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pyon_codec::{Dict, Value, list};
use rpc_client::{Client, ClientOptions, Error};
use rpc_core::{RpcError, Server, rpc_target};

const LIMIT: Duration = Duration::from_secs(120);

/// Set in the child process: there, the test is the server.
const CHILD: &str = "RPC_CLIENT_TEST_SERVER_PROCESS";
/// The test's own name, to select it in the child.
const NAME: &str = "blocking_client_against_a_server_process";

/// The echo controller of rpc-core's example, as the child process serves it.
struct Echo;

/// Echo controller: returns what it is given.
#[rpc_target]
impl Echo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }

    /// Return the argument unchanged, from an async method.
    async fn async_echo(&self, x: Value) -> Value {
        tokio::task::yield_now().await;
        x
    }

    /// Fail with a ValueError carrying the message.
    fn fail(&self, message: String) -> Result<(), RpcError> {
        Err(RpcError::value_error(message))
    }
}

/// The child's side: serve `test` on a free loopback port, print `port N`, end on `terminate`.
fn serve_until_terminated() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let server = Server::builder()
            .target("test", Echo)
            .builtin_terminate(true)
            .build();
        let net = asyncio_server::Server::bind(&["127.0.0.1:0".parse().unwrap()]).unwrap();
        println!("port {}", net.local_addrs()[0].port());
        server.serve(net, std::future::pending()).await;
    });
}

/// Kills the child if the test fails half-way.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The blocking client against a server in another process: this test binary itself, run
/// again with [`CHILD`] set (the workspace's own binary, never a cargo build).
#[test]
fn blocking_client_against_a_server_process() {
    if std::env::var_os(CHILD).is_some() {
        return serve_until_terminated();
    }
    let exe = std::env::current_exe().unwrap();
    let mut child = Child(
        Command::new(exe)
            .args(["--exact", NAME, "--nocapture", "--test-threads", "1"])
            .env(CHILD, "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server process"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The test harness speaks first (`test NAME ... ` without a line end): the server's
        // `port N` ends the first line that holds it.
        // Then read on to the end, so that the harness's last words find an open pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.rfind("port ") {
                let _ = tx.send(line[at..].to_owned());
            }
        }
    });
    let line = rx.recv_timeout(LIMIT).expect("the server printed its port");
    let port: u16 = line
        .trim()
        .strip_prefix("port ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));

    let options = ClientOptions::new()
        .connect_timeout(Duration::from_secs(10))
        .call_timeout(Duration::from_secs(10));
    let client = Client::connect_with("127.0.0.1", port, "test", &options).unwrap();
    assert_eq!(client.get_rpc_id().0, ["test"]);
    let x = list![1, 2.5, "x"];
    assert_eq!(
        client.call("echo", vec![x.clone()], Dict::new()).unwrap(),
        x
    );
    assert_eq!(
        client
            .call("async_echo", vec![Value::str("later")], Dict::new())
            .unwrap(),
        Value::str("later")
    );
    let err = client
        .call("fail", vec![Value::str("boom")], Dict::new())
        .unwrap_err();
    assert_eq!(err.to_string(), "ValueError: boom");
    assert!(matches!(
        client.call("nope", (), Dict::new()),
        Err(Error::NoSuchMethod { .. })
    ));
    // The typed twin, on a second connection: the compiler checks these calls.
    let typed = Client::connect_with("127.0.0.1", port, "test", &options).unwrap();
    let typed = EchoBlockingClient::new(typed);
    assert_eq!(typed.echo(x.clone()).unwrap(), x);
    let err = typed.fail("typed".to_owned()).unwrap_err();
    assert_eq!(err.to_string(), "ValueError: typed");
    typed.rpc_client().close_rpc();

    assert_eq!(
        client.call("terminate", (), Dict::new()).unwrap(),
        Value::None
    );
    drop(client);

    let (tx, rx) = mpsc::channel();
    let mut process = child;
    std::thread::spawn(move || {
        let status = process.0.wait();
        let _ = tx.send(status.map(|s| s.success()));
    });
    assert!(
        rx.recv_timeout(LIMIT)
            .expect("the server process exits")
            .unwrap()
    );
}
