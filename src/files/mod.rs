//! File-system operations whose errors name the path (as cargo's `paths` module does), and
//! [`publish`]: the one way files are published atomically and durably.

pub mod access;
pub mod identity;
mod publish;

pub use publish::{AfterFailure, Published, Staging, write_atomic};

use std::fs::{self, File};
use std::io::{self, Read};
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

/// Reads a whole file of at most `max_bytes`. A larger file is refused from its size on disk,
/// before anything is read, and again while reading in case it grew meanwhile, so a huge or
/// endless input never fills memory. The refusal has kind [`io::ErrorKind::FileTooLarge`].
pub fn read_at_most(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    context("read", path, read_bounded(path, max_bytes))
}

fn read_bounded(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    // Opening a named pipe would wait for a writer forever, and a device never ends: only a
    // regular file is read. Checked before opening, and again on what was opened.
    let regular = |meta: fs::Metadata| {
        if meta.is_file() {
            Ok(meta)
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file (a folder, named pipe or device); only files are read",
            ))
        }
    };
    regular(fs::metadata(path)?)?;
    let file = File::open(path)?;
    let size = regular(file.metadata()?)?.len();
    if size > max_bytes {
        return Err(too_large(Some(size), max_bytes));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    // One byte more than allowed tells a file that grew past the limit from one that did not.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(None, max_bytes));
    }
    Ok(bytes)
}

/// `size` is `None` when the file grew past the limit while being read.
fn too_large(size: Option<u64>, max_bytes: u64) -> io::Error {
    let limit = crate::limits::human_size(max_bytes);
    let message = match size {
        Some(size) => format!(
            "the file is {}, over the limit of {limit} (--max-input-size, [limits] max_input_size)",
            crate::limits::human_size(size)
        ),
        None => format!("the file grew past the limit of {limit} while being read"),
    };
    io::Error::new(io::ErrorKind::FileTooLarge, message)
}

/// True when `err` says that another program holds the file open without sharing it: on
/// Windows a webhook receiver still writing the file (ERROR_SHARING_VIOLATION = 32,
/// ERROR_LOCK_VIOLATION = 33). Such a file is not ready yet: leave it for the next pass
/// instead of refusing it. Unix has no mandatory sharing modes, so this is never true there.
pub fn is_sharing_violation(err: &io::Error) -> bool {
    #[cfg(windows)]
    {
        matches!(err.raw_os_error(), Some(32 | 33))
    }
    #[cfg(not(windows))]
    {
        let _ = err;
        false
    }
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

/// Removes the temporary files (see [`temporary_name`]) in `dir` that a crashed writer left:
/// those whose process is gone, where that can be told, or older than `age`. Returns how many.
pub fn remove_stale_temporaries(dir: &Path, age: std::time::Duration) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_writer) else {
            continue;
        };
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed >= age);
        let gone = pid != std::process::id() && process_alive(pid) == Some(false);
        if (old || gone) && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The writer's process id in a [`temporary_name`].
fn temporary_writer(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    rest.rsplit_once('.')?.1.parse().ok()
}

