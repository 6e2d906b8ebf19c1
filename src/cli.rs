//! The command line: commands and options with their help. No logic lives here: what they
//! mean together with the config file is decided in `settings`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::limits::ByteSize;

mod values;
pub use values::{
    CmlVersion, CsvProfile, CsvTarget, Encoding, EnterpriseDataVersion, Format, LeadState,
    ListFormat,
};
mod doctor;
pub use doctor::DoctorArgs;
mod check;
pub use check::CheckArgs;
mod output;
pub use output::{ConvertArgs, LimitArgs, OutputArgs, RuleArgs};
mod running;
pub use running::{LogArgs, RunArgs, WatchArgs};
mod serving;
pub use serving::ServeArgs;

const ABOUT: &str = "Turns Bachata webhooks into files 1C:Enterprise imports (CSV, XML, XLSX, \
     CommerceML, EnterpriseData), or hands them to 1C's «Обмен с сайтом» over HTTP.";

const LONG_ABOUT: &str = "\
Turns Bachata webhook files (JSON saved from the «Диалог завершен» webhook and other events)
into files that 1C:Enterprise imports: CSV for a 1C processing or, with --csv-profile bsp, for
«Загрузка данных из файла», a plain XML for a small 1C processing, CommerceML 2 orders for
«Обмен с сайтом», an EnterpriseData message for «Выгрузка/загрузка данных EnterpriseData», or an
XLSX workbook of the CSV's columns with every cell text, for Excel and 1C's spreadsheet loading.
`serve` receives the webhook over HTTP(S) and also answers 1C's «Обмен с сайтом» itself, so that
1C fetches the leads as CommerceML orders with no file in between. Only clients with a phone are
exported; every client left out is reported with the reason.";

const EXAMPLES_AND_EXIT_STATUS: &str = "\
Examples:
  Convert the webhooks saved in inbox/ into windows-1251 CSV files in outbox/:
    bachata1c convert inbox/ --out outbox/
  The same as XML for a 1C processing:
    bachata1c convert inbox/ --out outbox/ --format xml
  An exchange folder, converted by a service as webhooks arrive:
    bachata1c init /srv/bachata
    bachata1c watch /srv/bachata

Exit status:
  0  every input was converted (inputs without a qualifying client count as
     converted)
  1  some inputs were refused; the others were still converted
  2  usage error: a bad option or config file, folders that overlap, or
     nothing named to convert (inputs that do not exist, folders holding files
     but no *.json); or a folder cannot be used";

/// Help shared by the commands that take the exchange folder's parts.
const DIR_HELP: &str = "The exchange folder holding inbox/, outbox/, archive/, failed/ and state/ \
                        [default: [folders] dir of the --config file]";
const DIR_OPTION_HELP: &str = "The exchange folder, the same as DIR";
const CONFIG_HELP: &str = "Config file [default: DIR/bachata1c.toml when it exists]. Options \
                           given on the command line override it";
const INBOX_HELP: &str = "Inbox folder [default: DIR/inbox; config: [folders] inbox]";
const OUTBOX_HELP: &str = "Outbox folder 1C reads [default: DIR/outbox; config: [folders] outbox]";
const ARCHIVE_HELP: &str =
    "Archive of converted inputs [default: DIR/archive; config: [folders] archive]";
const FAILED_HELP: &str =
    "Refused inputs and their reasons [default: DIR/failed; config: [folders] failed]";
const STATE_HELP: &str =
    "State folder with the ledger [default: DIR/state; config: [folders] state]";

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
Output files appear atomically: they are written under a hidden temporary name first.
Of a folder only the *.json files are read; the files left out are named with -v, and when
no input is left at all (say, only hook.json.txt, as Notepad saves) each is named with the
reason and nothing is written.",
        after_help = "\
Examples:
  Convert every *.json in a folder to windows-1251 CSV:
    bachata1c convert inbox/ --out outbox/
  Convert two files to UTF-8 XML:
    bachata1c convert hook-1.json hook-2.json --out outbox/ --format xml
  Export only clients whose phone is a valid number and who left an e-mail:
    bachata1c convert inbox/ --out outbox/ --require-valid-phone \\
      --require-email
  CommerceML 2.08 orders for an older «Обмен с сайтом», in windows-1251:
    bachata1c convert inbox/ --out outbox/ --format commerceml \\
      --cml-version 2.08 --encoding windows-1251
  Use the dealer's config (its [output], [rules], [mapping] and [limits];
  options given here win):
    bachata1c convert inbox/ --out outbox/ --config bachata1c.toml

