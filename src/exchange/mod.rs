//! The exchange folder: inputs taken from the inbox, converted with [`crate::conversion`],
//! published to the outbox and filed in archive/ or failed/, so that every input ends there
//! exactly once and every qualifying client reaches the outbox exactly once, crashes included.
//!
//! A worker goes over the inbox in rounds of up to [`ROUND`] files: [`scan`] lists them,
//! [`claim`] takes each by a rename, [`examine`] reads, hashes and converts it, [`commit`] makes
//! the round's outcome durable in the order that keeps the contract whatever step a crash
//! interrupts, and [`filing`] moves the inputs away. [`recover`] takes back a dead worker's files.

pub mod claim;
mod commit;
mod examine;
pub mod filing;
pub mod folders;
pub mod numbers;
mod orders_file;
pub mod recover;
pub mod scan;
mod settings;
mod told;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::files::{self, Staging};
use crate::ledger::{Entry, Ledger};
use crate::report::{Level, Log, Tally};
use crate::stop::Stop;
use claim::Claim;
use numbers::NumberMark;
use scan::{Candidate, Refusal, Scanner};
use told::Told;

pub use settings::{
    DEFAULT_GIVE_UP_AFTER, DEFAULT_LEASE, DEFAULT_POLL_RESCAN, DEFAULT_RESCAN, DEFAULT_WINDOW_DAYS,
    MIN_RESCAN, OrdersFile, Settings, Watch,
};

/// Files claimed, converted and published together: at most this many, and no more than
/// `ROUND_TIME` of work, so that outputs appear steadily and a crash costs little redoing.
const ROUND: usize = 256;
const ROUND_TIME: Duration = Duration::from_millis(500);
/// `--batch`: at most this many inputs go into the run's one output file (their leads are
/// held in memory until it is written).
const ONE_OUTPUT_INPUTS: usize = 10_000;
/// A file that did not parse is read again only after this long, unless it changed: `watch`
/// would otherwise spin on it, woken by the events of its own give-back.
pub const RECHECK: Duration = Duration::from_secs(2);
/// A file still unparseable this long after it last changed is named at the normal level, with
/// when it will be refused: a writer pauses less than this, a broken file stays broken.
pub const NAMED_AFTER: Duration = Duration::from_secs(2);
/// A temporary file of ours this old is a killed writer's, also where its process cannot be
/// told gone (Windows): no rewrite of the orders file takes that long.
const STALE_TEMPORARY: Duration = Duration::from_secs(600);

/// Why a worker must stop: the folders or the ledger cannot be used. Every message names the
/// path; what was in hand is back in the inbox.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "{}: no such inbox folder; {}",
        .0.display(),
        folders::missing_part_hint(.0).unwrap_or_else(|| "create the exchange folder with `bachata1c init --dir DIR`".into())
    )]
    NoInbox(PathBuf),
    #[error(transparent)]
    Files(#[from] files::Error),
    /// Boxed: with its paths and the user it is the largest error by far (Windows' paths are
    /// wider still), and every worker step returns this type.
    #[error(transparent)]
    Unwritable(#[from] Box<files::access::Unwritable>),
    #[error("cannot open the ledger {}: {source}", path.display())]
    LedgerOpen {
        path: PathBuf,
        source: crate::ledger::Error,
    },
    #[error("ledger {}: {source}", path.display())]
    Ledger {
        path: PathBuf,
        source: crate::ledger::Error,
    },
    #[error(
        "{}: the ledger was removed while bachata1c was running; stopping so that no webhook is \
         converted twice (restore it, or see --new-ledger)",
        .0.display()
    )]
    LedgerRemoved(PathBuf),
    #[error(
        "{}: the ledger is new or empty, but {} holds {archived} converted input(s): without the \
         old ledger a webhook delivered again would be converted a second time. Put the old \
         ledger back (from a backup), or run once with --new-ledger to start a new one that \
         first records every archived input (either way the numbers continue above every one \
         given before)",
        ledger.display(), archive.display()
    )]
    LedgerLost {
        ledger: PathBuf,
        archive: PathBuf,
        archived: usize,
    },
    #[error("cannot claim {}: {source}", path.display())]
    Claim {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{source}; {} stays in the inbox to be retried", input.display())]
    Unstaged {
        source: files::Error,
        input: PathBuf,
    },
    #[error("{0}; the outbox cannot be written, inputs stay in the inbox to be retried")]
    Unpublished(files::Error),
    #[error(
        "{0}; the orders file cannot be rewritten (its leads are in the ledger: it is rewritten \
         with them on the next try)"
    )]
    OrdersFile(files::Error),
    #[error(
        "{0}; it keeps the highest Номер given to a lead, so no lead is numbered until it can be \
         written (inputs stay in the inbox to be retried)"
    )]
    NumberMark(files::Error),
    #[error(
        "{}: {found:?} is not a number; this file keeps the highest Номер given to a lead (1C \
         finds its orders by it). Write that number on its first line (`bachata1c leads` lists \
         the numbers; 1C's orders show them), or remove the file when the ledger is whole",
        path.display()
    )]
    NumberMarkGarbled { path: PathBuf, found: String },
}

