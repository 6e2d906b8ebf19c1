//! The command line: commands and options with their help. No logic lives here: what they
//! mean together with the config file is decided in `settings`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::format::{CmlVersion, EnterpriseDataVersion, Format, TextEncoding};
use crate::limits::ByteSize;

const ABOUT: &str =
    "Turns Bachata webhook files into CSV, XML or XLSX files that 1C:Enterprise imports.";

const LONG_ABOUT: &str = "\
Turns Bachata webhook files (JSON saved from the «Диалог завершен» webhook and other events)
into files that 1C:Enterprise imports: CSV for a 1C processing or, with --csv-profile bsp, for
«Загрузка данных из файла», a plain XML for a small 1C processing, CommerceML 2 orders for «Обмен с сайтом», an EnterpriseData message for
«Выгрузка/загрузка данных EnterpriseData», or an XLSX workbook of the CSV's columns with every
cell text, for Excel and 1C's spreadsheet loading. Only clients with a phone are exported; every client
left out is reported with the reason.";

const EXAMPLES_AND_EXIT_STATUS: &str = "\
Examples:
  Convert the webhooks saved in inbox/ into windows-1251 CSV files in outbox/:
    bachata1c convert inbox/ --out outbox/
  The same as XML for a 1C processing:
    bachata1c convert inbox/ --out outbox/ --format xml

Exit status:
  0  every input was converted (inputs without a qualifying client count as converted)
  1  some inputs were refused; the others were still converted
  2  usage error (a bad option or config file), or the output folder cannot be used";

#[derive(Debug, Parser)]
#[command(name = "bachata1c", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXAMPLES_AND_EXIT_STATUS)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start-up and matched once: boxing the larger variants buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert webhook files into 1C import files in an output folder.
    #[command(
        long_about = "\
Convert saved Bachata webhook files into 1C import files.

Each input file gives one output file of the same name (hook-42.json → hook-42.csv) holding
all of its qualifying clients; an input without any gives no file. Inputs are only read.
Output files appear atomically: they are written under a hidden temporary name first.",
        after_help = "\
Examples:
  Convert every *.json in a folder to windows-1251 CSV:
    bachata1c convert inbox/ --out outbox/
  Convert two files to UTF-8 XML:
    bachata1c convert hook-1.json hook-2.json --out outbox/ --format xml
  Export only clients whose phone is a valid number and who left an e-mail:
    bachata1c convert inbox/ --out outbox/ --require-valid-phone --require-email
  CommerceML 2.08 orders for an older «Обмен с сайтом», in windows-1251:
    bachata1c convert inbox/ --out outbox/ --format commerceml --cml-version 2.08 --encoding cp1251
  Use the dealer's config (its [output], [rules] and [mapping]; options given here win):
    bachata1c convert inbox/ --out outbox/ --config bachata1c.toml

Exit status: 0 all converted, 1 some inputs refused (the rest converted), 2 usage error."
    )]
    Convert(ConvertArgs),

    /// Create an exchange folder (inbox, outbox, archive, failed, state) and a commented config.
    #[command(
        long_about = "\
Create an exchange folder: inbox/ (webhook files arrive here), outbox/ (1C takes its files from
here), archive/ (converted inputs, in dated subfolders), failed/ (refused inputs, each beside a
.reason.txt) and state/ (the processing ledger). Writes DIR/bachata1c.toml with every setting
commented out; `run` and `watch` read it from there. An existing config is never overwritten.",
        after_help = "\
Examples:
  bachata1c init --dir D:\\Exchange\\Bachata
  bachata1c init --dir /srv/bachata"
    )]
    Init(InitArgs),

    /// Convert every complete file in the inbox, publish to the outbox, archive the inputs; exit.
    #[command(
        long_about = "\
Process the exchange folder once and exit: for a scheduled task (Windows Task Scheduler, cron).

