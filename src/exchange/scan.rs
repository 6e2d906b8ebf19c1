//! Listing the inbox lazily, a chunk at a time (memory does not grow with the inbox). Every
//! entry with a webhook's name is accounted for: a regular file is a candidate; a name that is
//! not valid UTF-8 is first renamed to an escaped one; a link (unless links are allowed), a
//! folder, a named pipe or a device is refused with the reason, never left sitting there.
//!
//! A regular file with another name (`hook.json.txt`, another tool's file) is listed to be told
//! of, and left where it is; writers' temporary and hidden names are passed over in silence.
//!
//! A candidate is taken at once: a JSON object that parses as a whole is complete, and one still
//! being written does not parse yet, which the conversion tells. Only with `--settle` are young
//! files first left to stand unchanged for that long, the rule for writers that pause.

use std::ffi::OsStr;
use std::fs::{self, FileType, ReadDir};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::folders::{self, is_foreign_name, is_webhook_name};
use crate::files;
use crate::report::{Level, Log};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub name: String,
    pub size: u64,
    pub modified: SystemTime,
}

/// An inbox entry that will never be taken as it is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub name: String,
    pub reason: String,
}

/// What one chunk of the listing found.
#[derive(Debug, Default)]
pub struct Chunk {
    pub candidates: Vec<Candidate>,
    pub refused: Vec<Refusal>,
    /// Files not taken for their name (see [`is_foreign_name`]), to be told of.
    pub foreign: Vec<Candidate>,
}

impl Chunk {
    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty() && self.refused.is_empty() && self.foreign.is_empty()
    }

    fn len(&self) -> usize {
        self.candidates.len() + self.refused.len() + self.foreign.len()
    }
}

pub struct Scanner {
    entries: ReadDir,
    inbox: PathBuf,
    follow_symlinks: bool,
}

impl Scanner {
    pub fn open(inbox: &Path, follow_symlinks: bool) -> files::Result<Scanner> {
        let entries = fs::read_dir(inbox).map_err(|source| files::Error {
            action: "list the inbox",
            path: inbox.to_path_buf(),
            source,
        })?;
        Ok(Scanner {
            entries,
            inbox: inbox.to_path_buf(),
            follow_symlinks,
        })
    }

    /// Up to `max` webhook entries and files left for their name, in directory order; empty
    /// at the end.
    pub fn next_chunk(&mut self, max: usize, log: &Log) -> Chunk {
        let mut chunk = Chunk::default();
        while chunk.len() < max {
            let Some(entry) = self.entries.next() else {
                break;
            };
            let Ok(entry) = entry else { continue };
            let Some(name) = self.utf8_name(&entry.file_name(), log) else {
                continue;
            };
            if !is_webhook_name(&name) {
                if is_foreign_name(&name) && entry.file_type().is_ok_and(|kind| kind.is_file()) {
                    chunk.foreign.extend(stat(&self.inbox.join(&name), &name));
                }
                continue;
            }
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = self.inbox.join(&name);
            match self.refusal(&path, kind) {
                Some(reason) => chunk.refused.push(Refusal { name, reason }),
                None => chunk.candidates.extend(stat(&path, &name)),
            }
        }
        chunk
    }

    /// The entry's name as text. A name that is not valid UTF-8 (written on another system, or
    /// in another code page) is renamed in the inbox to its escaped form first, so that every
    /// later step, the log and the ledger can name it; `None` when it is not a webhook's name.
    fn utf8_name(&self, name: &OsStr, log: &Log) -> Option<String> {
        if let Some(name) = name.to_str() {
            return Some(name.to_string());
        }
        let escaped = folders::escaped_name(name);
        if !is_webhook_name(&escaped) {
            return None;
        }
        let target = folders::free_name(&self.inbox, &escaped);
        let shown = self.inbox.join(&escaped);
        match fs::rename(self.inbox.join(name), &target) {
            Ok(()) => {
                let new = target.file_name()?.to_str()?.to_string();
                log.file(
                    Level::File,
                    &shown,
                    format_args!("its name is not valid UTF-8: renamed to {new}"),
                );
                Some(new)
            }
            Err(err) => {
                log.file(
                    Level::Problem,
                    &shown,
                    format_args!("its name is not valid UTF-8 and it cannot be renamed: {err}"),
                );
                None
            }
        }
    }

    /// Why this entry cannot be taken, or `None` for a regular file (or, where allowed, a link
    /// to one).
    fn refusal(&self, path: &Path, kind: FileType) -> Option<String> {
        if kind.is_file() {
            return None;
        }
        if !kind.is_symlink() {
            return Some(format!(
                "{}, not a regular file; only files are taken from the inbox",
                describe(kind)
            ));
        }
        let target = fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        if !self.follow_symlinks {
            return Some(format!(
                "a symbolic link (to {target}); only regular files are taken from the inbox, so \
                 that nothing outside the exchange folder is read (allow links with \
                 --follow-symlinks or [folders] follow_symlinks = true)"
            ));
        }
        match fs::metadata(path) {
            Ok(meta) if meta.is_file() => None,
            Ok(meta) => Some(format!(
                "a symbolic link to {target}, which is {}, not a regular file",
                describe(meta.file_type())
            )),
            Err(err) => Some(format!(
                "a symbolic link to {target}, which cannot be read: {err}"
            )),
        }
    }
}

/// «a folder», «a named pipe (FIFO)», … for a reason text.
fn describe(kind: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a folder"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_file() {
        "a file"
    } else {
        "a special file"
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

/// `--settle`: splits a chunk into the files unchanged for `settle` and the ones still
/// changing (returned for a later scan). Waits at most `settle` once for the chunk's young
/// files.
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

/// A webhook file of the inbox that has stood unchanged a while and still does not parse: most
/// likely broken, not being written; `run` names it and refuses it after `give_up_after`.
#[derive(Debug)]
pub struct Unparseable {
    pub name: String,
    /// How long it has not changed.
    pub unchanged: Duration,
    pub error: crate::payload::ReadError,
}

/// The inbox's webhook files unchanged for `at_least` that do not parse, sorted by name, for
/// `status`. Only looks: each regular file of up to the default input limit is read in turn
/// (one in memory at a time); a larger one, a link or a name that is not UTF-8 is the run's.
pub fn unparseable(inbox: &Path, at_least: Duration) -> Vec<Unparseable> {
    let limits = crate::limits::Limits::default();
    let mut found: Vec<Unparseable> = fs::read_dir(inbox)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| {
            let name = entry.file_name().to_str()?.to_string();
            let path = inbox.join(&name);
            let candidate = stat(&path, &name).filter(|_| is_webhook_name(&name))?;
            let unchanged = SystemTime::now()
                .duration_since(candidate.modified)
                .unwrap_or(Duration::ZERO);
            if unchanged < at_least || candidate.size > limits.max_input_bytes {
                return None;
            }
            let bytes = files::read_at_most(&path, limits.max_input_bytes).ok()?;
            let error = crate::payload::read_limited(&bytes, &limits).err()?;
            error.may_be_incomplete().then_some(Unparseable {
                name,
                unchanged,
                error,
            })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}
