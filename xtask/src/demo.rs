//! The demo's multi-process steps: servers started on port 0, their readiness read from their
//! output, clients run against them, everything stopped at the end.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use crate::{cargo, corpus_file, release_bin, run};

/// `cargo xtask demo`: every step in order; the first failure ends the demo.
pub(crate) fn run_all() -> Result<(), String> {
    run(
        "demo: building (release)",
        cargo().args([
            "build",
            "--quiet",
            "--release",
            "--workspace",
            "--bins",
            "--examples",
        ]),
    )?;
    let corpus = corpus_file("mixed.v1.pyon");
    println!("== 1. PYON codec on the benchmark corpus");
    run(
        "demo: codec",
        Command::new(release_bin("examples/corpus_demo")).arg(&corpus),
    )?;
    println!();
    println!("== 2. logs: a tracing forwarder sends records to sipyco_logserver");
    logs()?;
    println!();
    println!("== 3. queued listener: UDP datagrams received on one thread, dispatched on another");
    run(
        "demo: queued listener",
        &mut Command::new(release_bin("examples/demo")),
    )?;
    println!();
    println!("== 4. sync_struct: a publisher applies mods, subscribers in other processes follow");
    sync()?;
    println!();
    println!("== 5. RPC: the echo controller, the Rust clients and sipyco_rpctool");
    rpc()?;
    println!();
    println!(
        "== 6. remote execution: Python code sent to a Rust camera controller fits its frames"
    );
    rexec()?;
    println!();
    println!("== 7. idict: a computation watched, paused, resumed and stopped from outside");
    idict()?;
    println!();
    println!("== 8. sipyco_ctlmgr: two controllers, one killed and restarted, all stopped");
    ctlmgr()?;
    println!();
    println!("demo: all steps passed");
    Ok(())
}

/// Every demo server: an ephemeral port, on 127.0.0.1 only (its readiness line gives the port).
const ON_LOOPBACK: [&str; 5] = ["-p", "0", "--no-localhost-bind", "--bind", "127.0.0.1"];

/// A child process killed when dropped, with its output lines arriving on channels.
struct Server {
    child: Child,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn start(cmd: &mut Command) -> Result<Server, String> {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let stdout = lines(child.stdout.take().ok_or("no stdout")?);
    let stderr = lines(child.stderr.take().ok_or("no stderr")?);
    Ok(Server {
        child,
        stdout,
        stderr,
    })
}

/// Waits for a line with `prefix` and returns the rest of it.
fn wait_for(rx: &Receiver<String>, prefix: &str, what: &str) -> Result<String, String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => {
                if let Some(rest) = line.strip_prefix(prefix) {
                    return Ok(rest.to_owned());
                }
            }
            Err(_) => return Err(format!("{what}: no line starting with {prefix:?}")),
        }
    }
}

fn port_of(addr: &str) -> Result<String, String> {
    addr.rsplit(':')
        .next()
        .map(str::to_owned)
        .ok_or_else(|| format!("no port in {addr:?}"))
}

/// Starts `sipyco_logserver`, forwards the five recorded records through `tracing`, and shows
/// what the server printed.
pub(crate) fn logs() -> Result<(), String> {
    let server = start(Command::new(release_bin("sipyco_logserver")).args(ON_LOOPBACK))?;
    let port = port_of(&wait_for(
        &server.stderr,
        "listening on ",
        "sipyco_logserver",
    )?)?;
    println!("sipyco_logserver listening on 127.0.0.1:{port}");
    let status = Command::new(release_bin("forward_logs"))
        .args(["127.0.0.1", &port, "--source", "demo"])
        .status()
        .map_err(|e| format!("forward_logs: {e}"))?;
    if !status.success() {
        return Err(format!("forward_logs failed ({status})"));
    }
    // Five records, two of them multi-line: eight lines on the server's stdout.
    for _ in 0..8 {
        let line = server
            .stdout
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "sipyco_logserver printed fewer records than were sent".to_owned())?;
        println!("  received: {line}");
    }
    Ok(())
}

/// Sends SIGTERM (std can only SIGKILL); `kill` is in every POSIX base system.
fn terminate(child: &Child) -> Result<(), String> {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .map_err(|e| format!("kill: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill -TERM {} failed", child.id()))
    }
}

