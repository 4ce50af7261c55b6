//! Running one child: start it in its own session with a parent-death signal, wait for it,
//! stop it with SIGTERM then SIGKILL, capture its output as log records (the runtime seed's
//! `run_process`).

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::fd::OwnedFd;
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

use log_forward::RecordSink;
use rustix::process::{Pid, Signal};
use tokio::io::BufReader;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::{spawner, sys};

/// Exit code by which a child asks its supervisor for an emergency stop, when the
/// [`ProcessSpec`] opts in with [`ProcessSpec::emergency_stop_code`].
pub const EMERGENCY_STOP_CODE: i32 = 99;

/// How long [`Process::stop`] waits after SIGTERM, and after SIGKILL, unless set.
pub const DEFAULT_TERM_TIMEOUT: Duration = Duration::from_secs(30);

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited by itself with this code.
    Code(i32),
    /// A signal we did not send ended it.
    Signal(i32),
    /// It ended after our SIGTERM.
    Terminated,
    /// It ended after our SIGKILL.
    Killed,
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exit code {code}"),
            Exit::Signal(signal) => write!(f, "signal {signal}"),
            Exit::Terminated => f.write_str("terminated"),
            Exit::Killed => f.write_str("killed"),
        }
    }
}

/// What to run: program, arguments, environment, working directory, and how to treat it.
#[derive(Clone)]
pub struct ProcessSpec {
    name: String,
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    cwd: Option<PathBuf>,
    term_timeout: Duration,
    emergency_stop_code: Option<i32>,
    capture: Option<(String, Arc<dyn RecordSink>)>,
    inherit: Vec<Arc<OwnedFd>>,
}

impl fmt::Debug for ProcessSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessSpec")
            .field("name", &self.name)
            .field("program", &self.program)
            .field("args", &self.args)
            .field("cwd", &self.cwd)
            .field("capture", &self.capture.as_ref().map(|(source, _)| source))
            .finish_non_exhaustive()
    }
}

impl ProcessSpec {
    /// Run `program` (looked up in `PATH` if it has no `/`); `name` appears in every log line.
    pub fn new(name: impl Into<String>, program: impl AsRef<OsStr>) -> ProcessSpec {
        ProcessSpec {
            name: name.into(),
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            term_timeout: DEFAULT_TERM_TIMEOUT,
            emergency_stop_code: None,
            capture: None,
            inherit: Vec::new(),
        }
    }

    /// Add one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> ProcessSpec {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Add arguments.
    pub fn args<I, S>(mut self, args: I) -> ProcessSpec
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Set one environment variable (on top of ours).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> ProcessSpec {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Run in this working directory.
    pub fn current_dir(mut self, dir: impl Into<PathBuf>) -> ProcessSpec {
        self.cwd = Some(dir.into());
        self
    }

    /// How long [`Process::stop`] waits after SIGTERM and after SIGKILL.
    pub fn term_timeout(mut self, timeout: Duration) -> ProcessSpec {
        self.term_timeout = timeout;
        self
    }

    /// Treat exit `code` as an emergency stop ([`Error::EmergencyStop`]); see
    /// [`EMERGENCY_STOP_CODE`].
    pub fn emergency_stop_code(mut self, code: i32) -> ProcessSpec {
        self.emergency_stop_code = Some(code);
        self
    }

    /// Read stdout and stderr as log records of `source` (e.g. `controller(NAME)`) handed to
    /// `sink`; without this, the child shares our stdout and stderr.
    pub fn capture_output(
        mut self,
        source: impl Into<String>,
        sink: Arc<dyn RecordSink>,
    ) -> ProcessSpec {
        self.capture = Some((source.into(), sink));
        self
    }

    /// Keep `fd` open, under its number, in the child (Python's `pass_fds`).
    pub(crate) fn inherit(mut self, fd: Arc<OwnedFd>) -> ProcessSpec {
        self.inherit.push(fd);
        self
    }

    /// The name used in log lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.program);
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        if let Some(cwd) = &self.cwd {
            cmd.current_dir(cwd);
        }
        if self.capture.is_some() {
            cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        }
        sys::prepare_child(&mut cmd, self.inherit.clone());
        cmd
    }

