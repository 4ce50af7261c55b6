//! [`RpcError`]: a Python exception raised by a Rust method, packed as `sipyco.packed_exceptions`
//! packs it for the wire.

use std::fmt;

use pyon_codec::{Dict, Value};

/// The class name a Python client cannot re-raise as a built-in: it raises
/// `sipyco.packed_exceptions.GenericRemoteException` with the message `QualifiedName: text`.
pub const GENERIC_REMOTE_EXCEPTION: &str = "GenericRemoteException";

/// The exception classes of Python's `builtins` module: a client re-raises these by name.
const BUILTIN_EXCEPTIONS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
];

/// Whether a Python client re-raises `class` as a built-in exception of that name.
pub fn is_builtin_exception(class: &str) -> bool {
    BUILTIN_EXCEPTIONS.binary_search(&class).is_ok()
}

/// A Python exception, as an RPC method raises it and as it crosses the wire.
///
/// On the wire it is `{"class": ..., "message": ..., "traceback": [...]}`. `class` is the name
/// of a Python built-in exception (`ValueError`, `KeyError`, ...), which a Python client re-raises
/// as that class, or [`GENERIC_REMOTE_EXCEPTION`] with a message `QualifiedName: text`.
/// [`RpcError::new`] picks the right form, so any class name may be given:
///
/// ```
/// use pc_rpc::RpcError;
///
/// let e = RpcError::value_error("bad value 42");
/// assert_eq!((e.class(), e.message()), ("ValueError", "bad value 42"));
///
/// let e = RpcError::new("DeviceFault", "laser unlocked");
/// assert_eq!(e.class(), "GenericRemoteException");
/// assert_eq!(e.message(), "DeviceFault: laser unlocked");
///
/// let e = RpcError::key_error("missing");
/// assert_eq!(e.to_string(), "KeyError: 'missing'");
/// ```
///
/// The traceback is a list of text lines, as Python's `traceback.format_tb` makes them. A Rust
/// method has no Python frames to show: a server sends the lines given with
/// [`RpcError::with_traceback`] or, when there are none, one line naming the method
/// (`  File "<rust>", in Demo.fail\n`). Clients only display it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcError {
    class: String,
    message: String,
    traceback: Vec<String>,
}

impl RpcError {
    /// An exception of class `class` with `message` (Python's `str(exception)`).
    ///
    /// A class that is not a Python built-in becomes [`GENERIC_REMOTE_EXCEPTION`] with the
    /// message `class: message`, as Python servers pack their own exception classes.
    pub fn new(class: impl Into<String>, message: impl Into<String>) -> Self {
        let (class, message) = (class.into(), message.into());
        if is_builtin_exception(&class) || class == GENERIC_REMOTE_EXCEPTION {
            RpcError {
                class,
                message,
                traceback: Vec::new(),
            }
        } else {
            RpcError {
                class: GENERIC_REMOTE_EXCEPTION.to_owned(),
                message: format!("{class}: {message}"),
                traceback: Vec::new(),
            }
        }
    }

    /// `ValueError(message)`.
    pub fn value_error(message: impl Into<String>) -> Self {
        RpcError::new("ValueError", message)
    }

    /// `TypeError(message)`.
    pub fn type_error(message: impl Into<String>) -> Self {
        RpcError::new("TypeError", message)
    }

    /// `KeyError(key)`: the message is Python's `repr` of the key (`'missing'`).
    pub fn key_error(key: impl Into<Value>) -> Self {
        RpcError::new("KeyError", pyon_codec::repr(&key.into()))
    }

    /// `IndexError(message)`.
    pub fn index_error(message: impl Into<String>) -> Self {
        RpcError::new("IndexError", message)
    }

    /// `AttributeError(message)`.
    pub fn attribute_error(message: impl Into<String>) -> Self {
        RpcError::new("AttributeError", message)
    }

    /// `AttributeError: 'TypeName' object has no attribute 'name'`, the failure of a call to an
    /// unknown method.
    pub fn no_attribute(type_name: &str, name: &str) -> Self {
        RpcError::attribute_error(format!(
            "'{type_name}' object has no attribute {}",
            pyon_codec::repr(&Value::str(name))
        ))
    }

    /// `RuntimeError(message)`.
    pub fn runtime_error(message: impl Into<String>) -> Self {
        RpcError::new("RuntimeError", message)
    }

