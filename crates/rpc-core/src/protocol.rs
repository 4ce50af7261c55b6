//! The pc_rpc wire protocol as pure functions on lines and values (no I/O), from [`pc_rpc`],
//! where the wire format is defined once for servers and clients.
//!
//! A session, server side:
//!
//! 1. read [`BANNER`]; anything else: close without a word;
//! 2. send [`identification`];
//! 3. read the target line, [`parse_target_line`] (an unknown target or feature: close);
//! 4. send [`method_set_line`];
//! 5. for each request line: decode it in the selected version (a line that does not decode
//!    ends the connection), [`Request::from_value`], run it, send [`encode_reply`].

pub use pc_rpc::{
    BANNER, Dialect, FEATURE_PYON_V2, Identification, Request, Selection, encode_reply,
    identification, method_set_line,
};

use crate::Error;

/// Parses the client's target line `name [feature ...]` (space-separated):
/// [`pc_rpc::parse_target_line`] with this crate's error.
///
/// `has_target` says whether a name is served. Fails with [`Error::UnknownTarget`] or
/// [`Error::UnknownFeature`]; the server then closes the connection.
pub fn parse_target_line(
    line: &str,
    has_target: impl Fn(&str) -> bool,
    dialect: Dialect,
) -> Result<Selection, Error> {
    Ok(pc_rpc::parse_target_line(line, has_target, dialect)?)
}