/// Whether a process of this machine is running; `None` where we cannot tell.
pub fn process_alive(pid: u32) -> Option<bool> {
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
    fn a_staged_batch_is_published_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "old.csv", b"old").unwrap();
        let names: Vec<String> = (0..40).map(|i| format!("f{i}.csv")).collect();
        let mut staging = Staging::beside(dir.path());
        for name in &names {
            staging.write(name, name.as_bytes()).unwrap();
        }
        staging.write("old.csv", b"new").unwrap();
        // Nothing is visible under its own name before it is published.
        assert_eq!(read_dir(dir.path()).unwrap().len(), 42);
        assert_eq!(fs::read(dir.path().join("old.csv")).unwrap(), b"old");
        staging.sync().unwrap();
        for name in names.iter().map(String::as_str).chain(["old.csv"]) {
            assert_eq!(staging.publish(name).unwrap(), dir.path().join(name));
        }
        staging.sync_target().unwrap();
        assert_eq!(fs::read(dir.path().join("old.csv")).unwrap(), b"new");
        assert_eq!(fs::read(dir.path().join("f7.csv")).unwrap(), b"f7.csv");
        assert_eq!(read_dir(dir.path()).unwrap().len(), 41);
    }

    #[test]
    fn a_file_that_cannot_be_written_is_named_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let mut staging = Staging::in_folder(&dir.path().join("tmp"), dir.path()).unwrap();
        staging.write("a.csv", b"a").unwrap();
        // A name whose file cannot be created: its folder does not exist.
        let err = staging.write("missing/b.csv", b"b").unwrap_err();
        assert_eq!(err.action, "write the output");
        assert!(err.to_string().contains("missing"), "{err}");
        staging.sync().unwrap();
        staging.publish("a.csv").unwrap();
        assert_eq!(
            read_dir(&dir.path().join("tmp")).unwrap(),
            Vec::<PathBuf>::new()
        );
        staging.remove();
        assert_eq!(read_dir(dir.path()).unwrap(), [dir.path().join("a.csv")]);
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

    #[test]
    fn read_at_most_reads_up_to_the_limit_and_refuses_beyond_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hook.json");
        fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_at_most(&path, 10).unwrap(), b"0123456789");
        let err = read_at_most(&path, 9).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert!(
            err.to_string()
                .ends_with("hook.json: the file is 10 bytes, over the limit of 9 bytes (--max-input-size, [limits] max_input_size)"),
            "{err}"
        );
    }

    #[test]
    fn sharing_violation_codes_mean_not_ready_only_on_windows() {
        // 32 and 33 are ERROR_SHARING_VIOLATION and ERROR_LOCK_VIOLATION on Windows, but
        // EPIPE and EDOM on Unix, where they must not be mistaken for a busy file.
        for code in [32, 33] {
            let err = io::Error::from_raw_os_error(code);
            assert_eq!(is_sharing_violation(&err), cfg!(windows), "{code}");
        }
        assert!(!is_sharing_violation(&io::Error::from_raw_os_error(5)));
        assert!(!is_sharing_violation(&io::Error::other("x")));
    }

    /// A real sharing violation: the file is held open without sharing, as a writer that has
    /// not finished holds it. Runs on Windows (and under wine: `make windows-e2e`).
    #[cfg(windows)]
    #[test]
    fn a_file_held_open_without_sharing_is_a_sharing_violation() {
        use std::os::windows::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hook.json");
        let writer = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .share_mode(0)
            .open(&path)
            .unwrap();
        let err = read_at_most(&path, 1024).unwrap_err();
        assert!(is_sharing_violation(&err.source), "{err}");
        drop(writer);
        assert_eq!(read_at_most(&path, 1024).unwrap(), b"");
    }

    /// `std::fs::rename` replaces an existing file on Windows too (MoveFileExW with
    /// MOVEFILE_REPLACE_EXISTING); a second publish of the same name must not fail.
    #[test]
    fn write_atomic_replaces_a_file_that_exists_and_is_not_open() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.xml"), b"old, longer content").unwrap();
        let written = write_atomic(dir.path(), "a.xml", b"new").unwrap();
        assert_eq!(written, dir.path().join("a.xml"));
        assert_eq!(fs::read(&written).unwrap(), b"new");
    }

    /// 1C reading the old output holds it open without delete sharing: the replace fails,
    /// the error names the file, the old file is intact and no temporary file is left behind.
    #[cfg(windows)]
    #[test]
    fn write_atomic_over_a_file_held_open_by_a_reader_fails_cleanly() {
        use std::os::windows::fs::OpenOptionsExt;
        const FILE_SHARE_READ: u32 = 1;
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), b"old").unwrap();
        let reader = fs::OpenOptions::new()
            .read(true)
            .share_mode(FILE_SHARE_READ)
            .open(dir.path().join("a.csv"))
            .unwrap();
        let err = write_atomic(dir.path(), "a.csv", b"new").unwrap_err();
        assert!(
            err.to_string().starts_with("cannot rename into place "),
            "{err}"
        );
        drop(reader);
        assert_eq!(fs::read(dir.path().join("a.csv")).unwrap(), b"old");
        assert_eq!(read_dir(dir.path()).unwrap().len(), 1);
    }
}
