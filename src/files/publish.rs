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
use std::sync::Arc;

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

    /// Writes each of `files` and makes them all durable at once (one `sync`); each file's
    /// result, in order. A file that could not be written is removed; when they could not be
    /// made durable, every one written is removed and carries that error.
    pub fn write_all<'a>(
        &mut self,
        files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    ) -> Vec<std::result::Result<(), Arc<Error>>> {
        let mut written: Vec<(&str, std::result::Result<(), Arc<Error>>)> = files
            .into_iter()
            .map(|(name, bytes)| (name, self.write(name, bytes).map_err(Arc::new)))
            .collect();
        if let Err(err) = self.sync() {
            let err = Arc::new(err);
            for (name, result) in written.iter_mut().filter(|(_, result)| result.is_ok()) {
                self.discard(name);
                *result = Err(err.clone());
            }
        }
        written.into_iter().map(|(_, result)| result).collect()
    }

    /// The step every batch of durable files ends with (`convert`'s group of outputs, the
    /// exchange's round once journalled): each of `names` renamed into the target folder in
    /// order, then the target folder made durable once, when any was renamed. A name whose
    /// rename fails stays staged, for the caller to discard when it may: the exchange's
    /// recovery reads what is left in its staging folder. After a failure, `after_failure`
    /// says whether the rest are tried.
    pub fn publish_all(&self, names: &[&str], after_failure: AfterFailure) -> Published {
        let mut each = Vec::with_capacity(names.len());
        let mut failed = false;
        for name in names {
            if failed && after_failure == AfterFailure::Stop {
                each.push(None);
                continue;
            }
            let result = self.publish(name);
            match &result {
                Ok(_) => crate::test_hooks::crash_point("published-one"),
                Err(_) => failed = true,
            }
            each.push(Some(result));
        }
        let synced = if each.iter().any(|result| matches!(result, Some(Ok(_)))) {
            self.sync_target()
        } else {
            Ok(())
        };
        Published { each, synced }
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

/// What [`Staging::publish_all`] does after a name fails to be renamed into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Each file is published or not on its own (`convert`: one output's failure refuses its
    /// input only).
    TryTheRest,
    /// The target folder is taken to be unwritable; the rest wait for the next try (the
    /// exchange gives their inputs back to the inbox).
    Stop,
}

/// What [`Staging::publish_all`] did.
#[derive(Debug)]
pub struct Published {
    /// Each name's published path, or why not; `None` when it was not tried after a failure.
    pub each: Vec<Option<Result<PathBuf>>>,
    /// Whether the published names were made durable.
    pub synced: Result<()>,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_batch_is_written_durable_and_published_each_on_its_own() {
        let dir = tempfile::tempdir().unwrap();
        // `b.csv` cannot take its place: a folder holding a file is there.
        fs::create_dir_all(dir.path().join("b.csv/inside")).unwrap();
        let mut staging = Staging::beside(dir.path());
        let written = staging.write_all([("a.csv", &b"a"[..]), ("b.csv", b"b"), ("c.csv", b"c")]);
        assert!(written.iter().all(|w| w.is_ok()), "{written:?}");
        let published = staging.publish_all(&["a.csv", "b.csv", "c.csv"], AfterFailure::TryTheRest);
        assert!(published.synced.is_ok());
        let each: Vec<bool> = published
            .each
            .iter()
            .map(|r| matches!(r, Some(Ok(_))))
            .collect();
        assert_eq!(each, [true, false, true]);
        let Some(Err(err)) = &published.each[1] else {
            unreachable!()
        };
        assert!(err.to_string().contains("b.csv"), "{err}");
        assert_eq!(fs::read(dir.path().join("c.csv")).unwrap(), b"c");
        // The failed one stays staged until its caller discards it.
        assert!(staging.staged("b.csv").exists());
        staging.discard("b.csv");
        assert_eq!(names_in(dir.path()), ["a.csv", "b.csv", "c.csv"]);
    }

    #[test]
    fn after_a_failure_stop_leaves_the_rest_staged_untried() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a.csv/inside")).unwrap();
        let mut staging = Staging::beside(dir.path());
        let written = staging.write_all([("a.csv", &b"a"[..]), ("b.csv", b"b")]);
        assert!(written.iter().all(|w| w.is_ok()));
        let published = staging.publish_all(&["a.csv", "b.csv"], AfterFailure::Stop);
        assert!(matches!(published.each[0], Some(Err(_))));
        assert!(published.each[1].is_none());
        assert!(staging.staged("b.csv").exists() && !dir.path().join("b.csv").exists());
    }

    #[test]
    fn a_file_that_cannot_be_written_is_refused_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut staging = Staging::beside(dir.path());
        // Its staged name is taken by a folder.
        fs::create_dir(staging.staged("b.csv")).unwrap();
        let written = staging.write_all([("a.csv", &b"a"[..]), ("b.csv", b"b")]);
        assert!(written[0].is_ok());
        let err = written[1].as_ref().unwrap_err();
        assert!(err.to_string().starts_with("cannot write "), "{err}");
        let published = staging.publish_all(&["a.csv"], AfterFailure::TryTheRest);
        assert!(matches!(published.each[0], Some(Ok(_))));
        assert_eq!(fs::read(dir.path().join("a.csv")).unwrap(), b"a");
    }
}
