//! Sets an rpath to the directory of the Python library that pyo3 links against (pyenv and
//! other non-system Pythons keep it off the loader path), so that the programs, examples,
//! tests and benchmarks of this crate run without `LD_LIBRARY_PATH`. pyo3 picks the
//! interpreter from `PYO3_PYTHON`, else `python3` on `PATH`.

fn main() {
    let config = pyo3_build_config::get();
    let unix = cfg!(any(
        target_os = "linux",
        target_os = "macos",
        target_os = "freebsd"
    ));
    if let Some(dir) = config.lib_dir()
        && unix
    {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    println!("cargo:rerun-if-env-changed=PYO3_PYTHON");
}