    fn spawn_error(&self, source: std::io::Error) -> Error {
        Error::Spawn {
            name: self.name.clone(),
            program: self.program.to_string_lossy().into_owned(),
            source,
        }
    }
}

/// Which signal we sent last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    Nothing,
    Term,
    Kill,
}

/// A running child. Dropping it stops the child in the background (SIGTERM, then SIGKILL),
/// or at once with SIGKILL when no runtime is left to wait.
#[derive(Debug)]
pub struct Process {
    name: String,
    pid: u32,
    child: Option<tokio::process::Child>,
    exit: Option<Exit>,
    sent: Sent,
    term_timeout: Duration,
    emergency_stop_code: Option<i32>,
    /// Set on the copy that `Drop` hands to a background task, which must not hand it on again.
    background: bool,
}

impl Process {
    /// Start the child described by `spec`.
    ///
    /// # Errors
    ///
    /// [`Error::Spawn`] naming the program if it cannot be started (missing, not executable).
    pub async fn spawn(spec: ProcessSpec) -> Result<Process> {
        let cmd = spec.command();
        let mut child = spawner::spawn(cmd)
            .await
            .map_err(|source| spec.spawn_error(source))?;
        let pid = child.id().unwrap_or_default();
        tracing::info!("started {} (pid {pid})", spec.name);
        if let Some((source, sink)) = &spec.capture {
            let streams = [
                child
                    .stdout
                    .take()
                    .map(|s| Box::new(s) as Box<dyn AsyncReadSend>),
                child
                    .stderr
                    .take()
                    .map(|s| Box::new(s) as Box<dyn AsyncReadSend>),
            ];
            for stream in streams.into_iter().flatten() {
                tokio::spawn(capture(stream, source.clone(), sink.clone()));
            }
        }
        Ok(Process {
            name: spec.name,
            pid,
            child: Some(child),
            exit: None,
            sent: Sent::Nothing,
            term_timeout: spec.term_timeout,
            emergency_stop_code: spec.emergency_stop_code,
            background: false,
        })
    }

    /// The child's process id (also its process group and session id).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The name used in log lines.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// How it ended, once [`wait`](Self::wait) saw it end.
    pub fn exit(&self) -> Option<Exit> {
        self.exit
    }

    /// Wait for the child to end (cancel-safe). Anything left of its process group is then
    /// killed, so grandchildren do not outlive it.
    ///
    /// # Errors
    ///
    /// [`Error::EmergencyStop`] if it exited with the emergency-stop code, [`Error::Process`]
    /// if waiting failed.
    pub async fn wait(&mut self) -> Result<Exit> {
        let exit = match (self.exit, self.child.as_mut()) {
            (Some(exit), _) => exit,
            (None, None) => Exit::Killed,
            (None, Some(child)) => {
                let status = child.wait().await.map_err(|source| Error::Process {
                    name: self.name.clone(),
                    source,
                })?;
                let exit = self.classify(status);
                self.exit = Some(exit);
                tracing::info!("{} (pid {}) ended: {exit}", self.name, self.pid);
                self.signal_group(Signal::KILL);
                exit
            }
        };
        match (exit, self.emergency_stop_code) {
            (Exit::Code(code), Some(stop)) if code == stop => Err(Error::EmergencyStop {
                name: self.name.clone(),
                pid: self.pid,
                code,
            }),
            _ => Ok(exit),
        }
    }

