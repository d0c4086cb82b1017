//! TLS to the broker, for `amqps://` URLs: the server's certificate is verified against the
//! CA named by `cacertfile` (a PEM file), or against the Mozilla roots of `webpki-roots` when
//! none is named, and its name against the URL's host (or `server_name_indication`); with
//! `certfile` and `keyfile` (PEM) the client also presents a certificate. The option names
//! are those of RabbitMQ's URI query parameters.
//!
//! The client configuration is built here rather than by `amqprs`'s `TlsAdaptor` helpers,
//! which rely on a process-wide default crypto provider and panic on a bad private key: this
//! names the provider (ring, which sqlx's rustls already builds) and reports every problem
//! as a configuration error at start-up.

use std::path::Path;
use std::sync::Arc;

use amqprs::tls::TlsAdaptor;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::error::AmqpError;

/// The TLS options of an `amqps://` URL.
#[derive(Debug, Default)]
pub(crate) struct TlsOptions {
    /// PEM file of the CA(s) that signed the broker's certificate.
    pub(crate) ca_cert: Option<String>,
    /// PEM file of the client's certificate chain (with `key`).
    pub(crate) client_cert: Option<String>,
    /// PEM file of the client's private key (with `client_cert`).
    pub(crate) client_key: Option<String>,
    /// The name the broker's certificate must carry, if not the URL's host.
    pub(crate) server_name: Option<String>,
}

impl TlsOptions {
    /// Whether any option is set (they need `amqps://`).
    pub(crate) fn any(&self) -> bool {
        self.ca_cert.is_some()
            || self.client_cert.is_some()
            || self.client_key.is_some()
            || self.server_name.is_some()
    }

    /// The adaptor that opens TLS connections to `host` with these options.
    pub(crate) fn adaptor(&self, host: &str) -> Result<TlsAdaptor, AmqpError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("no TLS version available", &e))?
            .with_root_certificates(self.roots()?);
        let config = match (&self.client_cert, &self.client_key) {
            (Some(cert), Some(key)) => {
                let chain = certificates(cert)?;
                let key = PrivateKeyDer::from_pem_file(key)
                    .map_err(|e| tls_error(&format!("cannot read the key {key}"), &e))?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| tls_error("the client certificate and key do not fit", &e))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => {
                return Err(AmqpError::Tls(
                    "certfile and keyfile must be given together".to_owned(),
                ));
            }
        };
        let name = self.server_name.as_deref().unwrap_or(host);
        Ok(TlsAdaptor::new(
            tokio_rustls::TlsConnector::from(Arc::new(config)),
            name.to_owned(),
        ))
    }

    fn roots(&self) -> Result<RootCertStore, AmqpError> {
        let mut roots = RootCertStore::empty();
        match &self.ca_cert {
            Some(path) => {
                for cert in certificates(path)? {
                    roots
                        .add(cert)
                        .map_err(|e| tls_error(&format!("a bad CA certificate in {path}"), &e))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        Ok(roots)
    }
}

/// The certificates of the PEM file at `path` (at least one).
fn certificates(path: &str) -> Result<Vec<CertificateDer<'static>>, AmqpError> {
    let certs = CertificateDer::pem_file_iter(Path::new(path))
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|e| tls_error(&format!("cannot read the certificates in {path}"), &e))?;
    if certs.is_empty() {
        return Err(AmqpError::Tls(format!("no certificate in {path}")));
    }
    Ok(certs)
}

fn tls_error(what: &str, error: &dyn std::fmt::Display) -> AmqpError {
    AmqpError::Tls(format!("{what}: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_ca_file_or_half_a_client_identity_is_an_error() {
        let missing = TlsOptions {
            ca_cert: Some("/nonexistent/ca.pem".to_owned()),
            ..TlsOptions::default()
        };
        let error = missing.adaptor("rabbit").err().unwrap().to_string();
        assert!(error.contains("/nonexistent/ca.pem"), "{error}");
        let half = TlsOptions {
            client_cert: Some("/nonexistent/cert.pem".to_owned()),
            ..TlsOptions::default()
        };
        let error = half.adaptor("rabbit").err().unwrap().to_string();
        assert!(error.contains("together"), "{error}");
    }

    #[test]
    fn without_a_ca_file_the_public_roots_are_trusted() {
        assert!(TlsOptions::default().adaptor("rabbit.example").is_ok());
    }
}
