//! The glue for `status --check` and the alerts: `[alerts]`'s thresholds under the options
//! over the defaults, into the monitor's own settings; and for `run`, `watch` and `serve` the
//! same thresholds with the alert channels.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Error, Source, given};
use crate::alerts::Deliver;
use crate::alerts::flow::{DEFAULT_CHECK_EVERY, Setup};
use crate::cli::{CheckArgs, FolderArgs, ServeArgs, StatusArgs};
use crate::config::AlertsConfig;
use crate::exchange::folders::Folders;
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
    Ok(monitor::Settings {
        parts: check_parts(&source, &folder_args)?,
        thresholds: thresholds(&source.config.alerts, &args.check),
    })
}

/// The parts of the exchange folder `status --check` reads, named as it names them.
fn check_parts(source: &Source, args: &FolderArgs) -> Result<Parts, Error> {
    let folders = source.folders(args)?;
    let name = source
        .dir(args)
        .or_else(|| folders.inbox.parent().map(PathBuf::from))
        .unwrap_or_else(|| folders.inbox.clone());
    Ok(Parts::of(name, &folders))
}

/// `run` and `watch`: the alerts of the exchange folder `args` names, judged as `status
/// --check` judges it (the same parts, `[alerts]`'s thresholds); `None` when no alert channel
/// is set up, and then nothing is evaluated.
pub fn alerting(args: &FolderArgs) -> Result<Option<Setup>, Error> {
    let args = given(args)?;
    let source = Source::of(&args)?;
    let parts = check_parts(&source, &args)?;
    setup(&source, parts)
}

/// `serve`: the alerts over the parts it knows (what `/metrics` reads), `run`'s otherwise.
pub fn serve_alerting(args: &FolderArgs, parts: &Parts) -> Result<Option<Setup>, Error> {
    let args = given(args)?;
    setup(&Source::of(&args)?, parts.clone())
}

/// Where `serve`'s alert lines go: its log options, as `--convert` takes them.
pub fn serve_log(args: &ServeArgs) -> crate::report::LogSettings {
    super::log(&args.watch.run.log)
}

fn setup(source: &Source, mut parts: Parts) -> Result<Option<Setup>, Error> {
    let file = &source.config.alerts;
    let every = match file.check_every_seconds {
        None => DEFAULT_CHECK_EVERY,
        Some(0) => {
            return Err(Error::AlertsValue {
                key: "check_every_seconds",
                value: "0".into(),
                expected: "a number of seconds, 1 or more,",
            });
        }
        Some(seconds) => Duration::from_secs(seconds),
    };
    let channels = super::alerts::channels(source)?;
    if channels.channels().is_empty() {
        return Ok(None);
    }
    // What was told is kept in the ledger: without it, every start would alert again.
    let Some(state) = parts.state.clone() else {
        return Err(Error::AlertsNoState);
    };
    // A message read on a phone names the folder in full, however the command was given it.
    if let Ok(folder) = std::path::absolute(&parts.folder) {
        parts.folder = folder;
    }
    Ok(Some(Setup {
        channels,
        ledger: Folders::ledger_in(&state),
        flow: monitor::Settings {
            parts,
            thresholds: thresholds(file, &CheckArgs::default()),
        },
        every,
    }))
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
