//! Command-line arguments shared by every server (Python's `sipyco.common_args`).
//!
//! Flatten the groups into a controller's own arguments (the clap derives need the default
//! feature `cli`; without it the structs are plain values to fill in code):
//!
//! ```
//! use asyncio_server::{NetworkArgs, VerbosityArgs};
//! use clap::Parser;
//!
//! #[derive(Parser)]
//! struct Args {
//!     #[command(flatten)]
//!     network: NetworkArgs,
//!     #[command(flatten)]
//!     verbosity: VerbosityArgs,
//! }
//!
//! let args = Args::parse_from(["ctl", "-p", "4000", "--bind", "10.0.0.2", "-v"]);
//! assert_eq!(args.network.port, Some(4000));
//! assert_eq!(args.verbosity.level_filter(), tracing::level_filters::LevelFilter::INFO);
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

#[cfg(feature = "cli")]
use clap::Args;
use tracing::level_filters::LevelFilter;

use crate::error::{Error, Result};
use crate::server::{Server, bind_listener};
use crate::tls::{TlsClientConfig, TlsServerConfig};

/// Network options of a server: `-p/--port`, `--bind` (repeatable), `--no-localhost-bind`,
/// `--ssl CERT KEY PEER` (Python's `simple_network_args`).
#[derive(Debug, Clone, Default)]
#[cfg_attr(feature = "cli", derive(Args))]
#[cfg_attr(feature = "cli", command(next_help_heading = "Network server"))]
pub struct NetworkArgs {
    /// TCP port to listen on (default: the program's own; see `parse_with_default_port`)
    #[cfg_attr(feature = "cli", arg(short, long))]
    pub port: Option<u16>,
    /// Additional host name or IP address to bind to; use '*' to bind to all interfaces
    #[cfg_attr(feature = "cli", arg(long, value_name = "ADDR"))]
    pub bind: Vec<String>,
    /// Do not implicitly also bind to localhost addresses
    #[cfg_attr(feature = "cli", arg(long))]
    pub no_localhost_bind: bool,
    /// Enable mutual TLS: own certificate, own private key, trusted peer certificates (PEM files)
    #[cfg_attr(feature = "cli", arg(long, num_args = 3, value_names = ["CERT", "KEY", "PEER"]))]
    pub ssl: Option<Vec<PathBuf>>,
}

/// The three files of `--ssl CERT KEY PEER` (Python's `SimpleSSLConfig`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslArgs {
    /// Our certificate (PEM).
    pub cert: PathBuf,
    /// Our private key (PEM).
    pub key: PathBuf,
    /// The trusted peer certificates (PEM, one or several).
    pub peer: PathBuf,
}

impl SslArgs {
    /// TLS configuration for a server.
    pub fn server_config(&self) -> Result<TlsServerConfig> {
        TlsServerConfig::from_files(&self.cert, &self.key, &self.peer)
    }

    /// TLS configuration for a client.
    pub fn client_config(&self) -> Result<TlsClientConfig> {
        TlsClientConfig::from_files(&self.cert, &self.key, &self.peer)
    }
}

impl NetworkArgs {
    /// The `--ssl` files, if given.
    pub fn ssl_args(&self) -> Option<SslArgs> {
        match self.ssl.as_deref() {
            Some([cert, key, peer]) => Some(SslArgs {
                cert: cert.clone(),
                key: key.clone(),
                peer: peer.clone(),
            }),
            _ => None,
        }
    }

    /// The port to listen on: `--port`, or `default_port`.
    pub fn port_or(&self, default_port: u16) -> u16 {
        self.port.unwrap_or(default_port)
    }

