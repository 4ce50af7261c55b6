//! Mutual TLS configured like Python's `sipyco.tools.SimpleSSLConfig`.
//!
//! Each side has its own certificate and private key (PEM files) and one PEM file of peer
//! certificates it trusts. Trust means "the peer presented exactly one of these certificates"
//! (byte-equal DER of the end-entity certificate): there is no chain building, no host-name check
//! and no expiry check, so the self-signed, empty-subject certificates that ARTIQ users make with
//!
//! ```text
//! openssl req -x509 -newkey rsa -keyout NAME.key -nodes -out NAME.pem -sha256 -subj "/"
//! ```
//!
//! work unchanged. The handshake signatures are verified as usual, so the peer must also hold the
//! private key of the certificate it presents. Servers require a client certificate.
//!
//! Configurations are always built on rustls' `ring` provider, never on a process default.

use std::fmt;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::net::TcpStream;

use crate::error::{Error, Result};
use crate::stream::Stream;

/// Server side of mutual TLS: accepts clients presenting one of the trusted certificates.
///
/// Cheap to clone (shares one `rustls::ServerConfig`).
#[derive(Clone)]
pub struct TlsServerConfig {
    acceptor: tokio_rustls::TlsAcceptor,
}

/// Client side of mutual TLS: connects to servers presenting one of the trusted certificates.
///
/// Cheap to clone (shares one `rustls::ClientConfig`).
#[derive(Clone)]
pub struct TlsClientConfig {
    connector: tokio_rustls::TlsConnector,
}

impl fmt::Debug for TlsServerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsServerConfig").finish_non_exhaustive()
    }
}

impl fmt::Debug for TlsClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClientConfig").finish_non_exhaustive()
    }
}

impl TlsServerConfig {
    /// Load our certificate (`cert`), its private key (`key`; PKCS#8, RSA or EC) and the trusted
    /// client certificates (`peer`), all PEM files.
    pub fn from_files(cert: &Path, key: &Path, peer: &Path) -> Result<Self> {
        let provider = ring_provider();
        let verifier = PeerVerifier::from_file(peer, &provider)?;
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| config_error(cert, e))?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(load_certs(cert)?, load_key(key)?)
            .map_err(|e| config_error(key, e))?;
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// Use a `rustls::ServerConfig` built elsewhere.
    pub fn from_rustls(config: Arc<rustls::ServerConfig>) -> Self {
        TlsServerConfig {
            acceptor: tokio_rustls::TlsAcceptor::from(config),
        }
    }

    /// Run the server side of the handshake on an accepted socket.
    ///
    /// A client whose certificate is not trusted fails here with [`Error::Tls`].
    pub async fn accept(&self, tcp: TcpStream) -> Result<Stream> {
        let tls = self.acceptor.accept(tcp).await?;
        Ok(Stream::ServerTls(Box::new(tls)))
    }
}

impl TlsClientConfig {
    /// Load our certificate (`cert`), its private key (`key`; PKCS#8, RSA or EC) and the trusted
    /// server certificates (`peer`), all PEM files.
    pub fn from_files(cert: &Path, key: &Path, peer: &Path) -> Result<Self> {
        let provider = ring_provider();
        let verifier = PeerVerifier::from_file(peer, &provider)?;
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| config_error(cert, e))?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_client_auth_cert(load_certs(cert)?, load_key(key)?)
            .map_err(|e| config_error(key, e))?;
        Ok(Self::from_rustls(Arc::new(config)))
    }

    /// Use a `rustls::ClientConfig` built elsewhere.
    pub fn from_rustls(config: Arc<rustls::ClientConfig>) -> Self {
        TlsClientConfig {
            connector: tokio_rustls::TlsConnector::from(config),
        }
    }

    /// Run the client side of the handshake on a connected socket. `host` is only used for SNI.
    ///
    /// A server whose certificate is not trusted fails here with [`Error::Tls`]. With TLS 1.3, a
    /// server that rejects *our* certificate does so after this returns: the first read then
    /// fails with [`Error::Tls`].
    pub async fn connect(&self, tcp: TcpStream, host: &str) -> Result<Stream> {
        let name = match ServerName::try_from(host.trim_matches(['[', ']']).to_owned()) {
            Ok(name) => name,
            Err(_) => ServerName::IpAddress(tcp.peer_addr()?.ip().into()),
        };
        let tls = self.connector.connect(name, tcp).await?;
        Ok(Stream::ClientTls(Box::new(tls)))
    }
}

fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn config_error(path: &Path, err: impl fmt::Display) -> Error {
    Error::TlsConfig {
        path: path.to_owned(),
        reason: err.to_string(),
    }
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path)
        .map(BufReader::new)
        .map_err(|e| config_error(path, format!("cannot open: {e}")))
}

/// All certificates of a PEM file; at least one.
fn load_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = rustls_pemfile::certs(&mut open(path)?)
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|e| config_error(path, format!("bad PEM: {e}")))?;
    if certs.is_empty() {
        return Err(config_error(
            path,
            "no certificate (BEGIN CERTIFICATE) found",
        ));
    }
    Ok(certs)
}

/// The first private key of a PEM file (PKCS#8, PKCS#1 RSA or SEC1 EC).
fn load_key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    rustls_pemfile::private_key(&mut open(path)?)
        .map_err(|e| config_error(path, format!("bad PEM: {e}")))?
        .ok_or_else(|| config_error(path, "no private key (BEGIN PRIVATE KEY) found"))
}

/// Trusts exactly the certificates of one PEM file; verifies handshake signatures with `ring`.
#[derive(Debug)]
struct PeerVerifier {
    trusted: Vec<CertificateDer<'static>>,
    file: PathBuf,
    algorithms: WebPkiSupportedAlgorithms,
}

/// Why a peer was refused; reaches the user through [`Error::Tls`].
#[derive(Debug)]
struct UntrustedPeer {
    file: PathBuf,
}

impl fmt::Display for UntrustedPeer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "peer certificate is not in the trusted list ({})",
            self.file.display()
        )
    }
}

impl std::error::Error for UntrustedPeer {}

impl PeerVerifier {
    fn from_file(path: &Path, provider: &CryptoProvider) -> Result<Self> {
        Ok(PeerVerifier {
            trusted: load_certs(path)?,
            file: path.to_owned(),
            algorithms: provider.signature_verification_algorithms,
        })
    }

    fn check(&self, end_entity: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        if self
            .trusted
            .iter()
            .any(|c| c.as_ref() == end_entity.as_ref())
        {
            Ok(())
        } else {
            let reason = UntrustedPeer {
                file: self.file.clone(),
            };
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(reason))),
            ))
        }
    }
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.check(end_entity)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl ClientCertVerifier for PeerVerifier {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // An empty list: the client sends its certificate whatever its issuer.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        self.check(end_entity)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
