//! What makes a setting unusable: each message names the option and the config key.

use super::*;

/// A setting that cannot be used. Each message names the option and the config key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(
        "the {part} folder {} (--{part}, [folders] {part}) {} the {other} folder {} (--{other}, \
         [folders] {other}): {why}; give each part of the exchange folder its own folder",
        path.display(),
        if *inside { "is inside" } else { "is the same as" },
        other_path.display()
    )]
    Overlap {
        part: &'static str,
        path: PathBuf,
        other: &'static str,
        other_path: PathBuf,
        inside: bool,
        why: &'static str,
    },
    #[error(
        "no {part} folder: give the exchange folder (DIR, or --dir DIR) or --{part} DIR, or set [folders] dir in the config"
    )]
    NoFolder { part: &'static str },
    #[error(
        "say where to save webhooks: no {part} folder; pass --dir DIR (for DIR/inbox and DIR/failed) or --{part} DIR, or set [folders] dir in the config"
    )]
    NoWebhookFolder { part: &'static str },
    #[error("{0} needs the exchange folder: bachata1c {0} DIR (or --dir DIR)")]
    NeedsDir(&'static str),
    #[error(
        "the exchange folder is given twice, as DIR {} and as --dir {}: give it once",
        positional.display(), option.display()
    )]
    TwoDirs {
        positional: PathBuf,
        option: PathBuf,
    },
    #[error(
        "retry takes names of files in failed/, and {} is a folder: give the exchange folder as \
         --dir, as in `bachata1c retry --dir {} [NAME...]`",
        .0.display(), .0.display()
    )]
    RetryFolderAsName(PathBuf),
    #[error(
        "{option} {value} ([{section}] {key}): a number of seconds, {least} or more, is expected"
    )]
    Seconds {
        option: &'static str,
        section: &'static str,
        key: &'static str,
        value: f64,
        least: &'static str,
    },
    #[error(
        "--commerceml-file ([output] commerceml_file) keeps CommerceML orders: use it with --format commerceml"
    )]
    OrdersFileFormat,
    #[error(
        "--commerceml-file ([output] commerceml_file) and --batch both decide the outbox's files: choose one"
    )]
    OrdersFileBatch,
    #[error(
        "--commerceml-file {0:?} ([output] commerceml_file): a plain file name ending in .xml is expected"
    )]
    OrdersFileName(String),
    #[error(
        "--commerceml-file ([output] commerceml_file) is read by 1C as UTF-8 (УТ 11 names no other encoding); drop --encoding windows-1251 ([output] encoding)"
    )]
    OrdersFileEncoding,
    #[error("--commerceml-window-days ([output] commerceml_window_days) must be at least 1")]
    ZeroWindow,
    #[error("--done-marker {0:?}: a plain file name is expected")]
    DoneMarker(String),
    #[error("[serve] needs both tls_cert and tls_key, or neither")]
    HalfTls,
    #[error(
        "the webhook path {0:?} (--path, [serve] path) must start with / and use only letters, digits and / - _ . ~"
    )]
    WebhookPath(String),
    #[error(
        "the webhook path (--path, [serve] path) cannot be {HEALTH_PATH}, which answers health checks"
    )]
    WebhookPathIsHealth,
    #[error("{path} cannot be {METRICS_PATH}, which answers Prometheus' scrapes: choose another")]
    MetricsPath { path: &'static str },
    #[error("the {what} (--{option}, [serve] {key}) must be at least 1 second")]
    ZeroTimeout {
        what: &'static str,
        option: &'static str,
        key: &'static str,
    },
    #[error(
        "the site-exchange path {0:?} ([site_exchange] path) must start with / and use only letters, digits and / - _ . ~"
    )]
    SitePath(String),
    #[error(
        "{0} cannot serve both the webhook and 1C's site exchange: give them different paths ([serve] path, [site_exchange] path)"
    )]
    SamePath(String),
    #[error("{option} {text:?}: a day (2026-12-01) or a time (2026-12-01 14:30) is expected")]
    Moment { option: &'static str, text: String },
    #[error(
        "--csv-profile bsp ([output] csv_profile) writes UTF-8, which 1C's «Загрузка данных из файла» reads; drop --encoding windows-1251 ([output] encoding)"
    )]
    BspEncoding,
    #[error(
        "--csv-profile bsp ([output] csv_profile) cannot quote values: 1C's «Загрузка данных из файла» splits every `;`; drop --csv-quote ([output] csv_quote)"
    )]
    BspQuote,
    #[error(
        "--csv-partner ([output] csv_partner) is empty: name the partner of the counterparties as 1C names it (default «{}»)",
        crate::format::bsp::DEFAULT_PARTNER
    )]
    EmptyPartner,
    #[error("[serve] max_connections must be at least 1")]
    ZeroConnections,
    #[error("give --password-env or --password-file, not both")]
    TwoPasswordOptions,
    #[error("[serve] has both password_env and password_file; keep one")]
    TwoPasswordKeys,
    #[error("user {0:?} has no password: give --password-env VAR or --password-file FILE")]
    NoPassword(String),
    #[error("a password is set but no user: give --user NAME ([serve] user)")]
    NoUser,
    #[error("{}", password_variable(var, origin, source))]
    PasswordVariable {
        var: String,
        /// The option or key that named the variable.
        origin: &'static str,
        source: std::env::VarError,
    },
    #[error("cannot read the password file {}: {source}", path.display())]
    PasswordFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Address(#[from] crate::doctor::address::Error),
    #[error("Basic Authentication: {0}")]
    Credentials(#[from] crate::auth::CredentialsError),
    #[error(
        "{by}: a trace of 1C's exchange lasts at most {} hours: it holds personal data and is \
         meant for an exchange or a day of them",
        trace::MAX_LENGTH.as_secs() / 3600
    )]
    TraceLength { by: String },
    #[error(
        "{by} records 1C's «Обмен с сайтом», which this serve does not answer: it needs the \
         exchange folder (DIR, --dir, or [folders] dir) and [site_exchange] enabled"
    )]
    TraceWithoutExchange { by: String },
    #[error("[alerts] {key} = {value}: {expected} is expected")]
    AlertsValue {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("[alerts.email] sets {0} but no host: mail is sent only when host is set")]
    EmailNoHost(&'static str),
    #[error("[alerts.email] sends mail through {0} and needs {1}")]
    EmailMissing(String, &'static str),
    #[error(
        "[alerts.email] security = \"none\" sends the mail and the login unencrypted: only to a \
         mail relay on this machine (host = \"localhost\"), not {0}; use starttls or tls"
    )]
    EmailPlain(String),
    #[error("[alerts.email] {key} {value:?} is not an e-mail address: {reason}")]
    EmailAddress {
        key: &'static str,
        value: String,
        reason: String,
    },
    #[error("[alerts.email] has both password_env and password_file; keep one")]
    EmailTwoPasswords,
    #[error("[alerts.email] user {0:?} has no password: set password_env or password_file")]
    EmailNoPassword(String),
    #[error("[alerts.email] has a password but no user: set user")]
    EmailNoUser,
    #[error("{}", alerts::email_password(key, source))]
    EmailPassword {
        key: &'static str,
        source: PasswordError,
    },
    #[error("[alerts.email] ca_file {}: {reason}", path.display())]
    EmailCa { path: PathBuf, reason: String },
    #[error(
        "[alerts] sets an alert channel, but the exchange folder's state folder, where what was \
         told is kept, is unknown: give the exchange folder (DIR, --dir, or [folders] dir)"
    )]
    AlertsNoState,
}

