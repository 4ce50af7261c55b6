//! A parent and its child talking over two pipes (Python's `sipyco.pipe_ipc`).
//!
//! The parent makes two pipes and starts the child with its ends kept open; the child learns
//! them from the address `"RFD,WFD"` (the descriptor it reads from, the one it writes to),
//! passed as an argument or an environment variable as the application likes. The channel is
//! a byte stream; [`send`](ParentComm::send) and [`recv`](ParentComm::recv) exchange one PYON
//! value per line as ARTIQ's worker and applets do. Lines are limited to [`MAX_LINE`] bytes.
//! The parent reads end of input once the child has exited.

use std::fs::File;
use std::io::{self, BufRead, BufReader as StdBufReader, Write as _};
use std::os::fd::OwnedFd;
use std::sync::Arc;

use pyon_codec::Value;
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::unix::pipe;

use crate::error::{Error, Result};
use crate::process::{Process, ProcessSpec};
use crate::sys;

/// Longest line a reader accepts (Python's 100 MiB stream limit).
pub const MAX_LINE: usize = 100 << 20;

/// The parent side (Python's `AsyncioParentComm`).
///
/// ```no_run
/// # async fn example() -> supervisor::Result<()> {
/// use supervisor::{ParentComm, ProcessSpec};
///
/// let mut comm = ParentComm::new()?;
/// let address = comm.address().to_owned();
/// comm.spawn(ProcessSpec::new("worker", "python3").args(["worker.py", &address])).await?;
/// comm.send(&pyon_codec::Value::from("hello")).await?;
/// let reply = comm.recv().await?; // None once the child has exited
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct ParentComm {
    address: String,
    child_ends: Option<[Arc<OwnedFd>; 2]>,
    parent_ends: Option<(OwnedFd, OwnedFd)>,
    reader: Option<BufReader<pipe::Receiver>>,
    writer: Option<pipe::Sender>,
    process: Option<Process>,
}

impl ParentComm {
    /// Make the two pipes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the system has no descriptors left.
    pub fn new() -> Result<ParentComm> {
        let (child_read, parent_write) = io::pipe()?;
        let (parent_read, child_write) = io::pipe()?;
        let child_read = OwnedFd::from(child_read);
        let child_write = OwnedFd::from(child_write);
        let address = format!(
            "{},{}",
            std::os::fd::AsRawFd::as_raw_fd(&child_read),
            std::os::fd::AsRawFd::as_raw_fd(&child_write)
        );
        Ok(ParentComm {
            address,
            child_ends: Some([Arc::new(child_read), Arc::new(child_write)]),
            parent_ends: Some((OwnedFd::from(parent_read), OwnedFd::from(parent_write))),
            reader: None,
            writer: None,
            process: None,
        })
    }

    /// The child's address, `"RFD,WFD"`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Start the child with its pipe ends open (Python's `create_subprocess`); our copies of
    /// its ends are closed afterwards. Call once.
    ///
    /// # Errors
    ///
    /// [`Error::Spawn`] if the child cannot start; [`Error::Io`] if called twice.
    pub async fn spawn(&mut self, spec: ProcessSpec) -> Result<&mut Process> {
        let (Some(child_ends), Some((read, write))) =
            (self.child_ends.take(), self.parent_ends.take())
        else {
            return Err(io::Error::other("pipe_ipc child already started").into());
        };
        let [child_read, child_write] = child_ends;
        let spec = spec.inherit(child_read).inherit(child_write);
        // The spec's copies (and the ones given to the child) are the only ones left once
        // `spec` is dropped at the end of `spawn`.
        let process = Process::spawn(spec).await?;
        self.reader = Some(BufReader::new(pipe::Receiver::from_owned_fd(read)?));
        self.writer = Some(pipe::Sender::from_owned_fd(write)?);
        Ok(self.process.insert(process))
    }

    /// The child, once started.
    pub fn process(&mut self) -> Option<&mut Process> {
        self.process.as_mut()
    }