/// What became of one claimed input in a round.
enum Fate {
    /// Converted; its output is written in staging under this name.
    Staged(String),
    /// Converted; no client qualified.
    Empty,
    Refused,
    Duplicate(String),
    /// This very file was converted before a crash: its output is out already.
    Again,
}

struct Item {
    path: PathBuf,
    entry: Entry,
    fate: Fate,
    skipped: BTreeMap<String, usize>,
    /// Characters of its leads the output encoding could not hold (`encoding::replaced_note`).
    replaced: usize,
}

fn item(path: PathBuf, entry: Entry, fate: Fate) -> Item {
    Item {
        path,
        entry,
        fate,
        skipped: BTreeMap::new(),
        replaced: 0,
    }
}

/// A worker on the exchange folder.
pub struct Exchange<'a> {
    settings: &'a Settings,
    log: &'a Log,
    stop: &'a Stop,
    ledger: Ledger,
    /// The highest number given, kept outside the ledger.
    numbers: NumberMark,
    claim: Claim,
    staging: Staging,
    pub tally: Tally,
    /// Files that did not parse yet: their size and time then, and when that was seen.
    deferred: HashMap<String, (Candidate, Instant)>,
    /// Files named as unparseable at the normal level, once each until they change.
    told_unparseable: Told,
    /// Files left in the inbox for their name, told of once each until they change.
    told_foreign: Told,
    /// `--batch`: inputs converted in this run (with their leads) until the one file is written.
    held: Vec<Item>,
    /// Contents converted but not yet in the ledger, to catch duplicates among them.
    uncommitted: HashMap<String, String>,
    /// `--commerceml-file`: when it was last rewritten.
    orders_file_day: orders_file::RewrittenOn,
}

impl<'a> Exchange<'a> {
    pub fn open(settings: &'a Settings, log: &'a Log, stop: &'a Stop) -> Result<Self, Error> {
        let folders = &settings.folders;
        // A mistyped --dir must not quietly become a new, empty exchange folder.
        if !folders.inbox.is_dir() {
            return Err(Error::NoInbox(folders.inbox.clone()));
        }
        files::access::check_writable(&folders.written())?;
        folders.create_all()?;
        let mut ledger = Ledger::open(&folders.ledger()).map_err(|source| Error::LedgerOpen {
            path: folders.ledger(),
            source,
        })?;
        recover::check_new_ledger(folders, &mut ledger, settings.new_ledger, log)?;
        let numbers = NumberMark::keep(folders, &mut ledger, log)?;
        // What a killed writer left in the outbox (an orders file's rewrite, a done marker) and
        // beside the archive (the mark of the highest number given).
        files::remove_stale_temporaries(&folders.outbox, STALE_TEMPORARY);
        files::remove_stale_temporaries(&folders.archive, STALE_TEMPORARY);
        let claim = Claim::start(folders)?;
        let staging = Staging::in_folder(&folders.staging_root().join(&claim.id), &folders.outbox)?;
        let mut exchange = Exchange {
            settings,
            log,
            stop,
            ledger,
            numbers,
            claim,
            staging,
            tally: Tally::default(),
            deferred: HashMap::new(),
            told_unparseable: Told::default(),
            told_foreign: Told::default(),
            held: Vec::new(),
            uncommitted: HashMap::new(),
            orders_file_day: None,
        };
        exchange.recover()?;
        exchange.rewrite_orders_file()?;
        Ok(exchange)
    }

