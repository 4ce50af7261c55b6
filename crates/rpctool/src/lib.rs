//! `sipyco_rpctool`, the command-line client of SiPyCo remote procedure calls, in Rust.
//!
//! The binary talks to any pc_rpc server (Python or Rust) and prints exactly what the Python
//! tool `sipyco_rpctool` prints:
//!
//! ```text
//! sipyco_rpctool ::1 3253 list-targets
//! sipyco_rpctool ::1 3253 list-methods -t lda
//! sipyco_rpctool ::1 3253 call -t lda set_attenuation 5
//! sipyco_rpctool ::1 3253 interactive        # or no action at all
//! ```
//!
//! This library holds the pure parts, each testable without a socket:
//!
//! - [`expr`]: the argument grammar. The Python tool `eval`s arguments; this evaluates a safe
//!   subset of Python (literals, arithmetic, `np.array(...)`) to PYON [`Value`](pyon_codec::Value)s.
//! - [`output`]: the texts of `list-targets` and `list-methods` (signatures rendered by
//!   [`pc_rpc::ArgSpec`]), and of remote exceptions.
//!
//! Values are shown with [`pyon_codec::text`]: Python's `repr` and `pprint`, numpy's array repr.
//!
//! ```
//! use rpctool::expr;
//!
//! let v = expr::evaluate("{'k': [1, 2], 3: (4,)}")?;
//! assert_eq!(pyon_codec::pformat(&v), "{3: (4,), 'k': [1, 2]}");
//! # Ok::<(), rpctool::Error>(())
//! ```
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]
#![forbid(unsafe_code)]

pub mod expr;
pub mod output;

/// What can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An expression does not follow the grammar.
    #[error("{message} at column {}", at + 1)]
    Syntax {
        /// Where, in characters from the start of the expression.
        at: usize,
        /// What was wrong.
        message: String,
    },
    /// An expression is well-formed but cannot be evaluated: the Python exception it would
    /// raise (`ZeroDivisionError: division by zero`).
    #[error("{0}")]
    Eval(String),
    /// A call of a remote method failed.
    #[error(transparent)]
    Rpc(#[from] rpc_client::Error),
}

impl Error {
    pub(crate) fn syntax(at: usize, message: impl Into<String>) -> Error {
        Error::Syntax {
            at,
            message: message.into(),
        }
    }

    pub(crate) fn eval(message: impl Into<String>) -> Error {
        Error::Eval(message.into())
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
