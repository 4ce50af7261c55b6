//! [`LogForwarder`]: a `tracing` layer that sends records to a log server (Python's
//! `LogForwarder` handler).
//!
//! The layer formats each event into its wire line on the calling thread and hands it to a
//! bounded queue with `try_send`: a log call never waits for the network. A background thread
//! with its own single-threaded tokio runtime owns the connection: it connects, sends the banner
//! and the queued lines, and reconnects every `retry` while the server is away, so the
//! application need not be async at all.

mod handle;
mod task;

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use asyncio_server::TlsClientConfig;
use tokio::sync::mpsc;
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

use crate::error::Error;
use crate::fields::{EventFields, SOURCE_FIELD};
use crate::filter::LevelThreshold;
use crate::record::{LogRecord, write_wire_record};

use handle::Shared;
pub use handle::{ForwarderHandle, ForwarderStats};
use task::ForwardTask;

/// Records waiting to be sent at most, by default (Python's `queue_size`).
pub const DEFAULT_QUEUE_SIZE: usize = 1000;
/// Pause between connection attempts while the server is away, by default (Python's
/// `reconnect_timer`).
pub const DEFAULT_RETRY: Duration = Duration::from_secs(5);
/// Longest a connection attempt (with the TLS handshake) may take, by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings of a [`LogForwarder`]; made by [`LogForwarder::builder`].
#[derive(Debug, Clone)]
pub struct ForwarderBuilder {
    host: String,
    port: u16,
    source: String,
    queue_size: usize,
    retry: Duration,
    connect_timeout: Duration,
    level: LevelThreshold,
    tls: Option<TlsClientConfig>,
}

impl ForwarderBuilder {
    /// The source name attached to local records (a controller's name); empty by default.
    pub fn source(mut self, source: impl Into<String>) -> Self {
        self.source = source.into();
        self
    }

    /// How many records may wait for the server; [`DEFAULT_QUEUE_SIZE`] by default. Beyond it
    /// new records are dropped and counted. At least 1.
    pub fn queue_size(mut self, queue_size: usize) -> Self {
        self.queue_size = queue_size.max(1);
        self
    }

    /// Pause before reconnecting after a failed attempt or a lost connection;
    /// [`DEFAULT_RETRY`] by default.
    pub fn retry(mut self, retry: Duration) -> Self {
        self.retry = retry;
        self
    }

    /// Longest a connection attempt may take; [`DEFAULT_CONNECT_TIMEOUT`] by default.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Forward only local records at this level and above (records carrying another source
    /// are always forwarded); everything by default. Cheaper still: give the layer a
    /// `tracing_subscriber` filter with `Layer::with_filter`.
    pub fn level(mut self, level: LevelThreshold) -> Self {
        self.level = level;
        self
    }

    /// Connect with mutual TLS (`--ssl` of the Python tools), or not (`None`, the default).
    pub fn tls(mut self, tls: Option<TlsClientConfig>) -> Self {
        self.tls = tls;
        self
    }

    /// Start the background thread and return the layer.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the thread or its runtime cannot be created.
    pub fn start(self) -> Result<LogForwarder, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (tx, rx) = mpsc::channel(self.queue_size);
        let shared = Arc::new(Shared::default());
        let task = ForwardTask {
            host: self.host,
            port: self.port,
            retry: self.retry,
            connect_timeout: self.connect_timeout,
            tls: self.tls,
            shared: shared.clone(),
            rx,
        };
        std::thread::Builder::new()
            .name("log-forwarder".into())
            .spawn(move || {
                // Nothing this thread does may come back into our own queue.
                let _quiet =
                    tracing::subscriber::set_default(tracing::subscriber::NoSubscriber::default());
                let shared = task.shared.clone();
                runtime.block_on(task.run());
                shared.set_stopped();
            })?;
        Ok(LogForwarder {
            tx,
            shared,
            source: self.source,
            level: self.level,
        })
    }
}

/// A `tracing` layer that forwards every event to a log server, as `source:LEVEL:name:message`
/// lines (see the crate documentation for how an event becomes a record).
///
/// ```no_run
/// use log_forward::LogForwarder;
/// use tracing_subscriber::prelude::*;
///
/// let forwarder = LogForwarder::builder("::1", 1066).source("my_ctl").start()?;
/// let handle = forwarder.handle();
/// tracing_subscriber::registry().with(forwarder).init();
/// tracing::info!(target: "my_ctl", "hello");
/// handle.flush(std::time::Duration::from_secs(5))?;
/// # Ok::<(), log_forward::Error>(())
/// ```
#[derive(Debug)]
pub struct LogForwarder {
    tx: mpsc::Sender<String>,
    shared: Arc<Shared>,
    source: String,
    level: LevelThreshold,
}

impl LogForwarder {
    /// Settings for a forwarder to the log server at `host:port`.
    pub fn builder(host: impl Into<String>, port: u16) -> ForwarderBuilder {
        ForwarderBuilder {
            host: host.into(),
            port,
            source: String::new(),
            queue_size: DEFAULT_QUEUE_SIZE,
            retry: DEFAULT_RETRY,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            level: LevelThreshold::ALL,
            tls: None,
        }
    }

    /// A handle to watch and flush this forwarder once the layer is installed.
    pub fn handle(&self) -> ForwarderHandle {
        ForwarderHandle::new(self.shared.clone())
    }

    /// Queue `record` for sending, as the layer does for an event; never blocks. A record
    /// without source gets the forwarder's.
    ///
    /// Returns `false` (and counts a drop) when the queue is full or the forwarder has stopped.
    pub fn send_record(&self, record: &LogRecord) -> bool {
        let mut line = String::new();
        write_wire_record(
            &mut line,
            record.source.as_deref().unwrap_or(&self.source),
            record.level.as_str(),
            &record.name,
            &record.message,
        );
        line.push('\n');
        self.enqueue(line)
    }

    fn enqueue(&self, line: String) -> bool {
        match self.tx.try_send(line) {
            Ok(()) => {
                // Counted after the fact: `sent` may briefly run ahead, never behind for good.
                self.shared.queued.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(_) => {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<EventFields> = RefCell::new(EventFields::default());
}

impl<S: Subscriber> Layer<S> for LogForwarder {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !self.level.allows_tracing(*meta.level()) && meta.fields().field(SOURCE_FIELD).is_none()
        {
            return;
        }
        if self.tx.capacity() == 0 {
            // Full (or stopped): do not even format the record.
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let line = SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut fields) => self.line_of(event, &mut fields),
            // A field's `Debug` logged in turn: use a buffer of its own.
            Err(_) => self.line_of(event, &mut EventFields::default()),
        });
        if let Some(line) = line {
            self.enqueue(line);
        }
    }
}

impl LogForwarder {
    fn line_of(&self, event: &tracing::Event<'_>, fields: &mut EventFields) -> Option<String> {
        let meta = event.metadata();
        fields.fill(event);
        let level = fields.level(meta);
        let source = match fields.source.as_deref() {
            Some(source) if source != self.source => source,
            _ if !self.level.allows(level) => return None,
            _ => &self.source,
        };
        let mut line =
            String::with_capacity(source.len() + fields.name.len() + fields.message.len() + 16);
        write_wire_record(
            &mut line,
            source,
            level.as_str(),
            &fields.name,
            &fields.message,
        );
        line.push('\n');
        Some(line)
    }
}
