//! The TOML configuration file: folders, output, qualifying rules, watch settings, the
//! per-dealer mapping and the HTTP receiver. Every section is optional; command-line options
//! override what the file says. Unknown keys are errors that name the key, because a typo in
//! a config that is silently ignored loses leads.

mod paths;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use paths::literal as path_literal;

use crate::format::{CmlVersion, EnterpriseDataVersion, Format, Mapping, TextEncoding};
use crate::limits::{ByteSize, Limits};
use crate::monitor::threshold::{Count, Limit, Size, Span};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub output: OutputConfig,
    pub rules: RulesConfig,
    pub mapping: Mapping,
    pub limits: LimitsConfig,
    pub folders: FoldersConfig,
    pub watch: WatchConfig,
    pub serve: ServeConfig,
    pub site_exchange: SiteExchangeConfig,
    pub alerts: AlertsConfig,
    pub retention: RetentionConfig,
}

/// `[output]`: how files for 1C are written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub format: Option<Format>,
    pub encoding: Option<TextEncoding>,
    pub csv_quote: Option<bool>,
    /// CommerceML schema version, "2.10" (default) or "2.08".
    pub cml_version: Option<CmlVersion>,
    /// EnterpriseData version, "1.8" (default) or "1.6".
    pub enterprisedata_version: Option<EnterpriseDataVersion>,
    /// `bsp`: CSV for БСП's «Загрузка данных из файла»; `plain` (default): every field.
    pub csv_profile: Option<crate::format::bsp::CsvProfile>,
    /// What a `bsp` CSV (or an XLSX) is loaded into: its template's titles.
    pub csv_target: Option<crate::format::bsp::CsvTarget>,
    /// The partner of a `ut11-counterparties` file's counterparties, as 1C names it.
    pub csv_partner: Option<String>,
    /// Event name for webhooks that do not name their event.
    pub event: Option<String>,
    /// `run`, `watch`, `serve --convert` with CommerceML: one cumulative orders file of this
    /// name in the outbox, for 1C's exchange through a folder.
    pub commerceml_file: Option<String>,
    /// The days of leads that file holds.
    pub commerceml_window_days: Option<u32>,
}

/// `[rules]`: which clients are exported.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RulesConfig {
    pub require_phone: Option<bool>,
    pub require_valid_phone: Option<bool>,
    pub require_email: Option<bool>,
    pub allowed_events: Option<Vec<String>>,
}

/// `[limits]`: the most one input file may hold; see `limits.rs` for the defaults.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Bytes, or a size with a unit: `max_input_size = "16MiB"`.
    pub max_input_size: Option<ByteSize>,
    pub max_clients: Option<usize>,
}

impl LimitsConfig {
    /// These settings over `base` (the defaults, or what the command line already set).
    pub fn apply(&self, base: Limits) -> Limits {
        Limits {
            max_input_bytes: self.max_input_size.map_or(base.max_input_bytes, |s| s.0),
            max_clients: self.max_clients.unwrap_or(base.max_clients),
        }
    }
}

/// `[folders]`: the exchange folder and, where they live elsewhere, its parts. Relative paths
/// are taken from the config file's folder (`dir`) and from `dir` (the others).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FoldersConfig {
    pub dir: Option<PathBuf>,
    pub inbox: Option<PathBuf>,
    pub outbox: Option<PathBuf>,
    pub archive: Option<PathBuf>,
    pub failed: Option<PathBuf>,
    pub state: Option<PathBuf>,
    /// Take symbolic links to files from the inbox instead of refusing them.
    pub follow_symlinks: Option<bool>,
}

