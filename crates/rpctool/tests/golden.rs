//! Every row of `tests/golden/head/rpctool/rpctool.jsonl` (the Python tool's stdout and exit
//! status for 28 invocations) reproduced byte for byte by the real binary, against Rust servers
//! serving targets with the recorded methods, docstrings and argspecs.

mod common;

use common::{Servers, run, stderr, stdout};

#[test]
fn every_recorded_invocation() {
    let servers = Servers::new();
    let port = servers.golden().port().to_string();
    let port1 = servers.single().port().to_string();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/head/rpctool/rpctool.jsonl"
    );
    let table = std::fs::read_to_string(path).unwrap();
    let mut rows = 0;
    for line in table.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let mut argv = vec!["127.0.0.1".to_owned()];
        for a in row["argv"].as_array().unwrap() {
            argv.push(match a.as_str().unwrap() {
                "PORT" => port.clone(),
                "PORT1" => port1.clone(),
                other => other.to_owned(),
            });
        }
        let args: Vec<&str> = argv.iter().map(String::as_str).collect();
        let out = run(&args);
        let what = format!("{:?}", &argv[1..]);
        assert_eq!(
            stdout(&out),
            row["stdout"].as_str().unwrap(),
            "stdout of {what}"
        );
        assert_eq!(
            out.status.code(),
            Some(row["exit"].as_i64().unwrap() as i32),
            "exit status of {what}: {}",
            stderr(&out)
        );
        let want_last = row["stderr_last"].as_str().unwrap();
        if !want_last.is_empty() {
            let err = stderr(&out);
            assert_eq!(
                err.lines().last().unwrap_or(""),
                want_last,
                "stderr of {what}"
            );
        }
        rows += 1;
    }
    assert_eq!(rows, 28);
}
