//! Retention (`[retention]`): what is past its days goes, once a day, by whichever of `run`,
//! `watch` and `serve` comes first — archived inputs, refused inputs with their reasons, and
//! the personal data of leads 1C has confirmed. Never what a lead 1C has not confirmed needs:
//! its text in the ledger, or its input's archived file. The ledger remembers each pass (so a
//! restart does not redo it, and a folder left alone for weeks is cleaned at its next run) and
//! what it removed, for `status`.

pub mod days;
mod sweep;

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use chrono::{DateTime, Local};

pub use days::{Days, MIN_DAYS};

use crate::ledger::{Ledger, Pass, Removed};
use crate::limits::human_size;
use crate::report::{Level, Log, plural};

/// Archived inputs are kept this long: longer than Bachata delivers a webhook again.
pub const DEFAULT_ARCHIVE_DAYS: Days = Days::Keep(90);
/// Refused inputs are kept this long, for a person to look at and retry.
pub const DEFAULT_FAILED_DAYS: Days = Days::Keep(90);
/// Confirmed leads keep their personal data in the ledger this long (`leads` shows it).
pub const DEFAULT_LEDGER_DAYS: Days = Days::Keep(90);

/// Files one pass removes at most, and leads whose personal data it removes at most: a pass
/// over a folder left alone for years stops there and the next goes on at the next chance
/// (`watch`'s next scan, `serve`'s next look, the next `run`), so that one pass never holds up
/// the exchange for long. Measured on a loaded shared disk: 10,000 archived files took 27 s
/// (2 s of it CPU), so a pass of 1,000 holds `watch` up for seconds at worst.
pub const MOST_FILES_PER_PASS: u64 = 1_000;
pub const MOST_ROWS_PER_PASS: usize = 10_000;

/// How often `watch` and `serve` ask the ledger whether a pass is due.
pub const CHECK_EVERY: Duration = Duration::from_secs(10 * 60);

/// A pass not finished this long after it started was cut off (a crash): another may start.
const LEASE_SECONDS: i64 = 3600;

/// How long each part is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub archive_days: Days,
    pub failed_days: Days,
    pub ledger_days: Days,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            archive_days: DEFAULT_ARCHIVE_DAYS,
            failed_days: DEFAULT_FAILED_DAYS,
            ledger_days: DEFAULT_LEDGER_DAYS,
        }
    }
}

impl Policy {
    /// Every part kept for ever: no pass at all.
    pub fn keeps_everything(&self) -> bool {
        [self.archive_days, self.failed_days, self.ledger_days]
            .iter()
            .all(|days| *days == Days::Off)
    }
}

/// As the ledger notes it with each pass: other days make a pass due again the same day.
impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "archive_days {}, failed_days {}, ledger_days {}",
            self.archive_days, self.failed_days, self.ledger_days
        )
    }
}

/// The parts of the exchange folder a process knows: `serve` without `--dir` may know only
/// failed/. Without the ledger there is no retention (it is where a pass is remembered).
#[derive(Debug, Clone)]
pub struct Places {
    pub ledger: PathBuf,
    pub archive: Option<PathBuf>,
    pub failed: Option<PathBuf>,
}

impl Places {
    /// Every part, as `run` and `watch` know them.
    pub fn of(folders: &crate::exchange::folders::Folders) -> Places {
        Places {
            ledger: folders.ledger(),
            archive: Some(folders.archive.clone()),
            failed: Some(folders.failed.clone()),
        }
    }
}

/// Runs a pass when one is due; `run` asks once, `watch` and `serve` every [`CHECK_EVERY`].
pub struct Keeper {
    policy: Policy,
    places: Places,
    next_check: Option<Instant>,
}

impl Keeper {
    pub fn new(policy: Policy, places: Places) -> Keeper {
        Keeper {
            policy,
            places,
            next_check: None,
        }
    }