/// `[watch]`: when an inbox file counts as complete, and how `watch` looks for new files.
/// The readiness settings apply to `run` too.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchConfig {
    /// A file must keep its size and time this long before it is taken; unset, a file is
    /// taken as soon as it parses as a whole.
    pub settle_seconds: Option<f64>,
    /// A file that stays unparseable and unchanged this long goes to failed/.
    pub give_up_after_seconds: Option<f64>,
    /// `watch` scans the inbox at least this often, whatever the events say.
    pub rescan_seconds: Option<f64>,
    /// Poll instead of waiting for events (network shares send none).
    pub poll: Option<bool>,
    /// A claim whose worker has not renewed it for this long is taken back.
    pub lease_seconds: Option<f64>,
}

/// `[serve]`: the HTTP endpoint Bachata posts to (`bachata1c serve`). Relative file paths are
/// taken from the config file's folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServeConfig {
    /// Address and port to listen on, such as `127.0.0.1:8080` or `0.0.0.0:8443`.
    pub listen: Option<std::net::SocketAddr>,
    /// The URL path Bachata posts to; default `/webhook`.
    pub path: Option<String>,
    /// Largest accepted body: bytes, or a size with a unit (`body_limit = "2MiB"`); default
    /// 1 MiB. A size is never 0.
    pub body_limit: Option<ByteSize>,
    /// Basic Authentication user; the password comes from `password_env` or `password_file`.
    pub user: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// File whose first line is the password.
    pub password_file: Option<PathBuf>,
    /// PEM certificate chain and private key: serve HTTPS directly.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Seconds a client may take to send the request head (also the idle keep-alive limit).
    /// `header_timeout_secs` is its old name, still read (deprecated): every key in seconds
    /// ends in `_seconds`.
    #[serde(alias = "header_timeout_secs")]
    pub header_timeout_seconds: Option<u64>,
    /// Seconds a client may take to send the body; `body_timeout_secs` is its old name.
    #[serde(alias = "body_timeout_secs")]
    pub body_timeout_seconds: Option<u64>,
    /// Most connections open at once; default 512.
    pub max_connections: Option<u64>,
    /// Reverse proxies whose `X-Forwarded-For`/`X-Real-IP` names the client; default the
    /// loopback addresses (`[]`: trust none).
    pub trusted_proxies: Option<Vec<std::net::IpAddr>>,
}

/// `[site_exchange]`: 1C's «Обмен с сайтом» served by `serve` (docs/1c-site-exchange.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteExchangeConfig {
    /// Answer 1C at all; default: whenever `serve` knows the exchange folder's state folder.
    pub enabled: Option<bool>,
    /// Our own path, default `/1c_exchange.php`; `/bitrix/admin/1c_exchange.php` is always
    /// answered too (1C's default when the node's address has no path).
    pub path: Option<String>,
    /// 1C's login; default: the webhook's `[serve] user` and password.
    pub user: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// The largest query answer, and the parts 1C splits its uploads into; default 1 MiB.
    pub file_limit: Option<ByteSize>,
    /// A session idle this long ends, and a query's leads stay its own this long; default 60.
    pub session_minutes: Option<u64>,
    /// Record 1C's exchange this long (`"30m"`) into state/trace-1c/, once per value.
    pub trace_1c: Option<crate::span::Span>,
}

/// `[alerts]`: when the flow is wrong (`status --check` and the alerts; `"off"` turns a check
/// off: times as people write them, `"2h"`, `"30m"`, sizes with a unit, `"1GiB"`), and how
/// `run`, `watch` and `serve` tell a person that leads stopped flowing (docs/monitoring.md).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsConfig {
    /// A command line run through the system shell with the alert's text on standard input.
    pub command: Option<String>,
    /// Seconds the command may run before it is killed.
    pub command_timeout_seconds: Option<u64>,
    /// Hours before a condition that still holds is told again.
    pub repeat_hours: Option<u64>,
    /// Seconds between two looks of `watch` and `serve` at the flow, for alerts.
    pub check_every_seconds: Option<u64>,
    pub email: Option<AlertsEmailConfig>,
    /// The oldest lead waiting for 1C may be this old; default 2h.
    pub max_waiting: Option<Limit<Span>>,
    /// 1C may be silent this long while leads wait; default 1h.
    pub max_1c_silence: Option<Limit<Span>>,
    /// Bachata may post no webhook this long; default off.
    pub max_webhook_silence: Option<Limit<Span>>,
    /// Refused inputs in failed/ beyond this many are a warning; default 0.
    pub max_refused: Option<Limit<Count>>,
    /// Free space of the exchange folder's disk below this is a warning; default 1GiB.
    pub min_free_disk: Option<Limit<Size>>,
}

