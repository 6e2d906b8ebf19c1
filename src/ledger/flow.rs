//! What a monitor reads from the ledger beside the queue's counts: the inputs by outcome, and
//! when the oldest lead 1C has not confirmed was received.

use chrono::NaiveDateTime;

use super::queue::received_at;
use super::{Error, Ledger};

impl Ledger {
    /// How many inputs have each outcome (`publishing` too, while a round is in hand).
    pub fn outcomes(&self) -> Result<Vec<(String, u64)>, Error> {
        let mut stmt = self
            .conn
            .prepare("SELECT outcome, COUNT(*) FROM inputs GROUP BY outcome ORDER BY outcome")?;
        stmt.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)? as u64)))?
            .collect()
    }

    /// When the oldest lead of a converted input that 1C has not confirmed (waiting, or offered
    /// and not confirmed) was received, in the server's local time; `None` when there is none.
    pub fn oldest_unconfirmed(&self) -> Result<Option<NaiveDateTime>, Error> {
        let oldest: Option<String> = self.conn.query_row(
            "SELECT MIN(q.received_at) FROM leads l JOIN inputs i ON i.id = l.input
               JOIN queued_inputs q ON q.input = l.input
             WHERE l.state IN ('waiting', 'offered') AND i.outcome = 'converted'",
            [],
            |row| row.get(0),
        )?;
        oldest.map(|text| received_at(0, &text)).transpose()
    }
}
