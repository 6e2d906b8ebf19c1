//! `[alerts]` and `[alerts.email]` resolved into [`crate::alerts::Settings`]: the channels, the
//! mail password and CA file read at start, each mistake named by its key.

use std::time::Duration;

use super::{Error, FolderArgs, Source, given, password_variable};
use crate::alerts::email::DEFAULT_SECURITY;
use crate::alerts::{CommandSettings, EmailSettings, Login, Security};
use crate::config::AlertsEmailConfig;
use crate::password::{PasswordError, PasswordSource};

/// `[alerts]`: the channels alerts are told through, for the exchange folder `args` names (its
/// config). The mail password and the CA file are read here, so that a mistake stops the start.
pub fn alerts(args: &FolderArgs) -> Result<crate::alerts::Settings, Error> {
    channels(&Source::of(&given(args)?)?)
}

/// `[alerts]`'s channels, as the config `source` sets them.
pub(super) fn channels(source: &Source) -> Result<crate::alerts::Settings, Error> {
    let file = &source.config.alerts;
    let command = match &file.command {
        None => None,
        Some(command) if command.trim().is_empty() => {
            return Err(Error::AlertsValue {
                key: "command",
                value: format!("{command:?}"),
                expected: "a command line",
            });
        }
        Some(command) => Some(CommandSettings {
            command: command.clone(),
            timeout: match file.command_timeout_seconds {
                None => crate::alerts::DEFAULT_COMMAND_TIMEOUT,
                Some(0) => {
                    return Err(Error::AlertsValue {
                        key: "command_timeout_seconds",
                        value: "0".into(),
                        expected: "a number of seconds, 1 or more,",
                    });
                }
                Some(seconds) => Duration::from_secs(seconds),
            },
        }),
    };
    let repeat = match file.repeat_hours {
        None => crate::alerts::DEFAULT_REPEAT,
        Some(0) => {
            return Err(Error::AlertsValue {
                key: "repeat_hours",
                value: "0".into(),
                expected: "a number of hours, 1 or more,",
            });
        }
        Some(hours) => Duration::from_secs(hours.saturating_mul(3600)),
    };
    let email = match &file.email {
        Some(email) => alerts_email(email, source)?,
        None => None,
    };
    Ok(crate::alerts::Settings {
        command,
        email,
        repeat,
    })
}

/// `[alerts.email]`: on when `host` is set.
fn alerts_email(file: &AlertsEmailConfig, source: &Source) -> Result<Option<EmailSettings>, Error> {
    let Some(host) = &file.host else {
        let set = [
            ("to", file.to.is_some()),
            ("from", file.from.is_some()),
            ("user", file.user.is_some()),
            ("password_env", file.password_env.is_some()),
            ("password_file", file.password_file.is_some()),
            ("ca_file", file.ca_file.is_some()),
        ];
        return match set.iter().find(|(_, set)| *set) {
            Some((key, _)) => Err(Error::EmailNoHost(key)),
            None => Ok(None),
        };
    };
    let security = file.security.unwrap_or(DEFAULT_SECURITY);
    if security == Security::None && !crate::alerts::email::is_local(host) {
        return Err(Error::EmailPlain(host.clone()));
    }
    let address = |key: &'static str, text: &str| {
        text.parse()
            .map_err(|err: lettre::address::AddressError| Error::EmailAddress {
                key,
                value: text.to_string(),
                reason: err.to_string(),
            })
    };
    let from = match &file.from {
        Some(from) => address("from", from)?,
        None => {
            return Err(Error::EmailMissing(
                host.clone(),
                "from (the sender's address)",
            ));
        }
    };
    let to = file.to.as_ref().map(|to| to.list()).unwrap_or_default();
    if to.is_empty() {
        return Err(Error::EmailMissing(
            host.clone(),
            "to (one address or a list)",
        ));
    }
    let to = to
        .iter()
        .map(|one| address("to", one))
        .collect::<Result<Vec<_>, _>>()?;
    let password = match (&file.password_env, &file.password_file) {
        (Some(_), Some(_)) => return Err(Error::EmailTwoPasswords),
        (Some(var), None) => Some((
            "password_env",
            PasswordSource::Env {
                var: var.clone(),
                origin: "[alerts.email] password_env",
            },
            format!("the environment variable {var} ([alerts.email] password_env)"),
        )),
        (None, Some(path)) => {
            let path = source.base.join(path);
            let from = format!("the file {} ([alerts.email] password_file)", path.display());
            Some(("password_file", PasswordSource::File(path), from))
        }
        (None, None) => None,
    };
    let login = match (&file.user, password) {
        (None, None) => None,
        (Some(user), None) => return Err(Error::EmailNoPassword(user.clone())),
        (None, Some(_)) => return Err(Error::EmailNoUser),
        (Some(user), Some((key, password, password_from))) => Some(Login {
            user: user.clone(),
            password: password
                .read()
                .map_err(|source| Error::EmailPassword { key, source })?,
            password_from,
        }),
    };
    let ca = match &file.ca_file {
        None => None,
        Some(path) => {
            let path = source.base.join(path);
            let pem = std::fs::read(&path).map_err(|err| Error::EmailCa {
                path: path.clone(),
                reason: err.to_string(),
            })?;
            if let Err(err) = lettre::transport::smtp::client::Certificate::from_pem(&pem) {
                return Err(Error::EmailCa {
                    path,
                    reason: format!("not a PEM certificate ({err})"),
                });
            }
            if !String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----") {
                return Err(Error::EmailCa {
                    path,
                    reason: "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
                });
            }
            Some(pem)
        }
    };
    Ok(Some(EmailSettings {
        host: host.clone(),
        port: file.port.unwrap_or(security.default_port()),
        security,
        login,
        from,
        to,
        ca,
        timeout: crate::alerts::email::SMTP_TIMEOUT,
    }))
}

/// The mail login's password that cannot be read: a variable as serve's are told, a file
/// with its key.
pub(super) fn email_password(key: &str, source: &PasswordError) -> String {
    match source {
        PasswordError::Variable {
            var,
            origin,
            source,
        } => password_variable(var, origin, source),
        PasswordError::File { .. } => format!("[alerts.email] {key}: {source}"),
    }
}