Exit status: 0 all converted, 1 some inputs refused (the rest converted; a
missing one among others too), 2 usage error, also when nothing named can be
converted (inputs that do not exist, folders holding files but no *.json)."
    )]
    Convert(ConvertArgs),

    /// Create an exchange folder (inbox, outbox, archive, failed, state) and a commented config.
    #[command(
        long_about = "\
Create an exchange folder: inbox/ (webhook files arrive here), outbox/ (1C takes its files from
here), archive/ (converted inputs, in dated subfolders), failed/ (refused inputs, each beside a
.reason.txt) and state/ (the processing ledger). Writes DIR/bachata1c.toml (or the --config
FILE) with every setting at its default, commented out; `run`, `watch`, `serve`, `status` and
`leads` read it from DIR. An existing config is never overwritten: its [folders] say where the
folders are made.

The folders must be writable by the user the service runs as, and 1C's OS user must be able
to read and delete the files in outbox/. Run `init` as that service user, or as root with
--owner USER:GROUP (GROUP being 1C's, such as grp1cv8).",
        after_help = "\
Examples:
  bachata1c init /srv/bachata
  As root, for the service user bachata1c and 1C's group grp1cv8:
    sudo bachata1c init /srv/bachata --owner bachata1c:grp1cv8
  The config elsewhere (it then names the folder in [folders] dir):
    bachata1c init /srv/bachata --config /etc/bachata1c.toml
  On Windows:
    bachata1c init D:\\Exchange\\Bachata"
    )]
    Init(InitArgs),

    /// Convert every complete file in the inbox, publish to the outbox, archive the inputs; exit.
    #[command(
        long_about = "\
Process the exchange folder once and exit: for a scheduled task (Windows Task Scheduler, cron).

A file is taken as soon as it parses as a whole (with --settle, once it is also unchanged
that long). Each input is claimed by renaming it into a work folder, so that two workers never
take the same file. Its output goes to a hidden temporary folder in the outbox, is made
durable, and only then appears in outbox/ under a name derived from the input's content; only
after that the input moves to archive/YYYY-MM-DD/. A refused input goes to failed/ beside a
.reason.txt. A webhook delivered twice (under any names) is converted once: the ledger in
state/ remembers contents.",
        after_help = "\
Examples:
  bachata1c run /srv/bachata
  bachata1c run --config /etc/bachata1c.toml -q \\
    --log-file /var/log/bachata1c.log
  bachata1c run /srv/bachata --format xml --batch --done-marker ready.flag
  On Windows:
    bachata1c run D:\\Exchange\\Bachata

Exit status: 0 every input converted, 1 some inputs refused (moved to
failed/), 2 configuration or folder error (e.g. the outbox cannot be written;
inputs stay in the inbox)."
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
  bachata1c watch /srv/bachata --log-file /var/log/bachata1c.log
  A network share, where no file-system events arrive:
    bachata1c watch /mnt/exchange --poll --rescan 10
  On Windows:
    bachata1c watch \\\\server\\exchange --poll"
    )]
    Watch(WatchArgs),

    /// Show the exchange folder as it is now: all runs in run's words, the 1C queue, what waits
    /// in the inbox and the outbox, and the refused inputs in failed/ with their reasons.
    #[command(after_help = check::STATUS_AFTER_HELP)]
    Status(StatusArgs),

    /// Write a support bundle: one zip with the config (secrets masked), status, the 1C queue,
    /// versions, the folders' owners and permissions, refused inputs' reasons, the log's last
    /// lines and the trace of 1C's exchange; personal data left out.
    #[command(
        long_about = "\
Write a support bundle: one zip to send to whoever helps with bachata1c. It holds the config
with secrets masked, `status` as it prints, the 1C queue's counts, the versions of bachata1c,
the system and the ledger's schema, the exchange folder's parts with their owners, permissions
and free space, the newest refused inputs' reasons, the last lines of each --log-file, and the
trace of 1C's exchange (`serve --trace-1c`) when there is one; and a README.txt saying what is
in it and what was left out.