A file is taken only when it is complete: unchanged for --settle seconds and parsing as a whole.
Each input is claimed by renaming it into a work folder, so that two workers never take the same
file. Its output goes to a hidden temporary folder in the outbox, is made durable, and only then
appears in outbox/ under a name derived from the input's content; only after that the input
moves to archive/YYYY-MM-DD/. A refused input goes to failed/ beside a .reason.txt. A webhook
delivered twice (under any names) is converted once: the ledger in state/ remembers contents.",
        after_help = "\
Examples:
  bachata1c run --dir D:\\Exchange\\Bachata
  bachata1c run --config /etc/bachata1c.toml --log-file /var/log/bachata1c.log -q
  bachata1c run --dir /srv/bachata --format xml --batch --done-marker ready.flag

Exit status: 0 every input converted, 1 some inputs refused (moved to failed/),
2 configuration or folder error (e.g. the outbox cannot be written; inputs stay in the inbox)."
    )]
    Run(RunArgs),

    /// Keep running and convert each inbox file moments after it arrives (a service).
    #[command(
        long_about = "\
Like `run`, but keeps running: the inbox is scanned at start, on every file-system event, and
every --rescan seconds, so a lost event only delays a file. Use --poll on network shares
(SMB/CIFS, NFS), where no events arrive. SIGINT, SIGTERM or Ctrl+C finish the file in hand
and exit.",
        after_help = "\
Examples:
  bachata1c watch --dir /srv/bachata --log-file /var/log/bachata1c.log
  bachata1c watch --dir \\\\server\\exchange --poll --rescan 10"
    )]
    Watch(WatchArgs),

    /// Print the ledger's totals and the latest refused inputs.
    #[command(after_help = "\
Examples:
  bachata1c status --dir /srv/bachata
  bachata1c status --dir /srv/bachata --failures 50")]
    Status(StatusArgs),

    /// Move refused inputs from failed/ back to the inbox (after fixing the cause).
    #[command(after_help = "\
Examples:
  Retry every refused input:
    bachata1c retry --dir /srv/bachata
  Retry two of them:
    bachata1c retry --dir /srv/bachata hook-41.json hook-42.json")]
    Retry(RetryArgs),

    /// List leads and where each is on its way into 1C («Обмен с сайтом»): waiting, offered,
    /// confirmed, or known to 1C with its number, date and status.
    #[command(
        long_about = "\
List the leads converted in the exchange folder and where each is on its way into 1C through
«Обмен с сайтом» (`serve` answers 1C's scheduled client):

  waiting    converted; 1C has not asked for it yet
  offered    sent to 1C in a query, not confirmed yet (it is sent again)
  confirmed  1C said success after the query that sent it
  known      1C sent back what it made of it: its number, date, posted, cancelled, status

Newest first. The number is the order's Номер in 1C's exchange (digits).",
        after_help = "\
Examples:
  bachata1c leads --dir /srv/bachata
  Leads 1C has not confirmed, received since the 1st:
    bachata1c leads --dir /srv/bachata --only waiting --only offered --since 2026-12-01
  Everything as CSV for a spreadsheet, or JSON for a script:
    bachata1c leads --dir /srv/bachata --format csv > leads.csv
    bachata1c leads --dir /srv/bachata --format json"
    )]
    Leads(LeadsArgs),

    /// Print the config that makes a CSV for «Загрузка данных из файла» with the titles of the
    /// template your 1C saves.
    #[command(
        name = "csv-template",
        long_about = "\
Read the header row of the template that 1C's «Загрузка данных из файла» saves («Шаблон для
заполнения» → save as CSV or Excel), and print the [output] and [mapping.csv] lines that make
bachata1c write exactly those titles, in that order, for the columns it has a lead field for
(name, phone, e-mail, surname, first name, patronymic). 1C's loader matches titles exactly and
takes values by position, so a CSV made this way lands in the right columns.",
        after_help = "\
Examples:
  bachata1c csv-template Шаблон_Контрагенты.csv >> /srv/bachata/bachata1c.toml
  bachata1c csv-template template.xlsx"
    )]
    CsvTemplate(CsvTemplateArgs),

    /// Receive Bachata's webhook over HTTP(S) and save each one into the inbox.
    #[command(
        long_about = "\
Receive Bachata's webhook over HTTP or HTTPS and save each one into the inbox folder.

