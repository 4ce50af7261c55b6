//! The program of the `monte_carlo` example (also built as the `idict_monte_carlo` binary for
//! the tests).

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use asyncio_server::{NetworkArgs, VerbosityArgs};
use clap::Parser;
use idict::IDict;

/// Estimate π by sampling points of the unit square, as a computation that clients can watch,
/// pause and stop (sipyco_inspect HOST PORT).
#[derive(Debug, Parser)]
#[command(name = "monte_carlo")]
pub struct Args {
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
    /// Stop after this many samples (default: run until terminated)
    #[arg(long)]
    samples: Option<u64>,
}

/// Time between two updates: 20 per second, above the 10 promised.
const UPDATE_EVERY: Duration = Duration::from_millis(50);
/// Samples drawn between two looks at the clock.
const CHUNK: u64 = 1000;
/// Length of the history of estimates.
const HISTORY: usize = 100;
/// How long watchers get to receive the final update.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// xorshift64*: a tiny deterministic generator, good enough for a demo.
struct Rng(u64);

impl Rng {
    fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    args.verbosity.init_logging();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("monte_carlo: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> idict::Result<()> {
    let idict = IDict::new();
    {
        let mut d = idict.lock();
        d.set("samples", 0);
        d.set("inside", 0);
        d.set("pi", 0.0);
        d.set("history", pyon_codec::Value::List(Vec::new()));
    }
    idict.notify_update();
    let server = idict::serve(&idict, &args.network)?;
    if args.network.port == Some(0)
        && let Some(port) = server.port()
    {
        println!("port {port}");
        let _ = std::io::stdout().flush();
    }
    for addr in server.local_addrs() {
        eprintln!("monte_carlo: listening on {addr}");
    }
    let limit = args.samples.unwrap_or(u64::MAX);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut samples, mut inside) = (0u64, 0u64);
    while !idict.terminated() && samples < limit {
        idict.wait();
        let until = Instant::now() + UPDATE_EVERY;
        while samples < limit && Instant::now() < until {
            for _ in 0..CHUNK.min(limit - samples) {
                let (x, y) = (rng.next_f64(), rng.next_f64());
                inside += u64::from(x * x + y * y <= 1.0);
                samples += 1;
            }
        }
        let pi = 4.0 * inside as f64 / samples.max(1) as f64;
        {
            let mut d = idict.lock();
            d.set("samples", samples);
            d.set("inside", inside);
            d.set("pi", pi);
            d.append_bounded("history", pi, HISTORY)?;
        }
        idict.notify_update();
    }
    idict.notify_update_final();
    let status = idict.status();
    eprintln!(
        "monte_carlo: done after {samples} samples and {} updates{}",
        status.updates,
        if status.terminated {
            " (terminated)"
        } else {
            ""
        }
    );
    server.wait_then_close(CLOSE_TIMEOUT);
    Ok(())
}
