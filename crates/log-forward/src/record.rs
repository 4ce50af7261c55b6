//! The record format, as pure functions on strings: no I/O.
//!
//! A record is `LEVEL:name:message`; a message of n > 1 lines is written
//! `LEVEL<n>:name:first line` followed by its n - 1 other lines, raw (Python's
//! `MultilineFormatter`). On the wire a forwarder puts `source:` in front of the first line.
//! [`parse_log_message`] reads one such first line back (Python's `parse_log_message`).

use std::fmt;
use std::str::FromStr;

use crate::error::Error;

/// The level of a record, as Python's `logging` names it (with sipyco's `TRACE` = 5).
///
/// Ordered by severity: `Level::Trace < Level::Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// `TRACE` (5).
    Trace,
    /// `DEBUG` (10).
    Debug,
    /// `INFO` (20).
    Info,
    /// `WARNING` (30); `WARN` is accepted when parsing.
    Warning,
    /// `ERROR` (40).
    Error,
    /// `CRITICAL` (50). `tracing` has no such level: such a record is an `ERROR` event with a
    /// field `levelname = "CRITICAL"`.
    Critical,
}

impl Level {
    /// Every level, least severe first.
    pub const ALL: [Level; 6] = [
        Level::Trace,
        Level::Debug,
        Level::Info,
        Level::Warning,
        Level::Error,
        Level::Critical,
    ];

    /// The name written on the wire: `CRITICAL`, `ERROR`, `WARNING`, `INFO`, `DEBUG`, `TRACE`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
            Level::Critical => "CRITICAL",
        }
    }

    /// Python's numeric level (`levelno`): 5, 10, 20, 30, 40, 50.
    pub fn levelno(self) -> i32 {
        match self {
            Level::Trace => 5,
            Level::Debug => 10,
            Level::Info => 20,
            Level::Warning => 30,
            Level::Error => 40,
            Level::Critical => 50,
        }
    }

    /// The level of a wire name (`WARN` included), or `None`.
    pub fn from_name(name: &str) -> Option<Level> {
        Some(match name {
            "CRITICAL" => Level::Critical,
            "ERROR" => Level::Error,
            "WARN" | "WARNING" => Level::Warning,
            "INFO" => Level::Info,
            "DEBUG" => Level::Debug,
            "TRACE" => Level::Trace,
            _ => return None,
        })
    }

    /// The record level of a `tracing` level: `WARN` becomes [`Level::Warning`].
    pub fn from_tracing(level: tracing::Level) -> Level {
        match level {
            tracing::Level::ERROR => Level::Error,
            tracing::Level::WARN => Level::Warning,
            tracing::Level::INFO => Level::Info,
            tracing::Level::DEBUG => Level::Debug,
            _ => Level::Trace,
        }
    }

    /// The `tracing` level an event of this level is emitted at ([`Level::Critical`] → `ERROR`).
    pub fn to_tracing(self) -> tracing::Level {
        match self {
            Level::Trace => tracing::Level::TRACE,
            Level::Debug => tracing::Level::DEBUG,
            Level::Info => tracing::Level::INFO,
            Level::Warning => tracing::Level::WARN,
            Level::Error | Level::Critical => tracing::Level::ERROR,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = Error;

    fn from_str(s: &str) -> Result<Level, Error> {
        Level::from_name(s).ok_or_else(|| Error::UnknownLevel(s.to_owned()))
    }
}

/// One log record: what a forwarder sends and a server receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Severity.
    pub level: Level,
    /// Logger name, `golden.ctl` (Python's `record.name`).
    pub name: String,
    /// The message; it may span several lines (`\n`-separated).
    pub message: String,
    /// Where the record comes from (a controller name), `None` for a local record.
    pub source: Option<String>,
}

impl LogRecord {
    /// A local record (no source).
    pub fn new(level: Level, name: impl Into<String>, message: impl Into<String>) -> LogRecord {
        LogRecord {
            level,
            name: name.into(),
            message: message.into(),
            source: None,
        }
    }

    /// The same record attributed to `source`.
    pub fn with_source(mut self, source: impl Into<String>) -> LogRecord {
        self.source = Some(source.into());
        self
    }

