//! `bachata1c convert INPUT... --out DIR`: convert files by hand. Inputs are only read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Exit;
use crate::cli::ConvertArgs;
use crate::conversion::{self, Converted};
use crate::exchange::folders::{intended_webhook_name, is_webhook_name};
use crate::files::{self, AfterFailure, Published, Staging};
use crate::format::Format;
use crate::format::encoding::replaced_note;
use crate::payload::ReadError;
use crate::report::{self, Level, Log, Tally, plural};
use crate::settings;

/// Inputs converted before their outputs are published together: at most this many files or
/// bytes, so that what is held in memory is bounded whatever the number of inputs.
const GROUP_FILES: usize = 256;
const GROUP_BYTES: usize = 32 * 1024 * 1024;

pub fn run(args: &ConvertArgs) -> Exit {
    let settings = match settings::convert(args) {
        Ok(settings) => settings,
        Err(err) => return super::unusable(err),
    };
    let log = match Log::open(settings.log.level, settings.log.file.as_deref()) {
        Ok(log) => log,
        Err(err) => return super::unusable(err),
    };
    let mut tally = Tally::default();
    let Collected { inputs, left_out } = collect_inputs(&settings.inputs, &log, &mut tally);
    if inputs.iter().all(|input| is_missing(input)) && (!inputs.is_empty() || !left_out.is_empty())
    {
        // Nothing named can be converted: a mistyped name, or files not named as webhooks
        // (issue 14). A usage error, said before anything is made, the output folder too.
        for input in &inputs {
            log.file(Level::Problem, input, "no such file or folder");
        }
        for (path, why) in &left_out {
            log.file(Level::Problem, path, format_args!("not taken: {why}"));
        }
        log.note(
            Level::Problem,
            "no input to convert: name webhook files, or folders holding *.json files; \
             nothing was written",
        );
        return Exit::Unusable;
    }
    for (path, why) in &left_out {
        log.file(Level::Detail, path, format_args!("not taken: {why}"));
    }
    if let Err(err) = files::create_dir_all(&settings.out) {
        return super::unusable(err);
    }
    if settings.orders_file_ignored && settings.conversion.layout.format == Format::Commerceml {
        log.note(
            Level::Summary,
            "note: [output] commerceml_file is kept by run, watch and serve --convert in the \
             exchange folder; convert writes one file per input",
        );
    }
    // Loaded on the side while the first input is read and parsed.
    crate::parallel::in_background(crate::phone::warm_up);
    let mut produced: HashMap<String, &Path> = HashMap::new();
    if log.shows(Level::File) {
        log.set_bar(report::progress_bar(inputs.len()));
    }
    let mut group = Group::new(&settings.out, settings.conversion.layout.format);
    for input in &inputs {
        let outcome = convert_one(input, &settings, &mut produced);
        group.push(input, outcome);
        if group.done.len() >= GROUP_FILES || group.bytes >= GROUP_BYTES {
            group.publish(&mut produced, &mut tally, &log);
        }
        log.tick();
    }
    group.publish(&mut produced, &mut tally, &log);
    log.set_bar(None);
    log.note(Level::Summary, tally.read_summary());
    if tally.refused > 0 {
        Exit::SomeRefused
    } else {
        Exit::Success
    }
}

/// What converting one input gave: its conversion and the name of its output, if it has one.
type Outcome = Result<(Converted, Option<String>), Refusal>;

/// Why an input is refused, as its line says after the input's name.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("another program still has it open (still being written?); convert it again later")]
    StillOpen,
    /// The line names the input already: the reason alone.
    #[error("{}", .0.source)]
    Unreadable(files::Error),
    #[error(transparent)]
    Unconvertible(#[from] ReadError),
    #[error(
        "its output {name} was already written from {} in this run; convert it into another folder",
        earlier.display()
    )]
    NameTaken { name: String, earlier: PathBuf },
    /// Its output could not be written or published: shared by the group's inputs when the
    /// group could not be made durable.
    #[error(transparent)]
    Unpublished(Arc<files::Error>),
}