/// `[retention]`: how many days each part of the exchange folder keeps what is done with (a
/// number of days, at least `retention::MIN_DAYS`, or `"off"`: for ever).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// archive/'s dated folders; default 90.
    pub archive_days: Option<crate::retention::Days>,
    /// failed/'s refused inputs and their reasons; default 90.
    pub failed_days: Option<crate::retention::Days>,
    /// The personal data of leads 1C has confirmed, in the ledger; default 90.
    pub ledger_days: Option<crate::retention::Days>,
}

/// `[alerts.email]`: alerts by mail. Relative file paths are taken from the config file's
/// folder.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertsEmailConfig {
    /// The SMTP server; mail is sent only when it is set.
    pub host: Option<String>,
    /// Default: 587 for starttls, 465 for tls, 25 for none.
    pub port: Option<u16>,
    pub security: Option<crate::alerts::Security>,
    /// The login; the password comes from `password_env` or `password_file`.
    pub user: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub from: Option<String>,
    /// One address, or a list.
    pub to: Option<Addresses>,
    /// PEM file of the CA that issued a private mail server's certificate.
    pub ca_file: Option<PathBuf>,
}

/// One address or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "an address, or a list of addresses")]
pub enum Addresses {
    One(String),
    Many(Vec<String>),
}

impl Addresses {
    pub fn list(&self) -> Vec<String> {
        match self {
            Addresses::One(one) => vec![one.clone()],
            Addresses::Many(many) => many.clone(),
        }
    }
}

/// A config file that cannot be used, with the file and (from toml) the line and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config {}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses config text; the error names the line, the key and the reason. TOML's own
    /// messages take several lines (the line, a caret under the column).
    pub fn parse(text: &str) -> Result<Config, String> {
        // A UTF-8 BOM, as Windows Notepad writes, is not TOML.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let config: Config = toml::from_str(text).map_err(|err| {
            // The alert command names programs by their paths too.
            let path_keys: Vec<&str> = Config::default()
                .paths()
                .map(|(key, _)| key)
                .into_iter()
                .chain(["alerts.command"])
                .collect();
            err.span()
                .and_then(|at| paths::bad_escape(text, at, &path_keys))
                .unwrap_or_else(|| err.to_string().trim_end().to_string())
        })?;
        config.check_paths()?;
        if let Some(refusal) = config
            .alerts
            .command
            .as_deref()
            .and_then(|command| paths::control_character("alerts.command", command))
        {
            return Err(refusal);
        }
        config.mapping.validate()?;
        config.watch.check()?;
        Ok(config)
    }

    /// Every key that holds a path, as `section.key`, with its value.
    fn paths(&self) -> [(&'static str, Option<&PathBuf>); 12] {
        let (folders, serve) = (&self.folders, &self.serve);
        [
            ("folders.dir", folders.dir.as_ref()),
            ("folders.inbox", folders.inbox.as_ref()),
            ("folders.outbox", folders.outbox.as_ref()),
            ("folders.archive", folders.archive.as_ref()),
            ("folders.failed", folders.failed.as_ref()),
            ("folders.state", folders.state.as_ref()),
            ("serve.password_file", serve.password_file.as_ref()),
            ("serve.tls_cert", serve.tls_cert.as_ref()),
            ("serve.tls_key", serve.tls_key.as_ref()),
            (
                "site_exchange.password_file",
                self.site_exchange.password_file.as_ref(),
            ),
            (
                "alerts.email.password_file",
                self.alerts
                    .email
                    .as_ref()
                    .and_then(|e| e.password_file.as_ref()),
            ),
            (
                "alerts.email.ca_file",
                self.alerts.email.as_ref().and_then(|e| e.ca_file.as_ref()),
            ),
        ]
    }

    /// No path holds a control character: in a config, one comes from a Windows path in
    /// double quotes (`"D:\temp"` holds a tab), never from a folder someone meant.
    fn check_paths(&self) -> Result<(), String> {
        for (key, path) in self.paths() {
            if let Some(refusal) =
                path.and_then(|path| paths::control_character(key, &path.to_string_lossy()))
            {
                return Err(refusal);
            }
        }
        Ok(())
    }
}

