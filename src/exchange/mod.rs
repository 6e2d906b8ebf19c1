//! The exchange folder: inputs taken from the inbox, converted with [`crate::convert`],
//! published to the outbox and filed in archive/ or failed/, so that every input ends there
//! exactly once and every qualifying client reaches the outbox exactly once, crashes included.
//!
//! Durability is paid per batch, not per file: a batch's outputs are synced in staging, the
//! ledger journals them in one transaction, they are renamed into the outbox, the outbox is
//! synced once, the ledger records the outcomes in one transaction, and the inputs move.

pub mod claim;
pub mod folders;
pub mod publish;
pub mod recover;
pub mod scan;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use crate::cli::RunArgs;
use crate::config::Config;
use crate::convert::{self, Settings};

use crate::fsx;
use crate::lead::Lead;
use crate::ledger::{Entry, Ledger, Outcome};
use crate::limits::Limits;
use crate::log::{Level, Log};
use crate::report::plural;
use claim::{Claim, Missed};
use folders::Folders;
use publish::Staging;
use scan::{Candidate, Refusal, Scanner};

/// With --batch, at most this many inputs go into one output file (the leads are held in
/// memory until it is written).
const BATCH_FILE_INPUTS: usize = 10_000;
/// Files claimed, converted and published together: at most this many, and no more than
/// `BATCH_TIME` of work, so that outputs appear steadily and a crash costs little redoing.
const BATCH: usize = 256;
const BATCH_TIME: Duration = Duration::from_millis(500);
/// A file that did not parse is read again only after this long, unless it changed: `watch`
/// would otherwise spin on it, woken by the events of its own give-back.
pub const RECHECK: Duration = Duration::from_secs(2);
/// From this size on, an input is converted while its hash is computed.
const CONVERT_WHILE_HASHING_FROM: usize = 1 << 20;
/// From this many leads on, an input's leads are freed on a side thread.
const FREE_ASIDE_FROM: usize = 1_000;

/// Everything `run` and `watch` need, merged: command line over config file over defaults.
#[derive(Debug, Clone)]
pub struct Options {
    pub folders: Folders,
    pub settings: Settings,
    /// `--settle`: files must stand unchanged this long before they are taken. `None`: taken
    /// at once, since a webhook that parses as a whole is complete.
    pub settle: Option<Duration>,
    pub give_up_after: Duration,
    pub lease: Duration,
    pub done_marker: Option<String>,
    /// One output file per run (per scan in `watch`) instead of one per input.
    pub batch: bool,
    pub limits: Limits,
    /// Take symbolic links to files in the inbox rather than refusing them.
    pub follow_symlinks: bool,
    /// Start a new ledger although archive/ holds inputs (it is filled from the archive).
    pub new_ledger: bool,
    pub config: Config,
}

fn seconds(
    cli: Option<f64>,
    file: Option<f64>,
    default: f64,
    option: &str,
) -> Result<Duration, String> {
    let value = cli.or(file).unwrap_or(default);
    Duration::try_from_secs_f64(value)
        .map_err(|_| format!("{option} {value}: a number of seconds, 0 or more, is expected"))
}

impl Options {
    pub fn resolve(args: &RunArgs) -> Result<Options, String> {
        let (folders, config) = Folders::resolve(&args.folders)?;
        let settings = Settings {
            layout: args.output.layout_with(&config),
            rules: args.rules.rules_with(&config),
            default_event: args.output.event_with(&config),
        };
        let w = &config.watch;
        if let Some(marker) = &args.done_marker
            && (marker.is_empty() || marker.contains(['/', '\\']))
        {
            return Err(format!(
                "--done-marker {marker:?}: a plain file name is expected"
            ));
        }
        Ok(Options {
            settle: match args.settle.or(w.settle_seconds) {
                None => None,
                Some(secs) => Some(seconds(Some(secs), None, 0.0, "--settle")?),
            },
            give_up_after: seconds(
                args.give_up_after,
                w.give_up_after_seconds,
                120.0,
                "--give-up-after",
            )?,
            lease: seconds(args.lease, w.lease_seconds, 300.0, "--lease")?,
            done_marker: args.done_marker.clone(),
            batch: args.batch,
            folders,
            settings,
            limits: args.limits.limits(&config.limits),
            follow_symlinks: args.follow_symlinks
                || config.folders.follow_symlinks.unwrap_or(false),
            new_ledger: args.new_ledger,
            config,
        })
    }
}