    /// Write raw bytes to the child.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the child is gone or not started.
    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        let writer = self.writer.as_mut().ok_or_else(not_started)?;
        writer.write_all(data).await?;
        Ok(())
    }

    /// Read one line, `\n` included; `None` at end of input (the child exited).
    ///
    /// # Errors
    ///
    /// [`Error::LineTooLong`] past [`MAX_LINE`], [`Error::Io`].
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>> {
        let reader = self.reader.as_mut().ok_or_else(not_started)?;
        read_line_async(reader, MAX_LINE).await
    }

    /// Send `value` as one PYON v2 line.
    ///
    /// # Errors
    ///
    /// [`Error::Pyon`] if it cannot be encoded, [`Error::Io`].
    pub async fn send(&mut self, value: &Value) -> Result<()> {
        self.write(&encode_line(value)?).await
    }

    /// Receive one PYON line as a value; `None` at end of input.
    ///
    /// # Errors
    ///
    /// [`Error::Pyon`] for a line that is not PYON, and as [`read_line`](Self::read_line).
    pub async fn recv(&mut self) -> Result<Option<Value>> {
        self.read_line().await?.map(decode_line).transpose()
    }

    /// Close our write end: the child reads end of input.
    pub fn close_write(&mut self) {
        self.writer = None;
    }
}

fn not_started() -> Error {
    io::Error::new(io::ErrorKind::NotConnected, "pipe_ipc child not started").into()
}

/// The blocking child side (Python's `ChildComm`).
#[derive(Debug)]
pub struct ChildComm {
    reader: StdBufReader<File>,
    writer: File,
}

impl ChildComm {
    /// Open the pipes of `address` (`"RFD,WFD"`).
    ///
    /// # Errors
    ///
    /// [`Error::Address`] if it is malformed or names descriptors that are not open (or
    /// already taken).
    pub fn new(address: &str) -> Result<ChildComm> {
        let (read, write) = adopt(address)?;
        Ok(ChildComm {
            reader: StdBufReader::new(File::from(read)),
            writer: File::from(write),
        })
    }

    /// Read one line, `\n` included; `None` at end of input.
    ///
    /// # Errors
    ///
    /// [`Error::LineTooLong`] past [`MAX_LINE`], [`Error::Io`].
    pub fn read_line(&mut self) -> Result<Option<Vec<u8>>> {
        read_line_blocking(&mut self.reader, MAX_LINE)
    }

    /// Write raw bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the parent is gone.
    pub fn write(&mut self, data: &[u8]) -> Result<()> {
        self.writer.write_all(data)?;
        Ok(())
    }

    /// Send `value` as one PYON v2 line.
    ///
    /// # Errors
    ///
    /// [`Error::Pyon`], [`Error::Io`].
    pub fn send(&mut self, value: &Value) -> Result<()> {
        self.write(&encode_line(value)?)
    }

    /// Receive one PYON line; `None` at end of input.
    ///
    /// # Errors
    ///
    /// [`Error::Pyon`] and as [`read_line`](Self::read_line).
    pub fn recv(&mut self) -> Result<Option<Value>> {
        self.read_line()?.map(decode_line).transpose()
    }
}

/// The async child side (Python's `AsyncioChildComm`).
#[derive(Debug)]
pub struct AsyncChildComm {
    reader: BufReader<pipe::Receiver>,
    writer: pipe::Sender,
}

impl AsyncChildComm {
    /// Open the pipes of `address` (`"RFD,WFD"`) on the current runtime.
    ///
    /// # Errors
    ///
    /// [`Error::Address`] as [`ChildComm::new`]; [`Error::Io`] if they are not pipes.
    pub fn new(address: &str) -> Result<AsyncChildComm> {
        let (read, write) = adopt(address)?;
        Ok(AsyncChildComm {
            reader: BufReader::new(pipe::Receiver::from_owned_fd(read)?),
            writer: pipe::Sender::from_owned_fd(write)?,
        })
    }

    /// Read one line, `\n` included; `None` at end of input.
    ///
    /// # Errors
    ///
    /// [`Error::LineTooLong`] past [`MAX_LINE`], [`Error::Io`].
    pub async fn read_line(&mut self) -> Result<Option<Vec<u8>>> {
        read_line_async(&mut self.reader, MAX_LINE).await
    }

    /// Write raw bytes.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] if the parent is gone.
    pub async fn write(&mut self, data: &[u8]) -> Result<()> {
        self.writer.write_all(data).await?;
        Ok(())
    }

    /// Send `value` as one PYON v2 line.
    ///
    /// # Errors
    ///
    /// [`Error::Pyon`], [`Error::Io`].
    pub async fn send(&mut self, value: &Value) -> Result<()> {
        self.write(&encode_line(value)?).await
    }

