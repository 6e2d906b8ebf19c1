//! What the administrator is told: one line per event, shaped `bachata1c: <file>: <what>`,
//! and a summary of a whole run.

use std::collections::BTreeMap;
use std::fmt;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use crate::convert::Conversion;

/// The progress bar of a long run, if one is shown; lines are printed around it.
static PROGRESS: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Prints one line to stderr in the shape ripgrep uses: program, file, message.
pub fn line(path: &Path, message: impl fmt::Display) {
    let text = format!("bachata1c: {}: {message}", path.display());
    match PROGRESS.lock().ok().as_ref().and_then(|bar| bar.as_ref()) {
        Some(bar) => bar.suspend(|| crate::say!("{text}")),
        None => crate::say!("{text}"),
    }
}

/// A progress bar for `files` files when stderr is a terminal and they are many; none when
/// the output goes to a log or a pipe.
pub fn progress_bar(files: usize) -> Option<ProgressBar> {
    const FROM: usize = 50;
    if files < FROM || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(files as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {eta}") {
        bar.set_style(style);
    }
    Some(bar)
}

/// Shows (or, with `None`, removes) the bar that `line` prints around.
pub fn show_progress(bar: Option<ProgressBar>) {
    if let Ok(mut slot) = PROGRESS.lock() {
        if let Some(old) = slot.take() {
            old.finish_and_clear();
        }
        *slot = bar;
    }
}

pub fn progress_tick() {
    if let Ok(slot) = PROGRESS.lock()
        && let Some(bar) = slot.as_ref()
    {
        bar.inc(1);
    }
}

/// Counts over a run, for the summary and the exit status.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub files_read: usize,
    pub converted: usize,
    pub refused: usize,
    /// Converted files in which no client qualified (no output written).
    pub without_leads: usize,
    pub clients_exported: usize,
    pub skipped: BTreeMap<String, usize>,
    pub replaced_chars: usize,
}

impl Tally {
    pub fn add_converted(&mut self, conversion: &Conversion) {
        self.files_read += 1;
        self.converted += 1;
        if conversion.output.is_none() {
            self.without_leads += 1;
        }
        self.clients_exported += conversion.leads.len();
        for skipped in &conversion.skipped {
            *self.skipped.entry(skipped.reason.to_string()).or_default() += 1;
        }
        self.replaced_chars += conversion.output.as_ref().map_or(0, |o| o.replaced_chars);
    }

    pub fn add_refused(&mut self) {
        self.files_read += 1;
        self.refused += 1;
    }

    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} read, {} converted, {} refused; {} exported, {} skipped",
            plural(self.files_read, "file"),
            self.converted,
            self.refused,
            plural(self.clients_exported, "client"),
            self.skipped_total(),
        )?;
        if !self.skipped.is_empty() {
            let reasons: Vec<String> = self
                .skipped
                .iter()
                .map(|(r, n)| format!("{n} {r}"))
                .collect();
            write!(f, " ({})", reasons.join(", "))?;
        }
        if self.without_leads > 0 {
            write!(
                f,
                "; {} without qualifying clients",
                plural(self.without_leads, "file")
            )?;
        }
        if self.replaced_chars > 0 {
            write!(
                f,
                "; {} not in the output encoding replaced",
                plural(self.replaced_chars, "character")
            )?;
        }
        Ok(())
    }
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_every_count_and_reason() {
        let mut tally = Tally {
            files_read: 3,
            converted: 2,
            refused: 1,
            clients_exported: 1,
            replaced_chars: 2,
            ..Tally::default()
        };
        tally.skipped.insert("no phone".into(), 2);
        assert_eq!(
            tally.to_string(),
            "3 files read, 2 converted, 1 refused; 1 client exported, 2 skipped (2 no phone); 2 characters not in the output encoding replaced"
        );
    }
}
