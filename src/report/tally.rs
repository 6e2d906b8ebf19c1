//! Counts over a run, for the summary line and the exit status: one tally for every command.
//! `convert` reads the files it is given; `run` and `watch` take files from an inbox, where a
//! file can also be a duplicate or not complete yet, so each has its summary's wording.

use std::collections::BTreeMap;
use std::fmt;

use crate::lead::Skipped;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Tally {
    pub converted: usize,
    /// Converted inputs in which no client qualified (no output written).
    pub without_leads: usize,
    pub refused: usize,
    /// Inputs whose content was converted before (under this or another name).
    pub duplicates: usize,
    /// Inputs not complete yet, left in the inbox for a later scan.
    pub waiting: usize,
    pub exported: usize,
    /// Skipped clients by reason.
    pub skipped: BTreeMap<String, usize>,
    /// Output files written.
    pub outputs: usize,
    /// Characters the output encoding cannot hold, replaced.
    pub replaced_chars: usize,
}

impl Tally {
    /// One input converted: its leads exported, its skipped clients counted by reason.
    pub fn add_converted(&mut self, exported: usize, skipped: &[Skipped], replaced_chars: usize) {
        self.converted += 1;
        if exported == 0 {
            self.without_leads += 1;
        }
        self.exported += exported;
        for skipped in skipped {
            *self.skipped.entry(skipped.reason.to_string()).or_default() += 1;
        }
        self.replaced_chars += replaced_chars;
    }

    /// Skipped clients already counted by reason (as the ledger keeps them).
    pub fn add_skipped(&mut self, skipped: &BTreeMap<String, usize>) {
        for (reason, n) in skipped {
            *self.skipped.entry(reason.clone()).or_insert(0) += n;
        }
    }

    pub fn add_refused(&mut self) {
        self.refused += 1;
    }

    /// Inputs looked at: converted, refused or found to be duplicates.
    pub fn taken(&self) -> usize {
        self.converted + self.refused + self.duplicates
    }

    /// No file taken and none left waiting: a pass over an idle inbox.
    pub fn nothing_happened(&self) -> bool {
        self.taken() == 0 && self.waiting == 0
    }

    pub fn skipped_total(&self) -> usize {
        self.skipped.values().sum()
    }

    /// `convert`'s summary: `3 files read, 2 converted, 1 refused; 1 client exported, …`.
    pub fn read_summary(&self) -> String {
        let mut text = format!(
            "{} read, {} converted, {} refused; {} exported, {} skipped",
            plural(self.taken(), "file"),
            self.converted,
            self.refused,
            plural(self.exported, "client"),
            self.skipped_total(),
        );
        if !self.skipped.is_empty() {
            text.push_str(&format!(" ({})", self.reasons()));
        }
        if self.without_leads > 0 {
            text.push_str(&format!(
                "; {} without qualifying clients",
                plural(self.without_leads, "file")
            ));
        }
        if self.replaced_chars > 0 {
            text.push_str(&format!(
                "; {} not in the output encoding replaced",
                plural(self.replaced_chars, "character")
            ));
        }
        text
    }

    /// `2 no phone, 1 no e-mail`.
    pub fn reasons(&self) -> String {
        reasons(&self.skipped)
    }
}

/// `run`'s and `watch`'s summary: `4 files taken: 3 converted (1 without qualifying clients), …`.
impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} taken: {} converted ({} without qualifying clients), {} refused, {} duplicate(s); {} exported in {}, {} skipped",
            plural(self.taken(), "file"),
            self.converted,
            self.without_leads,
            self.refused,
            self.duplicates,
            plural(self.exported, "client"),
            plural(self.outputs, "output file"),
            self.skipped_total(),
        )?;
        if !self.skipped.is_empty() {
            write!(f, " ({})", self.reasons())?;
        }
        if self.waiting > 0 {
            write!(
                f,
                "; {} not complete yet, left in the inbox",
                plural(self.waiting, "file")
            )?;
        }
        Ok(())
    }
}

/// Counts by reason as text: `2 no phone, 1 no e-mail`.
pub fn reasons(skipped: &BTreeMap<String, usize>) -> String {
    skipped
        .iter()
        .map(|(reason, n)| format!("{n} {reason}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The counts back from their text, as the ledger keeps them: `2 no phone, 1 event a, b not
/// allowed` → {no phone: 2, event a, b not allowed: 1} (a piece not starting with a count
/// belongs to the reason before it).
pub fn parse_reasons(text: &str) -> BTreeMap<String, usize> {
    let mut counted: Vec<(String, usize)> = Vec::new();
    for piece in text.split(", ") {
        let count = piece
            .split_once(' ')
            .and_then(|(n, reason)| Some((n.parse::<usize>().ok()?, reason)));
        match (count, counted.last_mut()) {
            (Some((n, reason)), _) => counted.push((reason.to_string(), n)),
            (None, Some((reason, _))) => {
                reason.push_str(", ");
                reason.push_str(piece);
            }
            (None, None) => {}
        }
    }
    let mut reasons = BTreeMap::new();
    for (reason, n) in counted {
        *reasons.entry(reason).or_insert(0) += n;
    }
    reasons
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
    fn reasons_read_back_from_their_text() {
        let mut skipped = BTreeMap::new();
        skipped.insert("no phone".to_string(), 2);
        skipped.insert("event a, b not allowed".to_string(), 1);
        skipped.insert("no e-mail".to_string(), 10);
        assert_eq!(parse_reasons(&reasons(&skipped)), skipped);
        assert!(parse_reasons("").is_empty());
    }

    #[test]
    fn both_summaries_name_every_count_and_reason() {
        let mut tally = Tally {
            converted: 2,
            without_leads: 1,
            refused: 1,
            exported: 1,
            replaced_chars: 2,
            outputs: 1,
            ..Tally::default()
        };
        tally.skipped.insert("no phone".into(), 2);
        assert_eq!(
            tally.read_summary(),
            "3 files read, 2 converted, 1 refused; 1 client exported, 2 skipped (2 no phone); 1 file without qualifying clients; 2 characters not in the output encoding replaced"
        );
        tally.duplicates = 1;
        tally.waiting = 2;
        assert_eq!(
            tally.to_string(),
            "4 files taken: 2 converted (1 without qualifying clients), 1 refused, 1 duplicate(s); 1 client exported in 1 output file, 2 skipped (2 no phone); 2 files not complete yet, left in the inbox"
        );
    }
}
