//! Filing inputs away once their outcome is recorded: to archive/DATE/ or, with the reason
//! beside them, to failed/; what failed/ holds now, for `status`; and the done marker for 1C
//! setups that wait for one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::folders::{self, Folders};
use crate::files;

fn err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> files::Error {
    let path = path.to_path_buf();
    move |source| files::Error {
        action,
        path,
        source,
    }
}

/// Moves a converted input to `archive/YYYY-MM-DD/`.
pub fn archive(input: &Path, folders: &Folders, name: &str) -> files::Result<PathBuf> {
    let day = folders
        .archive
        .join(chrono::Local::now().format("%Y-%m-%d").to_string());
    files::create_dir_all(&day)?;
    folders::move_into(input, &day, name).map_err(err("move to the archive", input))
}

/// What follows a refused input's name in the name of its reason file.
const REASON: &str = ".reason.txt";

/// `hook.json` → `hook.json.reason.txt`, the reason file beside it in failed/.
pub fn reason_name(input: &str) -> String {
    format!("{input}{REASON}")
}

/// The input a name in failed/ stands for: its own, or for a reason file, the input beside it.
pub fn input_of(name: &str) -> &str {
    name.strip_suffix(REASON).unwrap_or(name)
}

/// Moves a refused input to `failed/` with `<name>.reason.txt` beside it (its first line names
/// the input and the time, the rest is the reason).
pub fn fail(input: &Path, folders: &Folders, name: &str, reason: &str) -> files::Result<PathBuf> {
    let target = folders::free_name(&folders.failed, name);
    let target_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    let text = format!(
        "{name}: refused {}\r\n{reason}\r\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
    // Published as every file is: whole and durable before the input joins it.
    files::write_atomic(&folders.failed, &reason_name(&target_name), text.as_bytes())?;
    fs::rename(input, &target).map_err(err("move to failed", input))?;
    Ok(target)
}

/// A refused input in failed/, as `status` shows it.
#[derive(Debug, PartialEq, Eq)]
pub struct InFailed {
    pub name: String,
    /// When it was refused (its reason file's time), local.
    pub at: String,
    /// Its reason file's text on one line; `None` when it has none.
    pub reason: Option<String>,
}

/// The refused inputs in failed/ now, newest first, each with the reason from its reason file:
/// whoever put them there (`run`, `watch`, or `serve`, which keeps an unreadable body there
/// without the ledger), and only those still there (not retried, not deleted).
pub fn in_failed(failed: &Path) -> Vec<InFailed> {
    let mut found: Vec<(std::time::SystemTime, InFailed)> = Vec::new();
    for entry in fs::read_dir(failed).into_iter().flatten().flatten() {
        let name = folders::escaped_name(&entry.file_name());
        if name.ends_with(REASON) || folders::is_temporary_name(&name) {
            continue;
        }
        let reason_path = failed.join(reason_name(&name));
        let reason = fs::read(&reason_path)
            .ok()
            .map(|text| reason_line(&String::from_utf8_lossy(&text)));
        let when = fs::metadata(&reason_path)
            .or_else(|_| entry.path().symlink_metadata())
            .and_then(|meta| meta.modified())
            .unwrap_or(std::time::SystemTime::UNIX_EPOCH);
        let at = chrono::DateTime::<chrono::Local>::from(when)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string();
        found.push((when, InFailed { name, at, reason }));
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.name.cmp(&b.1.name)));
    found.into_iter().map(|(_, input)| input).collect()
}

/// A reason file's text on one line, without the heading [`fail`] writes (`name: refused
/// TIME`), which says again what the listing shows.
fn reason_line(text: &str) -> String {
    let mut lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if lines.len() > 1 && lines[0].contains(": refused ") {
        lines.remove(0);
    }
    lines.join(" ")
}

/// Creates the done-marker file in the outbox after outputs were published.
pub fn mark_done(folders: &Folders, marker: &str) -> files::Result<PathBuf> {
    files::write_atomic(&folders.outbox, marker, b"").map(|_| folders.outbox.join(marker))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_lists_inputs_with_their_reasons_newest_first_and_never_a_reason_file() {
        let dir = tempfile::tempdir().unwrap();
        let folders = Folders {
            inbox: dir.path().join("inbox"),
            outbox: dir.path().join("outbox"),
            archive: dir.path().join("archive"),
            failed: dir.path().join("failed"),
            state: dir.path().join("state"),
        };
        folders.create_all().unwrap();
        let input = dir.path().join("a.json");
        fs::write(&input, "{").unwrap();
        fail(&input, &folders, "a.json", "truncated JSON").unwrap();
        // As `serve` keeps an unreadable body: one line, no heading.
        fs::write(folders.failed.join("b.json"), "x").unwrap();
        fs::write(
            folders.failed.join("b.json.reason.txt"),
            "refused by bachata1c serve at 2026-11-27 10:15:03 UTC: not JSON\n",
        )
        .unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::options()
            .write(true)
            .open(folders.failed.join("b.json.reason.txt"))
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        let c = folders.failed.join("c.json");
        fs::write(&c, "").unwrap();
        fs::File::options()
            .write(true)
            .open(&c)
            .unwrap()
            .set_modified(hour_ago + std::time::Duration::from_secs(1800))
            .unwrap();
        fs::write(
            folders.failed.join("gone.json.reason.txt"),
            "retried long ago",
        )
        .unwrap();
        fs::write(folders.failed.join(".b.json.42.tmp"), "").unwrap();
        let listed = in_failed(&folders.failed);
        let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a.json", "c.json", "b.json"], "{listed:?}");
        assert_eq!(listed[0].reason.as_deref(), Some("truncated JSON"));
        assert_eq!(listed[1].reason, None);
        assert_eq!(
            listed[2].reason.as_deref(),
            Some("refused by bachata1c serve at 2026-11-27 10:15:03 UTC: not JSON")
        );
        assert_eq!(input_of("a.json.reason.txt"), "a.json");
    }
}
