//! What retention keeps in the ledger: when its passes ran and what they removed (so that it
//! runs once a day whoever runs it, and `status` can say), which leads lost their personal data
//! to it, and the question it asks before an archived input goes: does a lead 1C has not
//! confirmed (waiting, or offered) come from an input of that name?
//!
//! A lead's personal data is its own text (name, phone, e-mail, customData…); what duplicate
//! detection needs (the input's hash in `inputs`) and what 1C's numbers need (the number, its
//! state, 1C's number, date and status, the highest number given) are other columns and stay.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::queue::{TIME, kept_text};
use super::{Error, Ledger, now};
use crate::lead::Lead;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS retention_passes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    day TEXT NOT NULL,
    started_at TEXT NOT NULL,
    started_unix INTEGER NOT NULL,
    policy TEXT NOT NULL DEFAULT '',
    finished_at TEXT,
    complete INTEGER NOT NULL DEFAULT 0,
    files INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0,
    rows INTEGER NOT NULL DEFAULT 0,
    kept INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS removed_payloads (
    number INTEGER PRIMARY KEY,
    removed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS inputs_name ON inputs(name);
";

/// Passes remembered; older ones are dropped.
const PASSES_KEPT: i64 = 30;

/// Leads whose personal data goes in one transaction: short, so 1C's exchange never waits long.
const ROWS_PER_TRANSACTION: usize = 1_000;

/// The leads 1C has not confirmed.
const UNCONFIRMED: &str = "l.state IN ('waiting', 'offered')";

/// What one pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Removed {
    /// Files removed from archive/ and failed/ (a refused input's reason file counts with it).
    pub files: u64,
    pub bytes: u64,
    /// Leads whose personal data was removed.
    pub rows: u64,
    /// Archived inputs past their days kept because a lead 1C has not confirmed comes from them.
    pub kept: u64,
    /// Files that could not be removed (each logged with its path and reason).
    pub failures: u64,
}

impl Removed {
    pub fn anything(&self) -> bool {
        self.files > 0 || self.rows > 0
    }
}

/// One pass as the ledger remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// Local time, `YYYY-MM-DD HH:MM:SS`.
    pub finished_at: String,
    /// False when it stopped at its bound: the next one goes on at the next chance.
    pub complete: bool,
    pub removed: Removed,
}

impl Ledger {
    /// Starts a retention pass by `policy` (its days, as text) when one is due on `today`
    /// (`YYYY-MM-DD`, local) at `now_unix`: none finished today by this policy, or the last one
    /// stopped at its bound; and none running (started less than `lease` seconds ago and not
    /// finished: another process is at it). Returns the pass to finish.
    pub fn begin_retention(
        &mut self,
        today: &str,
        policy: &str,
        now_unix: i64,
        lease: i64,
    ) -> Result<Option<i64>, Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(String, String, i64, bool, bool)> = tx
            .query_row(
                "SELECT day, policy, started_unix, finished_at IS NOT NULL, complete
                 FROM retention_passes ORDER BY id DESC LIMIT 1",
                [],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .optional()?;
        let due = match last {
            None => true,
            Some((_, _, started, false, _)) if now_unix - started < lease => false,
            Some((day, by, _, finished, complete)) => {
                day != today || by != policy || !(finished && complete)
            }
        };
        if !due {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO retention_passes (day, policy, started_at, started_unix)
             VALUES (?1, ?2, ?3, ?4)",
            params![today, policy, now(), now_unix],
        )?;
        let pass = tx.last_insert_rowid();
        tx.execute(
            "DELETE FROM retention_passes WHERE id <= ?1",
            params![pass - PASSES_KEPT],
        )?;
        tx.commit()?;
        Ok(Some(pass))
    }

