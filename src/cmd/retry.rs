//! `bachata1c retry [NAME...]`: move refused inputs from failed/ back to the inbox, dropping
//! their `.reason.txt`; the next `run` or `watch` takes them again. A reason file's name means
//! its input, since that is the file one opens to see why; a name not in failed/ is an error.

use super::Exit;
use crate::cli::RetryArgs;
use crate::exchange::filing;
use crate::exchange::folders::{self, is_webhook_name};
use crate::settings;

pub fn run(args: &RetryArgs) -> Exit {
    let folders = match settings::retry(args) {
        Ok(folders) => folders,
        Err(err) => return super::unusable(err),
    };
    // A mistyped folder must not get an inbox made in it, nor say «nothing to retry».
    if !folders.failed.is_dir() {
        let why = folders::missing_part_hint(&folders.failed).unwrap_or_else(|| {
            "no such folder: nothing was refused here, or this is not the exchange folder \
             (`bachata1c status DIR` shows what one holds)"
                .to_string()
        });
        crate::say!("bachata1c: {}: {why}", folders.failed.display());
        return Exit::Unusable;
    }
    let names: Vec<String> = if args.names.is_empty() {
        // Every input in failed/; never a reason file, which is not a webhook's name.
        match std::fs::read_dir(&folders.failed) {
            Ok(entries) => {
                let mut names: Vec<String> = entries
                    .flatten()
                    .filter_map(|e| e.file_name().to_str().map(String::from))
                    .filter(|n| is_webhook_name(n))
                    .collect();
                names.sort();
                names
            }
            Err(err) => {
                crate::say!("bachata1c: cannot list {}: {err}", folders.failed.display());
                return Exit::Unusable;
            }
        }
    } else {
        let mut names: Vec<String> = Vec::new();
        for name in &args.names {
            let input = filing::input_of(name).to_string();
            if !names.contains(&input) {
                names.push(input);
            }
        }
        names
    };
    if let Err(err) = crate::files::create_dir_all(&folders.inbox) {
        crate::say!("bachata1c: {err}");
        return Exit::Unusable;
    }
    let mut status = Exit::Success;
    for name in &names {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            crate::say!("bachata1c: {name}: give the name of a file in failed/, not a path");
            status = Exit::SomeRefused;
            continue;
        }
        let from = folders.failed.join(name);
        if from.symlink_metadata().is_err() {
            crate::say!(
                "bachata1c: {}: not in failed/, nothing to retry",
                from.display()
            );
            status = Exit::SomeRefused;
            continue;
        }
        match folders::move_into(&from, &folders.inbox, name) {
            Ok(to) => {
                let _ = std::fs::remove_file(folders.failed.join(filing::reason_name(name)));
                crate::say!("bachata1c: {}: back in {}", from.display(), to.display());
            }
            Err(err) => {
                crate::say!("bachata1c: {}: cannot move it back: {err}", from.display());
                status = Exit::SomeRefused;
            }
        }
    }
    if status == Exit::Success {
        crate::say!("bachata1c: {} file(s) moved back to the inbox", names.len());
    }
    status
}
