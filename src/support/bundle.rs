//! `bachata1c report`: one zip a dealer sends to support, made without asking them anything.
//! It holds the config (secrets masked), `status` as it prints, the queue's counts, versions,
//! the folders' owners, permissions and free space, the newest refused inputs' reasons, the
//! last lines of the logs and the trace of 1C's exchange; and a README.txt saying what is in it
//! and what was left out. Personal data is left out unless asked for ([`super::redact`]), and
//! the zip is bounded ([`BUNDLE_LIMIT`]) and published atomically.

use std::fmt::Write as _;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

use super::parts::{self, Clean};
use super::redact::{Kind, Known, Redactor};
use super::{personal, secrets, system, trace};
use crate::exchange::folders::Folders;
use crate::files;
use crate::limits::human_size;

/// The most the bundle's files hold in all, before compression: a part that would pass it is
/// cut. The parts' own bounds add up to less without a trace: the trace is what may meet it.
pub const BUNDLE_LIMIT: u64 = 24 << 20;
/// At most this many log files.
pub const MAX_LOGS: usize = 8;

/// What `report` is asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    pub folders: Folders,
    /// The config file in use, if there is one.
    pub config: Option<PathBuf>,
    pub out: PathBuf,
    /// `--log-file`s.
    pub logs: Vec<PathBuf>,
    /// `--with-personal-data`.
    pub personal_data: bool,
    /// What makes `bachata1c status` look at the same folder.
    pub status_args: Vec<std::ffi::OsString>,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "--out {}: the bundle may hold personal data and is not to be left in the {part} folder {}, \
         where {why}; write it outside the exchange folder's parts",
        out.display(), folder.display()
    )]
    InsidePart {
        out: PathBuf,
        part: &'static str,
        folder: PathBuf,
        why: &'static str,
    },
    #[error("--out {}: no such folder {}", out.display(), folder.display())]
    NoFolder { out: PathBuf, folder: PathBuf },
    #[error(transparent)]
    Write(#[from] files::Error),
    #[error("cannot make the zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

/// What was written.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    pub files: usize,
    /// Parts that could not be read, said in README.txt too.
    pub notes: Vec<String>,
}

/// Makes the bundle and publishes it at `settings.out`.
pub fn write(settings: &Settings) -> Result<Written, Error> {
    let (dir, name) = destination(settings)?;
    let mut notes = Vec::new();
    let config_text = settings.config.as_deref().map(|path| {
        files::read_at_most(path, parts::TEXT_LIMIT as u64)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    });
    let mut known = Known::default();
    if let Some(Ok(text)) = &config_text {
        let base = settings
            .config
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""));
        for password in secrets::passwords(text, base) {
            known.add(Kind::Password, &password);
        }
    }
    if !settings.personal_data {
        notes.extend(personal::gather(&settings.folders, &mut known));
    }
    let clean = Clean {
        redactor: Redactor::new(known),
        personal_data: settings.personal_data,
    };
    let mut bundle = Bundle::new();

    match (&settings.config, config_text) {
        (Some(path), Some(Ok(text))) => {
            let masked = clean.redactor.known_values(&secrets::masked_config(&text));
            bundle.add(
                "config.toml",
                &masked,
                &format!("{}, secrets masked", path.display()),
            );
        }
        (Some(path), Some(Err(err))) => notes.push(format!("config {}: {err}", path.display())),
        _ => notes.push("no config file: every setting at its default".to_string()),
    }
    let status = parts::cut(&parts::status(&settings.status_args), parts::TEXT_LIMIT);
    bundle.add(
        "status.txt",
        &clean.quoting(&status),
        "`bachata1c status` as it printed",
    );
    bundle.add(
        "queue.txt",
        &queue(&settings.folders),
        "the 1C queue's counts",
    );
    bundle.add(
        "versions.txt",
        &system::versions(&settings.folders.ledger()),
        "bachata1c, the system, SQLite and the ledger's schema",
    );
    bundle.add(
        "folders.txt",
        // Our own lines, with sizes of 10 digits and more: only the known values go.
        &clean.redactor.known_values(&folders(settings)),
        "the exchange folder's parts: owners, permissions, entries, free space",
    );
    bundle.add(
        "failed-reasons.txt",
        &parts::reasons(&settings.folders.failed, &clean),
        &format!("the newest {} refused inputs' reasons", parts::REASONS),
    );
    for (i, log) in settings.logs.iter().take(MAX_LOGS).enumerate() {
        match parts::log_tail(log) {
            Ok(tail) => {
                let name = log.file_name().map_or_else(
                    || "log".to_string(),
                    |name| name.to_string_lossy().into_owned(),
                );
                bundle.add(
                    &format!("logs/{}-{}.txt", i + 1, clean.ours(&name)),
                    &clean.quoting(&tail),
                    &format!(
                        "the last lines of {} (at most {}, from its last {})",
                        log.display(),
                        parts::LOG_LINES,
                        human_size(parts::LOG_TAIL_BYTES)
                    ),
                );
            }
            Err(err) => notes.push(format!("log file {}: {err}", log.display())),
        }
    }
    let trace_dir = settings.folders.state.join(trace::FOLDER);
    let trace_state = parts::trace_state(&trace_dir);
    if trace_state.is_some() {
        add_trace(&mut bundle, &trace_dir, &clean, &mut notes);
    }
    let readme = readme(settings, &bundle, trace_state.as_deref(), &notes);
    bundle.add("README.txt", &readme, "this file");

    let files = bundle.files.len() + 1;
    let bytes = bundle.finish()?;
    let path = files::write_atomic(&dir, &name, &bytes)?;
    only_for_the_owner(&path);
    Ok(Written {
        path,
        bytes: bytes.len() as u64,
        files,
        notes,
    })
}

