//! ARTIQ log records over TCP (Python's `sipyco.logs`): the record format, a `tracing` layer
//! that forwards records to a log server, the log server, a source filter and the console
//! format of Python controllers.
//!
//! # The format
//!
//! A record is `LEVEL:name:message`; a message of n > 1 lines is `LEVEL<n>:name:first line`
//! followed by its n - 1 other lines, raw. A forwarder opens its connection with the line
//! `ARTIQ logging` and puts `source:` in front of each record. Levels are `CRITICAL ERROR
//! WARNING INFO DEBUG TRACE` (`WARN` is read as WARNING). A controller prints the same format,
//! without source, on its standard error, so a process manager reads its children's output as
//! records. Pure code: [`LogRecord::to_wire_text`], [`write_record`], [`parse_log_message`],
//! [`LogParser`] (the multi-line state machine).
//!
//! # Main types
//!
//! - [`LogForwarder`]: a `tracing_subscriber` layer; each event becomes a record sent to a log
//!   server over TCP (TLS optional) by a background thread. A log call never blocks: records
//!   wait in a bounded queue ([`DEFAULT_QUEUE_SIZE`]), overflow is dropped and counted, the
//!   connection is retried every [`DEFAULT_RETRY`] while the server is away. [`ForwarderHandle`]
//!   reads the counters and flushes.
//! - [`LogServer`]: accepts forwarders on an [`asyncio_server::Server`] and hands each record,
//!   with its source, to a [`RecordSink`]; by default ([`TracingSink`]) it is re-emitted as a
//!   `tracing` event. A malformed line drops that connection only, with a warning.
//! - [`MultilineFormat`], [`SourceFilter`], [`LevelThreshold`], [`init_logger_from_args`]: the
//!   console of a Python controller, driven by `-v`/`-q`.
//! - [`forward_output`]: a child process's stdout or stderr as records of a given source.
//! - The `sipyco_logserver` program prints every record it receives in the wire format.
//!
//! # From `tracing` events to records
//!
//! - level: the event's (`WARN` → WARNING); an `ERROR` event with the field
//!   `levelname = "CRITICAL"` is CRITICAL (`tracing` has no such level);
//! - logger name: the field `logger` if the event has one, else the `log.target` of events
//!   bridged from the `log` crate, else the event's target with `::` replaced by `.`
//!   (`my_ctl::driver` → `my_ctl.driver`; a target such as `"golden.ctl"` is kept as it is);
//! - message: the `message` field, then ` key=value` for each other field (values in their
//!   `Debug` form, as tracing-subscriber's own format shows them); spans are not shown;
//! - source: the field `source` for records received from elsewhere, else the forwarder's own
//!   source name.
//!
//! # Example
//!
//! A controller that prints like a Python one and forwards its records to a log server:
//!
//! ```no_run
//! use log_forward::{LevelThreshold, LogForwarder, console_layer};
//! use tracing_subscriber::prelude::*;
//!
//! let forwarder = LogForwarder::builder("::1", 1066).source("my_ctl").start()?;
//! let handle = forwarder.handle();
//! tracing_subscriber::registry()
//!     .with(console_layer(LevelThreshold::WARNING, "my_ctl"))
//!     .with(forwarder)
//!     .init();
//!
//! tracing::warn!(target: "my_ctl::driver", "two\nlines");
//! // stderr: WARNING<2>:my_ctl.driver:two
//! //         lines
//! // server: my_ctl:WARNING<2>:my_ctl.driver:two
//! //         lines
//! handle.flush(std::time::Duration::from_secs(5))?;
//! # Ok::<(), log_forward::Error>(())
//! ```
//!
//! # Python mapping
//!
//! | Python (`sipyco.logs`) | here |
//! | --- | --- |
//! | `MultilineFormatter` | [`MultilineFormat`], [`write_record`] |
//! | `multiline_log_config`, `common_args.init_logger_from_args` | [`init_logger`], [`init_logger_from_args`] |
//! | `parse_log_message` | [`parse_log_message`] |
//! | `LogParser.line_input`, `LogParser.stream_task` | [`LogParser::line_input`], [`forward_output`] |
//! | `Server` | [`LogServer`], [`serve_connection`] |
//! | `SourceFilter` | [`SourceFilter`] |
//! | `LogForwarder(host, port, reconnect_timer, queue_size, ssl_config)` | [`LogForwarder::builder`] |
//! | `logging.TRACE` | [`Level::Trace`] |
//!
//! Deliberate differences, none visible to a Python peer: `<0>` reads as one line (Python would
//! take every later line as a continuation); a multi-line message is bounded
//! ([`DEFAULT_MAX_MESSAGE_LEN`]); a forwarder notices at once that its server closed the
//! connection (it watches the socket) and sends again, after reconnecting, the records of a
//! write that failed, where Python loses one record.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![deny(missing_docs)]

mod child;
mod error;
mod fields;
mod filter;
mod format;
mod forwarder;
mod parser;
mod record;
mod server;

pub use child::{DEFAULT_MAX_OUTPUT_LINE, forward_output};
pub use error::{Error, Result};
pub use fields::{LEVELNAME_FIELD, LOGGER_FIELD, SOURCE_FIELD};
pub use filter::{LevelThreshold, SourceFilter};
pub use format::{MultilineFormat, console_layer, init_logger, init_logger_from_args};
pub use forwarder::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_QUEUE_SIZE, DEFAULT_RETRY, ForwarderBuilder, ForwarderHandle,
    ForwarderStats, LogForwarder,
};
pub use parser::{DEFAULT_MAX_MESSAGE_LEN, LogParser};
pub use record::{
    Level, LogRecord, PRINT_LOGGER, ParsedMessage, parse_log_message, write_record,
    write_wire_record,
};
pub use server::{
    BANNER, LogServer, REMOTE_TARGET, RecordSink, TracingSink, emit_tracing, serve_connection,
};
