//! [`RexecClient`] and [`BlockingRexecClient`]: the experiment's side of remote execution,
//! for Python controllers and Rust ones alike.

use pyon_codec::{Dict, Value};
use rpc_client::{AsyncClient, Client, ClientOptions, IntoArgs};
use serde::de::DeserializeOwned;

use crate::Result;

/// The default port of [`connect_global_rpc`](RexecClient::connect_global_rpc): the ARTIQ
/// master's dataset database port.
pub const GLOBAL_RPC_PORT: u16 = 3251;

/// The Python code that `connect_global_rpc` sends, as `sipyco.remote_exec` writes it.
pub fn global_rpc_code(host: &str, port: u16, target: &str, name: &str) -> String {
    format!(
        "\nif \"{name}\" not in controller_initial_namespace:\n    import atexit\n    \
         from sipyco.pc_rpc import Client\n\n    {name} = Client(\"{host}\", {port}, \"{target}\")\n    \
         atexit.register({name}.close_rpc)\n    controller_initial_namespace[\"{name}\"] = {name}\n"
    )
}

fn call_args(function: &str, args: impl IntoArgs) -> Vec<Value> {
    let mut all = vec![Value::str(function)];
    all.extend(args.into_args());
    all
}

/// An async client of a `NAME_rexec` target (Python: a `pc_rpc` client of it).
///
/// ```no_run
/// # async fn demo() -> rexec::Result<()> {
/// use pyon_codec::tuple;
/// use rexec::RexecClient;
///
/// let rexec = RexecClient::connect("::1", 3253, "camera_rexec").await?;
/// rexec.add_code("def mean():\n    return float(controller_driver.get_frame().mean())\n").await?;
/// let mean: f64 = rexec.call_as("mean", ()).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RexecClient {
    rpc: AsyncClient,
}

impl RexecClient {
    /// Connects to `host:port` and selects `target` (`NAME_rexec`).
    pub async fn connect(host: &str, port: u16, target: &str) -> Result<RexecClient> {
        Self::connect_with(host, port, target, &ClientOptions::default()).await
    }

    /// Connects with options (timeouts, TLS).
    pub async fn connect_with(
        host: &str,
        port: u16,
        target: &str,
        options: &ClientOptions,
    ) -> Result<RexecClient> {
        let rpc = AsyncClient::connect_with(host, port, target, options).await?;
        Ok(RexecClient { rpc })
    }

    /// Wraps a client that already selected a `NAME_rexec` target.
    pub fn from_rpc(rpc: AsyncClient) -> RexecClient {
        RexecClient { rpc }
    }

    /// The underlying RPC client.
    pub fn rpc(&self) -> &AsyncClient {
        &self.rpc
    }

    /// Runs `code` in this connection's namespace (`exec`).
    pub async fn add_code(&self, code: &str) -> Result<()> {
        self.rpc
            .call("add_code", vec![Value::str(code)], Dict::new())
            .await?;
        Ok(())
    }

    /// Calls `function` of the namespace with positional `args` and keyword `kwargs`.
    pub async fn call(&self, function: &str, args: impl IntoArgs, kwargs: Dict) -> Result<Value> {
        Ok(self
            .rpc
            .call("call", call_args(function, args), kwargs)
            .await?)
    }

    /// Calls `function` with positional `args` and converts the result to `T` (serde).
    pub async fn call_as<T: DeserializeOwned>(
        &self,
        function: &str,
        args: impl IntoArgs,
    ) -> Result<T> {
        let ret = self.call(function, args, Dict::new()).await?;
        Ok(pyon_codec::from_value(ret).map_err(rpc_client::Error::from)?)
    }

    /// Makes the controller hold one RPC client, shared by all its remote-execution
    /// connections, of `target` at `host:port`, stored as `name` in
    /// `controller_initial_namespace` (unless already there). `host` `None` is this client's
    /// local address, usually the ARTIQ master. The code sent imports `sipyco.pc_rpc`: the
    /// controller's environment needs sipyco (else `ModuleNotFoundError`).
    pub async fn connect_global_rpc(
        &self,
        host: Option<&str>,
        port: u16,
        target: &str,
        name: &str,
    ) -> Result<()> {
        let local = self.rpc.get_local_host().to_string();
        let host = host.unwrap_or(&local);
        self.add_code(&global_rpc_code(host, port, target, name))
            .await
    }

    /// Closes the connection.
    pub async fn close_rpc(&self) {
        self.rpc.close_rpc().await;
    }
}

/// The blocking form of [`RexecClient`].
#[derive(Debug)]
pub struct BlockingRexecClient {
    rpc: Client,
}

impl BlockingRexecClient {
    /// Connects to `host:port` and selects `target` (`NAME_rexec`).
    pub fn connect(host: &str, port: u16, target: &str) -> Result<BlockingRexecClient> {
        Self::connect_with(host, port, target, &ClientOptions::default())
    }

    /// Connects with options (timeouts, TLS).
    pub fn connect_with(
        host: &str,
        port: u16,
        target: &str,
        options: &ClientOptions,
    ) -> Result<BlockingRexecClient> {
        let rpc = Client::connect_with(host, port, target, options)?;
        Ok(BlockingRexecClient { rpc })
    }

    /// The underlying RPC client.
    pub fn rpc(&self) -> &Client {
        &self.rpc
    }

    /// Runs `code` in this connection's namespace (`exec`).
    pub fn add_code(&self, code: &str) -> Result<()> {
        self.rpc
            .call("add_code", vec![Value::str(code)], Dict::new())?;
        Ok(())
    }

    /// Calls `function` of the namespace with positional `args` and keyword `kwargs`.
    pub fn call(&self, function: &str, args: impl IntoArgs, kwargs: Dict) -> Result<Value> {
        Ok(self.rpc.call("call", call_args(function, args), kwargs)?)
    }

    /// Calls `function` with positional `args` and converts the result to `T` (serde).
    pub fn call_as<T: DeserializeOwned>(&self, function: &str, args: impl IntoArgs) -> Result<T> {
        let ret = self.call(function, args, Dict::new())?;
        Ok(pyon_codec::from_value(ret).map_err(rpc_client::Error::from)?)
    }

    /// See [`RexecClient::connect_global_rpc`].
    pub fn connect_global_rpc(
        &self,
        host: Option<&str>,
        port: u16,
        target: &str,
        name: &str,
    ) -> Result<()> {
        let local = self.rpc.get_local_host().to_string();
        let host = host.unwrap_or(&local);
        self.add_code(&global_rpc_code(host, port, target, name))
    }

    /// Closes the connection.
    pub fn close_rpc(&self) {
        self.rpc.close_rpc();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_rpc_code_is_pythons() {
        let expected = "\nif \"dataset_db\" not in controller_initial_namespace:\n    import atexit\n    from sipyco.pc_rpc import Client\n\n    dataset_db = Client(\"::1\", 3251, \"master_dataset_db\")\n    atexit.register(dataset_db.close_rpc)\n    controller_initial_namespace[\"dataset_db\"] = dataset_db\n";
        assert_eq!(
            global_rpc_code("::1", 3251, "master_dataset_db", "dataset_db"),
            expected
        );
    }

    #[test]
    fn call_puts_the_function_first() {
        assert_eq!(
            call_args("f", pyon_codec::tuple![1, "x"]),
            vec![Value::str("f"), Value::Int(1), Value::str("x")]
        );
    }
}
