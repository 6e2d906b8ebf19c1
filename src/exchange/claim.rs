//! Claiming inbox files: each worker renames the files it takes into its own folder in the
//! inbox's work area, named `<host>_<pid>_<start>`, so a rename that succeeds means the file is
//! ours alone, on one machine or many sharing a folder. The worker holds an exclusive lock on
//! the `.lease` file in that folder and rewrites it while it lives. A worker of this machine is
//! dead when its lease can be locked (the system dropped the lock with the process) or, where
//! locks say nothing, when its process is gone; a worker of another machine when its lease is
//! also older than the lease time. Its files are then taken back.

use std::fs::{self, File, TryLockError};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::folders::{self, Folders};
use crate::files;

const LEASE: &str = ".lease";
pub const LEASE_NEW: &str = ".lease.new";

pub struct Claim {
    pub id: String,
    pub dir: PathBuf,
    inbox: PathBuf,
    /// Open and locked for the worker's life.
    lease: File,
}

/// A dead worker's folder, locked by us while we take its files back.
pub struct DeadWorker {
    pub id: String,
    _lock: Option<File>,
}

/// Why a file could not be claimed; neither is an error of the run.
pub enum Missed {
    /// Another worker took it first, or its writer removed it.
    Gone,
    /// Still open by its writer (Windows refuses the rename): not ready yet.
    Busy,
}

fn host() -> String {
    let host = gethostname::gethostname().to_string_lossy().into_owned();
    let clean: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        "host".to_string()
    } else {
        clean
    }
}

impl Claim {
    pub fn start(folders: &Folders) -> files::Result<Claim> {
        let start = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let id = format!("{}_{}_{:x}", host(), std::process::id(), start);
        let dir = folders.work_root().join(&id);
        let lease = new_lease(&dir)?;
        let claim = Claim {
            id,
            dir,
            inbox: folders.inbox.clone(),
            lease,
        };
        claim.renew()?;
        Ok(claim)
    }

    /// Makes the worker folder and its lease again when they were removed under us (the work
    /// area deleted by hand, or the inbox removed and created anew).
    pub fn restore(&mut self) -> files::Result<()> {
        if self.dir.join(LEASE).is_file() {
            return Ok(());
        }
        self.lease = new_lease(&self.dir)?;
        self.renew()
    }