/// Runs the publisher example, two `sipyco_subscribe` processes (one watching every mod, one
/// printing its final replica), stops the publisher and compares the replicas.
pub(crate) fn sync() -> Result<(), String> {
    let mods = "300";
    let mut publisher = start(
        Command::new(release_bin("publisher"))
            .args(ON_LOOPBACK)
            .args(["--mods", mods, "--interval-ms", "2"]),
    )?;
    let port = port_of(&wait_for(
        &publisher.stderr,
        "publisher: listening on ",
        "publisher",
    )?)?;
    println!("publisher of notifier `data` listening on 127.0.0.1:{port}");
    let sub = |mode: &str| {
        start(Command::new(release_bin("sipyco_subscribe")).args([
            "127.0.0.1",
            &port,
            "data",
            mode,
        ]))
    };
    let watcher = sub("--watch")?;
    let last = sub("--final")?;
    let init = watcher
        .stdout
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "sipyco_subscribe --watch printed nothing".to_owned())?;
    println!("  watcher got the initial structure: {init:.100}");
    wait_for(&publisher.stderr, "publisher: applied ", "publisher")?;
    terminate(&publisher.child)?;
    let final_line = publisher
        .stdout
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "the publisher printed no final structure".to_owned())?;
    let status = publisher.child.wait().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("publisher exited with {status}"));
    }
    let replica = last
        .stdout
        .recv_timeout(Duration::from_secs(10))
        .map_err(|_| "sipyco_subscribe --final printed nothing".to_owned())?;
    let watched = watcher.stdout.try_iter().count();
    println!("  watcher received {watched} further mod lines while the publisher applied {mods}");
    println!("  publisher's final structure: {final_line:.100}");
    if replica != final_line {
        return Err(format!(
            "replica differs from the publisher's structure:\n  {replica}\n  {final_line}"
        ));
    }
    println!("  subscriber's replica is identical, byte for byte");
    Ok(())
}

/// Starts the echo controller, calls it with each kind of Rust client and with
/// `sipyco_rpctool`, and stops it with the built-in `terminate`.
pub(crate) fn rpc() -> Result<(), String> {
    let mut controller =
        start(Command::new(release_bin("examples/echo_controller")).args(ON_LOOPBACK))?;
    let port = wait_for(&controller.stdout, "port ", "echo_controller")?;
    println!("echo_controller serving target `test` on 127.0.0.1:{port}");
    let status = Command::new(release_bin("examples/echo_client"))
        .args(["127.0.0.1", &port])
        .status()
        .map_err(|e| format!("echo_client: {e}"))?;
    if !status.success() {
        return Err(format!("echo_client failed ({status})"));
    }
    // The command-line tool, as a user would type it.
    let tool = |args: &[&str], expect_ok: bool| -> Result<(), String> {
        let shown: Vec<String> = args
            .iter()
            .map(|a| {
                if a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
                {
                    a.to_string()
                } else {
                    format!("\"{a}\"")
                }
            })
            .collect();
        println!("$ sipyco_rpctool 127.0.0.1 {port} {}", shown.join(" "));
        let out = Command::new(release_bin("sipyco_rpctool"))
            .args(["127.0.0.1", &port])
            .args(args)
            .output()
            .map_err(|e| format!("sipyco_rpctool: {e}"))?;
        print!("{}", String::from_utf8_lossy(&out.stdout));
        if let Some(last) = String::from_utf8_lossy(&out.stderr).lines().last() {
            println!("  (stderr) {last}");
        }
        if out.status.success() != expect_ok {
            return Err(format!(
                "sipyco_rpctool {args:?} exited with {}",
                out.status
            ));
        }
        Ok(())
    };
    tool(&["list-targets"], true)?;
    tool(&["list-methods"], true)?;
    tool(
        &["call", "echo", "{'k': (1, 2.5, None), 3: [2**70, 1/3]}"],
        true,
    )?;
    tool(&["call", "async_echo", "np.array([1.0, 2.5])"], true)?;
    tool(&["call", "fail", "'laser unlocked'"], false)?;
    tool(&["call", "terminate"], true)?;
    let status = wait_exit(&mut controller.child, Duration::from_secs(10))?;
    if !status.success() {
        return Err(format!(
            "echo_controller exited with {status} after terminate"
        ));
    }
    println!("  echo_controller exited cleanly after `terminate`");
    Ok(())
}