/// Counts over a run, for the summary line and the exit status.
#[derive(Debug, Default)]
pub struct Summary {
    pub converted: usize,
    pub without_leads: usize,
    pub refused: usize,
    pub duplicates: usize,
    /// Inputs not complete yet, left in the inbox for a later scan.
    pub waiting: usize,
    pub exported: usize,
    pub skipped: BTreeMap<String, usize>,
    pub outputs: usize,
}

impl Summary {
    pub fn taken(&self) -> usize {
        self.converted + self.refused + self.duplicates
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} taken: {} converted ({} without qualifying clients), {} refused, {} duplicate(s); {} exported in {}, {} skipped",
            plural(self.taken(), "file"),
            self.converted,
            self.without_leads,
            self.refused,
            self.duplicates,
            plural(self.exported, "client"),
            plural(self.outputs, "output file"),
            self.skipped.values().sum::<usize>(),
        )?;
        if !self.skipped.is_empty() {
            write!(f, " ({})", reasons(&self.skipped))?;
        }
        if self.waiting > 0 {
            write!(
                f,
                "; {} not complete yet, left in the inbox",
                plural(self.waiting, "file")
            )?;
        }
        Ok(())
    }
}

fn reasons(skipped: &BTreeMap<String, usize>) -> String {
    skipped
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What became of one claimed input in a batch.
enum Fate {
    /// Converted; its output is synced in staging under this name.
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
}

/// A worker on the exchange folder.
pub struct Exchange<'a> {
    opts: &'a Options,
    log: &'a Log,
    stop: &'a AtomicBool,
    ledger: Ledger,
    claim: Claim,
    staging: Staging,
    pub summary: Summary,
    /// Files that did not parse yet: their size and time then, and when that was seen.
    deferred: HashMap<String, (Candidate, Instant)>,
    /// --batch: inputs converted in this run, and their leads, until the one file is written.
    held: Vec<Item>,
    held_leads: Vec<Lead>,
    /// Contents converted but not yet in the ledger, to catch duplicates among them.
    uncommitted: HashMap<String, String>,
}

/// An error that stops the run: the folders or the ledger cannot be used.
pub type Fatal = String;

impl<'a> Exchange<'a> {
    pub fn open(opts: &'a Options, log: &'a Log, stop: &'a AtomicBool) -> Result<Self, Fatal> {
        let folders = &opts.folders;
        // A mistyped --dir must not quietly become a new, empty exchange folder.
        if !folders.inbox.is_dir() {
            return Err(format!(
                "{}: no such inbox folder; create the exchange folder with `bachata1c init --dir DIR`",
                folders.inbox.display()
            ));
        }
        folders.create_all().map_err(|e| e.to_string())?;
        let mut ledger = Ledger::open(&folders.ledger())
            .map_err(|e| format!("cannot open the ledger {}: {e}", folders.ledger().display()))?;
        recover::check_new_ledger(folders, &mut ledger, opts.new_ledger, log)?;
        let claim = Claim::start(folders).map_err(|e| e.to_string())?;
        let staging = Staging::create(folders, &claim.id).map_err(|e| e.to_string())?;
        let mut exchange = Exchange {
            opts,
            log,
            stop,
            ledger,
            claim,
            staging,
            summary: Summary::default(),
            deferred: HashMap::new(),
            held: Vec::new(),
            held_leads: Vec::new(),
            uncommitted: HashMap::new(),
        };
        exchange.recover()?;
        Ok(exchange)
    }

