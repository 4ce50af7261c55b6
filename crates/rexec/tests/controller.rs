//! The `rexec_controller` program (the simulated camera) as a separate process: its contract,
//! stopping while code runs, and `connect_global_rpc` against a stand-in `sipyco` module.

mod common;

use std::time::{Duration, Instant};

use common::{Controller, numpy_or_skip};
use pyon_codec::{Dict, Value, tuple};
use rexec::BlockingRexecClient;
use rpc_client::Client;

fn rexec(port: u16) -> BlockingRexecClient {
    BlockingRexecClient::connect("127.0.0.1", port, "camera_rexec").unwrap()
}

/// Waits for the process to exit; its status and how long that took from `since`.
fn exit_within(c: &mut Controller, since: Instant, limit: Duration) -> std::process::ExitStatus {
    loop {
        if let Some(status) = c.child.try_wait().unwrap() {
            let took = since.elapsed();
            assert!(took < limit, "exited only after {took:?}");
            return status;
        }
        assert!(since.elapsed() < limit, "still running after {limit:?}");
        std::thread::park_timeout(Duration::from_millis(5));
    }
}

#[test]
fn the_camera_controller_fits_frames_next_to_the_camera() {
    if !numpy_or_skip("the_camera_controller_fits_frames_next_to_the_camera") {
        return;
    }
    let venv = std::env::var_os("VIRTUAL_ENV").unwrap_or_default();
    let c = Controller::start(&[("VIRTUAL_ENV", &venv)]);
    let camera = Client::connect("127.0.0.1", c.port, "camera").unwrap();
    assert_eq!(
        camera.call("ping", (), Dict::new()).unwrap(),
        Value::Bool(true)
    );
    camera
        .call("set_exposure", tuple![0.5], Dict::new())
        .unwrap();
    assert_eq!(camera.call_as::<f64>("get_exposure", ()).unwrap(), 0.5);
    match camera.call("set_exposure", tuple![0.0], Dict::new()) {
        Err(rpc_client::Error::Remote(e)) => assert_eq!(e.class, "ValueError"),
        other => panic!("ValueError expected, got {other:?}"),
    }
    let r = rexec(c.port);
    r.add_code(
        "import numpy as np\n\
         def describe():\n    f = controller_driver.get_frame()\n    return list(f.shape), f.dtype.str\n\
         def changes():\n    return bool((controller_driver.get_frame() != controller_driver.get_frame()).any())\n\
         def fit():\n    f = controller_driver.get_frame()\n    ys, xs = np.indices(f.shape)\n    \
         spot = f > f.max() / 2\n    return float(xs[spot].mean()), float(ys[spot].mean())\n",
    )
    .unwrap();
    let (shape, dtype): (Vec<usize>, String) = r.call_as("describe", ()).unwrap();
    assert_eq!((shape, dtype.as_str()), (vec![480, 640], "<f8"));
    assert!(r.call_as::<bool>("changes", ()).unwrap());
    let (x, y): (f64, f64) = r.call_as("fit", ()).unwrap();
    assert!(
        (300.0..340.0).contains(&x) && (225.0..255.0).contains(&y),
        "{x} {y}"
    );
    // The raw frame crosses as an nparray too.
    let frame = camera.call("get_frame", (), Dict::new()).unwrap();
    let Value::Array(a) = frame else {
        panic!("array expected")
    };
    assert_eq!(a.shape(), [480, 640]);
}

#[test]
fn terminate_during_a_long_call_exits_promptly() {
    let mut c = Controller::start(&[]);
    let port = c.port;
    let r = rexec(port);
    r.add_code(
        "import threading, time\nstarted = threading.Event()\n\
         def nap():\n    started.set()\n    time.sleep(60)\n\
         controller_initial_namespace['nap'] = nap\n\
         def is_started():\n    return started.wait(20)\n",
    )
    .unwrap();
    let napper = std::thread::spawn(move || rexec(port).call("nap", (), Dict::new()).map(drop));
    assert!(r.call_as::<bool>("is_started", ()).unwrap());
    let term = Client::connect("127.0.0.1", port, "camera").unwrap();
    let sent = Instant::now();
    term.call_unchecked("terminate", (), Dict::new()).unwrap();
    // The acceptance bound: out within 2 s although the nap has 60 s to go.
    let status = exit_within(&mut c, sent, Duration::from_secs(2));
    assert!(status.success(), "{status}");
    assert!(
        napper.join().unwrap().is_err(),
        "the nap cannot have finished"
    );
}

#[test]
fn sigterm_during_a_long_call_exits_promptly() {
    let mut c = Controller::start(&[]);
    let port = c.port;
    let r = rexec(port);
    r.add_code("import threading\nstarted = threading.Event()\ncontroller_initial_namespace['started'] = started\n\
                def spin():\n    started.set()\n    while True:\n        pass\n")
        .unwrap();
    r.add_code("controller_initial_namespace['spin'] = spin")
        .unwrap();
    let spinner = std::thread::spawn(move || rexec(port).call("spin", (), Dict::new()).map(drop));
    r.add_code("def is_started():\n    return started.wait(20)\n")
        .unwrap();
    assert!(r.call_as::<bool>("is_started", ()).unwrap());
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &c.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = exit_within(&mut c, sent, Duration::from_secs(2));
    assert!(status.success(), "{status}");
    assert!(spinner.join().unwrap().is_err());
}

