//! The highest `Номер` that may have been given to a lead, kept outside the ledger in
//! `archive/.bachata1c-last-number`. 1C finds its orders by that number and keeps them when
//! state/ is lost; a number given again would make 1C overwrite one client's order with another
//! client. So no number above the mark is handed out before the mark is raised, durably
//! ([`MARK_AHEAD`] beyond the need, so that this costs one write per that many numbers, not one
//! per round); at a clean stop it is brought down to the last number given; at start the ledger
//! is brought above it. Every change happens under the ledger's write lock and reads the file
//! first, so two workers never lower each other's mark. A ledger that holds no lead yet is also
//! brought above every `Номер` in the outbox's CommerceML files, for when the mark was lost too.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::Error;
use super::folders::Folders;
use crate::files;
use crate::format::commerceml::number_text;
use crate::ledger::Ledger;
use crate::report::{Level, Log};

/// The mark's name in archive/: hidden, and skipped when the archive is read back.
pub const MARK_NAME: &str = ".bachata1c-last-number";

/// Numbers set aside beyond the need each time the mark is raised. A worker killed before its
/// clean stop leaves at most this many unused: the ledger continues above them.
pub const MARK_AHEAD: u64 = 1_000;

/// What the mark's second line says to whoever opens it.
const EXPLANATION: &str = "Every Номер (order number) bachata1c has given a lead is at or below \
this number. 1C finds its orders by it, so a new ledger (run --new-ledger) continues above it. \
Keep this file.";

#[derive(Debug)]
pub struct NumberMark {
    path: PathBuf,
}

impl NumberMark {
    /// At start: reads the mark, brings the ledger above it (and, when the ledger holds no lead
    /// yet, above the numbers in the outbox's files), saying so; writes the mark when the ledger
    /// is ahead of it (a mark lost, or made by a version that kept none).
    pub fn keep(folders: &Folders, ledger: &mut Ledger, log: &Log) -> Result<NumberMark, Error> {
        let mark = NumberMark {
            path: folders.archive.join(MARK_NAME),
        };
        let mut floor = (read(&mark.path)?, mark.path.display().to_string());
        let new = ledger.holds_no_lead().map_err(|source| Error::Ledger {
            path: folders.ledger(),
            source,
        })?;
        if new {
            let (found, file) = highest_in_outbox(&folders.outbox, log);
            if found > floor.0 {
                floor = (found, file.display().to_string());
            }
        }
        let raised = ledger
            .keep_numbers_above(floor.0, |last| mark.cover(last, 0))
            .map_err(|err| super::numbering_error(folders, err))?;
        if raised {
            // A new ledger is news; otherwise a worker stopped before its clean stop (or
            // another one runs, or the ledger was put back from a backup): details.
            let level = if new { Level::Problem } else { Level::Detail };
            log.note(
                level,
                format_args!(
                    "{}: numbers continue above {}, above every Номер given before (found in {}), \
                     so that 1C never gets one number for two leads",
                    folders.ledger().display(),
                    number_text(floor.0),
                    floor.1
                ),
            );
        }
        Ok(mark)
    }

    /// Makes sure the mark is at `highest` or above, durably, before a number up to `highest`
    /// is handed out; when it has to be raised, `ahead` more are set aside. Called under the
    /// ledger's write lock.
    pub fn cover(&self, highest: u64, ahead: u64) -> Result<(), Error> {
        if highest <= read(&self.path)? {
            return Ok(());
        }
        self.write(highest.saturating_add(ahead))
    }

    /// At a clean stop, under the ledger's write lock: brings the mark down to `last`, the last
    /// number given, so that the next start sets none aside in vain.
    pub fn tighten(&self, last: u64) -> Result<(), Error> {
        if read(&self.path)? <= last {
            return Ok(());
        }
        self.write(last)
    }

