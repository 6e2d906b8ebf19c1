//! The queue's numbers (`Номер`), handed out once and for good. Inside one ledger SQLite's
//! AUTOINCREMENT counter never goes back, even when a row is dropped. 1C finds its orders by
//! these numbers and keeps them when the ledger is lost, so the highest number is also kept
//! outside the ledger. The caller's `cover` raises that copy before any number above it is
//! handed out (see `crate::exchange::numbers`), and a new ledger continues above it.

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use super::{Error, Ledger};

/// What went wrong while numbers were handed out: the ledger itself, or keeping the highest
/// number outside it (the caller's error).
#[derive(Debug)]
pub enum NumberingError<E> {
    Ledger(Error),
    Mark(E),
}

impl<E> From<Error> for NumberingError<E> {
    fn from(err: Error) -> Self {
        NumberingError::Ledger(err)
    }
}

/// The highest number this ledger handed out: AUTOINCREMENT's counter, or a higher row.
fn last(conn: &Connection) -> Result<u64, Error> {
    let counter: i64 = conn
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'leads'",
            [],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let row: i64 = conn.query_row("SELECT IFNULL(MAX(number), 0) FROM leads", [], |row| {
        row.get(0)
    })?;
    Ok(counter.max(row).max(0) as u64)
}

/// Sets AUTOINCREMENT's counter: SQLite never hands out a number at or below it.
fn set_last(tx: &Transaction, last: u64) -> Result<(), Error> {
    let updated = tx.execute(
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'leads'",
        params![last as i64],
    )?;
    if updated == 0 {
        tx.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('leads', ?1)",
            params![last as i64],
        )?;
    }
    Ok(())
}

/// Takes `count` numbers after the last one, inside the caller's write transaction; `cover` is
/// told the highest of them first, so that it is kept outside the ledger before any is handed
/// out. Returns the first.
pub(super) fn take<E>(
    tx: &Transaction,
    count: usize,
    cover: &mut impl FnMut(u64) -> Result<(), E>,
) -> Result<u64, NumberingError<E>> {
    let last = last(tx)?;
    let highest = last + count as u64;
    cover(highest).map_err(NumberingError::Mark)?;
    set_last(tx, highest)?;
    Ok(last + 1)
}

impl Ledger {
    /// Sets aside `count` queue numbers for leads whose output is written before they are
    /// journalled (a CommerceML file carries them as `Номер`): the first of them, the others
    /// following. Numbers set aside by a worker that then stops are never handed out again, so
    /// a `Номер` 1C has seen always means one lead.
    pub fn reserve_numbers<E>(
        &mut self,
        count: usize,
        mut cover: impl FnMut(u64) -> Result<(), E>,
    ) -> Result<u64, NumberingError<E>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let first = take(&tx, count, &mut cover)?;
        tx.commit()?;
        Ok(first)
    }

    /// The highest number this ledger handed out (0: none yet).
    pub fn last_number(&self) -> Result<u64, Error> {
        last(&self.conn)
    }

    /// Whether the queue holds no lead at all (a new ledger, or one of before the queue).
    pub fn holds_no_lead(&self) -> Result<bool, Error> {
        self.conn
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM leads)", [], |row| {
                row.get(0)
            })
    }

    /// Under the ledger's write lock: makes the next number come after `floor` at least (a new
    /// ledger, or one put back from a backup, continues above every number handed out before),
    /// then hands the last number to `keep`, which keeps it outside the ledger. True when the
    /// numbers had to be raised.
    pub fn keep_numbers_above<E>(
        &mut self,
        floor: u64,
        keep: impl FnOnce(u64) -> Result<(), E>,
    ) -> Result<bool, NumberingError<E>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last = last(&tx)?;
        let raised = floor > last;
        if raised {
            set_last(&tx, floor)?;
        }
        keep(last.max(floor)).map_err(NumberingError::Mark)?;
        tx.commit()?;
        Ok(raised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_continue_above_a_floor_and_the_mark_is_raised_before_they_are_taken() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.sqlite")).unwrap();
        assert_eq!(ledger.last_number().unwrap(), 0);
        assert!(ledger.holds_no_lead().unwrap());
        let mut covered = Vec::new();
        let first = ledger
            .reserve_numbers(3, |highest| {
                covered.push(highest);
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!((first, covered.as_slice()), (1, &[3][..]));
        covered.clear();
        let mut keep = |last| {
            covered.push(last);
            Ok::<(), ()>(())
        };
        assert!(ledger.keep_numbers_above(41, &mut keep).unwrap());
        assert!(!ledger.keep_numbers_above(5, &mut keep).unwrap());
        assert_eq!(covered, [41, 41]);
        assert_eq!(ledger.reserve_numbers(2, |_| Ok::<(), ()>(())).unwrap(), 42);
        // A mark that cannot be raised hands out nothing.
        assert!(matches!(
            ledger.reserve_numbers(1, |_| Err("disk full")),
            Err(NumberingError::Mark("disk full"))
        ));
        assert_eq!(ledger.last_number().unwrap(), 43);
    }
}
