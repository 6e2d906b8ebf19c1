//! What the alerts have told, per condition and channel ([`Tracked`], the row
//! `crate::alerts::machine` steps), so that a restart neither repeats a message nor forgets one
//! still owed. A table of its own: nothing else in the ledger reads it. The row's types live
//! here, below the alerts that use them, so that the ledger needs nothing from `alerts`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

use super::{Error, Ledger};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS alerts (
    condition TEXT NOT NULL,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    since TEXT NOT NULL,
    cleared TEXT,
    owed INTEGER NOT NULL,
    last_sent TEXT,
    summary_ru TEXT NOT NULL,
    summary_en TEXT NOT NULL,
    sending_until TEXT,
    PRIMARY KEY (condition, channel)
);
";

/// Whether a condition holds (`firing`) or has cleared (`resolved`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Firing,
    Resolved,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Firing => "firing",
            State::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        match text {
            "firing" => Some(State::Firing),
            "resolved" => Some(State::Resolved),
            _ => None,
        }
    }
}

/// A text in Russian and in English.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Said {
    pub ru: String,
    pub en: String,
}

/// What the ledger keeps of one condition on one channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// `Firing`: the condition held at the last evaluation; `Resolved`: it has cleared.
    pub state: State,
    /// When the condition began to hold, this time.
    pub since: DateTime<Utc>,
    /// When it cleared (`Resolved` only).
    pub cleared: Option<DateTime<Utc>>,
    /// The message of `state` is not delivered yet: a first one, a repeat or a retry.
    pub owed: bool,
    /// When a firing message was last delivered since `since`.
    pub last_sent: Option<DateTime<Utc>>,
    /// The condition's one-line summary as last seen: what its resolved message names.
    pub summary: Said,
    /// An evaluator (this process or another sharing the ledger) is delivering this row's
    /// message until then: it is not planned again before, so that two never send it both.
    pub sending_until: Option<DateTime<Utc>>,
}

/// The rows by (condition, channel).
pub type AlertRows = BTreeMap<(String, String), Tracked>;

impl Ledger {
    /// Reads every alert row, lets `change` change them, and writes them back when it did, in
    /// one transaction that another process evaluating the same ledger waits for. Most
    /// evaluations change nothing, and then cost no write (no sync of the ledger's disk).
    pub fn update_alerts<R>(
        &mut self,
        change: impl FnOnce(&mut AlertRows) -> R,
    ) -> Result<R, Error> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut rows = AlertRows::new();
        {
            let mut stmt = tx.prepare(
                "SELECT condition, channel, state, since, cleared, owed, last_sent, summary_ru,
                   summary_en, sending_until FROM alerts",
            )?;
            let mut found = stmt.query([])?;
            while let Some(row) = found.next()? {
                let state: String = row.get(2)?;
                let tracked = Tracked {
                    state: State::parse(&state).ok_or_else(|| bad_text(2, &state))?,
                    since: time(row.get(3)?, 3)?,
                    cleared: row
                        .get::<_, Option<String>>(4)?
                        .map(|t| time(t, 4))
                        .transpose()?,
                    owed: row.get(5)?,
                    last_sent: row
                        .get::<_, Option<String>>(6)?
                        .map(|t| time(t, 6))
                        .transpose()?,
                    summary: Said {
                        ru: row.get(7)?,
                        en: row.get(8)?,
                    },
                    sending_until: row
                        .get::<_, Option<String>>(9)?
                        .map(|t| time(t, 9))
                        .transpose()?,
                };
                rows.insert((row.get(0)?, row.get(1)?), tracked);
            }
        }
        let before = rows.clone();
        let result = change(&mut rows);
        if rows == before {
            return Ok(result);
        }
        tx.execute("DELETE FROM alerts", [])?;
        for ((condition, channel), row) in &rows {
            tx.execute(
                "INSERT INTO alerts (condition, channel, state, since, cleared, owed, last_sent,
                   summary_ru, summary_en, sending_until)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    condition,
                    channel,
                    row.state.as_str(),
                    text(row.since),
                    row.cleared.map(text),
                    row.owed,
                    row.last_sent.map(text),
                    row.summary.ru,
                    row.summary.en,
                    row.sending_until.map(text),
                ],
            )?;
        }
        tx.commit()?;
        Ok(result)
    }
}

fn text(at: DateTime<Utc>) -> String {
    at.to_rfc3339()
}

fn time(text: String, column: usize) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad_text(column, &text))
}

fn bad_text(column: usize, text: &str) -> Error {
    Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("the alerts table holds {text:?}").into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_rows_survive_reopening_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.sqlite");
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let row = Tracked {
            state: State::Resolved,
            since: at,
            cleared: Some(at + chrono::Duration::minutes(5)),
            owed: true,
            last_sent: Some(at),
            summary: Said {
                ru: "лиды ждут".into(),
                en: "leads wait".into(),
            },
            sending_until: None,
        };
        let key = ("leads_waiting".to_string(), "email".to_string());
        Ledger::open(&path)
            .unwrap()
            .update_alerts(|rows| rows.insert(key.clone(), row.clone()))
            .unwrap();
        let kept = Ledger::open(&path)
            .unwrap()
            .update_alerts(|rows| rows.clone())
            .unwrap();
        assert_eq!(kept.get(&key), Some(&row));
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn an_update_that_changes_nothing_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let row = Tracked {
            state: State::Firing,
            since: at,
            cleared: None,
            owed: false,
            last_sent: Some(at),
            summary: Said::default(),
            sending_until: None,
        };
        ledger
            .update_alerts(|rows| rows.insert(("c".into(), "command".into()), row))
            .unwrap();
        let written = ledger.conn.total_changes();
        ledger.update_alerts(|_| ()).unwrap();
        assert_eq!(ledger.conn.total_changes(), written);
    }
}