    /// Recreates the parts of the exchange folder removed while we run (the inbox's work
    /// folder, the outbox's staging folder, or any whole folder), saying which; true when the
    /// inbox's own work folder had to be made again, as after the inbox was removed and
    /// created anew. A ledger removed meanwhile stops the run: converting on without it would
    /// convert a webhook delivered again a second time.
    pub fn repair(&mut self) -> Result<bool, Error> {
        let folders = &self.settings.folders;
        if !folders.ledger().is_file() {
            return Err(Error::LedgerRemoved(folders.ledger()));
        }
        let mut missing: Vec<PathBuf> = [
            &folders.inbox,
            &folders.outbox,
            &folders.archive,
            &folders.failed,
            &folders.state,
            &self.claim.dir,
            &self.staging.dir().to_path_buf(),
        ]
        .into_iter()
        .filter(|dir| !dir.is_dir())
        .cloned()
        .collect();
        if missing.is_empty() {
            return Ok(false);
        }
        let inbox_anew = missing.contains(&self.claim.dir);
        folders.create_all()?;
        self.claim.restore()?;
        self.staging.restore()?;
        missing.retain(|dir| dir.is_dir());
        let shown: Vec<String> = missing.iter().map(|d| d.display().to_string()).collect();
        self.log.note(
            Level::Problem,
            format_args!(
                "{} removed while bachata1c was running: created again",
                shown.join(", ")
            ),
        );
        Ok(inbox_anew)
    }

    /// Takes back the files of dead workers; also renews our own lease.
    pub fn recover(&mut self) -> Result<(), Error> {
        self.claim.renew()?;
        recover::recover(
            &self.settings.folders,
            &mut self.ledger,
            &self.claim,
            self.settings.lease,
            self.log,
        )
    }

    /// One pass over the inbox: every complete file is converted, published and filed.
    pub fn scan(&mut self) -> Result<(), Error> {
        self.rewrite_orders_file_if_stale()?;
        let inbox = &self.settings.folders.inbox;
        let mut scanner = Scanner::open(inbox, self.settings.follow_symlinks)?;
        let forget_after = self.settings.give_up_after + RECHECK * 10;
        self.deferred
            .retain(|_, (_, seen)| seen.elapsed() < forget_after);
        self.told_unparseable.forget_gone(inbox);
        self.told_foreign.forget_gone(inbox);
        while !self.stop.is_requested() {
            let chunk = scanner.next_chunk(ROUND, self.log);
            if chunk.is_empty() {
                break;
            }
            self.tell_foreign(&chunk.foreign);
            let (ready, changing) = match self.settings.settle {
                Some(settle) => scan::settled(inbox, chunk.candidates, settle),
                None => (chunk.candidates, Vec::new()),
            };
            for candidate in &changing {
                self.log.file(
                    Level::Detail,
                    &inbox.join(&candidate.name),
                    "still being written, left in the inbox",
                );
            }
            self.tally.waiting += changing.len();
            self.claim.renew()?;
            if let Err(err) = self.round(ready, chunk.refused) {
                let held = std::mem::take(&mut self.held);
                self.uncommitted.clear();
                self.give_back_all(&held);
                return Err(err);
            }
        }
        self.write_one_output()
    }

    /// Says of each file left in the inbox for its name, once until it changes, how to have it
    /// taken: the inbox may hold other tools' files, so it is never taken as it is.
    fn tell_foreign(&mut self, files: &[Candidate]) {
        let inbox = &self.settings.folders.inbox;
        for file in files {
            if self.told_foreign.is_news(file) {
                self.log.file(
                    Level::File,
                    &inbox.join(&file.name),
                    format_args!(
                        "not a .json file, left in the inbox (rename it to {} to convert it)",
                        folders::webhook_name_for(&file.name)
                    ),
                );
            }
        }
    }

    /// Counts the webhook files now in the inbox, for a progress bar (names are not kept).
    pub fn count_inbox(&self) -> usize {
        folders::count_webhooks(&self.settings.folders.inbox)
    }

    pub fn close(mut self) {
        // The numbers set aside beyond the last one given go back: the next start needs none.
        let numbers = &self.numbers;
        if let Err(err) = self
            .ledger
            .keep_numbers_above(0, |last| numbers.tighten(last))
        {
            let err = numbering_error(&self.settings.folders, err);
            self.log.note(Level::Problem, format_args!("{err}"));
        }
        self.staging.remove();
        self.claim.finish();
    }