    /// `NotImplementedError(message)`.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        RpcError::new("NotImplementedError", message)
    }

    /// `ZeroDivisionError(message)`.
    pub fn zero_division(message: impl Into<String>) -> Self {
        RpcError::new("ZeroDivisionError", message)
    }

    /// `TimeoutError(message)`.
    pub fn timeout_error(message: impl Into<String>) -> Self {
        RpcError::new("TimeoutError", message)
    }

    /// `OSError(message)`.
    pub fn os_error(message: impl Into<String>) -> Self {
        RpcError::new("OSError", message)
    }

    /// The same exception with these traceback lines (each normally ends with `\n`).
    pub fn with_traceback(mut self, lines: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.traceback = lines.into_iter().map(Into::into).collect();
        self
    }

    /// The class name sent on the wire.
    pub fn class(&self) -> &str {
        &self.class
    }

    /// The message sent on the wire.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The traceback lines.
    pub fn traceback(&self) -> &[String] {
        &self.traceback
    }

    /// The packed form: `{"class": ..., "message": ..., "traceback": [...]}`.
    pub fn to_value(&self) -> Value {
        Value::Dict(Dict::from_unique_pairs(vec![
            (Value::str("class"), Value::str(&self.class)),
            (Value::str("message"), Value::str(&self.message)),
            (
                Value::str("traceback"),
                Value::List(self.traceback.iter().map(Value::str).collect()),
            ),
        ]))
    }

    /// Unpacks the packed form, as a client does with a `failed` reply; `None` when `v` is not a
    /// dict. See [`RpcError::unpack`] for the missing-key rules.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Dict(d) | Value::OrderedDict(d) => Some(RpcError::unpack_dict(d)),
            _ => None,
        }
    }

    /// Unpacks an exception as Python clients do, never failing: a missing `class` is
    /// [`GENERIC_REMOTE_EXCEPTION`], a missing `message` is empty, a `traceback` may be a list
    /// of lines or one text. A value that is not a dict unpacks as an empty generic exception.
    pub fn unpack(v: &Value) -> Self {
        match v {
            Value::Dict(d) | Value::OrderedDict(d) => RpcError::unpack_dict(d),
            _ => RpcError::unpack_dict(&Dict::new()),
        }
    }

    /// An exception as a peer packed it: the class is kept as sent (unlike [`RpcError::new`],
    /// which turns a class that is not a built-in into [`GENERIC_REMOTE_EXCEPTION`]).
    pub fn unpacked(class: String, message: String, traceback: Vec<String>) -> Self {
        RpcError {
            class,
            message,
            traceback,
        }
    }

    pub(crate) fn unpack_dict(d: &Dict) -> Self {
        let text = |key: &str| d.get_str(key).and_then(Value::as_str).map(str::to_owned);
        let traceback = match d.get_str("traceback") {
            Some(Value::Str(s)) => vec![s.to_string()],
            Some(v) => v
                .as_seq()
                .unwrap_or_default()
                .iter()
                .filter_map(|line| line.as_str().map(str::to_owned))
                .collect(),
            None => Vec::new(),
        };
        RpcError::unpacked(
            text("class").unwrap_or_else(|| GENERIC_REMOTE_EXCEPTION.to_owned()),
            text("message").unwrap_or_default(),
            traceback,
        )
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.class, self.message)
    }
}

impl std::error::Error for RpcError {}

impl From<std::io::Error> for RpcError {
    /// The `OSError` subclass Python raises for the same failure, with Python's
    /// `[Errno N] text` message when there is an OS error number.
    fn from(e: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let class = match e.kind() {
            K::NotFound => "FileNotFoundError",
            K::PermissionDenied => "PermissionError",
            K::ConnectionRefused => "ConnectionRefusedError",
            K::ConnectionReset => "ConnectionResetError",
            K::ConnectionAborted => "ConnectionAbortedError",
            K::BrokenPipe => "BrokenPipeError",
            K::AlreadyExists => "FileExistsError",
            K::TimedOut => "TimeoutError",
            K::Interrupted => "InterruptedError",
            K::WouldBlock => "BlockingIOError",
            K::IsADirectory => "IsADirectoryError",
            K::NotADirectory => "NotADirectoryError",
            _ => "OSError",
        };
        let message = match e.raw_os_error() {
            Some(errno) => {
                let text = e.to_string();
                let suffix = format!(" (os error {errno})");
                let text = text.strip_suffix(&suffix).unwrap_or(&text);
                format!("[Errno {errno}] {text}")
            }
            None => e.to_string(),
        };
        RpcError::new(class, message)
    }
}

impl From<pyon_codec::Error> for RpcError {
    /// A value that does not convert (`from_value`, `to_value`) or encode: `TypeError`.
    fn from(e: pyon_codec::Error) -> Self {
        RpcError::type_error(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_list_is_sorted() {
        assert!(BUILTIN_EXCEPTIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn packing() {
        let cases = [
            (
                RpcError::value_error("bad value 42"),
                "ValueError",
                "bad value 42",
            ),
            (RpcError::key_error("missing"), "KeyError", "'missing'"),
            (RpcError::key_error(3), "KeyError", "3"),
            (
                RpcError::new("Demo.fail_custom.<locals>.DeviceFault", "laser unlocked"),
                "GenericRemoteException",
                "Demo.fail_custom.<locals>.DeviceFault: laser unlocked",
            ),
            (
                RpcError::no_attribute("Demo", "no_such_method"),
                "AttributeError",
                "'Demo' object has no attribute 'no_such_method'",
            ),
            (
                RpcError::from(std::io::Error::from_raw_os_error(2)),
                "FileNotFoundError",
                "[Errno 2] No such file or directory",
            ),
            (
                RpcError::from(std::io::Error::other("boom")),
                "OSError",
                "boom",
            ),
        ];
        for (e, class, message) in cases {
            assert_eq!((e.class(), e.message()), (class, message));
        }
    }

    #[test]
    fn wire_form_round_trip() {
        let e = RpcError::type_error("nope").with_traceback(["  File \"<rust>\", in f\n"]);
        assert_eq!(
            pyon_codec::encode(&e.to_value()).unwrap(),
            r#"{"class":"TypeError","message":"nope","traceback":["  File \"<rust>\", in f\n"]}"#
        );
        assert_eq!(RpcError::from_value(&e.to_value()), Some(e));
        assert_eq!(RpcError::from_value(&Value::Int(1)), None);
        let partial = pyon_codec::dict! {"message" => "gone"};
        assert_eq!(
            RpcError::unpack(&partial).to_string(),
            "GenericRemoteException: gone"
        );
    }
}
