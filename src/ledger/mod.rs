//! The processing ledger: an SQLite database in the state folder recording every input taken
//! from the inbox (content hash, name, times, outcome, output names, clients exported and
//! skipped). It is what makes a re-delivered webhook a duplicate and a crash recoverable.
//! [`queue`] holds the leads waiting for 1C's «Обмен с сайтом», journalled with their input;
//! [`numbers`] hands out their numbers; [`reports`] records what 1C reports on them.
//! [`alerts`] keeps what the alerts have told, so that a restart does not tell it again;
//! [`retention`] remembers its passes and the leads whose personal data it removed.

pub mod alerts;
mod flow;
pub mod inspect;
mod kept;
mod numbers;
mod orders;
mod queue;
mod reports;
mod retention;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::lead::Lead;
pub use numbers::NumberingError;
pub use orders::Offer;
pub use queue::{Filter, QueueTotals, Row, State};
pub use reports::{FromOneC, IgnoredReport, IgnoredReports, Reported};
pub use retention::{Pass, Removed};
pub use rusqlite::Error;

/// What became of an input. `Publishing` is the journal state: the outputs are durable in the
/// worker's staging folder and are being renamed into the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Publishing,
    Converted,
    /// Read fine, but no client qualified: archived without an output.
    Empty,
    Refused,
    Duplicate,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Publishing => "publishing",
            Outcome::Converted => "converted",
            Outcome::Empty => "empty",
            Outcome::Refused => "refused",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// What journalling an input found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Journalled {
    /// New content: journalled in this row.
    New(i64),
    /// The same content was taken already, under this name.
    TakenAs(String),
}

/// One input's record.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    pub hash: String,
    pub name: String,
    pub received_at: String,
    pub reason: Option<String>,
    pub outputs: Vec<String>,
    pub exported: usize,
    pub skipped: usize,
    /// `2 no phone, 1 no e-mail`.
    pub skipped_reasons: String,
    /// The input's leads, queued for 1C when the input is journalled.
    pub leads: Vec<Lead>,
    /// The queue number reserved for its first lead, the others following in order, when its
    /// output was written with them (a CommerceML file 1C may read); `None`: numbered when
    /// journalled.
    pub first_number: Option<u64>,
}

/// Counts for `status`, over every input the ledger records.
#[derive(Debug, Default)]
pub struct Totals {
    pub by_outcome: Vec<(String, u64)>,
    /// Clients exported and skipped from converted inputs.
    pub exported: u64,
    pub skipped: u64,
    /// Each distinct `skipped_reasons` text (`2 no phone, 1 no e-mail`) with how many
    /// converted inputs have it.
    pub skipped_reasons: Vec<(String, u64)>,
    /// Distinct output files written (a --batch or orders file counts once).
    pub outputs: u64,
    pub last_taken: Option<String>,
}

impl Totals {
    /// How many inputs have this outcome.
    pub fn count(&self, outcome: Outcome) -> u64 {
        self.by_outcome
            .iter()
            .find(|(name, _)| name == outcome.as_str())
            .map_or(0, |(_, n)| *n)
    }
}

#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS inputs (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    received_at TEXT NOT NULL,
    taken_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT NOT NULL,
    reason TEXT,
    outputs TEXT NOT NULL DEFAULT '',
    exported INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    skipped_reasons TEXT NOT NULL DEFAULT '',
    worker TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inputs_hash ON inputs(hash);
CREATE INDEX IF NOT EXISTS inputs_outcome ON inputs(outcome, worker);
";

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

impl Ledger {
    pub fn open(path: &Path) -> Result<Ledger, Error> {
        let mut conn = Connection::open(path)?;
        // Several workers may share the ledger: wait for each other's short transactions.
        conn.busy_timeout(std::time::Duration::from_secs(60))?;
        // The rollback journal (not WAL) because the state folder may sit on a network share,
        // where WAL's shared memory does not work; FULL because a commit is our promise.
        conn.execute_batch("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;")?;
        conn.execute_batch(alerts::SCHEMA)?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch(queue::SCHEMA)?;
        conn.execute_batch(reports::SCHEMA)?;
        conn.execute_batch(retention::SCHEMA)?;
        queue::upgrade(&mut conn)?;
        Ok(Ledger { conn })
    }

