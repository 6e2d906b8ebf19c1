//! `bachata1c init DIR`: create the exchange folders and a config showing every setting.

mod template;

use std::path::{Path, PathBuf};

use super::Exit;
use crate::cli::InitArgs;
use crate::exchange::folders::CONFIG_NAME;
use crate::files;
use crate::files::identity::identity;
use crate::settings;

pub fn run(args: &InitArgs) -> Exit {
    let init = match settings::init(args) {
        Ok(init) => init,
        Err(err) => return super::unusable(err),
    };
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
    crate::say!(
        "bachata1c: exchange folder ready: put webhook files into {}, 1C reads {}",
        init.folders.inbox.display(),
        init.folders.outbox.display()
    );
    Exit::Success
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
