//! The trace of 1C's «Обмен с сайтом» that switches itself off (`serve --trace-1c 30m`, or
//! `[site_exchange] trace_1c`): each request of 1C and our answer, as one JSON line in
//! `state/trace-1c/exchange.jsonl`, with the trace's own record (`trace.json`: when it began,
//! when it ends, what asked for it, when and why it ended) beside it.
//!
//! What is never written: the value of `Authorization`, of a cookie, of `sessid`, and the
//! session token `checkauth` answers. What is: bodies cut at [`BODY_LIMIT`] — and those hold
//! personal data (1C's query answers carry names and phones), which is why a trace is bounded
//! in time ([`MAX_LENGTH`]) and size ([`MAX_BYTES`]), stays under state/, and is removed
//! [`KEEP_DAYS`] days after it ended or when the next trace begins.
//!
//! A trace ends at its time even across restarts: its end is written down when it begins. A
//! `serve` started without the setting ends a trace still running; one started with the same
//! setting continues it to the same end (a service restarting does not lengthen it); another
//! setting begins a new one. A trace asked for by the config key is taken once: the same key
//! met again after its trace ended traces nothing (a key left behind does not trace every
//! restart).

mod exchange;

pub use exchange::{
    Body, Copied, Exchange, Message, Seen, hidden_answer, hidden_header, hidden_query,
};

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::files;
use crate::span::Span;

/// The trace's folder in the state folder.
pub const FOLDER: &str = "trace-1c";
/// The trace's own record, and the exchange, one JSON object per line.
pub const RECORD_FILE: &str = "trace.json";
pub const EXCHANGE_FILE: &str = "exchange.jsonl";
/// No trace unless asked for (`--trace-1c`, `[site_exchange] trace_1c`).
pub const DEFAULT_TRACE_1C: Option<Span> = None;
/// The longest trace: one exchange of 1C's, or a day of them, is what a trace is for.
pub const MAX_LENGTH: Duration = Duration::from_secs(24 * 60 * 60);
/// Each body is recorded up to this many bytes; its whole length is recorded too.
pub const BODY_LIMIT: usize = 16 * 1024;
/// The exchange file's bound: at it, the trace ends.
pub const MAX_BYTES: u64 = 16 << 20;
/// An ended trace is removed this many days after its end (or when the next one begins).
pub const KEEP_DAYS: i64 = 7;
/// What hidden values are replaced with.
pub const HIDDEN: &str = "(hidden)";

/// Where the trace is, and whether this start of `serve` asks for one.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `state/trace-1c`.
    pub dir: PathBuf,
    pub asked: Option<Asked>,
}

/// A trace asked for: how long, and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    pub length: Span,
    /// The option or key as written, such as `--trace-1c 30m`: a start with the same one
    /// continues a running trace instead of beginning another.
    pub by: String,
    /// The config key: its trace is taken once (see the module's docs).
    pub once: bool,
}

/// `trace.json`: the trace's own record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub began: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub by: String,
    pub once: bool,
    /// When it ended, if it did before [`Record::ends`] or was seen to end by a `serve`.
    pub ended: Option<DateTime<Utc>>,
    pub why: Option<String>,
}

impl Record {
    fn running(&self, now: DateTime<Utc>) -> bool {
        self.ended.is_none() && now < self.ends
    }

    /// When it ended or ends, whichever came first.
    pub fn end(&self) -> DateTime<Utc> {
        self.ended.unwrap_or(self.ends).min(self.ends)
    }

    pub fn read(dir: &Path) -> Option<Record> {
        let text = std::fs::read(dir.join(RECORD_FILE)).ok()?;
        serde_json::from_slice(&text).ok()
    }

    fn write(&self, dir: &Path) -> files::Result<()> {
        let text = serde_json::to_vec_pretty(self).unwrap_or_default();
        files::write_atomic(dir, RECORD_FILE, &text).map(drop)
    }
}