/// The trace's record as it is; its exchange whole with personal data, else without bodies.
fn add_trace(bundle: &mut Bundle, dir: &Path, clean: &Clean, notes: &mut Vec<String>) {
    if let Ok(record) = std::fs::read_to_string(dir.join(trace::RECORD_FILE)) {
        bundle.add(
            "trace-1c/trace.json",
            &record,
            "the trace's record: when it began and ended, and what asked for it",
        );
    }
    let exchange = dir.join(trace::EXCHANGE_FILE);
    if !exchange.is_file() {
        return;
    }
    // A trace ends at its bound; a file grown past it anyway is not read whole.
    let text = files::read_at_most(&exchange, trace::MAX_BYTES + (1 << 20)).map(|bytes| {
        let text = String::from_utf8_lossy(&bytes);
        match clean.personal_data {
            true => clean.ours(&text),
            false => parts::trace_without_bodies(&text, clean),
        }
    });
    match text {
        Ok(text) => bundle.add(
            "trace-1c/exchange.jsonl",
            &text,
            match clean.personal_data {
                true => "1C's requests and our answers, bodies as recorded",
                false => {
                    "1C's requests and our answers, bodies left out but for their length, \
                          line ends, an XML body's first line and our own line answers"
                }
            },
        ),
        Err(err) => notes.push(format!("trace {}: {err}", exchange.display())),
    }
}

/// The folder and file name to publish to, checked: an existing folder, none of the parts.
fn destination(settings: &Settings) -> Result<(PathBuf, String), Error> {
    let out = &settings.out;
    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(Error::NoFolder {
            out: out.clone(),
            folder,
        });
    }
    use crate::files::identity::{Relation, identity, relation};
    let at = identity(&folder);
    let f = &settings.folders;
    for (part, path, why) in [
        ("outbox", &f.outbox, "1C's user reads and deletes files"),
        ("inbox", &f.inbox, "webhooks arrive"),
        (
            "archive",
            &f.archive,
            "every file counts as a converted input",
        ),
        ("failed", &f.failed, "refused inputs wait"),
        ("state", &f.state, "the ledger lives"),
    ] {
        if relation(&at, &identity(path)) != Relation::Apart {
            return Err(Error::InsidePart {
                out: out.clone(),
                part,
                folder: path.clone(),
                why,
            });
        }
    }
    let name = out
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bachata1c-report.zip".to_string());
    Ok((folder, name))
}

/// The bundle may hold personal data: readable by its owner only.
fn only_for_the_owner(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    #[cfg(not(unix))]
    let _ = path;
}

fn queue(folders: &Folders) -> String {
    let ledger = folders.ledger();
    if !ledger.is_file() {
        return format!("{}: no ledger yet\n", ledger.display());
    }
    match crate::ledger::inspect::describe(&ledger) {
        Ok(found) => match found.queue {
            Some(q) => format!(
                "waiting {}\noffered {}\nconfirmed {}\nknown {}\n",
                q.waiting, q.offered, q.confirmed, q.known
            ),
            None => "the ledger has no queue for 1C yet\n".to_string(),
        },
        Err(err) => format!("{}: cannot be read: {err}\n", ledger.display()),
    }
}

fn folders(settings: &Settings) -> String {
    let f = &settings.folders;
    let mut lines = vec![
        system::describe_path("inbox", &f.inbox),
        system::describe_path("outbox", &f.outbox),
        system::describe_path("archive", &f.archive),
        system::describe_path("failed", &f.failed),
        system::describe_path("state", &f.state),
        system::describe_path("ledger", &f.ledger()),
        system::describe_path("uploads", &f.state.join("uploads")),
        system::describe_path("trace", &f.state.join(trace::FOLDER)),
    ];
    if let Some(config) = &settings.config {
        lines.push(system::describe_path("config", config));
    }
    for log in &settings.logs {
        lines.push(system::describe_path("log", log));
    }
    lines.join("\n") + "\n"
}

