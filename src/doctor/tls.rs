//! The server's certificate as 1C's OpenSSL would meet it. 1C's exchange builds its TLS with
//! `ОбщегоНазначенияКлиентСервер.НовоеЗащищенноеСоединение()` (УТ 11 `СоединениеССервером`
//! 5949, УНФ 3 `УстановитьСоединениеССервером` 11436); in БСП 3.1 (1c-syntax/ssl_3_1 @
//! 2572466ea7fb, lines 2736‑2755) that hands OpenSSL the operating system's certificate
//! authorities (`СертификатыУдостоверяющихЦентровОС`) on platform 8.3.25 and later (8.3.24 from
//! build 1446; УНФ 3.0.8 from 8.3.22), so the chain is checked there; older БСП (УТ 11.5.8) and
//! SmB pass none. So doctor checks the chain against this system's authorities
//! ([`rustls_native_certs`]: the Windows store, /etc/ssl/certs, or the file in SSL_CERT_FILE),
//! without fetching missing intermediates, as OpenSSL does not either.
//!
//! The handshake itself accepts any certificate, so that a certificate problem is reported
//! with its details and the other checks can still run.

use std::io::Write;
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use super::{Finding, Verdict};

/// Fewer days left than this is a warning: certbot renews at 30 days left, so a certificate
/// this close to its end is one whose renewal has been failing for two weeks.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// The certificate authorities this system trusts, as 1C's БСП hands them to OpenSSL.
pub struct Roots {
    pub store: RootCertStore,
    /// The same certificates, for the HTTP client.
    pub certificates: Vec<CertificateDer<'static>>,
    /// What could not be read (a store that gave nothing says why here).
    pub errors: Vec<String>,
}

impl Roots {
    pub fn of_this_system() -> Roots {
        let found = rustls_native_certs::load_native_certs();
        let mut store = RootCertStore::empty();
        let (_, unusable) = store.add_parsable_certificates(found.certs.iter().cloned());
        let mut errors: Vec<String> = found.errors.iter().map(|e| e.to_string()).collect();
        if unusable > 0 {
            errors.push(format!("{unusable} certificate(s) could not be read"));
        }
        Roots {
            store,
            certificates: found.certs,
            errors,
        }
    }
}

/// What the handshake showed and what follows from it.
pub struct Inspection {
    pub findings: Vec<Finding>,
    /// Chain, name and dates all right: the HTTP steps check the certificate as well.
    pub trusted: bool,
}

/// Shakes hands over `stream` and judges the certificate the server sent for `host` at `now`.
/// `Err` is a handshake that failed: nothing more can be asked over TLS.
pub fn inspect(
    mut stream: TcpStream,
    host: &str,
    roots: &Roots,
    provider: &Arc<CryptoProvider>,
    now: SystemTime,
) -> Result<Inspection, String> {
    let name = ServerName::try_from(host.to_string())
        .map_err(|_| format!("{host:?} is not a host name TLS can ask for"))?;
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|err| err.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider.clone())))
        .with_no_client_auth();
    let mut connection = rustls::ClientConnection::new(Arc::new(config), name.clone())
        .map_err(|err| err.to_string())?;
    let deadline = Some(super::CONNECT_TIMEOUT);
    let _ = stream.set_read_timeout(deadline);
    let _ = stream.set_write_timeout(deadline);
    while connection.is_handshaking() {
        connection
            .complete_io(&mut stream)
            .map_err(|err| handshake_failure(&err))?;
    }
    let protocol = match connection.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
        Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
        _ => "TLS",
    };
    let chain: Vec<CertificateDer<'static>> = connection
        .peer_certificates()
        .unwrap_or_default()
        .iter()
        .map(|cert| cert.clone().into_owned())
        .collect();
    connection.send_close_notify();
    let _ = connection.complete_io(&mut stream);
    let _ = stream.flush();
    Ok(judge(protocol, &chain, &name, host, roots, provider, now))
}

