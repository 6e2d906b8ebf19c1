//! The config `init` writes: every key the config file accepts, commented out at its real
//! default, taken from the constants the settings use, so that the file cannot drift from
//! what bachata1c does. A key without a default value (a password file, a certificate) shows
//! an example marked «not set by default» and says what happens unset.

use std::fmt::Write;
use std::path::Path;

use crate::alerts::email::DEFAULT_SECURITY;
use crate::alerts::flow::DEFAULT_CHECK_EVERY;
use crate::alerts::{DEFAULT_COMMAND_TIMEOUT, DEFAULT_REPEAT};
use crate::config::path_literal;
use crate::conversion::DEFAULT_EVENT;
use crate::exchange::{
    DEFAULT_GIVE_UP_AFTER, DEFAULT_LEASE, DEFAULT_POLL_RESCAN, DEFAULT_RESCAN, DEFAULT_WINDOW_DAYS,
};
use crate::format::Format;
use crate::format::bsp::{CsvProfile, CsvTarget, DEFAULT_PARTNER};
use crate::format::mapping::{COUNTERPARTY_NAME, CommerceMlMapping, Mapping};
use crate::format::{CmlVersion, EnterpriseDataVersion, Field, TextEncoding};
use crate::lead::Rules;
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
use crate::support::trace;

/// What marks a key that has no default value: its line shows an example.
pub const NOT_SET: &str = "not set by default";

