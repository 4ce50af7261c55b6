//! `cargo xtask bench supervisor`: the controller manager's reaction times and memory, each
//! figure beside its reference measured in the same run.
//!
//! - `entry_to_answer_ms`: an entry appears in the device database → its controller answers
//!   `echo` (median); reference `direct_start_to_answer_ms`: the same controller started
//!   directly by this program.
//! - `kill_to_answer_ms`: a controller is killed with SIGKILL → the manager noticed, restarted
//!   it and it answers again (median, `retry_timer` 0 so that the figure is the manager's own
//!   reaction, not the configured wait); same reference.
//! - `rss_50_controllers_kib`: the manager's resident memory while running 50 controllers;
//!   reference `rss_idle_kib`, the same manager with none.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use pyon_codec::{Dict, Value};
use rpc_client::{AsyncClient, ClientOptions};
use supervisor::{Process, ProcessSpec};
use support::lab::{Lab, free_port};
use support::{FIXTURE, TAG_VAR, new_tag, none_left};

const ROUNDS: usize = 7;

/// Poll until the controller on `port` answers `echo` (bounded).
async fn answered(port: u16) {
    let options = ClientOptions::new()
        .connect_timeout(Duration::from_millis(200))
        .call_timeout(Duration::from_secs(2));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(client) = AsyncClient::connect_with("127.0.0.1", port, "test", &options).await
            && client
                .call("echo", [Value::Int(1)], Dict::new())
                .await
                .is_ok()
        {
            client.close_rpc().await;
            return;
        }
        assert!(Instant::now() < deadline, "no answer on port {port}");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|s| s.trim_start().starts_with('Z')),
    }
}

async fn direct_start(tag: &str) -> f64 {
    let port = free_port();
    let spec = ProcessSpec::new("direct", FIXTURE)
        .args([
            "echo",
            "-p",
            &port.to_string(),
            "--no-localhost-bind",
            "--bind",
            "127.0.0.1",
        ])
        .env(TAG_VAR, tag)
        .capture_output(
            "direct",
            std::sync::Arc::new(|_: log_forward::LogRecord| {}),
        );
    let start = Instant::now();
    let mut process = Process::spawn(spec).await.unwrap();
    answered(port).await;
    let took = start.elapsed();
    process.stop().await.unwrap();
    ms(took)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let tag = new_tag("bench");
    let mut lab = Lab::start(&tag).await;
    let idle = rss_kib(lab.ctlmgr_pid());

    let mut direct = Vec::new();
    let mut appear = Vec::new();
    let mut restart = Vec::new();
    for round in 0..ROUNDS {
        direct.push(direct_start(&tag).await);
        let name = format!("c{round}");
        let port = free_port();
        let entry = lab.entry(
            "echo",
            port,
            &[
                ("retry_timer", Value::Float(0.0)),
                ("ping_timer", Value::Float(30.0)),
            ],
        );
        let start = Instant::now();
        lab.devices.setitem(name.as_str(), entry).unwrap();
        answered(port).await;
        appear.push(ms(start.elapsed()));

        let pid = match lab
            .wait_status(&name, |s| s.get("pid").is_some_and(|p| *p != Value::None))
            .await
            .get("pid")
        {
            Some(Value::Int(pid)) => u32::try_from(*pid).unwrap(),
            other => panic!("{other:?}"),
        };
        let start = Instant::now();
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid as i32).unwrap(),
            rustix::process::Signal::KILL,
        )
        .unwrap();
        while !gone(pid) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        answered(port).await;
        restart.push(ms(start.elapsed()));
        lab.devices.delitem(name.as_str()).unwrap();
        lab.own(&format!("controller {name} removed")).await;
    }
    let direct = median(direct);
    println!("direct_start_to_answer_ms {direct:.1}");
    println!("entry_to_answer_ms {:.1}", median(appear));
    println!("kill_to_answer_ms {:.1}", median(restart));

    let names: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
    for name in &names {
        let entry = lab.entry("echo", free_port(), &[("ping_timer", Value::Float(30.0))]);
        lab.devices.setitem(name.as_str(), entry).unwrap();
    }
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    lab.listening_all(&refs).await;
    let busy = rss_kib(lab.ctlmgr_pid());
    println!("rss_idle_kib {idle}");
    println!("rss_50_controllers_kib {busy}");
    println!(
        "rss_per_controller_kib {:.0}",
        (busy.saturating_sub(idle)) as f64 / 50.0
    );
    lab.signal(rustix::process::Signal::TERM);
    lab.exit_status().await;
    none_left(&tag).await;
}
