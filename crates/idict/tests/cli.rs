//! `sipyco_inspect` through its binary, against the `monte_carlo` example in its own process:
//! JSON lines, control verbs, `final`, and the one-line errors.

mod common;

use std::net::{Ipv4Addr, TcpListener};
use std::process::Command;

use common::{INSPECT, Proc, inspect, monte_carlo};
use serde_json::Value as Json;

fn json(line: &str) -> Json {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{line:?}: {e}"))
}

fn status(port: u16, verb: &str) -> Json {
    let (exit, out, err) = inspect(port, &[verb]);
    assert!(exit.success(), "{verb}: {err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    // The status dict as the server sends it, keys in wire order.
    assert!(out.starts_with(r#"{"paused":"#), "{out}");
    json(&out)
}

#[test]
fn watch_as_json_lines_steer_and_wait_for_the_final_update() {
    let (mut computation, port) = monte_carlo(&[]);
    let watch = Proc::spawn(Command::new(INSPECT).args(["127.0.0.1", &port.to_string()]));
    let mut last_samples = 0;
    for _ in 0..5 {
        let line = json(&watch.line());
        let samples = line["samples"].as_u64().unwrap();
        assert!(samples >= last_samples);
        last_samples = samples;
        let inside = line["inside"].as_u64().unwrap();
        let pi = line["pi"].as_f64().unwrap();
        if samples > 0 {
            assert_eq!(pi, 4.0 * inside as f64 / samples as f64);
        }
        let history = line["history"].as_array().unwrap();
        assert!(history.len() <= 100);
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 4);
    }

    let s = status(port, "pause");
    assert_eq!(s["paused"], true);
    assert_eq!(status(port, "status")["paused"], true);
    let s = status(port, "resume");
    assert_eq!(s["paused"], false);
    assert_eq!(s["terminated"], false);

    let last =
        Proc::spawn(Command::new(INSPECT).args(["127.0.0.1", &port.to_string(), "final", "-v"]));
    // Ready (with `-v`, it says so on stderr); `final` prints nothing before the end.
    let ready = last.stderr.recv_timeout(common::T).unwrap();
    assert!(ready.contains("watching 127.0.0.1:"), "{ready}");
    assert!(last.stdout.try_recv().is_err());
    let s = status(port, "terminate");
    assert_eq!(s["terminated"], true);

    let mut watch = watch;
    let mut last = last;
    assert!(
        computation.wait().success(),
        "{:?}",
        computation.stderr_now()
    );
    assert!(watch.wait().success(), "{:?}", watch.stderr_now());
    assert!(last.wait().success(), "{:?}", last.stderr_now());
    let final_line = last.line();
    assert!(last.stdout.try_recv().is_err(), "`final` prints once");
    let watched: Vec<String> = watch.stdout.try_iter().collect();
    assert_eq!(watched.last(), Some(&final_line));
    let final_json = json(&final_line);
    assert!(final_json["samples"].as_u64().unwrap() >= last_samples);
    let history = final_json["history"].as_array().unwrap();
    assert!((1..=100).contains(&history.len()));
    assert_eq!(history.last(), Some(&final_json["pi"]));
}

#[test]
fn a_bounded_run_ends_by_itself_with_a_final_update() {
    // Long enough (tens of updates) for `final` to connect while it runs.
    let (mut computation, port) = monte_carlo(&["--samples", "30000000"]);
    // `final` ends with the final contents (the server waits for its watchers before
    // closing); a run already over refuses the connection instead.
    let (exit, out, err) = inspect(port, &["final"]);
    assert!(computation.wait().success());
    if exit.success() {
        let contents = json(out.trim_end());
        assert_eq!(contents["samples"], 30_000_000);
    } else {
        // It finished before `final` connected.
        assert!(err.contains("cannot connect"), "{err}");
    }
}

#[test]
fn clear_one_line_errors() {
    // Nothing listens on a port just freed.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (exit, out, err) = inspect(port, &["status"]);
    assert_eq!(exit.code(), Some(1));
    assert!(out.is_empty());
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "sipyco_inspect: cannot connect to 127.0.0.1:{port}: "
        )),
        "{err}"
    );

    // A pc_rpc server without the target `computation`.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let other = listener.local_addr().unwrap().port();
    let _guard = runtime.enter();
    let net = asyncio_server::Server::from_std(vec![listener]).unwrap();
    let rpc = rpc_core::Server::builder()
        .target("laser", rpc_core::DynamicTarget::builder("Laser").build())
        .build();
    runtime.spawn(async move { rpc.serve(net, std::future::pending()).await });
    for verb in ["status", "watch", "pause"] {
        let (exit, _, err) = inspect(other, &[verb]);
        assert_eq!(exit.code(), Some(1));
        assert_eq!(
            err,
            format!(
                "sipyco_inspect: 127.0.0.1:{other} is not an idict (its pc_rpc targets are: laser)\n"
            )
        );
    }

    // A server that speaks no pc_rpc at all (a plain sync_struct publisher).
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let publisher_port = listener.local_addr().unwrap().port();
    let net = asyncio_server::Server::from_std(vec![listener]).unwrap();
    runtime.spawn(sync_struct::Publisher::new().serve(net, std::future::pending()));
    let (exit, _, err) = inspect(publisher_port, &[]);
    assert_eq!(exit.code(), Some(1));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "sipyco_inspect: 127.0.0.1:{publisher_port} is not an idict ("
        )),
        "{err}"
    );
}