    /// Wait at most `timeout`; `None` if it is still running.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    pub async fn wait_timeout(&mut self, timeout: Duration) -> Result<Option<Exit>> {
        match tokio::time::timeout(timeout, self.wait()).await {
            Ok(result) => result.map(Some),
            Err(_) => Ok(None),
        }
    }

    /// Send SIGTERM to the child's process group.
    pub fn terminate(&mut self) {
        if self.exit.is_none() {
            tracing::info!("terminating {} (pid {})", self.name, self.pid);
            self.sent = Sent::Term;
            self.signal_group(Signal::TERM);
        }
    }

    /// Send SIGKILL to the child's process group.
    pub fn kill(&mut self) {
        if self.exit.is_none() {
            tracing::warn!("killing {} (pid {})", self.name, self.pid);
            self.sent = Sent::Kill;
            self.signal_group(Signal::KILL);
        }
    }

    /// Stop the child: SIGTERM, wait the term timeout; SIGKILL, wait again.
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait); [`Error::Process`] if even SIGKILL did not end it in time.
    pub async fn stop(&mut self) -> Result<Exit> {
        if let Some(exit) = self.wait_timeout(Duration::ZERO).await? {
            return Ok(exit);
        }
        self.terminate();
        if let Some(exit) = self.wait_timeout(self.term_timeout).await? {
            return Ok(exit);
        }
        tracing::warn!("{} (pid {}) ignored SIGTERM", self.name, self.pid);
        self.kill();
        match self.wait_timeout(self.term_timeout).await? {
            Some(exit) => Ok(exit),
            None => Err(Error::Process {
                name: self.name.clone(),
                source: std::io::Error::other("still running after SIGKILL"),
            }),
        }
    }

    fn classify(&self, status: ExitStatus) -> Exit {
        match self.sent {
            Sent::Kill => Exit::Killed,
            Sent::Term => Exit::Terminated,
            Sent::Nothing => match (status.code(), status.signal()) {
                (Some(code), _) => Exit::Code(code),
                (None, Some(signal)) => Exit::Signal(signal),
                (None, None) => Exit::Killed,
            },
        }
    }

    fn signal_group(&self, signal: Signal) {
        let Some(pgid) = i32::try_from(self.pid).ok().and_then(Pid::from_raw) else {
            return;
        };
        match rustix::process::kill_process_group(pgid, signal) {
            Ok(()) | Err(rustix::io::Errno::SRCH) => {}
            Err(e) => tracing::warn!("cannot signal {} (pid {}): {e}", self.name, self.pid),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.exit.is_some() || self.child.is_none() {
            return;
        }
        let runtime = tokio::runtime::Handle::try_current();
        match runtime {
            Ok(runtime) if !self.background => {
                let mut rest = Process {
                    name: std::mem::take(&mut self.name),
                    pid: self.pid,
                    child: self.child.take(),
                    exit: None,
                    sent: self.sent,
                    term_timeout: self.term_timeout,
                    emergency_stop_code: None,
                    background: true,
                };
                runtime.spawn(async move {
                    let _ = rest.stop().await;
                });
            }
            _ => {
                self.sent = Sent::Kill;
                self.signal_group(Signal::KILL);
            }
        }
    }
}

trait AsyncReadSend: tokio::io::AsyncRead + Send + Unpin {}
impl<T: tokio::io::AsyncRead + Send + Unpin> AsyncReadSend for T {}

async fn capture(stream: Box<dyn AsyncReadSend>, source: String, sink: Arc<dyn RecordSink>) {
    // Reads to the end whatever the bytes: the child never blocks on a pipe we stopped reading.
    if let Err(e) = log_forward::forward_output(BufReader::new(stream), &source, &*sink).await {
        tracing::warn!("output of {source}: {e}");
    }
}

/// Run a child to its end (the runtime seed's `run_process`): start it, wait for it, and stop
/// it (SIGTERM, timeout, SIGKILL) when `stop` is cancelled. Dropping the future also stops it.
///
/// # Errors
///
/// [`Error::Spawn`] if it cannot start, [`Error::EmergencyStop`] if it asked for an emergency
/// stop, [`Error::Process`] if waiting failed.
pub async fn run_process(spec: ProcessSpec, stop: &CancellationToken) -> Result<Exit> {
    let mut process = Process::spawn(spec).await?;
    tokio::select! {
        exit = process.wait() => exit,
        () = stop.cancelled() => process.stop().await,
    }
}