fn handshake_failure(err: &std::io::Error) -> String {
    format!(
        "the TLS handshake failed: {err}. Does this port speak HTTPS (not plain HTTP)? 1C's \
         OpenSSL needs TLS 1.2 or 1.3 too"
    )
}

/// The findings on a certificate chain the server sent: chain, name, dates.
pub fn judge(
    protocol: &str,
    chain: &[CertificateDer<'static>],
    name: &ServerName<'_>,
    host: &str,
    roots: &Roots,
    provider: &Arc<CryptoProvider>,
    now: SystemTime,
) -> Inspection {
    let mut findings = Vec::new();
    let problem = |step, text: String| Finding::new(Verdict::Problem, step, text);
    let Some(leaf_der) = chain.first() else {
        findings.push(problem(
            "tls",
            format!("{protocol}, but the server sent no certificate"),
        ));
        return Inspection {
            findings,
            trusted: false,
        };
    };
    let (Ok(leaf), Ok((_, x509))) = (
        ParsedCertificate::try_from(leaf_der),
        X509Certificate::from_der(leaf_der.as_ref()),
    ) else {
        findings.push(problem(
            "tls",
            format!("{protocol}, but the server's certificate cannot be read"),
        ));
        return Inspection {
            findings,
            trusted: false,
        };
    };
    let not_before = x509.validity().not_before.timestamp();
    let not_after = x509.validity().not_after.timestamp();
    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    findings.push(Finding::new(
        Verdict::Ok,
        "tls",
        format!(
            "{protocol}; the certificate is for {}, issued by {}",
            names(&x509).join(", "),
            issuer(&x509)
        ),
    ));

    // The chain at a moment the server's certificate is valid, so that an expired one is
    // told by its dates below and not mistaken for an unknown issuer.
    let moment = now_secs.min(not_after - 1).max(not_before + 1).max(0) as u64;
    let chain_ok = if roots.store.is_empty() {
        findings.push(problem(
            "tls chain",
            format!(
                "this system has no certificate authorities to check it against ({}): 1C on a \
                 current platform uses the system's (СертификатыУдостоверяющихЦентровОС) and \
                 would refuse every certificate; install the CA certificates (Debian: \
                 ca-certificates)",
                if roots.errors.is_empty() {
                    "none found".to_string()
                } else {
                    roots.errors.join("; ")
                }
            ),
        ));
        false
    } else {
        match rustls::client::verify_server_cert_signed_by_trust_anchor(
            &leaf,
            &roots.store,
            &chain[1..],
            UnixTime::since_unix_epoch(Duration::from_secs(moment)),
            provider.signature_verification_algorithms.all,
        ) {
            Ok(()) => {
                findings.push(Finding::new(
                    Verdict::Ok,
                    "tls chain",
                    format!(
                        "{} certificate(s) sent, signed by an authority this system trusts",
                        chain.len()
                    ),
                ));
                true
            }
            Err(err) => {
                findings.push(problem("tls chain", untrusted(&err, chain, &x509)));
                false
            }
        }
    };

    let name_ok = match rustls::client::verify_server_name(&leaf, name) {
        Ok(()) => {
            findings.push(Finding::new(
                Verdict::Ok,
                "tls name",
                format!("valid for {host}"),
            ));
            true
        }
        Err(_) => {
            findings.push(problem(
                "tls name",
                format!(
                    "the certificate is for {}, not {host}: type into 1C's node a name the \
                     certificate holds, or get one for {host} (whether 1C's OpenSSL checks the \
                     name cannot be told from its code; Bachata and browsers do)",
                    names(&x509).join(", ")
                ),
            ));
            false
        }
    };

    let date = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .map_or_else(|| secs.to_string(), |d| d.format("%Y-%m-%d").to_string())
    };
    let days_left = (not_after - now_secs).div_euclid(86_400);
    let dates_ok = if now_secs < not_before {
        findings.push(problem(
            "tls expiry",
            format!(
                "not valid before {}: check the clock of this machine and of the server",
                date(not_before)
            ),
        ));
        false
    } else if now_secs >= not_after {
        findings.push(problem(
            "tls expiry",
            format!(
                "expired on {} ({} days ago): renew it (certbot renew), then reload nginx",
                date(not_after),
                -days_left
            ),
        ));
        false
    } else {
        let verdict = if days_left < EXPIRY_WARNING_DAYS {
            Verdict::Warning
        } else {
            Verdict::Ok
        };
        let advice = if verdict == Verdict::Warning {
            ": renew it now (certbot renew) and see why the automatic renewal did not"
        } else {
            ""
        };
        findings.push(Finding::new(
            verdict,
            "tls expiry",
            format!(
                "valid until {}, {days_left} days left{advice}",
                date(not_after)
            ),
        ));
        true
    };

    let trusted = chain_ok && name_ok && dates_ok;
    if let Some(first) = findings.iter_mut().find(|f| f.verdict == Verdict::Problem) {
        first.text.push_str(
            "; the steps below go on without checking the certificate, as 1C does when its \
             БСП hands OpenSSL no certificate authorities, to find what else stands in the way",
        );
    }
    Inspection { findings, trusted }
}

