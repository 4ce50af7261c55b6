//! A simulated camera with remote execution (the scenario of ARTIQ's remote-execution demo):
//! target `camera` with `get_frame()` (a 480x640 float64 numpy array that changes between
//! calls), `set_exposure(t)` (`ValueError` when `t <= 0`), `get_exposure()` and `ping()`, plus
//! `camera_rexec` and the built-in `terminate`.
//!
//! ```text
//! cargo run -p rexec --example rexec_controller -- -p 3253 -v
//! ```
//!
//! From Python, fit the frame next to the camera and get back a few numbers, not a frame:
//!
//! ```python
//! from sipyco.pc_rpc import Client
//!
//! rexec = Client("::1", 3253, "camera_rexec")
//! rexec.add_code('''
//! import numpy as np
//! def fit():
//!     frame = controller_driver.get_frame()
//!     total = frame.sum()
//!     ys, xs = np.indices(frame.shape)
//!     return {"x": float((frame * xs).sum() / total),
//!             "y": float((frame * ys).sum() / total),
//!             "peak": float(frame.max())}
//! ''')
//! print(rexec.call("fit"))   # {'x': 327.9, 'y': 236.4, 'peak': 1012.3}
//! ```
//!
//! Options: `-p PORT` (default 3253), `--bind ADDR` (repeatable), `--no-localhost-bind`,
//! `--ssl CERT KEY PEER`, `-v`/`-q`. With `-p 0` it prints `port PORT` on stdout once
//! listening. It exits with status 0 after `terminate`, SIGINT or SIGTERM, even while remote
//! code still runs.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

use std::process::ExitCode;
use std::sync::Mutex;

use asyncio_server::{NetworkArgs, VerbosityArgs};
use clap::Parser;
use pyon_codec::{DType, NdArray, Value};
use rpc_core::{RpcError, rpc_target};

const HEIGHT: usize = 480;
const WIDTH: usize = 640;

/// The simulated camera's state.
struct Camera {
    state: Mutex<State>,
}

struct State {
    exposure: f64,
    frame: u64,
    noise: u64,
}

impl State {
    /// xorshift64: noise that differs from frame to frame.
    fn noise(&mut self) -> f64 {
        let mut x = self.noise;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.noise = x;
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A simulated camera: a bright spot that wanders over a noisy background.
#[rpc_target]
impl Camera {
    /// Take one frame: a 480x640 float64 array, in counts.
    fn get_frame(&self) -> Result<Value, RpcError> {
        let mut s = self
            .state
            .lock()
            .map_err(|_| RpcError::runtime_error("camera state poisoned"))?;
        s.frame += 1;
        let t = s.frame as f64;
        let (cx, cy) = (320.0 + 8.0 * (t / 3.0).sin(), 240.0 + 6.0 * (t / 5.0).cos());
        let (gain, sigma2) = (1000.0 * s.exposure, 2.0 * 25.0f64 * 25.0);
        let mut data = Vec::with_capacity(HEIGHT * WIDTH * 8);
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                let (dx, dy) = (x as f64 - cx, y as f64 - cy);
                let spot = gain * (-(dx * dx + dy * dy) / sigma2).exp();
                let value = spot + 10.0 * s.noise();
                data.extend_from_slice(&value.to_le_bytes());
            }
        }
        let dtype = DType::parse("<f8").map_err(RpcError::runtime_error)?;
        let array = NdArray::new(vec![HEIGHT, WIDTH], dtype, data)
            .map_err(|e| RpcError::runtime_error(e.to_string()))?;
        Ok(Value::Array(Box::new(array)))
    }

    /// Set the exposure time in seconds (must be positive).
    fn set_exposure(&self, t: f64) -> Result<(), RpcError> {
        if t.is_nan() || t <= 0.0 {
            return Err(RpcError::value_error(format!(
                "exposure must be positive, got {t}"
            )));
        }
        let mut s = self
            .state
            .lock()
            .map_err(|_| RpcError::runtime_error("camera state poisoned"))?;
        s.exposure = t;
        Ok(())
    }

    /// The exposure time in seconds.
    fn get_exposure(&self) -> Result<f64, RpcError> {
        self.state
            .lock()
            .map(|s| s.exposure)
            .map_err(|_| RpcError::runtime_error("camera state poisoned"))
    }

    /// Check that the controller answers.
    fn ping(&self) -> bool {
        true
    }
}

/// Serve a simulated camera with remote execution.
#[derive(Debug, Parser)]
struct Args {
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    verbosity: VerbosityArgs,
}

pub fn main() -> ExitCode {
    let args = Args::parse();
    args.verbosity.init_logging();
    let camera = Camera {
        state: Mutex::new(State {
            exposure: 1.0,
            frame: 0,
            noise: 0x9E37_79B9_7F4A_7C15,
        }),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rexec_controller: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(rexec::simple_rexec_server_loop(
        "camera",
        camera,
        &args.network,
        Some("simulated camera with remote execution"),
    ));
    // Remote code blocked in a C call cannot be stopped: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => {
            eprintln!("rexec_controller: {e}");
            ExitCode::FAILURE
        }
    }
}
