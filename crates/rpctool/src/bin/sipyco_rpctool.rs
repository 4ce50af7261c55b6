//! `sipyco_rpctool`: list the targets and methods of a SiPyCo RPC server, call a method, or
//! call methods interactively. Output is that of the Python tool of the same name.
//!
//! Exit status: 0 on success, 1 when the server cannot be reached or refuses, or the remote
//! method raised an exception, 2 for a command line or an argument that cannot be used.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pyon_codec::{Dict, Value};
use rpc_client::{Client, ClientOptions, Target, TlsClientConfig};
use rpctool::expr::{self, Env};
use rpctool::{Error, output};
use rustyline::error::ReadlineError;

/// SiPyCo RPC tool.
#[derive(Debug, Parser)]
#[command(name = "sipyco_rpctool", version)]
struct Args {
    /// Host name or IP address of the controller to connect to.
    #[arg(value_name = "SERVER")]
    server: String,
    /// TCP port to use to connect to the controller.
    #[arg(value_name = "PORT")]
    port: u16,
    /// Connect with mutual TLS: our certificate, our private key, the server certificate(s).
    #[arg(long, num_args = 3, value_names = ["CERT", "KEY", "PEER"])]
    ssl: Option<Vec<PathBuf>>,
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Debug, Subcommand)]
enum Action {
    /// List existing targets.
    ListTargets,
    /// List the target's methods.
    ListMethods {
        /// Target name.
        #[arg(short, long)]
        target: Option<String>,
    },
    /// Call a target's method.
    Call {
        /// Target name.
        #[arg(short, long)]
        target: Option<String>,
        /// Method name.
        #[arg(value_name = "METHOD")]
        method: String,
        /// Arguments: Python expressions (`5`, `'text'`, `[1, 2]`, `np.array([1.0])`).
        #[arg(
            value_name = "ARGS",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        args: Vec<String>,
    },
    /// Enter interactive mode (the default).
    Interactive {
        /// Target name.
        #[arg(short, long)]
        target: Option<String>,
    },
}

/// Why the tool stops, and with which exit status.
enum Failure {
    /// A message for stderr, and the status.
    Message(String, u8),
    /// A remote exception of `call`: traceback and exception line on stderr, status 1.
    Remote(rpc_client::RemoteError),
    /// stdout was closed by the reader (`| head`): not an error.
    BrokenPipe,
}

impl From<rpc_client::Error> for Failure {
    fn from(e: rpc_client::Error) -> Failure {
        match e {
            rpc_client::Error::Remote(r) => Failure::Remote(r),
            other => Failure::Message(other.to_string(), 1),
        }
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Message(format!("cannot write output: {e}"), 1)
        }
    }
}

fn print(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn connect(args: &Args) -> Result<Client, Failure> {
    let mut options = ClientOptions::new();
    if let Some(files) = &args.ssl {
        // clap takes exactly three values for --ssl.
        let [cert, key, peer] = files.as_slice() else {
            return Err(Failure::Message(
                "--ssl: expected CERT KEY PEER".to_owned(),
                2,
            ));
        };
        let tls = TlsClientConfig::from_files(cert, key, peer)
            .map_err(|e| Failure::Message(format!("--ssl: {e}"), 2))?;
        options = options.tls(tls);
    }
    Ok(Client::connect_with(
        &args.server,
        args.port,
        Target::Unselected,
        &options,
    )?)
}

/// Selects the named target, or the only one (Python's `AutoTarget`).
fn select(client: &Client, target: Option<&str>) -> Result<(), Failure> {
    let name = match target {
        Some(t) => t.to_owned(),
        None => {
            let (targets, _) = client.get_rpc_id();
            Target::Auto
                .resolve(&rpc_client::Identification {
                    targets,
                    description: None,
                    features: Vec::new(),
                })?
                .unwrap_or_default()
        }
    };
    Ok(client.select_rpc_target(&name)?)
}

fn show(v: &Value) -> Result<(), Failure> {
    if v.is_none() {
        return Ok(());
    }
    print(&format!("{}\n", pyon_codec::pformat(v)))
}

/// The target's methods, for expressions typed in interactive mode.
struct Remote<'a>(&'a Client);

impl Env for Remote<'_> {
    fn has_method(&self, name: &str) -> bool {
        self.0.method_names().is_some_and(|m| m.contains(name))
    }

    fn call(&mut self, name: &str, args: Vec<Value>, kwargs: Dict) -> Result<Value, Error> {
        Ok(self.0.call(name, args, kwargs)?)
    }
}

