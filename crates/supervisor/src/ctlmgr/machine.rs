//! The life of one controller as a pure state machine: events in (it started, exited, answered
//! a ping, ...), the next action out. The async runner only performs the actions.

use std::fmt;
use std::time::Duration;

use super::entry::Timers;
use crate::process::Exit;

/// Longest wait between restarts, however many failures came before.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(300);

/// Where a controller is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Being started.
    Starting,
    /// Running and pinged.
    Running,
    /// Being stopped; restarted afterwards if `restart`.
    Stopping {
        /// Whether it restarts once stopped (a failed ping).
        restart: bool,
    },
    /// Waiting to restart.
    Waiting,
    /// Stopped for good.
    Stopped,
}

impl State {
    /// The name `status()` reports: `starting`, `running`, `stopping`, `waiting`, `stopped`.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Running => "running",
            State::Stopping { .. } => "stopping",
            State::Waiting => "waiting",
            State::Stopped => "stopped",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The process started.
    Spawned {
        /// Its pid.
        pid: u32,
    },
    /// The process could not start.
    SpawnFailed,
    /// The process ended.
    Exited(Exit),
    /// A ping answered true.
    PingOk,
    /// A ping answered false, failed or timed out.
    PingFailed,
    /// `retry_now` was called.
    RetryNow,
    /// The restart delay elapsed.
    RetryElapsed,
    /// The controller must stop for good (entry removed or changed, manager stopping).
    Stop,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start the process.
    Spawn,
    /// Stop the process (RPC `terminate`, SIGTERM, SIGKILL), then report `Exited`.
    Terminate,
    /// Wait this long (or until `retry_now`), then report `RetryElapsed`.
    Wait(Duration),
    /// Keep doing what the state says (watch and ping a running process).
    Continue,
    /// Done: the controller is stopped.
    Finish,
}

/// One controller's state, restart delay and counters.
#[derive(Debug, Clone)]
pub struct Machine {
    state: State,
    timers: Timers,
    delay: Duration,
    waiting: Option<Duration>,
    restarts: u64,
    pid: Option<u32>,
    last_exit: Option<String>,
}

impl Machine {
    /// A new controller, and its first action ([`Action::Spawn`]).
    pub fn new(timers: Timers) -> (Machine, Action) {
        let machine = Machine {
            state: State::Starting,
            timers,
            delay: timers.retry.min(MAX_RETRY_DELAY),
            waiting: None,
            restarts: 0,
            pid: None,
            last_exit: None,
        };
        (machine, Action::Spawn)
    }

    /// Take `event`; the next action.
    pub fn handle(&mut self, event: Event) -> Action {
        match (self.state, event) {
            (State::Stopped, _) => Action::Finish,
            (_, Event::Exited(exit)) => {
                self.pid = None;
                self.last_exit = Some(exit.to_string());
                match self.state {
                    State::Stopping { restart: false } => self.stop(),
                    _ => self.wait(),
                }
            }
            (State::Starting, Event::Spawned { pid }) => {
                self.pid = Some(pid);
                self.state = State::Running;
                Action::Continue
            }
            (State::Starting, Event::SpawnFailed) => {
                self.last_exit = Some("failed to start".into());
                self.wait()
            }
            (State::Running, Event::PingOk) => {
                self.delay = self.timers.retry.min(MAX_RETRY_DELAY);
                Action::Continue
            }
            (State::Running, Event::PingFailed) => {
                self.state = State::Stopping { restart: true };
                Action::Terminate
            }
            (State::Running, Event::Stop) => {
                self.state = State::Stopping { restart: false };
                Action::Terminate
            }
            (State::Stopping { .. }, Event::Stop) => {
                self.state = State::Stopping { restart: false };
                Action::Continue
            }
            (State::Waiting, Event::RetryNow | Event::RetryElapsed) => {
                self.waiting = None;
                self.restarts += 1;
                self.state = State::Starting;
                Action::Spawn
            }
            (State::Starting | State::Waiting, Event::Stop) => self.stop(),
            _ => Action::Continue,
        }
    }

    fn wait(&mut self) -> Action {
        let delay = self.delay;
        self.state = State::Waiting;
        self.waiting = Some(delay);
        let next = delay.as_secs_f64() * self.timers.backoff;
        self.delay = Duration::try_from_secs_f64(next)
            .unwrap_or(MAX_RETRY_DELAY)
            .min(MAX_RETRY_DELAY);
        Action::Wait(delay)
    }