    fn write(&self, number: u64) -> Result<(), Error> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let text = format!("{}\r\n{EXPLANATION}\r\n", number_text(number));
        files::write_atomic(dir, MARK_NAME, text.as_bytes()).map_err(Error::NumberMark)?;
        Ok(())
    }
}

/// The number in the mark; 0 when there is none.
fn read(path: &Path) -> Result<u64, Error> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(source) => {
            return Err(Error::NumberMark(files::Error {
                action: "read",
                path: path.to_path_buf(),
                source,
            }));
        }
    };
    let text = String::from_utf8_lossy(&bytes);
    let first = text.lines().next().unwrap_or("").trim();
    first.parse().map_err(|_| Error::NumberMarkGarbled {
        path: path.to_path_buf(),
        found: first.chars().take(40).collect(),
    })
}

/// The highest `Номер` in the outbox's XML files, and the file it is in. A file that cannot
/// be read is named and passed over.
fn highest_in_outbox(outbox: &Path, log: &Log) -> (u64, PathBuf) {
    let mut highest = (0, PathBuf::new());
    for entry in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().to_ascii_lowercase();
        let path = entry.path();
        if name.starts_with('.') || !name.ends_with(".xml") || !path.is_file() {
            continue;
        }
        match highest_in(&path) {
            Ok(found) if found > highest.0 => highest = (found, path),
            Ok(_) => {}
            Err(err) => log.file(
                Level::Problem,
                &path,
                format_args!("cannot be read for the numbers it carries: {err}"),
            ),
        }
    }
    highest
}

/// The highest `<Номер>digits</Номер>` in a file (UTF-8 or windows-1251), read in pieces.
fn highest_in(path: &Path) -> std::io::Result<u64> {
    use std::sync::LazyLock;
    static NUMBER: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        let tag = |close: bool| {
            let text = if close {
                "</Номер>"
            } else {
                "<Номер>"
            };
            let utf8 = regex::escape(text);
            let cp1251: String = encoding_rs::WINDOWS_1251
                .encode(text)
                .0
                .iter()
                .map(|b| format!("\\x{b:02X}"))
                .collect();
            format!("(?:{utf8}|(?-u:{cp1251}))")
        };
        regex::bytes::Regex::new(&format!(
            r"{}\s*([0-9]{{1,19}})\s*{}",
            tag(false),
            tag(true)
        ))
        .expect("a valid pattern")
    });
    // A tag cut by a piece's end is found whole in the next piece with this much carried over.
    const CARRY: usize = 64;
    let mut file = std::fs::File::open(path)?;
    let mut piece = vec![0; 1 << 20];
    let mut window: Vec<u8> = Vec::new();
    let mut highest = 0;
    loop {
        let read = file.read(&mut piece)?;
        if read == 0 {
            return Ok(highest);
        }
        window.extend_from_slice(&piece[..read]);
        for found in NUMBER.captures_iter(&window) {
            let digits = std::str::from_utf8(&found[1]).unwrap_or("0");
            highest = highest.max(digits.parse().unwrap_or(0));
        }
        let keep = window.len().saturating_sub(CARRY);
        window.drain(..keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_highest_number_is_found_in_either_encoding_and_across_pieces() {
        let dir = tempfile::tempdir().unwrap();
        let utf8 = dir.path().join("a.xml");
        let mut text = String::from("<Документ><Номер>000007</Номер></Документ>");
        text.push_str(&" ".repeat((1 << 20) - text.len() - 3));
        text.push_str("<Номер>\n001234\n</Номер><Номер>12</Номер>");
        std::fs::write(&utf8, &text).unwrap();
        assert_eq!(highest_in(&utf8).unwrap(), 1234);
        let cp1251 = dir.path().join("b.xml");
        let bytes = encoding_rs::WINDOWS_1251.encode("<Номер>000099</Номер>").0;
        std::fs::write(&cp1251, &bytes).unwrap();
        assert_eq!(highest_in(&cp1251).unwrap(), 99);
    }
}
