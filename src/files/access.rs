//! Whether this process may write the exchange folder, checked before any work starts, and
//! what to tell the administrator when it may not: the folder, the user this process runs as,
//! and the command that gives the folders to that user. Without it a service run as its own
//! user over folders `init` made as root stopped on a bare «Permission denied» on a hidden work
//! folder, and systemd restarted it every 10 s.

use std::io;
use std::path::{Path, PathBuf};

/// A part of the exchange folder this process cannot write.
#[derive(Debug)]
pub struct Unwritable {
    /// The part's name as the folders are named: `inbox`, `outbox`, `state` …
    pub part: &'static str,
    /// The part's folder.
    pub folder: PathBuf,
    /// What could not be written there (the folder itself, a hidden work folder, the ledger).
    pub path: PathBuf,
    pub source: io::Error,
    /// The user this process runs as.
    pub user: String,
    /// The exchange folder, when the part's place tells it (`DIR/inbox` → `DIR`).
    pub dir: Option<PathBuf>,
}

impl std::error::Error for Unwritable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl std::fmt::Display for Unwritable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (part, folder, path) = (self.part, self.folder.display(), self.path.display());
        if self.source.kind() == io::ErrorKind::ReadOnlyFilesystem {
            return write!(
                f,
                "the {part} folder {folder} is on a read-only file system (cannot write \
                 {path}: {}); under systemd a unit with ProtectSystem=strict may write only its \
                 ReadWritePaths=: add the exchange folder there, as deploy/linux/*.service does \
                 for /srv/bachata",
                self.source
            );
        }
        let user = &self.user;
        write!(
            f,
            "the {part} folder {folder} cannot be written by the user {user}, which bachata1c \
             runs as (cannot write {path}: {}); ",
            self.source
        )?;
        if cfg!(windows) {
            return write!(
                f,
                "give that user the right to modify the exchange folder: icacls \"{}\" /grant \
                 \"{user}:(OI)(CI)M\" /T",
                self.dir.as_deref().unwrap_or(&self.folder).display()
            );
        }
        let dir = match &self.dir {
            Some(dir) => dir.display().to_string(),
            None => "DIR".to_string(),
        };
        write!(
            f,
            "give the exchange folder to that user, as root: bachata1c init {dir} --owner \
             {user}:GROUP (GROUP: 1C's group, such as grp1cv8, which reads the outbox)"
        )?;
        if self.dir.is_none() {
            write!(f, ", with the --dir or --config the service uses")?;
        }
        Ok(())
    }
}

/// Checks each of `parts` that exists: a folder by making and removing a hidden folder in it, a
/// file by opening it for writing (nothing is written). Only a refusal of the system (no
/// permission, a read-only file system) is reported here; anything else is left to the work
/// itself, which names it. Boxed: the refusal carries three paths and the user, and the
/// callers' error types stay small.
pub fn check_writable(parts: &[(&'static str, &Path, PathBuf)]) -> Result<(), Box<Unwritable>> {
    for (part, folder, path) in parts {
        let probed = if path.is_dir() {
            probe_folder(path)
        } else if path.is_file() {
            std::fs::OpenOptions::new().write(true).open(path).map(drop)
        } else {
            continue;
        };
        match probed {
            Err(source) if is_refusal(&source) => {
                return Err(Box::new(Unwritable {
                    part,
                    folder: folder.to_path_buf(),
                    path: path.clone(),
                    source,
                    user: current_user(),
                    dir: exchange_folder(part, folder),
                }));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A hidden folder made and removed at once: nothing takes it for a webhook, an output or an
/// archived input, even if a crash in between leaves it.
fn probe_folder(folder: &Path) -> io::Result<()> {
    let probe = folder.join(super::temporary_name("bachata1c-write-probe"));
    std::fs::create_dir(&probe)?;
    std::fs::remove_dir(&probe)
}

fn is_refusal(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    )
}

/// `DIR` for a part at its default place `DIR/<part>`.
fn exchange_folder(part: &str, folder: &Path) -> Option<PathBuf> {
    if folder.file_name()? != part {
        return None;
    }
    match folder.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => Some(dir.to_path_buf()),
        _ => Some(PathBuf::from(".")),
    }
}

/// The name of the user this process runs as.
#[cfg(unix)]
pub fn current_user() -> String {
    nix::unistd::User::from_uid(nix::unistd::geteuid())
        .ok()
        .flatten()
        .map_or_else(|| nix::unistd::geteuid().to_string(), |user| user.name)
}

#[cfg(not(unix))]
pub fn current_user() -> String {
    std::env::var("USERNAME").unwrap_or_else(|_| "the current user".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(kind: io::ErrorKind, dir: Option<&str>) -> String {
        Unwritable {
            part: "inbox",
            folder: PathBuf::from("/srv/bachata/inbox"),
            path: PathBuf::from("/srv/bachata/inbox/.bachata1c-work"),
            source: io::Error::from(kind),
            user: "bachata1c".to_string(),
            dir: dir.map(PathBuf::from),
        }
        .to_string()
    }

    #[cfg(unix)]
    #[test]
    fn a_refusal_names_the_folder_the_user_and_init_owner() {
        let text = refused(io::ErrorKind::PermissionDenied, Some("/srv/bachata"));
        for part in [
            "the inbox folder /srv/bachata/inbox",
            "by the user bachata1c",
            "/srv/bachata/inbox/.bachata1c-work",
            "bachata1c init /srv/bachata --owner bachata1c:GROUP",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        let text = refused(io::ErrorKind::PermissionDenied, None);
        assert!(text.contains("init DIR --owner"), "{text}");
    }

    #[cfg(windows)]
    #[test]
    fn on_windows_a_refusal_names_the_user_and_icacls() {
        let text = refused(io::ErrorKind::PermissionDenied, Some("/srv/bachata"));
        assert!(text.contains("by the user bachata1c"), "{text}");
        assert!(text.contains("/grant \"bachata1c:(OI)(CI)M\" /T"), "{text}");
    }

    #[test]
    fn a_read_only_file_system_names_systemds_read_write_paths() {
        let text = refused(io::ErrorKind::ReadOnlyFilesystem, Some("/srv/bachata"));
        assert!(text.contains("read-only file system"), "{text}");
        assert!(text.contains("ReadWritePaths="), "{text}");
    }

    #[test]
    fn the_exchange_folder_is_told_by_a_part_at_its_default_place() {
        assert_eq!(
            exchange_folder("inbox", Path::new("/srv/bachata/inbox")),
            Some(PathBuf::from("/srv/bachata"))
        );
        assert_eq!(
            exchange_folder("inbox", Path::new("inbox")),
            Some(PathBuf::from("."))
        );
        assert_eq!(exchange_folder("inbox", Path::new("/srv/in")), None);
    }

    #[test]
    fn writable_folders_pass_and_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ledger.sqlite"), b"x").unwrap();
        check_writable(&[
            ("state", dir.path(), dir.path().to_path_buf()),
            ("state", dir.path(), dir.path().join("ledger.sqlite")),
            ("state", dir.path(), dir.path().join("missing")),
        ])
        .unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert_eq!(
            std::fs::read(dir.path().join("ledger.sqlite")).unwrap(),
            b"x"
        );
    }
}