    /// The addresses to bind, as Python's `bind_address_from_args`: with `*` among `--bind`, all
    /// interfaces (`0.0.0.0` and `::`); otherwise `127.0.0.1` and `::1` (unless
    /// `--no-localhost-bind`) followed by each `--bind` host, resolved. Duplicates are removed.
    pub fn bind_addresses(&self, default_port: u16) -> Result<Vec<SocketAddr>> {
        let port = self.port_or(default_port);
        if self.bind.iter().any(|b| b == "*") {
            return Ok(vec![
                SocketAddr::new(Ipv4Addr::UNSPECIFIED.into(), port),
                SocketAddr::new(Ipv6Addr::UNSPECIFIED.into(), port),
            ]);
        }
        let mut addrs = Vec::new();
        if !self.no_localhost_bind {
            addrs.push(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port));
            addrs.push(SocketAddr::new(Ipv6Addr::LOCALHOST.into(), port));
        }
        for host in &self.bind {
            for addr in resolve(host, port)? {
                if !addrs.contains(&addr) {
                    addrs.push(addr);
                }
            }
        }
        Ok(addrs)
    }

    /// Bind the [`bind_addresses`](Self::bind_addresses) and set up TLS if `--ssl` was given.
    ///
    /// An implicit IPv6 address (`::1`, or `::` for `*`) that cannot be bound because the
    /// machine has no IPv6 is skipped with a warning, as long as something else was bound;
    /// any other failure is an error.
    pub fn server(&self, default_port: u16) -> Result<Server> {
        let mut listeners = Vec::new();
        for addr in self.bind_addresses(default_port)? {
            match bind_listener(addr) {
                Ok(listener) => listeners.push(listener),
                Err(Error::Bind { source, .. }) if is_implicit_v6(addr) && no_ipv6(&source) => {
                    tracing::warn!("not listening on {addr}: {source}");
                }
                Err(e) => return Err(e),
            }
        }
        let tls = self.ssl_args().map(|ssl| ssl.server_config()).transpose()?;
        Ok(Server::from_std(listeners)?.with_tls(tls))
    }
}

/// `::1` and `::`, which we add on our own initiative (`::` only with `*`).
fn is_implicit_v6(addr: SocketAddr) -> bool {
    let ip = addr.ip();
    ip == IpAddr::V6(Ipv6Addr::LOCALHOST) || ip == IpAddr::V6(Ipv6Addr::UNSPECIFIED)
}

fn no_ipv6(err: &std::io::Error) -> bool {
    // EAFNOSUPPORT (no IPv6 in the kernel) or EADDRNOTAVAIL (no IPv6 address configured).
    err.kind() == std::io::ErrorKind::AddrNotAvailable || err.raw_os_error() == Some(97)
}

/// Resolve a host name or address (IPv6 with or without brackets) to socket addresses.
fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    (bare, port)
        .to_socket_addrs()
        .map(Iterator::collect)
        .map_err(|source| Error::Resolve {
            host: host.to_owned(),
            source,
        })
}