No client's name, phone or e-mail is in it unless --with-personal-data: the leads' values are
replaced wherever they appear, and so is anything shaped like a phone or an e-mail, and text
in double quotes in what may quote a refused file; of the trace only the requests, headers and
our own short answers are kept, not 1C's bodies. No password is ever in it. The zip is at most
24 MiB before compression, written under a hidden name and renamed into place, readable by its
owner only.",
        after_help = "\
Examples:
  bachata1c report /srv/bachata --out /tmp/bachata1c-report.zip
  With the log of the scheduled run:
    bachata1c report /srv/bachata --out report.zip \\
      --log-file /var/log/bachata1c/run.log
  With names, phones and e-mails (only where personal data may go):
    bachata1c report /srv/bachata --out report.zip --with-personal-data

Exit status: 0 written, 2 usage error or the zip could not be written."
    )]
    Report(ReportArgs),

    /// Move refused inputs from failed/ back to the inbox (after fixing the cause).
    #[command(after_help = "\
The exchange folder is given with --dir only: the arguments are names of files in failed/.

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
  bachata1c leads /srv/bachata
  Leads 1C has not confirmed, received since the 1st:
    bachata1c leads /srv/bachata --only waiting --only offered \\
      --since 2026-12-01
  Everything as CSV for a spreadsheet, or JSON for a script:
    bachata1c leads /srv/bachata --format csv > leads.csv
    bachata1c leads /srv/bachata --format json"
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
  Append the lines to the config (run in the exchange folder):
    bachata1c csv-template Шаблон.csv >> bachata1c.toml
  bachata1c csv-template template.xlsx"
    )]
    CsvTemplate(CsvTemplateArgs),

    /// Receive Bachata's webhook over HTTP(S) into the inbox, and answer 1C's «Обмен с сайтом».
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
When the exchange folder is known, 1C's «Обмен с сайтом» is answered too ([site_exchange]).

The password is never given on the command line: it comes from an environment variable
(--password-env) or a file (--password-file). Stop with Ctrl+C or SIGTERM: requests in flight
are finished first.",
        after_help = "\
Examples:
  On the loopback, behind a reverse proxy (nginx), password from a variable:
    BACHATA1C_PASSWORD='change me' bachata1c serve /srv/bachata \\
      --user bachata --password-env BACHATA1C_PASSWORD
  Everything from the config file ([serve] and [folders]):
    bachata1c serve --config /etc/bachata1c/bachata1c.toml
  Record 1C's exchange for 30 minutes, for `bachata1c report`:
    bachata1c serve /srv/bachata --convert --trace-1c 30m
  HTTPS directly, on all addresses, converting what arrives as well:
    bachata1c serve /srv/bachata --convert --listen 0.0.0.0:8443 \\
      --tls-cert cert.pem --tls-key key.pem \\
      --user bachata --password-file /srv/bachata/password.txt

Exit status: 0 stopped by a signal, 1 stopped on its own (server or background
work failed), 2 usage error, or it could not start (address in use, unusable
folder or certificate)."
    )]
    Serve(ServeArgs),

    /// Play 1C's «Обмен с сайтом» against an address and say what stands in the way.
    #[command(long_about = doctor::LONG_ABOUT, after_help = doctor::AFTER_HELP)]
    Doctor(DoctorArgs),
}

