//! The one place where the command line meets the config file: each command's options and the
//! TOML file become one typed settings value, with every default written here once and every
//! cross-option rule applied here. The rest of the program takes these values and never sees a
//! clap type. A setting that cannot be used is an [`Error`] naming the option and the key.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{
    ConvertArgs, DoctorArgs, FolderArgs, InitArgs, LimitArgs, LogArgs, OutputArgs, ReportArgs,
    RetryArgs, RuleArgs, RunArgs, ServeArgs, StatusArgs, WatchArgs,
};
use crate::config::{Config, ConfigError};
use crate::exchange::folders::{CONFIG_NAME, Folders};
use crate::files::identity::{Relation, identity, relation};
use crate::format::bsp::{CsvProfile, DEFAULT_PARTNER};
use crate::format::{Format, Layout, TextEncoding};
use crate::lead::Rules;
use crate::limits::Limits;
use crate::password::{PasswordError, PasswordSource};
use crate::report::Level;
use crate::serve::Credentials;
use crate::support::{bundle, trace};

mod alerts;
pub use alerts::alerts;

mod checks;
pub use checks::{alerting, check, serve_alerting, serve_log, thresholds};

mod retention;
pub use retention::retention;

/// The format when none is asked for: CSV for a 1C processing, the integration note's route.
pub const DEFAULT_FORMAT: Format = Format::Csv;
/// Event name for webhooks that do not name their event.
pub const DEFAULT_EVENT: &str = "dialog_completed";
/// An unparseable file unchanged this long goes to failed/ (it is not being written any more).
pub const DEFAULT_GIVE_UP_AFTER: Duration = Duration::from_secs(120);
/// A claim not renewed this long belongs to a dead worker of another machine.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(300);
/// `watch` scans at least this often: with events, and with `--poll`.
pub const DEFAULT_RESCAN: Duration = Duration::from_secs(30);
pub const DEFAULT_POLL_RESCAN: Duration = Duration::from_secs(2);
/// The shortest rescan interval accepted: below it `watch` would only spin.
const MIN_RESCAN: Duration = Duration::from_millis(50);
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_WEBHOOK_PATH: &str = "/webhook";
pub const HEALTH_PATH: &str = "/health";
/// Where Prometheus scrapes the flow's metrics.
pub const METRICS_PATH: &str = "/metrics";
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// The peers whose `X-Forwarded-For` (or `X-Real-IP`) names the client: a reverse proxy on this
/// machine, as deploy/nginx/bachata1c.conf is. Any other peer is the client itself.
pub const DEFAULT_TRUSTED_PROXIES: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];
/// Where 1C's «Обмен с сайтом» finds bachata1c, and where 1C looks when the address in its
/// node has no path (the Bitrix default; docs/site-exchange-protocol.md §5).
pub const DEFAULT_SITE_PATH: &str = "/1c_exchange.php";
pub const BITRIX_SITE_PATH: &str = "/bitrix/admin/1c_exchange.php";
pub const DEFAULT_FILE_LIMIT: usize = 1024 * 1024;
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(60 * 60);

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
    Credentials(#[from] crate::serve::auth::CredentialsError),
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

/// How one input becomes a document: what decides a conversion's result.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub layout: Layout,
    pub rules: Rules,
    /// Event name for payloads that carry none.
    pub default_event: String,
}

impl Conversion {
    /// The default rules and event for `layout`.
    pub fn new(layout: Layout) -> Self {
        Conversion {
            layout,
            rules: Rules::default(),
            default_event: DEFAULT_EVENT.to_string(),
        }
    }
}

/// Where log lines go and how many.
#[derive(Debug, Clone)]
pub struct Log {
    pub level: Level,
    pub file: Option<PathBuf>,
}

/// `convert`: inputs read by hand into an output folder.
#[derive(Debug, Clone)]
pub struct Convert {
    pub inputs: Vec<PathBuf>,
    pub out: PathBuf,
    pub conversion: Conversion,
    pub limits: Limits,
    pub log: Log,
    /// The config names a cumulative CommerceML file, which only the exchange folder keeps.
    pub orders_file_ignored: bool,
}

/// `run` (and the exchange-folder part of `watch` and `serve --convert`).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub folders: Folders,
    pub conversion: Conversion,
    pub limits: Limits,
    /// `--settle`: files must stand unchanged this long before they are taken. `None`: taken
    /// at once, since a webhook that parses as a whole is complete.
    pub settle: Option<Duration>,
    pub give_up_after: Duration,
    pub lease: Duration,
    /// `--batch`: one output file per run (per scan in `watch`) instead of one per input.
    pub one_output_per_run: bool,
    /// `--commerceml-file`: one cumulative CommerceML file instead of one per input.
    pub orders_file: Option<OrdersFile>,
    pub done_marker: Option<String>,
    /// Take symbolic links to files in the inbox rather than refusing them.
    pub follow_symlinks: bool,
    /// Start a new ledger although archive/ holds inputs (it is filled from the archive).
    pub new_ledger: bool,
    pub log: Log,
}