    /// Rewrites the lease: its modification time, set by the file system holding the inbox,
    /// says «alive» to every machine without comparing their clocks.
    pub fn renew(&self) -> files::Result<()> {
        let mut lease = &self.lease;
        lease
            .seek(SeekFrom::Start(0))
            .and_then(|_| lease.write_all(self.id.as_bytes()))
            .map_err(|source| files::Error {
                action: "renew the claim lease",
                path: self.dir.join(LEASE),
                source,
            })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Renames `inbox/name` into this worker's folder.
    pub fn take(&self, name: &str) -> Result<PathBuf, Result<Missed, io::Error>> {
        let target = self.path(name);
        // A file of that name is in hand already (a new one arrived under the same name while
        // we list): never rename over it; the newcomer waits for the next scan.
        if target.symlink_metadata().is_ok() {
            return Err(Ok(Missed::Busy));
        }
        let source = self.inbox.join(name);
        match fs::rename(&source, &target) {
            Ok(()) => Ok(target),
            // The file is still there, so our worker folder is what is gone: an error of the
            // run (the next pass makes the folder again), never a silent «taken by another».
            Err(err)
                if err.kind() == io::ErrorKind::NotFound && source.symlink_metadata().is_ok() =>
            {
                Err(Err(io::Error::new(
                    io::ErrorKind::NotFound,
                    format!("the work folder {} is gone", self.dir.display()),
                )))
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(Ok(Missed::Gone)),
            Err(err) if crate::files::is_sharing_violation(&err) => Err(Ok(Missed::Busy)),
            Err(err) => Err(Err(err)),
        }
    }

    /// Puts a claimed file back into the inbox (not ready yet, or not published).
    pub fn give_back(&self, name: &str) -> io::Result<PathBuf> {
        folders::move_into(&self.path(name), &self.inbox, name)
    }

    /// Removes the (empty) worker folder at a clean exit.
    pub fn finish(self) {
        drop(self.lease);
        let _ = fs::remove_file(self.dir.join(LEASE));
        let _ = fs::remove_dir(&self.dir);
    }

    /// The other workers' folders that are dead: their process is gone (same machine), or their
    /// lease was not renewed for `lease` as the shared file system's clock counts.
    pub fn dead_workers(&self, folders: &Folders, lease: Duration) -> Vec<DeadWorker> {
        let now = lease_time(&self.dir).unwrap_or_else(SystemTime::now);
        let Ok(entries) = fs::read_dir(folders.work_root()) else {
            return Vec::new();
        };
        let my_host = host();
        let mut dead = Vec::new();
        for entry in entries.flatten() {
            let id = entry.file_name().to_string_lossy().into_owned();
            if id == self.id || !entry.path().is_dir() {
                continue;
            }
            let mut parts = id.rsplitn(3, '_');
            let (_start, pid, worker_host) = (parts.next(), parts.next(), parts.next());
            let same_host = worker_host == Some(my_host.as_str());
            let expired = lease_time(&entry.path())
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= lease);
            match lock_state(&entry.path().join(LEASE)) {
                Lock::Held => {}
                // On our machine a free lock is proof. Another machine's lock may be free to us
                // only because the share does not pass locks on (CIFS `nobrl`): its lease must
                // have run out too.
                Lock::Taken(file) if same_host || expired => dead.push(DeadWorker {
                    id,
                    _lock: Some(file),
                }),
                Lock::Taken(_) => {}
                Lock::Unknown => {
                    let process_gone = same_host
                        && pid
                            .and_then(|p| p.parse().ok())
                            .and_then(files::process_alive)
                            == Some(false);
                    if process_gone || expired {
                        dead.push(DeadWorker { id, _lock: None });
                    }
                }
            }
        }
        dead
    }
}

/// Creates the worker folder `dir` and its lease, locked for the worker's life. Locked under
/// another name first, so that no one sees a lease that is not locked yet (and takes it for a
/// dead worker's).
fn new_lease(dir: &Path) -> files::Result<File> {
    files::create_dir_all(dir)?;
    let new = dir.join(LEASE_NEW);
    let path = dir.join(LEASE);
    // Not published: a lease says «alive» by its time and its lock, not by what it holds;
    // it is written under a name of its own and renamed into place as it is locked.
    let lease = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&new)
        .and_then(|file| match file.try_lock() {
            Ok(()) => Ok(file),
            // Some network file systems have no locks: the lease time still works.
            Err(TryLockError::Error(err)) if err.kind() == io::ErrorKind::Unsupported => Ok(file),
            Err(TryLockError::Error(err)) => Err(err),
            Err(TryLockError::WouldBlock) => Err(io::Error::other("locked by another worker")),
        })
        .and_then(|file| fs::rename(&new, &path).map(|()| file))
        .map_err(|source| files::Error {
            action: "create the claim lease",
            path,
            source,
        })?;
    Ok(lease)
}

enum Lock {
    /// We got the lock: its holder is gone. Kept while its files are taken back.
    Taken(File),
    /// A live worker holds it (or another one is taking its files back).
    Held,
    /// No lease file yet, or no locks on this file system.
    Unknown,
}

fn lock_state(lease: &Path) -> Lock {
    // Not published: opened to be locked, not written.
    let Ok(file) = File::options().read(true).write(true).open(lease) else {
        return Lock::Unknown;
    };
    match file.try_lock() {
        Ok(()) => Lock::Taken(file),
        Err(TryLockError::WouldBlock) => Lock::Held,
        Err(TryLockError::Error(_)) => Lock::Unknown,
    }
}

/// When a worker folder's lease was last renewed (the folder's own time if it has none yet).
fn lease_time(dir: &Path) -> Option<SystemTime> {
    fs::metadata(dir.join(LEASE))
        .or_else(|_| fs::metadata(dir))
        .and_then(|m| m.modified())
        .ok()
}
