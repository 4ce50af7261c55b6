//! PYON files, as `sipyco.pyon.load_file` and `store_file` read and write them.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::write::Parts;
use crate::{Error, Result, Value};

/// Reads a PYON file of either version (v2 when the text is valid PYON v2, v1 otherwise).
///
/// The file must be UTF-8. Errors name the path.
pub fn load_file(path: impl AsRef<Path>) -> Result<Value> {
    let path = path.as_ref();
    let text = fs::read_to_string(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    crate::decode_auto(&text).map(|(v, _)| v)
}

/// Writes `v` as pretty PYON v2, atomically: the text goes to a temporary file in the same
/// directory, is flushed and synced, then renamed over `path` (and, on Unix, the directory is
/// synced so that the rename itself survives a crash). A reader sees the old file or the new
/// one, never a partial one; on any failure the old file is left untouched and no temporary file
/// remains.
///
/// As with Python's `open(path, "w")`, a symbolic link is followed (the file it points to is
/// replaced, the link stays), and a `path` that exists but is not a regular file (a device such
/// as `/dev/null`, a FIFO) is written into, never replaced.
///
/// The content is exactly Python's `pyon.encode(x, True)`, with no trailing newline.
pub fn store_file(path: impl AsRef<Path>, v: &Value) -> Result<()> {
    let path = path.as_ref();
    // Encode first: a value that cannot be encoded never touches the file system. Large
    // arrays' base64 is left out of the text, to be written in pieces straight from `v`
    // (see `write::Parts`): storing a large dataset needs no second copy of it as text.
    let parts = Parts::make(|out, deferred| crate::v2::encode_parts(out, deferred, v, true))?;
    let write = |f: &mut File| parts.write_to(f);
    let io_error = |e| Error::io(format!("cannot write {}", path.display()), e);
    let target = match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => fs::canonicalize(path).map_err(io_error)?,
        _ => path.to_path_buf(),
    };
    if fs::metadata(&target).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&target)
            .and_then(|mut f| write(&mut f))
            .map_err(io_error);
    }
    let tmp = temp_path(&target)?;
    let written = write_synced(&tmp, write)
        .and_then(|()| fs::rename(&tmp, &target))
        .map_err(io_error);
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written?;
    sync_dir(&target);
    Ok(())
}

/// `.{name}.tmp{pid}.{n}` beside `path`: unique within and across processes.
fn temp_path(path: &Path) -> Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        Error::io(
            format!("cannot write {}", path.display()),
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"),
        )
    })?;
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp{}.{n}", std::process::id()));
    Ok(path.with_file_name(tmp_name))
}

/// Creates `tmp`, has `write` fill it and syncs it.
fn write_synced(
    tmp: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    // `create_new`: never follow or clobber something already at the temporary name.
    let mut f: File = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    write(&mut f)?;
    f.sync_all()
}

/// Syncs the directory holding `path`, so the rename is durable. Best effort: the new file is
/// already in place, and some file systems refuse to sync a directory.
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dict, dict, tuple};

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn round_trip_and_exact_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.pyon");
        let v = dict! {"a" => 1, "b" => tuple![2.5, "x"]};
        store_file(&path, &v).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text, crate::encode_pretty(&v).unwrap());
        assert!(!text.ends_with('\n'));
        assert_eq!(load_file(&path).unwrap(), v);
        // Overwriting replaces the content.
        store_file(&path, &Value::Int(7)).unwrap();
        assert_eq!(load_file(&path).unwrap(), Value::Int(7));
        assert_eq!(names(dir.path()), ["data.pyon"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_a_device_is_written_into_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.pyon");
        let link = dir.path().join("link.pyon");
        fs::write(&real, "0").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        store_file(&link, &Value::Int(5)).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).unwrap(), "5");
        assert_eq!(names(dir.path()), ["link.pyon", "real.pyon"]);

        use std::os::unix::fs::FileTypeExt;
        store_file("/dev/null", &Value::Int(1)).unwrap();
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
    }

    #[test]
    fn failed_encode_leaves_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.pyon");
        store_file(&path, &Value::Int(1)).unwrap();
        // A str-keyed dict with a `__jsonclass__` key cannot be encoded (as in Python).
        let mut bad = Dict::new();
        bad.insert(Value::str("__jsonclass__"), Value::Int(1));
        assert!(store_file(&path, &Value::Dict(bad)).is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "1");
        assert_eq!(names(dir.path()), ["data.pyon"]);
    }

    /// Large arrays, whose base64 is written in pieces after the text, give exactly the text
    /// of `encode_pretty`; a value that fails after one leaves the target as it was.
    #[test]
    fn large_arrays_are_stored_as_their_exact_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.pyon");
        let floats = ndarray::Array1::from((0..300_001).map(f64::from).collect::<Vec<_>>());
        let v = dict! {
            "a" => Value::from(crate::NdArray::from_ndarray(&floats)),
            "b" => Value::Bytes(vec![3; 100_000]),
        };
        store_file(&path, &v).unwrap();
        assert!(fs::read_to_string(&path).unwrap() == crate::encode_pretty(&v).unwrap());
        assert_eq!(load_file(&path).unwrap(), v);

        let mut bad = Dict::new();
        bad.insert(Value::str("__jsonclass__"), Value::Int(1));
        let failing = Value::List(vec![Value::Bytes(vec![1; 200_000]), Value::Dict(bad)]);
        assert!(store_file(&path, &failing).is_err());
        assert!(fs::read_to_string(&path).unwrap() == crate::encode_pretty(&v).unwrap());
        assert_eq!(names(dir.path()), ["data.pyon"]);
    }

    #[test]
    fn failed_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails after the temporary file exists.
        let path = dir.path().join("taken");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "x").unwrap();
        let err = store_file(&path, &Value::Int(1)).unwrap_err();
        assert_eq!(err.category(), crate::Category::Io);
        assert!(err.to_string().contains("taken"), "{err}");
        assert_eq!(names(dir.path()), ["taken"]);
    }

    #[test]
    fn loads_v1_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.pyon");
        fs::write(&path, "{\"a\": (1, 2.5)}\n").unwrap();
        assert_eq!(load_file(&path).unwrap(), dict! {"a" => tuple![1, 2.5]});
    }

    #[test]
    fn load_errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing.pyon");
        let err = load_file(&path).unwrap_err();
        assert_eq!(err.category(), crate::Category::Io);
        assert!(err.to_string().contains("missing.pyon"), "{err}");
    }
}
