//! `cargo xtask bench [NAME..]`: each benchmark is a `harness = false` bench target that prints
//! one `name value` line per figure, with its reference measured in the same run.

use crate::{cargo, corpus_file, run};

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

/// The benchmark names, for the usage text.
pub(crate) fn names() -> Vec<&'static str> {
    BENCHES.iter().map(|b| b.name).collect()
}

pub(crate) fn run_selected(names: &[String]) -> Result<(), String> {
    let selected: Vec<&Bench> = if names.is_empty() {
        BENCHES.iter().collect()
    } else {
        names
            .iter()
            .map(|n| {
                BENCHES
                    .iter()
                    .find(|b| b.name == n)
                    .ok_or_else(|| format!("unknown benchmark {n:?}"))
            })
            .collect::<Result<_, _>>()?
    };
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
    Ok(())
}
