//! The one error type of this crate.

use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// The text is not valid PYON (bad token, unexpected character, too deep).
    Syntax,
    /// The text ended in the middle of a value.
    Eof,
    /// The text is well-formed but describes an invalid value (bad base64, array size mismatch,
    /// unknown type name, unhashable key), or a value does not fit the requested Rust type.
    Data,
    /// The value cannot be encoded (Python's encoder refuses it too).
    Encode,
    /// Reading or writing a file failed.
    Io,
}

/// An encoding, decoding or file error, with the line and column (1-based) where decoding failed.
#[derive(Debug)]
pub struct Error {
    category: Category,
    message: String,
    position: Option<(usize, usize)>,
    source: Option<std::io::Error>,
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn new(category: Category, message: impl Into<String>) -> Error {
        Error {
            category,
            message: message.into(),
            position: None,
            source: None,
        }
    }

    /// A syntax error at a position.
    pub(crate) fn syntax(message: impl Into<String>, line: usize, column: usize) -> Error {
        Error::new(Category::Syntax, message).at(line, column)
    }

    /// A data error (no position yet).
    pub fn data(message: impl Into<String>) -> Error {
        Error::new(Category::Data, message)
    }

    /// An encoding refusal.
    pub fn encode(message: impl Into<String>) -> Error {
        Error::new(Category::Encode, message)
    }

    pub(crate) fn io(context: impl Into<String>, e: std::io::Error) -> Error {
        Error {
            source: Some(e),
            ..Error::new(Category::Io, context)
        }
    }

    /// Attaches a position if none is set yet.
    pub(crate) fn at(mut self, line: usize, column: usize) -> Error {
        if self.position.is_none() {
            self.position = Some((line, column));
        }
        self
    }

    /// The kind of failure.
    pub fn category(&self) -> Category {
        self.category
    }

    /// The message, without the position.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 1-based line of the failure, for decoding errors.
    pub fn line(&self) -> Option<usize> {
        self.position.map(|p| p.0)
    }

    /// 1-based column (in characters) of the failure, for decoding errors.
    pub fn column(&self) -> Option<usize> {
        self.position.map(|p| p.1)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some((line, column)) = self.position {
            write!(f, " at line {line} column {column}")?;
        }
        if let Some(e) = &self.source {
            write!(f, ": {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Turns a byte offset into a 1-based (line, column) pair, counting columns in characters.
pub(crate) fn line_col(text: &[u8], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = before
        .iter()
        .skip(line_start)
        .filter(|&&b| (b & 0xC0) != 0x80)
        .count()
        + 1;
    (line, column)
}
