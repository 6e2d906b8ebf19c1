//! What support asks first: which bachata1c on which system, and the exchange folder's parts
//! as the system sees them — who owns each, its permissions, what it holds, the free space.

use std::fmt::Write;
use std::path::Path;

use crate::ledger::inspect;

/// `versions.txt`: bachata1c, the system, SQLite and the ledger's schema.
pub fn versions(ledger: &Path) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "bachata1c {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        text,
        "system: {} {} ({})",
        std::env::consts::OS,
        std::env::consts::ARCH,
        os_release()
    );
    let _ = writeln!(
        text,
        "host: {}",
        gethostname::gethostname().to_string_lossy()
    );
    let _ = writeln!(text, "run as: {}", crate::files::access::current_user());
    let _ = writeln!(
        text,
        "time: {}",
        chrono::Local::now().format("%Y-%m-%d %H:%M:%S %:z")
    );
    if !ledger.is_file() {
        let _ = writeln!(text, "ledger: {}: none yet", ledger.display());
        return text;
    }
    match inspect::describe(ledger) {
        Ok(found) => {
            let _ = writeln!(text, "SQLite: {}", found.sqlite_version);
            let _ = writeln!(
                text,
                "ledger: {} (user_version {})",
                ledger.display(),
                found.user_version
            );
            let _ = writeln!(text, "\nThe ledger's schema:\n");
            for statement in found.schema {
                let _ = writeln!(text, "{statement};\n");
            }
        }
        Err(err) => {
            let _ = writeln!(text, "ledger: {}: cannot be read: {err}", ledger.display());
        }
    }
    text
}

/// The system's own name for itself: `/etc/os-release` on Linux, `ver` on Windows.
fn os_release() -> String {
    if cfg!(target_os = "linux") {
        let release = std::fs::read_to_string("/etc/os-release").unwrap_or_default();
        let name = release
            .lines()
            .find_map(|line| line.strip_prefix("PRETTY_NAME="))
            .map(|name| name.trim_matches('"').to_string())
            .unwrap_or_else(|| "unknown distribution".to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        return format!("{name}, kernel {}", kernel.trim());
    }
    if cfg!(windows) {
        let ver = std::process::Command::new("cmd")
            .args(["/C", "ver"])
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
            .unwrap_or_default();
        return if ver.is_empty() {
            "Windows".to_string()
        } else {
            ver
        };
    }
    std::env::consts::FAMILY.to_string()
}

/// One line about a file or folder: kind, owner, permissions, entries, free space.
pub fn describe_path(label: &str, path: &Path) -> String {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) => return format!("{label}: {}: {err}", path.display()),
    };
    let kind = if meta.file_type().is_symlink() {
        "link"
    } else if meta.is_dir() {
        "folder"
    } else {
        "file"
    };
    let mut line = format!("{label}: {} ({kind}", path.display());
    let _ = write!(line, ", {}", ownership(&meta));
    if meta.is_dir() {
        let entries = std::fs::read_dir(path).map(Iterator::count);
        match entries {
            Ok(n) => {
                let _ = write!(line, ", {n} {}", if n == 1 { "entry" } else { "entries" });
            }
            Err(err) => {
                let _ = write!(line, ", cannot be listed: {err}");
            }
        }
        if let Some(free) = free_space(path) {
            let _ = write!(line, ", {} free", crate::limits::human_size(free));
        }
    } else {
        let _ = write!(line, ", {}", crate::limits::human_size(meta.len()));
    }
    line.push(')');
    line
}

#[cfg(unix)]
fn ownership(meta: &std::fs::Metadata) -> String {
    use nix::unistd::{Gid, Group, Uid, User};
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let user = User::from_uid(Uid::from_raw(meta.uid()))
        .ok()
        .flatten()
        .map_or_else(|| meta.uid().to_string(), |user| user.name);
    let group = Group::from_gid(Gid::from_raw(meta.gid()))
        .ok()
        .flatten()
        .map_or_else(|| meta.gid().to_string(), |group| group.name);
    let mode = meta.permissions().mode();
    format!(
        "owner {user}:{group}, mode {:04o} {}",
        mode & 0o7777,
        rwx(mode)
    )
}

#[cfg(not(unix))]
fn ownership(meta: &std::fs::Metadata) -> String {
    // Windows keeps rights in ACLs: `icacls FOLDER` shows them.
    if meta.permissions().readonly() {
        "read-only".to_string()
    } else {
        "writable (rights: icacls)".to_string()
    }
}

/// `rwxrws---`, as `ls -l` shows a mode.
#[cfg(unix)]
fn rwx(mode: u32) -> String {
    let mut text = String::new();
    for (shift, special, set) in [(6, 0o4000, 's'), (3, 0o2000, 's'), (0, 0o1000, 't')] {
        let bits = (mode >> shift) & 0o7;
        text.push(if bits & 4 != 0 { 'r' } else { '-' });
        text.push(if bits & 2 != 0 { 'w' } else { '-' });
        text.push(match (bits & 1 != 0, mode & special != 0) {
            (true, true) => set,
            (false, true) => set.to_ascii_uppercase(),
            (true, false) => 'x',
            (false, false) => '-',
        });
    }
    text
}

/// Bytes free to an unprivileged user on `path`'s file system (as `status --check` reads it).
fn free_space(path: &Path) -> Option<u64> {
    fs4::available_space(path).ok()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_folder_shows_its_owner_mode_entries_and_free_space() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "x").unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o2770)).unwrap();
        let line = describe_path("inbox", dir.path());
        assert!(line.contains("mode 2770 rwxrws---"), "{line}");
        assert!(line.contains("1 entry,"), "{line}");
        assert!(line.contains("owner "), "{line}");
        assert!(line.contains(" free"), "{line}");
        let missing = describe_path("archive", &dir.path().join("none"));
        assert!(missing.starts_with("archive: ") && missing.contains("No such file"));
    }
}