    fn stop(&mut self) -> Action {
        self.state = State::Stopped;
        self.waiting = None;
        Action::Finish
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// The pid of the running process.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    /// Restarts so far.
    pub fn restarts(&self) -> u64 {
        self.restarts
    }

    /// How the last process ended.
    pub fn last_exit(&self) -> Option<&str> {
        self.last_exit.as_deref()
    }

    /// The delay being waited, in [`State::Waiting`].
    pub fn waiting(&self) -> Option<Duration> {
        self.waiting
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers(retry_ms: u64, backoff: f64) -> Timers {
        Timers {
            retry: Duration::from_millis(retry_ms),
            backoff,
            ..Timers::default()
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn restart_delays_grow_and_reset() {
        let (mut m, first) = Machine::new(timers(1000, 2.0));
        assert_eq!(first, Action::Spawn);
        let mut delays = Vec::new();
        for pid in 1..=4 {
            assert_eq!(m.handle(Event::Spawned { pid }), Action::Continue);
            assert_eq!(m.pid(), Some(pid));
            match m.handle(Event::Exited(Exit::Code(1))) {
                Action::Wait(d) => delays.push(d),
                other => panic!("{other:?}"),
            }
            assert_eq!(m.state(), State::Waiting);
            assert_eq!(m.handle(Event::RetryElapsed), Action::Spawn);
        }
        assert_eq!(delays, [ms(1000), ms(2000), ms(4000), ms(8000)]);
        assert_eq!(m.restarts(), 4);
        assert_eq!(m.last_exit(), Some("exit code 1"));
        // A good ping resets the delay.
        m.handle(Event::Spawned { pid: 9 });
        assert_eq!(m.handle(Event::PingOk), Action::Continue);
        assert_eq!(
            m.handle(Event::Exited(Exit::Signal(9))),
            Action::Wait(ms(1000))
        );
    }

    #[test]
    fn delay_is_capped() {
        let (mut m, _) = Machine::new(timers(200_000, 10.0));
        m.handle(Event::SpawnFailed);
        assert_eq!(m.waiting(), Some(ms(200_000)));
        m.handle(Event::RetryNow);
        assert_eq!(m.handle(Event::SpawnFailed), Action::Wait(MAX_RETRY_DELAY));
        assert_eq!(m.last_exit(), Some("failed to start"));
    }

    #[test]
    fn failed_ping_stops_then_restarts() {
        let (mut m, _) = Machine::new(timers(100, 1.1));
        m.handle(Event::Spawned { pid: 5 });
        assert_eq!(m.handle(Event::PingFailed), Action::Terminate);
        assert_eq!(m.state(), State::Stopping { restart: true });
        assert_eq!(m.handle(Event::RetryNow), Action::Continue);
        assert_eq!(m.handle(Event::Exited(Exit::Killed)), Action::Wait(ms(100)));
        assert_eq!(m.pid(), None);
        assert_eq!(m.last_exit(), Some("killed"));
    }

    #[test]
    fn stop_from_every_state() {
        let table: &[(&[Event], Action, State)] = &[
            (&[], Action::Finish, State::Stopped),
            (
                &[Event::Spawned { pid: 1 }],
                Action::Terminate,
                State::Stopping { restart: false },
            ),
            (&[Event::SpawnFailed], Action::Finish, State::Stopped),
            (
                &[Event::Spawned { pid: 1 }, Event::PingFailed],
                Action::Continue,
                State::Stopping { restart: false },
            ),
        ];
        for (before, action, state) in table {
            let (mut m, _) = Machine::new(timers(100, 1.1));
            for e in *before {
                m.handle(e.clone());
            }
            assert_eq!(m.handle(Event::Stop), *action, "{before:?}");
            assert_eq!(m.state(), *state, "{before:?}");
        }
        // A stop during a failed-ping restart is not undone by the exit.
        let (mut m, _) = Machine::new(timers(100, 1.1));
        m.handle(Event::Spawned { pid: 1 });
        m.handle(Event::PingFailed);
        m.handle(Event::Stop);
        assert_eq!(m.handle(Event::Exited(Exit::Terminated)), Action::Finish);
        assert_eq!(m.handle(Event::RetryNow), Action::Finish);
        assert_eq!(m.state(), State::Stopped);
    }
}
