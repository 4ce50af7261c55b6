//! The experiment's side of the camera demo: send a fitting function to the camera
//! controller (`rexec_controller`), call it, and get back a few numbers instead of 2.4 MB
//! frames.
//!
//! ```text
//! cargo run -p rexec --example camera_fit -- HOST PORT [--terminate]
//! ```
//!
//! With `--terminate` it stops the controller at the end (the demo does this).

use std::process::ExitCode;

use pyon_codec::{Dict, tuple};
use rexec::BlockingRexecClient;
use rpc_client::Client;

/// Runs next to the camera: centroid and width of the bright spot, by moments above half
/// maximum, with numpy.
const FIT: &str = "\
import numpy as np

def fit(frames=1):
    results = []
    for _ in range(frames):
        frame = controller_driver.get_frame()
        background = np.median(frame)
        signal = np.clip(frame - background, 0, None)
        spot = signal > signal.max() / 2
        weights = signal * spot
        total = weights.sum()
        ys, xs = np.indices(frame.shape)
        x = (weights * xs).sum() / total
        y = (weights * ys).sum() / total
        width = np.sqrt((weights * ((xs - x) ** 2 + (ys - y) ** 2)).sum() / total)
        results.append({'x': float(x), 'y': float(y), 'width': float(width),
                        'peak': float(signal.max()), 'frame_bytes': frame.nbytes})
    return results
";

fn run(host: &str, port: u16, terminate: bool) -> Result<(), Box<dyn std::error::Error>> {
    let rexec = BlockingRexecClient::connect(host, port, "camera_rexec")?;
    println!(
        "sending the fit function to camera_rexec ({} bytes of Python)",
        FIT.len()
    );
    rexec.add_code(FIT)?;
    let camera = Client::connect(host, port, "camera")?;
    for exposure in [1.0, 0.5] {
        camera.call("set_exposure", tuple![exposure], Dict::new())?;
        let fits: Vec<std::collections::BTreeMap<String, f64>> = rexec.call_as("fit", tuple![2])?;
        for f in fits {
            let get = |k: &str| f.get(k).copied().unwrap_or(f64::NAN);
            println!(
                "exposure {exposure:.1} s: spot at x={:.1} y={:.1}, width {:.1} px, peak {:.0} \
                 counts ({} MB frame stayed in the controller)",
                get("x"),
                get("y"),
                get("width"),
                get("peak"),
                get("frame_bytes") / 1e6
            );
        }
    }
    if terminate {
        camera.call_unchecked("terminate", (), Dict::new())?;
        println!("camera controller asked to terminate");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(host), Some(Ok(port))) = (args.first(), args.get(1).map(|p| p.parse::<u16>())) else {
        eprintln!("usage: camera_fit HOST PORT [--terminate]");
        return ExitCode::from(2);
    };
    let terminate = args.iter().any(|a| a == "--terminate");
    match run(host, port, terminate) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("camera_fit: {e}");
            ExitCode::FAILURE
        }
    }
}
