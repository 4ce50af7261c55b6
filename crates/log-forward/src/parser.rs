//! The multi-line state machine: a stream of lines back into records (Python's `LogParser`).
//!
//! Pure: feed it lines with [`LogParser::line_input`], get records out. It does not know about
//! sources; the caller attaches them (the server from the record line, a process reader from the
//! child's name).

use crate::error::Error;
use crate::record::{Level, LogRecord, parse_log_message};

/// Longest message (in bytes) that [`LogParser`] assembles from continuation lines by default.
///
/// Python has no limit, so a hostile `<n>` could make it buffer forever; 16 MiB is far above any
/// real log message (one line alone may be 4 MiB on a server connection).
pub const DEFAULT_MAX_MESSAGE_LEN: usize = 16 << 20;

/// Turns lines in the `LEVEL<n>:name:message` format back into records.
#[derive(Debug, Clone)]
pub struct LogParser {
    pending: Option<Pending>,
    max_message_len: usize,
}

#[derive(Debug, Clone)]
struct Pending {
    remaining: usize,
    level: Level,
    name: String,
    message: String,
}

impl Default for LogParser {
    fn default() -> Self {
        LogParser::new()
    }
}

impl LogParser {
    /// A parser with the default message limit, [`DEFAULT_MAX_MESSAGE_LEN`].
    pub fn new() -> LogParser {
        LogParser::with_max_message_len(DEFAULT_MAX_MESSAGE_LEN)
    }

    /// A parser that refuses to assemble a message longer than `max` bytes.
    pub fn with_max_message_len(max: usize) -> LogParser {
        LogParser {
            pending: None,
            max_message_len: max,
        }
    }

    /// Whether the next line is a continuation line of a multi-line record (Python's
    /// `multiline_count != 0`). A server only splits off a source when this is false.
    pub fn in_multiline(&self) -> bool {
        self.pending.is_some()
    }

    /// Feed one line (without its line terminator). Returns the record it completes, if any;
    /// records carry no source.
    ///
    /// A line that is not in the record format becomes an INFO record of logger `print`.
    ///
    /// # Errors
    ///
    /// [`Error::MessageTooLong`] when a multi-line message would grow past the limit; the
    /// partial record is discarded and the parser is ready for a new record.
    pub fn line_input(&mut self, line: &str) -> Result<Option<LogRecord>, Error> {
        if let Some(pending) = &mut self.pending {
            if pending.message.len() + 1 + line.len() > self.max_message_len {
                self.pending = None;
                return Err(Error::MessageTooLong {
                    limit: self.max_message_len,
                });
            }
            pending.message.push('\n');
            pending.message.push_str(line);
            pending.remaining -= 1;
            let done = self.pending.take_if(|p| p.remaining == 0);
            return Ok(done.map(|p| LogRecord::new(p.level, p.name, p.message)));
        }
        let parsed = parse_log_message(line);
        if parsed.continuation_lines == 0 {
            return Ok(Some(LogRecord::new(
                parsed.level,
                parsed.name,
                parsed.message,
            )));
        }
        self.pending = Some(Pending {
            remaining: parsed.continuation_lines,
            level: parsed.level,
            name: parsed.name,
            message: parsed.message,
        });
        Ok(None)
    }

    /// Take the unfinished multi-line record, if any, as it stands (at the end of a stream).
    ///
    /// Python drops it silently; the log server does the same, a process reader keeps it (the
    /// end of a crashing child's traceback is worth seeing).
    pub fn take_pending(&mut self) -> Option<LogRecord> {
        self.pending
            .take()
            .map(|p| LogRecord::new(p.level, p.name, p.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(parser: &mut LogParser, lines: &[&str]) -> Vec<LogRecord> {
        lines
            .iter()
            .filter_map(|line| parser.line_input(line).unwrap())
            .collect()
    }

    #[test]
    fn single_and_multi_line() {
        let mut parser = LogParser::new();
        let records = feed(
            &mut parser,
            &[
                "INFO:golden.ctl:simple message",
                "WARNING<2>:golden.ctl:two",
                "lines",
                "DEBUG<3>:golden.ctl:three",
                "INFO:not:a record",
                "",
                "CRITICAL:golden.ctl:",
                "hello world",
            ],
        );
        assert_eq!(
            records,
            [
                LogRecord::new(Level::Info, "golden.ctl", "simple message"),
                LogRecord::new(Level::Warning, "golden.ctl", "two\nlines"),
                LogRecord::new(Level::Debug, "golden.ctl", "three\nINFO:not:a record\n"),
                LogRecord::new(Level::Critical, "golden.ctl", ""),
                LogRecord::new(Level::Info, "print", "hello world"),
            ]
        );
        assert!(!parser.in_multiline());
    }

    #[test]
    fn state_between_lines() {
        let mut parser = LogParser::new();
        assert_eq!(parser.line_input("TRACE<3>:n:a").unwrap(), None);
        assert!(parser.in_multiline());
        assert_eq!(parser.line_input("b").unwrap(), None);
        assert!(parser.in_multiline());
        assert_eq!(
            parser.line_input("c").unwrap(),
            Some(LogRecord::new(Level::Trace, "n", "a\nb\nc"))
        );
        assert!(!parser.in_multiline());
    }

    #[test]
    fn pending_at_end_of_stream() {
        let mut parser = LogParser::new();
        assert_eq!(parser.take_pending(), None);
        feed(&mut parser, &["ERROR<5>:tb:Traceback", "  File x"]);
        assert_eq!(
            parser.take_pending(),
            Some(LogRecord::new(Level::Error, "tb", "Traceback\n  File x"))
        );
        assert!(!parser.in_multiline());
    }

    #[test]
    fn message_limit() {
        let mut parser = LogParser::with_max_message_len(10);
        assert_eq!(parser.line_input("INFO<1000>:n:12345").unwrap(), None);
        assert_eq!(parser.line_input("123").unwrap(), None);
        let err = parser.line_input("45").unwrap_err();
        assert_eq!(
            err.to_string(),
            "multi-line log message longer than 10 bytes"
        );
        assert!(!parser.in_multiline());
        assert_eq!(
            parser.line_input("INFO:n:ok").unwrap(),
            Some(LogRecord::new(Level::Info, "n", "ok"))
        );
    }
}
