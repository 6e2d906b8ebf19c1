//! The HTTP requests 1C's exchange makes, as its `HTTPСоединение` makes them: GETs with the
//! node's user and password, the session's `Cookie` header built by hand, no redirect
//! followed, no proxy, and each answer read whole within 1C's timeout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::crypto::CryptoProvider;
use ureq::config::AutoHeaderValue;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};

use crate::auth::Credentials;

/// `Новый HTTPСоединение(…, 180, …)` in УТ 11 (`СоединениеССервером` 5949): the shortest of the
/// clients (SmB and УНФ 3 wait 1800 s), so an answer within it suits them all.
pub const ONEC_TIMEOUT: Duration = Duration::from_secs(180);

/// The most of one answer doctor reads; 1C holds a whole answer in a string.
pub const ANSWER_LIMIT: u64 = 64 * 1024 * 1024;

/// One answer, with what the checks look at.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    /// A `WWW-Authenticate` header came (a 401 that a client sending its login only when
    /// challenged would answer).
    pub challenge: bool,
    pub body: Vec<u8>,
    pub took: Duration,
}

pub struct Client {
    agent: ureq::Agent,
    authorization: String,
    /// `Cookie: name=value` from checkauth's lines 2 and 3 (protocol note §1.1).
    pub cookie: Option<String>,
}

impl Client {
    /// `verify`: check the certificate as well (it was found trustworthy); otherwise go on as a
    /// 1C whose БСП hands OpenSSL no certificate authorities.
    pub fn new(
        credentials: &Credentials,
        roots: &[rustls::pki_types::CertificateDer<'static>],
        provider: &Arc<CryptoProvider>,
        verify: bool,
    ) -> Client {
        let roots: Vec<Certificate<'static>> = roots
            .iter()
            .map(|der| Certificate::from_der(der.as_ref()).to_owned())
            .collect();
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .unversioned_rustls_crypto_provider(provider.clone())
            .root_certs(RootCerts::Specific(Arc::new(roots)))
            .disable_verification(!verify)
            .build();
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // 1C reads a 3xx as the answer itself (see `rules::redirect`).
            .max_redirects(0)
            // A proxy of 1C's node is its own setting; doctor goes direct.
            .proxy(None)
            .timeout_global(Some(ONEC_TIMEOUT))
            .accept_encoding(AutoHeaderValue::None)
            .user_agent(format!("bachata1c-doctor/{}", env!("CARGO_PKG_VERSION")))
            .tls_config(tls)
            .build()
            .new_agent();
        Client {
            agent,
            authorization: credentials.basic_header(),
            cookie: None,
        }
    }

    /// `Соединение.Получить(Новый HTTPЗапрос(url, Заголовки))`, credentials sent up front.
    pub fn get(&self, url: &str) -> Result<Reply, String> {
        let started = Instant::now();
        let mut request = self
            .agent
            .get(url)
            .header("Authorization", &self.authorization);
        if let Some(cookie) = &self.cookie {
            request = request.header("Cookie", cookie);
        }
        let mut response = request.call().map_err(|err| failure(&err))?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        };
        let (location, content_type, retry_after, challenge) = (
            header("location"),
            header("content-type"),
            header("retry-after"),
            header("www-authenticate").is_some(),
        );
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(ANSWER_LIMIT)
            .read_to_vec()
            .map_err(|err| match err {
                ureq::Error::BodyExceedsLimit(_) => format!(
                    "the answer is larger than {} MiB, more than 1C should be asked to hold",
                    ANSWER_LIMIT / 1024 / 1024
                ),
                other => failure(&other),
            })?;
        Ok(Reply {
            status,
            location,
            content_type,
            retry_after,
            challenge,
            body,
            took: started.elapsed(),
        })
    }
}

fn failure(err: &ureq::Error) -> String {
    match err {
        ureq::Error::Timeout(_) => format!(
            "no whole answer within {} s, the time УТ 11 waits (СоединениеССервером 5949)",
            ONEC_TIMEOUT.as_secs()
        ),
        other => format!("the request failed: {other}"),
    }
}