impl WatchConfig {
    /// Durations must be finite and not negative; the error names the key.
    fn check(&self) -> Result<(), String> {
        let keys = [
            ("settle_seconds", self.settle_seconds),
            ("give_up_after_seconds", self.give_up_after_seconds),
            ("rescan_seconds", self.rescan_seconds),
            ("lease_seconds", self.lease_seconds),
        ];
        for (key, value) in keys {
            if let Some(v) = value
                && !(v.is_finite() && v >= 0.0)
            {
                return Err(format!(
                    "[watch] {key} = {v}: a number of seconds, 0 or more, is expected"
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_config_is_valid_and_crlf_is_fine() {
        Config::parse("").unwrap();
        let c = Config::parse("[output]\r\nformat = \"xml\"\r\nencoding = \"utf-8\"\r\n").unwrap();
        assert_eq!(c.output.format, Some(Format::Xml));
    }

    #[test]
    fn the_example_config_in_the_1c_import_guide_is_valid() {
        let guide = include_str!("../docs/1c-import.md");
        let blocks: Vec<&str> = guide
            .split("```toml\n")
            .skip(1)
            .filter_map(|rest| rest.split("```").next())
            .collect();
        for block in &blocks {
            Config::parse(block).unwrap_or_else(|e| panic!("{e}:\n{block}"));
        }
        let example = blocks
            .iter()
            .find(|block| block.contains("[mapping.enterprisedata]"))
            .expect("the [mapping] example in docs/1c-import.md");
        let config = Config::parse(example).unwrap();
        assert_eq!(config.output.format, Some(Format::Commerceml));
        let columns = config.mapping.csv.columns();
        assert_eq!(columns[2].1, "Мобильный телефон");
        assert_eq!(
            config.mapping.enterprisedata.organisation.as_deref(),
            Some("ООО «Автодилер»")
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_are_named() {
        let err = Config::parse("[output]\nformt = \"xml\"\n").unwrap_err();
        assert!(err.contains("formt"), "{err}");
        let err = Config::parse("[output]\nencoding = \"koi8\"\n").unwrap_err();
        assert!(err.contains("koi8") && err.contains("line 2"), "{err}");
    }

    #[test]
    fn a_bad_escape_outside_a_path_key_keeps_the_toml_message() {
        let err = Config::parse("[output]\nevent = \"C:\\xyz\"\n").unwrap_err();
        assert!(err.starts_with("TOML parse error at line 2"), "{err}");
        let err = Config::parse("[folders]\r\ndir = \"C:\\xyz\"\r\n").unwrap_err();
        assert!(
            err.starts_with("line 2: [folders] dir = \"C:\\xyz\""),
            "{err}"
        );
        // A path in single quotes or with doubled backslashes is what it says.
        let c =
            Config::parse("[folders]\ndir = 'D:\\temp'\ninbox = \"D:\\\\temp\\\\in\"\n").unwrap();
        assert_eq!(c.folders.dir, Some(PathBuf::from("D:\\temp")));
        assert_eq!(c.folders.inbox, Some(PathBuf::from("D:\\temp\\in")));
    }

    #[test]
    fn limits_read_with_crlf_and_units_and_keep_defaults_for_the_rest() {
        let c = Config::parse("\u{FEFF}[limits]\r\nmax_input_size = \"2 MiB\"\r\n").unwrap();
        let limits = c.limits.apply(Limits::default());
        assert_eq!(limits.max_input_bytes, 2 << 20);
        assert_eq!(limits.max_clients, crate::limits::DEFAULT_MAX_CLIENTS);
        let c = Config::parse("[limits]\nmax_input_size = 1000\nmax_clients = 5\n").unwrap();
        assert_eq!(
            c.limits.apply(Limits::default()),
            Limits {
                max_input_bytes: 1000,
                max_clients: 5
            }
        );
    }

    #[test]
    fn bad_limits_are_named() {
        let err = Config::parse("[limits]\nmax_input_size = \"16 TB\"\n").unwrap_err();
        assert!(err.contains("16 TB") && err.contains("line 2"), "{err}");
        let err = Config::parse("[limits]\nmax_input_size = 0\n").unwrap_err();
        assert!(err.contains("more than 0"), "{err}");
        let err = Config::parse("[limits]\nmax_client = 5\n").unwrap_err();
        assert!(err.contains("max_client"), "{err}");
    }

    #[test]
    fn folders_and_watch_sections_are_typed() {
        let c =
            Config::parse("[folders]\ndir = \"x\"\n[watch]\nsettle_seconds = 0.5\npoll = true\n")
                .unwrap();
        assert_eq!(c.folders.dir, Some(PathBuf::from("x")));
        assert_eq!(c.watch.settle_seconds, Some(0.5));
        let err = Config::parse("[folders]\ninbx = \"in\"\n").unwrap_err();
        assert!(err.contains("inbx"), "{err}");
        let err = Config::parse("[watch]\nsettle_seconds = -1\n").unwrap_err();
        assert!(err.contains("settle_seconds"), "{err}");
        let err = Config::parse("[watch]\npoll = \"yes\"\n").unwrap_err();
        assert!(err.contains("poll"), "{err}");
    }

    #[test]
    fn the_serve_section_is_typed_and_strict() {
        let c = Config::parse(
            "[serve]\nlisten = \"0.0.0.0:8443\"\nuser = \"bachata\"\npassword_env = \"HOOK_PASSWORD\"\nbody_limit = 2048\n",
        )
        .unwrap();
        assert_eq!(c.serve.listen, Some("0.0.0.0:8443".parse().unwrap()));
        assert_eq!(c.serve.body_limit, Some(ByteSize(2048)));
        let err = Config::parse("[serve]\npassword = \"x\"\n").unwrap_err();
        assert!(err.contains("password"), "{err}");
        let err = Config::parse("[serve]\nlisten = \"localhost\"\n").unwrap_err();
        assert!(err.contains("listen") || err.contains("line 2"), "{err}");
    }

    #[test]
    fn windows_paths_in_double_quotes_in_the_alerts_sections_are_refused_with_the_key() {
        let err = Config::parse("[alerts]\ncommand = \"C:\\bachata\\tg.cmd\"\n").unwrap_err();
        assert!(err.contains("[alerts] command"), "{err}");
        assert!(err.contains("command = 'C:\\bachata\\tg.cmd'"), "{err}");
        let err = Config::parse("[alerts.email]\nca_file = \"D:\\Certs\\ca.pem\"\n").unwrap_err();
        assert!(err.contains("[alerts.email] ca_file"), "{err}");
        let c = Config::parse("[alerts.email]\npassword_file = 'D:\\temp\\p.txt'\n").unwrap();
        assert_eq!(
            c.alerts.email.unwrap().password_file,
            Some(PathBuf::from("D:\\temp\\p.txt"))
        );
    }

    #[test]
    fn alert_thresholds_are_times_counts_and_sizes_or_off() {
        let c = Config::parse(
            "[alerts]\nmax_waiting = \"90m\"\nmax_webhook_silence = \"off\"\nmax_refused = 3\nmin_free_disk = \"2GiB\"\n",
        )
        .unwrap();
        assert_eq!(
            c.alerts.max_waiting,
            Some(Limit::At(Span(std::time::Duration::from_secs(5400))))
        );
        assert_eq!(c.alerts.max_webhook_silence, Some(Limit::Off));
        assert_eq!(c.alerts.max_refused, Some(Limit::At(Count(3))));
        assert_eq!(c.alerts.min_free_disk, Some(Limit::At(Size(2 << 30))));
        let err = Config::parse("[alerts]\nmax_1c_silence = \"an hour\"\n").unwrap_err();
        assert!(
            err.contains("max_1c_silence") && err.contains("30m, 2h"),
            "{err}"
        );
    }

    #[test]
    fn the_alerts_section_is_typed_and_strict() {
        let c = Config::parse(
            "[alerts]\ncommand = 'telegram-alert.sh'\ncommand_timeout_seconds = 20\n\
             [alerts.email]\nhost = \"smtp.example.ru\"\nsecurity = \"tls\"\nto = \"a@b.ru\"\n",
        )
        .unwrap();
        assert_eq!(c.alerts.command.as_deref(), Some("telegram-alert.sh"));
        let email = c.alerts.email.unwrap();
        assert_eq!(email.security, Some(crate::alerts::Security::Tls));
        assert_eq!(email.to.unwrap().list(), ["a@b.ru"]);
        let c = Config::parse("[alerts.email]\nto = [\"a@b.ru\", \"c@d.ru\"]\n").unwrap();
        assert_eq!(c.alerts.email.unwrap().to.unwrap().list().len(), 2);
        let err = Config::parse("[alerts.email]\nsecurity = \"ssl\"\n").unwrap_err();
        assert!(err.contains("ssl") && err.contains("starttls"), "{err}");
        let err = Config::parse("[alerts.email]\nto = 5\n").unwrap_err();
        assert!(err.contains("a list of addresses"), "{err}");
        let err = Config::parse("[alerts]\npassword = \"x\"\n").unwrap_err();
        assert!(err.contains("password"), "{err}");
    }

    #[test]
    fn keys_in_seconds_end_in_seconds_and_the_old_serve_names_are_still_read() {
        let new = Config::parse("[serve]\nheader_timeout_seconds = 5\nbody_timeout_seconds = 7\n")
            .unwrap();
        let old =
            Config::parse("[serve]\nheader_timeout_secs = 5\nbody_timeout_secs = 7\n").unwrap();
        for c in [new, old] {
            assert_eq!(c.serve.header_timeout_seconds, Some(5));
            assert_eq!(c.serve.body_timeout_seconds, Some(7));
        }
        let err = Config::parse("[serve]\nheader_timeout_secs = 5\nheader_timeout_seconds = 6\n")
            .unwrap_err();
        assert!(err.contains("header_timeout_seconds"), "{err}");
    }

    #[test]
    fn retention_keeps_days_from_the_minimum_or_off_and_names_the_key_of_too_few() {
        use crate::retention::Days;
        let c = Config::parse("[retention]\narchive_days = 30\nfailed_days = \"off\"\n").unwrap();
        assert_eq!(c.retention.archive_days, Some(Days::Keep(30)));
        assert_eq!(c.retention.failed_days, Some(Days::Off));
        assert_eq!(c.retention.ledger_days, None);
        for bad in ["0", "3", "\"never\"", "-5"] {
            let err = Config::parse(&format!("[retention]\nledger_days = {bad}\n")).unwrap_err();
            assert!(
                err.contains("ledger_days") && err.contains("7 or more, or \"off\""),
                "{bad}: {err}"
            );
        }
    }
}