/// Where the exchange folder, its parts and its config are: for the commands that use them all.
#[derive(Debug, Args, Clone, Default)]
pub struct FolderArgs {
    #[arg(value_name = "DIR", help = DIR_HELP)]
    pub folder: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = DIR_OPTION_HELP)]
    pub dir: Option<PathBuf>,

    #[arg(long, value_name = "FILE", help = CONFIG_HELP)]
    pub config: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = INBOX_HELP)]
    pub inbox: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = OUTBOX_HELP)]
    pub outbox: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = ARCHIVE_HELP)]
    pub archive: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = FAILED_HELP)]
    pub failed: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = STATE_HELP)]
    pub state: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[arg(
        value_name = "DIR",
        help = "The exchange folder to create [default: [folders] dir of an existing --config file]"
    )]
    pub folder: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = DIR_OPTION_HELP)]
    pub dir: Option<PathBuf>,

    /// Where the config goes [default: DIR/bachata1c.toml]. An existing one is read, not
    /// overwritten.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Unix, as root: give the folders (with what they hold) and the config to this user, the
    /// one the service runs as, and outbox/ to GROUP too, read and write, for 1C's OS user
    /// (such as grp1cv8). On Windows it is refused with the icacls commands to use instead.
    #[arg(long, value_name = "USER[:GROUP]")]
    pub owner: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[arg(value_name = "DIR", help = DIR_HELP)]
    pub folder: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = DIR_OPTION_HELP)]
    pub dir: Option<PathBuf>,

    #[arg(long, value_name = "FILE", help = CONFIG_HELP)]
    pub config: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = INBOX_HELP)]
    pub inbox: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = FAILED_HELP)]
    pub failed: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = STATE_HELP)]
    pub state: Option<PathBuf>,

    /// How many refused inputs in failed/ to list, newest first.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub failures: usize,

    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[arg(value_name = "DIR", help = DIR_HELP)]
    pub folder: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = DIR_OPTION_HELP)]
    pub dir: Option<PathBuf>,

    #[arg(long, value_name = "FILE", help = CONFIG_HELP)]
    pub config: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = INBOX_HELP)]
    pub inbox: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = FAILED_HELP)]
    pub failed: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = STATE_HELP)]
    pub state: Option<PathBuf>,

    /// The zip to write [default: bachata1c-report-YYYYMMDD-HHMMSS.zip in the current
    /// folder]. Not inside a part of the exchange folder.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// A log file whose last lines go in (the --log-file of `run` or `watch`, a service's
    /// journal saved to a file); repeat for several.
    #[arg(long, value_name = "FILE")]
    pub log_file: Vec<PathBuf>,

    /// Keep clients' names, phones and e-mails (in log lines, reasons and the trace's bodies):
    /// only for a bundle that goes where personal data may go.
    #[arg(long)]
    pub with_personal_data: bool,
}

#[derive(Debug, Args)]
pub struct RetryArgs {
    /// Names of files in failed/ to retry [default: every *.json there]. A NAME.reason.txt
    /// stands for NAME; its reason file is removed when the input goes back.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// The exchange folder holding inbox/ and failed/ (only as --dir: the arguments are names).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    #[arg(long, value_name = "FILE", help = CONFIG_HELP)]
    pub config: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = INBOX_HELP)]
    pub inbox: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = FAILED_HELP)]
    pub failed: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CsvTemplateArgs {
    /// The template 1C saved: a CSV or an Excel (.xlsx) file.
    #[arg(value_name = "TEMPLATE")]
    pub template: PathBuf,
}

#[derive(Debug, Args)]
pub struct LeadsArgs {
    #[arg(value_name = "DIR", help = DIR_HELP)]
    pub folder: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = DIR_OPTION_HELP)]
    pub dir: Option<PathBuf>,

    #[arg(long, value_name = "FILE", help = CONFIG_HELP)]
    pub config: Option<PathBuf>,

    #[arg(long, value_name = "DIR", help = STATE_HELP)]
    pub state: Option<PathBuf>,

    /// Only leads in this state (waiting, offered, confirmed, known); repeat for several
    /// [default: all].
    #[arg(long, value_enum, value_name = "STATE")]
    pub only: Vec<LeadState>,

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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
