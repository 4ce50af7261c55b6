//! Test support (feature `test-util`): certificates made the way the ARTIQ manual tells users to
//! make them, for TLS tests anywhere in the workspace.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `openssl` binary the tests use.
pub const OPENSSL: &str = "/usr/bin/openssl";

/// A certificate and its private key, as PEM files.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// The certificate (`NAME.pem`).
    pub cert: PathBuf,
    /// The private key (`NAME.key`).
    pub key: PathBuf,
}

/// Makes `NAME.pem` and `NAME.key` in `dir` with the ARTIQ manual's recipe,
/// `openssl req -x509 -newkey KIND -keyout NAME.key -nodes -out NAME.pem -sha256 -subj "/"`
/// (self-signed, empty subject, marked as a CA by OpenSSL's defaults), with `KIND` = `rsa` or
/// e.g. `ec -pkeyopt ec_paramgen_curve:P-256`.
///
/// Returns `None` when `openssl` is not installed, so a test can print that it skips; panics
/// when openssl runs and fails (a broken test machine must not pass silently).
pub fn make_certificate(dir: &Path, name: &str, kind: &[&str]) -> Option<CertFiles> {
    if !Path::new(OPENSSL).exists() {
        println!("{OPENSSL} not found: TLS test skipped");
        return None;
    }
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.pem"));
    let out = Command::new(OPENSSL)
        .args(["req", "-x509", "-newkey"])
        .args(kind)
        .arg("-keyout")
        .arg(&key)
        .arg("-nodes")
        .arg("-out")
        .arg(&cert)
        .args(["-sha256", "-subj", "/"])
        .output()
        .expect("run openssl");
    assert!(
        out.status.success(),
        "openssl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(CertFiles { cert, key })
}

/// An RSA certificate, the manual's default: [`make_certificate`] with `rsa`.
pub fn make_rsa_certificate(dir: &Path, name: &str) -> Option<CertFiles> {
    make_certificate(dir, name, &["rsa"])
}
