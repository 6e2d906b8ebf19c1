//! What 1C's `query` reads from the queue: the CommerceML `<Документ>` of each lead it may be
//! offered, oldest first, no further than the answer's size limit. A query must cost what it
//! returns, not what waits: a long lead (a megabyte of customData, of which 1C gets one
//! `Значение` of at most 1,000 characters per key) keeps its order, rendered once when it is
//! journalled, in `lead_orders`; the walk reads each order's size before the order, and a lead
//! itself only when it has no order kept (short, or journalled by an older bachata1c).

use chrono::NaiveDateTime;
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::queue::{TIME, lead_at};
use super::{Error, Ledger};
use crate::format::Layout;
use crate::format::commerceml::{self, Order};
use crate::lead::Lead;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS lead_orders (
    number INTEGER PRIMARY KEY,
    bytes INTEGER NOT NULL,
    document TEXT NOT NULL
);
";

/// A lead whose text in the ledger is longer than this keeps its order: an order is about
/// 1.5 KiB, so below this reading the lead costs no more than reading its order, and the
/// ledger of a 50,000-client file does not grow by an order per client.
pub const KEPT_ABOVE: usize = 4 * 1024;

/// Leads without a kept order that one query reads at most (their text, in bytes), once it
/// has an order to give: a ledger journalled by an older bachata1c keeps no orders, and its
/// long leads get theirs kept as a query reads them, a bounded number per query.
const UNKEPT_READ: usize = 32 * 1024 * 1024;

/// The leads 1C may be offered, in number order. Two halves, each walking the `leads_queue`
/// index in number order, merged by SQLite as it steps: a single `state IN (…) ORDER BY`
/// sorts the whole backlog before the first row (tested below).
const OFFERABLE: &str = "
SELECT number, received_at, bytes FROM (
    SELECT l.number AS number, q.received_at AS received_at, o.bytes AS bytes
    FROM leads l JOIN inputs i ON i.id = l.input JOIN queued_inputs q ON q.input = l.input
    LEFT JOIN lead_orders o ON o.number = l.number
    WHERE l.state = 'waiting' AND i.outcome = 'converted'
    UNION ALL
    SELECT l.number, q.received_at, o.bytes
    FROM leads l JOIN inputs i ON i.id = l.input JOIN queued_inputs q ON q.input = l.input
    LEFT JOIN lead_orders o ON o.number = l.number
    WHERE l.state = 'offered' AND i.outcome = 'converted'
) ORDER BY number";

/// One order a query may carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub number: u64,
    /// When the lead's webhook was received: the document is formed at the latest of these.
    pub received_at: NaiveDateTime,
    /// The `<Документ>`, as [`commerceml::order_xml`] writes it.
    pub document: String,
}

/// The order of a lead numbered `number`.
fn order_of(lead: &Lead, number: u64, layout: &Layout) -> String {
    commerceml::order_xml(&Order { lead, number }, layout)
}

/// Keeps the orders of an input's long leads, numbered from `first`, as they are journalled
/// (`own` is each lead's text in the ledger).
pub(super) fn keep_journalled(
    tx: &Transaction,
    leads: &[Lead],
    own: &[usize],
    first: u64,
    layout: &Layout,
) -> Result<(), Error> {
    for ((lead, own), number) in leads.iter().zip(own).zip(first..) {
        if *own > KEPT_ABOVE {
            keep(tx, number, &order_of(lead, number, layout))?;
        }
    }
    Ok(())
}

fn keep(conn: &Connection, number: u64, document: &str) -> Result<(), Error> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO lead_orders (number, bytes, document) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![number as i64, document.len() as i64, document])?;
    Ok(())
}

/// Drops the orders kept for an input's leads (the input's journal entry is dropped).
pub(super) fn drop_input(tx: &Transaction, input: i64) -> Result<(), Error> {
    tx.execute(
        "DELETE FROM lead_orders WHERE number IN (SELECT number FROM leads WHERE input = ?1)",
        params![input],
    )?;
    Ok(())
}

impl Ledger {
    /// From now on, keeps the order of each long lead journalled, written with `layout` (its
    /// `[mapping]`: the schema version is only the document's, not the order's).
    pub fn keep_orders(&mut self, layout: Layout) {
        self.orders = Some(layout);
    }

    /// The orders of the leads 1C has not confirmed, oldest first, while `fits` takes each
    /// one's size in bytes; the first it refuses ends the walk, and the rest waits for the
    /// next query. A lead with no order kept is rendered with `layout`, and a long one's order
    /// is kept for the next query.
    pub fn unconfirmed_orders(
        &mut self,
        layout: &Layout,
        mut fits: impl FnMut(usize) -> bool,
    ) -> Result<Vec<Offer>, Error> {
        let mut offers = Vec::new();
        let mut to_keep = Vec::new();
        let mut unkept_read = 0;
        {
            let mut walk = self.conn.prepare_cached(OFFERABLE)?;
            let mut rows = walk.query([])?;
            while let Some(row) = rows.next()? {
                let number = row.get::<_, i64>(0)? as u64;
                let received: String = row.get(1)?;
                let received_at =
                    NaiveDateTime::parse_from_str(&received, TIME).unwrap_or_default();
                let document = match row.get::<_, Option<i64>>(2)? {
                    Some(bytes) => {
                        if !fits(bytes as usize) {
                            break;
                        }
                        let Some(document) = kept(&self.conn, number)? else {
                            continue;
                        };
                        document
                    }
                    None => {
                        if unkept_read > UNKEPT_READ && !offers.is_empty() {
                            break;
                        }
                        let Some((lead, own)) = lead_at(&self.conn, number)? else {
                            continue;
                        };
                        unkept_read += own;
                        let document = order_of(&lead, number, layout);
                        if own > KEPT_ABOVE {
                            to_keep.push((number, document.clone()));
                        }
                        if !fits(document.len()) {
                            break;
                        }
                        document
                    }
                };
                offers.push(Offer {
                    number,
                    received_at,
                    document,
                });
            }
        }
        // Written once the walk is over: SQLite leaves a walk over a table changed under it
        // undefined.
        if !to_keep.is_empty() {
            let tx = self.conn.transaction()?;
            for (number, document) in &to_keep {
                keep(&tx, *number, document)?;
            }
            tx.commit()?;
        }
        Ok(offers)
    }
}

fn kept(conn: &Connection, number: u64) -> Result<Option<String>, Error> {
    conn.prepare_cached("SELECT document FROM lead_orders WHERE number = ?1")?
        .query_row(params![number as i64], |row| row.get(0))
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk never sorts: a sort reads every waiting lead before the first row, which made
    /// a query cost the whole backlog (issue 17, point 5).
    #[test]
    fn the_walk_over_the_queue_reads_in_index_order_without_sorting() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        let mut plan = ledger
            .conn
            .prepare(&format!("EXPLAIN QUERY PLAN {OFFERABLE}"))
            .unwrap();
        let steps: Vec<String> = plan
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            steps.iter().all(|step| !step.contains("TEMP B-TREE")),
            "{steps:#?}"
        );
        assert!(
            steps
                .iter()
                .filter(|step| step.contains("USING INDEX leads_queue"))
                .count()
                == 2,
            "{steps:#?}"
        );
    }
}