    /// Claims, examines and commits one chunk of the listing, in rounds of at most
    /// `ROUND_TIME` of work.
    fn round(&mut self, ready: Vec<Candidate>, refused: Vec<Refusal>) -> Result<(), Error> {
        let mut items: Vec<Item> = Vec::new();
        // Entries that can never be taken go to failed/ with their reason, like a bad file.
        for refusal in refused {
            match self.claim.take(&refusal.name) {
                Ok(path) => {
                    let entry = Entry {
                        name: refusal.name,
                        reason: Some(refusal.reason),
                        ..Entry::default()
                    };
                    items.push(item(path, entry, Fate::Refused));
                }
                Err(Ok(_)) => {}
                Err(Err(source)) => {
                    self.give_back_all(&items);
                    return Err(Error::Claim {
                        path: self.settings.folders.inbox.join(&refusal.name),
                        source,
                    });
                }
            }
        }
        let mut started = Instant::now();
        for candidate in ready {
            if self.stop.is_requested() {
                break;
            }
            if self.recently_unparseable(&candidate) {
                self.tally.waiting += 1;
                continue;
            }
            let path = match self.claim.take(&candidate.name) {
                Ok(path) => path,
                Err(Ok(claim::Missed::Gone)) => continue,
                Err(Ok(claim::Missed::Busy)) => {
                    self.tally.waiting += 1;
                    continue;
                }
                Err(Err(source)) => {
                    self.give_back_all(&items);
                    return Err(Error::Claim {
                        path: self.settings.folders.inbox.join(&candidate.name),
                        source,
                    });
                }
            };
            match self.examine(&candidate, path) {
                Ok(Some(item)) => items.push(item),
                Ok(None) => self.log.tick(),
                Err(fatal) => {
                    // This one too (a no-op if `examine` put it back already).
                    let _ = self.claim.give_back(&candidate.name);
                    self.give_back_all(&items);
                    return Err(fatal);
                }
            }
            if started.elapsed() >= ROUND_TIME {
                self.commit_or_hold(std::mem::take(&mut items))?;
                started = Instant::now();
            }
        }
        self.commit_or_hold(items)
    }

    /// Commits a round now, or with `--batch` holds it for the run's one output file.
    fn commit_or_hold(&mut self, items: Vec<Item>) -> Result<(), Error> {
        if !self.settings.one_output_per_run {
            return self.commit(items);
        }
        self.held.extend(items);
        if self.held.len() >= ONE_OUTPUT_INPUTS {
            self.write_one_output()?;
        }
        Ok(())
    }

    /// Whether this file, unchanged, failed to parse moments ago (and may still wait).
    fn recently_unparseable(&self, candidate: &Candidate) -> bool {
        let Some((seen, when)) = self.deferred.get(&candidate.name) else {
            return false;
        };
        let age = std::time::SystemTime::now()
            .duration_since(candidate.modified)
            .unwrap_or(Duration::ZERO);
        seen == candidate && when.elapsed() < RECHECK && age < self.settings.give_up_after
    }

    /// Puts a claimed file back into the inbox because it is not ready yet, and says `what`
    /// at `level`.
    fn not_ready(&mut self, name: &str, level: Level, what: &str) {
        self.tally.waiting += 1;
        let shown = self.settings.folders.inbox.join(name);
        match self.claim.give_back(name) {
            Ok(_) => self.log.file(level, &shown, what),
            Err(err) => self.log.file(
                Level::Problem,
                &shown,
                format_args!("cannot put it back into the inbox: {err}"),
            ),
        }
    }

    fn give_back_all(&self, items: &[Item]) {
        for item in items {
            if let Fate::Staged(output) = &item.fate {
                self.staging.discard(output);
            }
            let _ = self.claim.give_back(&item.entry.name);
        }
    }

    fn ledger_error(&self, source: crate::ledger::Error) -> Error {
        Error::Ledger {
            path: self.settings.folders.ledger(),
            source,
        }
    }
}

/// An error of a step that numbers leads: the ledger's, or the mark's beside the archive.
fn numbering_error(folders: &folders::Folders, err: crate::ledger::NumberingError<Error>) -> Error {
    match err {
        crate::ledger::NumberingError::Ledger(source) => Error::Ledger {
            path: folders.ledger(),
            source,
        },
        crate::ledger::NumberingError::Mark(err) => err,
    }
}

/// The hash of an input's content, as the ledger and the output names use it.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
