//! Every option once: its config key, its command-line flag and its default, taken from the
//! named constant the settings use. The help's `[default: N]`, the commented line `init`
//! writes and the row of docs/configuration.md are checked against this table
//! (tests/options.rs), so none of them can drift from what bachata1c does. The merge itself
//! (option over config over default) is in settings.rs; this table is what it is told to say.

use std::time::Duration;

use crate::alerts::email::DEFAULT_SECURITY;
use crate::alerts::flow::DEFAULT_CHECK_EVERY;
use crate::alerts::{DEFAULT_COMMAND_TIMEOUT, DEFAULT_REPEAT};
use crate::conversion::DEFAULT_EVENT;
use crate::exchange::{DEFAULT_GIVE_UP_AFTER, DEFAULT_LEASE, DEFAULT_RESCAN, DEFAULT_WINDOW_DAYS};
use crate::format::bsp::{CsvProfile, CsvTarget, DEFAULT_PARTNER};
use crate::format::{CmlVersion, EnterpriseDataVersion, Format};
use crate::limits::{DEFAULT_MAX_CLIENTS, DEFAULT_MAX_INPUT_BYTES, human_size};
use crate::monitor::threshold::Span;
use crate::monitor::{
    DEFAULT_MAX_1C_SILENCE, DEFAULT_MAX_REFUSED, DEFAULT_MAX_WAITING, DEFAULT_MAX_WEBHOOK_SILENCE,
    DEFAULT_MIN_FREE_DISK,
};
use crate::retention::{DEFAULT_ARCHIVE_DAYS, DEFAULT_FAILED_DAYS, DEFAULT_LEDGER_DAYS};
use crate::serve::{
    DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_LISTEN,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_TRUSTED_PROXIES, DEFAULT_WEBHOOK_PATH,
};
use crate::site::{DEFAULT_FILE_LIMIT, DEFAULT_SESSION_TIMEOUT, DEFAULT_SITE_PATH};
use crate::support::trace::DEFAULT_TRACE_1C;

/// One option: where it is in the config, what the command line calls it, what it is unset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    /// The config's table: `serve`, `alerts.email`.
    pub section: &'static str,
    pub key: &'static str,
    /// The long flag without its dashes, when the command line has one.
    pub flag: Option<&'static str>,
    pub default: Default,
}

/// An option's default as the help, the config and the docs write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Default {
    /// A string: bare in the help (`/webhook`), quoted in the config (`"/webhook"`).
    Text(String),
    /// A number: written the same everywhere.
    Plain(String),
    /// A boolean: a switch on the command line, whose help states no default.
    Switch(bool),
    /// A list, as the config writes it (`["127.0.0.1", "::1"]`).
    List(String),
    /// A part of the exchange folder: `DIR/inbox` in the help, `'inbox'` in the config.
    Part(&'static str),
    /// No value: the help and the config say what happens unset.
    Unset,
    /// Worked out from other settings (the help and the docs say how; the config shows an
    /// example marked «not set by default»: `encoding`, `[site_exchange] user` is `[serve]`'s),
    /// or, for `[folders] dir`, written by `init`.
    Derived,
}

impl Default {
    /// How the help's `[default: …]` starts, when it states one.
    pub fn in_help(&self) -> Option<String> {
        match self {
            Default::Text(text) | Default::Plain(text) => Some(text.clone()),
            Default::Part(part) => Some(format!("DIR/{part}")),
            Default::Switch(_) | Default::List(_) | Default::Unset | Default::Derived => None,
        }
    }

    /// The value after `key = ` on the line `init` writes, when it is the default.
    pub fn in_config(&self) -> Option<String> {
        match self {
            Default::Text(text) => Some(toml::Value::String(text.clone()).to_string()),
            Default::Plain(text) | Default::List(text) => Some(text.clone()),
            Default::Switch(on) => Some(on.to_string()),
            Default::Part(part) => Some(format!("'{part}'")),
            Default::Unset | Default::Derived => None,
        }
    }
}

fn text(value: impl ToString) -> Default {
    Default::Text(value.to_string())
}

fn plain(value: impl ToString) -> Default {
    Default::Plain(value.to_string())
}

fn seconds(duration: Duration) -> Default {
    plain(duration.as_secs())
}

