//! Every error message of `#[rpc_target]`, each from a file under `compile_fail/` with the
//! compiler's output beside it (`TRYBUILD=overwrite` rewrites the `.stderr` files).
//!
//! The cases use `rpc_macros::rpc_target` directly: a rejected item expands to the error alone,
//! so they need no other crate (and the test builds only this one).

#[test]
fn every_error_message() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
