//! `[alerts.email]`: an alert as a plain-text mail through the dealer's SMTP server, over
//! STARTTLS (port 587) or implicit TLS (port 465); unencrypted only to a relay on this machine
//! (localhost), where nothing travels over a network. Server certificates are checked against
//! Mozilla's roots built into the program, plus the dealer's own CA (`ca_file`) for a private
//! mail server.

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Message, SmtpTransport, Transport};

use super::Alert;

/// How the connection to the mail server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS before anything else is sent; refused without it.
    Starttls,
    /// TLS from the first byte («SSL», port 465).
    Tls,
    /// No encryption: only to a mail relay on this machine.
    None,
}

/// The security a mail server gets when `[alerts.email] security` is not set.
pub const DEFAULT_SECURITY: Security = Security::Starttls;

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::Starttls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    /// The port mail servers listen on for this security.
    pub fn default_port(self) -> u16 {
        match self {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// The login on the mail server. The password never appears in `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: String,
    /// Where the password was read from, for a refused login's message: `the environment
    /// variable SMTP_PASSWORD`, `the file /etc/bachata1c/smtp-password`.
    pub password_from: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .field("password_from", &self.password_from)
            .finish()
    }
}

/// Where and how alerts are mailed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub login: Option<Login>,
    pub from: Mailbox,
    /// One or more.
    pub to: Vec<Mailbox>,
    /// PEM certificates trusted besides the built-in roots (a private mail server's CA).
    pub ca: Option<Vec<u8>>,
    /// Each step of the conversation (connecting, each command) waits at most this long.
    pub timeout: Duration,
}

/// Each step of the SMTP conversation waits at most this long for the server.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A mail that was not delivered to the server, naming the server and what to check.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot mail the alert through {host}:{port} ({security}, [alerts.email]): {reason}{hint}",
    security = security.as_str()
)]
pub struct EmailError {
    host: String,
    port: u16,
    security: Security,
    reason: String,
    hint: String,
}

/// Whether `host` names this machine: the only place a mail may go unencrypted.
pub fn is_local(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sends `alert` to every recipient in one mail.
pub fn send(settings: &EmailSettings, alert: &Alert) -> Result<(), EmailError> {
    let fail = |reason: String, hint: String| EmailError {
        host: settings.host.clone(),
        port: settings.port,
        security: settings.security,
        reason,
        hint,
    };
    let mut message = Message::builder()
        .from(settings.from.clone())
        .subject(alert.subject.clone())
        .header(ContentType::TEXT_PLAIN);
    for to in &settings.to {
        message = message.to(to.clone());
    }
    let message = message
        .body(alert.text.clone())
        .map_err(|err| fail(format!("the mail cannot be built: {err}"), String::new()))?;
    let transport = transport(settings).map_err(|err| fail(err.to_string(), String::new()))?;
    transport.send(&message).map_err(|err| {
        let refused_login = err
            .status()
            .is_some_and(|code| code.to_string().starts_with("53"));
        let hint = match (&settings.login, refused_login) {
            (Some(login), true) => format!(
                "; the server refused the login of {} ([alerts.email] user): check it and the \
                 password in {}",
                login.user, login.password_from
            ),
            (None, true) => "; the server wants a login: set [alerts.email] user and \
                             password_env or password_file"
                .to_string(),
            (_, false) if untrusted_certificate(&err) => format!(
                "; the server's certificate is not one a trusted CA issued for {}: for a mail \
                 server with a private CA, set [alerts.email] ca_file to that CA's PEM file",
                settings.host
            ),
            (_, false) if err.is_permanent() => {
                "; the server refused the mail: check [alerts.email] from and to".to_string()
            }
            (_, false) => String::new(),
        };
        fail(err.to_string(), hint)
    })?;
    Ok(())
}

/// Whether TLS failed on the server's certificate (unknown issuer, wrong name, expired).
fn untrusted_certificate(err: &lettre::transport::smtp::Error) -> bool {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = next {
        // An io::Error hides the rustls error it carries from `source()`.
        let carried = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .and_then(|inner| inner.downcast_ref::<rustls::Error>());
        let rustls = error.downcast_ref::<rustls::Error>().or(carried);
        if matches!(rustls, Some(rustls::Error::InvalidCertificate(_))) {
            return true;
        }
        next = error.source();
    }
    false
}

fn transport(settings: &EmailSettings) -> Result<SmtpTransport, lettre::transport::smtp::Error> {
    let tls = match settings.security {
        Security::None => Tls::None,
        security => {
            let mut parameters = TlsParameters::builder(settings.host.clone());
            if let Some(pem) = &settings.ca {
                parameters = parameters.add_root_certificate(Certificate::from_pem(pem)?);
            }
            let parameters = parameters.build_rustls()?;
            match security {
                Security::Tls => Tls::Wrapper(parameters),
                _ => Tls::Required(parameters),
            }
        }
    };
    let mut builder = SmtpTransport::builder_dangerous(&settings.host)
        .port(settings.port)
        .tls(tls)
        .timeout(Some(settings.timeout))
        .hello_name(ClientId::Domain(hello_name()));
    if let Some(login) = &settings.login {
        builder = builder.credentials(Credentials::new(login.user.clone(), login.password.clone()));
    }
    Ok(builder.build())
}

/// The name we greet the server with: this machine's, when it is one a server accepts.
fn hello_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    if plain { name } else { "localhost".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_machine_is_local() {
        for host in [
            "localhost",
            "LOCALHOST",
            "127.0.0.1",
            "127.1.2.3",
            "::1",
            "[::1]",
        ] {
            assert!(is_local(host), "{host}");
        }
        for host in [
            "smtp.yandex.ru",
            "10.0.0.5",
            "localhost.example.ru",
            "0.0.0.0",
        ] {
            assert!(!is_local(host), "{host}");
        }
    }

    #[test]
    fn the_password_is_never_in_debug() {
        let login = Login {
            user: "alerts@dealer.ru".into(),
            password: "s3cret-value".into(),
            password_from: "the file p.txt".into(),
        };
        let shown = format!("{login:?}");
        assert!(!shown.contains("s3cret-value") && shown.contains("alerts@dealer.ru"));
    }
}
