//! The one way every command publishes a file: written under a name no reader takes (a hidden
//! temporary name beside its target, or a plain name in a staging folder on the target's
//! volume), made durable, then renamed into place — the rename is the commit point, so a
//! reader sees the old file or the whole new one and never a part — and the target folder is
//! made durable. A batch of files pays for durability once: on Linux one `syncfs` of the file
//! system (per-file fsyncs each force a journal commit and cost more than converting the
//! file); elsewhere their fsyncs run concurrently, which the file system commits together. A
//! single file (a webhook saved by `serve`, a config) is fsynced alone, so that concurrent
//! saves never wait for each other's whole file system.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::{Error, Result, context, sync_dir, temporary_name};

/// Files written and waiting to be published into one folder.
#[derive(Debug)]
pub struct Staging {
    /// Where the files are written before they are published.
    dir: PathBuf,
    target: PathBuf,
    /// Beside the target, each file is written under its hidden temporary name; in a staging
    /// folder of its own, under its own name (which recovery looks for).
    hidden_names: bool,
    /// Written since the last `sync`.
    unsynced: Vec<File>,
}

/// From this many files on, a batch is made durable with one `syncfs` on Linux.
#[cfg(target_os = "linux")]
const SYNCFS_FROM: usize = 2;

/// How many fsyncs are kept in flight. They mostly wait on the disk, not on a core.
#[cfg(not(target_os = "linux"))]
const SYNC_THREADS: usize = 16;

impl Staging {
    /// Files written under hidden temporary names in `target` itself.
    pub fn beside(target: &Path) -> Staging {
        Staging {
            dir: target.to_path_buf(),
            target: target.to_path_buf(),
            hidden_names: true,
            unsynced: Vec::new(),
        }
    }

    /// Files written under their own names in `dir`, a folder on `target`'s volume (so that
    /// publishing is a rename); created if missing.
    pub fn in_folder(dir: &Path, target: &Path) -> Result<Staging> {
        super::create_dir_all(dir)?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            target: target.to_path_buf(),
            hidden_names: false,
            unsynced: Vec::new(),
        })
    }

    /// Where `name` is written before it is published.
    pub fn staged(&self, name: &str) -> PathBuf {
        if self.hidden_names {
            self.dir.join(temporary_name(name))
        } else {
            self.dir.join(name)
        }
    }

    /// How a failed write and a failed publish are worded, as the administrator knows each:
    /// the exchange folder writes and publishes outputs; a file beside its target (a converted
    /// file, a saved webhook, a config) is written and renamed into place.
    fn words(&self) -> (&'static str, &'static str) {
        if self.hidden_names {
            ("write", "rename into place")
        } else {
            ("write the output", "publish the output")
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes one file; `sync` makes it durable. A partial file is removed, so that it never
    /// looks published.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.staged(name);
        match File::create(&path).and_then(|mut file| file.write_all(bytes).map(|()| file)) {
            Ok(file) => {
                self.unsynced.push(file);
                Ok(())
            }
            Err(source) => {
                let _ = fs::remove_file(&path);
                Err(Error {
                    action: self.words().0,
                    path,
                    source,
                })
            }
        }
    }

    /// Makes the files written so far, and their names, durable.
    pub fn sync(&mut self) -> Result<()> {
        let files = std::mem::take(&mut self.unsynced);
        let whole_file_system = match files.len() {
            0 => return Ok(()),
            1 => files[0].sync_all().map(|()| false),
            _ => sync_many(&self.dir, &files),
        }
        .map_err(|source| Error {
            action: "make durable the files written in",
            path: self.dir.clone(),
            source,
        })?;
        // In a staging folder the names count too: recovery reads them.
        if !self.hidden_names && !whole_file_system {
            sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Renames a durable file into the target folder, replacing a file of the same name.
    pub fn publish(&self, name: &str) -> Result<PathBuf> {
        let target = self.target.join(name);
        context(
            self.words().1,
            &target,
            fs::rename(self.staged(name), &target),
        )?;
        Ok(target)
    }

    /// Removes a written file that will not be published.
    pub fn discard(&self, name: &str) {
        let _ = fs::remove_file(self.staged(name));
    }

    /// Makes the published names durable: once per batch.
    pub fn sync_target(&self) -> Result<()> {
        sync_dir(&self.target)
    }

    /// Makes the staging folder again when it was removed under us.
    pub fn restore(&self) -> Result<()> {
        super::create_dir_all(&self.dir)
    }

    /// Removes the (empty) staging folder at a clean exit.
    pub fn remove(&self) {
        if !self.hidden_names {
            let _ = fs::remove_dir(&self.dir);
        }
    }
}

/// Makes `files` durable; true when that was done for the whole file system (names included).
#[cfg(target_os = "linux")]
fn sync_many(dir: &Path, files: &[File]) -> io::Result<bool> {
    if files.len() < SYNCFS_FROM {
        return files.iter().try_for_each(File::sync_all).map(|()| false);
    }
    let dir = File::open(dir)?;
    rustix::fs::syncfs(&dir).map_err(io::Error::from)?;
    Ok(true)
}

#[cfg(not(target_os = "linux"))]
fn sync_many(_dir: &Path, files: &[File]) -> io::Result<bool> {
    let per_thread = files.len().div_ceil(SYNC_THREADS).max(1);
    std::thread::scope(|scope| {
        let syncs: Vec<_> = files
            .chunks(per_thread)
            .map(|chunk| scope.spawn(move || chunk.iter().try_for_each(File::sync_all)))
            .collect();
        syncs
            .into_iter()
            .try_for_each(|sync| sync.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
    })
    .map(|()| false)
}

/// Writes `bytes` to `dir/name` so that a reader sees either the old file or the whole new one,
/// and the new one survives a power cut once this returns.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let mut staging = Staging::beside(dir);
    staging.write(name, bytes)?;
    let published = staging.sync().and_then(|()| staging.publish(name));
    if published.is_err() {
        staging.discard(name);
    }
    let published = published?;
    staging.sync_target()?;
    Ok(published)
}
