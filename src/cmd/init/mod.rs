//! `bachata1c init DIR`: create the exchange folders and a config showing every setting, give
//! them to the service user (`--owner`), and say what is left to do.

mod owner;
mod template;

use std::path::{Path, PathBuf};

use super::Exit;
use crate::cli::InitArgs;
use crate::exchange::folders::CONFIG_NAME;
use crate::files;
use crate::files::identity::identity;
use crate::settings::{self, Init};
use owner::Owner;

pub fn run(args: &InitArgs) -> Exit {
    let init = match settings::init(args) {
        Ok(init) => init,
        Err(err) => return super::unusable(err),
    };
    // Looked up before anything is made: a mistyped user leaves nothing behind.
    let owner = match init.owner.as_deref().map(owner::look_up).transpose() {
        Ok(owner) => owner,
        Err(err) => return super::unusable(err),
    };
    let dir_is_new = !init.dir.exists();
    if let Err(err) = init.folders.create_all() {
        return super::unusable(err);
    }
    if init.config.exists() {
        crate::say!(
            "bachata1c: {}: exists, left as it is",
            init.config.display()
        );
    } else if let Err(err) = write_config(&init.config, &init.dir) {
        return super::unusable(err);
    } else {
        crate::say!("bachata1c: {}: written", init.config.display());
    }
    if let Some(owner) = &owner {
        let dir = dir_is_new.then_some(init.dir.as_path());
        if let Err(err) = owner::give(owner, &init.folders, dir, &init.config) {
            return super::unusable(err);
        }
    }
    crate::say!(
        "bachata1c: exchange folder ready: put webhook files into {}, 1C reads {}",
        init.folders.inbox.display(),
        init.folders.outbox.display()
    );
    if owner.is_none() && owner::running_as_root() {
        crate::say!(
            "bachata1c: warning: run as root, the folders belong to root: a service running as \
             its own user cannot write them («the inbox folder … cannot be written by the user \
             …»). Give them to that user, and the outbox to 1C's group: {} --owner USER:GROUP \
             (for example --owner bachata1c:grp1cv8)",
            init_command(&init)
        );
    }
    for step in next_steps(&init, owner.as_ref()) {
        crate::say!("bachata1c: next: {step}");
    }
    Exit::Success
}

/// The command that makes this exchange folder again, for a hint.
fn init_command(init: &Init) -> String {
    let mut command = format!("bachata1c init {}", init.dir.display());
    if init.config != init.dir.join(CONFIG_NAME) {
        command.push_str(&format!(" --config {}", init.config.display()));
    }
    command
}

/// Who must run the service, and what 1C's OS user needs: what `init` cannot do itself.
fn next_steps(init: &Init, owner: Option<&Owner>) -> Vec<String> {
    let outbox = init.folders.outbox.display();
    if cfg!(windows) {
        return vec![
            format!(
                "run the service (or the scheduled task) as a user who can write {}",
                init.dir.display()
            ),
            format!(
                "give 1C's user read and delete rights on the outbox: icacls \"{outbox}\" \
                 /grant \"USR1CV8:(OI)(CI)M\" /T (USR1CV8: the user 1C's server runs as)"
            ),
        ];
    }
    let user = match owner {
        Some(owner) => owner.user.clone(),
        None if owner::running_as_root() => {
            "the user you give the folders to with --owner, not root".to_string()
        }
        None => owner::current_user(),
    };
    let group_step = match owner.and_then(|owner| owner.group.as_deref()) {
        Some(group) => format!(
            "1C's OS user (often usr1cv8) must be in the group {group} to read and delete the \
             files in {outbox}: usermod -aG {group} usr1cv8"
        ),
        None => format!(
            "1C's OS user (often usr1cv8) needs read and delete rights on {outbox}: as root, \
             {} --owner {}:GROUP with 1C's group (such as grp1cv8)",
            init_command(init),
            owner.map_or("USER".to_string(), |owner| owner.user.clone())
        ),
    };
    vec![
        format!("run the service as {user} (systemd: User= in deploy/linux/bachata1c.service)"),
        group_step,
    ]
}

/// Writes the config at `path`, naming the exchange folder `dir` from there.
fn write_config(path: &Path, dir: &Path) -> files::Result<()> {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| CONFIG_NAME.to_string());
    files::create_dir_all(parent)?;
    let text = template::config(&dir_from(parent, dir));
    files::write_atomic(parent, &name, text.as_bytes()).map(drop)
}

/// `[folders] dir` as the config in `config_folder` names `dir`: `.` beside it, else absolute,
/// so that `--config FILE` alone finds the exchange folder.
fn dir_from(config_folder: &Path, dir: &Path) -> PathBuf {
    if identity(config_folder) == identity(dir) {
        PathBuf::from(".")
    } else {
        std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
    }
}