    /// Records what the pass removed, and whether it went through everything.
    pub fn finish_retention(
        &mut self,
        pass: i64,
        removed: &Removed,
        complete: bool,
    ) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE retention_passes SET finished_at = ?2, complete = ?3, files = ?4, bytes = ?5,
               rows = ?6, kept = ?7, failures = ?8
             WHERE id = ?1",
            params![
                pass,
                now(),
                complete,
                removed.files as i64,
                removed.bytes as i64,
                removed.rows as i64,
                removed.kept as i64,
                removed.failures as i64
            ],
        )?;
        Ok(())
    }

    /// The last pass that finished, and the last one that removed anything (when another).
    pub fn retention_passes(&self) -> Result<(Option<Pass>, Option<Pass>), Error> {
        let read = |condition: &str| -> Result<Option<Pass>, Error> {
            self.conn
                .query_row(
                    &format!(
                        "SELECT finished_at, complete, files, bytes, rows, kept, failures
                         FROM retention_passes WHERE finished_at IS NOT NULL {condition}
                         ORDER BY id DESC LIMIT 1"
                    ),
                    [],
                    |row| {
                        let count = |i| row.get::<_, i64>(i).map(|n| n.max(0) as u64);
                        Ok(Pass {
                            finished_at: row.get(0)?,
                            complete: row.get(1)?,
                            removed: Removed {
                                files: count(2)?,
                                bytes: count(3)?,
                                rows: count(4)?,
                                kept: count(5)?,
                                failures: count(6)?,
                            },
                        })
                    },
                )
                .optional()
        };
        let last = read("")?;
        let last_removal = match &last {
            Some(pass) if pass.removed.anything() => None,
            _ => read("AND (files > 0 OR rows > 0)")?,
        };
        Ok((last, last_removal))
    }

    /// Whether a lead 1C has not confirmed comes from an input taken under one of `names`.
    pub fn unconfirmed_from(&self, names: &[&str]) -> Result<bool, Error> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT EXISTS (SELECT 1 FROM inputs i JOIN leads l ON l.input = i.id
               WHERE i.name = ?1 AND {UNCONFIRMED})"
        ))?;
        for name in names {
            if stmt.query_row(params![name], |row| row.get::<_, bool>(0))? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Removes the personal data of at most `most` leads 1C has confirmed whose webhook was
    /// received before `before`: their text becomes a lead with no field, and they are noted
    /// as removed. The state is checked again in the transaction that removes it, so a lead
    /// 1C has not confirmed is never touched. Returns how many.
    pub fn remove_payloads(&mut self, before: NaiveDateTime, most: usize) -> Result<u64, Error> {
        let blank = kept_text(&blank_lead())?;
        let before = before.format(TIME).to_string();
        let mut removed = 0;
        while removed < most {
            let batch = ROWS_PER_TRANSACTION.min(most - removed);
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let numbers: Vec<i64> = {
                // No ORDER BY: a sort would read every confirmed lead for each batch.
                let mut stmt = tx.prepare_cached(
                    "SELECT l.number FROM leads l JOIN queued_inputs q ON q.input = l.input
                     WHERE l.state IN ('confirmed', 'known') AND q.received_at < ?1
                       AND NOT EXISTS (SELECT 1 FROM removed_payloads r WHERE r.number = l.number)
                     LIMIT ?2",
                )?;
                stmt.query_map(params![before, batch as i64], |row| row.get(0))?
                    .collect::<Result<_, _>>()?
            };
            let at = now();
            for number in &numbers {
                tx.execute(
                    "UPDATE leads SET lead = ?2
                     WHERE number = ?1 AND state IN ('confirmed', 'known')",
                    params![number, blank],
                )?;
                tx.execute(
                    "INSERT OR IGNORE INTO removed_payloads (number, removed_at) VALUES (?1, ?2)",
                    params![number, at],
                )?;
            }
            tx.commit()?;
            removed += numbers.len();
            if numbers.len() < batch {
                break;
            }
        }
        Ok(removed as u64)
    }
}

