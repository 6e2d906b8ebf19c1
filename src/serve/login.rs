//! Logins on serve's own routes (the webhook, `/metrics`): Basic Authentication checked in
//! constant time against each login set, and wrong passwords counted per client address, which
//! closes after a burst of them ([`super::throttle`]).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Credentials;
use super::http::{App, Logged, answer, client_of, close_after};

impl App {
    /// `None` when the request may go on: `logins` is empty (no login is set), or it carries
    /// one of them. Otherwise the answer: 429 while its address is closed for wrong
    /// passwords, else 401 at once with the body left unread.
    pub(super) fn login_refused(
        &self,
        parts: &axum::http::request::Parts,
        logins: &[Credentials],
    ) -> Option<Response> {
        if logins.is_empty() {
            return None;
        }
        let client = client_of(parts);
        if let Some(wait) = self.throttle.closed(client, Instant::now()) {
            return Some(too_many_wrong_passwords(wait, ""));
        }
        let authorization = parts.headers.get(header::AUTHORIZATION);
        let given = authorization.map(HeaderValue::as_bytes);
        if logins.iter().any(|login| login.accepts(given)) {
            self.throttle.right(client);
            return None;
        }
        let note = if authorization.is_some() {
            self.wrong_password(client);
            "wrong credentials"
        } else {
            "no credentials"
        };
        // Answered at once, the body left unread: a stranger's megabytes are never held in
        // memory, and the connection closes after the answer.
        let mut response = answer(
            StatusCode::UNAUTHORIZED,
            None,
            note.to_string(),
            "authentication required\n".to_string(),
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"bachata1c\""),
        );
        close_after(&mut response);
        Some(response)
    }

    /// `/metrics`' login: the webhook's, else 1C's; none when neither is set.
    pub(super) fn refuse_without_login(
        &self,
        parts: &axum::http::request::Parts,
    ) -> Option<Response> {
        let logins = match (&self.credentials, &self.site) {
            (Some(login), _) => std::slice::from_ref(login),
            (None, Some(site)) => std::slice::from_ref(&site.settings().credentials),
            (None, None) => &[],
        };
        self.login_refused(parts, logins)
    }
}

/// A login from an address closed for its wrong passwords (see [`super::throttle`]): 429 with
/// Retry-After, the password not checked, the body not read; `prefix` is what the caller reads
/// first (`failure\n` for 1C). Its log line is the burst's, written when the address closed.
pub(super) fn too_many_wrong_passwords(wait: Duration, prefix: &str) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        format!("{prefix}too many wrong passwords from this address: try again in {seconds} s\n"),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    close_after(&mut response);
    response.extensions_mut().insert(Logged);
    response
}

impl App {
    /// Counts a wrong password from `client`; when that closes its logins, the one log line of
    /// the burst, which fail2ban's filter in docs/serve.md matches.
    pub(super) fn wrong_password(&self, client: IpAddr) {
        if let Some(burst) = self.throttle.wrong(client, Instant::now()) {
            let refused = match burst.refused {
                0 => String::new(),
                n => format!(", {n} more refused unchecked before"),
            };
            crate::say!(
                "bachata1c: too many wrong passwords from {client} ({} since its last right \
                 login{refused}): its logins are answered 429 for {} s",
                burst.wrong,
                burst.closed_for.as_secs()
            );
        }
    }
}