/// The one CommerceML file 1C's exchange through a folder reads: the leads of the window,
/// numbered by the ledger's queue.
#[derive(Debug, Clone)]
pub struct OrdersFile {
    pub name: String,
    pub window_days: u32,
}

pub const DEFAULT_WINDOW_DAYS: u32 = 30;

/// `watch`: the exchange folder, and how the inbox is watched.
#[derive(Debug, Clone)]
pub struct Watch {
    pub exchange: Exchange,
    /// No file-system events: scan on the timer only (network shares).
    pub poll: bool,
    pub rescan: Duration,
}

/// `status` and `retry`: only where the folders are.
#[derive(Debug, Clone)]
pub struct Folder {
    pub folders: Folders,
}

/// `serve`: the HTTP endpoint, and with `--convert` the watcher beside it.
#[derive(Debug, Clone)]
pub struct Serve {
    pub listen: SocketAddr,
    /// The path Bachata posts to, such as `/webhook`.
    pub path: String,
    /// Bodies above this many bytes are refused with 413.
    pub body_limit: usize,
    /// `None`: every request is accepted (for a loopback address behind a proxy that checks).
    pub credentials: Option<Credentials>,
    pub inbox: PathBuf,
    pub failed: PathBuf,
    pub tls: Option<Tls>,
    /// Longest time for a client to send the request line and headers, the TLS handshake, and
    /// the longest an idle keep-alive connection is kept.
    pub header_timeout: Duration,
    /// Longest time for a client to send the whole body.
    pub body_timeout: Duration,
    /// Most connections open at once (lowered to what the descriptor limit allows); at the cap
    /// the longest-idle connection is closed to make room.
    pub max_connections: usize,
    /// `--convert`: the watcher over the same exchange folder, in this process.
    pub convert: Option<Watch>,
    /// 1C's «Обмен с сайтом», when the exchange folder's state folder is known and a login is
    /// set for it.
    pub site: Option<SiteExchange>,
    /// 1C's paths when the site exchange would be on but no login is set: leads are never
    /// served without one, so every request there is answered `failure` with the reason.
    pub site_without_login: Vec<String>,
    /// Peers whose `X-Forwarded-For`/`X-Real-IP` names the client (whose wrong passwords are
    /// counted); any other peer is the client.
    pub trusted_proxies: Vec<IpAddr>,
    /// The trace of 1C's exchange (`--trace-1c`), whenever 1C's paths are answered: a start
    /// without the option ends a trace still running, and removes one past its keeping.
    pub trace_1c: Option<trace::Settings>,
    /// What `/metrics` reads, and where 1C's and Bachata's last requests are recorded.
    pub flow: crate::monitor::Parts,
}

/// 1C's «Обмен с сайтом» as `serve` answers it.
#[derive(Debug, Clone)]
pub struct SiteExchange {
    /// Our own path and the Bitrix default, both answered.
    pub paths: Vec<String>,
    /// 1C's login: the exchange hands out personal data, so it is never served without one.
    pub credentials: Credentials,
    pub ledger: PathBuf,
    /// The largest query answer in bytes, and what `init` tells 1C.
    pub file_limit: usize,
    /// Where the files 1C uploads are kept while they arrive (the state folder's `uploads/`).
    pub uploads: PathBuf,
    pub session_timeout: Duration,
    /// How orders are written: CommerceML with the dealer's `[mapping]` and schema version.
    pub layout: Layout,
}

/// PEM certificate chain and private key for HTTPS served directly with rustls.
#[derive(Debug, Clone)]
pub struct Tls {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The config file in use and the folder its relative paths start from.
struct Source {
    config: Config,
    base: PathBuf,
}

impl Source {
    /// The config named by `--config`, else `DIR/bachata1c.toml` when it exists, else none.
    fn of(folders: &FolderArgs) -> Result<Source, Error> {
        debug_assert!(folders.folder.is_none(), "merged into --dir by `given`");
        let path = match (&folders.config, &folders.dir) {
            (Some(path), _) => Some(path.clone()),
            (None, Some(dir)) if dir.join(CONFIG_NAME).is_file() => Some(dir.join(CONFIG_NAME)),
            _ => None,
        };
        Source::load(path.as_deref())
    }

    fn load(path: Option<&Path>) -> Result<Source, Error> {
        Ok(match path {
            Some(path) => Source {
                config: Config::load(path)?,
                base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            },
            None => Source {
                config: Config::default(),
                base: PathBuf::new(),
            },
        })
    }

    /// The exchange folder: `--dir`, else `[folders] dir` from the config file's folder.
    fn dir(&self, args: &FolderArgs) -> Option<PathBuf> {
        args.dir.clone().or_else(|| {
            self.config
                .folders
                .dir
                .as_ref()
                .map(|dir| self.base.join(dir))
        })
    }

