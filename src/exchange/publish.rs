//! Publishing outputs and filing inputs away. Outputs are written into the worker's hidden
//! staging folder on the outbox's volume and synced there; after the ledger journalled them
//! they are renamed into the outbox (the commit point: a name in the outbox is whole) and the
//! outbox is synced once per batch. Inputs then move to archive/DATE/ or failed/.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::folders::{self, Folders};
use crate::fsx;

pub struct Staging {
    pub dir: PathBuf,
    outbox: PathBuf,
    /// Outputs written since the last `sync`, where they are synced one by one.
    #[cfg(not(target_os = "linux"))]
    unsynced: Vec<File>,
}

fn err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> fsx::Error {
    let path = path.to_path_buf();
    move |source| fsx::Error {
        action,
        path,
        source,
    }
}

impl Staging {
    pub fn create(folders: &Folders, worker: &str) -> fsx::Result<Staging> {
        let dir = folders.staging_root().join(worker);
        fsx::create_dir_all(&dir)?;
        Ok(Staging {
            dir,
            outbox: folders.outbox.clone(),
            #[cfg(not(target_os = "linux"))]
            unsynced: Vec::new(),
        })
    }

    /// Makes the staging folder again when it was removed under us.
    pub fn restore(&self) -> fsx::Result<()> {
        fsx::create_dir_all(&self.dir)
    }

    /// Writes one output; `sync` makes it durable. A partial file is removed, so that it never
    /// looks published.
    pub fn write(&mut self, name: &str, bytes: &[u8]) -> fsx::Result<()> {
        let path = self.dir.join(name);
        let written = File::create(&path).and_then(|mut file| {
            file.write_all(bytes)?;
            #[cfg(not(target_os = "linux"))]
            self.unsynced.push(file);
            Ok(())
        });
        if let Err(source) = written {
            let _ = fs::remove_file(&path);
            return Err(fsx::Error {
                action: "write the output",
                path,
                source,
            });
        }
        Ok(())
    }

    /// Makes the staged outputs, and their names, durable before the ledger journals them.
    /// On Linux one `syncfs` of the outbox's file system does it for the whole batch: per-file
    /// fsyncs each force a journal commit and cost more than converting the file.
    #[cfg(target_os = "linux")]
    pub fn sync(&mut self) -> fsx::Result<()> {
        File::open(&self.dir)
            .and_then(|dir| rustix::fs::syncfs(&dir).map_err(io::Error::from))
            .map_err(err("sync the staged outputs in", &self.dir))
    }

    #[cfg(not(target_os = "linux"))]
    pub fn sync(&mut self) -> fsx::Result<()> {
        for file in self.unsynced.drain(..) {
            file.sync_all()
                .map_err(err("sync the staged outputs in", &self.dir))?;
        }
        fsx::sync_dir(&self.dir)
    }

    /// Renames a staged output into the outbox, replacing a file of the same name: names come
    /// from the content, so that file is this output written before a crash.
    pub fn publish(&self, name: &str) -> fsx::Result<PathBuf> {
        let target = self.outbox.join(name);
        fs::rename(self.dir.join(name), &target).map_err(err("publish the output", &target))?;
        Ok(target)
    }

    pub fn discard(&self, name: &str) {
        let _ = fs::remove_file(self.dir.join(name));
    }

    pub fn sync_outbox(&self) -> fsx::Result<()> {
        fsx::sync_dir(&self.outbox)
    }

    pub fn remove(&self) {
        let _ = fs::remove_dir(&self.dir);
    }
}

/// Moves a converted input to `archive/YYYY-MM-DD/`.
pub fn archive(input: &Path, folders: &Folders, name: &str) -> fsx::Result<PathBuf> {
    let day = folders
        .archive
        .join(chrono::Local::now().format("%Y-%m-%d").to_string());
    fsx::create_dir_all(&day)?;
    folders::move_into(input, &day, name).map_err(err("move to the archive", input))
}

/// Moves a refused input to `failed/` with `<name>.reason.txt` beside it.
pub fn fail(input: &Path, folders: &Folders, name: &str, reason: &str) -> fsx::Result<PathBuf> {
    let target = folders::free_name(&folders.failed, name);
    let target_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    let reason_path = folders.failed.join(format!("{target_name}.reason.txt"));
    let text = format!(
        "{name}: refused {}\r\n{reason}\r\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
    fs::write(&reason_path, text).map_err(err("write", &reason_path))?;
    fs::rename(input, &target).map_err(err("move to failed", input))?;
    Ok(target)
}

/// Creates the done-marker file in the outbox after outputs were published.
pub fn mark_done(folders: &Folders, marker: &str) -> fsx::Result<PathBuf> {
    fsx::write_atomic(&folders.outbox, marker, b"").map(|_| folders.outbox.join(marker))
}
