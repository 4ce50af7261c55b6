//! The async side of one controller: performs the [`Machine`]'s actions with a real process
//! and real RPC calls.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use log_forward::RecordSink;
use pyon_codec::{Dict, Value};
use rpc_client::{AsyncClient, ClientOptions, Target};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::entry::ControllerEntry;
use super::machine::{Action, Event, Machine, State};
use crate::error::Error;
use crate::process::{Exit, Process, ProcessSpec};

/// A request to a running controller task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    RetryNow,
    Stop,
}

/// What `status()` reports about one controller.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// Its state.
    pub state: State,
    /// The pid of its process, while one runs.
    pub pid: Option<u32>,
    /// Restarts so far.
    pub restarts: u64,
    /// How its last process ended.
    pub last_exit: Option<String>,
    /// The delay being waited before the next restart.
    pub retry_delay: Option<Duration>,
}

impl Status {
    fn of(machine: &Machine) -> Status {
        Status {
            state: machine.state(),
            pid: machine.pid(),
            restarts: machine.restarts(),
            last_exit: machine.last_exit().map(str::to_owned),
            retry_delay: machine.waiting(),
        }
    }

    /// As a PYON dict: `state`, `pid`, `restarts`, `last_exit`, `retry_delay` (seconds).
    pub fn to_value(&self) -> Value {
        let mut d = Dict::new();
        d.insert("state".into(), self.state.as_str().into());
        d.insert(
            "pid".into(),
            self.pid.map_or(Value::None, |p| Value::Int(p.into())),
        );
        d.insert(
            "restarts".into(),
            Value::Int(i64::try_from(self.restarts).unwrap_or(i64::MAX)),
        );
        d.insert(
            "last_exit".into(),
            self.last_exit.clone().map_or(Value::None, Value::from),
        );
        d.insert(
            "retry_delay".into(),
            self.retry_delay
                .map_or(Value::None, |d| Value::Float(d.as_secs_f64())),
        );
        Value::Dict(d)
    }
}

/// A controller's task and how to reach it.
pub(crate) struct Runner {
    pub(crate) entry: ControllerEntry,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
    pub(crate) status: Arc<Mutex<Status>>,
    pub(crate) task: JoinHandle<()>,
}

impl Runner {
    /// Start the controller's task; it first waits for `previous` (the task of the entry it
    /// replaces) to end, so the two never hold the port together.
    pub(crate) fn start(
        entry: ControllerEntry,
        sink: Arc<dyn RecordSink>,
        previous: Option<JoinHandle<()>>,
    ) -> Runner {
        let (commands, rx) = mpsc::unbounded_channel();
        let (machine, first) = Machine::new(entry.timers);
        let status = Arc::new(Mutex::new(Status::of(&machine)));
        let task = tokio::spawn(run(
            entry.clone(),
            machine,
            first,
            rx,
            status.clone(),
            sink,
            previous,
        ));
        Runner {
            entry,
            commands,
            status,
            task,
        }
    }

