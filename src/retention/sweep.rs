//! Removing the files past their days: archive/'s dated folders (each archived input, unless a
//! lead 1C has not confirmed comes from it) and failed/'s refused inputs with their reason
//! files. A file that cannot be removed is said with its path and the reason and left for the
//! next day's pass; nothing here stops the exchange.

use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use chrono::NaiveDate;

use super::days::{Days, archive_day, before_free_name};
use crate::exchange::filing::{input_of, reason_name};
use crate::exchange::folders::{escaped_name, is_temporary_name};
use crate::ledger::{Ledger, Removed};
use crate::report::{Level, Log};

/// One pass's removals, within its bound.
pub(super) struct Sweep<'a> {
    log: &'a Log,
    pub removed: Removed,
    /// Files this pass may still remove.
    files_left: u64,
}

impl<'a> Sweep<'a> {
    pub fn new(log: &'a Log, most_files: u64) -> Sweep<'a> {
        Sweep {
            log,
            removed: Removed::default(),
            files_left: most_files,
        }
    }

    /// Removes the archived inputs filed before `first_kept` (by their folder's date), but
    /// those a lead 1C has not confirmed comes from, then each folder left empty. False when
    /// the pass's bound stopped it.
    pub fn archive(
        &mut self,
        archive: &Path,
        first_kept: NaiveDate,
        ledger: &Ledger,
    ) -> Result<bool, crate::ledger::Error> {
        let mut old: Vec<(NaiveDate, std::path::PathBuf)> = fs::read_dir(archive)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
            .filter_map(|entry| {
                let day = archive_day(&escaped_name(&entry.file_name()))?;
                (day < first_kept).then(|| (day, entry.path()))
            })
            .collect();
        old.sort();
        for (_, folder) in old {
            let entries = match fs::read_dir(&folder) {
                Ok(entries) => entries,
                Err(err) => {
                    self.cannot_remove(&folder, &err);
                    continue;
                }
            };
            for entry in entries.flatten() {
                if !entry.file_type().is_ok_and(|kind| !kind.is_dir()) {
                    continue; // not an input we filed: left alone
                }
                // Each file is looked up by its name (an index): by the folder's date alone, a
                // clock once wrong, or a file moved by hand, would lose one.
                let name = escaped_name(&entry.file_name());
                let earlier = before_free_name(&name);
                let names: Vec<&str> = std::iter::once(name.as_str())
                    .chain(earlier.as_deref())
                    .collect();
                if ledger.unconfirmed_from(&names)? {
                    self.removed.kept += 1;
                    continue;
                }
                if self.files_left == 0 {
                    return Ok(false);
                }
                self.remove(&entry.path());
            }
            if fs::read_dir(&folder).is_ok_and(|mut left| left.next().is_none())
                && let Err(err) = fs::remove_dir(&folder)
                && err.kind() != io::ErrorKind::NotFound
            {
                self.cannot_remove(&folder, &err);
            }
        }
        Ok(true)
    }

    /// Removes the refused inputs in failed/ refused longer than `days` ago (by their reason
    /// file's time, or their own without one), each with its reason file, and reason files
    /// left alone that long. False when the pass's bound stopped it.
    pub fn failed(&mut self, failed: &Path, days: Days, now: SystemTime) -> bool {
        let modified = |path: &Path| path.symlink_metadata().and_then(|m| m.modified()).ok();
        for entry in fs::read_dir(failed).into_iter().flatten().flatten() {
            let name = escaped_name(&entry.file_name());
            if is_temporary_name(&name) || entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                continue;
            }
            let input = input_of(&name);
            let path = entry.path();
            let (when, reason) = if input != name {
                // A reason file goes with its input; alone, by its own time.
                if failed.join(input).symlink_metadata().is_ok() {
                    continue;
                }
                (modified(&path), None)
            } else {
                let reason = failed.join(reason_name(&name));
                (modified(&reason).or_else(|| modified(&path)), Some(reason))
            };
            if !when.is_some_and(|when| days.is_past(when, now)) {
                continue;
            }
            if self.files_left == 0 {
                return false;
            }
            if self.remove(&path)
                && let Some(reason) = reason
                && reason.symlink_metadata().is_ok()
            {
                self.remove(&reason);
            }
        }
        true
    }