    /// One part of the exchange folder: the option, else the config's key inside the exchange
    /// folder (or absolute), else `DIR/<part>`.
    fn folder(&self, args: &FolderArgs, part: &'static str) -> Result<PathBuf, Error> {
        let (given, file) = match part {
            "inbox" => (&args.inbox, &self.config.folders.inbox),
            "outbox" => (&args.outbox, &self.config.folders.outbox),
            "archive" => (&args.archive, &self.config.folders.archive),
            "failed" => (&args.failed, &self.config.folders.failed),
            _ => (&args.state, &self.config.folders.state),
        };
        if let Some(path) = given {
            return Ok(path.clone());
        }
        match (file, self.dir(args)) {
            (Some(path), Some(dir)) => Ok(dir.join(path)),
            (Some(path), None) if path.is_absolute() => Ok(path.clone()),
            (None, Some(dir)) => Ok(dir.join(part)),
            _ => Err(Error::NoFolder { part }),
        }
    }

    fn folders(&self, args: &FolderArgs) -> Result<Folders, Error> {
        let folders = Folders {
            inbox: self.folder(args, "inbox")?,
            outbox: self.folder(args, "outbox")?,
            archive: self.folder(args, "archive")?,
            failed: self.folder(args, "failed")?,
            state: self.folder(args, "state")?,
        };
        apart(&[
            ("inbox", &folders.inbox),
            ("outbox", &folders.outbox),
            ("archive", &folders.archive),
            ("failed", &folders.failed),
            ("state", &folders.state),
        ])?;
        Ok(folders)
    }

    /// The output options over the config's `[output]` and `[mapping]` over the defaults.
    fn conversion(&self, output: &OutputArgs, rules: &RuleArgs) -> Result<Conversion, Error> {
        let file = &self.config.output;
        let format = output.format.or(file.format).unwrap_or(DEFAULT_FORMAT);
        // XLSX has no encoding to choose: `--encoding` (and the config's) is ignored for it.
        let encoding = output
            .encoding
            .or(file.encoding)
            .filter(|_| format.has_encoding());
        let mut layout = Layout {
            format,
            encoding: encoding.unwrap_or(format.default_encoding()),
            csv_quote: output.csv_quote || file.csv_quote.unwrap_or(false),
            cml_version: output.cml_version.or(file.cml_version).unwrap_or_default(),
            enterprisedata_version: output
                .enterprisedata_version
                .or(file.enterprisedata_version)
                .unwrap_or_default(),
            mapping: self.config.mapping.clone(),
        };
        let profile = output.csv_profile.or(file.csv_profile).unwrap_or_default();
        let bsp_csv = profile == CsvProfile::Bsp && format == Format::Csv;
        if bsp_csv {
            // БСП's loader reads UTF-8 (`Новый ЧтениеТекста(ИмяФайла)`, no encoding) and splits
            // on every `;` (no quotes): docs/1c-loaders-research.md §1.2.
            if encoding == Some(TextEncoding::Windows1251) {
                return Err(Error::BspEncoding);
            }
            if layout.csv_quote {
                return Err(Error::BspQuote);
            }
            layout.encoding = TextEncoding::Utf8;
        }
        let partner = output
            .csv_partner
            .as_ref()
            .or(file.csv_partner.as_ref())
            .map_or(DEFAULT_PARTNER, String::as_str);
        if partner.trim().is_empty() {
            return Err(Error::EmptyPartner);
        }
        // The loader reads a workbook by the same titles: with the `bsp` profile an XLSX takes
        // the target's columns too (it has no encoding to choose).
        let bsp_xlsx = profile == CsvProfile::Bsp && format == Format::Xlsx;
        let csv = &mut layout.mapping.csv;
        if (bsp_csv || bsp_xlsx) && csv.columns.is_none() {
            let target = output.csv_target.or(file.csv_target).unwrap_or_default();
            for (column, title) in target.columns(partner) {
                csv.titles.entry(column.clone()).or_insert(title);
                csv.columns.get_or_insert_with(Vec::new).push(column);
            }
        }
        Ok(Conversion {
            layout,
            rules: self.rules(rules),
            default_event: output
                .event
                .clone()
                .or_else(|| file.event.clone())
                .unwrap_or_else(|| DEFAULT_EVENT.to_string()),
        })
    }

    /// The rule options over the config's `[rules]` over the defaults (the integration note's:
    /// a phone, nothing else).
    fn rules(&self, args: &RuleArgs) -> Rules {
        let file = &self.config.rules;
        let defaults = Rules::default();
        Rules {
            require_phone: !args.no_require_phone
                && file.require_phone.unwrap_or(defaults.require_phone),
            require_valid_phone: args.require_valid_phone
                || file
                    .require_valid_phone
                    .unwrap_or(defaults.require_valid_phone),
            require_email: args.require_email
                || file.require_email.unwrap_or(defaults.require_email),
            allowed_events: if args.only_event.is_empty() {
                file.allowed_events.clone().unwrap_or_default()
            } else {
                args.only_event.clone()
            },
        }
    }

