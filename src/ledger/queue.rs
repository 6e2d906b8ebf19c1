//! The queue of leads for 1C's «Обмен с сайтом»: every lead converted in the exchange folder is
//! written here in the same transaction that journals its input, numbered once and for good
//! (`Номер`, digits only; AUTOINCREMENT never hands a number out twice, even after a row is
//! dropped), and becomes visible to 1C when its input is recorded as converted. Its state:
//! waiting → offered (in a `query`) → confirmed (by that session's `success`) → known to 1C
//! (1C's own number, date and status, from its upload). A lead offered but not confirmed is
//! offered again, with the same number, once its offer is stale (see [`Ledger::unconfirmed`]);
//! a confirmed one never is.

use chrono::NaiveDateTime;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::kept::{self, Listed, Own, Shared, damaged};
use super::{Error, Ledger, now};
use crate::format::commerceml;
use crate::lead::Lead;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS queued_inputs (
    input INTEGER PRIMARY KEY,
    event TEXT NOT NULL,
    dialog_id TEXT NOT NULL,
    source_file TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leads (
    number INTEGER PRIMARY KEY AUTOINCREMENT,
    input INTEGER NOT NULL,
    lead TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'waiting',
    offered_in TEXT,
    offered_at TEXT,
    offers INTEGER NOT NULL DEFAULT 0,
    confirmed_at TEXT,
    onec_number TEXT,
    onec_date TEXT,
    posted INTEGER,
    deletion_mark INTEGER,
    cancelled INTEGER,
    status TEXT,
    status_id TEXT,
    known_at TEXT,
    carried INTEGER NOT NULL DEFAULT 0,
    offer_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS leads_queue ON leads(state, number);
CREATE INDEX IF NOT EXISTS leads_input ON leads(input);
";

/// Columns added to `leads` since its first version, with their declarations: a ledger made
/// before them gets them when it is opened.
///
/// `carried`: the lead was written into a CommerceML file 1C may read (its own output or the
/// orders file), so 1C may know its number without a query. `offer_until`: while its offer is
/// fresh (Unix seconds), no other session is offered it.
const ADDED_COLUMNS: [(&str, &str); 2] = [
    ("carried", "INTEGER NOT NULL DEFAULT 0"),
    ("offer_until", "INTEGER NOT NULL DEFAULT 0"),
];

/// Adds the columns a ledger made by an earlier version lacks, and brings its leads' rows to
/// this version's form.
pub(super) fn upgrade(conn: &mut rusqlite::Connection) -> Result<(), Error> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let present: Vec<String> = {
        let mut stmt = tx.prepare("SELECT name FROM pragma_table_info('leads')")?;
        stmt.query_map([], |row| row.get(0))?
            .collect::<Result<_, _>>()?
    };
    for (name, declaration) in ADDED_COLUMNS {
        if !present.iter().any(|column| column == name) {
            tx.execute(
                &format!("ALTER TABLE leads ADD COLUMN {name} {declaration}"),
                [],
            )?;
        }
    }
    kept::upgrade(&tx)?;
    tx.commit()
}

/// Where a lead is on its way into 1C.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum State {
    /// Converted; 1C has not asked for it yet.
    Waiting,
    /// Sent in answer to a `query`; not confirmed yet, so offered again.
    Offered,
    /// 1C said `success` after the query that offered it.
    Confirmed,
    /// 1C sent back what it made of it: its number, date, status.
    Known,
}

impl State {
    pub const ALL: [State; 4] = [
        State::Waiting,
        State::Offered,
        State::Confirmed,
        State::Known,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Offered => "offered",
            State::Confirmed => "confirmed",
            State::Known => "known",
        }
    }

    /// A state as the ledger keeps it; an error for what no bachata1c writes (a damaged row
    /// is not offered again as new).
    fn parse(text: &str) -> Result<State, Error> {
        match text {
            "waiting" => Ok(State::Waiting),
            "offered" => Ok(State::Offered),
            "confirmed" => Ok(State::Confirmed),
            "known" => Ok(State::Known),
            _ => Err(damaged(
                1,
                format!("the leads table holds the state {text:?}, which no bachata1c writes"),
            )),
        }
    }
}

