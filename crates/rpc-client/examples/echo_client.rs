//! Calls an echo controller with each kind of client.
//!
//! ```text
//! cargo run -p rpc-client --example echo_client               # against an in-process server
//! cargo run -p rpc-client --example echo_client -- ::1 3253   # against a running controller
//! ```
//!
//! The remote target must have an `echo(x)` method (Python's or rpc-core's echo controller).

use std::process::ExitCode;
use std::time::Duration;

use pyon_codec::{Dict, Value, tuple};
use rpc_client::{
    AsyncClient, AutoTarget, BestEffortClient, BestEffortOptions, ClientOptions, FireAndForget,
};

struct Echo;

/// An in-process stand-in for a controller.
#[rpc_core::rpc_target]
impl Echo {
    /// Return the argument unchanged.
    fn echo(&self, x: Value) -> Value {
        x
    }
}

async fn in_process_server() -> std::io::Result<u16> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let net = asyncio_server::Server::from_tokio(vec![listener]).map_err(std::io::Error::other)?;
    let server = rpc_core::Server::builder().target("echo", Echo).build();
    tokio::spawn(async move { server.serve(net, std::future::pending()).await });
    Ok(port)
}

async fn run(host: &str, port: u16) -> rpc_client::Result<()> {
    let options = ClientOptions::new()
        .connect_timeout(Duration::from_secs(5))
        .call_timeout(Duration::from_secs(5));
    let client = AsyncClient::connect_with(host, port, AutoTarget, &options).await?;
    let (targets, description) = client.get_rpc_id();
    println!(
        "connected to {targets:?} ({description:?}) with PYON {:?}",
        client.pyon_version()
    );

    // `args` is the argument list: one argument here, a tuple.
    let x = client
        .call("echo", vec![tuple![1, "two", 3.0]], Dict::new())
        .await?;
    println!("echo((1, 'two', 3.0)) -> {}", pyon_codec::encode(&x)?);

    // Pipelined: ten calls in flight on one connection.
    let calls = (0..10i64).map(|i| client.call_as::<i64>("echo", tuple![i]));
    let results: Vec<i64> = futures::future::try_join_all(calls).await?;
    println!("ten pipelined calls -> {results:?}");

    // Typed: `#[rpc_target]` on `impl Echo` above also generated `EchoClient`, with `echo`
    // taking and returning what `Echo::echo` does; the compiler checks the call. It shares the
    // (pipelined) connection of `client`.
    let echo = EchoClient::new(client.clone());
    let typed = echo.echo(Value::from("typed")).await?;
    println!("typed echo('typed') -> {}", pyon_codec::encode(&typed)?);

    match client.call("no_such_method", (), Dict::new()).await {
        Err(e) => println!("refused locally: {e}"),
        Ok(v) => println!("unexpected: {v:?}"),
    }

    let ff = FireAndForget::new(client.clone());
    ff.call("echo", tuple!["in the background"], Dict::new());
    ff.join().await;

    let best =
        BestEffortClient::connect_with(host, port, AutoTarget, BestEffortOptions::new()).await;
    println!(
        "best effort: {:?}",
        best.call("echo", tuple!["maybe"], Dict::new()).await?
    );
    best.close_rpc().await;
    client.close_rpc().await;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (host, port) = match args.as_slice() {
        [host, port] => match port.parse() {
            Ok(port) => (host.clone(), port),
            Err(e) => {
                eprintln!("echo_client: bad port {port:?}: {e}");
                return ExitCode::from(2);
            }
        },
        [] => match in_process_server().await {
            Ok(port) => ("127.0.0.1".to_owned(), port),
            Err(e) => {
                eprintln!("echo_client: cannot start the server: {e}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!("usage: echo_client [HOST PORT]");
            return ExitCode::from(2);
        }
    };
    match run(&host, port).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("echo_client: {e}");
            ExitCode::FAILURE
        }
    }
}