    /// The limit options over the config's `[limits]` over the defaults.
    fn limits(&self, args: &LimitArgs) -> Limits {
        let base = self.config.limits.apply(Limits::default());
        Limits {
            max_input_bytes: args.max_input_size.map_or(base.max_input_bytes, |s| s.0),
            max_clients: args.max_clients.map_or(base.max_clients, |n| {
                usize::try_from(n).unwrap_or(usize::MAX)
            }),
        }
    }
}

fn log(args: &LogArgs) -> Log {
    Log {
        level: match (args.quiet, args.verbose) {
            (true, _) => Level::Summary,
            (false, false) => Level::File,
            (false, true) => Level::Detail,
        },
        file: args.log_file.clone(),
    }
}

/// A number of seconds from the option, else the config key, else the default.
fn seconds(
    given: Option<f64>,
    file: Option<f64>,
    default: Duration,
    (option, key): (&'static str, &'static str),
) -> Result<Duration, Error> {
    match given.or(file) {
        None => Ok(default),
        Some(value) => Duration::try_from_secs_f64(value).map_err(|_| Error::Seconds {
            option,
            section: "watch",
            key,
            value,
            least: "0",
        }),
    }
}

/// `convert`: the options over the config's `[output]`, `[rules]`, `[mapping]`, `[limits]`.
pub fn convert(args: &ConvertArgs) -> Result<Convert, Error> {
    let source = Source::load(args.config.as_deref())?;
    Ok(Convert {
        inputs: args.inputs.clone(),
        out: args.out.clone(),
        conversion: source.conversion(&args.output, &args.rules)?,
        limits: source.limits(&args.limits),
        log: log(&args.log),
        orders_file_ignored: source.config.output.commerceml_file.is_some(),
    })
}

/// `init`: the folders to create, the exchange folder, and where its config goes.
#[derive(Debug, Clone)]
pub struct Init {
    pub folders: Folders,
    pub dir: PathBuf,
    pub config: PathBuf,
    /// `--owner USER[:GROUP]`, as given.
    pub owner: Option<String>,
}

pub fn init(args: &InitArgs) -> Result<Init, Error> {
    let args_owner = args.owner.clone();
    let args = given(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        ..FolderArgs::default()
    })?;
    // The config is read when it is there; a new one is what `init` writes.
    let existing = args.config.as_ref().filter(|path| path.exists());
    let source = match existing {
        Some(path) => Source::load(Some(path))?,
        None => Source::of(&FolderArgs {
            config: None,
            ..args.clone()
        })?,
    };
    let dir = source.dir(&args).ok_or(Error::NeedsDir("init"))?;
    Ok(Init {
        folders: source.folders(&args)?,
        config: args.config.clone().unwrap_or_else(|| dir.join(CONFIG_NAME)),
        dir,
        owner: args_owner,
    })
}

pub fn status(args: &StatusArgs) -> Result<Folder, Error> {
    folder(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        state: args.state.clone(),
        ..FolderArgs::default()
    })
}

/// `report`: the folders as `status` finds them, the config in use, and what makes `status`
/// look at the same folder.
pub fn report(args: &ReportArgs) -> Result<bundle::Settings, Error> {
    let given_args = given(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        state: args.state.clone(),
        ..FolderArgs::default()
    })?;
    let source = Source::of(&given_args)?;
    let config = match (&given_args.config, &given_args.dir) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(dir)) if dir.join(CONFIG_NAME).is_file() => Some(dir.join(CONFIG_NAME)),
        _ => None,
    };
    let mut status_args = Vec::new();
    for (option, value) in [
        ("--dir", &given_args.dir),
        ("--config", &given_args.config),
        ("--inbox", &given_args.inbox),
        ("--failed", &given_args.failed),
        ("--state", &given_args.state),
    ] {
        if let Some(value) = value {
            status_args.push(option.into());
            status_args.push(value.clone().into_os_string());
        }
    }
    status_args.push("--failures".into());
    status_args.push(crate::support::parts::REASONS.to_string().into());
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "bachata1c-report-{}.zip",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ))
    });
    Ok(bundle::Settings {
        folders: source.folders(&given_args)?,
        config,
        out,
        logs: args.log_file.clone(),
        personal_data: args.with_personal_data,
        status_args,
    })
}

pub fn retry(args: &RetryArgs) -> Result<Folder, Error> {
    // `bachata1c retry /srv/bachata`: a folder where a name of failed/ belongs.
    if args.dir.is_none()
        && args.config.is_none()
        && let Some(name) = args.names.iter().find(|name| Path::new(name).is_dir())
    {
        return Err(Error::RetryFolderAsName(PathBuf::from(name)));
    }
    folder(&FolderArgs {
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        ..FolderArgs::default()
    })
}

/// `leads`: where the ledger is, and which leads to list how.
#[derive(Debug, Clone)]
pub struct Leads {
    pub folders: Folders,
    pub filter: crate::ledger::Filter,
    pub format: crate::cli::ListFormat,
}