/// One lead as `bachata1c leads` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub number: u64,
    pub state: &'static str,
    pub received_at: String,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub offered_at: Option<String>,
    pub offers: u64,
    pub confirmed_at: Option<String>,
    pub onec_number: Option<String>,
    pub onec_date: Option<String>,
    pub posted: Option<bool>,
    pub deletion_mark: Option<bool>,
    pub cancelled: Option<bool>,
    pub status: Option<String>,
    pub known_at: Option<String>,
    /// When retention removed its name, phone, e-mail and customData (`[retention]
    /// ledger_days`); they are empty then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub personal_data_removed_at: Option<String>,
}

/// Which leads to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub states: Vec<State>,
    /// Received at or after (`YYYY-MM-DD[ HH:MM:SS]`, compared as text).
    pub since: Option<String>,
    /// Received before.
    pub until: Option<String>,
    pub limit: Option<usize>,
}

/// How many leads are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueTotals {
    pub waiting: u64,
    pub offered: u64,
    pub confirmed: u64,
    pub known: u64,
}

/// The text the ledger keeps of `lead`: the lead as its order carries it.
pub(super) fn kept_text(lead: &Lead) -> Result<String, Error> {
    let cut = commerceml::as_ordered(lead);
    kept::text(cut.as_ref().unwrap_or(lead))
}

/// The text an older bachata1c kept of `lead`: the lead whole.
#[cfg(test)]
pub(super) fn whole_text(lead: &Lead) -> String {
    kept::text(lead).unwrap()
}

/// Writes an input's leads into the queue, in the transaction that journals the input,
/// numbered from `first_number` on; they become visible once the input is recorded as
/// converted. `carried`: their output is a CommerceML file with these numbers. A lead is kept
/// as its order carries it ([`commerceml::as_ordered`]): no one reads the rest from the
/// ledger, and a megabyte of customData would be read, and copied on every change of its
/// state, for the 1,000 characters 1C gets.
pub(super) fn journal(
    tx: &Transaction,
    input: i64,
    leads: &[Lead],
    first_number: u64,
    carried: bool,
) -> Result<(), Error> {
    let Some(first) = leads.first() else {
        return Ok(());
    };
    tx.execute(
        "INSERT OR REPLACE INTO queued_inputs (input, event, dialog_id, source_file, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            input,
            &*first.event,
            &*first.dialog_id,
            &*first.source_file,
            first.received_at.format(TIME).to_string(),
        ],
    )?;
    // Many rows per statement: a statement's own cost was most of the time for a big file.
    const ROWS: usize = 128;
    let mut number = first_number;
    for chunk in leads.chunks(ROWS) {
        let marks = vec!["(?, ?, ?, ?)"; chunk.len()].join(", ");
        let mut insert = tx.prepare_cached(&format!(
            "INSERT INTO leads (number, input, lead, carried) VALUES {marks}"
        ))?;
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(chunk.len() * 4);
        for lead in chunk {
            values.push((number as i64).into());
            values.push(input.into());
            values.push(kept_text(lead)?.into());
            values.push(i64::from(carried).into());
            number += 1;
        }
        insert.execute(rusqlite::params_from_iter(values))?;
    }
    Ok(())
}

/// Times as the ledger writes them: sortable text, to the microsecond.
pub(super) const TIME: &str = "%Y-%m-%d %H:%M:%S%.6f";

/// When an input was received, as `queued_inputs` holds it in `column`.
pub(super) fn received_at(column: usize, text: &str) -> Result<NaiveDateTime, Error> {
    kept::time(column, text, "queued_inputs.received_at")
}

/// Leads with their numbers, rebuilt from the queue: those `condition` (over `l` the leads,
/// `i` their inputs, `q` what their input's leads share) selects.
fn numbered_leads(
    conn: &rusqlite::Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<(u64, Lead)>, Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT l.number, l.lead, q.event, q.dialog_id, q.source_file, q.received_at
         FROM leads l JOIN inputs i ON i.id = l.input JOIN queued_inputs q ON q.input = l.input
         WHERE {condition}"
    ))?;
    let rows = stmt.query_map(params, |row| {
        let received: String = row.get(5)?;
        let shared = Shared {
            event: row.get(2)?,
            dialog_id: row.get(3)?,
            source_file: row.get(4)?,
            received_at: received_at(5, &received)?,
        };
        Ok((
            row.get::<_, i64>(0)? as u64,
            row.get::<_, String>(1)?,
            shared,
        ))
    })?;
    let mut leads = Vec::new();
    for row in rows {
        let (number, own, shared) = row?;
        leads.push((number, Own::read(number, &own)?.into_lead(&shared)));
    }
    Ok(leads)
}

