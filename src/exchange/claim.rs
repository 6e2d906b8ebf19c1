//! Claiming inbox files: each worker renames the files it takes into its own folder in the
//! inbox's work area, named `<host>_<pid>_<start>`, so a rename that succeeds means the file is
//! ours alone, on one machine or many sharing a folder. A `lease` file in that folder is
//! rewritten while the worker lives; a worker whose lease is old (or, on our own machine,
//! whose process is gone) is dead, and its files are taken back.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::folders::{self, Folders};
use crate::fsx;

const LEASE: &str = ".lease";

pub struct Claim {
    pub id: String,
    pub dir: PathBuf,
    inbox: PathBuf,
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
    pub fn start(folders: &Folders) -> fsx::Result<Claim> {
        let start = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let id = format!("{}_{}_{:x}", host(), std::process::id(), start);
        let dir = folders.work_root().join(&id);
        fsx::create_dir_all(&dir)?;
        let claim = Claim {
            id,
            dir,
            inbox: folders.inbox.clone(),
        };
        claim.renew()?;
        Ok(claim)
    }

    /// Rewrites the lease: its modification time, set by the file system holding the inbox,
    /// says «alive» to every machine without comparing their clocks.
    pub fn renew(&self) -> fsx::Result<()> {
        let path = self.dir.join(LEASE);
        fs::write(&path, self.id.as_bytes()).map_err(|source| fsx::Error {
            action: "renew the claim lease",
            path,
            source,
        })
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Renames `inbox/name` into this worker's folder.
    pub fn take(&self, name: &str) -> Result<PathBuf, Result<Missed, io::Error>> {
        let target = self.path(name);
        match fs::rename(self.inbox.join(name), &target) {
            Ok(()) => Ok(target),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(Ok(Missed::Gone)),
            Err(err) if is_sharing_violation(&err) => Err(Ok(Missed::Busy)),
            Err(err) => Err(Err(err)),
        }
    }

    /// Puts a claimed file back into the inbox (not ready yet, or not published).
    pub fn give_back(&self, name: &str) -> io::Result<PathBuf> {
        folders::move_into(&self.path(name), &self.inbox, name)
    }

    /// Removes the (empty) worker folder at a clean exit.
    pub fn finish(&self) {
        let _ = fs::remove_file(self.dir.join(LEASE));
        let _ = fs::remove_dir(&self.dir);
    }

    /// The other workers' folders that are dead: their process is gone (same machine), or their
    /// lease was not renewed for `lease` as the shared file system's clock counts.
    pub fn dead_workers(&self, folders: &Folders, lease: Duration) -> Vec<String> {
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
            let process_gone = worker_host == Some(my_host.as_str())
                && pid.and_then(|p| p.parse().ok()).and_then(process_alive) == Some(false);
            let expired = lease_time(&entry.path())
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= lease);
            if process_gone || expired {
                dead.push(id);
            }
        }
        dead
    }
}

/// When a worker folder's lease was last renewed (the folder's own time if it has none yet).
fn lease_time(dir: &Path) -> Option<SystemTime> {
    fs::metadata(dir.join(LEASE))
        .or_else(|_| fs::metadata(dir))
        .and_then(|m| m.modified())
        .ok()
}

/// Whether a process of this machine is running; `None` where we cannot tell.
fn process_alive(pid: u32) -> Option<bool> {
    if cfg!(target_os = "linux") {
        // A killed process stays a zombie ("Z") until reaped: it no longer works.
        match fs::read_to_string(format!("/proc/{pid}/stat")) {
            Ok(stat) => Some(
                stat.rsplit(')')
                    .next()
                    .is_some_and(|rest| !rest.trim_start().starts_with(['Z', 'X'])),
            ),
            Err(_) => Some(false),
        }
    } else {
        None
    }
}

/// Windows refuses to rename a file another process has open without FILE_SHARE_DELETE:
/// ERROR_SHARING_VIOLATION (32) or ERROR_LOCK_VIOLATION (33). That means «still being
/// written», not a failure.
fn is_sharing_violation(err: &io::Error) -> bool {
    cfg!(windows) && matches!(err.raw_os_error(), Some(32 | 33))
}
