//! [`Client`]: the blocking client (Python's `sipyco.pc_rpc.Client`).

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

use pyon_codec::{Dict, Value, Version};
use serde::de::DeserializeOwned;
use tokio::runtime::{Builder, Runtime};

use crate::args::IntoArgs;
use crate::async_client::AsyncClient;
use crate::error::Result;
use crate::options::ClientOptions;
use crate::protocol::Target;

/// A blocking pc_rpc client.
///
/// It runs an [`AsyncClient`] on a small runtime of its own, so it must not be used from inside
/// async code (use [`AsyncClient`] there). Methods take `&self`; calls from several threads are
/// pipelined on the one connection.
///
/// ```no_run
/// use pyon_codec::{Dict, tuple};
/// use rpc_client::{AutoTarget, Client};
///
/// let client = Client::connect("::1", 3253, AutoTarget)?;
/// let x = client.call("echo", tuple![5], Dict::new())?;
/// let n: i64 = client.call_as("add", tuple![1, 2])?;
/// client.close_rpc();
/// # Ok::<(), rpc_client::Error>(())
/// ```
pub struct Client {
    // Declared first so the connection is dropped while its runtime still exists.
    inner: AsyncClient,
    runtime: Runtime,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Client").field(&self.inner).finish()
    }
}

impl Client {
    /// Connects to `host:port` and selects `target`, with default options (no timeouts).
    pub fn connect(host: &str, port: u16, target: impl Into<Target>) -> Result<Client> {
        Client::connect_with(host, port, target, &ClientOptions::default())
    }

    /// Connects with the given options.
    pub fn connect_with(
        host: &str,
        port: u16,
        target: impl Into<Target>,
        options: &ClientOptions,
    ) -> Result<Client> {
        let runtime = Builder::new_current_thread().enable_all().build()?;
        let inner = runtime.block_on(AsyncClient::connect_with(host, port, target, options))?;
        Ok(Client { inner, runtime })
    }

    /// Selects a target on a client connected without one (Python's `select_rpc_target`).
    pub fn select_rpc_target(&self, name: &str) -> Result<()> {
        self.runtime.block_on(self.inner.select_rpc_target(name))
    }

    /// The server's targets and description (Python's `get_rpc_id`).
    pub fn get_rpc_id(&self) -> (Vec<String>, Option<String>) {
        self.inner.get_rpc_id()
    }

    /// The selected target, if any.
    pub fn get_selected_target(&self) -> Option<&str> {
        self.inner.get_selected_target()
    }

    /// The PYON version of the session, once a target is selected.
    pub fn pyon_version(&self) -> Option<Version> {
        self.inner.pyon_version()
    }

    /// The method names of the selected target.
    pub fn method_names(&self) -> Option<&HashSet<String>> {
        self.inner.method_names()
    }

    /// The local IP address of the connection (Python's `get_local_host`).
    pub fn get_local_host(&self) -> IpAddr {
        self.inner.get_local_host()
    }

    /// The local address and port of the connection.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr()
    }

    /// Calls method `name`; see [`AsyncClient::call`].
    pub fn call(&self, name: &str, args: impl IntoArgs, kwargs: Dict) -> Result<Value> {
        self.runtime.block_on(self.inner.call(name, args, kwargs))
    }

    /// Calls method `name` and converts the result (serde); see [`AsyncClient::call_as`].
    pub fn call_as<T: DeserializeOwned>(&self, name: &str, args: impl IntoArgs) -> Result<T> {
        self.runtime.block_on(self.inner.call_as(name, args))
    }

    /// Calls without the local method-name check; see [`AsyncClient::call_unchecked`].
    pub fn call_unchecked(&self, name: &str, args: impl IntoArgs, kwargs: Dict) -> Result<Value> {
        self.runtime
            .block_on(self.inner.call_unchecked(name, args, kwargs))
    }

    /// The target's docstring and methods (Python's `get_rpc_method_list`).
    pub fn get_rpc_method_list(&self) -> Result<Value> {
        self.runtime.block_on(self.inner.get_rpc_method_list())
    }

    /// Closes the connection (Python's `close_rpc`).
    pub fn close_rpc(&self) {
        self.runtime.block_on(self.inner.close_rpc())
    }
}