pub fn leads(args: &crate::cli::LeadsArgs) -> Result<Leads, Error> {
    let when = |option: &'static str, text: &Option<String>| -> Result<Option<String>, Error> {
        text.as_deref().map(|text| moment(option, text)).transpose()
    };
    Ok(Leads {
        folders: folder(&FolderArgs {
            folder: args.folder.clone(),
            dir: args.dir.clone(),
            config: args.config.clone(),
            state: args.state.clone(),
            ..FolderArgs::default()
        })?
        .folders,
        filter: crate::ledger::Filter {
            states: args.only.clone(),
            since: when("--since", &args.since)?,
            until: when("--until", &args.until)?,
            limit: args.limit.or(match args.format {
                crate::cli::ListFormat::Table => Some(50),
                _ => None,
            }),
        },
        format: args.format,
    })
}

/// `2026-12-01` or `2026-12-01 14:30[:05]` as the ledger's sortable text.
fn moment(option: &'static str, text: &str) -> Result<String, Error> {
    let text = text.trim();
    let parsed = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| Error::Moment {
            option,
            text: text.to_string(),
        })?;
    Ok(parsed.format("%Y-%m-%d %H:%M:%S").to_string())
}

fn folder(args: &FolderArgs) -> Result<Folder, Error> {
    let args = given(args)?;
    Ok(Folder {
        folders: Source::of(&args)?.folders(&args)?,
    })
}

/// The folder options with the exchange folder given once: the positional DIR and `--dir` are
/// the same setting, so both may be given only when they name the same folder.
fn given(args: &FolderArgs) -> Result<FolderArgs, Error> {
    let dir = match (&args.folder, &args.dir) {
        (Some(positional), Some(option)) if !same_folder(positional, option) => {
            return Err(Error::TwoDirs {
                positional: positional.clone(),
                option: option.clone(),
            });
        }
        (Some(folder), _) | (None, Some(folder)) => Some(folder.clone()),
        (None, None) => None,
    };
    Ok(FolderArgs {
        folder: None,
        dir,
        ..args.clone()
    })
}

/// Whether two paths name one folder, as the system resolves them.
fn same_folder(a: &Path, b: &Path) -> bool {
    identity(a) == identity(b)
}

