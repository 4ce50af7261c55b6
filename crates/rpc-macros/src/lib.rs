//! The `#[rpc_target]` attribute of `rpc-core`: turns an `impl` block of plain Rust methods into
//! an RPC target (an implementation of `rpc_core::Target`) and typed clients of it.
//!
//! Use it through `rpc_core::rpc_target`; the crate documentation of `rpc-core` describes the
//! syntax in full. This crate only holds the procedural macro, which must live in a crate of its
//! own. In short:
//!
//! ```text
//! /// Driver for a demo attenuator.            <- the target's docstring
//! #[rpc_target]                                 (or #[rpc_target(annotations, type_name = "Lda")])
//! impl Lda {
//!     /// Set the attenuation in dB.            <- the method's docstring
//!     fn set_attenuation(&self, db: f64) -> Result<(), RpcError> { ... }
//!
//!     async fn no_doc(
//!         &self,
//!         a: Value,
//!         #[rpc(default = None)] b: Option<i64>,
//!         #[rpc(kwonly)] c: String,
//!         #[rpc(kwonly, default = tuple![1, "x"])] d: Value,
//!         #[rpc(varargs)] rest: Vec<Value>,
//!         #[rpc(varkw)] opts: Dict,
//!     ) -> Value { ... }                        // no_doc(self, a, b=None, *rest, c, d=(1, 'x'), **opts)
//!
//!     #[rpc(skip)]
//!     fn helper(&self) { ... }                  // not offered
//! }
//! // generated: impl Target for Lda, LdaClient (async) and LdaBlockingClient (blocking)
//! ```
//!
//! The code is read in `parse.rs` (options, methods, parameters), checked in `checks.rs` (every
//! error message the macro gives, each with a compile-fail test) and written in `expand.rs` (the
//! `Target`) and `client.rs` (the typed clients). The generated code calls
//! `rpc_core::__private`, so a crate using the attribute depends on `rpc-core` (and
//! `pyon-codec` for `Value`).
#![deny(missing_docs)]
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use proc_macro::TokenStream;
use syn::{ItemImpl, parse_macro_input};

mod checks;
mod client;
mod expand;
mod parse;
mod types;

/// Turns an `impl` block into an RPC target and typed clients; see `rpc_core::rpc_target` for
/// the syntax.
#[proc_macro_attribute]
pub fn rpc_target(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut options = parse::TargetOptions::default();
    let parser = syn::meta::parser(|meta| options.parse(meta));
    parse_macro_input!(attr with parser);
    let item = parse_macro_input!(item as ItemImpl);
    match expand::expand(options, item) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}