/// A size as the config reads it back and the help shows it: `16MiB`.
fn size(bytes: u64) -> Default {
    text(human_size(bytes).replace(' ', ""))
}

fn span(duration: Option<Duration>) -> Default {
    text(duration.map_or_else(|| "off".to_string(), |d| Span(d).to_string()))
}

/// Every option of the config file, in the order `init` writes them.
pub fn all() -> Vec<Opt> {
    let opt = |section, key, flag, default| Opt {
        section,
        key,
        flag,
        default,
    };
    let proxies: Vec<toml::Value> = DEFAULT_TRUSTED_PROXIES
        .iter()
        .map(|ip| toml::Value::String(ip.to_string()))
        .collect();
    vec![
        opt("folders", "dir", Some("dir"), Default::Derived),
        opt("folders", "inbox", Some("inbox"), Default::Part("inbox")),
        opt("folders", "outbox", Some("outbox"), Default::Part("outbox")),
        opt(
            "folders",
            "archive",
            Some("archive"),
            Default::Part("archive"),
        ),
        opt("folders", "failed", Some("failed"), Default::Part("failed")),
        opt("folders", "state", Some("state"), Default::Part("state")),
        opt(
            "folders",
            "follow_symlinks",
            Some("follow-symlinks"),
            Default::Switch(false),
        ),
        opt(
            "output",
            "format",
            Some("format"),
            text(Format::default().name()),
        ),
        opt("output", "encoding", Some("encoding"), Default::Derived),
        opt(
            "output",
            "csv_quote",
            Some("csv-quote"),
            Default::Switch(false),
        ),
        opt(
            "output",
            "cml_version",
            Some("cml-version"),
            text(CmlVersion::default().as_str()),
        ),
        opt(
            "output",
            "enterprisedata_version",
            Some("enterprisedata-version"),
            text(EnterpriseDataVersion::default().as_str()),
        ),
        opt(
            "output",
            "csv_profile",
            Some("csv-profile"),
            text(CsvProfile::default().name()),
        ),
        opt(
            "output",
            "csv_target",
            Some("csv-target"),
            text(CsvTarget::default().name()),
        ),
        opt(
            "output",
            "csv_partner",
            Some("csv-partner"),
            text(DEFAULT_PARTNER),
        ),
        opt("output", "event", Some("event"), text(DEFAULT_EVENT)),
        opt(
            "output",
            "commerceml_file",
            Some("commerceml-file"),
            Default::Unset,
        ),
        opt(
            "output",
            "commerceml_window_days",
            Some("commerceml-window-days"),
            plain(DEFAULT_WINDOW_DAYS),
        ),
        opt(
            "rules",
            "require_phone",
            Some("no-require-phone"),
            Default::Switch(true),
        ),
        opt(
            "rules",
            "require_valid_phone",
            Some("require-valid-phone"),
            Default::Switch(false),
        ),
        opt(
            "rules",
            "require_email",
            Some("require-email"),
            Default::Switch(false),
        ),
        opt(
            "rules",
            "allowed_events",
            Some("only-event"),
            Default::List("[]".into()),
        ),
        opt(
            "limits",
            "max_input_size",
            Some("max-input-size"),
            size(DEFAULT_MAX_INPUT_BYTES),
        ),
        opt(
            "limits",
            "max_clients",
            Some("max-clients"),
            plain(DEFAULT_MAX_CLIENTS),
        ),
        opt("watch", "settle_seconds", Some("settle"), Default::Unset),
        opt(
            "watch",
            "give_up_after_seconds",
            Some("give-up-after"),
            seconds(DEFAULT_GIVE_UP_AFTER),
        ),
        opt(
            "watch",
            "rescan_seconds",
            Some("rescan"),
            seconds(DEFAULT_RESCAN),
        ),
        opt("watch", "poll", Some("poll"), Default::Switch(false)),
        opt(
            "watch",
            "lease_seconds",
            Some("lease"),
            seconds(DEFAULT_LEASE),
        ),
        opt("serve", "listen", Some("listen"), text(DEFAULT_LISTEN)),
        opt("serve", "path", Some("path"), text(DEFAULT_WEBHOOK_PATH)),
        opt(
            "serve",
            "body_limit",
            Some("body-limit"),
            size(DEFAULT_BODY_LIMIT as u64),
        ),
        opt("serve", "user", Some("user"), Default::Unset),
        opt(
            "serve",
            "password_env",
            Some("password-env"),
            Default::Unset,
        ),
        opt(
            "serve",
            "password_file",
            Some("password-file"),
            Default::Unset,
        ),
        opt("serve", "tls_cert", Some("tls-cert"), Default::Unset),
        opt("serve", "tls_key", Some("tls-key"), Default::Unset),
        opt(
            "serve",
            "header_timeout_seconds",
            Some("header-timeout"),
            seconds(DEFAULT_HEADER_TIMEOUT),
        ),
        opt(
            "serve",
            "body_timeout_seconds",
            Some("body-timeout"),
            seconds(DEFAULT_BODY_TIMEOUT),
        ),
        opt(
            "serve",
            "max_connections",
            Some("max-connections"),
            plain(DEFAULT_MAX_CONNECTIONS),
        ),
        opt(
            "serve",
            "trusted_proxies",
            Some("trusted-proxy"),
            Default::List(toml::Value::Array(proxies).to_string()),
        ),
        opt("site_exchange", "enabled", None, Default::Switch(true)),
        opt("site_exchange", "path", None, text(DEFAULT_SITE_PATH)),
        opt("site_exchange", "user", None, Default::Derived),
        opt("site_exchange", "password_env", None, Default::Derived),
        opt("site_exchange", "password_file", None, Default::Derived),
        opt(
            "site_exchange",
            "file_limit",
            None,
            size(DEFAULT_FILE_LIMIT as u64),
        ),
        opt(
            "site_exchange",
            "session_minutes",
            None,
            plain(DEFAULT_SESSION_TIMEOUT.as_secs() / 60),
        ),
        opt(
            "site_exchange",
            "trace_1c",
            Some("trace-1c"),
            DEFAULT_TRACE_1C.map_or(Default::Unset, |s| span(Some(s.0))),
        ),
        opt(
            "alerts",
            "max_waiting",
            Some("max-waiting"),
            span(Some(DEFAULT_MAX_WAITING)),
        ),
        opt(
            "alerts",
            "max_1c_silence",
            Some("max-1c-silence"),
            span(Some(DEFAULT_MAX_1C_SILENCE)),
        ),
        opt(
            "alerts",
            "max_webhook_silence",
            Some("max-webhook-silence"),
            span(DEFAULT_MAX_WEBHOOK_SILENCE),
        ),
        opt(
            "alerts",
            "max_refused",
            Some("max-refused"),
            plain(DEFAULT_MAX_REFUSED),
        ),
        opt(
            "alerts",
            "min_free_disk",
            Some("min-free-disk"),
            size(DEFAULT_MIN_FREE_DISK),
        ),
        opt("alerts", "command", None, Default::Unset),
        opt(
            "alerts",
            "command_timeout_seconds",
            None,
            seconds(DEFAULT_COMMAND_TIMEOUT),
        ),
        opt(
            "alerts",
            "repeat_hours",
            None,
            plain(DEFAULT_REPEAT.as_secs() / 3600),
        ),
        opt(
            "alerts",
            "check_every_seconds",
            None,
            seconds(DEFAULT_CHECK_EVERY),
        ),
        opt(
            "retention",
            "archive_days",
            None,
            plain(DEFAULT_ARCHIVE_DAYS),
        ),
        opt("retention", "failed_days", None, plain(DEFAULT_FAILED_DAYS)),
        opt("retention", "ledger_days", None, plain(DEFAULT_LEDGER_DAYS)),
        opt("alerts.email", "host", None, Default::Unset),
        opt("alerts.email", "port", None, Default::Unset),
        opt(
            "alerts.email",
            "security",
            None,
            text(DEFAULT_SECURITY.as_str()),
        ),
        opt("alerts.email", "user", None, Default::Unset),
        opt("alerts.email", "password_env", None, Default::Unset),
        opt("alerts.email", "password_file", None, Default::Unset),
        opt("alerts.email", "from", None, Default::Unset),
        opt("alerts.email", "to", None, Default::Unset),
        opt("alerts.email", "ca_file", None, Default::Unset),
    ]
}