/// The config text; `dir` is the exchange folder as `[folders] dir` names it (relative to the
/// config file's folder, or absolute).
pub fn config(dir: &Path) -> String {
    let mut text = Text(String::new());
    text.comment(
        "bachata1c configuration. `bachata1c run DIR` (and watch, serve, status, leads) reads it\n\
         from the exchange folder DIR; elsewhere pass --config FILE. Options given on the command\n\
         line override this file. An unknown key is an error that names it.\n\
         \n\
         Every key is shown at its default, commented out: uncomment a line to change it.\n\
         A line marked «not set by default» shows an example; unset, the key does what its\n\
         comment says. Sizes are bytes or a size with a unit: 512K, 16MiB, 1G.\n\
         Renamed keys still read (deprecated): [serve] header_timeout_secs and\n\
         body_timeout_secs, now header_timeout_seconds and body_timeout_seconds.",
    );

    text.section("folders");
    text.comment(
        "The exchange folder, relative to this file; the folders below are relative to it.\n\
         Paths go in single quotes, where a backslash is a backslash: 'D:\\Exchange\\Bachata'\n\
         (in double quotes TOML reads \\t, \\b… as escapes; D:/Exchange/Bachata works too).",
    );
    text.set("dir", &path_literal(&dir.to_string_lossy()));
    text.at_default(
        "inbox",
        &path_literal("inbox"),
        "webhook *.json files arrive here",
    );
    text.at_default(
        "outbox",
        &path_literal("outbox"),
        "1C takes its files from here",
    );
    text.at_default(
        "archive",
        &path_literal("archive"),
        "converted inputs, in dated subfolders",
    );
    text.at_default(
        "failed",
        &path_literal("failed"),
        "refused inputs, each beside a .reason.txt",
    );
    text.at_default(
        "state",
        &path_literal("state"),
        "the ledger (ledger.sqlite)",
    );
    text.at_default(
        "follow_symlinks",
        "false",
        "take symbolic links to files (default: refused into failed/)",
    );

    text.section("output");
    text.at_default(
        "format",
        &quoted(Format::default().name()),
        "csv (a 1C processing; csv_profile = \"bsp\" for «Загрузка данных из файла»),\n\
         xml (a 1C processing), commerceml («Обмен с сайтом»), enterprisedata\n\
         («Выгрузка/загрузка данных EnterpriseData») or xlsx (Excel)",
    );
    text.unset(
        "encoding",
        &quoted(TextEncoding::Utf8.name()),
        "windows-1251 for csv, utf-8 for the others; or windows-1251, utf-8;\n\
         ignored for xlsx",
    );
    text.at_default(
        "csv_quote",
        "false",
        "keep ; \" and line breaks in values, quoted",
    );
    text.at_default(
        "cml_version",
        &quoted(CmlVersion::default().as_str()),
        "CommerceML ВерсияСхемы: 2.10 or 2.08",
    );
    text.at_default(
        "enterprisedata_version",
        &quoted(EnterpriseDataVersion::default().as_str()),
        "EnterpriseData format version: 1.8, or 1.6 for configurations that do not\n\
         list 1.8 («Поддерживаемые версии формата»)",
    );
    text.at_default(
        "csv_profile",
        &quoted(CsvProfile::default().name()),
        "plain (every field) or bsp (UTF-8, the columns «Загрузка данных из файла» matches;\n\
         for xlsx too)",
    );
    text.at_default(
        "csv_target",
        &quoted(CsvTarget::default().name()),
        "bsp titles: counterparties, ut11-counterparties, partners or persons",
    );
    text.at_default(
        "csv_partner",
        &quoted(DEFAULT_PARTNER),
        "ut11-counterparties: the partner of every counterparty, as 1C names it",
    );
    text.at_default(
        "event",
        &quoted(DEFAULT_EVENT),
        "event name for webhooks that carry none",
    );
    text.unset(
        "commerceml_file",
        &quoted("orders.xml"),
        "one file per input. Set, with format = \"commerceml\": one orders file\n\
         for 1C's exchange through a folder (run, watch, serve --convert)",
    );
    text.at_default(
        "commerceml_window_days",
        &DEFAULT_WINDOW_DAYS.to_string(),
        "the days of leads that file holds",
    );

    let rules = Rules::default();
    text.section("rules");
    text.at_default(
        "require_phone",
        &rules.require_phone.to_string(),
        "export only clients with a phone",
    );
    text.at_default(
        "require_valid_phone",
        &rules.require_valid_phone.to_string(),
        "... whose phone is a valid number by libphonenumber (region RU)",
    );
    text.at_default(
        "require_email",
        &rules.require_email.to_string(),
        "... with an e-mail address",
    );
    text.at_default(
        "allowed_events",
        &strings(&rules.allowed_events),
        "only these events, e.g. [\"dialog_completed\"]; empty: all",
    );

    text.section("limits");
    text.comment(
        "The most one input file may hold; a file over a limit is refused with the reason.",
    );
    text.at_default(
        "max_input_size",
        &size(DEFAULT_MAX_INPUT_BYTES),
        "larger files are refused before they are read",
    );
    text.at_default(
        "max_clients",
        &DEFAULT_MAX_CLIENTS.to_string(),
        "entries of one file's `clients` array",
    );

    text.section("watch");
    text.comment(
        "When an inbox file is complete (run, watch, serve --convert) and how watch looks.",
    );
    text.unset(
        "settle_seconds",
        "2",
        "a file is taken once it parses as a whole; set, it must also\n\
         stay unchanged this long (for writers that pause mid-file)",
    );
    text.at_default(
        "give_up_after_seconds",
        &DEFAULT_GIVE_UP_AFTER.as_secs().to_string(),
        "an unparseable file unchanged this long goes to failed/",
    );
    text.unset(
        "rescan_seconds",
        &DEFAULT_RESCAN.as_secs().to_string(),
        &format!(
            "watch scans the inbox at least every {} s, or {} s with poll",
            DEFAULT_RESCAN.as_secs(),
            DEFAULT_POLL_RESCAN.as_secs()
        ),
    );
    text.at_default(
        "poll",
        "false",
        "no file-system events (network shares): scan on a timer",
    );
    text.at_default(
        "lease_seconds",
        &DEFAULT_LEASE.as_secs().to_string(),
        "a claim not renewed this long (a dead worker's) is taken back",
    );

    text.section("serve");
    text.comment("The HTTP endpoint Bachata posts to (`bachata1c serve`).");
    text.at_default(
        "listen",
        &quoted(DEFAULT_LISTEN),
        "address and port; 0.0.0.0:8443 for all addresses",
    );
    text.at_default(
        "path",
        &quoted(DEFAULT_WEBHOOK_PATH),
        "the URL path typed into Bachata's cabinet",
    );
    text.at_default(
        "body_limit",
        &size(DEFAULT_BODY_LIMIT as u64),
        "larger bodies are answered 413",
    );
    text.unset(
        "user",
        &quoted("bachata"),
        "no Basic Authentication (for a loopback address behind a\n\
         proxy that checks); set, it needs password_env or password_file",
    );
    text.unset(
        "password_env",
        &quoted("BACHATA1C_PASSWORD"),
        "the environment variable that holds the password",
    );
    text.unset(
        "password_file",
        &path_literal("password.txt"),
        "or a file whose first line is the password (relative to this file)",
    );
    text.unset(
        "tls_cert",
        &path_literal("cert.pem"),
        "plain HTTP; set with tls_key: HTTPS directly (PEM chain)",
    );
    text.unset(
        "tls_key",
        &path_literal("key.pem"),
        "the PEM private key for tls_cert",
    );
    text.at_default(
        "header_timeout_seconds",
        &DEFAULT_HEADER_TIMEOUT.as_secs().to_string(),
        "request head, TLS handshake, idle keep-alive connections",
    );
    text.at_default(
        "body_timeout_seconds",
        &DEFAULT_BODY_TIMEOUT.as_secs().to_string(),
        "the whole body",
    );
    text.at_default(
        "max_connections",
        &DEFAULT_MAX_CONNECTIONS.to_string(),
        "open at once (lowered to the file descriptor limit)",
    );
    let proxies: Vec<String> = DEFAULT_TRUSTED_PROXIES
        .iter()
        .map(ToString::to_string)
        .collect();
    text.at_default(
        "trusted_proxies",
        &strings(&proxies),
        "whose X-Forwarded-For names the client (nginx here)",
    );

    text.section("site_exchange");
    text.comment("1C's «Обмен с сайтом», answered by `serve` (docs/1c-site-exchange.md).");
    text.at_default("enabled", "true", "false: do not answer 1C");
    text.at_default(
        "path",
        &quoted(DEFAULT_SITE_PATH),
        "also always /bitrix/admin/1c_exchange.php",
    );
    text.unset(
        "user",
        &quoted("1c"),
        "1C logs in with [serve] user and its password",
    );
    text.unset(
        "password_env",
        &quoted("BACHATA1C_1C_PASSWORD"),
        "1C's password from this environment variable",
    );
    text.unset(
        "password_file",
        &path_literal("1c-password.txt"),
        "or from this file (relative to this file)",
    );
    text.at_default(
        "file_limit",
        &size(DEFAULT_FILE_LIMIT as u64),
        "largest query answer, and the parts 1C uploads in",
    );
    text.at_default(
        "session_minutes",
        &(DEFAULT_SESSION_TIMEOUT.as_secs() / 60).to_string(),
        "an idle session ends; a query's leads stay its own that long",
    );
    debug_assert!(trace::DEFAULT_TRACE_1C.is_none(), "shown as not set");
    text.unset(
        "trace_1c",
        &quoted("30m"),
        "no trace. Set: serve records 1C's requests and answers this long\n\
         (at most 24h) into state/trace-1c/ for `bachata1c report`, once per value",
    );

    text.section("alerts");
    text.comment(
        "When leads stop flowing (docs/monitoring.md): what `bachata1c status DIR --check` judges\n\
         and `run`, `watch` and `serve` alert on. Times as 30m, 2h, 1d; \"off\" turns a check off.",
    );
    let span = |duration| quoted(&Span(duration).to_string());
    text.at_default(
        "max_waiting",
        &span(DEFAULT_MAX_WAITING),
        "a lead waiting for 1C's exchange longer is CRITICAL",
    );
    text.at_default(
        "max_1c_silence",
        &span(DEFAULT_MAX_1C_SILENCE),
        "1C silent this long while leads wait is CRITICAL",
    );
    text.at_default(
        "max_webhook_silence",
        &DEFAULT_MAX_WEBHOOK_SILENCE.map_or_else(|| quoted("off"), span),
        "no webhook this long is a WARNING (\"1d\"; off: nights and\n\
         weekends are quiet)",
    );
    text.at_default(
        "max_refused",
        &DEFAULT_MAX_REFUSED.to_string(),
        "more refused inputs in failed/ is a WARNING",
    );
    text.at_default(
        "min_free_disk",
        &size(DEFAULT_MIN_FREE_DISK),
        "less free on the folder's disk is a WARNING, under a tenth\n\
         CRITICAL",
    );

    text.unset(
        "command",
        &path_literal("/usr/local/bin/bachata1c-telegram.sh"),
        "no alert command; set: run through the system shell\n\
         with the alert's text on standard input",
    );
    text.at_default(
        "command_timeout_seconds",
        &DEFAULT_COMMAND_TIMEOUT.as_secs().to_string(),
        "then the command is killed, with what it started",
    );
    text.at_default(
        "repeat_hours",
        &(DEFAULT_REPEAT.as_secs() / 3600).to_string(),
        "a condition that still holds is told again after this",
    );
    text.at_default(
        "check_every_seconds",
        &DEFAULT_CHECK_EVERY.as_secs().to_string(),
        "with a channel set, watch and serve look this often; run\n\
         looks once, after its exchange",
    );

    text.section("alerts.email");
    text.comment("Alerts by mail, sent when host is set.");
    text.unset("host", &quoted("smtp.yandex.ru"), "no alert mail");
    text.unset(
        "port",
        &DEFAULT_SECURITY.default_port().to_string(),
        "587 for starttls, 465 for tls, 25 for none",
    );
    text.at_default(
        "security",
        &quoted(DEFAULT_SECURITY.as_str()),
        "starttls, tls (from the first byte) or none (only to\n\
         a relay on this machine: host = \"localhost\")",
    );
    text.unset("user", &quoted("alerts@dealer.ru"), "no login");
    text.unset(
        "password_env",
        &quoted("BACHATA1C_SMTP_PASSWORD"),
        "the login's password from this environment variable",
    );
    text.unset(
        "password_file",
        &path_literal("smtp-password.txt"),
        "or from this file (relative to this file)",
    );
    text.unset(
        "from",
        &quoted("bachata1c <alerts@dealer.ru>"),
        "the sender; needed with host",
    );
    text.unset(
        "to",
        &strings(&["it@dealer.ru".to_string()]),
        "one address or a list; needed with host",
    );
    text.unset(
        "ca_file",
        &path_literal("mail-ca.pem"),
        "certificates checked against Mozilla's roots; set:\n\
         also this CA (PEM), for a private mail server",
    );

    text.section("retention");
    text.comment(
        "What run, watch and serve remove once a day (docs/exchange-folder.md): days to keep,\n\
         7 or more, or \"off\" (kept for ever). Never what a lead 1C has not confirmed needs.",
    );
    text.at_default(
        "archive_days",
        &DEFAULT_ARCHIVE_DAYS.to_string(),
        "archive/'s dated folders of converted inputs",
    );
    text.at_default(
        "failed_days",
        &DEFAULT_FAILED_DAYS.to_string(),
        "refused inputs in failed/, with their reasons",
    );
    text.at_default(
        "ledger_days",
        &DEFAULT_LEDGER_DAYS.to_string(),
        "the name, phone, e-mail, login and customData of\n\
         leads 1C confirmed (numbers and duplicates' hashes stay)",
    );

    let mapping = Mapping::default();
    text.section("mapping");
    text.comment("What the dealer's 1C needs written (every format).");
    text.at_default(
        "source",
        &quoted(&mapping.source),
        "where leads come from, in comments and requisites",
    );
    text.at_default(
        "currency",
        &quoted(&mapping.currency.0),
        "three letters, as 1C knows the currency (RUB, or руб)",
    );
    text.at_default(
        "counterparty_name",
        &quoted(COUNTERPARTY_NAME),
        "1C's counterparty: {name}, {phone}, {email}, {client_id}",
    );

    text.section("mapping.csv");
    let every_field: Vec<String> = Field::ALL.iter().map(|f| f.key().to_string()).collect();
    text.unset(
        "columns",
        &strings(&every_field),
        "every field in this order (with csv_profile = \"bsp\", the\n\
         target's); also counterparty, person, customData.KEY and\n\
         \"TITLE=VALUE\" (a fixed value)",
    );
    text.unset(
        "titles",
        "{ phone = \"Мобильный телефон\" }",
        "each column under its standard title",
    );

    let commerceml = CommerceMlMapping::default();
    text.section("mapping.commerceml");
    text.at_default(
        "operation",
        &quoted(&commerceml.operation.0),
        "ХозОперация of each order",
    );
    text.unset(
        "custom_data",
        &strings(&["VIN".to_string()]),
        "every customData key becomes a requisite",
    );
    text.unset(
        "titles",
        "{ VIN = \"VIN автомобиля\" }",
        "requisites named as the customData keys",
    );

    text.section("mapping.enterprisedata");
    text.unset(
        "organisation",
        &quoted("ООО «Автодилер»"),
        "leads become counterparties only; set: also a\n\
         Документ.ЗаказКлиента of this organisation, as named in 1C",
    );
    text.unset(
        "organisation_inn",
        &quoted("7701234567"),
        "the organisation's ИНН (10 or 12 digits)",
    );
    text.unset(
        "currency_code",
        &quoted("643"),
        "the numeric code of the currency, known for RUB, USD, EUR…",
    );
    text.at_default(
        "custom_data",
        "[]",
        "customData keys written as ДополнительныеРеквизиты (1C refuses\n\
         one it does not have); all of customData is in ДополнительнаяИнформация",
    );
    text.unset(
        "titles",
        "{ VIN = \"VIN автомобиля\" }",
        "requisites named as the customData keys",
    );
    text.0
}

