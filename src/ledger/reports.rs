//! What 1C reports on its orders (its upload of changed orders), recorded on the lead it names
//! by our `Номер` — but only on a lead 1C could know: one offered to it over HTTP, or written
//! into a CommerceML file it may read. A report on any other number changes nothing; the last
//! [`KEPT`] of those are kept with their time, so that `status` and `leads` can show them.

use rusqlite::{OptionalExtension, TransactionBehavior, params};
use serde::Serialize;

use super::{Error, Ledger, now};

/// Ignored reports kept; the count of all of them is kept beside.
const KEPT: i64 = 100;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ignored_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    number INTEGER NOT NULL,
    onec_number TEXT,
    why TEXT NOT NULL
);
";

/// What 1C reports about the order it made of a lead (its upload of changed orders).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FromOneC {
    pub number: Option<String>,
    pub date: Option<String>,
    pub posted: bool,
    pub deletion_mark: bool,
    pub cancelled: bool,
    pub status: Option<String>,
    pub status_id: Option<String>,
}

/// What became of one report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reported {
    /// Recorded on its lead, now `known`.
    Recorded,
    /// Ignored: its lead is waiting, never offered to 1C nor written into a file 1C may read.
    NeverGiven,
    /// Ignored: no lead has this number (another site's order in 1C, or a forged one).
    NoSuchLead,
}

impl Reported {
    fn code(self) -> &'static str {
        match self {
            Reported::Recorded => "recorded",
            Reported::NeverGiven => "never-given",
            Reported::NoSuchLead => "no-such-lead",
        }
    }

    /// Why a report was ignored, in words.
    pub fn why(code: &str) -> &'static str {
        match code {
            "never-given" => "its lead was never offered to 1C nor written into a file",
            _ => "no lead has this number",
        }
    }
}

/// A report that changed nothing, as `status` and `leads` show it.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoredReport {
    pub at: String,
    pub number: u64,
    pub onec_number: Option<String>,
    /// See [`Reported::why`].
    pub why: String,
}

/// How many reports were ignored in all, and the last ones, newest first.
#[derive(Debug, Clone, Default)]
pub struct IgnoredReports {
    pub total: u64,
    pub last: Vec<IgnoredReport>,
}

impl Ledger {
    /// Records what 1C made of the leads its upload names by number, in one transaction, when
    /// 1C could know them; a lead 1C reports on is one it has, confirmed or not. A report on
    /// any other number is kept among the ignored ones and changes nothing. Returns what
    /// became of each report, in order.
    pub fn record_from_1c<'a>(
        &mut self,
        reports: impl IntoIterator<Item = (u64, &'a FromOneC)>,
    ) -> Result<Vec<Reported>, Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let at = now();
        let mut outcomes = Vec::new();
        for (number, report) in reports {
            let lead: Option<(String, bool)> = tx
                .query_row(
                    "SELECT state, carried FROM leads WHERE number = ?1",
                    params![number as i64],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let reported = match lead {
                None => Reported::NoSuchLead,
                Some((state, carried)) if state == "waiting" && !carried => Reported::NeverGiven,
                Some(_) => Reported::Recorded,
            };
            if reported == Reported::Recorded {
                tx.execute(
                    "UPDATE leads SET state = 'known', known_at = ?2,
                       confirmed_at = COALESCE(confirmed_at, ?2),
                       onec_number = ?3, onec_date = ?4, posted = ?5, deletion_mark = ?6,
                       cancelled = ?7, status = ?8, status_id = ?9
                     WHERE number = ?1",
                    params![
                        number as i64,
                        at,
                        report.number,
                        report.date,
                        report.posted,
                        report.deletion_mark,
                        report.cancelled,
                        report.status,
                        report.status_id,
                    ],
                )?;
            } else {
                tx.execute(
                    "INSERT INTO ignored_reports (at, number, onec_number, why)
                     VALUES (?1, ?2, ?3, ?4)",
                    params![at, number as i64, report.number, reported.code()],
                )?;
            }
            outcomes.push(reported);
        }
        tx.execute(
            "DELETE FROM ignored_reports
             WHERE id <= (SELECT IFNULL(MAX(id), 0) FROM ignored_reports) - ?1",
            params![KEPT],
        )?;
        tx.commit()?;
        Ok(outcomes)
    }

    /// The reports from 1C that changed nothing: how many in all, and the last `limit`.
    pub fn ignored_reports(&self, limit: usize) -> Result<IgnoredReports, Error> {
        // AUTOINCREMENT's counter: every ignored report ever, also those no longer kept.
        let total: i64 = self
            .conn
            .query_row(
                "SELECT seq FROM sqlite_sequence WHERE name = 'ignored_reports'",
                [],
                |row| row.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let mut stmt = self.conn.prepare(
            "SELECT at, number, onec_number, why FROM ignored_reports ORDER BY id DESC LIMIT ?1",
        )?;
        let last = stmt
            .query_map(params![limit as i64], |row| {
                Ok(IgnoredReport {
                    at: row.get(0)?,
                    number: row.get::<_, i64>(1)? as u64,
                    onec_number: row.get(2)?,
                    why: Reported::why(&row.get::<_, String>(3)?).to_string(),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(IgnoredReports {
            total: total as u64,
            last,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tests::converted;

    #[test]
    fn only_a_lead_1c_could_know_takes_a_report_and_the_ignored_are_kept_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        // 1 and 2 waiting; 3 written into a CommerceML file.
        converted(&mut ledger, &[None, None, Some(3)]);
        ledger.mark_offered("q", &[2], i64::MAX).unwrap();
        let report = FromOneC {
            number: Some("СА-1".into()),
            ..FromOneC::default()
        };
        let outcomes = ledger
            .record_from_1c([(1, &report), (2, &report), (3, &report), (9, &report)])
            .unwrap();
        use Reported::*;
        assert_eq!(outcomes, [NeverGiven, Recorded, Recorded, NoSuchLead]);
        let reports: Vec<(u64, &FromOneC)> =
            (0..KEPT as u64 + 5).map(|n| (1_000 + n, &report)).collect();
        ledger.record_from_1c(reports).unwrap();
        let ignored = ledger.ignored_reports(3).unwrap();
        assert_eq!(ignored.total, KEPT as u64 + 7);
        assert_eq!(ignored.last[0].number, 1_000 + KEPT as u64 + 4);
        assert_eq!(ignored.last[0].onec_number.as_deref(), Some("СА-1"));
        let kept: i64 = ledger
            .conn
            .query_row("SELECT COUNT(*) FROM ignored_reports", [], |row| row.get(0))
            .unwrap();
        assert_eq!(kept, KEPT);
    }
}
