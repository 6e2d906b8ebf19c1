//! Listing the inbox lazily, a chunk at a time (memory does not grow with the inbox), and the
//! first readiness test: size and time unchanged over `settle`. A file whose time is already
//! older than `settle` has been unchanged that long; younger ones are looked at again after
//! waiting. The second test, that the file parses as a whole, is made after claiming it.

use std::fs::{self, ReadDir};
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::folders::is_webhook_name;
use crate::fsx;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub size: u64,
    pub modified: SystemTime,
}

pub struct Scanner {
    entries: ReadDir,
}

impl Scanner {
    pub fn open(inbox: &Path) -> fsx::Result<Scanner> {
        let entries = fs::read_dir(inbox).map_err(|source| fsx::Error {
            action: "list the inbox",
            path: inbox.to_path_buf(),
            source,
        })?;
        Ok(Scanner { entries })
    }

    /// Up to `max` webhook files, in directory order; empty at the end.
    pub fn next_chunk(&mut self, max: usize) -> Vec<Candidate> {
        let mut chunk = Vec::new();
        for entry in self.entries.by_ref() {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if !is_webhook_name(name) {
                continue;
            }
            if let Some(candidate) = stat(&entry.path(), name) {
                chunk.push(candidate);
                if chunk.len() >= max {
                    break;
                }
            }
        }
        chunk
    }
}

/// The file's size and time, when it is a regular file.
pub fn stat(path: &Path, name: &str) -> Option<Candidate> {
    let meta = fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    Some(Candidate {
        name: name.to_string(),
        size: meta.len(),
        modified: meta.modified().ok()?,
    })
}

/// Splits a chunk into the files unchanged for `settle` and the ones still changing (returned
/// for a later scan). Waits at most `settle` once for the chunk's young files.
pub fn settled(
    inbox: &Path,
    chunk: Vec<Candidate>,
    settle: Duration,
) -> (Vec<Candidate>, Vec<Candidate>) {
    let now = SystemTime::now();
    let age = |c: &Candidate| now.duration_since(c.modified).unwrap_or(Duration::ZERO);
    let (mut ready, young): (Vec<_>, Vec<_>) = chunk.into_iter().partition(|c| age(c) >= settle);
    if young.is_empty() {
        return (ready, young);
    }
    let wait = young
        .iter()
        .map(|c| settle.saturating_sub(age(c)))
        .max()
        .unwrap_or(settle);
    std::thread::sleep(wait);
    let mut changing = Vec::new();
    for first in young {
        match stat(&inbox.join(&first.name), &first.name) {
            Some(second) if second == first => ready.push(first),
            Some(second) => changing.push(second),
            None => {} // taken by another worker or removed
        }
    }
    (ready, changing)
}
