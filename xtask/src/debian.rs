//! Debian packages the tests need (`TEST_PACKAGES`), installed with `apt-get` when missing.
//!
//! Installing needs root, as on the project's machines and CI. Where it cannot be done, the
//! reason is returned and the tests that need the package report themselves skipped.

use std::process::{Command, Stdio};

/// Packages the tests use: `iproute2` (`ip netns`) for queued-listener's multicast test,
/// `chromium` (headless) for the live page test of idict's `sipyco_inspect web`.
pub(crate) const TEST_PACKAGES: &[&str] = &["iproute2", "chromium"];

/// Whether `package` is installed.
fn installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.ends_with(b"install ok installed"))
}

/// Installs the missing ones of `packages`; `Err` says why that was impossible.
pub(crate) fn ensure(packages: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = packages.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    if Command::new("apt-get")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        return Err(format!("{} missing and no apt-get", missing.join(" ")));
    }
    let quiet = |args: &[&str]| {
        eprintln!("xtask: apt-get {}", args.join(" "));
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("apt-get: {e}"))
            .and_then(|s| {
                if s.success() {
                    Ok(())
                } else {
                    Err(format!("apt-get {} failed ({s})", args.join(" ")))
                }
            })
    };
    quiet(&["update", "-qq"])?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend(&missing);
    quiet(&install)
}
