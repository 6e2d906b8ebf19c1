//! What 1C's `query` reads from the queue: the CommerceML `<Документ>` of each lead it may be
//! offered, oldest first, no further than the answer's size limit. A query must cost what it
//! returns, not what waits: the walk never sorts the backlog, reads one lead at a time and stops
//! at the first order that does not fit, and a lead is kept as its order carries it (a megabyte
//! of customData, of which 1C gets one `Значение` of 1,000 characters per key, is kept as
//! those; see [`commerceml::as_ordered`]).

use chrono::NaiveDateTime;
use rusqlite::params;

use super::queue::{kept_text, lead_at, received_at};
use super::{Error, Ledger};
use crate::format::Layout;
use crate::format::commerceml::{self, Order};

/// Long leads that one query reads at most (their text, in bytes), once it has an order to
/// give: a ledger of an older bachata1c keeps leads whole; each is cut as a query reads it, a
/// bounded number per query.
const UNCUT_READ: usize = 32 * 1024 * 1024;

/// The leads 1C may be offered, in number order: those waiting, and those offered before whose
/// offer is stale at `?1` (Unix seconds) — a fresh offer belongs to the session that received
/// it, so two 1C sessions at once never get the same lead. Two halves, each walking the
/// `leads_queue` index in number order, merged by SQLite as it steps: a single
/// `state IN (…) ORDER BY` sorts the whole backlog before the first row (tested below).
const OFFERABLE: &str = "
SELECT number, received_at FROM (
    SELECT l.number AS number, q.received_at AS received_at
    FROM leads l JOIN inputs i ON i.id = l.input JOIN queued_inputs q ON q.input = l.input
    WHERE l.state = 'waiting' AND i.outcome = 'converted'
    UNION ALL
    SELECT l.number, q.received_at
    FROM leads l JOIN inputs i ON i.id = l.input JOIN queued_inputs q ON q.input = l.input
    WHERE l.state = 'offered' AND l.offer_until <= ?1 AND i.outcome = 'converted'
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

impl Ledger {
    /// The orders of the leads 1C may be offered at `now` (Unix seconds; see [`OFFERABLE`]),
    /// oldest first, written with `layout`, while `fits` takes each one's size in bytes: the
    /// first it refuses ends the walk, and the rest waits for the next query. A lead kept whole
    /// by an older bachata1c is cut now.
    pub fn unconfirmed_orders(
        &mut self,
        layout: &Layout,
        now: i64,
        mut fits: impl FnMut(usize) -> bool,
    ) -> Result<Vec<Offer>, Error> {
        let mut offers = Vec::new();
        let mut to_cut = Vec::new();
        let mut uncut_read = 0;
        {
            let mut walk = self.conn.prepare_cached(OFFERABLE)?;
            let mut rows = walk.query(params![now])?;
            while let Some(row) = rows.next()? {
                if uncut_read > UNCUT_READ && !offers.is_empty() {
                    break;
                }
                let number = row.get::<_, i64>(0)? as u64;
                let received: String = row.get(1)?;
                let Some((lead, text)) = lead_at(&self.conn, number)? else {
                    continue;
                };
                if let Some(cut) = commerceml::as_ordered(&lead) {
                    uncut_read += text.len();
                    to_cut.push((number, cut));
                }
                let document = commerceml::order_xml(
                    &Order {
                        lead: &lead,
                        number,
                    },
                    layout,
                );
                if !fits(document.len()) {
                    break;
                }
                offers.push(Offer {
                    number,
                    received_at: received_at(1, &received)?,
                    document,
                });
            }
        }
        // Written once the walk is over: SQLite leaves a walk over a table changed under it
        // undefined.
        if !to_cut.is_empty() {
            let tx = self.conn.transaction()?;
            {
                let mut update =
                    tx.prepare_cached("UPDATE leads SET lead = ?2 WHERE number = ?1")?;
                for (number, cut) in &to_cut {
                    update.execute(params![*number as i64, kept_text(cut)?])?;
                }
            }
            tx.commit()?;
        }
        Ok(offers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Format;
    use crate::lead::{self, Lead};
    use crate::ledger::{Entry, Journalled};

    fn lead(client: &str, notes: &str) -> Lead {
        let name = "Иван Петров".to_string();
        Lead {
            id: lead::stable_id(client, ""),
            event: "dialog_completed".into(),
            client_id: client.into(),
            search_id: "1/1".into(),
            login: String::new(),
            full_name: lead::split_full_name(&name),
            name,
            phone: "+79165551234".into(),
            phone_raw: "8 916 555-12-34".into(),
            phone_valid: true,
            email: String::new(),
            dialog_id: "d1".into(),
            custom_data: [("notes", notes), ("VIN", "X")].into_iter().collect(),
            source_file: "hook.json".into(),
            received_at: NaiveDateTime::default(),
        }
    }

    /// A ledger with `leads` converted from one input.
    fn ledger_with(dir: &std::path::Path, leads: Vec<Lead>) -> Ledger {
        let mut ledger = Ledger::open(&dir.join("l.sqlite")).unwrap();
        let entry = Entry {
            hash: "h1".into(),
            name: "hook.json".into(),
            outputs: vec!["out.csv".into()],
            exported: leads.len(),
            leads,
            ..Entry::default()
        };
        let Journalled::New(id) = ledger
            .begin_publishing("w1", &[&entry], |_| Ok::<(), ()>(()))
            .unwrap()[0]
        else {
            panic!("journalled before");
        };
        ledger.finish("w1", &[id], &[], &[]).unwrap();
        ledger
    }

    /// A lead is kept as its order carries it, and gives the same order as the whole lead. One
    /// kept whole by an older bachata1c gives that order too, and is cut once a query read it.
    #[test]
    fn a_long_lead_is_kept_as_its_order_carries_it_and_an_older_ledgers_is_cut_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let notes = "заметка ".repeat(2000);
        let whole = lead("c1", &notes);
        let mut ledger = ledger_with(dir.path(), vec![whole.clone(), lead("c2", "коротко")]);
        let layout = Layout::new(Format::Commerceml);
        let text = |ledger: &Ledger| -> i64 {
            ledger
                .conn
                .query_row("SELECT length(lead) FROM leads WHERE number = 1", [], |r| {
                    r.get(0)
                })
                .unwrap()
        };
        assert!(text(&ledger) < 1500, "{}", text(&ledger));
        let kept = ledger.unconfirmed_orders(&layout, 0, |_| true).unwrap();
        assert_eq!(kept.len(), 2);
        let expected = commerceml::order_xml(
            &Order {
                lead: &whole,
                number: 1,
            },
            &layout,
        );
        assert_eq!(kept[0].document, expected);

        ledger
            .conn
            .execute(
                "UPDATE leads SET lead = ?1 WHERE number = 1",
                [super::super::queue::whole_text(&whole)],
            )
            .unwrap();
        assert!(text(&ledger) > 16_000);
        assert_eq!(
            ledger.unconfirmed_orders(&layout, 0, |_| true).unwrap(),
            kept
        );
        assert!(text(&ledger) < 1500, "cut once read");
        // The walk stops at the first order refused.
        let mut asked = 0;
        let first = ledger
            .unconfirmed_orders(&layout, 0, |_| {
                asked += 1;
                asked == 1
            })
            .unwrap();
        assert_eq!((first.len(), asked), (1, 2));
    }

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
            .query_map(params![0], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            steps.iter().all(|step| !step.contains("TEMP B-TREE")),
            "{steps:#?}"
        );
        assert_eq!(
            steps
                .iter()
                .filter(|step| step.contains("USING INDEX leads_queue"))
                .count(),
            2,
            "{steps:#?}"
        );
    }
}