#[test]
fn system_exit_in_code_is_a_remote_exception() {
    let c = Controller::start(&[]);
    let r = rexec(c.port);
    for code in [
        "raise SystemExit(0)",
        "import sys\nsys.exit(2)",
        "raise KeyboardInterrupt",
    ] {
        match r.add_code(code) {
            Err(rexec::Error::Client(rpc_client::Error::Remote(e))) => {
                assert!(
                    ["SystemExit", "KeyboardInterrupt"].contains(&e.class.as_str()),
                    "{e}"
                )
            }
            other => panic!("remote exception expected, got {other:?}"),
        }
    }
    // Still serving, on the same connection and new ones.
    r.add_code("def ok():\n    return 'alive'\n").unwrap();
    assert_eq!(r.call_as::<String>("ok", ()).unwrap(), "alive");
    let camera = Client::connect("127.0.0.1", c.port, "camera").unwrap();
    assert_eq!(
        camera.call("ping", (), Dict::new()).unwrap(),
        Value::Bool(true)
    );
}

/// A stand-in for `sipyco.pc_rpc` that records how its `Client` was made.
const STAND_IN: &str = "\
made = []

class Client:
    def __init__(self, host, port, target):
        self.args = (host, port, target)
        made.append(self.args)

    def close_rpc(self):
        pass
";

#[test]
fn connect_global_rpc_with_and_without_sipyco() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("sipyco");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(pkg.join("__init__.py"), "").unwrap();
    std::fs::write(pkg.join("pc_rpc.py"), STAND_IN).unwrap();
    let c = Controller::start(&[("PYTHONPATH", dir.path().as_os_str())]);
    let r = rexec(c.port);
    r.connect_global_rpc(None, rexec::GLOBAL_RPC_PORT, "dataset_db", "dataset_db")
        .unwrap();
    // A second time does nothing: the client exists.
    r.connect_global_rpc(Some("::1"), 1, "other", "dataset_db")
        .unwrap();
    // A later connection sees it as a global.
    let later = rexec(c.port);
    later
        .add_code("import sipyco.pc_rpc\ndef probe():\n    return dataset_db.args, len(sipyco.pc_rpc.made)\n")
        .unwrap();
    let ((host, port, target), made): ((String, u16, String), usize) =
        later.call_as("probe", ()).unwrap();
    assert_eq!(
        (host.as_str(), port, target.as_str(), made),
        ("127.0.0.1", 3251, "dataset_db", 1)
    );
    drop(c);

    // Without sipyco in the environment: a clear ModuleNotFoundError.
    let c = Controller::start(&[]);
    let r = rexec(c.port);
    match r.connect_global_rpc(None, rexec::GLOBAL_RPC_PORT, "dataset_db", "dataset_db") {
        Err(rexec::Error::Client(rpc_client::Error::Remote(e))) => {
            assert_eq!(
                (e.class.as_str(), e.message.as_str()),
                ("ModuleNotFoundError", "No module named 'sipyco'")
            );
        }
        other => panic!("ModuleNotFoundError expected, got {other:?}"),
    }
}

#[test]
fn without_numpy_an_array_is_a_type_error() {
    // A `numpy` that cannot be imported, ahead of any real one.
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("numpy");
    std::fs::create_dir(&pkg).unwrap();
    std::fs::write(
        pkg.join("__init__.py"),
        "raise ImportError('numpy hidden by the test')\n",
    )
    .unwrap();
    let venv = std::env::var_os("VIRTUAL_ENV").unwrap_or_default();
    let c = Controller::start(&[
        ("PYTHONPATH", dir.path().as_os_str()),
        ("VIRTUAL_ENV", &venv),
    ]);
    let r = rexec(c.port);
    r.add_code(
        "def frame():\n    return controller_driver.get_frame()\ndef ident(x):\n    return x\n",
    )
    .unwrap();
    for (function, args) in [
        ("frame", vec![]),
        (
            "ident",
            vec![Value::Array(Box::new(
                pyon_codec::NdArray::new(
                    vec![1],
                    pyon_codec::DType::parse("<f8").unwrap(),
                    vec![0; 8],
                )
                .unwrap(),
            ))],
        ),
    ] {
        match r.call(function, args, Dict::new()) {
            Err(rexec::Error::Client(rpc_client::Error::Remote(e))) => {
                assert_eq!(e.class, "TypeError", "{e}");
                assert!(e.message.contains("numpy"), "{e}");
            }
            other => panic!("TypeError expected, got {other:?}"),
        }
    }
    // The process is fine.
    let camera = Client::connect("127.0.0.1", c.port, "camera").unwrap();
    assert_eq!(
        camera.call("ping", (), Dict::new()).unwrap(),
        Value::Bool(true)
    );
}