/// Inputs converted but not yet reported, in input order. Nothing is said about an input
/// before its output is durable, so every line printed is true when it appears.
struct Group<'a> {
    done: Vec<(&'a Path, Outcome)>,
    bytes: usize,
    out: &'a Path,
    /// The outputs' format, for what their lines say of replaced characters.
    format: Format,
}

impl<'a> Group<'a> {
    fn new(out: &'a Path, format: Format) -> Self {
        Group {
            done: Vec::new(),
            bytes: 0,
            out,
            format,
        }
    }

    fn push(&mut self, input: &'a Path, outcome: Outcome) {
        if let Ok((converted, Some(_))) = &outcome {
            self.bytes += converted.output.as_ref().map_or(0, |o| o.bytes.len());
        }
        self.done.push((input, outcome));
    }

    /// Publishes the group's outputs durably, by the one publish step of a batch
    /// (files::publish), then reports each input in order.
    fn publish(&mut self, produced: &mut HashMap<String, &'a Path>, tally: &mut Tally, log: &Log) {
        let done = std::mem::take(&mut self.done);
        self.bytes = 0;
        let (paths, synced) = publish_outputs(self.out, &done);
        let mut reported = Vec::with_capacity(done.len());
        for ((input, outcome), path) in done.into_iter().zip(paths) {
            let refused = |reason: &Refusal, tally: &mut Tally| {
                log.file(Level::Problem, input, format_args!("refused: {reason}"));
                tally.add_refused();
            };
            let (converted, name) = match outcome {
                Ok(converted) => converted,
                Err(reason) => {
                    refused(&reason, tally);
                    continue;
                }
            };
            let path = match path.transpose() {
                Ok(path) => path,
                Err(reason) => {
                    // Nothing of it was published: a later input may use the name.
                    if let Some(name) = &name {
                        produced.remove(name);
                    }
                    refused(&reason, tally);
                    continue;
                }
            };
            for skipped in &converted.skipped {
                log.file(
                    Level::File,
                    input,
                    format_args!("{} skipped: {}", skipped.label(), skipped.reason),
                );
            }
            let replaced = converted.output.as_ref().map_or(0, |o| o.replaced_chars);
            match &path {
                None => log.file(Level::File, input, "no qualifying client, no file written"),
                Some(path) => log.file(
                    Level::File,
                    input,
                    format_args!(
                        "{} → {}{}",
                        plural(converted.leads.len(), "client"),
                        path.display(),
                        replaced_note(self.format, replaced)
                            .map(|note| format!("; {note}"))
                            .unwrap_or_default()
                    ),
                ),
            }
            tally.add_converted(converted.leads.len(), &converted.skipped, replaced);
            reported.push(converted);
        }
        if let Err(err) = synced {
            log.note(Level::Problem, err);
        }
        crate::parallel::drop_aside(reported);
    }
}

/// Writes and publishes the outputs of `done` into `out`: by input, the path its output was
/// published at, or why it was not (`None`: it has no output); then whether the published
/// names were made durable. What was not published is removed.
fn publish_outputs(
    out: &Path,
    done: &[(&Path, Outcome)],
) -> (Vec<Option<Result<PathBuf, Refusal>>>, files::Result<()>) {
    let mut staging = Staging::beside(out);
    let outputs: Vec<(usize, &str, &[u8])> = done
        .iter()
        .enumerate()
        .filter_map(|(i, (_, outcome))| match outcome {
            Ok((converted, Some(name))) => {
                let bytes = converted.output.as_ref().map_or(&[][..], |o| &o.bytes);
                Some((i, name.as_str(), bytes))
            }
            _ => None,
        })
        .collect();
    let written = staging.write_all(outputs.iter().map(|&(_, name, bytes)| (name, bytes)));
    let durable: Vec<&str> = outputs
        .iter()
        .zip(&written)
        .filter(|(_, written)| written.is_ok())
        .map(|(&(_, name, _), _)| name)
        .collect();
    let Published { each, synced } = staging.publish_all(&durable, AfterFailure::TryTheRest);
    let mut each = each.into_iter();
    let mut paths: Vec<Option<Result<PathBuf, Refusal>>> = done.iter().map(|_| None).collect();
    for (&(i, name, _), written) in outputs.iter().zip(written) {
        paths[i] = Some(match written {
            Err(err) => Err(Refusal::Unpublished(err)),
            Ok(()) => match each.next().flatten() {
                Some(Ok(path)) => Ok(path),
                Some(Err(err)) => {
                    staging.discard(name);
                    Err(Refusal::Unpublished(Arc::new(err)))
                }
                None => unreachable!("every durable output is tried"),
            },
        });
    }
    (paths, synced)
}

