//! `init --owner USER[:GROUP]`: who the exchange folder belongs to. Run as root, `init` makes
//! folders only root can write, and a service running as its own user then fails («the inbox
//! folder … cannot be written by the user …»). So the folders and the config are given to the
//! service user, and the outbox also to 1C's group, which must read and delete files there.

use std::path::Path;

use crate::exchange::folders::Folders;

/// Whom the exchange folder is given to.
#[derive(Debug, Clone)]
pub struct Owner {
    pub user: String,
    /// The group 1C's OS user is in; the outbox is writable by it.
    pub group: Option<String>,
    #[cfg(unix)]
    uid: u32,
    /// The user's own group, for every folder but the outbox.
    #[cfg(unix)]
    gid: u32,
    #[cfg(unix)]
    outbox_gid: u32,
}

/// `USER[:GROUP]` looked up on this system; the error says what is wrong in a sentence.
#[cfg(unix)]
pub fn look_up(spec: &str) -> Result<Owner, String> {
    use nix::unistd::{Group, User};
    let (user, group) = match spec.split_once(':') {
        Some((user, group)) => (user, Some(group)),
        None => (spec, None),
    };
    let found = User::from_name(user)
        .map_err(|err| format!("--owner {spec}: cannot look up the user {user:?}: {err}"))?
        .ok_or_else(|| {
            format!(
                "--owner {spec}: there is no user {user:?} on this system; create it first \
                 (useradd --system {user}) or give an existing one (getent passwd)"
            )
        })?;
    let outbox_gid = match group {
        None | Some("") => found.gid.as_raw(),
        Some(group) => Group::from_name(group)
            .map_err(|err| format!("--owner {spec}: cannot look up the group {group:?}: {err}"))?
            .ok_or_else(|| {
                format!(
                    "--owner {spec}: there is no group {group:?} on this system; 1C's OS user \
                     is usually in grp1cv8 or usr1cv8 (getent group)"
                )
            })?
            .gid
            .as_raw(),
    };
    Ok(Owner {
        user: user.to_string(),
        group: group.filter(|g| !g.is_empty()).map(str::to_string),
        uid: found.uid.as_raw(),
        gid: found.gid.as_raw(),
        outbox_gid,
    })
}

/// Windows has no owner to give here: access is granted with `icacls`.
#[cfg(not(unix))]
pub fn look_up(spec: &str) -> Result<Owner, String> {
    let user = spec.split(':').next().unwrap_or(spec);
    Err(format!(
        "--owner is for Unix; on Windows grant access with icacls instead, for example:\n  \
         icacls \"D:\\Exchange\\Bachata\" /grant \"{user}:(OI)(CI)M\" /T\n  \
         icacls \"D:\\Exchange\\Bachata\\outbox\" /grant \"USR1CV8:(OI)(CI)M\" /T"
    ))
}

/// Gives every part of the exchange folder (with what it already holds), the config, and
/// `dir` when `init` made it, to the owner; the outbox also to the group, which may then read
/// and delete there, and which new files in it inherit.
#[cfg(unix)]
pub fn give(
    owner: &Owner,
    folders: &Folders,
    dir: Option<&Path>,
    config: &Path,
) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    for part in [
        &folders.inbox,
        &folders.archive,
        &folders.failed,
        &folders.state,
    ] {
        give_tree(part, owner, owner.gid)?;
    }
    give_tree(&folders.outbox, owner, owner.outbox_gid)?;
    // rwxrwsr-x: the group reads and deletes; set-group-ID keeps new outputs in the group.
    let shared = std::fs::Permissions::from_mode(0o2775);
    for outbox in [folders.outbox.clone(), folders.staging_root()] {
        std::fs::set_permissions(&outbox, shared.clone())
            .map_err(|err| format!("cannot let the group write {}: {err}", outbox.display()))?;
    }
    for path in dir.into_iter().chain([config]) {
        std::os::unix::fs::chown(path, Some(owner.uid), Some(owner.gid))
            .map_err(|err| refused(path, owner, err))?;
    }
    Ok(())
}

#[cfg(not(unix))]
pub fn give(_: &Owner, _: &Folders, _: Option<&Path>, _: &Path) -> Result<(), String> {
    Ok(())
}

/// `path` and everything under it, links themselves and not what they point to.
#[cfg(unix)]
fn give_tree(path: &Path, owner: &Owner, gid: u32) -> Result<(), String> {
    std::os::unix::fs::lchown(path, Some(owner.uid), Some(gid))
        .map_err(|err| refused(path, owner, err))?;
    if path.symlink_metadata().is_ok_and(|meta| meta.is_dir()) {
        let entries = std::fs::read_dir(path)
            .map_err(|err| format!("cannot list {}: {err}", path.display()))?;
        for entry in entries.flatten() {
            give_tree(&entry.path(), owner, gid)?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn refused(path: &Path, owner: &Owner, err: std::io::Error) -> String {
    let hint = match err.kind() {
        std::io::ErrorKind::PermissionDenied => {
            format!(
                " (only root can give files away: run init with sudo, or as {} itself)",
                owner.user
            )
        }
        _ => String::new(),
    };
    format!(
        "cannot give {} to {}: {err}{hint}",
        path.display(),
        owner.user
    )
}

/// Whether this process runs as root, whose folders a service user cannot write.
#[cfg(unix)]
pub fn running_as_root() -> bool {
    nix::unistd::geteuid().is_root()
}

#[cfg(not(unix))]
pub fn running_as_root() -> bool {
    false
}

/// The name of the user this process runs as, for the next steps.
pub use crate::files::access::current_user;
