//! The command line: commands and options with their help. No logic lives here.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;
use crate::format::{CmlVersion, Format, Layout, TextEncoding};
use crate::lead::Rules;

const ABOUT: &str = "Turns Bachata webhook files into CSV or XML files that 1C:Enterprise imports.";

const LONG_ABOUT: &str = "\
Turns Bachata webhook files (JSON saved from the «Диалог завершен» webhook and other events)
into files that 1C:Enterprise imports: CSV for «Загрузка данных из файла», a plain XML for a
small 1C processing, CommerceML 2 orders for «Обмен с сайтом», or an EnterpriseData message for
«Выгрузка/загрузка данных EnterpriseData». Only clients with a phone are exported; every client
left out is reported with the reason.";

const EXIT_CODES: &str = "\
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
#[command(name = "bachata1c", version, about = ABOUT, long_about = LONG_ABOUT, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

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

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Config file (TOML) with [serve] and [folders]; options given here override it.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Address and port to listen on [default: 127.0.0.1:8080]. Port 0 picks a free port; the
    /// address actually used is printed on stderr.
    #[arg(long, value_name = "ADDR:PORT")]
    pub listen: Option<std::net::SocketAddr>,

    /// URL path Bachata posts to [default: /webhook].
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,

    /// Exchange folder: webhooks are saved in DIR/inbox, unreadable ones in DIR/failed.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Folder to save webhooks into (overrides DIR/inbox).
    #[arg(long, value_name = "DIR")]
    pub inbox: Option<PathBuf>,

    /// Folder to keep unreadable bodies in, each beside a .reason.txt (overrides DIR/failed).
    #[arg(long, value_name = "DIR")]
    pub failed: Option<PathBuf>,

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

    /// Print only refused files and the summary, not a line per converted file or skipped client.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options that shape the output files.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// File format: csv for «Загрузка данных из файла», xml for a 1C processing, commerceml
    /// for «Обмен с сайтом», enterprisedata for «Выгрузка/загрузка данных EnterpriseData»
    /// [default: csv].
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Text encoding of the output [default: windows-1251 for csv, utf-8 for the others;
    /// CommerceML in UTF-8 gets a byte-order mark].
    #[arg(long, value_enum)]
    pub encoding: Option<TextEncoding>,

    /// CommerceML schema version written in ВерсияСхемы [default: 2.10].
    #[arg(long, value_enum, value_name = "VERSION")]
    pub cml_version: Option<CmlVersion>,

    /// CSV: keep `;`, `"` and line breaks in values and quote them, for 1C code that reads CSV
    /// with a real parser. By default they are replaced, because «Загрузка данных из файла»
    /// splits lines on `;` without honouring quotes.
    #[arg(long)]
    pub csv_quote: bool,

    /// Event name for webhooks that do not name their event [default: dialog_completed].
    #[arg(long, value_name = "NAME")]
    pub event: Option<String>,
}

impl OutputArgs {
    pub fn layout(&self) -> Layout {
        self.layout_with(&Config::default())
    }

    /// The layout from these options, then the config's [output] and [mapping], then defaults.
    pub fn layout_with(&self, config: &Config) -> Layout {
        let output = &config.output;
        let format = self.format.or(output.format).unwrap_or(Format::Csv);
        Layout {
            format,
            encoding: self
                .encoding
                .or(output.encoding)
                .unwrap_or(format.default_encoding()),
            csv_quote: self.csv_quote || output.csv_quote.unwrap_or(false),
            cml_version: self.cml_version.or(output.cml_version).unwrap_or_default(),
            mapping: config.mapping.clone(),
        }
    }

    pub fn event_with(&self, config: &Config) -> String {
        self.event
            .clone()
            .or_else(|| config.output.event.clone())
            .unwrap_or_else(|| "dialog_completed".to_string())
    }
}

/// Which clients are exported. The defaults follow the integration note: phone not empty.
#[derive(Debug, Args)]
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

impl RuleArgs {
    pub fn rules(&self) -> Rules {
        self.rules_with(&Config::default())
    }

    /// The rules from these options, then the config's [rules], then the defaults.
    pub fn rules_with(&self, config: &Config) -> Rules {
        let file = &config.rules;
        let defaults = Rules::default();
        Rules {
            require_phone: !self.no_require_phone
                && file.require_phone.unwrap_or(defaults.require_phone),
            require_valid_phone: self.require_valid_phone
                || file
                    .require_valid_phone
                    .unwrap_or(defaults.require_valid_phone),
            require_email: self.require_email
                || file.require_email.unwrap_or(defaults.require_email),
            allowed_events: if self.only_event.is_empty() {
                file.allowed_events.clone().unwrap_or_default()
            } else {
                self.only_event.clone()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