/// The lead numbered `number` and its text in the ledger, if it is queued.
pub(super) fn lead_at(
    conn: &rusqlite::Connection,
    number: u64,
) -> Result<Option<(Lead, String)>, Error> {
    let row = conn
        .prepare_cached(
            "SELECT l.lead, q.event, q.dialog_id, q.source_file, q.received_at
             FROM leads l JOIN queued_inputs q ON q.input = l.input WHERE l.number = ?1",
        )?
        .query_row(params![number as i64], |row| {
            let received: String = row.get(4)?;
            let shared = Shared {
                event: row.get(1)?,
                dialog_id: row.get(2)?,
                source_file: row.get(3)?,
                received_at: received_at(4, &received)?,
            };
            Ok((row.get::<_, String>(0)?, shared))
        })
        .optional()?;
    row.map(|(own, shared)| Ok((Own::read(number, &own)?.into_lead(&shared), own)))
        .transpose()
}

/// Drops the leads of an input whose journal entry is dropped (its output was never published).
pub(super) fn drop_input(tx: &Transaction, input: i64) -> Result<(), Error> {
    tx.execute("DELETE FROM leads WHERE input = ?1", params![input])?;
    tx.execute("DELETE FROM queued_inputs WHERE input = ?1", params![input])?;
    Ok(())
}