    /// Recreates the parts of the exchange folder removed while we run (the inbox's work
    /// folder, the outbox's staging folder, or any whole folder), saying which; true when the
    /// inbox's own work folder had to be made again, as after the inbox was removed and
    /// created anew. A ledger removed meanwhile stops the run: converting on without it would
    /// convert a webhook delivered again a second time.
    pub fn repair(&mut self) -> Result<bool, Fatal> {
        let folders = &self.opts.folders;
        if !folders.ledger().is_file() {
            return Err(format!(
                "{}: the ledger was removed while bachata1c was running; stopping so that no \
                 webhook is converted twice (restore it, or see --new-ledger)",
                folders.ledger().display()
            ));
        }
        let mut missing: Vec<PathBuf> = [
            &folders.inbox,
            &folders.outbox,
            &folders.archive,
            &folders.failed,
            &folders.state,
            &self.claim.dir,
            &self.staging.dir,
        ]
        .into_iter()
        .filter(|dir| !dir.is_dir())
        .cloned()
        .collect();
        if missing.is_empty() {
            return Ok(false);
        }
        let inbox_anew = missing.contains(&self.claim.dir);
        folders.create_all().map_err(|e| e.to_string())?;
        self.claim.restore().map_err(|e| e.to_string())?;
        self.staging.restore().map_err(|e| e.to_string())?;
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
    pub fn recover(&mut self) -> Result<(), Fatal> {
        self.claim.renew().map_err(|e| e.to_string())?;
        recover::recover(
            &self.opts.folders,
            &mut self.ledger,
            &self.claim,
            self.opts.lease,
            self.log,
        )
    }

    /// One pass over the inbox: every complete file is converted, published and filed.
    pub fn scan(&mut self) -> Result<(), Fatal> {
        let inbox = &self.opts.folders.inbox;
        let mut scanner =
            Scanner::open(inbox, self.opts.follow_symlinks).map_err(|e| e.to_string())?;
        let forget_after = self.opts.give_up_after + RECHECK * 10;
        self.deferred
            .retain(|_, (_, seen)| seen.elapsed() < forget_after);
        while !self.stop.load(Ordering::SeqCst) {
            let chunk = scanner.next_chunk(BATCH, self.log);
            if chunk.is_empty() {
                break;
            }
            let (ready, changing) = match self.opts.settle {
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
            self.summary.waiting += changing.len();
            self.claim.renew().map_err(|e| e.to_string())?;
            if let Err(err) = self.batch(ready, chunk.refused) {
                let held = std::mem::take(&mut self.held);
                self.held_leads.clear();
                self.uncommitted.clear();
                self.give_back_all(&held);
                return Err(err);
            }
        }
        self.flush()
    }

    /// --batch: writes the held inputs' leads as one file and commits them together.
    fn flush(&mut self) -> Result<(), Fatal> {
        let mut items = std::mem::take(&mut self.held);
        let leads = std::mem::take(&mut self.held_leads);
        if !leads.is_empty() {
            let mut hashes: Vec<&str> = items
                .iter()
                .filter(|item| matches!(item.fate, Fate::Staged(_)))
                .map(|item| item.entry.hash.as_str())
                .collect();
            hashes.sort_unstable();
            let name = format!(
                "bachata-batch-{}.{}",
                &hex(&Sha256::digest(hashes.concat().as_bytes()))[..16],
                self.opts.settings.layout.format.extension()
            );
            let rendered = crate::format::render(&leads, &self.opts.settings.layout);
            if let Err(err) = self.staging.write(&name, &rendered.bytes) {
                return Err(self.bail(&items, err.to_string()));
            }
            for item in &mut items {
                if let Fate::Staged(output) = &mut item.fate {
                    output.clone_from(&name);
                    item.entry.outputs = vec![name.clone()];
                }
            }
        }
        self.commit(items)
    }

    /// Commits a batch now, or with --batch holds it for the run's one output file.
    fn settle_batch(&mut self, items: Vec<Item>) -> Result<(), Fatal> {
        if !self.opts.batch {
            return self.commit(items);
        }
        self.held.extend(items);
        if self.held.len() >= BATCH_FILE_INPUTS {
            self.flush()?;
        }
        Ok(())
    }

    /// Counts the webhook files now in the inbox, for a progress bar (names are not kept).
    pub fn count_inbox(&self) -> usize {
        folders::count_webhooks(&self.opts.folders.inbox)
    }

    pub fn close(self) {
        self.staging.remove();
        self.claim.finish();
    }

    fn batch(&mut self, ready: Vec<Candidate>, refused: Vec<Refusal>) -> Result<(), Fatal> {
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
                Err(Err(err)) => {
                    self.give_back_all(&items);
                    return Err(format!(
                        "cannot claim {}: {err}",
                        self.opts.folders.inbox.join(&refusal.name).display()
                    ));
                }
            }
        }
        let mut started = Instant::now();
        for candidate in ready {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            if self.recently_unparseable(&candidate) {
                self.summary.waiting += 1;
                continue;
            }
            let path = match self.claim.take(&candidate.name) {
                Ok(path) => path,
                Err(Ok(Missed::Gone)) => continue,
                Err(Ok(Missed::Busy)) => {
                    self.summary.waiting += 1;
                    continue;
                }
                Err(Err(err)) => {
                    self.give_back_all(&items);
                    return Err(format!(
                        "cannot claim {}: {err}",
                        self.opts.folders.inbox.join(&candidate.name).display()
                    ));
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
            if started.elapsed() >= BATCH_TIME {
                self.settle_batch(std::mem::take(&mut items))?;
                started = Instant::now();
            }
        }
        self.settle_batch(items)
    }

    /// Reads, hashes and converts one claimed input; `None` when it went back to the inbox.
    fn examine(&mut self, candidate: &Candidate, path: PathBuf) -> Result<Option<Item>, Fatal> {
        let name = candidate.name.clone();
        let shown = self.opts.folders.inbox.join(&name);
        // The second look at size and time, now that no one else can take the file.
        if scan::stat(&path, &name).as_ref() != Some(candidate) {
            self.not_ready(&name, "still being written");
            return Ok(None);
        }
        let bytes = match fsx::read_at_most(&path, self.opts.limits.max_input_bytes) {
            Ok(bytes) => bytes,
            Err(err) => {
                let entry = Entry {
                    name: name.clone(),
                    reason: Some(err.source.to_string()),
                    ..Entry::default()
                };
                return Ok(Some(item(path, entry, Fate::Refused)));
            }
        };
        let received = fsx_modified(&path);
        // A big file is converted while its hash is computed on another core: the duplicate
        // checks below still come first, a duplicate's conversion is just not used.
        let (hash, early_conversion) = if bytes.len() >= CONVERT_WHILE_HASHING_FROM {
            std::thread::scope(|scope| {
                let hashing = scope.spawn(|| hex(&Sha256::digest(&bytes)));
                let conversion = self.convert(&bytes, &name, received);
                let hash = hashing
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (hash, Some(conversion))
            })
        } else {
            (hex(&Sha256::digest(&bytes)), None)
        };
        let mut entry = Entry {
            hash: hash.clone(),
            name: name.clone(),
            received_at: received.format("%Y-%m-%d %H:%M:%S").to_string(),
            ..Entry::default()
        };
        if let Some(earlier) = self.uncommitted.get(&hash) {
            return Ok(Some(item(path, entry, Fate::Duplicate(earlier.clone()))));
        }
        let done_as = self
            .ledger
            .done_as(&hash)
            .map_err(|e| self.ledger_error(e))?;
        if let Some(earlier) = done_as {
            let fate = if earlier == name {
                Fate::Again
            } else {
                Fate::Duplicate(earlier)
            };
            return Ok(Some(item(path, entry, fate)));
        }
        let conversion = early_conversion.unwrap_or_else(|| self.convert(&bytes, &name, received));
        let conversion = match conversion {
            Ok(conversion) => conversion,
            Err(err) => {
                let age = SystemTime::now()
                    .duration_since(candidate.modified)
                    .unwrap_or(Duration::ZERO);
                if err.may_be_incomplete() && age < self.opts.give_up_after {
                    self.not_ready(&name, &format!("not complete yet? {err}"));
                    self.deferred
                        .insert(name, (candidate.clone(), Instant::now()));
                    return Ok(None);
                }
                entry.reason = Some(err.to_string());
                return Ok(Some(item(path, entry, Fate::Refused)));
            }
        };
        let mut skipped = BTreeMap::new();
        for s in &conversion.skipped {
            *skipped.entry(s.reason.to_string()).or_insert(0) += 1;
            self.log.file(
                Level::Detail,
                &shown,
                format_args!("{} skipped: {}", s.label(), s.reason),
            );
        }
        entry.exported = conversion.leads.len();
        entry.skipped = conversion.skipped.len();
        entry.skipped_reasons = reasons(&skipped);
        self.uncommitted.insert(hash.clone(), name.clone());
        let Some(output) = conversion.output else {
            return Ok(Some(Item {
                path,
                entry,
                fate: Fate::Empty,
                skipped,
            }));
        };
        if self.opts.batch {
            // The output file's name is known once the run's inputs are.
            self.held_leads.extend(conversion.leads);
            return Ok(Some(Item {
                path,
                entry,
                fate: Fate::Staged(String::new()),
                skipped,
            }));
        }
        let output_name = format!(
            "bachata-{}.{}",
            &hash[..16],
            self.opts.settings.layout.format.extension()
        );
        if let Err(err) = self.staging.write(&output_name, &output.bytes) {
            let _ = self.claim.give_back(&name);
            return Err(format!(
                "{err}; {} stays in the inbox to be retried",
                shown.display()
            ));
        }
        entry.outputs = vec![output_name.clone()];
        // A big file's leads are freed beside the next work; a thread for a few would cost more.
        if conversion.leads.len() >= FREE_ASIDE_FROM {
            crate::parallel::drop_aside(conversion.leads);
        }
        Ok(Some(Item {
            path,
            entry,
            fate: Fate::Staged(output_name),
            skipped,
        }))
    }

    /// Journal, publish, record, file away: the batch's durable steps, in the order that keeps
    /// the contract whatever step a crash interrupts.
    fn convert(
        &self,
        bytes: &[u8],
        name: &str,
        received: chrono::NaiveDateTime,
    ) -> Result<convert::Conversion, crate::payload::ReadError> {
        convert::convert_limited(
            bytes,
            name,
            received,
            &self.opts.settings,
            &self.opts.limits,
        )
    }

    fn commit(&mut self, mut items: Vec<Item>) -> Result<(), Fatal> {
        // From here on the ledger knows these contents (or they go back to the inbox).
        self.uncommitted.clear();
        if items.is_empty() {
            return Ok(());
        }
        let staged: Vec<usize> = (0..items.len())
            .filter(|&i| matches!(items[i].fate, Fate::Staged(_)))
            .collect();
        let mut rows: HashMap<usize, i64> = HashMap::new();
        if !staged.is_empty() {
            if let Err(err) = self.staging.sync() {
                return Err(self.bail(&items, err.to_string()));
            }
            crash_point("staged");
            let entries: Vec<&Entry> = staged.iter().map(|&i| &items[i].entry).collect();
            let journal = match self.ledger.begin_publishing(&self.claim.id, &entries) {
                Ok(journal) => journal,
                Err(err) => {
                    let err = self.ledger_error(err);
                    return Err(self.bail(&items, err));
                }
            };
            crash_point("journalled");
            let mut discarded = Vec::new();
            for (&i, result) in staged.iter().zip(journal) {
                match result {
                    Ok(row) => {
                        rows.insert(i, row);
                    }
                    Err(earlier) => {
                        if let Fate::Staged(output) = &items[i].fate {
                            discarded.push(output.clone());
                        }
                        items[i].entry.outputs.clear();
                        items[i].fate = Fate::Duplicate(earlier);
                    }
                }
            }
            // Another worker took the same content meanwhile: drop its output, unless it is a
            // --batch file that other inputs need too.
            for output in discarded {
                if !rows
                    .keys()
                    .any(|&i| matches!(&items[i].fate, Fate::Staged(o) if *o == output))
                {
                    self.staging.discard(&output);
                }
            }
        }
        // Publish: the rename is the commit point of each output (shared by all the inputs
        // of a --batch file).
        let mut published = Vec::new();
        let mut unpublished = Vec::new();
        let mut failure: Option<String> = None;
        let mut outputs: HashMap<String, bool> = HashMap::new();
        for (&i, &row) in &rows {
            let Fate::Staged(output) = &items[i].fate else {
                continue;
            };
            let ok = match outputs.get(output) {
                Some(&ok) => ok,
                None => {
                    let ok = failure.is_none()
                        && match self.staging.publish(output) {
                            Ok(_) => {
                                crash_point("published-one");
                                true
                            }
                            Err(err) => {
                                failure = Some(err.to_string());
                                false
                            }
                        };
                    outputs.insert(output.clone(), ok);
                    ok
                }
            };
            if ok {
                published.push(row);
            } else {
                unpublished.push(row);
            }
        }
        self.summary.outputs += outputs.values().filter(|&&ok| ok).count();
        if !published.is_empty()
            && let Err(err) = self.staging.sync_outbox()
        {
            return Err(self.bail(&items, err.to_string()));
        }
        crash_point("published");
        let others: Vec<(Outcome, &Entry)> = items
            .iter()
            .filter_map(|item| {
                let outcome = match item.fate {
                    Fate::Empty => Outcome::Empty,
                    Fate::Refused => Outcome::Refused,
                    Fate::Duplicate(_) => Outcome::Duplicate,
                    Fate::Staged(_) | Fate::Again => return None,
                };
                Some((outcome, &item.entry))
            })
            .collect();
        if let Err(err) = self
            .ledger
            .finish(&self.claim.id, &published, &unpublished, &others)
        {
            let err = self.ledger_error(err);
            return Err(self.bail(&items, err));
        }
        crash_point("recorded");
        if !published.is_empty()
            && let Some(marker) = &self.opts.done_marker
            && let Err(err) = publish::mark_done(&self.opts.folders, marker)
        {
            self.log.note(Level::Problem, err);
        }
        let mut first_error = None;
        for (i, item) in items.iter().enumerate() {
            let unpublished_here = rows.get(&i).is_some_and(|row| unpublished.contains(row));
            if unpublished_here {
                if let Fate::Staged(output) = &item.fate {
                    self.staging.discard(output);
                }
                let _ = self.claim.give_back(&item.entry.name);
                self.log.file(
                    Level::Problem,
                    &self.opts.folders.inbox.join(&item.entry.name),
                    "not published (see below); left in the inbox to be retried",
                );
                continue;
            }
            if let Err(err) = self.file_away(item) {
                // The outcome is in the ledger: back in the inbox, it is filed as «done before».
                let _ = self.claim.give_back(&item.entry.name);
                first_error.get_or_insert(err);
            }
            crash_point("filed-one");
        }
        if let Some(err) = first_error {
            return Err(err);
        }
        match failure {
            Some(err) => Err(format!(
                "{err}; the outbox cannot be written, inputs stay in the inbox to be retried"
            )),
            None => Ok(()),
        }
    }

    /// Moves one finished input to archive/ or failed/ and says what happened to it.
    fn file_away(&mut self, item: &Item) -> Result<(), Fatal> {
        let folders = &self.opts.folders;
        let name = &item.entry.name;
        let shown = folders.inbox.join(name);
        let e = &item.entry;
        let moved = match &item.fate {
            Fate::Refused => {
                let reason = e.reason.as_deref().unwrap_or("refused");
                publish::fail(&item.path, folders, name, reason).map(|to| {
                    self.summary.refused += 1;
                    self.log.file(
                        Level::Problem,
                        &shown,
                        format_args!("refused: {reason}; moved to {}", to.display()),
                    );
                })
            }
            fate => publish::archive(&item.path, folders, name).map(|_| {
                let message = match fate {
                    Fate::Staged(output) => {
                        self.summary.converted += 1;
                        self.summary.exported += e.exported;
                        format!(
                            "{} → {}{}",
                            plural(e.exported, "client"),
                            folders.outbox.join(output).display(),
                            skipped_note(e)
                        )
                    }
                    Fate::Empty => {
                        self.summary.converted += 1;
                        self.summary.without_leads += 1;
                        format!("no qualifying client{}, archived", skipped_note(e))
                    }
                    Fate::Duplicate(earlier) => {
                        self.summary.duplicates += 1;
                        format!(
                            "same content as {earlier}, converted once; archived without output"
                        )
                    }
                    _ => {
                        self.summary.duplicates += 1;
                        "converted before (same name and content, e.g. before an interruption); \
                         archived without a second output"
                            .to_string()
                    }
                };
                if matches!(fate, Fate::Staged(_) | Fate::Empty) {
                    for (reason, n) in &item.skipped {
                        *self.summary.skipped.entry(reason.clone()).or_insert(0) += n;
                    }
                }
                self.log.file(Level::File, &shown, message);
            }),
        };
        self.log.tick();
        moved.map_err(|err| err.to_string())
    }

    /// Whether this file, unchanged, failed to parse moments ago (and may still wait).
    fn recently_unparseable(&self, candidate: &Candidate) -> bool {
        let Some((seen, when)) = self.deferred.get(&candidate.name) else {
            return false;
        };
        let age = SystemTime::now()
            .duration_since(candidate.modified)
            .unwrap_or(Duration::ZERO);
        seen == candidate && when.elapsed() < RECHECK && age < self.opts.give_up_after
    }

    fn not_ready(&mut self, name: &str, why: &str) {
        self.summary.waiting += 1;
        let shown = self.opts.folders.inbox.join(name);
        match self.claim.give_back(name) {
            Ok(_) => self.log.file(
                Level::Detail,
                &shown,
                format_args!("{why}; left in the inbox"),
            ),
            Err(err) => self.log.file(
                Level::Problem,
                &shown,
                format_args!("cannot put it back into the inbox: {err}"),
            ),
        }
    }

    /// A batch that cannot be finished: journalled outputs that left staging count as
    /// published, everything else is dropped, and every input goes back to the inbox, where
    /// the ledger tells the next scan which of them are done.
    fn bail(&mut self, items: &[Item], err: String) -> Fatal {
        let staging = self.staging.dir.clone();
        let _ = self
            .ledger
            .resolve_worker(&self.claim.id, |output| staging.join(output).exists());
        self.give_back_all(items);
        err
    }

    fn give_back_all(&self, items: &[Item]) {
        for item in items {
            if let Fate::Staged(output) = &item.fate {
                self.staging.discard(output);
            }
            let _ = self.claim.give_back(&item.entry.name);
        }
    }

    fn ledger_error(&self, err: crate::ledger::Error) -> Fatal {
        format!("ledger {}: {err}", self.opts.folders.ledger().display())
    }
}

/// Test hook: `BACHATA1C_CRASH_AT=<step>` aborts the process at that step of a batch, as a
/// power cut would, so that the tests can show every step is safe to interrupt.
fn crash_point(step: &str) {
    static AT: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    if AT
        .get_or_init(|| std::env::var("BACHATA1C_CRASH_AT").ok())
        .as_deref()
        == Some(step)
    {
        std::process::abort();
    }
}

fn item(path: PathBuf, entry: Entry, fate: Fate) -> Item {
    Item {
        path,
        entry,
        fate,
        skipped: BTreeMap::new(),
    }
}

fn skipped_note(entry: &Entry) -> String {
    if entry.skipped == 0 {
        String::new()
    } else {
        format!("; {} skipped ({})", entry.skipped, entry.skipped_reasons)
    }
}

fn fsx_modified(path: &Path) -> chrono::NaiveDateTime {
    crate::fsx::modified_local(path).unwrap_or_else(|_| chrono::Local::now().naive_local())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
