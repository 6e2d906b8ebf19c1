//! Taking a snapshot: the ledger (the queue's counts, its oldest lead waiting for 1C, the inputs
//! by outcome), the activity record, failed/, and the free space of each part's disk. Reads
//! only; the clock is passed in.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};

use super::activity;
use crate::exchange::filing;
use crate::ledger::{Ledger, QueueTotals};

/// The parts of an exchange folder a snapshot reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// The exchange folder as messages name it.
    pub folder: PathBuf,
    /// A folder without its inbox is no exchange folder (a mistyped name).
    pub inbox: PathBuf,
    pub failed: PathBuf,
    /// The ledger and the activity record are here; unknown to a `serve` given only `--inbox`
    /// and `--failed`.
    pub state: Option<PathBuf>,
    /// The parts whose disks are watched, by name.
    pub disks: Vec<(&'static str, PathBuf)>,
}

impl Parts {
    /// Every part of an exchange folder whose parts are all known.
    pub fn of(folder: PathBuf, folders: &crate::exchange::folders::Folders) -> Parts {
        Parts {
            folder,
            inbox: folders.inbox.clone(),
            failed: folders.failed.clone(),
            state: Some(folders.state.clone()),
            disks: vec![
                ("inbox", folders.inbox.clone()),
                ("outbox", folders.outbox.clone()),
                ("archive", folders.archive.clone()),
                ("failed", folders.failed.clone()),
                ("state", folders.state.clone()),
            ],
        }
    }
}

/// The queue of leads for 1C's «Обмен с сайтом».
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Queue {
    pub totals: QueueTotals,
    /// When the oldest lead still waiting for 1C (waiting or offered) was received.
    pub oldest_waiting: Option<DateTime<Utc>>,
}

impl Queue {
    /// Leads 1C has not confirmed: waiting, or offered and not confirmed.
    pub fn unconfirmed(&self) -> u64 {
        self.totals.waiting + self.totals.offered
    }

    /// Whether 1C has ever taken a lead from this queue.
    pub fn ever_taken(&self) -> bool {
        self.totals.offered + self.totals.confirmed + self.totals.known > 0
    }
}

/// The disk with the least room among the parts'.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disk {
    pub part: &'static str,
    pub path: PathBuf,
    /// Bytes an unprivileged user may still write.
    pub available: u64,
    pub total: u64,
}

/// The flow of an exchange folder at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub folder: PathBuf,
    /// Where refused inputs are kept.
    pub failed: PathBuf,
    pub taken_at: DateTime<Utc>,
    /// `None`: no ledger yet (nothing converted here), or no state folder known.
    pub queue: Option<Queue>,
    /// How many inputs the ledger records with each outcome (`converted`, `empty`,
    /// `refused`, `duplicate`), over every run.
    pub inputs: Vec<(String, u64)>,
    pub last_1c_request: Option<DateTime<Utc>>,
    pub last_webhook: Option<DateTime<Utc>>,
    /// Refused inputs in failed/ now.
    pub refused: u64,
    /// `None` when no part could be measured.
    pub disk: Option<Disk>,
}

/// Why a snapshot could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read the ledger {}: {source}", path.display())]
    Ledger {
        path: PathBuf,
        source: crate::ledger::Error,
    },
    #[error(transparent)]
    Activity(#[from] activity::Error),
}

/// The outcomes `inputs` always lists, so that each series exists from the start.
pub const OUTCOMES: [&str; 4] = ["converted", "empty", "refused", "duplicate"];

impl Snapshot {
    /// Reads the flow of `parts` as it is at `now`.
    pub fn take(parts: &Parts, now: DateTime<Utc>) -> Result<Snapshot, Error> {
        let mut snapshot = Snapshot {
            folder: parts.folder.clone(),
            failed: parts.failed.clone(),
            taken_at: now,
            queue: None,
            inputs: OUTCOMES.iter().map(|o| (o.to_string(), 0)).collect(),
            last_1c_request: None,
            last_webhook: None,
            refused: filing::in_failed(&parts.failed).len() as u64,
            disk: least_room(&parts.disks),
        };
        if let Some(state) = &parts.state {
            let seen = activity::read(state)?;
            snapshot.last_1c_request = seen.last_1c_request;
            snapshot.last_webhook = seen.last_webhook;
            let path = crate::exchange::folders::Folders::ledger_in(state);
            if path.is_file() {
                read_ledger(&path, &mut snapshot)
                    .map_err(|source| Error::Ledger { path, source })?;
            }
        }
        Ok(snapshot)
    }

    /// How many inputs have `outcome`.
    pub fn inputs_with(&self, outcome: &str) -> u64 {
        self.inputs
            .iter()
            .find(|(name, _)| name == outcome)
            .map_or(0, |(_, n)| *n)
    }
}

fn read_ledger(path: &Path, snapshot: &mut Snapshot) -> Result<(), crate::ledger::Error> {
    let ledger = Ledger::open(path)?;
    snapshot.queue = Some(Queue {
        totals: ledger.queue_totals()?,
        oldest_waiting: ledger.oldest_unconfirmed()?.map(local_to_utc),
    });
    for (outcome, n) in ledger.outcomes()? {
        match snapshot
            .inputs
            .iter_mut()
            .find(|(name, _)| *name == outcome)
        {
            Some((_, count)) => *count = n,
            // The journal's transient `publishing` is no outcome yet.
            None if outcome == "publishing" => {}
            None => snapshot.inputs.push((outcome, n)),
        }
    }
    Ok(())
}

/// The ledger writes the server's local time; the earlier reading of an hour that occurs twice
/// (the autumn change), the moment after a skipped one.
fn local_to_utc(time: NaiveDateTime) -> DateTime<Utc> {
    match Local.from_local_datetime(&time).earliest() {
        Some(local) => local.with_timezone(&Utc),
        None => Local
            .from_local_datetime(&(time + chrono::Duration::hours(1)))
            .earliest()
            .map_or_else(|| time.and_utc(), |local| local.with_timezone(&Utc)),
    }
}

/// The part whose disk has the least room; parts not made yet (`run` makes the outbox and
/// the archive) are passed over.
fn least_room(parts: &[(&'static str, PathBuf)]) -> Option<Disk> {
    parts
        .iter()
        .filter_map(|(part, path)| {
            let stats = fs4::statvfs(path).ok()?;
            Some(Disk {
                part,
                path: path.clone(),
                available: stats.available_space(),
                total: stats.total_space(),
            })
        })
        .min_by_key(|disk| disk.available)
}