/// A lead with no field: what a lead's text becomes once its personal data is removed, written
/// as every lead is written, so every reader of the queue still reads it.
fn blank_lead() -> Lead {
    Lead {
        id: uuid::Uuid::nil(),
        event: "".into(),
        client_id: String::new(),
        search_id: String::new(),
        login: String::new(),
        name: String::new(),
        full_name: None,
        phone: String::new(),
        phone_raw: String::new(),
        phone_valid: false,
        email: String::new(),
        dialog_id: "".into(),
        custom_data: Default::default(),
        source_file: "".into(),
        received_at: NaiveDateTime::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tests::converted;

    #[test]
    fn a_pass_runs_once_a_day_unless_cut_short_and_never_beside_a_running_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        assert_eq!(ledger.retention_passes().unwrap(), (None, None));
        let pass = ledger
            .begin_retention("2026-12-07", "p", 1000, 600)
            .unwrap();
        let pass = pass.expect("the first is due");
        assert_eq!(
            ledger
                .begin_retention("2026-12-07", "p", 1100, 600)
                .unwrap(),
            None
        );
        let removed = Removed {
            files: 2,
            bytes: 10,
            ..Removed::default()
        };
        ledger.finish_retention(pass, &removed, true).unwrap();
        assert_eq!(
            ledger
                .begin_retention("2026-12-07", "p", 1200, 600)
                .unwrap(),
            None
        );
        let (last, _) = ledger.retention_passes().unwrap();
        assert_eq!(last.unwrap().removed, removed);
        // The next day: due; this one removes nothing and stops at its bound.
        let next = ledger
            .begin_retention("2026-12-08", "p", 90_000, 600)
            .unwrap();
        ledger
            .finish_retention(next.unwrap(), &Removed::default(), false)
            .unwrap();
        let (last, last_removal) = ledger.retention_passes().unwrap();
        assert!(!last.unwrap().complete);
        assert_eq!(last_removal.unwrap().removed, removed);
        assert!(
            ledger
                .begin_retention("2026-12-08", "p", 90_001, 600)
                .unwrap()
                .is_some(),
            "cut short: goes on"
        );
        // A pass that died unfinished is taken up once its lease is over.
        assert_eq!(
            ledger
                .begin_retention("2026-12-08", "p", 90_002, 600)
                .unwrap(),
            None
        );
        let taken_up = ledger
            .begin_retention("2026-12-08", "p", 90_700, 600)
            .unwrap();
        ledger
            .finish_retention(taken_up.unwrap(), &Removed::default(), true)
            .unwrap();
        assert_eq!(
            ledger
                .begin_retention("2026-12-08", "p", 90_800, 600)
                .unwrap(),
            None
        );
        // Other days to keep: due again the same day.
        assert!(
            ledger
                .begin_retention("2026-12-08", "q", 90_900, 600)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn only_confirmed_leads_lose_their_personal_data_and_still_list() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        converted(&mut ledger, &[None, None, None]);
        ledger.mark_offered("a", &[1, 2], 0).unwrap();
        ledger.confirm("a").unwrap();
        ledger.mark_offered("b", &[3], 0).unwrap();
        assert!(ledger.unconfirmed_from(&["x.json", "2.json"]).unwrap());
        assert!(!ledger.unconfirmed_from(&["0.json", "1.json"]).unwrap());
        // Received (in the test's leads) at 1970-01-01: before any cut.
        let before =
            NaiveDateTime::parse_from_str("2000-01-01 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(ledger.remove_payloads(before, 1).unwrap(), 1, "bounded");
        assert_eq!(ledger.remove_payloads(before, 100).unwrap(), 1);
        assert_eq!(ledger.remove_payloads(before, 100).unwrap(), 0);
        let rows = ledger.leads(&crate::ledger::Filter::default()).unwrap();
        let shown: Vec<(u64, &str, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r.number,
                    r.phone.as_str(),
                    r.personal_data_removed_at.is_some(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [(3, "+79161234567", false), (2, "", true), (1, "", true)]
        );
        // The offered one is still offered whole.
        ledger.release_offers().unwrap();
        let layout = crate::format::Layout::new(crate::format::Format::Commerceml);
        let offers = ledger.unconfirmed_orders(&layout, 0, |_| true).unwrap();
        assert_eq!(offers.len(), 1);
        assert!(offers[0].document.contains("79161234567"));
        assert_eq!(ledger.last_number().unwrap(), 3);
    }
}