/// Parses a program's arguments (a clap `Parser` that flattens [`NetworkArgs`]) with its
/// default port named in the help of `-p/--port`, since one flattened group cannot know it.
/// Exits with clap's message and status on bad arguments, `--help` and `--version`, as
/// `Parser::parse` does. (Feature `cli`.)
#[cfg(feature = "cli")]
pub fn parse_with_default_port<A: clap::Parser>(default_port: u16) -> A {
    let matches = with_default_port(A::command(), default_port).get_matches();
    A::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

/// `command` with its `--port` help naming `default_port`. (Feature `cli`.)
#[cfg(feature = "cli")]
pub fn with_default_port(command: clap::Command, default_port: u16) -> clap::Command {
    command.mut_arg("port", |arg| {
        arg.help(format!("TCP port to listen on (default: {default_port})"))
    })
}

/// Verbosity options: `-v` and `-q`, repeatable (Python's `verbosity_args`).
///
/// The level starts at WARNING; each `-v` makes it one step more verbose (INFO, DEBUG, TRACE),
/// each `-q` one step less (ERROR, then nothing at all).
#[derive(Debug, Clone, Copy, Default)]
#[cfg_attr(feature = "cli", derive(Args))]
#[cfg_attr(feature = "cli", command(next_help_heading = "Verbosity"))]
pub struct VerbosityArgs {
    /// Log more, one level per -v: INFO, DEBUG, TRACE (repeatable; the default is WARNING)
    #[cfg_attr(feature = "cli", arg(short, long, action = clap::ArgAction::Count))]
    pub verbose: u8,
    /// Log less, one level per -q (repeatable)
    #[cfg_attr(feature = "cli", arg(short, long, action = clap::ArgAction::Count))]
    pub quiet: u8,
}

impl VerbosityArgs {
    /// The most verbose level to log.
    pub fn level_filter(&self) -> LevelFilter {
        match i16::from(self.quiet) - i16::from(self.verbose) {
            ..=-3 => LevelFilter::TRACE,
            -2 => LevelFilter::DEBUG,
            -1 => LevelFilter::INFO,
            0 => LevelFilter::WARN,
            1 => LevelFilter::ERROR,
            2.. => LevelFilter::OFF,
        }
    }

    /// Log to standard error at [`level_filter`](Self::level_filter). Does nothing if a global
    /// subscriber is already installed. (Feature `cli`.)
    #[cfg(feature = "cli")]
    pub fn init_logging(&self) {
        let _ = tracing_subscriber::fmt()
            .with_max_level(self.level_filter())
            .with_writer(std::io::stderr)
            .try_init();
    }
}

#[cfg(all(test, feature = "cli"))]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        network: NetworkArgs,
        #[command(flatten)]
        verbosity: VerbosityArgs,
    }

    fn parse(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("prog").chain(args.iter().copied())).unwrap()
    }

    fn addrs(args: &[&str]) -> Vec<String> {
        let cli = parse(args);
        let addrs = cli.network.bind_addresses(3253).unwrap();
        addrs.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn default_binds_localhost() {
        assert_eq!(addrs(&[]), ["127.0.0.1:3253", "[::1]:3253"]);
        assert_eq!(addrs(&["-p", "4000"]), ["127.0.0.1:4000", "[::1]:4000"]);
    }

    #[test]
    fn extra_binds_and_no_localhost() {
        assert_eq!(
            addrs(&["--bind", "10.1.2.3", "--bind", "[fe80::1]", "--port", "5"]),
            ["127.0.0.1:5", "[::1]:5", "10.1.2.3:5", "[fe80::1]:5"]
        );
        assert_eq!(
            addrs(&["--no-localhost-bind", "--bind", "10.1.2.3", "--bind", "::1"]),
            ["10.1.2.3:3253", "[::1]:3253"]
        );
        assert_eq!(
            addrs(&["--bind", "127.0.0.1"]),
            ["127.0.0.1:3253", "[::1]:3253"]
        );
        assert!(addrs(&["--no-localhost-bind"]).is_empty());
    }

    #[test]
    fn star_binds_everything() {
        assert_eq!(
            addrs(&["--bind", "10.1.2.3", "--bind", "*"]),
            ["0.0.0.0:3253", "[::]:3253"]
        );
    }

    #[test]
    fn host_names_resolve() {
        let got = addrs(&["--no-localhost-bind", "--bind", "localhost"]);
        assert!(!got.is_empty());
        assert!(got.iter().all(|a| a.ends_with(":3253")), "{got:?}");
    }

    #[test]
    fn ssl_takes_three_files() {
        let cli = parse(&["--ssl", "a.pem", "a.key", "peers.pem"]);
        assert_eq!(
            cli.network.ssl_args(),
            Some(SslArgs {
                cert: "a.pem".into(),
                key: "a.key".into(),
                peer: "peers.pem".into()
            })
        );
        assert_eq!(parse(&[]).network.ssl_args(), None);
        let two = Cli::try_parse_from(["prog", "--ssl", "a.pem", "a.key"]);
        assert!(two.is_err());
    }

    #[test]
    fn help_names_the_default_port() {
        use clap::CommandFactory;
        let help = with_default_port(Cli::command(), 1066)
            .render_help()
            .to_string();
        assert!(
            help.contains("TCP port to listen on (default: 1066)"),
            "{help}"
        );
        assert!(!help.contains("the program's own"), "{help}");
        let cli: Cli = {
            let matches = with_default_port(Cli::command(), 1066)
                .try_get_matches_from(["prog", "-p", "7"])
                .unwrap();
            clap::FromArgMatches::from_arg_matches(&matches).unwrap()
        };
        assert_eq!(cli.network.port, Some(7));
    }

    #[test]
    fn verbosity_steps() {
        let level = |args: &[&str]| parse(args).verbosity.level_filter();
        assert_eq!(level(&[]), LevelFilter::WARN);
        assert_eq!(level(&["-v"]), LevelFilter::INFO);
        assert_eq!(level(&["-vv"]), LevelFilter::DEBUG);
        assert_eq!(level(&["-vvv"]), LevelFilter::TRACE);
        assert_eq!(level(&["-vvvvv"]), LevelFilter::TRACE);
        assert_eq!(level(&["-q"]), LevelFilter::ERROR);
        assert_eq!(level(&["-qq"]), LevelFilter::OFF);
        assert_eq!(level(&["-v", "-q"]), LevelFilter::WARN);
        assert_eq!(
            level(&["--verbose", "--quiet", "--quiet"]),
            LevelFilter::ERROR
        );
    }
}
