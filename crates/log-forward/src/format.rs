//! The console format of a Python controller (`MultilineFormatter`), for tracing-subscriber's
//! `fmt` layer, and the one-call setup driven by `-v`/`-q`.

use std::fmt;

use tracing::Subscriber;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{Layer, Registry};

use crate::error::Error;
use crate::fields::EventFields;
use crate::filter::{LevelThreshold, SourceFilter};
use crate::record::write_record;

/// Formats each event as `LEVEL:name:message` (`LEVEL<n>:...` for an n-line message), the
/// output of Python's `MultilineFormatter`; see the crate documentation for how an event maps to
/// a level, a name and a message. Spans, timestamps and colours are not shown.
///
/// With [`with_source`](Self::with_source), each line starts with `source:` as on the wire,
/// using the event's `source` field or the local source.
#[derive(Debug, Clone, Default)]
pub struct MultilineFormat {
    local_source: Option<String>,
}

impl MultilineFormat {
    /// `LEVEL:name:message`, like a Python controller's standard error.
    pub fn new() -> MultilineFormat {
        MultilineFormat::default()
    }

    /// `source:LEVEL:name:message`, with `local_source` for events without a `source` field.
    pub fn with_source(local_source: impl Into<String>) -> MultilineFormat {
        MultilineFormat {
            local_source: Some(local_source.into()),
        }
    }

    /// Format one event (without final `\n`) into `out`.
    fn format_into(&self, event: &tracing::Event<'_>, out: &mut String) {
        let meta = event.metadata();
        let mut fields = EventFields::default();
        fields.fill(event);
        if let Some(local) = &self.local_source {
            out.push_str(fields.source.as_deref().unwrap_or(local));
            out.push(':');
        }
        write_record(
            out,
            fields.level(meta).as_str(),
            &fields.name,
            &fields.message,
        );
    }
}

impl<S, N> FormatEvent<S, N> for MultilineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> fmt::Result {
        let mut line = String::new();
        self.format_into(event, &mut line);
        writeln!(writer, "{line}")
    }
}

/// A `fmt` layer writing [`MultilineFormat`] lines to standard error, for local records at
/// `threshold` and above (and every forwarded record, see [`SourceFilter`]).
pub fn console_layer<S>(threshold: LevelThreshold, local_source: &str) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_subscriber::fmt::layer()
        .event_format(MultilineFormat::new())
        .with_writer(std::io::stderr)
        .with_filter(SourceFilter::new(threshold, local_source))
}

/// Install the global subscriber of a controller: [`MultilineFormat`] on standard error at the
/// level of `-v`/`-q` (Python's `init_logger_from_args`).
///
/// To forward records too, build the subscriber yourself:
/// `registry().with(console_layer(..)).with(forwarder)`.
///
/// # Errors
///
/// [`Error::Init`] if a global subscriber is already installed.
pub fn init_logger_from_args(args: &asyncio_server::VerbosityArgs) -> Result<(), Error> {
    init_logger(LevelThreshold::from_verbosity(args))
}

/// Install the global subscriber: [`MultilineFormat`] on standard error at `threshold`.
///
/// # Errors
///
/// [`Error::Init`] if a global subscriber is already installed.
pub fn init_logger(threshold: LevelThreshold) -> Result<(), Error> {
    Registry::default()
        .with(console_layer(threshold, ""))
        .try_init()
        .map_err(|e| Error::Init(e.to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    fn capture(format: MultilineFormat, threshold: LevelThreshold, f: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        let layer = tracing_subscriber::fmt::layer()
            .event_format(format)
            .with_writer(buffer.clone())
            .with_filter(SourceFilter::new(threshold, "local"));
        let subscriber = Registry::default().with(layer);
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buffer.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn python_console_lines() {
        let out = capture(MultilineFormat::new(), LevelThreshold::ALL, || {
            tracing::info!(target: "golden.ctl", "simple message");
            tracing::warn!(target: "golden.ctl", "two\nlines");
            tracing::error!(target: "my_ctl::driver", "colon: inside: text");
            tracing::debug!(target: "golden.ctl", "{}\n{}\n{}", "three", "line", "message");
            tracing::error!(target: "golden.ctl", levelname = "CRITICAL", "");
            tracing::trace!(logger = "named", count = 3, text = "x", "with fields");
        });
        assert_eq!(
            out,
            "INFO:golden.ctl:simple message\n\
             WARNING<2>:golden.ctl:two\nlines\n\
             ERROR:my_ctl.driver:colon: inside: text\n\
             DEBUG<3>:golden.ctl:three\nline\nmessage\n\
             CRITICAL:golden.ctl:\n\
             TRACE:named:with fields count=3 text=\"x\"\n"
        );
    }

    #[test]
    fn filtered_by_level_and_source() {
        let out = capture(
            MultilineFormat::with_source("local"),
            LevelThreshold::WARNING,
            || {
                tracing::info!(target: "t", "hidden");
                tracing::warn!(target: "t", "shown");
                tracing::debug!(target: "t", source = "ctl", logger = "remote", "forwarded");
                tracing::debug!(target: "t", source = "local", "local again");
                tracing::error!(target: "t", levelname = "CRITICAL", "bad");
            },
        );
        assert_eq!(
            out,
            "local:WARNING:t:shown\nctl:DEBUG:remote:forwarded\nlocal:CRITICAL:t:bad\n"
        );
        let out = capture(
            MultilineFormat::new(),
            LevelThreshold::from_counts(0, 2),
            || {
                tracing::error!(target: "t", "hidden");
                tracing::error!(target: "t", levelname = "CRITICAL", "shown");
            },
        );
        assert_eq!(out, "CRITICAL:t:shown\n");
    }
}