Bachata posts a JSON body to the URL typed into its cabinet, optionally with Basic
Authentication. Each POST to the webhook path is checked (credentials, size, readable by the
same tolerant reader as `convert`) and saved under a new name such as
webhook-20261127T101503.123Z-000042-9f3a1c2b.json, written under a hidden temporary name and
flushed to disk before the answer 200, so an answered webhook survives a power cut. A body that
cannot be read is answered 400 and kept in the failed folder beside a .reason.txt; when the
inbox cannot be written the answer is 507 (disk full) or 503, and Bachata tries again later.
GET /health answers 200 while the inbox is writable. One line per request goes to stderr.

The password is never given on the command line: it comes from an environment variable
(--password-env) or a file (--password-file). Stop with Ctrl+C or SIGTERM: requests in flight
are finished first.",
        after_help = "\
Examples:
  Listen on the loopback for a reverse proxy (nginx) in front, password from a variable:
    BACHATA1C_PASSWORD=... bachata1c serve --dir /srv/bachata --user bachata --password-env BACHATA1C_PASSWORD
  Everything from the config file ([serve] and [folders]):
    bachata1c serve --config /etc/bachata1c/bachata1c.toml
  HTTPS directly, on all addresses:
    bachata1c serve --listen 0.0.0.0:8443 --dir D:\\bachata --tls-cert cert.pem --tls-key key.pem \\
      --user bachata --password-file D:\\bachata\\password.txt

Exit status: 0 stopped by a signal, 1 stopped on its own (server or background work failed),
2 usage error, or it could not start (address in use, unusable folder or certificate)."
    )]
    Serve(ServeArgs),
}

/// Where the exchange folder and its config are.
#[derive(Debug, Args, Clone, Default)]
pub struct FolderArgs {
    /// The exchange folder holding inbox/, outbox/, archive/, failed/ and state/.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Config file [default: DIR/bachata1c.toml when it exists]. Options given on the command
    /// line override it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Inbox folder [default: DIR/inbox].
    #[arg(long, value_name = "DIR")]
    pub inbox: Option<PathBuf>,

    /// Outbox folder 1C reads [default: DIR/outbox].
    #[arg(long, value_name = "DIR")]
    pub outbox: Option<PathBuf>,

    /// Archive of converted inputs [default: DIR/archive].
    #[arg(long, value_name = "DIR")]
    pub archive: Option<PathBuf>,

    /// Refused inputs and their reasons [default: DIR/failed].
    #[arg(long, value_name = "DIR")]
    pub failed: Option<PathBuf>,

    /// State folder with the ledger [default: DIR/state].
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub folders: FolderArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub folders: FolderArgs,

    /// How many of the latest refused inputs to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub failures: usize,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    #[command(flatten)]
    pub folders: FolderArgs,

    /// Names of files in failed/ to retry [default: all].
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
}

#[derive(Debug, Args)]
pub struct CsvTemplateArgs {
    /// The template 1C saved: a CSV or an Excel (.xlsx) file.
    #[arg(value_name = "TEMPLATE")]
    pub template: PathBuf,
}

#[derive(Debug, Args)]
pub struct LeadsArgs {
    #[command(flatten)]
    pub folders: FolderArgs,

    /// Only leads in this state (waiting, offered, confirmed, known); repeat for several
    /// [default: all].
    #[arg(long, value_enum, value_name = "STATE")]
    pub only: Vec<crate::ledger::State>,

    /// Only leads received on or after this day or time (`2026-12-01`, `2026-12-01 14:30`).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// Only leads received before this day or time.
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,

    /// `table` for people; `csv` and `json` (every column) for scripts.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,

    /// At most this many leads, newest first [default: 50 in a table, all in csv and json].
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Csv,
    Json,
}