/// Where interactive lines come from: a line editor with history on a terminal, plain lines
/// otherwise (the prompt is still printed, as Python's `input()` does).
enum Lines {
    Editor(Box<rustyline::DefaultEditor>),
    Plain(std::io::StdinLock<'static>),
}

impl Lines {
    fn open() -> Result<Lines, Failure> {
        if std::io::stdin().is_terminal() {
            let editor = rustyline::DefaultEditor::new()
                .map_err(|e| Failure::Message(format!("cannot start the line editor: {e}"), 1))?;
            Ok(Lines::Editor(Box::new(editor)))
        } else {
            Ok(Lines::Plain(std::io::stdin().lock()))
        }
    }

    /// The next line; `None` at the end of input (Ctrl-D).
    fn read(&mut self, prompt: &str) -> Result<Option<String>, Failure> {
        match self {
            Lines::Editor(editor) => loop {
                match editor.readline(prompt) {
                    Ok(line) => {
                        if !line.trim().is_empty() {
                            let _ = editor.add_history_entry(line.as_str());
                        }
                        return Ok(Some(line));
                    }
                    Err(ReadlineError::Eof) => return Ok(None),
                    // Ctrl-C abandons the line being typed.
                    Err(ReadlineError::Interrupted) => continue,
                    Err(e) => return Err(Failure::Message(format!("cannot read input: {e}"), 1)),
                }
            },
            Lines::Plain(stdin) => {
                print(prompt)?;
                let mut line = String::new();
                match stdin.read_line(&mut line) {
                    Ok(0) => Ok(None),
                    Ok(_) => Ok(Some(line.trim_end_matches(['\n', '\r']).to_owned())),
                    Err(e) => Err(Failure::Message(format!("cannot read input: {e}"), 1)),
                }
            }
        }
    }
}

fn interactive(client: &Client) -> Result<(), Failure> {
    let prompt = format!("({}) ", client.get_selected_target().unwrap_or_default());
    let mut lines = Lines::open()?;
    while let Some(line) = lines.read(&prompt)? {
        if line.trim().is_empty() {
            continue;
        }
        match expr::evaluate_in(&line, &mut Remote(client)) {
            Ok(v) => show(&v)?,
            Err(Error::Rpc(rpc_client::Error::Remote(e))) => print(&output::remote_exception(&e))?,
            // The session is gone: every later line would fail the same way.
            Err(Error::Rpc(e)) if e.is_network() => return Err(e.into()),
            Err(e) => eprintln!("{e}"),
        }
    }
    Ok(())
}

fn run(args: &Args) -> Result<(), Failure> {
    // Arguments are checked before connecting: a typo costs no connection.
    let call_args = match &args.action {
        Some(Action::Call { args: exprs, .. }) => exprs
            .iter()
            .enumerate()
            .map(|(i, text)| {
                expr::evaluate(text)
                    .map_err(|e| Failure::Message(format!("argument {} `{text}`: {e}", i + 1), 2))
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => Vec::new(),
    };
    let client = connect(args)?;
    match &args.action {
        Some(Action::ListTargets) => {
            let (targets, description) = client.get_rpc_id();
            print(&output::list_targets(&targets, description.as_deref()))
        }
        Some(Action::ListMethods { target }) => {
            select(&client, target.as_deref())?;
            let list = client.get_rpc_method_list()?;
            print(&output::list_methods(&list))
        }
        Some(Action::Call { target, method, .. }) => {
            select(&client, target.as_deref())?;
            let ret = client.call(method, call_args, Dict::new())?;
            show(&ret)
        }
        Some(Action::Interactive { target }) => {
            select(&client, target.as_deref())?;
            interactive(&client)
        }
        None => {
            select(&client, None)?;
            interactive(&client)
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) | Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Message(m, status)) => {
            eprintln!("sipyco_rpctool: {m}");
            ExitCode::from(status)
        }
        Err(Failure::Remote(e)) => {
            let mut text = String::from("Remote traceback (most recent call last):\n");
            for entry in &e.traceback {
                text.push_str(entry.trim_end());
                text.push('\n');
            }
            text.push_str(&output::exception_line(&e));
            eprintln!("{text}");
            ExitCode::FAILURE
        }
    }
}
