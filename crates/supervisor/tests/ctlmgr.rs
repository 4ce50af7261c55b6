//! `sipyco_ctlmgr` with real controllers: a master played by the test (the `devices`
//! notifier and a log server), restarts and their delays, escalation, entry changes, logs
//! with their sources, signals, and no process left afterwards, even after SIGKILL.

mod support;

use pyon_codec::{Dict, Value};
use rustix::process::Signal;
use support::lab::{Lab, field, free_port, serve_devices};
use support::{environ, new_tag, none_left, tagged};
use sync_struct::Notifier;
use tokio_util::sync::CancellationToken;

fn pid_of(status: &Value) -> u32 {
    match field(status, "pid") {
        Value::Int(pid) => u32::try_from(pid).unwrap(),
        other => panic!("no pid: {other:?}"),
    }
}

/// The pid in the manager's record `started controller NAME (pid N)`.
async fn started(lab: &mut Lab, name: &str) -> u32 {
    let r = lab.own(&format!("started controller {name} (pid ")).await;
    let pid = r
        .message
        .rsplit("(pid ")
        .next()
        .unwrap()
        .trim_end_matches(')');
    pid.parse().unwrap()
}

fn kill(pid: u32) {
    let pid = rustix::process::Pid::from_raw(pid as i32).unwrap();
    rustix::process::kill_process(pid, Signal::KILL).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_restarts_changes_and_sigterm() {
    let tag = new_tag("lifecycle");
    let mut lab = Lab::start(&tag).await;
    let port = free_port();
    let mut env = Dict::new();
    env.insert("LAB_VAR".into(), "42".into());
    let entry = lab.entry(
        "echo",
        port,
        &[
            ("environment", Value::Dict(env)),
            ("ping_timer", Value::Float(30.0)),
            ("retry_timer_backoff", Value::Int(2)),
        ],
    );
    lab.devices.setitem("echo", entry).unwrap();
    let mut pid = started(&mut lab, "echo").await;
    assert_eq!(lab.listening("echo").await, port);
    let status = lab
        .wait_status("echo", |s| field(s, "state") == Value::from("running"))
        .await;
    assert_eq!(pid_of(&status), pid);
    let env = environ(pid);
    assert!(env.iter().any(|v| v == "PYTHONUNBUFFERED=1"), "{env:?}");
    assert!(env.iter().any(|v| v == "LAB_VAR=42"), "{env:?}");

    // Killed: restarted after retry_timer, then after retry_timer * backoff.
    for (restarts, delay) in [(1, "0.2"), (2, "0.4")] {
        kill(pid);
        lab.own("controller echo exited (signal 9)").await;
        lab.own(&format!("restarting controller echo in {delay} seconds"))
            .await;
        let new = started(&mut lab, "echo").await;
        assert_ne!(new, pid);
        pid = new;
        assert_eq!(lab.listening("echo").await, port);
        let status = lab
            .wait_status("echo", |s| field(s, "pid") == Value::Int(pid.into()))
            .await;
        assert_eq!(field(&status, "restarts"), Value::Int(restarts));
        assert_eq!(field(&status, "last_exit"), Value::from("signal 9"));
    }

    // A changed entry: the old process stops, the new one starts on the new port.
    let old = pid;
    let new_port = free_port();
    lab.devices
        .setitem("echo", lab.entry("echo", new_port, &[]))
        .unwrap();
    lab.own("controller echo changed").await;
    lab.own("controller echo terminated").await;
    assert_eq!(lab.listening("echo").await, new_port);
    assert!(!tagged(&tag).contains(&old));

    // An unchanged entry set again keeps running.
    let pid = pid_of(
        &lab.wait_status("echo", |s| field(s, "pid") != Value::None)
            .await,
    );
    lab.devices
        .setitem("echo", lab.entry("echo", new_port, &[]))
        .unwrap();
    // A removed entry stops (by its RPC terminate).
    lab.devices.delitem("echo").unwrap();
    lab.own("controller echo removed").await;
    lab.own("controller echo terminated").await;
    assert!(!tagged(&tag).contains(&pid));
    assert_eq!(lab.status_of("echo").await, None);

    lab.devices
        .setitem("again", lab.entry("echo", port, &[]))
        .unwrap();
    lab.listening("again").await;
    lab.signal(Signal::TERM);
    assert_eq!(lab.exit_status().await.code(), Some(0));
    none_left(&tag).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stubborn_controller_is_killed() {
    let tag = new_tag("stubborn");
    let mut lab = Lab::start(&tag).await;
    let entry = lab.entry(
        "stubborn",
        free_port(),
        &[("term_timeout", Value::Float(0.3))],
    );
    lab.devices.setitem("stubborn", entry).unwrap();
    let pid = started(&mut lab, "stubborn").await;
    lab.listening("stubborn").await;
    lab.devices.delitem("stubborn").unwrap();
    lab.own("controller stubborn did not exit on request").await;
    lab.record(|r| {
        r.source.as_deref() == Some("controller(stubborn)") && r.message == "ignoring SIGTERM"
    })
    .await;
    lab.own(&format!("controller stubborn (pid {pid}) ignored SIGTERM"))
        .await;
    lab.own(&format!("killing controller stubborn (pid {pid})"))
        .await;
    lab.own(&format!("controller stubborn (pid {pid}) ended: killed"))
        .await;
    assert_eq!(tagged(&tag), [lab.ctlmgr_pid()]);
    lab.signal(Signal::INT);
    assert_eq!(lab.exit_status().await.code(), Some(0));
    none_left(&tag).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_controllers_and_retry_now() {
    let tag = new_tag("failing");
    let mut lab = Lab::start(&tag).await;
    let pf = lab.entry("ping-false", free_port(), &[]);
    lab.devices.setitem("pf", pf).unwrap();
    lab.own("controller pf ping failed").await;
    lab.own("restarting controller pf in").await;

    let quick = lab.entry(
        "exit --code 3",
        free_port(),
        &[("retry_timer", Value::Float(200.0))],
    );
    lab.devices.setitem("quick", quick).unwrap();
    lab.own("controller quick exited (exit code 3)").await;
    lab.own("restarting controller quick in 200.0 seconds")
        .await;
    let status = lab
        .wait_status("quick", |s| field(s, "state") == Value::from("waiting"))
        .await;
    assert_eq!(field(&status, "retry_delay"), Value::Float(200.0));
    assert_eq!(field(&status, "last_exit"), Value::from("exit code 3"));
    lab.call("retry_now", [Value::from("quick")]).await.unwrap();
    lab.own("starting controller quick").await;
    lab.own("controller quick exited (exit code 3)").await;
    lab.wait_status("quick", |s| field(s, "restarts") == Value::Int(1))
        .await;
    let err = lab
        .call("retry_now", [Value::from("nope")])
        .await
        .unwrap_err();
    assert_eq!(err.as_remote().unwrap().class, "KeyError");

    // A missing program and a bad template are logged; the others keep running.
    let mut ghost = lab.entry("echo", free_port(), &[]);
    if let Value::Dict(d) = &mut ghost {
        d.insert(
            "command".into(),
            "/nonexistent/aqctl_ghost -p {port}".into(),
        );
    }
    lab.devices.setitem("ghost", ghost).unwrap();
    let r = lab.own("controller ghost failed to start").await;
    assert!(
        r.message.contains("/nonexistent/aqctl_ghost"),
        "{}",
        r.message
    );
    let mut broken = lab.entry("echo", free_port(), &[]);
    if let Value::Dict(d) = &mut broken {
        d.insert("command".into(), "aqctl {nope}".into());
    }
    lab.devices.setitem("broken", broken).unwrap();
    let r = lab.own("controller broken cannot run").await;
    assert_eq!(r.level, log_forward::Level::Error);
    assert!(r.message.ends_with("unknown field {nope}"), "{}", r.message);
    lab.devices
        .setitem("fine", lab.entry("echo", free_port(), &[]))
        .unwrap();
    lab.listening("fine").await;

    lab.signal(Signal::HUP);
    assert_eq!(lab.exit_status().await.code(), Some(0));
    none_left(&tag).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn noisy_output_reaches_the_master() {
    let tag = new_tag("noisy");
    let mut lab = Lab::start(&tag).await;
    lab.devices
        .setitem("noisy", lab.entry("noisy --lines 10000", free_port(), &[]))
        .unwrap();
    // stdout and stderr are two pipes: their records interleave, each in its own order.
    let source = Some("controller(noisy)");
    let (mut lines, mut bad, mut warning, mut port) = (0, None, None, None);
    while lines < 10_000 || bad.is_none() || warning.is_none() || port.is_none() {
        let r = lab.record(|r| r.source.as_deref() == source).await;
        if let Some(n) = r.message.strip_prefix("line ") {
            assert_eq!(n, lines.to_string(), "lines in order, none lost");
            lines += 1;
        } else if r.message.starts_with("bad ") {
            bad = Some(r);
        } else if r.name == "noisy.ctl" {
            warning = Some(r);
        } else if r.message.starts_with("port ") {
            port = Some(r);
        }
    }
    let (bad, warning) = (bad.unwrap(), warning.unwrap());
    assert_eq!(bad.message, "bad \u{fffd}\u{fffd} bytes");
    assert_eq!(bad.name, "print");
    assert_eq!(warning.message, "two\nlines");
    assert_eq!(warning.level, log_forward::Level::Warning);
    // Still running after all that.
    lab.wait_status("noisy", |s| field(s, "state") == Value::from("running"))
        .await;
    drop(lab);
    none_left(&tag).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_of_the_manager_leaves_no_controller() {
    let tag = new_tag("sigkill");
    let mut lab = Lab::start_with(&tag, &["--health-interval", "0.1"]).await;
    lab.devices
        .setitem("a", lab.entry("echo", free_port(), &[]))
        .unwrap();
    lab.devices
        .setitem("b", lab.entry("stubborn", free_port(), &[]))
        .unwrap();
    lab.listening_all(&["a", "b"]).await;
    assert_eq!(tagged(&tag).len(), 3);
    lab.own("health: 2 running, 0 restarts").await;
    lab.signal(Signal::KILL);
    lab.exit_status().await;
    none_left(&tag).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_retrying_the_master() {
    let tag = new_tag("late_master");
    let devices = Notifier::new(Value::Dict(Dict::new()));
    let stop = CancellationToken::new();
    let port = free_port();
    let mut lab = Lab::with_master_port(&tag, devices.clone(), port, stop.clone(), &[]).await;
    lab.own("cannot connect to the master").await;
    lab.own("cannot connect to the master").await;
    devices
        .setitem("late", lab.entry("echo", free_port(), &[]))
        .unwrap();
    serve_devices(&devices, port, &stop).await;
    lab.own("connected to the master").await;
    lab.listening("late").await;
    lab.signal(Signal::TERM);
    assert_eq!(lab.exit_status().await.code(), Some(0));
    none_left(&tag).await;
}