    /// The record as a controller prints it: `LEVEL:name:message` (see [`write_record`]),
    /// without the final `\n`.
    pub fn to_console_text(&self) -> String {
        let mut out = String::new();
        write_record(&mut out, self.level.as_str(), &self.name, &self.message);
        out
    }

    /// The record as a forwarder sends it, `source:LEVEL:name:message`, without the final `\n`.
    /// A record without source is sent with an empty one.
    pub fn to_wire_text(&self) -> String {
        let mut out = String::new();
        write_wire_record(
            &mut out,
            self.source.as_deref().unwrap_or(""),
            self.level.as_str(),
            &self.name,
            &self.message,
        );
        out
    }
}

/// Append `LEVEL:name:message` to `out`, with `<n>` after the level when the text spans n > 1
/// lines, exactly as Python's `MultilineFormatter` does (it counts the `\n` of the whole text, so
/// a `\n` in the name counts too). No final `\n` is appended.
pub fn write_record(out: &mut String, level: &str, name: &str, message: &str) {
    let breaks = count_newlines(name) + count_newlines(message);
    out.reserve(level.len() + name.len() + message.len() + 8);
    out.push_str(level);
    if breaks > 0 {
        use fmt::Write as _;
        // Writing to a String cannot fail.
        let _ = write!(out, "<{}>", breaks + 1);
    }
    out.push(':');
    out.push_str(name);
    out.push(':');
    out.push_str(message);
}

/// Append `source:LEVEL:name:message` to `out` (see [`write_record`]), as a forwarder sends it.
pub fn write_wire_record(out: &mut String, source: &str, level: &str, name: &str, message: &str) {
    out.push_str(source);
    out.push(':');
    write_record(out, level, name, message);
}

fn count_newlines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

/// A first line parsed by [`parse_log_message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedMessage {
    /// How many raw continuation lines follow (n - 1 for `<n>`, else 0).
    pub continuation_lines: usize,
    /// Severity.
    pub level: Level,
    /// Logger name.
    pub name: String,
    /// The first line of the message.
    pub message: String,
}

/// Logger name given to a line that is not a record (Python logs it as `print`).
pub const PRINT_LOGGER: &str = "print";

/// Parse the part of a record line after the source (Python's `parse_log_message`).
///
/// The text must match `(LEVEL)(<\d+>)?:([^:]*):(.*)` as a whole; anything else is a `print`:
/// level INFO, name `print`, the whole text as message.
///
/// Differences from Python, none of which a Python forwarder can produce: the digits of `<n>` are
/// ASCII only; `<0>` reads like `<1>` (Python would treat every later line as a continuation); a
/// count too large for `usize` saturates.
pub fn parse_log_message(text: &str) -> ParsedMessage {
    parse_record_head(text).unwrap_or_else(|| ParsedMessage {
        continuation_lines: 0,
        level: Level::Info,
        name: PRINT_LOGGER.to_owned(),
        message: text.to_owned(),
    })
}

