//! The exchange folder's parts, which names are webhooks (the one filter every command uses),
//! and moves that never overwrite a file.

use std::io;
use std::path::{Path, PathBuf};

use crate::files;

/// The config file `init` writes and `run` finds in the exchange folder.
pub const CONFIG_NAME: &str = "bachata1c.toml";
/// The ledger's file in the state folder.
pub const LEDGER_NAME: &str = "ledger.sqlite";
/// Work area in the inbox (same volume, so that claiming is a rename); hidden from the scan.
const WORK: &str = ".bachata1c-work";
/// Temporary area in the outbox (same volume, so that publishing is a rename); hidden from 1C.
const STAGING: &str = ".bachata1c-tmp";

#[derive(Debug, Clone)]
pub struct Folders {
    pub inbox: PathBuf,
    pub outbox: PathBuf,
    pub archive: PathBuf,
    pub failed: PathBuf,
    pub state: PathBuf,
}

impl Folders {
    pub fn create_all(&self) -> files::Result<()> {
        for dir in [
            &self.inbox,
            &self.outbox,
            &self.archive,
            &self.failed,
            &self.state,
        ] {
            files::create_dir_all(dir)?;
        }
        files::create_dir_all(&self.work_root())?;
        files::create_dir_all(&self.staging_root())
    }

    pub fn work_root(&self) -> PathBuf {
        self.inbox.join(WORK)
    }

    pub fn staging_root(&self) -> PathBuf {
        self.outbox.join(STAGING)
    }

    pub fn ledger(&self) -> PathBuf {
        Folders::ledger_in(&self.state)
    }

    /// The ledger of the state folder `state`.
    pub fn ledger_in(state: &Path) -> PathBuf {
        state.join(LEDGER_NAME)
    }

    /// What a worker writes, by the part it belongs to: each folder, its hidden work folder,
    /// and the ledger with SQLite's files beside it (checked before the work starts).
    pub fn written(&self) -> Vec<(&'static str, &Path, PathBuf)> {
        let ledger = self.ledger();
        let mut written = vec![
            ("inbox", self.inbox.as_path(), self.inbox.clone()),
            ("inbox", self.inbox.as_path(), self.work_root()),
            ("outbox", self.outbox.as_path(), self.outbox.clone()),
            ("outbox", self.outbox.as_path(), self.staging_root()),
            ("archive", self.archive.as_path(), self.archive.clone()),
            ("failed", self.failed.as_path(), self.failed.clone()),
            ("state", self.state.as_path(), self.state.clone()),
        ];
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = ledger.clone().into_os_string();
            file.push(suffix);
            written.push(("state", self.state.as_path(), PathBuf::from(file)));
        }
        written
    }
}

/// The parts of an exchange folder, as `init` names them.
const PARTS: [&str; 5] = ["inbox", "outbox", "archive", "failed", "state"];

/// When `dir` is a part of an exchange folder (its inbox, given where the exchange folder
/// belongs: `bachata1c run /srv/bachata/inbox`): the part's name and that exchange folder,
/// known by its inbox beside a state folder or a config.
pub fn part_of_exchange_folder(dir: &Path) -> Option<(&'static str, PathBuf)> {
    let name = dir.file_name()?.to_str()?;
    let part = PARTS.into_iter().find(|part| *part == name)?;
    let parent = match dir.parent()? {
        parent if parent.as_os_str().is_empty() => Path::new("."),
        parent => parent,
    };
    let looks_like_one = parent.join("inbox").is_dir()
        && (parent.join("state").is_dir() || parent.join(CONFIG_NAME).is_file());
    looks_like_one.then(|| (part, parent.to_path_buf()))
}

/// What to do when `path`, a part of the exchange folder (`DIR/inbox`, `DIR/state`…), is
/// missing, when the folder it was looked for in tells: `DIR` is itself a part of an exchange
/// folder (its inbox given for the folder), or `DIR` does not exist at all (a typo).
pub fn missing_part_hint(path: &Path) -> Option<String> {
    let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty())?;
    if let Some((part, exchange)) = part_of_exchange_folder(dir) {
        return Some(format!(
            "{} is the {part} of the exchange folder {}: give {} itself",
            dir.display(),
            exchange.display(),
            exchange.display()
        ));
    }
    (!dir.exists()).then(|| {
        format!(
            "there is no folder {}: check the path; the exchange folder is the one `bachata1c init` made, holding inbox/, failed/ and state/",
            dir.display()
        )
    })
}

/// Only `*.json` is a webhook, so the names writers use while writing (`*.tmp`, `*.part`,
/// `*.partial`) are not; nor are dot-files (ours and editors') and `~*` (Office's locks).
pub fn is_webhook_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !name.starts_with('.')
        && !name.starts_with('~')
        && lower.ends_with(".json")
        && lower.len() > ".json".len()
}

/// Names that are never webhooks and never worth a word: hidden files (ours, editors', the
/// receivers' `.webhook-*.tmp`), `~*` (Office's locks) and the names writers use while writing.
pub fn is_temporary_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with('~')
        || [".tmp", ".part", ".partial"]
            .iter()
            .any(|ext| lower.ends_with(ext))
}