impl From<PasswordError> for Error {
    fn from(err: PasswordError) -> Error {
        match err {
            PasswordError::Variable {
                var,
                origin,
                source,
            } => Error::PasswordVariable {
                var,
                origin,
                source,
            },
            PasswordError::File { path, source } => Error::PasswordFile { path, source },
        }
    }
}

/// Why the password variable gave nothing, and what to do: a service does not inherit the
/// variables of the shell it was set up from, and the option takes a variable's name. A name no
/// variable could have is likely the password itself, typed in its place: it is not repeated.
pub(super) fn password_variable(var: &str, origin: &str, source: &std::env::VarError) -> String {
    let plausible = !var.is_empty()
        && !var.starts_with(|c: char| c.is_ascii_digit())
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let file = if origin.starts_with("[site_exchange]") {
        "[site_exchange] password_file"
    } else if origin.starts_with("[alerts.email]") {
        "[alerts.email] password_file"
    } else {
        "--password-file ([serve] password_file)"
    };
    if !plausible {
        return format!(
            "{origin} takes the name of an environment variable that holds the password, such \
             as BACHATA1C_PASSWORD, and what it was given is no variable's name (is it the \
             password itself? it is not repeated here): set the variable where the service \
             starts and give its name, or put the password in a file read with {file}"
        );
    }
    match source {
        std::env::VarError::NotPresent => format!(
            "the environment variable {var} ({origin}) is not set for bachata1c: a service does \
             not inherit the variables of your shell. Set it where the service starts (systemd: \
             Environment= or EnvironmentFile= in the unit; a Windows service: <env name=\"{var}\" \
             value=\"…\"/> in its .xml), or keep the password in a file read with {file}. \
             {origin} takes the variable's name, not the password"
        ),
        std::env::VarError::NotUnicode(_) => format!(
            "the environment variable {var} ({origin}) does not hold valid Unicode text; set it \
             again, or keep the password in a file read with {file}"
        ),
    }
}
