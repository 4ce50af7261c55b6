//! Reading a child process's output as records (Python's `LogParser.stream_task`), the building
//! block of a process manager: a controller prints `LEVEL:name:message` lines (see
//! [`MultilineFormat`](crate::MultilineFormat)); each becomes a record of the child's source,
//! and any other output becomes an INFO record of logger `print`.

use tokio::io::{AsyncBufRead, AsyncBufReadExt as _};

use crate::error::Error;
use crate::parser::LogParser;
use crate::server::RecordSink;

/// Longest line kept whole; the rest of a longer line is skipped (default of
/// [`forward_output`]).
pub const DEFAULT_MAX_OUTPUT_LINE: usize = 4 << 20;

/// Read `output` (a child's stdout or stderr) to its end and hand each record to `sink` with
/// `source` attached.
///
/// Lines lose their trailing `\r` and `\n` characters (as Python's `rstrip("\r\n")`); bytes
/// that are not UTF-8 are replaced with U+FFFD; a line longer than
/// [`DEFAULT_MAX_OUTPUT_LINE`] is cut there. An unfinished multi-line record at the end is
/// still handed over, with the lines it got.
///
/// # Errors
///
/// [`Error::Io`] if reading fails; records read until then have been handed over.
pub async fn forward_output<R>(
    mut output: R,
    source: &str,
    sink: &dyn RecordSink,
) -> Result<(), Error>
where
    R: AsyncBufRead + Unpin,
{
    let mut parser = LogParser::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        let complete = read_bounded_line(&mut output, &mut line, DEFAULT_MAX_OUTPUT_LINE).await?;
        if !complete && line.is_empty() {
            break;
        }
        while matches!(line.last(), Some(b'\n' | b'\r')) {
            line.pop();
        }
        let text = String::from_utf8_lossy(&line);
        match parser.line_input(&text) {
            Ok(Some(record)) => sink.record(record.with_source(source)),
            Ok(None) => {}
            Err(e) => tracing::warn!("output of {source}: {e}"),
        }
        if !complete {
            break;
        }
    }
    if let Some(record) = parser.take_pending() {
        sink.record(record.with_source(source));
    }
    Ok(())
}

/// Read one line, `\n` included, into `line`, keeping at most `max` bytes of it and skipping the
/// rest. Returns whether a `\n` ended it (`false`: end of stream).
async fn read_bounded_line<R>(output: &mut R, line: &mut Vec<u8>, max: usize) -> Result<bool, Error>
where
    R: AsyncBufRead + Unpin,
{
    loop {
        let available = output.fill_buf().await?;
        if available.is_empty() {
            return Ok(false);
        }
        let (chunk, found) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (available.get(..=i).unwrap_or(available), true),
            None => (available, false),
        };
        let room = max.saturating_sub(line.len());
        line.extend_from_slice(chunk.get(..room).unwrap_or(chunk));
        let used = chunk.len();
        output.consume(used);
        if found {
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::record::{Level, LogRecord};

    async fn read_all(input: &[u8]) -> Vec<LogRecord> {
        let sink = Mutex::new(Vec::new());
        forward_output(input, "ctl", &sink).await.unwrap();
        sink.into_inner().unwrap()
    }

    #[tokio::test]
    async fn controller_output() {
        let records = read_all(
            b"INFO:golden.ctl:simple message\r\n\
              WARNING<2>:golden.ctl:two\nlines\n\
              plain print\n\
              \xff bytes\n\
              ERROR<3>:tb:Traceback\n  File x",
        )
        .await;
        let expected = [
            LogRecord::new(Level::Info, "golden.ctl", "simple message"),
            LogRecord::new(Level::Warning, "golden.ctl", "two\nlines"),
            LogRecord::new(Level::Info, "print", "plain print"),
            LogRecord::new(Level::Info, "print", "\u{fffd} bytes"),
            LogRecord::new(Level::Error, "tb", "Traceback\n  File x"),
        ]
        .map(|r| r.with_source("ctl"));
        assert_eq!(records, expected);
    }

    #[tokio::test]
    async fn empty_and_blank() {
        assert!(read_all(b"").await.is_empty());
        assert_eq!(
            read_all(b"\n").await,
            [LogRecord::new(Level::Info, "print", "").with_source("ctl")]
        );
    }

    #[tokio::test]
    async fn long_lines_are_cut() {
        let mut line = Vec::new();
        let mut input: &[u8] = b"0123456789\nab\n";
        assert!(read_bounded_line(&mut input, &mut line, 4).await.unwrap());
        assert_eq!(line, b"0123");
        line.clear();
        assert!(read_bounded_line(&mut input, &mut line, 4).await.unwrap());
        assert_eq!(line, b"ab\n");
    }
}