/// A name that is not taken but is said: a webhook saved under another extension (Notepad's
/// `hook.json.txt`), or another tool's file. It is left in the inbox.
pub fn is_foreign_name(name: &str) -> bool {
    !is_webhook_name(name) && !is_temporary_name(name)
}

/// The name a file left for its name would be taken under: `hook.json.txt` → `hook.json`,
/// `hook.txt` → `hook.json`.
pub fn webhook_name_for(name: &str) -> String {
    if let Some(intended) = intended_webhook_name(name) {
        return intended;
    }
    let stem = match name.rfind('.') {
        Some(dot) if dot > 0 => &name[..dot],
        _ => name,
    };
    format!("{stem}.json")
}

/// The webhook's name a file's name shows was meant, when `.json` is in it but not at its end:
/// `hook.json.txt` (Notepad's «Text documents» adds its own extension to the name typed) →
/// `hook.json`. The one rule for it: `convert`, `run` and `status` all say the same.
pub fn intended_webhook_name(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let at = lower.rfind(".json").filter(|&at| at > 0)?;
    Some(name[..at + ".json".len()].to_string())
}

/// How many entries of `dir` have a webhook's name (also those whose name is not UTF-8,
/// which the next scan renames); 0 when it cannot be listed.
pub fn count_webhooks(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| is_webhook_name(&escaped_name(&e.file_name())))
                .count()
        })
        .unwrap_or(0)
}

/// The regular files of the inbox left there for their name (see [`is_foreign_name`]), sorted.
pub fn foreign_files(inbox: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(inbox)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|kind| kind.is_file()))
        .map(|e| escaped_name(&e.file_name()))
        .filter(|name| is_foreign_name(name))
        .collect();
    names.sort();
    names
}

/// How many files of the outbox 1C has not taken away yet: all but the hidden ones (the
/// staging folder, files being written).
pub fn count_outputs(outbox: &Path) -> usize {
    std::fs::read_dir(outbox)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|kind| kind.is_file()))
                .filter(|e| !is_temporary_name(&escaped_name(&e.file_name())))
                .count()
        })
        .unwrap_or(0)
}

/// A file name that is not valid UTF-8 as text: each byte that is not part of a UTF-8
/// character as `%XX` (on Windows, each lone UTF-16 surrogate as `%uXXXX`). `bad\xff.json`
/// becomes `bad%FF.json`.
pub fn escaped_name(name: &std::ffi::OsStr) -> String {
    let mut text = String::new();
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        for chunk in name.as_bytes().utf8_chunks() {
            text.push_str(chunk.valid());
            for byte in chunk.invalid() {
                text.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStrExt;
        for unit in char::decode_utf16(name.encode_wide()) {
            match unit {
                Ok(c) => text.push(c),
                Err(lone) => text.push_str(&format!("%u{:04X}", lone.unpaired_surrogate())),
            }
        }
    }
    text
}

/// `dir/name`, or `dir/stem (2).ext`, `(3)`… when that name is taken.
pub fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !exists(&first) {
        return first;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name, ""),
    };
    (2..)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|path| !exists(path))
        .unwrap_or(first)
}

fn exists(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// Moves `from` into `dir` under its name or a free variant; returns where it went.
pub fn move_into(from: &Path, dir: &Path, name: &str) -> io::Result<PathBuf> {
    let target = free_name(dir, name);
    std::fs::rename(from, &target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_json_names_are_webhooks() {
        for name in ["hook.json", "HOOK.JSON", "диалог 1.json"] {
            assert!(is_webhook_name(name), "{name}");
        }
        for name in [
            ".hook.json",
            "~hook.json",
            "hook.json.tmp",
            "hook.tmp",
            "hook.part",
            "hook.partial",
            "hook.txt",
            ".json",
        ] {
            assert!(!is_webhook_name(name), "{name}");
        }
    }

    #[test]
    fn names_left_in_the_inbox_are_temporary_or_foreign() {
        for name in [
            ".webhook-1.json.42.tmp",
            "~$hook.json",
            "a.json.tmp",
            "a.PART",
            "b.partial",
        ] {
            assert!(is_temporary_name(name) && !is_foreign_name(name), "{name}");
        }
        for name in ["hook.json.txt", "hook.txt", "README", "hook.json.bak"] {
            assert!(is_foreign_name(name), "{name}");
        }
        assert!(!is_foreign_name("hook.json"));
        assert_eq!(webhook_name_for("hook.json.txt"), "hook.json");
        assert_eq!(webhook_name_for("Hook.JSON.txt"), "Hook.JSON");
        assert_eq!(webhook_name_for("hook.txt"), "hook.json");
        assert_eq!(webhook_name_for("hook"), "hook.json");
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_escaped_byte_by_byte() {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"bad\xff\xfe \xd0\xb4.json");
        assert_eq!(escaped_name(name), "bad%FF%FE д.json");
    }

    #[test]
    fn free_names_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_name(dir.path(), "a.json"), dir.path().join("a.json"));
        std::fs::write(dir.path().join("a.json"), "").unwrap();
        std::fs::write(dir.path().join("a (2).json"), "").unwrap();
        assert_eq!(
            free_name(dir.path(), "a.json"),
            dir.path().join("a (3).json")
        );
    }
}
