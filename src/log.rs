//! The administrator's log for `run` and `watch`: one line per file, shaped like
//! `report::line`, to stderr and (with `--log-file`) appended to a file with a timestamp.
//! Levels: problems always, a line per file normally, details with `-v`. A progress bar, when
//! one is shown, is hidden while a line is printed.

use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use indicatif::ProgressBar;

use crate::fsx;

/// `eprintln!` that never panics: see [`stderr`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::log::stderr(format_args!($($arg)*))
    };
}

/// `println!` that ends the process quietly when the reader has gone: see [`stdout`].
#[macro_export]
macro_rules! show {
    ($($arg:tt)*) => {
        $crate::log::stdout(format_args!($($arg)*))
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Problem,
    File,
    Detail,
}

pub struct Log {
    level: Level,
    file: Option<Mutex<File>>,
    bar: Mutex<Option<ProgressBar>>,
}

impl Log {
    /// `verbose` and `quiet` as counted on the command line.
    pub fn open(verbose: u8, quiet: bool, file: Option<&Path>) -> fsx::Result<Log> {
        let level = match (quiet, verbose) {
            (true, _) => Level::Problem,
            (false, 0) => Level::File,
            _ => Level::Detail,
        };
        let file = match file {
            Some(path) => Some(Mutex::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| fsx::Error {
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
        if level > self.level {
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
