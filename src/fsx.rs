//! File-system operations whose errors name the path (as cargo's `paths` module does), and
//! atomic publishing: write to a temporary name that 1C's `*.csv`/`*.xml` masks do not match,
//! make it durable, then rename it into place.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Local, NaiveDateTime};

/// An I/O error with the operation and the path it concerned.
#[derive(Debug, thiserror::Error)]
#[error("cannot {action} {}: {source}", path.display())]
pub struct Error {
    pub action: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: io::Error,
}

impl Error {
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

pub type Result<T> = std::result::Result<T, Error>;

fn context<T>(action: &'static str, path: &Path, result: io::Result<T>) -> Result<T> {
    result.map_err(|source| Error {
        action,
        path: path.to_path_buf(),
        source,
    })
}

pub fn read(path: &Path) -> Result<Vec<u8>> {
    context("read", path, fs::read(path))
}

pub fn create_dir_all(path: &Path) -> Result<()> {
    context("create folder", path, fs::create_dir_all(path))
}

pub fn read_dir(path: &Path) -> Result<Vec<PathBuf>> {
    let entries = context("list folder", path, fs::read_dir(path))?;
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(context("list folder", path, entry)?.path());
    }
    Ok(paths)
}

/// Modification time in local time: when the webhook was saved, as 1C should show it.
pub fn modified_local(path: &Path) -> Result<NaiveDateTime> {
    let modified = context(
        "read the time of",
        path,
        fs::metadata(path).and_then(|m| m.modified()),
    )?;
    Ok(DateTime::<Local>::from(modified).naive_local())
}

/// The temporary name used while `name` is being written: hidden, and ending in `.tmp`, so
/// that no reader's `*.csv` or `*.xml` mask picks it up half-written.
pub fn temporary_name(name: &str) -> String {
    format!(".{name}.{}.tmp", std::process::id())
}

/// Writes `bytes` to `dir/name` so that a reader sees either the old file or the whole new one,
/// and the new one survives a power cut once this returns.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf> {
    let temporary = dir.join(temporary_name(name));
    let target = dir.join(name);
    let written = (|| {
        let mut file = File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = written {
        let _ = fs::remove_file(&temporary);
        return Err(Error {
            action: "write",
            path: temporary,
            source,
        });
    }
    if let Err(err) = context(
        "rename into place",
        &target,
        fs::rename(&temporary, &target),
    ) {
        let _ = fs::remove_file(&temporary);
        return Err(err);
    }
    sync_dir(dir)?;
    Ok(target)
}

/// Makes a rename in `dir` durable. Only possible (and only needed) on Unix.
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    context(
        "sync folder",
        dir,
        File::open(dir).and_then(|d| d.sync_all()),
    )?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_atomic_replaces_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "a.csv", b"one").unwrap();
        write_atomic(dir.path(), "a.csv", b"two").unwrap();
        assert_eq!(fs::read(dir.path().join("a.csv")).unwrap(), b"two");
        assert_eq!(read_dir(dir.path()).unwrap().len(), 1);
    }

    #[test]
    fn errors_name_the_path() {
        let err = read(Path::new("/nonexistent/hook.json")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read /nonexistent/hook.json: "),
            "{err}"
        );
    }

    #[test]
    fn temporary_names_match_no_import_mask() {
        let name = temporary_name("hook.csv");
        assert!(name.starts_with('.') && name.ends_with(".tmp"));
    }
}