    pub(crate) fn status(&self) -> Status {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

async fn run(
    entry: ControllerEntry,
    mut machine: Machine,
    mut action: Action,
    mut commands: mpsc::UnboundedReceiver<Command>,
    status: Arc<Mutex<Status>>,
    sink: Arc<dyn RecordSink>,
    previous: Option<JoinHandle<()>>,
) {
    if let Some(previous) = previous {
        let _ = previous.await;
    }
    let name = entry.name.as_str();
    let mut process: Option<Process> = None;
    loop {
        *status.lock().unwrap_or_else(PoisonError::into_inner) = Status::of(&machine);
        let event = match action {
            Action::Finish => break,
            Action::Spawn => {
                tracing::info!("starting controller {name} with command: {:?}", entry.argv);
                match spawn(&entry, sink.clone()).await {
                    Ok(p) => {
                        let pid = p.pid();
                        process = Some(p);
                        Event::Spawned { pid }
                    }
                    Err(e) => {
                        tracing::warn!("controller {name} failed to start: {e}");
                        Event::SpawnFailed
                    }
                }
            }
            Action::Terminate => Event::Exited(terminate(&entry, process.as_mut()).await),
            Action::Wait(delay) => {
                tracing::warn!(
                    "restarting controller {name} in {:.1} seconds",
                    delay.as_secs_f64()
                );
                tokio::select! {
                    () = tokio::time::sleep(delay) => Event::RetryElapsed,
                    command = next_command(&mut commands) => command,
                }
            }
            Action::Continue => match (machine.state(), process.as_mut()) {
                (State::Running, Some(p)) => watch(&entry, p, &mut commands).await,
                _ => next_command(&mut commands).await,
            },
        };
        if let Event::Exited(exit) = &event {
            if machine.state() == State::Running {
                tracing::warn!("controller {name} exited ({exit})");
            }
            process = None;
        }
        action = machine.handle(event);
    }
    *status.lock().unwrap_or_else(PoisonError::into_inner) = Status::of(&machine);
}

/// The next command as an event (a closed channel means stop). A `retry_now` outside
/// [`State::Waiting`] is passed on too: the machine ignores it.
async fn next_command(commands: &mut mpsc::UnboundedReceiver<Command>) -> Event {
    match commands.recv().await {
        Some(Command::RetryNow) => Event::RetryNow,
        Some(Command::Stop) | None => Event::Stop,
    }
}

/// Wait for the process to exit, ping it every `ping_timer`, or take a command.
async fn watch(
    entry: &ControllerEntry,
    process: &mut Process,
    commands: &mut mpsc::UnboundedReceiver<Command>,
) -> Event {
    tokio::select! {
        exit = process.wait() => Event::Exited(exit_of(exit)),
        command = next_command(commands) => command,
        () = tokio::time::sleep(entry.timers.ping) => {
            tracing::debug!("pinging controller {}", entry.name);
            if ping(entry).await {
                Event::PingOk
            } else {
                tracing::warn!("controller {} ping failed", entry.name);
                Event::PingFailed
            }
        }
    }
}

fn exit_of(result: Result<Exit, Error>) -> Exit {
    match result {
        Ok(exit) => exit,
        Err(Error::EmergencyStop { code, .. }) => Exit::Code(code),
        Err(e) => {
            tracing::warn!("{e}");
            Exit::Killed
        }
    }
}

async fn spawn(entry: &ControllerEntry, sink: Arc<dyn RecordSink>) -> Result<Process, Error> {
    let (program, args) = entry
        .argv
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty command"))?;
    let mut spec = ProcessSpec::new(format!("controller {}", entry.name), program)
        .args(args)
        .env("PYTHONUNBUFFERED", "1")
        .term_timeout(entry.timers.term_timeout)
        .capture_output(format!("controller({})", entry.name), sink);
    for (k, v) in &entry.env {
        spec = spec.env(k, v);
    }
    Process::spawn(spec).await
}

/// Connect, select the first target, call `method` without arguments (Python's
/// `_call_controller`), all within `timeout`.
pub(crate) async fn call_controller(
    host: &str,
    port: u16,
    method: &str,
    timeout: Duration,
) -> Result<Value, String> {
    let options = ClientOptions::new()
        .connect_timeout(timeout)
        .call_timeout(timeout);
    let call = async {
        let client = AsyncClient::connect_with(host, port, Target::Unselected, &options)
            .await
            .map_err(|e| e.to_string())?;
        let (targets, _) = client.get_rpc_id();
        let first = targets.first().ok_or("the controller has no target")?;
        client
            .select_rpc_target(first)
            .await
            .map_err(|e| e.to_string())?;
        let result = client.call(method, (), Dict::new()).await;
        client.close_rpc().await;
        result.map_err(|e| e.to_string())
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or_else(|_| Err(format!("{method}() timed out")))
}

async fn ping(entry: &ControllerEntry) -> bool {
    match call_controller(&entry.host, entry.port, "ping", entry.timers.ping_timeout).await {
        Ok(value) => truthy(&value),
        Err(e) => {
            tracing::debug!("ping of controller {}: {e}", entry.name);
            false
        }
    }
}

/// Python's truth value for the results a `ping` gives.
fn truthy(value: &Value) -> bool {
    match value {
        Value::None => false,
        Value::Bool(b) => *b,
        Value::Int(i) => *i != 0,
        Value::Float(f) => *f != 0.0,
        Value::Str(s) => !s.is_empty(),
        Value::List(v) | Value::Tuple(v) | Value::Set(v) => !v.is_empty(),
        Value::Dict(d) => !d.is_empty(),
        _ => true,
    }
}

/// Stop: RPC `terminate`, wait; SIGTERM, wait; SIGKILL, wait (`term_timeout` each).
async fn terminate(entry: &ControllerEntry, process: Option<&mut Process>) -> Exit {
    let Some(process) = process else {
        return Exit::Killed;
    };
    let name = &entry.name;
    if let Ok(Some(exit)) = process.wait_timeout(Duration::ZERO).await {
        tracing::info!("controller {name} already terminated");
        return exit;
    }
    let timeout = entry.timers.term_timeout;
    match call_controller(&entry.host, entry.port, "terminate", timeout).await {
        Ok(_) => match process.wait_timeout(timeout).await {
            Ok(Some(exit)) => {
                tracing::info!("controller {name} terminated");
                return exit;
            }
            Ok(None) => {}
            Err(e) => return exit_of(Err(e)),
        },
        Err(e) => tracing::debug!("terminate() of controller {name}: {e}"),
    }
    tracing::warn!("controller {name} did not exit on request, ending the process");
    exit_of(process.stop().await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truth_values() {
        assert!(truthy(&Value::Bool(true)));
        assert!(!truthy(&Value::Bool(false)));
        assert!(!truthy(&Value::None));
        assert!(!truthy(&Value::Int(0)));
        assert!(truthy(&Value::Int(2)));
    }

    #[test]
    fn status_value() {
        let status = Status {
            state: State::Waiting,
            pid: None,
            restarts: 2,
            last_exit: Some("exit code 1".into()),
            retry_delay: Some(Duration::from_millis(500)),
        };
        assert_eq!(
            pyon_codec::encode(&status.to_value()).unwrap(),
            r#"{"state":"waiting","pid":null,"restarts":2,"last_exit":"exit code 1","retry_delay":0.5}"#
        );
    }
}