/// The trace of this `serve`: recording, or idle (with an ended trace waiting for removal).
#[derive(Debug)]
pub struct Tracer {
    dir: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
enum State {
    Recording {
        record: Record,
        file: File,
        bytes: u64,
    },
    Idle {
        /// An ended trace on disk is removed then.
        remove_at: Option<DateTime<Utc>>,
    },
}

impl Tracer {
    /// Decides, at a start of `serve`, whether to trace (see the module's docs), says so, and
    /// starts the clock that ends the trace and removes an old one. A trace that cannot be
    /// written is said and left: 1C's exchange is served all the same.
    pub fn start(settings: &Settings) -> Arc<Tracer> {
        let dir = &settings.dir;
        let state = decide(settings, Utc::now()).unwrap_or_else(|err| {
            crate::say!(
                "bachata1c: warning: the trace of 1C's exchange: {err}; 1C's exchange is served \
                 without a trace"
            );
            State::Idle { remove_at: None }
        });
        let tracer = Arc::new(Tracer {
            dir: dir.clone(),
            state: Mutex::new(state),
        });
        let clock = tracer.clone();
        let started = std::thread::Builder::new()
            .name("bachata1c-trace-1c".to_string())
            .spawn(move || {
                while let Some(wait) = clock.tick(Utc::now()) {
                    // At most an hour at a time: a clock set forward is noticed within one.
                    std::thread::sleep(wait.clamp(Duration::from_millis(10), HOUR));
                }
            });
        if let Err(err) = started {
            crate::say!(
                "bachata1c: warning: the trace of 1C's exchange has no clock ({err}): it ends at \
                 the first request of 1C's after its time"
            );
        }
        tracer
    }

    /// Whether 1C's requests are recorded now (a trace past its end is ended here).
    pub fn recording(&self) -> bool {
        self.tick(Utc::now());
        matches!(*self.lock(), State::Recording { .. })
    }

    /// Appends one exchange to the trace, if one is recording and it fits its bound.
    pub fn record(&self, exchange: &Exchange) {
        // An answer that took past the trace's end is not recorded.
        self.tick(Utc::now());
        let mut line = serde_json::to_vec(exchange).unwrap_or_default();
        line.push(b'\n');
        let mut state = self.lock();
        let State::Recording { file, bytes, .. } = &mut *state else {
            return;
        };
        if *bytes + line.len() as u64 > MAX_BYTES {
            let why = format!(
                "it reached its bound of {}",
                crate::limits::human_size(MAX_BYTES)
            );
            self.end(&mut state, Utc::now(), &why);
            return;
        }
        match file.write_all(&line) {
            Ok(()) => *bytes += line.len() as u64,
            Err(err) => {
                let why = format!("cannot write {}: {err}", self.exchange_path().display());
                self.end(&mut state, Utc::now(), &why);
            }
        }
    }

    fn exchange_path(&self) -> PathBuf {
        self.dir.join(EXCHANGE_FILE)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        crate::lock::lock(&self.state)
    }

    /// Ends a trace past its end and removes one past its keeping; how long until the next
    /// such moment, `None` when there is none.
    fn tick(&self, now: DateTime<Utc>) -> Option<Duration> {
        let mut state = self.lock();
        match &*state {
            State::Recording { record, .. } if now >= record.ends => {
                let why = format!("its {} were over", length(record));
                self.end(&mut state, now, &why);
            }
            State::Idle {
                remove_at: Some(at),
            } if now >= *at => {
                remove(&self.dir);
                *state = State::Idle { remove_at: None };
            }
            _ => {}
        }
        let next = match &*state {
            State::Recording { record, .. } => record.ends,
            State::Idle { remove_at } => (*remove_at)?,
        };
        Some((next - now).to_std().unwrap_or_default())
    }