    /// A pass, when one is due and the last look is [`CHECK_EVERY`] ago (or the last pass
    /// stopped at its bound). A failure is said and tried again at the next look.
    pub fn tend(&mut self, log: &Log) {
        if self.next_check.is_some_and(|at| Instant::now() < at) {
            return;
        }
        self.next_check = Some(Instant::now() + CHECK_EVERY);
        match self.pass(log, Local::now()) {
            Ok(Some(false)) => self.next_check = None,
            Ok(_) => {}
            Err(err) => log.note(
                Level::Problem,
                format_args!(
                    "retention: ledger {}: {err}; tried again later",
                    self.places.ledger.display()
                ),
            ),
        }
    }

    /// One pass at `now`, when due: `None` when not, else whether it went through everything.
    fn pass(&self, log: &Log, now: DateTime<Local>) -> Result<Option<bool>, crate::ledger::Error> {
        // No ledger yet: nothing was converted, and a ledger is not made by retention.
        if !self.places.ledger.is_file() || self.policy.keeps_everything() {
            return Ok(None);
        }
        let mut ledger = Ledger::open(&self.places.ledger)?;
        let today = now.date_naive();
        let Some(pass) = ledger.begin_retention(
            &today.format("%Y-%m-%d").to_string(),
            &self.policy.to_string(),
            now.timestamp(),
            LEASE_SECONDS,
        )?
        else {
            return Ok(None);
        };
        let mut sweep = sweep::Sweep::new(log, MOST_FILES_PER_PASS);
        let mut complete = true;
        if let (Some(archive), Some(first_kept)) = (
            &self.places.archive,
            self.policy.archive_days.first_kept_day(today),
        ) {
            complete &= sweep.archive(archive, first_kept, &ledger)?;
        }
        if let Some(failed) = &self.places.failed
            && complete
        {
            complete &= sweep.failed(failed, self.policy.failed_days, SystemTime::from(now));
        }
        let mut removed = sweep.removed;
        if let Some(before) = self.policy.ledger_days.first_kept_time(today) {
            removed.rows = ledger.remove_payloads(before, MOST_ROWS_PER_PASS)?;
            complete &= removed.rows < MOST_ROWS_PER_PASS as u64;
        }
        ledger.finish_retention(pass, &removed, complete)?;
        let level = match removed.anything() || removed.kept > 0 {
            true => Level::File,
            false => Level::Detail,
        };
        log.note(
            level,
            format_args!("retention: {}", said(&removed, complete)),
        );
        Ok(Some(complete))
    }
}

/// What a pass removed, in the words of the log and `status`.
pub fn said(removed: &Removed, complete: bool) -> String {
    let mut parts = Vec::new();
    if removed.files > 0 {
        parts.push(format!(
            "removed {} of {} from archive/ and failed/",
            plural(removed.files as usize, "file"),
            human_size(removed.bytes)
        ));
    }
    if removed.rows > 0 {
        parts.push(format!(
            "removed the personal data of {} 1C confirmed",
            plural(removed.rows as usize, "lead")
        ));
    }
    if parts.is_empty() {
        parts.push("nothing past its days".to_string());
    }
    if removed.kept > 0 {
        parts.push(format!(
            "kept {} past its days: leads 1C has not confirmed come from them",
            plural(removed.kept as usize, "archived input")
        ));
    }
    if removed.failures > 0 {
        parts.push(format!(
            "{} could not be removed (said above; tried again tomorrow)",
            plural(removed.failures as usize, "file")
        ));
    }
    if !complete {
        parts.push("more goes at the next pass".to_string());
    }
    parts.join("; ")
}

/// `status`'s lines about retention: the last pass, and the last that removed anything.
pub fn status_lines(last: &Option<Pass>, last_removal: &Option<Pass>) -> Vec<String> {
    let Some(last) = last else {
        return vec!["retention:  no pass yet (run, watch and serve make one a day)".to_string()];
    };
    let mut lines = vec![format!(
        "retention:  {}: {}",
        last.finished_at,
        said(&last.removed, last.complete)
    )];
    if let Some(removal) = last_removal {
        lines.push(format!(
            "            last removal {}: {}",
            removal.finished_at,
            said(&removal.removed, removal.complete)
        ));
    }
    lines
}