/// The parts of the exchange folder must not share a folder, and none may lie inside the
/// outbox or the archive; the error names both folders and their options and keys.
///
/// Which nesting is harmless follows from what reads each folder: the inbox, failed/ and
/// state/ are only ever read at their top level (the inbox and failed/ for *.json files,
/// state/ for the ledger), so another part inside them is never taken for theirs. But 1C's
/// OS user reads and deletes files in the outbox, and its loaders may search subfolders; and
/// every file in archive/ and its subfolders counts as a converted input (a lost ledger is
/// told by them, and `--new-ledger` records them as converted).
fn apart(parts: &[(&'static str, &Path)]) -> Result<(), Error> {
    let identities: Vec<PathBuf> = parts.iter().map(|(_, path)| identity(path)).collect();
    for (i, (part, path)) in parts.iter().enumerate() {
        for (j, (other, other_path)) in parts.iter().enumerate() {
            let relation = relation(&identities[i], &identities[j]);
            let why = match (relation, *other) {
                (Relation::Apart, _) => continue,
                (Relation::Same, _) if j <= i => continue,
                (Relation::Same, _) => overlap_reason(part, other),
                (Relation::Inside, "outbox" | "archive") => overlap_reason(other, other),
                (Relation::Inside, _) => continue,
            };
            return Err(Error::Overlap {
                part,
                path: path.to_path_buf(),
                other,
                other_path: other_path.to_path_buf(),
                inside: relation == Relation::Inside,
                why,
            });
        }
    }
    Ok(())
}

/// Why `part` cannot share (or, for the outbox and the archive, lie in) `other`'s folder.
fn overlap_reason(part: &str, other: &str) -> &'static str {
    let either = |name| part == name || other == name;
    if either("outbox") {
        "1C's user reads and deletes what is in the outbox (its loaders may search \
         subfolders): it would see, and could delete, what bachata1c keeps there"
    } else if either("archive") {
        "everything in archive/ and its subfolders counts as a converted input: waiting \
         webhooks or the ledger there would be taken for archived ones"
    } else if either("inbox") && either("failed") {
        "every *.json there is taken as a webhook, so a refused input would be taken again \
         and again"
    } else {
        "each part keeps files of its own kind, told apart by the folder they are in"
    }
}

/// `run`: the options over the config's sections over the defaults.
pub fn run(args: &RunArgs) -> Result<Exchange, Error> {
    let args = &RunArgs {
        folders: given(&args.folders)?,
        ..args.clone()
    };
    exchange(&Source::of(&args.folders)?, args)
}

fn exchange(source: &Source, args: &RunArgs) -> Result<Exchange, Error> {
    let watch = &source.config.watch;
    if let Some(marker) = &args.done_marker
        && (marker.is_empty() || marker.contains(['/', '\\']))
    {
        return Err(Error::DoneMarker(marker.clone()));
    }
    let settle = match args.settle.or(watch.settle_seconds) {
        None => None,
        Some(secs) => Some(seconds(
            Some(secs),
            None,
            Duration::ZERO,
            ("--settle", "settle_seconds"),
        )?),
    };
    let conversion = source.conversion(&args.output, &args.rules)?;
    let orders_file = orders_file(source, args, &conversion)?;
    Ok(Exchange {
        folders: source.folders(&args.folders)?,
        conversion,
        limits: source.limits(&args.limits),
        settle,
        give_up_after: seconds(
            args.give_up_after,
            watch.give_up_after_seconds,
            DEFAULT_GIVE_UP_AFTER,
            ("--give-up-after", "give_up_after_seconds"),
        )?,
        lease: seconds(
            args.lease,
            watch.lease_seconds,
            DEFAULT_LEASE,
            ("--lease", "lease_seconds"),
        )?,
        one_output_per_run: args.batch,
        orders_file,
        done_marker: args.done_marker.clone(),
        follow_symlinks: args.follow_symlinks
            || source.config.folders.follow_symlinks.unwrap_or(false),
        new_ledger: args.new_ledger,
        log: log(&args.log),
    })
}

fn orders_file(
    source: &Source,
    args: &RunArgs,
    conversion: &Conversion,
) -> Result<Option<OrdersFile>, Error> {
    let file = &source.config.output;
    let Some(name) = args
        .commerceml_file
        .clone()
        .or_else(|| file.commerceml_file.clone())
    else {
        return Ok(None);
    };
    if conversion.layout.format != Format::Commerceml {
        return Err(Error::OrdersFileFormat);
    }
    if args.batch {
        return Err(Error::OrdersFileBatch);
    }
    if conversion.layout.encoding != TextEncoding::Utf8 {
        return Err(Error::OrdersFileEncoding);
    }
    let plain = !name.contains(['/', '\\', ':']) && !name.starts_with('.');
    let xml = name.len() > 4 && name.to_ascii_lowercase().ends_with(".xml");
    if !(plain && xml) {
        return Err(Error::OrdersFileName(name));
    }
    let window_days = args
        .commerceml_window_days
        .or(file.commerceml_window_days)
        .unwrap_or(DEFAULT_WINDOW_DAYS);
    if window_days == 0 {
        return Err(Error::ZeroWindow);
    }
    Ok(Some(OrdersFile { name, window_days }))
}

/// `watch`: `run`'s settings, and polling and the rescan interval.
pub fn watch(args: &WatchArgs) -> Result<Watch, Error> {
    let mut args = args.clone();
    args.run.folders = given(&args.run.folders)?;
    watch_from(&Source::of(&args.run.folders)?, &args)
}

fn watch_from(source: &Source, args: &WatchArgs) -> Result<Watch, Error> {
    let file = &source.config.watch;
    let poll = args.poll || file.poll.unwrap_or(false);
    let default = if poll {
        DEFAULT_POLL_RESCAN
    } else {
        DEFAULT_RESCAN
    };
    let rescan = seconds(
        args.rescan,
        file.rescan_seconds,
        default,
        ("--rescan", "rescan_seconds"),
    )?;
    Ok(Watch {
        exchange: exchange(source, &args.run)?,
        poll,
        rescan: rescan.max(MIN_RESCAN),
    })
}

/// `serve`: the options over the config's `[serve]` and `[folders]` over the defaults. The
/// password is read here, from its variable or file; it never comes from the command line.
pub fn serve(args: &ServeArgs) -> Result<Serve, Error> {
    let mut watch_args = args.watch.clone();
    watch_args.run.folders = given(&watch_args.run.folders)?;
    let args = &ServeArgs {
        watch: watch_args,
        ..args.clone()
    };
    let folder_args = &args.watch.run.folders;
    let source = Source::of(folder_args)?;
    let file = &source.config.serve;
    let path = args
        .path
        .clone()
        .or_else(|| file.path.clone())
        .unwrap_or_else(|| DEFAULT_WEBHOOK_PATH.to_string());
    check_path(&path, SitePathOf::Webhook)?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(Tls {
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => match (&file.tls_cert, &file.tls_key) {
            (Some(cert), Some(key)) => Some(Tls {
                cert: source.base.join(cert),
                key: source.base.join(key),
            }),
            (None, None) => None,
            _ => return Err(Error::HalfTls),
        },
    };
    let body_limit = args
        .body_limit
        .or(file.body_limit)
        .map_or(DEFAULT_BODY_LIMIT, |size| {
            usize::try_from(size.0).unwrap_or(usize::MAX)
        });
    let (site, site_without_login) = match site_exchange(args, &source, &path)? {
        SiteChoice::Off => (None, Vec::new()),
        SiteChoice::WithoutLogin(paths) => (None, paths),
        SiteChoice::On(site) => (Some(*site), Vec::new()),
    };
    let answers_1c = site.is_some() || !site_without_login.is_empty();
    let trace_1c = trace_1c(args, &source, answers_1c)?;
    // Without --dir not every part is known: the ones that are must still be apart.
    let known: Vec<(&'static str, PathBuf)> = ["inbox", "outbox", "archive", "failed", "state"]
        .into_iter()
        .filter_map(|part| Some((part, source.folder(folder_args, part).ok()?)))
        .collect();
    let known: Vec<(&'static str, &Path)> = known
        .iter()
        .map(|(part, path)| (*part, path.as_path()))
        .collect();
    apart(&known)?;
    let flow = checks::serve_parts(&source, folder_args, &known)?;
    let timeout = |given: Option<u64>, default, (what, option, key)| match given {
        None => Ok(default),
        Some(0) => Err(Error::ZeroTimeout { what, option, key }),
        Some(secs) => Ok(Duration::from_secs(secs)),
    };
    Ok(Serve {
        listen: args.listen.or(file.listen).unwrap_or_else(|| {
            DEFAULT_LISTEN
                .parse()
                .expect("the default address is valid")
        }),
        path,
        body_limit,
        credentials: credentials(args, &source)?,
        inbox: webhook_folder(&source, folder_args, "inbox")?,
        failed: webhook_folder(&source, folder_args, "failed")?,
        tls,
        header_timeout: timeout(
            args.header_timeout.or(file.header_timeout_seconds),
            DEFAULT_HEADER_TIMEOUT,
            ("header timeout", "header-timeout", "header_timeout_seconds"),
        )?,
        body_timeout: timeout(
            args.body_timeout.or(file.body_timeout_seconds),
            DEFAULT_BODY_TIMEOUT,
            ("body timeout", "body-timeout", "body_timeout_seconds"),
        )?,
        max_connections: match args.max_connections.or(file.max_connections) {
            None => DEFAULT_MAX_CONNECTIONS,
            Some(0) => return Err(Error::ZeroConnections),
            Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
        },
        convert: match args.convert {
            true => Some(watch_from(&source, &args.watch)?),
            false => None,
        },
        site,
        site_without_login,
        trusted_proxies: args
            .trusted_proxy
            .clone()
            .or_else(|| file.trusted_proxies.clone())
            .unwrap_or_else(|| DEFAULT_TRUSTED_PROXIES.to_vec()),
        trace_1c,
        flow,
    })
}

/// `--trace-1c` over `[site_exchange] trace_1c`; the trace's folder whenever 1C is answered.
fn trace_1c(
    args: &ServeArgs,
    source: &Source,
    answers_1c: bool,
) -> Result<Option<trace::Settings>, Error> {
    let asked = match (args.trace_1c, source.config.site_exchange.trace_1c) {
        (Some(length), _) => Some(trace::Asked {
            length,
            by: format!("--trace-1c {length}"),
            once: false,
        }),
        (None, Some(length)) => Some(trace::Asked {
            length,
            by: format!("[site_exchange] trace_1c = \"{length}\""),
            once: true,
        }),
        (None, None) => trace::DEFAULT_TRACE_1C.map(|length| trace::Asked {
            length,
            by: format!("the default trace of {length}"),
            once: true,
        }),
    };
    if let Some(asked) = &asked
        && asked.length.0 > trace::MAX_LENGTH
    {
        return Err(Error::TraceLength {
            by: asked.by.clone(),
        });
    }
    let state = source.folder(&args.watch.run.folders, "state");
    match (state, answers_1c) {
        (Ok(state), true) => Ok(Some(trace::Settings {
            dir: state.join(trace::FOLDER),
            asked,
        })),
        _ => match asked {
            Some(asked) => Err(Error::TraceWithoutExchange { by: asked.by }),
            None => Ok(None),
        },
    }
}

/// What `serve` does for 1C's «Обмен с сайтом».
enum SiteChoice {
    Off,
    /// On by default, but no login is set: its paths answer `failure` with the reason.
    WithoutLogin(Vec<String>),
    On(Box<SiteExchange>),
}

/// 1C's «Обмен с сайтом»: on whenever the exchange folder's state folder (its ledger) is
/// known, unless `[site_exchange] enabled = false`; served only with a login.
fn site_exchange(
    args: &ServeArgs,
    source: &Source,
    webhook_path: &str,
) -> Result<SiteChoice, Error> {
    let file = &source.config.site_exchange;
    if file.enabled == Some(false) {
        return Ok(SiteChoice::Off);
    }
    let Ok(state) = source.folder(&args.watch.run.folders, "state") else {
        return Ok(SiteChoice::Off);
    };
    let path = file
        .path
        .clone()
        .unwrap_or_else(|| DEFAULT_SITE_PATH.to_string());
    check_path(&path, SitePathOf::Site)?;
    if path == webhook_path || webhook_path == BITRIX_SITE_PATH {
        return Err(Error::SamePath(path));
    }
    let mut paths = vec![path];
    if !paths.iter().any(|p| p == BITRIX_SITE_PATH) {
        paths.push(BITRIX_SITE_PATH.to_string());
    }
    let credentials = match (&file.user, &file.password_env, &file.password_file) {
        (None, None, None) => credentials(args, source)?,
        (user, env, path) => {
            let password = match (env, path) {
                (Some(_), Some(_)) => return Err(Error::TwoPasswordKeys),
                (Some(var), None) => Some(PasswordSource::Env {
                    var: var.clone(),
                    origin: "[site_exchange] password_env",
                }),
                (None, Some(path)) => Some(PasswordSource::File(source.base.join(path))),
                (None, None) => None,
            };
            match (user, password) {
                (Some(user), Some(password)) => Some(Credentials::new(user, &password.read()?)?),
                (Some(user), None) => return Err(Error::NoPassword(user.clone())),
                (None, _) => return Err(Error::NoUser),
            }
        }
    };
    let Some(credentials) = credentials else {
        return Ok(SiteChoice::WithoutLogin(paths));
    };
    let output = &source.config.output;
    let layout = Layout {
        cml_version: output.cml_version.unwrap_or_default(),
        mapping: source.config.mapping.clone(),
        ..Layout::new(Format::Commerceml)
    };
    Ok(SiteChoice::On(Box::new(SiteExchange {
        paths,
        credentials,
        ledger: state.join("ledger.sqlite"),
        file_limit: file.file_limit.map_or(DEFAULT_FILE_LIMIT, |size| {
            usize::try_from(size.0).unwrap_or(usize::MAX)
        }),
        uploads: state.join("uploads"),
        session_timeout: file
            .session_minutes
            .map_or(DEFAULT_SESSION_TIMEOUT, |minutes| {
                Duration::from_secs(minutes.max(1) * 60)
            }),
        layout,
    })))
}

/// Where `serve` saves webhooks (it needs no other folder of the exchange folder).
fn webhook_folder(
    source: &Source,
    args: &FolderArgs,
    part: &'static str,
) -> Result<PathBuf, Error> {
    source.folder(args, part).map_err(|err| match err {
        Error::NoFolder { part } => Error::NoWebhookFolder { part },
        other => other,
    })
}

#[derive(Clone, Copy)]
enum SitePathOf {
    Webhook,
    Site,
}

/// Only plain path characters: the path becomes a route, and a dealer types it into Bachata or
/// into 1C's node.
fn check_path(path: &str, of: SitePathOf) -> Result<(), Error> {
    let plain = path
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c));
    if !path.starts_with('/') || !plain {
        return Err(match of {
            SitePathOf::Webhook => Error::WebhookPath(path.to_string()),
            SitePathOf::Site => Error::SitePath(path.to_string()),
        });
    }
    if path == METRICS_PATH {
        return Err(Error::MetricsPath {
            path: match of {
                SitePathOf::Webhook => "the webhook path (--path, [serve] path)",
                SitePathOf::Site => "the site-exchange path ([site_exchange] path)",
            },
        });
    }
    if path == HEALTH_PATH {
        return Err(match of {
            SitePathOf::Webhook => Error::WebhookPathIsHealth,
            SitePathOf::Site => Error::SamePath(path.to_string()),
        });
    }
    Ok(())
}

/// The user from the command line or the file; the password only from a variable or a file,
/// the command line's source winning over the config's.
fn credentials(args: &ServeArgs, source: &Source) -> Result<Option<Credentials>, Error> {
    let file = &source.config.serve;
    let user = args.user.clone().or_else(|| file.user.clone());
    let password = match (&args.password_env, &args.password_file) {
        (Some(_), Some(_)) => return Err(Error::TwoPasswordOptions),
        (Some(var), None) => Some(PasswordSource::Env {
            var: var.clone(),
            origin: "--password-env",
        }),
        (None, Some(path)) => Some(PasswordSource::File(path.clone())),
        (None, None) => match (&file.password_env, &file.password_file) {
            (Some(_), Some(_)) => return Err(Error::TwoPasswordKeys),
            (Some(var), None) => Some(PasswordSource::Env {
                var: var.clone(),
                origin: "[serve] password_env",
            }),
            (None, Some(path)) => Some(PasswordSource::File(source.base.join(path))),
            (None, None) => None,
        },
    };
    match (user, password) {
        (None, None) => Ok(None),
        (Some(user), None) => Err(Error::NoPassword(user)),
        (None, Some(_)) => Err(Error::NoUser),
        (Some(user), Some(password)) => Ok(Some(Credentials::new(&user, &password.read()?)?)),
    }
}

/// `doctor`: the address as 1C reads it and the node's login, its password from a variable or a
/// file as `serve` reads its own.
pub fn doctor(args: &DoctorArgs) -> Result<crate::doctor::Settings, Error> {
    let address = crate::doctor::address::Address::parse(&args.url).map_err(Error::Address)?;
    let password = match (&args.password_env, &args.password_file) {
        (Some(_), Some(_)) => return Err(Error::TwoPasswordOptions),
        (Some(var), None) => PasswordSource::Env {
            var: var.clone(),
            origin: "--password-env",
        },
        (None, Some(path)) => PasswordSource::File(path.clone()),
        (None, None) => return Err(Error::NoPassword(args.user.clone())),
    };
    Ok(crate::doctor::Settings {
        typed: args.url.clone(),
        address,
        credentials: Credentials::new(&args.user, &password.read()?)?,
    })
}

/// Why the password variable gave nothing, and what to do: a service does not inherit the
/// variables of the shell it was set up from, and the option takes a variable's name. A name no
/// variable could have is likely the password itself, typed in its place: it is not repeated.
fn password_variable(var: &str, origin: &str, source: &std::env::VarError) -> String {
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
