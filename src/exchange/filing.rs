//! Filing inputs away once their outcome is recorded: to archive/DATE/ or, with the reason
//! beside them, to failed/; and the done marker for 1C setups that wait for one.

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

/// Moves a refused input to `failed/` with `<name>.reason.txt` beside it.
pub fn fail(input: &Path, folders: &Folders, name: &str, reason: &str) -> files::Result<PathBuf> {
    let target = folders::free_name(&folders.failed, name);
    let target_name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.to_string());
    let reason_path = folders.failed.join(reason_name(&target_name));
    let text = format!(
        "{name}: refused {}\r\n{reason}\r\n",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S")
    );
    fs::write(&reason_path, text).map_err(err("write", &reason_path))?;
    fs::rename(input, &target).map_err(err("move to failed", input))?;
    Ok(target)
}

/// Creates the done-marker file in the outbox after outputs were published.
pub fn mark_done(folders: &Folders, marker: &str) -> files::Result<PathBuf> {
    files::write_atomic(&folders.outbox, marker, b"").map(|_| folders.outbox.join(marker))
}