/// Why the chain is not trusted, in the words of what to do about it.
fn untrusted(err: &rustls::Error, chain: &[CertificateDer<'_>], leaf: &X509Certificate) -> String {
    let self_signed = leaf.subject() == leaf.issuer();
    match err {
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) if self_signed => {
            "the certificate is self-signed: 1C on a current platform checks it against the \
             system's certificate authorities (БСП НовоеЗащищенноеСоединение) and refuses it; \
             get one from a public authority (Let's Encrypt: certbot)"
                .to_string()
        }
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) if chain.len() == 1 => {
            format!(
                "the server sends only its own certificate, and its issuer {} is not one this \
                 system trusts: send the intermediate certificate(s) too (nginx: \
                 ssl_certificate fullchain.pem, not cert.pem); 1C's OpenSSL fetches no missing \
                 intermediates",
                issuer(leaf)
            )
        }
        rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => format!(
            "signed by {}, which leads to no authority this system trusts: 1C on a current \
             platform refuses it (БСП НовоеЗащищенноеСоединение); if it is your own \
             authority, install it on 1C's server, or use a public one",
            issuer(leaf)
        ),
        other => format!("the chain does not verify: {other}"),
    }
}

/// The names a certificate is for: its DNS and IP alternative names, else its common name.
fn names(cert: &X509Certificate) -> Vec<String> {
    let mut names = Vec::new();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => names.push(dns.to_string()),
                GeneralName::IPAddress(bytes) => match bytes.len() {
                    4 => names.push(
                        std::net::Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3]).to_string(),
                    ),
                    16 => {
                        let mut octets = [0u8; 16];
                        octets.copy_from_slice(bytes);
                        names.push(std::net::Ipv6Addr::from(octets).to_string());
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    if names.is_empty() {
        names.extend(
            cert.subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .map(str::to_string),
        );
    }
    if names.is_empty() {
        names.push("no name".to_string());
    }
    names
        .into_iter()
        .map(|name| crate::report::shown::field(&name, 100).into_owned())
        .collect()
}

/// The issuer's common name (and organisation), as a person recognises it.
fn issuer(cert: &X509Certificate) -> String {
    let issuer = cert.issuer();
    let cn = issuer
        .iter_common_name()
        .filter_map(|cn| cn.as_str().ok())
        .next();
    let org = issuer
        .iter_organization()
        .filter_map(|o| o.as_str().ok())
        .next();
    let text = match (cn, org) {
        (Some(cn), Some(org)) if cn != org => format!("{cn} ({org})"),
        (Some(cn), _) => cn.to_string(),
        (None, Some(org)) => org.to_string(),
        (None, None) => issuer.to_string(),
    };
    crate::report::shown::field(&text, 200).into_owned()
}

/// Lets every certificate through the handshake (its signatures over the handshake are still
/// checked), so that [`judge`] can say what is wrong with it instead of a bare refusal.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
