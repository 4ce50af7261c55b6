//! pipe_ipc against Python's side of it, in both roles: a Rust parent with a Python child
//! using `ChildComm`'s calls, and a Python parent (as `AsyncioParentComm` spawns: two pipes,
//! `pass_fds`) with a Rust child. Standard library only on the Python side.

mod support;

use std::process::Command;
use std::time::Duration;

use asyncio_server::testing::skip;
use pyon_codec::{Value, dict, list};
use supervisor::{Exit, ParentComm, ProcessSpec};
use support::{FIXTURE, TAG_VAR, new_tag, none_left};

/// sipyco.pipe_ipc.ChildComm, as Python writes it, answering `["echo", v]` to each `v`.
const PY_CHILD: &str = r#"
import json, sys

class ChildComm:
    def __init__(self, address):
        rfd, wfd = address.split(",", maxsplit=1)
        self.rf = open(int(rfd), "rb", 0)
        self.wf = open(int(wfd), "wb", 0)
    def readline(self):
        return self.rf.readline()
    def write(self, data):
        return self.wf.write(data)

comm = ChildComm(sys.argv[1])
while True:
    line = comm.readline()
    if not line:
        break
    obj = json.loads(line.decode())
    if obj == "quit":
        break
    comm.write((json.dumps(["echo", obj], separators=(",", ":")) + "\n").encode())
"#;

/// A parent as sipyco.pipe_ipc.AsyncioParentComm sets one up, driving the Rust child.
const PY_PARENT: &str = r#"
import json, os, subprocess, sys

c_rfd, p_wfd = os.pipe()
p_rfd, c_wfd = os.pipe()
address = "{},{}".format(c_rfd, c_wfd)
proc = subprocess.Popen([sys.argv[1], sys.argv[2], "--address", address],
                        pass_fds={c_rfd, c_wfd})
os.close(c_rfd)
os.close(c_wfd)
w = os.fdopen(p_wfd, "wb", 0)
r = os.fdopen(p_rfd, "rb")
for v in [1, "x", {"a": [1.5, None, True]}, "\u00e9t\u00e9"]:
    w.write((json.dumps(v) + "\n").encode())
    line = r.readline()
    assert json.loads(line) == ["echo", v], line
w.write(b'"quit"\n')
assert r.readline() == b"", "end of input once the child exited"
assert proc.wait() == 0
print("ok")
"#;

/// A test that hangs fails instead, after this long.
const LIMIT: Duration = Duration::from_secs(60);

fn python() -> Option<String> {
    let python = std::env::var("SIPYCO_PYTHON").unwrap_or_else(|_| "python3".into());
    let works = Command::new(&python)
        .arg("-c")
        .arg("import json, subprocess")
        .status()
        .is_ok_and(|s| s.success());
    works.then_some(python)
}

#[tokio::test]
async fn rust_parent_python_child() {
    let Some(python) = python() else {
        return skip("rust_parent_python_child", "no python3 (set SIPYCO_PYTHON)");
    };
    tokio::time::timeout(LIMIT, python_child(python))
        .await
        .expect("python child");
}

async fn python_child(python: String) {
    let tag = new_tag("py_child");
    let mut comm = ParentComm::new().unwrap();
    let address = comm.address().to_owned();
    let spec = ProcessSpec::new("py-child", python)
        .args(["-c", PY_CHILD, &address])
        .env(TAG_VAR, &tag);
    comm.spawn(spec).await.unwrap();
    for value in [
        Value::Int(1),
        Value::from("x"),
        dict! {"a" => list![1.5, Value::None, true]},
        Value::from("\u{e9}t\u{e9}"),
    ] {
        comm.send(&value).await.unwrap();
        let reply = comm.recv().await.unwrap().unwrap();
        assert_eq!(reply, Value::List(vec![Value::from("echo"), value]));
    }
    comm.send(&Value::from("quit")).await.unwrap();
    assert_eq!(
        comm.recv().await.unwrap(),
        None,
        "the child's exit is end of input"
    );
    assert_eq!(comm.process().unwrap().wait().await.unwrap(), Exit::Code(0));
    none_left(&tag).await;
}

#[tokio::test]
async fn python_parent_rust_child() {
    let Some(python) = python() else {
        return skip("python_parent_rust_child", "no python3 (set SIPYCO_PYTHON)");
    };
    for role in ["pipe-child", "pipe-child-async"] {
        tokio::time::timeout(LIMIT, python_parent(&python, role))
            .await
            .expect(role);
    }
}

async fn python_parent(python: &str, role: &str) {
    let tag = new_tag(role);
    let out = tokio::process::Command::new(python)
        .args(["-c", PY_PARENT, FIXTURE, role])
        .env(TAG_VAR, &tag)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"ok\n");
    none_left(&tag).await;
}

#[tokio::test]
async fn rust_parent_rust_child() {
    for role in ["pipe-child", "pipe-child-async"] {
        tokio::time::timeout(LIMIT, rust_child(role))
            .await
            .expect(role);
    }
}

async fn rust_child(role: &str) {
    let tag = new_tag(role);
    let mut comm = ParentComm::new().unwrap();
    let address = comm.address().to_owned();
    let spec = ProcessSpec::new("rust-child", FIXTURE)
        .args([role, "--address", &address])
        .env(TAG_VAR, &tag);
    comm.spawn(spec).await.unwrap();
    let big = Value::from("y".repeat(1 << 20));
    comm.send(&big).await.unwrap();
    assert_eq!(
        comm.recv().await.unwrap(),
        Some(Value::List(vec![Value::from("echo"), big]))
    );
    // Closing our end is the child's end of input: it exits, and we read end of input.
    comm.close_write();
    assert_eq!(comm.recv().await.unwrap(), None);
    assert_eq!(comm.process().unwrap().wait().await.unwrap(), Exit::Code(0));
    none_left(&tag).await;
}