fn wait_exit(child: &mut Child, limit: Duration) -> Result<std::process::ExitStatus, String> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Ok(status);
        }
        if std::time::Instant::now() > deadline {
            return Err("the process did not exit".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts the simulated camera (`rexec_controller`, its embedded Python in the project's venv
/// for numpy), sends it a fitting function with `camera_fit` and stops it.
pub(crate) fn rexec() -> Result<(), String> {
    let venv = crate::python::ensure_venv()?;
    let mut cmd = Command::new(release_bin("rexec_controller"));
    venv.apply(cmd.args(ON_LOOPBACK));
    let mut controller = start(&mut cmd)?;
    let port = wait_for(&controller.stdout, "port ", "rexec_controller")?;
    println!("rexec_controller serving `camera` and `camera_rexec` on 127.0.0.1:{port}");
    run(
        "demo: camera_fit",
        Command::new(release_bin("examples/camera_fit")).args(["127.0.0.1", &port, "--terminate"]),
    )?;
    let status = wait_exit(&mut controller.child, Duration::from_secs(10))?;
    if !status.success() {
        return Err(format!(
            "rexec_controller exited with {status} after terminate"
        ));
    }
    println!("  rexec_controller exited cleanly after `terminate`");
    Ok(())
}

/// Runs idict's `monte_carlo` example, serves its live page, watches it with
/// `sipyco_inspect`, pauses, resumes and terminates it.
pub(crate) fn idict() -> Result<(), String> {
    let mut computation =
        start(Command::new(release_bin("examples/monte_carlo")).args(ON_LOOPBACK))?;
    let port = wait_for(&computation.stdout, "port ", "monte_carlo")?;
    println!(
        "monte_carlo estimating pi on 127.0.0.1:{port} (notifiers idict, status; target computation)"
    );
    let inspect = || {
        let mut cmd = Command::new(release_bin("sipyco_inspect"));
        cmd.args(["127.0.0.1", &port]);
        cmd
    };
    let web = start(inspect().args(["web", "--listen", "127.0.0.1"]))?;
    let page = wait_for(&web.stdout, "page ", "sipyco_inspect web")?;
    println!("  live page while it runs: {page}");
    let mut watcher = start(&mut inspect())?;
    for _ in 0..3 {
        let line = watcher
            .stdout
            .recv_timeout(Duration::from_secs(10))
            .map_err(|_| "sipyco_inspect printed no update".to_owned())?;
        println!("  watch: {line:.110}");
    }
    let verb = |verb: &str| -> Result<String, String> {
        let out = inspect()
            .arg(verb)
            .output()
            .map_err(|e| format!("sipyco_inspect: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "sipyco_inspect {verb}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        println!("$ sipyco_inspect 127.0.0.1 {port} {verb}\n  {status}");
        Ok(status)
    };
    verb("pause")?;
    let paused = verb("status")?;
    if !paused.contains(r#""paused":true"#) {
        return Err(format!("not paused: {paused}"));
    }
    verb("resume")?;
    verb("terminate")?;
    let status = wait_exit(&mut computation.child, Duration::from_secs(20))?;
    if !status.success() {
        return Err(format!("monte_carlo exited with {status} after terminate"));
    }
    let watched = wait_exit(&mut watcher.child, Duration::from_secs(20))?;
    let last = watcher.stdout.try_iter().last().unwrap_or_default();
    println!("  watcher's final update: {last:.110}");
    if !watched.success() {
        return Err(format!("sipyco_inspect watch exited with {watched}"));
    }
    println!("  monte_carlo published its final update and exited cleanly");
    Ok(())
}

/// Plays the master for `sipyco_ctlmgr` (the supervisor crate's `ctlmgr_demo`): two
/// controllers start, one is killed with SIGKILL and restarted, SIGTERM stops everything.
pub(crate) fn ctlmgr() -> Result<(), String> {
    run(
        "demo: controller manager",
        Command::new(release_bin("examples/ctlmgr_demo"))
            .arg(release_bin("sipyco_ctlmgr"))
            .arg(release_bin("supervisor_fixture")),
    )
}
