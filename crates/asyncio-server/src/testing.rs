//! Test support (feature `test-util`) for tests anywhere in the workspace: TLS certificates
//! and honest skips.
//!
//! [`make_certificate`] makes a fresh one in-process (rcgen), so TLS tests need no `openssl`
//! binary and never skip; [`artiq_manual_certificate`] gives the ones checked in under
//! `tests/fixtures/artiq-manual/`, made with the openssl recipe of the ARTIQ manual.
//! [`skip`] reports a test that cannot run on this machine as skipped, never as passed.

// Test support, never linked into a program: a failure to make a certificate must fail the test
// that asked for it, loudly.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};

/// A certificate and its private key, as PEM files.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// The certificate (`NAME.pem`).
    pub cert: PathBuf,
    /// The private key (`NAME.key`).
    pub key: PathBuf,
}

/// Makes `NAME.pem` and `NAME.key` in `dir`: a self-signed ECDSA P-256 certificate with an
/// empty subject, marked as a CA, i.e. the shape of the ARTIQ manual's
/// `openssl req -x509 -newkey KIND -keyout NAME.key -nodes -out NAME.pem -sha256 -subj "/"`
/// with a key that is fast to generate.
///
/// Panics when the certificate cannot be made or written: a broken test machine must fail.
pub fn make_certificate(dir: &Path, name: &str) -> CertFiles {
    let key = rcgen::KeyPair::generate().expect("generate a P-256 key");
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("empty names");
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).expect("self-sign");
    let files = CertFiles {
        cert: dir.join(format!("{name}.pem")),
        key: dir.join(format!("{name}.key")),
    };
    std::fs::write(&files.cert, cert.pem()).expect("write the certificate");
    std::fs::write(&files.key, key.serialize_pem()).expect("write the key");
    files
}

/// The names of the checked-in certificates of [`artiq_manual_certificate`].
pub const ARTIQ_MANUAL_NAMES: [&str; 3] = ["server", "client", "stranger"];

/// One of the certificates made with the ARTIQ manual's recipe (RSA 2048, `-subj "/"`), checked
/// in as `tests/fixtures/artiq-manual/NAME.{pem,key}` of this crate: `name` is one of
/// [`ARTIQ_MANUAL_NAMES`]. Panics on any other name.
pub fn artiq_manual_certificate(name: &str) -> CertFiles {
    assert!(
        ARTIQ_MANUAL_NAMES.contains(&name),
        "no checked-in certificate {name:?}"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/artiq-manual");
    CertFiles {
        cert: dir.join(format!("{name}.pem")),
        key: dir.join(format!("{name}.key")),
    }
}

/// Reports `test` as skipped to `cargo xtask test` (see `xtask/src/test.rs`), not passed: a
/// `SKIPPED test: reason` line on stderr, and `test<TAB>reason` appended to the file named by
/// `$SIPYCO_SKIP_LOG` when it is set. The caller returns right after.
///
/// Panics when the skip cannot be recorded: a skip that went unrecorded would count as a pass.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    eprintln!("SKIPPED {test}: {reason}");
    if let Some(log) = std::env::var_os("SIPYCO_SKIP_LOG") {
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
            .expect("open $SIPYCO_SKIP_LOG");
        writeln!(f, "{test}\t{reason}").expect("write $SIPYCO_SKIP_LOG");
    }
}
