//! `sipyco_pyon`: convert PYON between v1 and v2, and upgrade v1 files in place.
//!
//! ```text
//! sipyco_pyon convert [--from auto|v1|v2] [--to v1|v2] [--pretty] [FILE]
//! sipyco_pyon upgrade FILE
//! ```
//!
//! Exit status: 0 on success, 1 when the input is invalid or a file cannot be read or written
//! (one line on stderr says what and where), 2 on a usage error.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use pyon_codec::{Value, Version};

#[derive(Parser)]
#[command(
    name = "sipyco_pyon",
    version,
    about = "Convert PYON between v1 and v2"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read one value from FILE (or standard input) and write its encoding to standard output.
    Convert {
        /// Input version; `auto` reads v2 when the text is valid PYON v2 and v1 otherwise.
        #[arg(long, value_enum, default_value_t = From::Auto)]
        from: From,
        /// Output version.
        #[arg(long, value_enum, default_value_t = To::V2)]
        to: To,
        /// Pretty-print the output.
        #[arg(long)]
        pretty: bool,
        /// Input file; standard input when absent.
        file: Option<PathBuf>,
    },
    /// Convert a v1 file to pretty v2 in place, keeping the original as FILE_v1.
    Upgrade {
        /// The v1 file.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum From {
    Auto,
    V1,
    V2,
}

#[derive(Clone, Copy, ValueEnum)]
enum To {
    V1,
    V2,
}

/// The input, whole: mapped when it is a large regular file (see [`read_file`]), else read.
enum Input {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl Input {
    fn bytes(&self) -> &[u8] {
        match self {
            Input::Mapped(m) => m,
            Input::Read(b) => b,
        }
    }
}

/// Reads all of `file` (or standard input).
fn read_input(file: Option<&Path>) -> Result<Input, String> {
    match file {
        Some(p) => std::fs::File::open(p)
            .and_then(read_file)
            .map_err(|e| format!("{}: {e}", p.display())),
        None => read_stdin().map_err(|e| format!("standard input: {e}")),
    }
}

/// Reads standard input: as a file when it is one (`sipyco_pyon convert < FILE`).
fn read_stdin() -> std::io::Result<Input> {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        read_file(std::fs::File::from(
            std::io::stdin().as_fd().try_clone_to_owned()?,
        ))
    }
    #[cfg(not(unix))]
    {
        let mut buf = Vec::with_capacity(BLOCK);
        std::io::stdin().lock().read_to_end(&mut buf)?;
        Ok(Input::Read(buf))
    }
}

/// Buffer size for a stream of unknown length, which grows in ever larger blocks from there.
const BLOCK: usize = 1 << 20;

/// Files from this size on are mapped rather than read.
const MAP_FROM: u64 = 1 << 20;

/// Reads `file` from where it stands to its end, in one buffer sized from its length when it is
/// a regular file. A large regular file read from its start is mapped instead, its pages
/// populated at once: reading would copy every byte from the page cache into a buffer faulted
/// in page by page, the largest single cost of converting a large file (a quarter of the whole
/// process for an 80 MB array). What cannot be mapped (files of procfs, say) is read.
fn read_file(mut file: std::fs::File) -> std::io::Result<Input> {
    use std::io::Seek;
    let len = file
        .metadata()
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    if len.is_some_and(|n| n >= MAP_FROM) && file.stream_position().is_ok_and(|p| p == 0) {
        // SAFETY: a read-only mapping of a file that this process never writes (`upgrade`
        // replaces its file by a rename, leaving the mapped one as it was). Like every
        // tool that maps its input (ripgrep, git), it relies on no other process truncating or
        // rewriting the file during the conversion; one that did could change the bytes under
        // the decoder or stop this process with SIGBUS. Reading has the same premise in
        // practice: a file rewritten while it is read yields a mix of old and new text.
        #[allow(unsafe_code)]
        let mapped = unsafe { memmap2::MmapOptions::new().populate().map(&file) };
        if let Ok(m) = mapped {
            return Ok(Input::Mapped(m));
        }
    }
    let capacity = len
        .and_then(|n| usize::try_from(n).ok())
        .map_or(BLOCK, |n| n.saturating_add(1));
    let mut buf = Vec::with_capacity(capacity);
    file.read_to_end(&mut buf)?;
    Ok(Input::Read(buf))
}

fn decode(text: &str, from: From) -> Result<Value, String> {
    let text = text.trim();
    let r = match from {
        From::Auto => pyon_codec::decode_auto(text).map(|(v, _)| v),
        From::V1 => Version::V1.decode(text),
        From::V2 => Version::V2.decode(text),
    };
    r.map_err(|e| format!("invalid input: {e}"))
}

fn convert(from: From, to: To, pretty: bool, file: Option<&Path>) -> Result<(), String> {
    let input = read_input(file)?;
    let value = decode(utf8(input.bytes(), file)?, from)?;
    // The input is no longer needed: its memory is given back before the output is made.
    drop(input);
    let version = match to {
        To::V1 => Version::V1,
        To::V2 => Version::V2,
    };
    // The text is made and checked first (a value that cannot be encoded writes nothing);
    // large arrays' base64 then goes out in pieces, with no buffer of the output's size.
    let mut stdout = std::io::stdout().lock();
    let written = version
        .encode_to_writer(&mut stdout, &value, pretty)
        .map_err(|e| match e.category() {
            pyon_codec::Category::Io => output_error(&e),
            _ => Some(format!("cannot encode: {e}")),
        })
        .and_then(|()| {
            stdout
                .write_all(b"\n")
                .and_then(|()| stdout.flush())
                .map_err(|e| output_error(&e))
        });
    match written {
        Err(Some(e)) => Err(e),
        _ => Ok(()),
    }
}

/// The message for a failed write to standard output; `None` when the reader went away (a
/// closed pipe, `sipyco_pyon convert ... | head`), which is not an error.
fn output_error(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return (io.kind() != std::io::ErrorKind::BrokenPipe)
                .then(|| format!("standard output: {io}"));
        }
        cause = c.source();
    }
    Some(format!("standard output: {e}"))
}

/// The input as UTF-8 text, or an error that names it and the first bad byte.
fn utf8<'a>(bytes: &'a [u8], file: Option<&Path>) -> Result<&'a str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        match file {
            Some(p) => format!(
                "{}: stream did not contain valid UTF-8 (byte {at})",
                p.display()
            ),
            None => format!("standard input: stream did not contain valid UTF-8 (byte {at})"),
        }
    })
}

fn upgrade(file: &Path) -> Result<(), String> {
    let mut backup = file.as_os_str().to_owned();
    backup.push("_v1");
    let backup = PathBuf::from(backup);
    if backup.exists() {
        return Err(format!(
            "{} exists already; refusing to overwrite it (nothing changed)",
            backup.display()
        ));
    }
    let input = read_input(Some(file))?;
    let text = utf8(input.bytes(), Some(file))?;
    let value = decode(text, From::V1)?;
    // Keep the original first (create_new: never clobber a backup that appeared meanwhile), then
    // replace the file atomically.
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&backup)
        .map_err(|e| format!("{}: {e}", backup.display()))?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.sync_all())
        .map_err(|e| format!("{}: {e}", backup.display()))?;
    pyon_codec::store_file(file, &value).map_err(|e| format!("{}: {e}", file.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Convert {
            from,
            to,
            pretty,
            file,
        } => convert(*from, *to, *pretty, file.as_deref()),
        Command::Upgrade { file } => upgrade(file),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sipyco_pyon: {e}");
            ExitCode::FAILURE
        }
    }
}