fn parse_record_head(text: &str) -> Option<ParsedMessage> {
    // Python's `.` does not match `\n`, so such text is never a record.
    if text.contains('\n') {
        return None;
    }
    // The level is followed by `<` or `:`, which no level name contains, so the first of them
    // ends it (this is how the regex alternation `WARN|WARNING` resolves too).
    let level_end = text.find(['<', ':'])?;
    let level = Level::from_name(&text[..level_end])?;
    let mut rest = &text[level_end..];
    let mut lines = 1usize;
    if let Some(after) = rest.strip_prefix('<') {
        let close = after.find('>')?;
        let digits = &after[..close];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        lines = digits.bytes().fold(0usize, |n, b| {
            n.saturating_mul(10).saturating_add(usize::from(b - b'0'))
        });
        rest = &after[close + 1..];
    }
    let rest = rest.strip_prefix(':')?;
    let (name, message) = rest.split_once(':')?;
    Some(ParsedMessage {
        continuation_lines: lines.saturating_sub(1),
        level,
        name: name.to_owned(),
        message: message.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_text() {
        let table = [
            (
                Level::Info,
                "golden.ctl",
                "simple message",
                "INFO:golden.ctl:simple message",
            ),
            (
                Level::Warning,
                "golden.ctl",
                "two\nlines",
                "WARNING<2>:golden.ctl:two\nlines",
            ),
            (Level::Critical, "golden.ctl", "", "CRITICAL:golden.ctl:"),
            (Level::Trace, "a", "x:y", "TRACE:a:x:y"),
            (Level::Debug, "a", "\n", "DEBUG<2>:a:\n"),
            (Level::Error, "n\nm", "x\ny", "ERROR<3>:n\nm:x\ny"),
        ];
        for (level, name, message, expected) in table {
            assert_eq!(
                LogRecord::new(level, name, message).to_console_text(),
                expected
            );
        }
    }

    #[test]
    fn wire_text() {
        let record = LogRecord::new(Level::Debug, "golden.ctl", "three\nline\nmessage")
            .with_source("ctl_demo");
        assert_eq!(
            record.to_wire_text(),
            "ctl_demo:DEBUG<3>:golden.ctl:three\nline\nmessage"
        );
        assert_eq!(
            LogRecord::new(Level::Info, "n", "m").to_wire_text(),
            ":INFO:n:m"
        );
    }

    fn parsed(lines: usize, level: Level, name: &str, message: &str) -> ParsedMessage {
        ParsedMessage {
            continuation_lines: lines,
            level,
            name: name.to_owned(),
            message: message.to_owned(),
        }
    }

    #[test]
    fn parse_table() {
        let print = |text: &str| parsed(0, Level::Info, "print", text);
        let table = [
            (
                "INFO:golden.ctl:simple message",
                parsed(0, Level::Info, "golden.ctl", "simple message"),
            ),
            (
                "WARNING<2>:golden.ctl:two",
                parsed(1, Level::Warning, "golden.ctl", "two"),
            ),
            (
                "ERROR:golden.ctl:colon: inside: text",
                parsed(0, Level::Error, "golden.ctl", "colon: inside: text"),
            ),
            (
                "DEBUG<3>:golden.ctl:three",
                parsed(2, Level::Debug, "golden.ctl", "three"),
            ),
            (
                "CRITICAL:golden.ctl:",
                parsed(0, Level::Critical, "golden.ctl", ""),
            ),
            ("WARN:a:b", parsed(0, Level::Warning, "a", "b")),
            ("TRACE::", parsed(0, Level::Trace, "", "")),
            ("INFO<1>:a:b", parsed(0, Level::Info, "a", "b")),
            ("INFO<0>:a:b", parsed(0, Level::Info, "a", "b")),
            ("INFO<010>:a:b", parsed(9, Level::Info, "a", "b")),
            (
                "INFO<99999999999999999999999>:a:b",
                parsed(usize::MAX - 1, Level::Info, "a", "b"),
            ),
            ("INFO:a:b\r", parsed(0, Level::Info, "a", "b\r")),
            ("INFO:a", print("INFO:a")),
            ("INFO:a\n:b", print("INFO:a\n:b")),
            ("info:a:b", print("info:a:b")),
            ("WARNINGS:a:b", print("WARNINGS:a:b")),
            ("INFO<>:a:b", print("INFO<>:a:b")),
            ("INFO<2:a:b", print("INFO<2:a:b")),
            ("INFO<x>:a:b", print("INFO<x>:a:b")),
            ("INFO<2>a:b:c", print("INFO<2>a:b:c")),
            (" INFO:a:b", print(" INFO:a:b")),
            ("Level 15:a:b", print("Level 15:a:b")),
            ("just some output", print("just some output")),
            ("", print("")),
        ];
        for (text, expected) in table {
            assert_eq!(parse_log_message(text), expected, "{text:?}");
        }
    }

    #[test]
    fn level_names() {
        for level in Level::ALL {
            assert_eq!(level.as_str().parse::<Level>().unwrap(), level);
            assert_eq!(Level::from_tracing(level.to_tracing()).max(level), level);
        }
        assert_eq!("WARN".parse::<Level>().unwrap(), Level::Warning);
        assert_eq!(
            "NOTSET".parse::<Level>().unwrap_err().to_string(),
            "unknown log level `NOTSET`"
        );
        assert!(Level::Trace < Level::Debug && Level::Error < Level::Critical);
        assert_eq!(Level::Trace.levelno(), 5);
    }
}