/// What the inputs named hold: the files to convert, and the entries of the folders named that
/// are not taken, each with the reason.
struct Collected {
    inputs: Vec<PathBuf>,
    left_out: Vec<(PathBuf, String)>,
}

/// The files named, and the webhook files of the folders named (by the one name filter every
/// command uses), in name order. A folder that cannot be listed is counted as refused.
fn collect_inputs(inputs: &[PathBuf], log: &Log, tally: &mut Tally) -> Collected {
    let mut collected = Collected {
        inputs: Vec::new(),
        left_out: Vec::new(),
    };
    for input in inputs {
        if !input.is_dir() {
            collected.inputs.push(input.clone());
            continue;
        }
        match files::read_dir(input) {
            Ok(mut entries) => {
                entries.sort();
                for path in entries {
                    match why_not_taken(&path) {
                        None => collected.inputs.push(path),
                        Some(why) => collected.left_out.push((path, why)),
                    }
                }
            }
            Err(err) => {
                log.note(Level::Problem, err);
                tally.add_refused();
            }
        }
    }
    collected
}

/// Why an entry of an input folder is not converted, in words that say what to do about it;
/// `None` for a webhook file.
fn why_not_taken(path: &Path) -> Option<String> {
    let name = path
        .file_name()
        .map(crate::exchange::folders::escaped_name)
        .unwrap_or_default();
    if is_webhook_name(&name) {
        return (!path.is_file()).then(|| "not a regular file".to_string());
    }
    if path.is_dir() {
        return Some("a folder; folders inside an input folder are not read".to_string());
    }
    if name.starts_with('.') {
        return Some("hidden (its name starts with a dot)".to_string());
    }
    if name.starts_with('~') {
        return Some("a lock file (its name starts with ~)".to_string());
    }
    if let Some(intended) = intended_webhook_name(&name) {
        return Some(format!(
            "not a .json file; rename it to {intended} to convert it"
        ));
    }
    Some("not a .json file; only the *.json files of a folder are converted".to_string())
}

/// Whether nothing is there by that name (a broken link is something: reading it says what is
/// wrong, and so does a folder that cannot be looked into).
fn is_missing(path: &Path) -> bool {
    matches!(path.symlink_metadata(), Err(err) if err.kind() == std::io::ErrorKind::NotFound)
}

/// Reads and converts one input and reserves its output name; writes nothing.
fn convert_one<'a>(
    input: &'a Path,
    settings: &settings::Convert,
    produced: &mut HashMap<String, &'a Path>,
) -> Outcome {
    let bytes = files::read_at_most(input, settings.limits.max_input_bytes).map_err(|err| {
        if files::is_sharing_violation(&err.source) {
            // The webhook receiver is still writing it: not broken, just not ready.
            Refusal::StillOpen
        } else {
            Refusal::Unreadable(err)
        }
    })?;
    let received_at = files::modified_local(input).map_err(Refusal::Unreadable)?;
    let source_name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let converted = conversion::convert_limited(
        &bytes,
        &source_name,
        received_at,
        &settings.conversion,
        &settings.limits,
    )?;
    if converted.output.is_none() {
        return Ok((converted, None));
    }
    let name = output_name(input, settings.conversion.layout.format.extension());
    if let Some(earlier) = produced.get(&name) {
        return Err(Refusal::NameTaken {
            name,
            earlier: earlier.to_path_buf(),
        });
    }
    produced.insert(name.clone(), input);
    Ok((converted, Some(name)))
}

/// `hook-42.json` → `hook-42.csv`: only the input's own name, never a payload field, so an
/// output always lands inside the output folder.
pub fn output_name(input: &Path, extension: &str) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "webhook".to_string());
    format!("{stem}.{extension}")
}