    fn end(&self, state: &mut State, now: DateTime<Utc>, why: &str) {
        let State::Recording { record, .. } = &*state else {
            return;
        };
        let mut record = record.clone();
        record.ended = Some(now.min(record.ends));
        record.why = Some(why.to_string());
        if let Err(err) = record.write(&self.dir) {
            crate::say!("bachata1c: the trace of 1C's exchange: {err}");
        }
        crate::say!(
            "bachata1c: the trace of 1C's exchange ended: {why}; it is in {} (removed after {} \
             days, or when the next trace begins; `bachata1c report` takes it)",
            self.dir.display(),
            KEEP_DAYS
        );
        *state = State::Idle {
            remove_at: Some(record.end() + chrono::Duration::days(KEEP_DAYS)),
        };
    }
}

const HOUR: Duration = Duration::from_secs(60 * 60);

/// What this start of `serve` does with the trace (see the module's docs).
fn decide(settings: &Settings, now: DateTime<Utc>) -> files::Result<State> {
    let dir = &settings.dir;
    Ok(match (&settings.asked, Record::read(dir)) {
        (Some(asked), Some(old)) if old.by == asked.by && old.running(now) => {
            crate::say!(
                "bachata1c: tracing 1C's exchange into {} until {} (the trace {} began at {} \
                 goes on; a restart does not lengthen it)",
                dir.display(),
                local(old.ends),
                old.by,
                local(old.began)
            );
            let (file, bytes) = open_exchange(dir)?;
            State::Recording {
                record: old,
                file,
                bytes,
            }
        }
        (Some(asked), Some(old)) if old.by == asked.by && asked.once => {
            crate::say!(
                "bachata1c: warning: {} traced 1C's exchange from {} to {} already, and a key \
                 traces once: nothing is traced now. Remove the key; to trace again, start serve \
                 once with --trace-1c LENGTH",
                asked.by,
                local(old.began),
                local(old.end())
            );
            idle(dir, old, now, None)?
        }
        (Some(asked), _) => begin(dir, asked, now)?,
        (None, Some(old)) => {
            let why = old
                .running(now)
                .then_some("serve started again without --trace-1c or [site_exchange] trace_1c");
            idle(dir, old, now, why)?
        }
        (None, None) => {
            // A trace without its record (removed by hand): nothing says how old it is.
            remove(dir);
            State::Idle { remove_at: None }
        }
    })
}

/// A new trace: the old one removed, the record written before anything is recorded.
fn begin(dir: &Path, asked: &Asked, now: DateTime<Utc>) -> files::Result<State> {
    remove(dir);
    files::create_dir_all(dir)?;
    let length = chrono::Duration::from_std(asked.length.0.min(MAX_LENGTH))
        .unwrap_or(chrono::Duration::hours(24));
    let record = Record {
        began: now,
        ends: now + length,
        by: asked.by.clone(),
        once: asked.once,
        ended: None,
        why: None,
    };
    record.write(dir)?;
    let (file, bytes) = open_exchange(dir)?;
    crate::say!(
        "bachata1c: tracing 1C's exchange ({}) into {} until {}: each request and answer, \
         credentials and cookies hidden, bodies cut at {}; it holds personal data and is \
         removed {} days after it ends",
        asked.by,
        dir.display(),
        local(record.ends),
        crate::limits::human_size(BODY_LIMIT as u64),
        KEEP_DAYS
    );
    Ok(State::Recording {
        record,
        file,
        bytes,
    })
}

/// An ended (or ending now, for `why`) trace, removed at once when its keeping is over.
fn idle(
    dir: &Path,
    mut old: Record,
    now: DateTime<Utc>,
    why: Option<&str>,
) -> files::Result<State> {
    if let Some(why) = why {
        old.ended = Some(now);
        old.why = Some(why.to_string());
        old.write(dir)?;
        crate::say!(
            "bachata1c: the trace of 1C's exchange in {} ended: {why}",
            dir.display()
        );
    } else if old.ended.is_none() {
        // It ran out while no serve was running.
        old.ended = Some(old.ends);
        old.why = Some(format!("its {} were over", length(&old)));
        old.write(dir)?;
    }
    let remove_at = old.end() + chrono::Duration::days(KEEP_DAYS);
    if now >= remove_at {
        remove(dir);
        return Ok(State::Idle { remove_at: None });
    }
    Ok(State::Idle {
        remove_at: Some(remove_at),
    })
}

fn open_exchange(dir: &Path) -> files::Result<(File, u64)> {
    let path = dir.join(EXCHANGE_FILE);
    // Not published: 1C's requests are appended as they come, and a reader takes the lines there are.
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|file| {
            let bytes = file.metadata()?.len();
            Ok((file, bytes))
        })
        .map_err(|source| files::Error {
            action: "open the trace",
            path: path.clone(),
            source,
        })
}

/// The trace's files; the folder too when nothing else is left in it.
fn remove(dir: &Path) {
    for name in [EXCHANGE_FILE, RECORD_FILE] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let _ = std::fs::remove_dir(dir);
}

fn length(record: &Record) -> Span {
    Span((record.ends - record.began).to_std().unwrap_or_default())
}

