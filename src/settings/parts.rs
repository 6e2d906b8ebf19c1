//! The exchange folder's parts, given once and kept apart, and the commands that need only
//! them (`status`, `report`, `retry`, `leads`).

use super::*;

pub fn status(args: &StatusArgs) -> Result<Folders, Error> {
    folder(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        state: args.state.clone(),
        ..FolderArgs::default()
    })
}

/// `report`: the folders as `status` finds them, the config in use, and what makes `status`
/// look at the same folder.
pub fn report(args: &ReportArgs) -> Result<bundle::Settings, Error> {
    let given_args = given(&FolderArgs {
        folder: args.folder.clone(),
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        state: args.state.clone(),
        ..FolderArgs::default()
    })?;
    let source = Source::of(&given_args)?;
    let config = match (&given_args.config, &given_args.dir) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(dir)) if dir.join(CONFIG_NAME).is_file() => Some(dir.join(CONFIG_NAME)),
        _ => None,
    };
    let mut status_args = Vec::new();
    for (option, value) in [
        ("--dir", &given_args.dir),
        ("--config", &given_args.config),
        ("--inbox", &given_args.inbox),
        ("--failed", &given_args.failed),
        ("--state", &given_args.state),
    ] {
        if let Some(value) = value {
            status_args.push(option.into());
            status_args.push(value.clone().into_os_string());
        }
    }
    status_args.push("--failures".into());
    status_args.push(crate::support::parts::REASONS.to_string().into());
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from(format!(
            "bachata1c-report-{}.zip",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        ))
    });
    Ok(bundle::Settings {
        folders: source.folders(&given_args)?,
        config,
        out,
        logs: args.log_file.clone(),
        personal_data: args.with_personal_data,
        status_args,
    })
}

pub fn retry(args: &RetryArgs) -> Result<Folders, Error> {
    // `bachata1c retry /srv/bachata`: a folder where a name of failed/ belongs.
    if args.dir.is_none()
        && args.config.is_none()
        && let Some(name) = args.names.iter().find(|name| Path::new(name).is_dir())
    {
        return Err(Error::RetryFolderAsName(PathBuf::from(name)));
    }
    folder(&FolderArgs {
        dir: args.dir.clone(),
        config: args.config.clone(),
        inbox: args.inbox.clone(),
        failed: args.failed.clone(),
        ..FolderArgs::default()
    })
}

/// `leads`: where the ledger is, and which leads to list how.
#[derive(Debug, Clone)]
pub struct Leads {
    pub folders: Folders,
    pub filter: crate::ledger::Filter,
    pub format: ListFormat,
}

pub fn leads(args: &crate::cli::LeadsArgs) -> Result<Leads, Error> {
    let when = |option: &'static str, text: &Option<String>| -> Result<Option<String>, Error> {
        text.as_deref().map(|text| moment(option, text)).transpose()
    };
    Ok(Leads {
        folders: folder(&FolderArgs {
            folder: args.folder.clone(),
            dir: args.dir.clone(),
            config: args.config.clone(),
            state: args.state.clone(),
            ..FolderArgs::default()
        })?,
        filter: crate::ledger::Filter {
            states: args.only.iter().map(|&state| state.into()).collect(),
            since: when("--since", &args.since)?,
            until: when("--until", &args.until)?,
            limit: args.limit.or(match args.format {
                crate::cli::ListFormat::Table => Some(50),
                _ => None,
            }),
        },
        format: args.format.into(),
    })
}

/// `2026-12-01` or `2026-12-01 14:30[:05]` as the ledger's sortable text.
fn moment(option: &'static str, text: &str) -> Result<String, Error> {
    let text = text.trim();
    let parsed = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_hms_opt(0, 0, 0).unwrap_or_default())
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S"))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .map_err(|_| Error::Moment {
            option,
            text: text.to_string(),
        })?;
    Ok(parsed.format("%Y-%m-%d %H:%M:%S").to_string())
}

pub(super) fn folder(args: &FolderArgs) -> Result<Folders, Error> {
    let args = given(args)?;
    Source::of(&args)?.folders(&args)
}

/// The folder options with the exchange folder given once: the positional DIR and `--dir` are
/// the same setting, so both may be given only when they name the same folder.
pub(super) fn given(args: &FolderArgs) -> Result<FolderArgs, Error> {
    let dir = match (&args.folder, &args.dir) {
        (Some(positional), Some(option)) if !same_folder(positional, option) => {
            return Err(Error::TwoDirs {
                positional: positional.clone(),
                option: option.clone(),
            });
        }
        (Some(folder), _) | (None, Some(folder)) => Some(folder.clone()),
        (None, None) => None,
    };
    Ok(FolderArgs {
        folder: None,
        dir,
        ..args.clone()
    })
}

/// Whether two paths name one folder, as the system resolves them.
fn same_folder(a: &Path, b: &Path) -> bool {
    identity(a) == identity(b)
}

/// The parts of the exchange folder must not share a folder, and none may lie inside the
/// outbox or the archive; the error names both folders and their options and keys.
///
/// Which nesting is harmless follows from what reads each folder: the inbox, failed/ and
/// state/ are only ever read at their top level (the inbox and failed/ for *.json files,
/// state/ for the ledger), so another part inside them is never taken for theirs. But 1C's
/// OS user reads and deletes files in the outbox, and its loaders may search subfolders; and
/// every file in archive/ and its subfolders counts as a converted input (a lost ledger is
/// told by them, and `--new-ledger` records them as converted).
pub(super) fn apart(parts: &[(&'static str, &Path)]) -> Result<(), Error> {
    let identities: Vec<PathBuf> = parts.iter().map(|(_, path)| identity(path)).collect();
    for (i, (part, path)) in parts.iter().enumerate() {
        for (j, (other, other_path)) in parts.iter().enumerate() {
            let relation = relation(&identities[i], &identities[j]);
            let why = match (relation, *other) {
                (Relation::Apart, _) => continue,
                (Relation::Same, _) if j <= i => continue,
                (Relation::Same, _) => overlap_reason(part, other),
                (Relation::Inside, "outbox" | "archive") => overlap_reason(other, other),
                (Relation::Inside, _) => continue,
            };
            return Err(Error::Overlap {
                part,
                path: path.to_path_buf(),
                other,
                other_path: other_path.to_path_buf(),
                inside: relation == Relation::Inside,
                why,
            });
        }
    }
    Ok(())
}

/// Why `part` cannot share (or, for the outbox and the archive, lie in) `other`'s folder.
fn overlap_reason(part: &str, other: &str) -> &'static str {
    let either = |name| part == name || other == name;
    if either("outbox") {
        "1C's user reads and deletes what is in the outbox (its loaders may search \
         subfolders): it would see, and could delete, what bachata1c keeps there"
    } else if either("archive") {
        "everything in archive/ and its subfolders counts as a converted input: waiting \
         webhooks or the ledger there would be taken for archived ones"
    } else if either("inbox") && either("failed") {
        "every *.json there is taken as a webhook, so a refused input would be taken again \
         and again"
    } else {
        "each part keeps files of its own kind, told apart by the folder they are in"
    }
}