    /// Removes one file (a link, not what it points to); true when it is gone.
    fn remove(&mut self, path: &Path) -> bool {
        let size = path.symlink_metadata().map(|m| m.len()).unwrap_or(0);
        match fs::remove_file(path) {
            Ok(()) => {
                self.files_left = self.files_left.saturating_sub(1);
                self.removed.files += 1;
                self.removed.bytes += size;
                self.log
                    .file(Level::Detail, path, "removed: past its days ([retention])");
                true
            }
            // Someone else removed it meanwhile (another bachata1c, a person).
            Err(err) if err.kind() == io::ErrorKind::NotFound => true,
            Err(err) => {
                self.cannot_remove(path, &err);
                false
            }
        }
    }

    fn cannot_remove(&mut self, path: &Path, err: &io::Error) {
        self.removed.failures += 1;
        self.log.file(
            Level::Problem,
            path,
            format_args!(
                "cannot remove it ([retention]): {err}; it is tried again at tomorrow's pass"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that cannot be removed (here: what stands at its name became a folder, which no
    /// file removal takes, whoever runs the test) is said with its path and counted, and the
    /// sweep goes on.
    #[test]
    fn a_file_that_cannot_be_removed_is_said_with_its_path_and_the_rest_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let log_path = dir.path().join("log.txt");
        let log = Log::open(Level::File, Some(&log_path)).unwrap();
        let stuck = dir.path().join("in-use.json");
        fs::create_dir(&stuck).unwrap();
        let fine = dir.path().join("fine.json");
        fs::write(&fine, "12345").unwrap();
        let mut sweep = Sweep::new(&log, 10);
        assert!(!sweep.remove(&stuck));
        assert!(sweep.remove(&fine));
        assert!(sweep.remove(&fine), "gone already: no failure");
        assert_eq!(
            sweep.removed,
            Removed {
                files: 1,
                bytes: 5,
                failures: 1,
                ..Removed::default()
            }
        );
        let logged = fs::read_to_string(&log_path).unwrap();
        assert!(
            logged.contains(&format!(
                "{}: cannot remove it ([retention]): ",
                stuck.display()
            )) && logged.contains("tried again at tomorrow's pass"),
            "{logged}"
        );
    }

    #[test]
    fn failed_inputs_go_with_their_reasons_by_the_time_they_were_refused() {
        let dir = tempfile::tempdir().unwrap();
        let failed = dir.path();
        let now = SystemTime::now();
        let set = |name: &str, ago_days: u64| {
            let path = failed.join(name);
            fs::write(&path, "x").unwrap();
            fs::File::options()
                .write(true)
                .open(&path)
                .unwrap()
                .set_modified(now - std::time::Duration::from_secs(ago_days * 86_400))
                .unwrap();
        };
        // Refused long ago; refused today although written long ago; a reason alone; none.
        set("old.json", 40);
        set("old.json.reason.txt", 40);
        set("new.json", 40);
        set("new.json.reason.txt", 0);
        set("gone.json.reason.txt", 40);
        set("bare.json", 40);
        set(".hook.json.1.tmp", 40);
        let log = Log::open(Level::Problem, None).unwrap();
        let mut sweep = Sweep::new(&log, 10);
        assert!(sweep.failed(failed, Days::Keep(30), now));
        let mut left: Vec<String> = fs::read_dir(failed)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [".hook.json.1.tmp", "new.json", "new.json.reason.txt"]
        );
        assert_eq!(sweep.removed.files, 4);
        // The bound stops a pass.
        set("a.json", 40);
        set("b.json", 40);
        let mut sweep = Sweep::new(&log, 1);
        assert!(!sweep.failed(failed, Days::Keep(30), now));
        assert_eq!(sweep.removed.files, 1);
    }
}
