//! The Python virtualenv the tests use: `target/pyenv`, made from the machine's Python 3
//! (`python3`, or `SIPYCO_BASE_PYTHON`) with the packages of `xtask/python-requirements.txt`.
//!
//! It is remade only when the requirements file changes (a copy of it is kept in the venv).
//! Tests find it through the environment that [`Venv::apply`] sets: `SIPYCO_PYTHON` (its
//! interpreter), `VIRTUAL_ENV`, `PATH` and `PYO3_PYTHON` (so pyo3 builds against the same
//! Python that runs the tests).

use std::path::PathBuf;
use std::process::Command;

use crate::{run, target_dir, workspace_root};

/// A ready virtualenv.
pub(crate) struct Venv {
    root: PathBuf,
}

impl Venv {
    /// The venv's interpreter.
    pub(crate) fn python(&self) -> PathBuf {
        self.root.join("bin/python")
    }

    /// Points a command at the venv: its interpreter, `VIRTUAL_ENV`, `PATH` and `PYO3_PYTHON`.
    pub(crate) fn apply<'c>(&self, cmd: &'c mut Command) -> &'c mut Command {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut dirs = vec![self.root.join("bin")];
        dirs.extend(std::env::split_paths(&path));
        let path = std::env::join_paths(dirs).unwrap_or(path);
        cmd.env("SIPYCO_PYTHON", self.python())
            .env("PYO3_PYTHON", self.python())
            .env("VIRTUAL_ENV", &self.root)
            .env("PATH", path)
    }
}

/// Makes (or reuses) `target/pyenv` with every required package.
pub(crate) fn ensure_venv() -> Result<Venv, String> {
    let root = target_dir().join("pyenv");
    let wanted = std::fs::read_to_string(requirements())
        .map_err(|e| format!("python-requirements.txt: {e}"))?;
    let stamp = root.join("sipyco-requirements.txt");
    let venv = Venv { root: root.clone() };
    if venv.python().exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&wanted) {
        return Ok(venv);
    }
    let base = std::env::var("SIPYCO_BASE_PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        "python: making the virtualenv target/pyenv",
        Command::new(&base)
            .args(["-m", "venv", "--clear"])
            .arg(&root),
    )?;
    run(
        "python: installing xtask/python-requirements.txt",
        Command::new(venv.python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(requirements()),
    )?;
    std::fs::write(&stamp, wanted).map_err(|e| format!("{}: {e}", stamp.display()))?;
    Ok(venv)
}

fn requirements() -> PathBuf {
    workspace_root().join("xtask/python-requirements.txt")
}

/// Builds the Python module `sipyco_rs` (crate pyon-python) with the venv's maturin and installs
/// the wheel into the venv, replacing any earlier build. `release` for benchmarks; the tests use
/// a debug build. The wheel goes to `target/wheels/pyon-python` (emptied first).
pub(crate) fn install_pyon_python(venv: &Venv, release: bool) -> Result<(), String> {
    let out = target_dir().join("wheels/pyon-python");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let mut build = Command::new(venv.python());
    build.args(["-m", "maturin", "build", "--quiet", "-m"]);
    build.arg(workspace_root().join("crates/pyon-python/Cargo.toml"));
    build.arg("-i").arg(venv.python()).arg("-o").arg(&out);
    if release {
        build.arg("--release");
    }
    let mode = if release { "release" } else { "debug" };
    run(
        &format!("python: building the sipyco_rs wheel ({mode}, maturin)"),
        venv.apply(&mut build),
    )?;
    let wheel = std::fs::read_dir(&out)
        .map_err(|e| format!("{}: {e}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| format!("maturin left no wheel in {}", out.display()))?;
    run(
        "python: installing the sipyco_rs wheel into target/pyenv",
        Command::new(venv.python())
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--force-reinstall",
                "--no-deps",
            ])
            .arg(&wheel),
    )
}