/// Options of `run`, shared by `watch`.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub folders: FolderArgs,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub rules: RuleArgs,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Take a file only once it has stayed unchanged this many seconds, for writers that pause
    /// mid-file [default: take a file as soon as it parses as a whole JSON object, which a
    /// partly written one does not].
    #[arg(long, value_name = "SECS")]
    pub settle: Option<f64>,

    /// Seconds an unparseable file may stay unchanged (still being written?) before it goes to
    /// failed/ [default: 120].
    #[arg(long, value_name = "SECS")]
    pub give_up_after: Option<f64>,

    /// Seconds after which the claim of a worker that stopped renewing it is taken back; on one
    /// machine a dead worker's claim is taken back at once [default: 300].
    #[arg(long, value_name = "SECS")]
    pub lease: Option<f64>,

    /// One outbox file per run (per scan in `watch`) instead of one per input, for 1C
    /// processings that import one file per exchange (up to 10,000 inputs per file).
    #[arg(long)]
    pub batch: bool,

    /// With --format commerceml: keep one orders file of this name in the outbox, holding the
    /// leads of the last --commerceml-window-days days numbered as 1C's «Обмен с сайтом» knows
    /// them, rewritten after every round, instead of one file per input: for 1C's exchange
    /// through a folder, which reads one fixed file on every exchange.
    #[arg(long, value_name = "NAME")]
    pub commerceml_file: Option<String>,

    /// The days of leads (by when their webhook was received) the --commerceml-file holds
    /// [default: 30].
    #[arg(long, value_name = "DAYS")]
    pub commerceml_window_days: Option<u32>,

    /// After publishing, create this empty file in the outbox (for 1C setups that wait for one).
    #[arg(long, value_name = "NAME")]
    pub done_marker: Option<String>,

    /// Take symbolic links to files from the inbox too. By default a link is refused into
    /// failed/, so that nothing outside the exchange folder is read.
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Start a new ledger although archive/ holds converted inputs (the old ledger was lost):
    /// the archived inputs are recorded in it first, so that a webhook delivered again is
    /// still recognised.
    #[arg(long)]
    pub new_ledger: bool,

    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Clone, Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub run: RunArgs,

    /// Poll the inbox instead of waiting for file-system events (network shares).
    #[arg(long)]
    pub poll: bool,

    /// Scan the inbox at least this often, in seconds [default: 30; 2 with --poll].
    #[arg(long, value_name = "SECS")]
    pub rescan: Option<f64>,
}

#[derive(Debug, Args, Clone, Default)]
pub struct LogArgs {
    /// Also print details (files not yet complete, skipped clients); repeat for more.
    #[arg(long, short, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Print only problems and the summary.
    #[arg(long, short, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Append the log lines, with timestamps, to this file too.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Also convert what arrives, as `bachata1c watch` would, in this same process: one
    /// service for the whole way from Bachata to 1C. The exchange-folder options below apply.
    #[arg(long)]
    pub convert: bool,

    /// The exchange folder, the config file and the conversion options (these apply with
    /// --convert; serve itself uses only the inbox and failed folders).
    #[command(flatten)]
    pub watch: WatchArgs,

    /// Address and port to listen on [default: 127.0.0.1:8080]. Port 0 picks a free port; the
    /// address actually used is printed on stderr.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,

    /// URL path Bachata posts to [default: /webhook].
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,

    /// Basic Authentication user name; needs --password-env or --password-file.
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Name of the environment variable that holds the password.
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,

    /// File whose first line is the password.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,

    /// Largest accepted body in bytes; larger ones get 413 [default: 1048576].
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<usize>,

    /// PEM certificate chain: serve HTTPS directly (needs --tls-key).
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Seconds a client may take to send the request head; also how long an idle connection
    /// is kept open [default: 10].
    #[arg(long, value_name = "SECS")]
    pub header_timeout: Option<u64>,

    /// Seconds a client may take to send the body [default: 30].
    #[arg(long, value_name = "SECS")]
    pub body_timeout: Option<u64>,

    /// Most connections open at once [default: 512, lowered to what the process's file
    /// descriptor limit allows]. At the cap the longest-idle connection is closed to make room.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_connections: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Webhook JSON files, or folders whose *.json files are converted (hidden files skipped).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Folder to write the 1C files into; created if missing.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub rules: RuleArgs,

