//! The ledger as support sees it, read without changing it (opened read-only, so a ledger that
//! is not there is not made): SQLite's version, the schema's version and tables, and the queue's
//! counts. Nothing of a lead.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{Error, Ledger, QueueTotals};

/// What [`describe`] found.
#[derive(Debug, Clone)]
pub struct Description {
    pub sqlite_version: &'static str,
    /// `PRAGMA user_version`.
    pub user_version: i64,
    /// The `CREATE` statements of its tables and indexes, as SQLite keeps them.
    pub schema: Vec<String>,
    pub queue: Option<QueueTotals>,
}

pub fn describe(path: &Path) -> Result<Description, Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let user_version = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let mut stmt = conn
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY type DESC, name")?;
    let schema = stmt
        .query_map([], |row| row.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    drop(stmt);
    // An older ledger may have no queue yet.
    let queue = Ledger { conn }.queue_totals().ok();
    Ok(Description {
        sqlite_version: rusqlite::version(),
        user_version,
        schema,
        queue,
    })
}
