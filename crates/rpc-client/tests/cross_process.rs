//! The blocking client against rpc-core's `echo_controller` example, run as a separate process
//! (`-p 0`: it prints `port PORT` once it listens).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use pyon_codec::{Dict, Value, list};
use rpc_client::{Client, ClientOptions, Error};

const LIMIT: Duration = Duration::from_secs(120);

/// Builds the example with the cargo running this test and returns the executable's path.
fn build_echo_controller() -> PathBuf {
    let workspace = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let out = Command::new(env!("CARGO"))
        .current_dir(workspace)
        .args([
            "build",
            "-q",
            "-p",
            "rpc-core",
            "--example",
            "echo_controller",
            "--message-format=json",
        ])
        .stderr(Stdio::inherit())
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "cargo build failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == "echo_controller")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("the example's executable")
}

/// Kills the child if the test fails half-way.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn blocking_client_against_echo_controller_process() {
    let exe = build_echo_controller();
    let mut child = Child(
        Command::new(exe)
            .args(["-p", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start echo_controller"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(LIMIT)
        .expect("the controller printed its port");
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
            .expect("the controller exits")
            .unwrap()
    );
}

// A Rust mirror of the controller's methods, for its typed client; never served here.
#[allow(dead_code)]
struct Echo;

/// The `test` target of rpc-core's `echo_controller`.
#[rpc_core::rpc_target]
#[allow(dead_code)]
impl Echo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }

    /// Fail with a ValueError carrying the message.
    fn fail(&self, message: String) -> Result<(), rpc_core::RpcError> {
        Err(rpc_core::RpcError::value_error(message))
    }
}
