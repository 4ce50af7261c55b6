//! Shared by the integration tests.

pub use asyncio_server::testing::skip;
