//! The files 1C uploads (`mode=file`): written to the state folder's `uploads/` as their parts
//! arrive, never held in memory, and bounded: a session may send at most [`SESSION_LIMIT`]
//! bytes, and all sessions together may hold at most [`TOTAL_LIMIT`] bytes on disk. A file
//! goes when it has been read, when its session ends, and, left by a process that is gone, when
//! `serve` starts.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::Failure;
use crate::files;

/// The most one session may upload: 1C's report on its orders is about 1.5 KiB an order, so
/// this is some 40,000 orders changed between two exchanges.
pub const SESSION_LIMIT: u64 = 64 * 1024 * 1024;

/// The most every session's uploads together may hold on disk at once.
pub const TOTAL_LIMIT: u64 = 256 * 1024 * 1024;

/// The uploads of one `serve`: where they go and how many bytes they hold.
#[derive(Debug)]
pub struct Uploads {
    folder: PathBuf,
    held: Arc<AtomicU64>,
}

impl Uploads {
    pub fn new(folder: PathBuf) -> Uploads {
        Uploads {
            folder,
            held: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Removes the uploads a `serve` that is gone left behind (killed, or the machine lost
    /// power): those of a process no longer running, or of this one's process id (an earlier
    /// process's, since this one has none yet), or, where that cannot be told, untouched for
    /// longer than a session lives. Returns how many.
    pub fn remove_stale(&self, session_timeout: Duration) -> usize {
        let Ok(entries) = fs::read_dir(&self.folder) else {
            return 0;
        };
        let mut removed = 0;
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(writer) else {
                continue;
            };
            let stale = pid == std::process::id()
                || match files::process_alive(pid) {
                    Some(alive) => !alive,
                    None => entry
                        .metadata()
                        .and_then(|m| m.modified())
                        .ok()
                        .and_then(|t| t.elapsed().ok())
                        .is_some_and(|idle| idle >= session_timeout),
                };
            if stale && fs::remove_file(entry.path()).is_ok() {
                removed += 1;
            }
        }
        removed
    }

    /// A new, empty upload file.
    pub fn create(&self) -> io::Result<Arc<Upload>> {
        fs::create_dir_all(&self.folder)?;
        let name = format!(
            "{}-{}.upload",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        let path = self.folder.join(name);
        // Not published: 1C's upload is appended to as its parts arrive, read when 1C asks
        // for it to be taken, and removed once read or with its session (module docs).
        File::create_new(&path)?;
        Ok(Arc::new(Upload {
            path,
            bytes: AtomicU64::new(0),
            held: self.held.clone(),
        }))
    }

    /// Bytes the uploads hold on disk now.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::SeqCst)
    }
}

/// The process that wrote an upload: `<pid>-<random>.upload`.
fn writer(name: &str) -> Option<u32> {
    name.strip_suffix(".upload")?
        .split_once('-')?
        .0
        .parse()
        .ok()
}

/// One file 1C uploads, in the parts it arrived in so far; removed from the disk when the last
/// holder lets it go (its session, and a part being written).
#[derive(Debug)]
pub struct Upload {
    path: PathBuf,
    bytes: AtomicU64,
    held: Arc<AtomicU64>,
}

impl Upload {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its size so far.
    pub fn len(&self) -> u64 {
        self.bytes.load(Ordering::SeqCst)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        self.held
            .fetch_sub(self.bytes.load(Ordering::SeqCst), Ordering::SeqCst);
    }
}

/// One part of an upload as it is received: appended to the file, each byte counted against
/// the session's and the total's bound as it is written, so that both hold at every moment
/// whatever else is uploaded meanwhile. A part not finished (refused, or the client hung up)
/// is taken back out of the file: the file stays as its earlier parts left it.
#[derive(Debug)]
pub struct Part {
    /// Before `upload`: fields drop in order, and the file is closed before it may be removed.
    file: File,
    upload: Arc<Upload>,
    /// What the session has sent so far, this part included.
    session: Arc<AtomicU64>,
    written: u64,
    finished: bool,
}

impl Part {
    /// A part to append to `upload` for a session that has sent `session` bytes.
    pub fn new(upload: Arc<Upload>, session: Arc<AtomicU64>) -> io::Result<Part> {
        // Written at its end, not opened to append: a handle opened to append may not
        // truncate on Windows, and an unfinished part is cut off again.
        // Not published: see `Uploads::create`.
        let mut file = OpenOptions::new().write(true).open(&upload.path)?;
        file.seek(SeekFrom::End(0))?;
        Ok(Part {
            upload,
            file,
            session,
            written: 0,
            finished: false,
        })
    }

    /// Whether `bytes` more would pass a bound: the reason, as 1C is told it.
    pub fn refuses(&self, bytes: u64) -> Option<Failure> {
        bound_passed(
            self.session.load(Ordering::SeqCst) + bytes,
            self.upload.held.load(Ordering::SeqCst) + bytes,
        )
    }

    /// Appends `data`; the reason when a bound would be passed or the disk refuses. After an
    /// error the part is to be dropped.
    pub fn write(&mut self, data: &[u8]) -> Result<(), Failure> {
        let n = data.len() as u64;
        // Counted before the write, so that a part written at the same time by another
        // session sees these bytes; taken back with the part when it is not finished.
        let session = self.session.fetch_add(n, Ordering::SeqCst) + n;
        let held = self.upload.held.fetch_add(n, Ordering::SeqCst) + n;
        self.upload.bytes.fetch_add(n, Ordering::SeqCst);
        self.written += n;
        if let Some(reason) = bound_passed(session, held) {
            return Err(reason);
        }
        self.file.write_all(data).map_err(|err| {
            format!(
                "the upload could not be written to {}: {err}",
                self.upload.path.display()
            )
        })
    }

    /// The part is whole: returns the upload it went into and its length.
    pub fn finish(mut self) -> (Arc<Upload>, u64) {
        self.finished = true;
        (self.upload.clone(), self.written)
    }
}

/// The bound that `session` bytes sent in one session, or `held` bytes held by every upload,
/// would pass.
fn bound_passed(session: u64, held: u64) -> Option<Failure> {
    if session > SESSION_LIMIT {
        Some(format!(
            "more than {} MiB uploaded in one session, more than any report on orders",
            SESSION_LIMIT >> 20
        ))
    } else if held > TOTAL_LIMIT {
        Some(format!(
            "the uploads in progress would hold more than {} MiB, the most bachata1c keeps; try again later",
            TOTAL_LIMIT >> 20
        ))
    } else {
        None
    }
}

impl Drop for Part {
    fn drop(&mut self) {
        if self.finished || self.written == 0 {
            return;
        }
        let kept = self.upload.len() - self.written;
        let _ = self.file.set_len(kept);
        self.upload.bytes.fetch_sub(self.written, Ordering::SeqCst);
        self.upload.held.fetch_sub(self.written, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_appended_counted_and_taken_back_when_unfinished() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path().join("uploads"));
        let session = Arc::new(AtomicU64::new(0));
        let mut part = Part::new(uploads.create().unwrap(), session.clone()).unwrap();
        part.write(b"<a>").unwrap();
        let (upload, bytes) = part.finish();
        assert_eq!(bytes, 3);
        let mut part = Part::new(upload.clone(), session.clone()).unwrap();
        part.write(b"</a").unwrap();
        drop(part);
        assert_eq!(fs::read(upload.path()).unwrap(), b"<a>");
        assert_eq!((upload.len(), uploads.held()), (3, 3));
        let path = upload.path().to_path_buf();
        drop(upload);
        assert!(!path.exists());
        assert_eq!(uploads.held(), 0);
    }

    #[test]
    fn a_session_past_its_bound_is_refused_and_its_part_taken_back() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path().to_path_buf());
        let session = Arc::new(AtomicU64::new(SESSION_LIMIT - 2));
        let upload = uploads.create().unwrap();
        let mut part = Part::new(upload.clone(), session.clone()).unwrap();
        part.write(b"ab").unwrap();
        let err = part.write(b"c").unwrap_err();
        assert!(err.contains("one session"), "{err}");
        assert!(part.refuses(1).is_some());
        drop(part);
        assert_eq!((upload.len(), uploads.held()), (0, 0));
        assert!(fs::read(upload.path()).unwrap().is_empty());
    }

    #[test]
    fn every_sessions_uploads_together_are_bounded_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path().to_path_buf());
        // Other sessions' uploads hold all but one byte.
        uploads.held.store(TOTAL_LIMIT - 1, Ordering::SeqCst);
        let fresh = Arc::new(AtomicU64::new(0));
        let mut part = Part::new(uploads.create().unwrap(), fresh).unwrap();
        assert!(part.refuses(2).is_some());
        let err = part.write(b"ab").unwrap_err();
        assert!(err.contains("try again later"), "{err}");
        drop(part);
        assert_eq!(uploads.held(), TOTAL_LIMIT - 1);
    }

    #[test]
    fn uploads_of_a_process_that_is_gone_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let uploads = Uploads::new(dir.path().to_path_buf());
        let ours = uploads.create().unwrap();
        fs::write(dir.path().join("notes.txt"), "not ours").unwrap();
        // Our own process id on a file at start can only be an earlier process's.
        assert_eq!(uploads.remove_stale(Duration::from_secs(3600)), 1);
        assert!(!ours.path().exists());
        assert!(dir.path().join("notes.txt").exists());
        assert_eq!(writer("123-abc.upload"), Some(123));
        assert_eq!(writer("x-abc.upload"), None);
    }
}