impl Ledger {
    /// Every converted lead whose webhook was received at `since` or later, by number, handed
    /// to `write` while no other worker can record anything: what `write` makes of them (the
    /// cumulative orders file) is then never older than the ledger, whichever worker is last.
    /// When `write` succeeds, the leads are recorded as carried by a file 1C may read.
    pub fn converted_since<R, E>(
        &mut self,
        since: NaiveDateTime,
        write: impl FnOnce(&[(u64, Lead)]) -> Result<R, E>,
    ) -> Result<Result<R, E>, Error> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let since = since.format(TIME).to_string();
        let leads = numbered_leads(
            &tx,
            // A lead whose personal data retention removed has left the window too.
            "i.outcome = 'converted' AND q.received_at >= ?1 AND NOT EXISTS (
               SELECT 1 FROM removed_payloads r WHERE r.number = l.number) ORDER BY l.number",
            params![since],
        )?;
        let written = write(&leads);
        if written.is_ok() {
            tx.execute(
                "UPDATE leads SET carried = 1 WHERE carried = 0 AND input IN (
                   SELECT i.id FROM inputs i JOIN queued_inputs q ON q.input = i.id
                   WHERE i.outcome = 'converted' AND q.received_at >= ?1)",
                params![since],
            )?;
            tx.commit()?;
        }
        Ok(written)
    }

    /// Marks the leads a query sent as offered in it (`offer` names the query) until `until`
    /// (Unix seconds): no other session is offered them before.
    pub fn mark_offered(&mut self, offer: &str, numbers: &[u64], until: i64) -> Result<(), Error> {
        let tx = self.conn.transaction()?;
        {
            let at = now();
            let mut update = tx.prepare_cached(
                "UPDATE leads SET state = 'offered', offered_in = ?1, offered_at = ?2,
                   offers = offers + 1, offer_until = ?4
                 WHERE number = ?3 AND state IN ('waiting', 'offered')",
            )?;
            for number in numbers {
                update.execute(params![offer, at, *number as i64, until])?;
            }
        }
        tx.commit()
    }

    /// Makes the leads of the query `offer`, not confirmed, offerable to any session again:
    /// its session asked anew, so it can no longer confirm them.
    pub fn release_offer(&mut self, offer: &str) -> Result<(), Error> {
        self.conn.execute(
            "UPDATE leads SET offer_until = 0 WHERE offered_in = ?1 AND state = 'offered'",
            params![offer],
        )?;
        Ok(())
    }

    /// Makes every offered lead offerable again: `serve` started, and the sessions that received
    /// them, which lived in the memory of the one before, can no longer confirm them.
    pub fn release_offers(&mut self) -> Result<usize, Error> {
        self.conn.execute(
            "UPDATE leads SET offer_until = 0 WHERE state = 'offered' AND offer_until != 0",
            [],
        )
    }

    /// 1C confirmed the query `offer`: its leads are 1C's now, never offered again. Returns
    /// how many; a query that offered nothing confirms nothing, and a lead that went to
    /// another session once this offer was stale is confirmed by that session's `success`.
    pub fn confirm(&mut self, offer: &str) -> Result<usize, Error> {
        let confirmed = self.conn.execute(
            "UPDATE leads SET state = 'confirmed', confirmed_at = ?2
             WHERE offered_in = ?1 AND state = 'offered'",
            params![offer, now()],
        )?;
        Ok(confirmed)
    }

    /// How many leads (of converted inputs) are in each state.
    pub fn queue_totals(&self) -> Result<QueueTotals, Error> {
        let mut stmt = self.conn.prepare(
            "SELECT l.state, COUNT(*) FROM leads l JOIN inputs i ON i.id = l.input
             WHERE i.outcome = 'converted' GROUP BY l.state",
        )?;
        let mut totals = QueueTotals::default();
        for row in stmt.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
        })? {
            let (state, n) = row?;
            let n = n as u64;
            match State::parse(&state)? {
                State::Waiting => totals.waiting = n,
                State::Offered => totals.offered = n,
                State::Confirmed => totals.confirmed = n,
                State::Known => totals.known = n,
            }
        }
        Ok(totals)
    }

    /// How many leads `filter` matches, its limit aside: what a limited list left out.
    pub fn count_leads(&self, filter: &Filter) -> Result<u64, Error> {
        let (selection, values) = matching(filter);
        let sql = format!("SELECT COUNT(*) {selection}");
        let count =
            self.conn
                .query_row(&sql, rusqlite::params_from_iter(values.iter()), |row| {
                    row.get::<_, i64>(0)
                })?;
        Ok(count as u64)
    }

    /// Leads of converted inputs by `filter`, newest first.
    pub fn leads(&self, filter: &Filter) -> Result<Vec<Row>, Error> {
        let (selection, values) = matching(filter);
        let mut sql = format!(
            // Without the lead's own text: sorting would hold every matching lead's text,
            // customData and all; each listed lead's is read below, one at a time.
            "SELECT l.number, l.state, q.received_at, l.offered_at, l.offers,
                    l.confirmed_at, l.onec_number, l.onec_date, l.posted, l.deletion_mark,
                    l.cancelled, l.status, l.known_at,
                    (SELECT removed_at FROM removed_payloads r WHERE r.number = l.number)
             {selection}"
        );
        sql.push_str(" ORDER BY l.number DESC");
        if let Some(limit) = filter.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values.iter()), |row| {
            let received: String = row.get(2)?;
            Ok(Row {
                number: row.get::<_, i64>(0)? as u64,
                state: State::parse(&row.get::<_, String>(1)?)?.as_str(),
                received_at: received.get(..19).unwrap_or(&received).to_string(),
                name: String::new(),
                phone: String::new(),
                email: String::new(),
                offered_at: row.get(3)?,
                offers: row.get::<_, i64>(4)? as u64,
                confirmed_at: row.get(5)?,
                onec_number: row.get(6)?,
                onec_date: row.get(7)?,
                posted: row.get(8)?,
                deletion_mark: row.get(9)?,
                cancelled: row.get(10)?,
                status: row.get(11)?,
                known_at: row.get(12)?,
                personal_data_removed_at: row.get(13)?,
            })
        })?;
        let mut own = self
            .conn
            .prepare_cached("SELECT lead FROM leads WHERE number = ?1")?;
        let mut listed = Vec::new();
        for row in rows {
            let mut row = row?;
            // Read where SQLite holds it, not copied first: a lead can be megabytes.
            let Listed { name, phone, email } = own
                .query_row(params![row.number as i64], |lead| {
                    kept::from_json(row.number, lead.get_ref(0)?.as_str()?)
                })?;
            (row.name, row.phone, row.email) = (name, phone, email);
            listed.push(row);
        }
        Ok(listed)
    }

    /// The lead numbered `number`, if 1C could know it.
    pub fn lead_state(&self, number: u64) -> Result<Option<State>, Error> {
        self.conn
            .query_row(
                "SELECT state FROM leads WHERE number = ?1",
                params![number as i64],
                |row| row.get::<_, String>(0),
            )
            .optional()?
            .map(|state| State::parse(&state))
            .transpose()
    }
}

