//! Where received bodies go: a readable webhook into the inbox, an unreadable one into failed/
//! beside a `.reason.txt`, each under a unique name carrying the time of arrival, written
//! atomically and durably (hidden `.tmp` name, fsync, rename, folder fsync) before the answer.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use crate::exchange::filing::reason_name;
use crate::files;

/// The two folders `serve` may write into; it writes nowhere else.
#[derive(Debug)]
pub struct Store {
    inbox: PathBuf,
    failed: PathBuf,
    counter: AtomicU64,
}

impl Store {
    pub fn new(inbox: PathBuf, failed: PathBuf) -> Store {
        Store {
            inbox,
            failed,
            counter: AtomicU64::new(0),
        }
    }

    pub fn inbox(&self) -> &Path {
        &self.inbox
    }

    pub fn failed(&self) -> &Path {
        &self.failed
    }

    /// Creates failed/ if missing (the inbox must be there: a mistyped folder is refused
    /// before), and removes the temporary files a killed `serve` left half-written. Returns how
    /// many it removed.
    pub fn prepare(&self) -> files::Result<usize> {
        files::create_dir_all(&self.failed)?;
        Ok(files::remove_stale_temporaries(&self.inbox, STALE_AFTER)
            + files::remove_stale_temporaries(&self.failed, STALE_AFTER))
    }

    /// `webhook-20261127T101503.123Z-000042-9f3a1c2b.json`: UTC time to the millisecond so that
    /// name order is arrival order, then a per-process counter for order within a millisecond,
    /// then random digits so that two processes (or a restart within the same millisecond)
    /// never pick the same name. Only our own characters: nothing from the request.
    pub fn unique_name(&self, now: DateTime<Utc>) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed) % 1_000_000;
        let random = &uuid::Uuid::new_v4().simple().to_string()[..8];
        format!(
            "webhook-{}-{count:06}-{random}.json",
            now.format("%Y%m%dT%H%M%S%.3fZ")
        )
    }

    /// Saves a readable body in the inbox; returns its file name once it is durable.
    pub fn save_webhook(&self, body: &[u8], now: DateTime<Utc>) -> files::Result<String> {
        let name = self.unique_name(now);
        files::write_atomic(&self.inbox, &name, body)?;
        Ok(name)
    }

    /// Keeps an unreadable body in failed/ so a human can still recover the lead. The reason is
    /// written first, so the body never sits in failed/ without it.
    pub fn save_refused(
        &self,
        body: &[u8],
        reason: &str,
        now: DateTime<Utc>,
    ) -> files::Result<String> {
        let name = self.unique_name(now);
        files::write_atomic(&self.failed, &reason_name(&name), reason.as_bytes())?;
        files::write_atomic(&self.failed, &name, body)?;
        Ok(name)
    }

    /// Whether a webhook could be saved in the inbox now (for `GET /health`): the same steps
    /// as a save, with a body's worth of data made durable, so a full disk (where creating an
    /// empty file still works) or a read-only folder shows. The probe is a hidden `.tmp` file,
    /// which no inbox scan takes, removed at once.
    pub fn probe_inbox(&self) -> files::Result<()> {
        let probe = self
            .inbox
            .join(files::temporary_name("bachata1c-health-probe"));
        // Not published: written only to see that it can be, and removed at once.
        let written = std::fs::File::create(&probe).and_then(|mut file| {
            std::io::Write::write_all(&mut file, &[b' '; PROBE_BYTES])?;
            file.sync_all()
        });
        let _ = std::fs::remove_file(&probe);
        written.map_err(|source| files::Error {
            action: "save a webhook in",
            path: self.inbox.clone(),
            source,
        })
    }
}

/// A typical webhook's size: what the health probe writes.
const PROBE_BYTES: usize = 4096;

/// A temporary file of a writer that is gone, or this old, is left from a crash.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(600);

/// ENOSPC or a full quota: the answer is 507 Insufficient Storage rather than 503.
pub fn is_disk_full(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_ordered_and_not_hidden() {
        let store = Store::new(PathBuf::from("in"), PathBuf::from("failed"));
        let now = DateTime::parse_from_rfc3339("2026-11-27T10:15:03.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = store.unique_name(now);
        let b = store.unique_name(now);
        assert!(a.starts_with("webhook-20261127T101503.123Z-000000-"), "{a}");
        assert!(a.ends_with(".json") && !a.starts_with('.'));
        assert!(a < b, "{a} {b}");
    }

    #[test]
    fn saved_bodies_are_whole_and_leave_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("inbox"), dir.path().join("failed"));
        std::fs::create_dir(dir.path().join("inbox")).unwrap();
        store.prepare().unwrap();
        let name = store.save_webhook(b"{\"clients\":[]}", Utc::now()).unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("inbox").join(&name)).unwrap(),
            b"{\"clients\":[]}"
        );
        let refused = store.save_refused(b"nope", "why", Utc::now()).unwrap();
        let failed = dir.path().join("failed");
        assert_eq!(std::fs::read(failed.join(&refused)).unwrap(), b"nope");
        assert_eq!(
            std::fs::read(failed.join(reason_name(&refused))).unwrap(),
            b"why"
        );
        assert_eq!(files::read_dir(&dir.path().join("inbox")).unwrap().len(), 1);
        assert_eq!(files::read_dir(&failed).unwrap().len(), 2);
        store.probe_inbox().unwrap();
        assert_eq!(files::read_dir(&dir.path().join("inbox")).unwrap().len(), 1);
    }

    #[test]
    fn a_missing_inbox_fails_the_probe_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("nope"), dir.path().join("failed"));
        let err = store.probe_inbox().unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }
}