/// The config text being written, a line at a time.
struct Text(String);

/// Where the comment after a key's value starts, so that the comments line up.
const COMMENT_COLUMN: usize = 34;

impl Text {
    fn comment(&mut self, text: &str) {
        for line in text.lines() {
            let _ = match line {
                "" => writeln!(self.0, "#"),
                line => writeln!(self.0, "# {line}"),
            };
        }
    }

    fn section(&mut self, name: &str) {
        let _ = writeln!(self.0, "\n[{name}]");
    }

    /// A key set in the file (not commented out).
    fn set(&mut self, key: &str, value: &str) {
        let _ = writeln!(self.0, "{key} = {value}");
    }

    /// A key at its default, commented out.
    fn at_default(&mut self, key: &str, value: &str, what: &str) {
        self.line(&format!("# {key} = {value}"), what);
    }

    /// A key without a default value: an example, and what happens unset.
    fn unset(&mut self, key: &str, example: &str, unset: &str) {
        self.line(
            &format!("# {key} = {example}"),
            &format!("{NOT_SET}: {unset}"),
        );
    }

    /// `setting` with `what` beside it, wrapped to lines under it in the same column.
    fn line(&mut self, setting: &str, what: &str) {
        let width = setting.chars().count();
        let pad = COMMENT_COLUMN.saturating_sub(width).max(2);
        let room = LINE_WIDTH.saturating_sub(COMMENT_COLUMN.max(width + 2) + 2);
        let mut lines = wrapped(what, room.max(30)).into_iter();
        let _ = writeln!(
            self.0,
            "{setting}{:pad$}# {}",
            "",
            lines.next().unwrap_or_default()
        );
        for more in lines {
            let _ = writeln!(self.0, "#{:pad$}# {more}", "", pad = COMMENT_COLUMN - 1);
        }
    }
}

/// The widest a comment line is made.
const LINE_WIDTH: usize = 100;

/// `text` as lines of at most `width` characters, broken between words.
fn wrapped(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line at least");
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn strings(items: &[String]) -> String {
    toml::Value::Array(items.iter().cloned().map(toml::Value::String).collect()).to_string()
}

/// A size as the config reads it back: `"16MiB"`, or the bytes when not a whole unit.
fn size(bytes: u64) -> String {
    let human = human_size(bytes);
    if human.contains('(') {
        bytes.to_string()
    } else {
        quoted(&human.replace(' ', ""))
    }
}

#[cfg(test)]
mod tests;