    /// Config file (TOML) whose [output], [rules] and [mapping] apply; options given on the
    /// command line win over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(flatten)]
    pub limits: LimitArgs,

    /// Print only refused files and the summary, not a line per converted file or skipped client.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options that shape the output files.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// File format: csv for a 1C processing (or «Загрузка данных из файла» with --csv-profile
    /// bsp), xml for a 1C processing, commerceml
    /// for «Обмен с сайтом», enterprisedata for «Выгрузка/загрузка данных EnterpriseData»,
    /// xlsx for Excel and 1C's spreadsheet reading (the CSV's columns, every cell text)
    /// [default: csv].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Text encoding of the output [default: windows-1251 for csv, utf-8 for the others;
    /// CommerceML in UTF-8 gets a byte-order mark]. Ignored for xlsx, which is always UTF-8
    /// inside.
    #[arg(long, value_enum)]
    pub encoding: Option<TextEncoding>,

    /// CommerceML schema version written in ВерсияСхемы [default: 2.10].
    #[arg(long, value_enum, value_name = "VERSION")]
    pub cml_version: Option<CmlVersion>,

    /// EnterpriseData format version of the message [default: 1.8]. Choose the one the dealer's
    /// «Выгрузка/загрузка данных EnterpriseData» lists under «Поддерживаемые версии формата»:
    /// 1C refuses any other with «Не поддерживается версия формата обмена».
    #[arg(long, value_enum, value_name = "VERSION")]
    pub enterprisedata_version: Option<EnterpriseDataVersion>,

    /// CSV: keep `;`, `"` and line breaks in values and quote them, for 1C code that reads CSV
    /// with a real parser. By default they are replaced, because «Загрузка данных из файла»
    /// splits lines on `;` without honouring quotes.
    #[arg(long)]
    pub csv_quote: bool,

    /// CSV layout: `plain` (every field, bachata1c's titles, windows-1251: for the dealer's own
    /// 1C processing) or `bsp` (for 1C's standard «Загрузка данных из файла»: UTF-8 with a
    /// byte-order mark, only the columns whose titles the target's template has, in its order)
    /// [default: plain].
    #[arg(long, value_enum, value_name = "PROFILE")]
    pub csv_profile: Option<crate::format::bsp::CsvProfile>,

    /// With `--csv-profile bsp`: what the file is loaded into, for its titles [default:
    /// counterparties]. `bachata1c csv-template FILE` writes the titles of the template your 1C
    /// saves instead.
    #[arg(long, value_enum, value_name = "TARGET")]
    pub csv_target: Option<crate::format::bsp::CsvTarget>,

    /// Event name for webhooks that do not name their event [default: dialog_completed].
    #[arg(long, value_name = "NAME")]
    pub event: Option<String>,
}

/// Which clients are exported. The defaults follow the integration note: phone not empty.
#[derive(Debug, Clone, Args)]
pub struct RuleArgs {
    /// Export clients without any phone too.
    #[arg(long)]
    pub no_require_phone: bool,

    /// Export only clients whose phone is a valid number by libphonenumber (default region RU).
    #[arg(long)]
    pub require_valid_phone: bool,

    /// Export only clients with an e-mail address.
    #[arg(long)]
    pub require_email: bool,

    /// Export only webhooks of this event; repeat for several. Default: every event.
    #[arg(long, value_name = "NAME")]
    pub only_event: Vec<String>,
}

/// The most one input file may hold; a file over a limit is refused with the reason and the
/// other files are still converted.
#[derive(Debug, Clone, Args)]
pub struct LimitArgs {
    /// Refuse input files larger than this, before reading them: bytes or a size like 16MiB,
    /// 512K [default: 16MiB].
    #[arg(long, value_name = "SIZE")]
    pub max_input_size: Option<ByteSize>,

    /// Refuse input files whose `clients` array has more entries than this [default: 100000].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_clients: Option<u64>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
