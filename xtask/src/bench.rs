//! `cargo xtask bench [NAME..]`: each benchmark is a `harness = false` bench target that prints
//! one `name value` line per figure, with its reference measured in the same run.

use std::process::Command;

use crate::{cargo, corpus_file, python, run, workspace_root};

struct Bench {
    name: &'static str,
    package: &'static str,
    target: &'static str,
}

const BENCHES: &[Bench] = &[
    Bench {
        name: "pyon",
        package: "pyon-codec",
        target: "pyon",
    },
    Bench {
        name: "logs",
        package: "log-forward",
        target: "logs",
    },
    Bench {
        name: "queued",
        package: "queued-listener",
        target: "queued",
    },
    Bench {
        name: "sync",
        package: "sync-struct",
        target: "sync",
    },
    Bench {
        name: "rpc",
        package: "rpc-core",
        target: "rpc",
    },
    Bench {
        name: "rexec",
        package: "rexec",
        target: "rexec",
    },
    Bench {
        name: "idict",
        package: "idict",
        target: "idict",
    },
    Bench {
        name: "supervisor",
        package: "supervisor",
        target: "supervisor",
    },
];

/// A benchmark that is a Python script (printing `name value` lines too), run with the venv's
/// python against a release build of the `sipyco_rs` module.
struct PyBench {
    name: &'static str,
    script: &'static str,
}

const PY_BENCHES: &[PyBench] = &[PyBench {
    name: "pyon-python",
    script: "crates/pyon-python/bench/bench_pyon.py",
}];

/// The benchmark names, for the usage text.
pub(crate) fn names() -> Vec<&'static str> {
    BENCHES
        .iter()
        .map(|b| b.name)
        .chain(PY_BENCHES.iter().map(|b| b.name))
        .collect()
}

pub(crate) fn run_selected(names: &[String]) -> Result<(), String> {
    if let Some(n) = names.iter().find(|n| {
        !BENCHES.iter().any(|b| b.name == n.as_str())
            && !PY_BENCHES.iter().any(|b| b.name == n.as_str())
    }) {
        return Err(format!("unknown benchmark {n:?}"));
    }
    let wanted = |name: &str| names.is_empty() || names.iter().any(|n| n == name);
    let selected: Vec<&Bench> = BENCHES.iter().filter(|b| wanted(b.name)).collect();
    for b in selected {
        let mut cmd = cargo();
        cmd.args(["bench", "--quiet", "-p", b.package, "--bench", b.target])
            .env("SIPYCO_CORPUS_DIR", corpus_file("").as_os_str());
        if b.package == "rexec" {
            // The embedded Python's code imports numpy: run it in the project's venv.
            crate::python::ensure_venv()?.apply(&mut cmd);
        }
        run(&format!("bench {}", b.name), &mut cmd)?;
    }
    for b in PY_BENCHES.iter().filter(|b| wanted(b.name)) {
        run_python(b)?;
    }
    Ok(())
}

fn run_python(b: &PyBench) -> Result<(), String> {
    let venv = python::ensure_venv()?;
    python::install_pyon_python(&venv, true)?;
    run(
        &format!("bench {}", b.name),
        venv.apply(&mut Command::new(venv.python()))
            .arg(workspace_root().join(b.script))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            // numpy's OpenBLAS starts a thread per core that spins waiting for work: on a
            // 2-core machine it took a seventh of the samples while the codecs ran. No
            // benchmark here does linear algebra.
            .env("OPENBLAS_NUM_THREADS", "1")
            .env("SIPYCO_CORPUS_DIR", corpus_file("").as_os_str()),
    )
}