/// A moment as the administrator's clock shows it.
pub fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono::Local)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asked(by: &str, seconds: u64, once: bool) -> Settings {
        Settings {
            dir: PathBuf::new(),
            asked: Some(Asked {
                length: Span(Duration::from_secs(seconds)),
                by: by.to_string(),
                once,
            }),
        }
    }

    #[test]
    fn the_same_setting_continues_a_trace_and_a_key_traces_once() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join(FOLDER);
        let with = |by: &str, seconds, once| Settings {
            dir: dir.clone(),
            ..asked(by, seconds, once)
        };
        let first = Tracer::start(&with("--trace-1c 1h", 3600, false));
        assert!(first.recording());
        let began = Record::read(&dir).unwrap();
        drop(first);
        // A restart with the same option: the same trace, the same end.
        let again = Tracer::start(&with("--trace-1c 1h", 3600, false));
        assert!(again.recording());
        assert_eq!(Record::read(&dir).unwrap(), began);
        // Without the option: ended now, nothing recorded.
        let without = Tracer::start(&Settings {
            dir: dir.clone(),
            asked: None,
        });
        assert!(!without.recording());
        let ended = Record::read(&dir).unwrap();
        assert!(ended.ended.is_some() && ended.why.unwrap().contains("without"));

        // The key: traced once; the same key again after its end traces nothing.
        let key = "[site_exchange] trace_1c = \"1h\"";
        let tracer = Tracer::start(&with(key, 3600, true));
        assert!(tracer.recording());
        let mut state = tracer.lock();
        tracer.end(&mut state, Utc::now(), "a test ended it");
        drop(state);
        assert!(!tracer.recording());
        let after = Tracer::start(&with(key, 3600, true));
        assert!(!after.recording());
        assert_eq!(Record::read(&dir).unwrap().why.unwrap(), "a test ended it");
        // Another length is another setting.
        let other = Tracer::start(&with("[site_exchange] trace_1c = \"2h\"", 7200, true));
        assert!(other.recording());
    }

    #[test]
    fn a_trace_that_cannot_be_written_is_left_and_nothing_else_stops() {
        let temp = tempfile::tempdir().unwrap();
        let not_a_folder = temp.path().join("trace-1c");
        std::fs::write(&not_a_folder, "a file where the folder would be").unwrap();
        let tracer = Tracer::start(&Settings {
            dir: not_a_folder.join("inside"),
            ..asked("--trace-1c 1h", 3600, false)
        });
        assert!(!tracer.recording());
    }

    #[test]
    fn an_ended_trace_is_removed_after_its_keeping() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join(FOLDER);
        std::fs::create_dir_all(&dir).unwrap();
        let long_ago = Utc::now() - chrono::Duration::days(KEEP_DAYS + 1);
        let old = Record {
            began: long_ago,
            ends: long_ago + chrono::Duration::minutes(30),
            by: "--trace-1c 30m".to_string(),
            once: false,
            ended: None,
            why: None,
        };
        old.write(&dir).unwrap();
        std::fs::write(dir.join(EXCHANGE_FILE), "{}\n").unwrap();
        let tracer = Tracer::start(&Settings {
            dir: dir.clone(),
            asked: None,
        });
        assert!(!tracer.recording());
        assert!(!dir.exists());
    }

    #[test]
    fn a_trace_ends_at_its_bound() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().join(FOLDER);
        let tracer = Tracer::start(&Settings {
            dir: dir.clone(),
            ..asked("--trace-1c 1h", 3600, false)
        });
        let big = Exchange {
            at: Utc::now(),
            ms: 1,
            client: "127.0.0.1".to_string(),
            method: "GET".to_string(),
            path: "/1c_exchange.php".to_string(),
            query: "mode=query".to_string(),
            request: Message {
                headers: Vec::new(),
                body: Body::default(),
            },
            status: 200,
            response: Message {
                headers: Vec::new(),
                body: Body::new(&vec![b'x'; BODY_LIMIT], 1 << 20),
            },
        };
        while tracer.recording() {
            tracer.record(&big);
        }
        let size = std::fs::metadata(dir.join(EXCHANGE_FILE)).unwrap().len();
        assert!(size <= MAX_BYTES && size > MAX_BYTES - 2 * BODY_LIMIT as u64);
        let record = Record::read(&dir).unwrap();
        assert!(record.why.as_ref().unwrap().contains("bound"), "{record:?}");
    }
}