    /// Receive one PYON line; `None` at end of input.
    ///
    /// # Errors
    ///
    /// [`Error::Pyon`] and as [`read_line`](Self::read_line).
    pub async fn recv(&mut self) -> Result<Option<Value>> {
        self.read_line().await?.map(decode_line).transpose()
    }
}

/// Parse `"RFD,WFD"` into two descriptor numbers.
pub fn parse_address(address: &str) -> Option<(i32, i32)> {
    let (read, write) = address.split_once(',')?;
    Some((read.trim().parse().ok()?, write.trim().parse().ok()?))
}

fn adopt(address: &str) -> Result<(OwnedFd, OwnedFd)> {
    let bad = || Error::Address(address.to_owned());
    let (read, write) = parse_address(address).ok_or_else(bad)?;
    if read == write {
        return Err(bad());
    }
    let read = sys::adopt_fd(read).ok_or_else(bad)?;
    let write = sys::adopt_fd(write).ok_or_else(bad)?;
    Ok((read, write))
}

fn encode_line(value: &Value) -> Result<Vec<u8>> {
    let mut line = pyon_codec::encode(value)?.into_bytes();
    line.push(b'\n');
    Ok(line)
}

fn decode_line(line: Vec<u8>) -> Result<Value> {
    let text = String::from_utf8_lossy(&line);
    Ok(pyon_codec::decode(text.trim_end_matches(['\n', '\r']))?)
}

/// Read a line of at most `limit` bytes (`\n` included); the partial line at end of input is
/// returned as it is, `None` when nothing is left.
pub(crate) async fn read_line_async<R>(reader: &mut R, limit: usize) -> Result<Option<Vec<u8>>>
where
    R: AsyncBufRead + Unpin,
{
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok((!line.is_empty()).then_some(line));
        }
        let (used, done) = take_line_chunk(available, &mut line);
        reader.consume(used);
        if line.len() > limit {
            return Err(Error::LineTooLong { limit });
        }
        if done {
            return Ok(Some(line));
        }
    }
}

fn read_line_blocking<R: BufRead>(reader: &mut R, limit: usize) -> Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok((!line.is_empty()).then_some(line));
        }
        let (used, done) = take_line_chunk(available, &mut line);
        reader.consume(used);
        if line.len() > limit {
            return Err(Error::LineTooLong { limit });
        }
        if done {
            return Ok(Some(line));
        }
    }
}

/// Append `available` up to and including its first `\n` to `line`; how much was used and
/// whether a `\n` was found.
fn take_line_chunk(available: &[u8], line: &mut Vec<u8>) -> (usize, bool) {
    match available.iter().position(|&b| b == b'\n') {
        Some(i) => {
            let (chunk, _) = available.split_at(i + 1);
            line.extend_from_slice(chunk);
            (i + 1, true)
        }
        None => {
            line.extend_from_slice(available);
            (available.len(), false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_address("5,8"), Some((5, 8)));
        assert_eq!(parse_address("5"), None);
        assert_eq!(parse_address("a,8"), None);
        assert!(matches!(ChildComm::new("1,2"), Err(Error::Address(_))));
        assert!(matches!(ChildComm::new("900,901"), Err(Error::Address(_))));
    }

    #[tokio::test]
    async fn lines_are_bounded() {
        let mut input: &[u8] = b"ab\ncdefgh\nij";
        assert_eq!(
            read_line_async(&mut input, 4).await.unwrap(),
            Some(b"ab\n".to_vec())
        );
        assert!(matches!(
            read_line_async(&mut input, 4).await,
            Err(Error::LineTooLong { limit: 4 })
        ));
        let mut input: &[u8] = b"ab\nij";
        assert_eq!(
            read_line_blocking(&mut input, 4).unwrap(),
            Some(b"ab\n".to_vec())
        );
        assert_eq!(
            read_line_blocking(&mut input, 4).unwrap(),
            Some(b"ij".to_vec())
        );
        assert_eq!(read_line_blocking(&mut input, 4).unwrap(), None);
    }

    #[test]
    fn pyon_lines() {
        let value = Value::List(vec![Value::Int(1), Value::from("x")]);
        let line = encode_line(&value).unwrap();
        assert_eq!(line, b"[1,\"x\"]\n");
        assert_eq!(decode_line(line).unwrap(), value);
    }
}
