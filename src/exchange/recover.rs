//! Taking back what a dead worker left: first its journalled outputs are resolved (an output no
//! longer in its staging folder was renamed into the outbox, so its input counts as converted;
//! one still there was not, and is dropped), then its claimed inputs go back to the inbox,
//! where the ledger turns the converted ones into «already done» instead of a second output.
//! Also: a ledger that is new although archive/ holds inputs (it was lost) is refused, or, when
//! told (`--new-ledger`), filled from the archive first.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::Error;
use super::claim::Claim;
use super::folders::{self, Folders};
use crate::ledger::Ledger;
use crate::report::{Level, Log};

pub fn recover(
    folders: &Folders,
    ledger: &mut Ledger,
    me: &Claim,
    lease: Duration,
    log: &Log,
) -> Result<(), Error> {
    let mut dead = me.dead_workers(folders, lease);
    let mut ids: Vec<String> = dead.iter().map(|worker| worker.id.clone()).collect();
    // A staging folder without its worker folder: that worker died while finishing.
    if let Ok(entries) = fs::read_dir(folders.staging_root()) {
        for entry in entries.flatten() {
            let id = entry.file_name().to_string_lossy().into_owned();
            if id != me.id && !folders.work_root().join(&id).exists() && !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    for id in ids {
        let staging = folders.staging_root().join(&id);
        let (published, dropped) = ledger
            .resolve_worker(&id, |output| staging.join(output).exists())
            .map_err(|source| Error::Ledger {
                path: folders.ledger(),
                source,
            })?;
        let work = folders.work_root().join(&id);
        let mut returned = 0;
        for entry in fs::read_dir(&work).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            // Another worker recovering the same folder may have moved it first: fine.
            if folders::move_into(&entry.path(), &folders.inbox, &name).is_ok() {
                returned += 1;
            }
        }
        remove_all_files(&staging);
        // Only the lease: an input that could not be moved back stays for the next attempt.
        // Our lock on it goes first: Windows keeps the folder of an open file.
        dead.retain(|worker| worker.id != id);
        let _ = fs::remove_file(work.join(".lease"));
        let _ = fs::remove_file(work.join(super::claim::LEASE_NEW));
        let _ = fs::remove_dir(&work);
        if returned + published + dropped > 0 {
            log.note(
                Level::File,
                format_args!(
                    "took back {returned} claimed file(s) from stopped worker {id} \
                     ({published} output(s) it had published, {dropped} it had not)"
                ),
            );
        }
    }
    Ok(())
}

/// Removes a staging folder: what is left there was never published.
fn remove_all_files(dir: &Path) {
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let _ = fs::remove_file(entry.path());
    }
    let _ = fs::remove_dir(dir);
}

/// A ledger with no entry beside an archive with inputs was lost or emptied: without it every
/// archived webhook delivered again would be converted again. Refuses to go on, unless
/// `new_ledger`; then each archived input is recorded as converted before anything is taken.
pub fn check_new_ledger(
    folders: &Folders,
    ledger: &mut Ledger,
    new_ledger: bool,
    log: &Log,
) -> Result<(), Error> {
    let ledger_error = |source| Error::Ledger {
        path: folders.ledger(),
        source,
    };
    if !ledger.is_empty().map_err(ledger_error)? {
        return Ok(());
    }
    let archived = archived_inputs(&folders.archive);
    if archived.is_empty() {
        return Ok(());
    }
    if !new_ledger {
        return Err(Error::LedgerLost {
            ledger: folders.ledger(),
            archive: folders.archive.clone(),
            archived: archived.len(),
        });
    }
    let mut entries = Vec::with_capacity(archived.len());
    for path in &archived {
        let bytes = crate::files::read(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        entries.push((super::hex(&Sha256::digest(&bytes)), name));
    }
    ledger.record_archived(&entries).map_err(ledger_error)?;
    log.note(
        Level::Problem,
        format_args!(
            "{}: new ledger: recorded the {} input(s) in {} as converted, so that none is converted twice",
            folders.ledger().display(),
            entries.len(),
            folders.archive.display()
        ),
    );
    Ok(())
}

/// Every file in archive/ and its dated subfolders, but our own hidden files at its top (the
/// mark of the highest number given, and a killed write's temporary of it): no webhook's name
/// starts with a dot.
fn archived_inputs(archive: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(archive).into_iter().flatten().flatten() {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            for inner in fs::read_dir(&path).into_iter().flatten().flatten() {
                if inner.path().is_file() {
                    files.push(inner.path());
                }
            }
        } else if path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    files
}