/// `FROM … WHERE …` for the leads of converted inputs `filter` selects (its limit aside), and
/// the values of its parameters.
fn matching(filter: &Filter) -> (String, Vec<String>) {
    let mut sql = String::from(
        "FROM leads l JOIN inputs i ON i.id = l.input JOIN queued_inputs q ON q.input = l.input
         WHERE i.outcome = 'converted'",
    );
    let mut values: Vec<String> = Vec::new();
    if !filter.states.is_empty() {
        let marks: Vec<String> = filter
            .states
            .iter()
            .map(|state| {
                values.push(state.as_str().to_string());
                format!("?{}", values.len())
            })
            .collect();
        sql.push_str(&format!(" AND l.state IN ({})", marks.join(", ")));
    }
    if let Some(since) = &filter.since {
        values.push(since.clone());
        sql.push_str(&format!(" AND q.received_at >= ?{}", values.len()));
    }
    if let Some(until) = &filter.until {
        values.push(until.clone());
        sql.push_str(&format!(" AND q.received_at < ?{}", values.len()));
    }
    (sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{Format, Layout};
    use crate::ledger::tests::converted;

    fn ledger() -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
        converted(&mut ledger, &[None, None]);
        (dir, ledger)
    }

    #[test]
    fn the_queue_reads_each_state_it_writes() {
        let (_dir, mut ledger) = ledger();
        ledger.mark_offered("q1", &[2], 0).unwrap();
        assert_eq!(ledger.lead_state(1).unwrap(), Some(State::Waiting));
        assert_eq!(ledger.lead_state(2).unwrap(), Some(State::Offered));
        assert_eq!(ledger.lead_state(3).unwrap(), None);
        let totals = ledger.queue_totals().unwrap();
        assert_eq!((totals.waiting, totals.offered), (1, 1));
        let listed = ledger.leads(&Filter::default()).unwrap();
        assert_eq!(listed[0].state, "offered");
        assert_eq!(listed[0].phone, "+79161234567");
    }

    /// A damaged state was read as «waiting», and the lead offered to 1C again as new.
    #[test]
    fn an_unknown_state_is_an_error_not_waiting() {
        let (_dir, mut ledger) = ledger();
        ledger
            .conn
            .execute("UPDATE leads SET state = 'wating' WHERE number = 1", [])
            .unwrap();
        for err in [
            ledger.lead_state(1).unwrap_err(),
            ledger.queue_totals().unwrap_err(),
            ledger.leads(&Filter::default()).unwrap_err(),
        ] {
            let err = err.to_string();
            assert!(err.contains("the state \"wating\""), "{err}");
        }
        let layout = Layout::new(Format::Commerceml);
        let offered = ledger.unconfirmed_orders(&layout, 0, |_| true).unwrap();
        assert_eq!(
            offered.iter().map(|offer| offer.number).collect::<Vec<_>>(),
            [2]
        );
    }

    /// A damaged time was read as 1970, and the lead fell out of the orders file's window.
    #[test]
    fn a_bad_received_time_is_an_error_not_1970() {
        let (_dir, mut ledger) = ledger();
        ledger
            .conn
            .execute("UPDATE queued_inputs SET received_at = 'yesterday'", [])
            .unwrap();
        let layout = Layout::new(Format::Commerceml);
        let errors = [
            ledger.unconfirmed_orders(&layout, 0, |_| true).unwrap_err(),
            ledger.oldest_unconfirmed().unwrap_err(),
            ledger
                .converted_since(NaiveDateTime::default(), |_| Ok::<(), ()>(()))
                .unwrap_err(),
            lead_at(&ledger.conn, 1).unwrap_err(),
        ];
        for err in errors {
            let err = err.to_string();
            assert!(
                err.contains("queued_inputs.received_at holds the time \"yesterday\""),
                "{err}"
            );
        }
    }
}
