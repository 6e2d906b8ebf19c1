//! What the administrator is told, by every command: one line per event shaped
//! `bachata1c: <file>: <what>` (as ripgrep's `rg: <path>: <message>`), to stderr and (with
//! `--log-file`) appended to a file with a timestamp; a [`Tally`] and its summary line. Levels:
//! problems and the summary always, a line per file normally, details with `-v`. A progress
//! bar, when one is shown, is hidden while a line is printed. No line ever panics or carries a
//! raw control character.

pub mod tally;

pub use tally::{Tally, plural};

use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

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

/// A progress bar for `files` files when stderr is a terminal and they are many; none when
/// the output goes to a log or a pipe.
pub fn progress_bar(files: usize) -> Option<ProgressBar> {
    const FROM: usize = 50;
    if files < FROM || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return None;
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {eta}") {
        bar.set_style(style);
    }
    Some(bar)
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
        escape_controls(&line.to_string())
    );
}

/// A line as it may be shown: control characters (a newline or an ESC in a file name) written
/// as `\n`, `\u{1b}`…, so a name can neither forge a second log line nor drive the terminal.
pub fn escape_controls(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.chars().any(char::is_control) {
        return line.into();
    }
    let mut shown = String::with_capacity(line.len() + 8);
    for c in line.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown.into()
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

pub struct Log {
    level: Level,
    file: Option<Mutex<File>>,
    bar: Mutex<Option<ProgressBar>>,
}

impl Log {
    /// Lines up to `level` on stderr, and in `file` too when given.
    pub fn open(level: Level, file: Option<&Path>) -> files::Result<Log> {
        let file = match file {
            Some(path) => Some(Mutex::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| files::Error {
                        action: "open the log file",
                        path: path.to_path_buf(),
                        source,
                    })?,
            )),
            None => None,
        };
        Ok(Log {
            level,
            file,
            bar: Mutex::new(None),
        })
    }

    /// Stderr only, at the normal level: for commands without log options.
    pub fn stderr() -> Log {
        Log {
            level: Level::File,
            file: None,
            bar: Mutex::new(None),
        }
    }

    /// Whether lines of `level` are shown at all (to skip building them).
    pub fn shows(&self, level: Level) -> bool {
        level <= self.level
    }

    pub fn set_bar(&self, bar: Option<ProgressBar>) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.take() {
                old.finish_and_clear();
            }
            *slot = bar;
        }
    }

    pub fn tick(&self) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(1);
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

    fn emit(&self, level: Level, line: std::fmt::Arguments) {
        if !self.shows(level) {
            return;
        }
        let line = line.to_string();
        match self.bar.lock().ok().as_ref().and_then(|slot| slot.as_ref()) {
            Some(bar) => bar.suspend(|| crate::say!("{line}")),
            None => crate::say!("{line}"),
        }
        if let Some(file) = &self.file
            && let Ok(mut file) = file.lock()
        {
            let time = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
            // A log line that cannot be written must not stop the conversion.
            let _ = writeln!(file, "{time} {}", escape_controls(&line));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_shown_escaped_and_the_rest_as_it_is() {
        assert_eq!(
            super::escape_controls("a\nb\u{1b}[31m.json: д\tx"),
            "a\\nb\\u{1b}[31m.json: д\\tx"
        );
        assert_eq!(super::escape_controls("plain: д"), "plain: д");
    }
}