/// README.txt: what the bundle holds, what it left out and why, and its bounds.
fn readme(settings: &Settings, bundle: &Bundle, trace: Option<&str>, notes: &[String]) -> String {
    let mut text = format!(
        "bachata1c support bundle, made {} by bachata1c {} (`bachata1c report`).\n\n\
         Files:\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S %:z"),
        env!("CARGO_PKG_VERSION")
    );
    for (name, what) in &bundle.files {
        let _ = writeln!(text, "  {name}: {what}");
    }
    let _ = writeln!(text, "  README.txt: this file");
    let _ = writeln!(
        text,
        "\nThe trace of 1C's exchange (serve --trace-1c): {}.",
        trace.unwrap_or("none in state/")
    );
    text.push_str(if settings.personal_data {
        "\nPersonal data: KEPT (--with-personal-data). Names, phones and e-mails of clients may \
         be in the log lines, the reasons and the trace's bodies. Send this file only where \
         personal data may go, and delete it after.\n"
    } else {
        "\nPersonal data: LEFT OUT. Replaced, wherever they appear:\n\
         - the names, phones and e-mails of the leads in the ledger (the newest 100,000) and of \
           the clients of the webhooks in the inbox and in failed/ (the newest 1,000 files of \
           each): [name], [phone], [e-mail];\n\
         - anything shaped like an e-mail address, or like a phone number (10 to 15 digits, or \
           7 or more after a +): [e-mail], [phone];\n\
         - in the status, the reasons and the log lines, which may quote a refused file: \
           anything in double quotes (\"…\").\n\
         The trace keeps each request's method, path and query, headers, status, timing and \
         bodies' lengths and line ends, but of a body only an XML document's first line and \
         our own short answers (success, failure and why): 1C's query answers and uploads \
         carry names and phones. `bachata1c report --with-personal-data` keeps all of it.\n"
    });
    text.push_str(&format!(
        "\nNever in it: a password (the config's password variables and files are read only to \
         find and replace [password] wherever it would appear), the value of an Authorization \
         header, of a cookie or of 1C's sessid (the trace never records them), the contents of \
         the TLS key or of a password file. Keys named like a password, token or secret, bot \
         tokens and passwords in URLs in the config show as (masked).\n\
         \nBounds: the config and the status at {} each, the newest {} reasons at {} each, of \
         each log file (at most {}) its last {} lines within its last {}, the trace as recorded \
         (at most {}); {} for all files together, a file cut where it would pass that.\n",
        human_size(parts::TEXT_LIMIT as u64),
        parts::REASONS,
        human_size(parts::REASON_LIMIT as u64),
        MAX_LOGS,
        parts::LOG_LINES,
        human_size(parts::LOG_TAIL_BYTES),
        human_size(trace::MAX_BYTES),
        human_size(BUNDLE_LIMIT)
    ));
    if settings.logs.is_empty() {
        text.push_str(
            "\nNo log file: `bachata1c report … --log-file FILE` adds one (the --log-file of \
             `run` or `watch`; a service's journal saved into a file).\n",
        );
    }
    if !notes.is_empty() {
        text.push_str("\nNot included, and why:\n");
        for note in notes {
            let _ = writeln!(text, "  {note}");
        }
    }
    text
}

/// The zip being made, in memory (it is bounded), and what each file is.
struct Bundle {
    zip: ZipWriter<Cursor<Vec<u8>>>,
    total: u64,
    files: Vec<(String, String)>,
    /// The files' time: when the bundle was made, by the local clock.
    made: Option<zip::DateTime>,
}

impl Bundle {
    fn new() -> Bundle {
        use chrono::{Datelike, Timelike};
        let now = chrono::Local::now();
        let made = zip::DateTime::from_date_and_time(
            u16::try_from(now.year()).unwrap_or(1980),
            now.month() as u8,
            now.day() as u8,
            now.hour() as u8,
            now.minute() as u8,
            now.second() as u8,
        )
        .ok();
        Bundle {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
            total: 0,
            files: Vec::new(),
            made,
        }
    }

    /// Adds a file, cut where it would pass [`BUNDLE_LIMIT`]. A zip that cannot take a file
    /// in memory is a bug, not a condition: it is said in the file list.
    fn add(&mut self, name: &str, text: &str, what: &str) {
        let room = BUNDLE_LIMIT.saturating_sub(self.total) as usize;
        let text = parts::cut(text, room.saturating_sub(200));
        let mut options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .unix_permissions(0o600);
        if let Some(now) = self.made {
            options = options.last_modified_time(now);
        }
        let added = self
            .zip
            .start_file(name, options)
            .map_err(std::io::Error::other)
            .and_then(|()| self.zip.write_all(text.as_bytes()));
        let what = match added {
            Ok(()) => what.to_string(),
            Err(err) => format!("{what} (could not be added: {err})"),
        };
        self.total += text.len() as u64;
        if name != "README.txt" {
            self.files.push((name.to_string(), what));
        }
    }

    fn finish(self) -> Result<Vec<u8>, Error> {
        Ok(self.zip.finish()?.into_inner())
    }
}
