//! The glue for `status --check` and the alerts: `[alerts]`'s thresholds under the options
//! over the defaults, into the monitor's own settings.

use std::path::{Path, PathBuf};

use super::{Error, Source, given};
use crate::cli::{CheckArgs, FolderArgs, StatusArgs};
use crate::config::AlertsConfig;
use crate::monitor::threshold::Limit;
use crate::monitor::{self, Parts, Thresholds};

/// `status --check`: where the exchange folder is, and the thresholds.
pub fn check(args: &StatusArgs) -> Result<monitor::Settings, Error> {
    let folder_args = given(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        state: args.state.clone(),
        ..FolderArgs::default()
    })?;
    let source = Source::of(&folder_args)?;
    let folders = source.folders(&folder_args)?;
    let name = source
        .dir(&folder_args)
        .or_else(|| folders.inbox.parent().map(PathBuf::from))
        .unwrap_or_else(|| folders.inbox.clone());
    Ok(monitor::Settings {
        parts: Parts::of(name, &folders),
        thresholds: thresholds(&source.config.alerts, &args.check),
    })
}

/// The thresholds: each option over its `[alerts]` key over its default. `run`, `watch` and
/// `serve` judge by the config's (`CheckArgs::default()`).
pub fn thresholds(file: &AlertsConfig, args: &CheckArgs) -> Thresholds {
    let defaults = Thresholds::default();
    Thresholds {
        max_waiting: pick(
            args.max_waiting,
            file.max_waiting,
            defaults.max_waiting,
            |s| s.0,
        ),
        max_1c_silence: pick(
            args.max_1c_silence,
            file.max_1c_silence,
            defaults.max_1c_silence,
            |s| s.0,
        ),
        max_webhook_silence: pick(
            args.max_webhook_silence,
            file.max_webhook_silence,
            defaults.max_webhook_silence,
            |s| s.0,
        ),
        max_refused: pick(
            args.max_refused,
            file.max_refused,
            defaults.max_refused,
            |n| n.0,
        ),
        min_free_disk: pick(
            args.min_free_disk,
            file.min_free_disk,
            defaults.min_free_disk,
            |s| s.0,
        ),
    }
}

/// The option, else the key, else the default; `off` is `None`.
fn pick<T, V>(
    given: Option<Limit<T>>,
    file: Option<Limit<T>>,
    default: Option<V>,
    value: impl Fn(T) -> V,
) -> Option<V> {
    match given.or(file) {
        None => default,
        Some(limit) => limit.get().map(value),
    }
}

/// What `serve`'s `/metrics` reads: the parts of the exchange folder it knows (`known`, by
/// name), the state folder only when given.
pub(super) fn serve_parts(
    source: &Source,
    args: &FolderArgs,
    known: &[(&'static str, &Path)],
) -> Result<Parts, Error> {
    let part = |name| {
        known
            .iter()
            .find(|(part, _)| *part == name)
            .map(|(_, path)| path.to_path_buf())
    };
    let inbox = super::webhook_folder(source, args, "inbox")?;
    let failed = super::webhook_folder(source, args, "failed")?;
    Ok(Parts {
        folder: source
            .dir(args)
            .or_else(|| inbox.parent().map(PathBuf::from))
            .unwrap_or_else(|| inbox.clone()),
        state: part("state"),
        disks: known
            .iter()
            .map(|(name, path)| (*name, path.to_path_buf()))
            .collect(),
        inbox,
        failed,
    })
}
