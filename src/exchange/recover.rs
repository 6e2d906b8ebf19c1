//! Taking back what a dead worker left: first its journalled outputs are resolved (an output no
//! longer in its staging folder was renamed into the outbox, so its input counts as converted;
//! one still there was not, and is dropped), then its claimed inputs go back to the inbox,
//! where the ledger turns the converted ones into «already done» instead of a second output.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::claim::Claim;
use super::folders::{self, Folders};
use crate::ledger::Ledger;
use crate::log::{Level, Log};

pub fn recover(
    folders: &Folders,
    ledger: &mut Ledger,
    me: &Claim,
    lease: Duration,
    log: &Log,
) -> Result<(), String> {
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
            .map_err(|e| format!("ledger {}: {e}", folders.ledger().display()))?;
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