    /// Whether the ledger records nothing at all (new, or emptied).
    pub fn is_empty(&self) -> Result<bool, Error> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM inputs)", [], |row| {
                row.get(0)
            })
    }

    /// Records inputs found in archive/ as converted (`--new-ledger`): their contents are then
    /// known, and a webhook delivered again is a duplicate.
    pub fn record_archived(&mut self, inputs: &[(String, String)]) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        let at = now();
        for (hash, name) in inputs {
            tx.execute(
                "INSERT INTO inputs (hash, name, received_at, taken_at, finished_at, outcome,
                   reason, worker)
                 VALUES (?1, ?2, ?3, ?3, ?3, 'converted', 'recorded from archive/ by --new-ledger',
                   'new-ledger')",
                params![hash, name, at],
            )?;
        }
        tx.commit()
    }

    /// The name under which this content was converted already (or is being published).
    pub fn done_as(&self, hash: &str) -> Result<Option<String>, Error> {
        self.conn
            .query_row(
                "SELECT name FROM inputs WHERE hash = ?1
                 AND outcome IN ('publishing', 'converted', 'empty') ORDER BY id LIMIT 1",
                params![hash],
                |row| row.get(0),
            )
            .optional()
    }

    /// Journals the inputs about to be published, in one transaction that also decides
    /// duplicates between workers: for each entry, whether it is new (and its row) or the same
    /// content was taken by someone else meanwhile. Leads without a number yet are numbered
    /// here, once `cover` has kept the highest number outside the ledger.
    pub fn begin_publishing<E>(
        &mut self,
        worker: &str,
        entries: &[&Entry],
        mut cover: impl FnMut(u64) -> Result<(), E>,
    ) -> Result<Vec<Journalled>, NumberingError<E>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // All at once: one raise of the kept highest number per round.
        let unnumbered: usize = entries
            .iter()
            .filter(|entry| entry.first_number.is_none())
            .map(|entry| entry.leads.len())
            .sum();
        let mut next = match unnumbered {
            0 => 0,
            count => numbers::take(&tx, count, &mut cover)?,
        };
        let mut result = Vec::with_capacity(entries.len());
        let taken_at = now();
        for entry in entries {
            let earlier: Option<String> = tx
                .query_row(
                    "SELECT name FROM inputs WHERE hash = ?1
                     AND outcome IN ('publishing', 'converted', 'empty') ORDER BY id LIMIT 1",
                    params![entry.hash],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(name) = earlier {
                result.push(Journalled::TakenAs(name));
                continue;
            }
            tx.execute(
                "INSERT INTO inputs (hash, name, received_at, taken_at, outcome, outputs,
                   exported, skipped, skipped_reasons, worker)
                 VALUES (?1, ?2, ?3, ?4, 'publishing', ?5, ?6, ?7, ?8, ?9)",
                params![
                    entry.hash,
                    entry.name,
                    entry.received_at,
                    taken_at,
                    entry.outputs.join(" "),
                    entry.exported as i64,
                    entry.skipped as i64,
                    entry.skipped_reasons,
                    worker,
                ],
            )?;
            let row = tx.last_insert_rowid();
            let (first, carried) = match entry.first_number {
                Some(first) => (first, true),
                None => {
                    next += entry.leads.len() as u64;
                    (next - entry.leads.len() as u64, false)
                }
            };
            queue::journal(&tx, row, &entry.leads, first, carried)?;
            result.push(Journalled::New(row));
        }
        tx.commit()?;
        Ok(result)
    }

    /// Records the end of a batch in one transaction: journalled rows become `Converted`
    /// (or are dropped when their publishing failed) and the other inputs are added.
    pub fn finish(
        &mut self,
        worker: &str,
        published: &[i64],
        unpublished: &[i64],
        others: &[(Outcome, &Entry)],
    ) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        let finished_at = now();
        for id in published {
            tx.execute(
                "UPDATE inputs SET outcome = 'converted', finished_at = ?1 WHERE id = ?2",
                params![finished_at, id],
            )?;
        }
        for id in unpublished {
            tx.execute("DELETE FROM inputs WHERE id = ?1", params![id])?;
            queue::drop_input(&tx, *id)?;
        }
        for (outcome, entry) in others {
            tx.execute(
                "INSERT INTO inputs (hash, name, received_at, taken_at, finished_at, outcome,
                   reason, outputs, exported, skipped, skipped_reasons, worker)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    entry.hash,
                    entry.name,
                    entry.received_at,
                    finished_at,
                    outcome.as_str(),
                    entry.reason,
                    entry.outputs.join(" "),
                    entry.exported as i64,
                    entry.skipped as i64,
                    entry.skipped_reasons,
                    worker,
                ],
            )?;
        }
        tx.commit()
    }

    /// After a worker died: its journalled rows whose outputs all left its staging folder
    /// were published (the rename is the commit point) and become `Converted`; the others
    /// were not and are dropped, so that their inputs are converted again.
    pub fn resolve_worker(
        &mut self,
        worker: &str,
        still_staged: impl Fn(&str) -> bool,
    ) -> Result<(usize, usize), Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let rows: Vec<(i64, String)> = {
            let mut stmt = tx.prepare(
                "SELECT id, outputs FROM inputs WHERE outcome = 'publishing' AND worker = ?1",
            )?;
            stmt.query_map(params![worker], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect::<Result<_, _>>()?
        };
        let (mut published, mut dropped) = (0, 0);
        let finished_at = now();
        for (id, outputs) in rows {
            if outputs
                .split(' ')
                .any(|name| !name.is_empty() && still_staged(name))
            {
                tx.execute("DELETE FROM inputs WHERE id = ?1", params![id])?;
                queue::drop_input(&tx, id)?;
                dropped += 1;
            } else {
                tx.execute(
                    "UPDATE inputs SET outcome = 'converted', finished_at = ?1 WHERE id = ?2",
                    params![finished_at, id],
                )?;
                published += 1;
            }
        }
        tx.commit()?;
        Ok((published, dropped))
    }

    pub fn totals(&self) -> Result<Totals, Error> {
        let mut totals = Totals {
            by_outcome: self.outcomes()?,
            ..Totals::default()
        };
        let (exported, skipped, last): (i64, i64, Option<String>) = self.conn.query_row(
            "SELECT COALESCE(SUM(exported), 0), COALESCE(SUM(skipped), 0), MAX(taken_at)
             FROM inputs WHERE outcome IN ('converted', 'empty')",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?;
        totals.exported = exported as u64;
        totals.skipped = skipped as u64;
        totals.last_taken = last;
        let mut stmt = self.conn.prepare(
            "SELECT skipped_reasons, COUNT(*) FROM inputs
             WHERE outcome IN ('converted', 'empty') AND skipped_reasons != ''
             GROUP BY skipped_reasons",
        )?;
        totals.skipped_reasons = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?
            .collect::<Result<_, _>>()?;
        let mut stmt = self
            .conn
            .prepare("SELECT DISTINCT outputs FROM inputs WHERE outcome = 'converted'")?;
        let mut outputs = std::collections::HashSet::new();
        for names in stmt.query_map([], |row| row.get::<_, String>(0))? {
            outputs.extend(
                names?
                    .split(' ')
                    .filter(|n| !n.is_empty())
                    .map(String::from),
            );
        }
        totals.outputs = outputs.len() as u64;
        Ok(totals)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Inputs of one lead each, converted: numbered in the ledger, or from `first_number` when
    /// given (as a CommerceML file written with them is).
    pub fn converted(ledger: &mut Ledger, first_numbers: &[Option<u64>]) {
        let json = r#"{"clients":[{"phone":"79161234567"}]}"#;
        let origin = crate::lead::Origin {
            source_file: "hook.json",
            received_at: chrono::NaiveDateTime::default(),
            default_event: "dialog_completed",
        };
        let payload = crate::payload::read(json.as_bytes()).unwrap();
        let (leads, _) = crate::lead::qualify(payload, &crate::lead::Rules::default(), &origin);
        let entries: Vec<Entry> = first_numbers
            .iter()
            .enumerate()
            .map(|(i, first_number)| Entry {
                hash: format!("hash-{i}"),
                name: format!("{i}.json"),
                leads: leads.clone(),
                first_number: *first_number,
                ..Entry::default()
            })
            .collect();
        let entries: Vec<&Entry> = entries.iter().collect();
        let rows: Vec<i64> = ledger
            .begin_publishing("w", &entries, |_| Ok::<(), ()>(()))
            .unwrap()
            .into_iter()
            .map(|journalled| match journalled {
                Journalled::New(row) => row,
                other => panic!("{other:?}"),
            })
            .collect();
        ledger.finish("w", &rows, &[], &[]).unwrap();
    }

    fn offerable(ledger: &mut Ledger, now: i64) -> Vec<u64> {
        let layout = crate::format::Layout::new(crate::format::Format::Commerceml);
        let offers = ledger.unconfirmed_orders(&layout, now, |_| true).unwrap();
        offers.into_iter().map(|offer| offer.number).collect()
    }

    #[test]
    fn an_offer_is_held_until_it_is_stale_or_released_and_confirms_only_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        converted(&mut ledger, &[None, None, None]);
        assert_eq!(offerable(&mut ledger, 100), [1, 2, 3]);
        ledger.mark_offered("a", &[1, 2], 160).unwrap();
        assert_eq!(offerable(&mut ledger, 100), [3], "held for a");
        ledger.mark_offered("b", &[3], 160).unwrap();
        assert_eq!(offerable(&mut ledger, 159), [] as [u64; 0]);
        assert_eq!(offerable(&mut ledger, 160), [1, 2, 3], "stale at its time");
        ledger.release_offer("a").unwrap();
        assert_eq!(offerable(&mut ledger, 100), [1, 2]);
        assert_eq!(ledger.confirm("b").unwrap(), 1);
        assert_eq!(ledger.release_offers().unwrap(), 0, "a's were released");
        ledger.mark_offered("c", &[1], 160).unwrap();
        assert_eq!(ledger.release_offers().unwrap(), 1);
        assert_eq!(offerable(&mut ledger, 100), [1, 2]);
        assert_eq!(ledger.confirm("a").unwrap(), 1, "2 is still a's");
    }

    fn entry(hash: &str, name: &str) -> Entry {
        Entry {
            hash: hash.into(),
            name: name.into(),
            outputs: vec![format!("{hash}.csv")],
            exported: 1,
            ..Entry::default()
        }
    }

    #[test]
    fn the_same_content_is_published_once_and_a_dead_workers_journal_is_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        let (a, b, c) = (
            entry("h1", "a.json"),
            entry("h1", "b.json"),
            entry("h2", "c.json"),
        );
        let no_mark = |_| Ok::<(), ()>(());
        let ids = ledger.begin_publishing("w1", &[&a, &b], no_mark).unwrap();
        assert!(matches!(ids[0], Journalled::New(_)));
        assert_eq!(ids[1], Journalled::TakenAs("a.json".to_string()));
        assert!(matches!(
            ledger.begin_publishing("w1", &[&c], no_mark).unwrap()[0],
            Journalled::New(_)
        ));
        assert_eq!(ledger.done_as("h1").unwrap().as_deref(), Some("a.json"));
        // h1.csv was renamed away (published), h2.csv is still staged (not published).
        let (published, dropped) = ledger
            .resolve_worker("w1", |name| name == "h2.csv")
            .unwrap();
        assert_eq!((published, dropped), (1, 1));
        assert_eq!(ledger.done_as("h2").unwrap(), None);
        let totals = ledger.totals().unwrap();
        assert_eq!(totals.by_outcome, vec![("converted".to_string(), 1)]);
        assert_eq!(totals.count(Outcome::Converted), 1);
        assert_eq!(totals.count(Outcome::Refused), 0);
        assert_eq!(totals.outputs, 1);
    }
}
