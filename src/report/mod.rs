//! What the administrator is told, by every command: one line per event shaped
//! `bachata1c: <file>: <what>` (as ripgrep's `rg: <path>: <message>`), to stderr and (with
//! `--log-file`) appended to a file with a timestamp; a [`Tally`] and its summary line. Levels:
//! problems and the summary always, a line per file normally, details with `-v`. A progress
//! bar, when one is shown, is hidden while a line is printed. No line ever panics, carries a
//! raw control or format character, or runs past [`shown::MAX_LINE_CHARS`] ([`shown`]).
//!
//! The log file is opened by its path for every line, so that logrotate may move it away while
//! `watch` or `serve` runs (the next line starts a new file) and Windows may delete it.

pub mod progress;
pub mod shown;
pub mod tally;

pub use progress::progress_bar;
pub use shown::escape_controls;
pub use tally::{Tally, plural};

use std::fmt::Display;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::ProgressBar;

use progress::Progress;

use crate::files;

/// `eprintln!` that never panics: see [`stderr`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::report::stderr(format_args!($($arg)*))
    };
}

/// `println!` that ends the process quietly when the reader has gone: see [`stdout`].
#[macro_export]
macro_rules! show {
    ($($arg:tt)*) => {
        $crate::report::stdout(format_args!($($arg)*))
    };
}

/// Writes one line to stdout. When the reader has gone (`bachata1c status | head -1`), nobody
/// wants the rest: exit at once with success, as ripgrep does, instead of panicking.
pub fn stdout(line: impl Display) {
    if let Err(err) = writeln!(std::io::stdout().lock(), "{line}")
        && err.kind() == std::io::ErrorKind::BrokenPipe
    {
        std::process::exit(0);
    }
}

/// Writes one line to stderr. A closed or broken stderr (`… 2>&1 | head -1`) never stops the
/// work or panics, as `eprintln!` would: the line is lost, the leads are not.
pub fn stderr(line: impl Display) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        shown::line(&line.to_string())
    );
}

/// How important a line is; `-q` shows up to `Summary`, the default up to `File`, `-v` all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something went wrong or needs the administrator.
    Problem,
    /// What a whole run did.
    Summary,
    /// What happened to one file.
    File,
    /// Files not complete yet, each skipped client.
    Detail,
}

/// Where a command's log lines go and how many: what [`Log::open`] is given.
#[derive(Debug, Clone)]
pub struct LogSettings {
    pub level: Level,
    pub file: Option<PathBuf>,
}

pub struct Log {
    level: Level,
    /// `--log-file`; the lock keeps two threads' lines whole.
    file: Option<Mutex<PathBuf>>,
    bar: Mutex<Option<Progress>>,
    /// Problem lines so far: a quiet run that had none and took nothing says nothing.
    problems: AtomicUsize,
}

impl Log {
    /// Lines up to `level` on stderr, and in `file` too when given. The file is opened once
    /// here, so that a path that cannot be written is an error at the start, not lost lines.
    pub fn open(level: Level, file: Option<&Path>) -> files::Result<Log> {
        if let Some(path) = file {
            append_to(path).map_err(|source| files::Error {
                action: "open the log file",
                path: path.to_path_buf(),
                source,
            })?;
        }
        Ok(Log {
            level,
            file: file.map(|path| Mutex::new(path.to_path_buf())),
            bar: Mutex::new(None),
            problems: AtomicUsize::new(0),
        })
    }

    /// Stderr only, at the normal level: for commands without log options.
    pub fn stderr() -> Log {
        Log {
            level: Level::File,
            file: None,
            bar: Mutex::new(None),
            problems: AtomicUsize::new(0),
        }
    }

    /// How many problem lines were told so far.
    pub fn problems(&self) -> usize {
        self.problems.load(Ordering::Relaxed)
    }

    /// Whether lines of `level` are shown at all (to skip building them).
    pub fn shows(&self, level: Level) -> bool {
        level <= self.level
    }

    pub fn set_bar(&self, bar: Option<ProgressBar>) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.take() {
                old.bar.finish_and_clear();
            }
            *slot = bar.map(Progress::new);
        }
    }

    pub fn tick(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(progress) = slot.as_mut()
        {
            progress.tick();
        }
    }

    /// A line about one file.
    pub fn file(&self, level: Level, path: &Path, message: impl Display) {
        self.emit(
            level,
            format_args!("bachata1c: {}: {message}", path.display()),
        );
    }

    /// A line about the whole run.
    pub fn note(&self, level: Level, message: impl Display) {
        self.emit(level, format_args!("bachata1c: {message}"));
    }

    /// A message drawn on several lines (a config file's parse error: the line, a caret under
    /// the column): the first as [`Log::note`] writes it, the others beneath it as they are.
    pub fn note_lines(&self, level: Level, message: impl Display) {
        let text = message.to_string();
        let mut lines = text.lines();
        self.note(level, lines.next().unwrap_or_default());
        for line in lines {
            self.write(level, format_args!("{line}"));
        }
    }

    fn emit(&self, level: Level, line: std::fmt::Arguments) {
        if level == Level::Problem {
            self.problems.fetch_add(1, Ordering::Relaxed);
        }
        self.write(level, line);
    }

    fn write(&self, level: Level, line: std::fmt::Arguments) {
        if !self.shows(level) {
            return;
        }
        let line = line.to_string();
        match self.bar.lock().ok().as_ref().and_then(|slot| slot.as_ref()) {
            Some(progress) => progress.bar.suspend(|| crate::say!("{line}")),
            None => crate::say!("{line}"),
        }
        if let Some(file) = &self.file
            && let Ok(path) = file.lock()
        {
            let time = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
            // A log line that cannot be written must not stop the conversion; it is on stderr.
            let _ = append_to(&path)
                .and_then(|mut file| writeln!(file, "{time} {}", shown::line(&line)));
        }
    }
}

/// The log file opened for appending, created if missing (or moved away by logrotate).
fn append_to(path: &Path) -> std::io::Result<std::fs::File> {
    // Not published: lines are appended to it as they come, and a reader takes what is there.
    OpenOptions::new().create(true).append(true).open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_file_moved_away_is_started_anew_at_its_path() {
        // logrotate without copytruncate: it renames the file while `watch` runs.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bachata1c.log");
        let log = Log::open(Level::File, Some(&path)).unwrap();
        log.note(Level::File, "before");
        std::fs::rename(&path, dir.path().join("bachata1c.log.1")).unwrap();
        log.note(Level::Problem, "after");
        let old = std::fs::read_to_string(dir.path().join("bachata1c.log.1")).unwrap();
        let new = std::fs::read_to_string(&path).unwrap();
        assert!(old.ends_with(" bachata1c: before\n"), "{old}");
        assert!(new.ends_with(" bachata1c: after\n"), "{new}");
        assert_eq!(new.lines().count(), 1, "{new}");
        assert_eq!(log.problems(), 1);
    }
}
