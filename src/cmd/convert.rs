//! `bachata1c convert INPUT... --out DIR`: convert files by hand. Inputs are only read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::cli::ConvertArgs;
use crate::config::Config;
use crate::convert::{self, Settings};
use crate::fsx;
use crate::limits::Limits;
use crate::phone;
use crate::report::{self, Tally};

/// Inputs converted before their outputs are published together (see `fsx::write_atomic_batch`).
/// Bounds what is held in memory, whatever the number of inputs.
const BATCH_FILES: usize = 256;
const BATCH_BYTES: usize = 32 * 1024 * 1024;

pub fn run(args: &ConvertArgs) -> u8 {
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(config) => config,
            Err(err) => {
                crate::say!("bachata1c: {err}");
                return super::UNUSABLE;
            }
        },
        None => Config::default(),
    };
    let settings = Settings {
        layout: args.output.layout_with(&config),
        rules: args.rules.rules_with(&config),
        default_event: args.output.event_with(&config),
    };
    let limits = args.limits.limits(&config.limits);
    if let Err(err) = fsx::create_dir_all(&args.out) {
        crate::say!("bachata1c: {err}");
        return super::UNUSABLE;
    }
    // Loaded on the side while the first input is read and parsed.
    std::thread::spawn(phone::warm_up);
    let mut tally = Tally::default();
    let mut produced: HashMap<String, &Path> = HashMap::new();
    let mut batch = Batch::default();
    let inputs = collect_inputs(&args.inputs, &mut tally);
    if !args.quiet {
        report::show_progress(report::progress_bar(inputs.len()));
    }
    for input in &inputs {
        let outcome = convert_one(input, &settings, &limits, &mut produced);
        batch.push(input, outcome);
        if batch.done.len() >= BATCH_FILES || batch.bytes >= BATCH_BYTES {
            batch.publish(&args.out, &mut produced, &mut tally, args.quiet);
        }
        report::progress_tick();
    }
    batch.publish(&args.out, &mut produced, &mut tally, args.quiet);
    report::show_progress(None);
    crate::say!("bachata1c: {tally}");
    if tally.refused > 0 {
        super::SOME_REFUSED
    } else {
        super::SUCCESS
    }
}

/// What converting one input gave: its conversion and the name of its output, if it has one.
type Outcome = Result<(convert::Conversion, Option<String>), String>;

/// Inputs converted but not yet reported, in input order. Nothing is said about an input
/// before its output is durable, so every line printed is true when it appears.
#[derive(Default)]
struct Batch<'a> {
    done: Vec<(&'a Path, Outcome)>,
    bytes: usize,
}

impl<'a> Batch<'a> {
    fn push(&mut self, input: &'a Path, outcome: Outcome) {
        if let Ok((conversion, Some(_))) = &outcome {
            self.bytes += conversion.output.as_ref().map_or(0, |o| o.bytes.len());
        }
        self.done.push((input, outcome));
    }

    /// Writes the batch's outputs durably, then reports each input in order.
    fn publish(
        &mut self,
        out: &Path,
        produced: &mut HashMap<String, &'a Path>,
        tally: &mut Tally,
        quiet: bool,
    ) {
        let files: Vec<(&str, &[u8])> = self
            .done
            .iter()
            .filter_map(|(_, outcome)| match outcome {
                Ok((conversion, Some(name))) => {
                    Some((name.as_str(), conversion.output.as_ref()?.bytes.as_slice()))
                }
                _ => None,
            })
            .collect();
        let mut written = fsx::write_atomic_batch(out, &files).into_iter();
        let mut reported = Vec::with_capacity(self.done.len());
        for (input, outcome) in std::mem::take(&mut self.done) {
            let (conversion, name) = match outcome {
                Ok(converted) => converted,
                Err(reason) => {
                    report::line(input, format_args!("refused: {reason}"));
                    tally.add_refused();
                    continue;
                }
            };
            let path = match name.map(|name| (written.next(), name)) {
                None => None,
                Some((Some(Ok(path)), _)) => Some(path),
                Some((result, name)) => {
                    let reason = match result {
                        Some(Err(err)) => err.to_string(),
                        _ => "its output was not written".to_string(),
                    };
                    // Nothing of it was published: a later input may use the name.
                    produced.remove(&name);
                    report::line(input, format_args!("refused: {reason}"));
                    tally.add_refused();
                    continue;
                }
            };
            if !quiet {
                for skipped in &conversion.skipped {
                    report::line(
                        input,
                        format_args!("{} skipped: {}", skipped.label(), skipped.reason),
                    );
                }
                match &path {
                    None => report::line(input, "no qualifying client, no file written"),
                    Some(path) => report::line(
                        input,
                        format_args!(
                            "{} → {}",
                            report::plural(conversion.leads.len(), "client"),
                            path.display()
                        ),
                    ),
                }
            }
            tally.add_converted(&conversion);
            reported.push(conversion);
        }
        crate::parallel::drop_aside(reported);
        self.bytes = 0;
    }
}

/// The files named, and the `*.json` files of the folders named, in name order.
/// An input that does not exist is counted as refused.
fn collect_inputs(inputs: &[PathBuf], tally: &mut Tally) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            match fsx::read_dir(input) {
                Ok(mut entries) => {
                    entries.retain(|path| is_webhook_file(path) && path.is_file());
                    entries.sort();
                    files.extend(entries);
                }
                Err(err) => {
                    crate::say!("bachata1c: {err}");
                    tally.add_refused();
                }
            }
        } else {
            files.push(input.clone());
        }
    }
    files
}

/// `*.json`, not hidden (editors and our own temporary files start with a dot).
fn is_webhook_file(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    !name.starts_with('.')
        && path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
}

/// Reads and converts one input and reserves its output name; writes nothing.
fn convert_one<'a>(
    input: &'a Path,
    settings: &Settings,
    limits: &Limits,
    produced: &mut HashMap<String, &'a Path>,
) -> Outcome {
    let bytes = fsx::read_at_most(input, limits.max_input_bytes).map_err(|err| {
        if fsx::is_sharing_violation(&err.source) {
            // The webhook receiver is still writing it: not broken, just not ready.
            "another program still has it open (still being written?); convert it again later"
                .to_string()
        } else {
            err.source.to_string()
        }
    })?;
    let received_at = fsx::modified_local(input).map_err(|err| err.source.to_string())?;
    let source_name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let conversion = convert::convert_limited(&bytes, &source_name, received_at, settings, limits)
        .map_err(|e| e.to_string())?;
    if conversion.output.is_none() {
        return Ok((conversion, None));
    }
    let name = output_name(input, settings.layout.format.extension());
    if let Some(earlier) = produced.get(&name) {
        return Err(format!(
            "its output {name} was already written from {} in this run; convert it into another folder",
            earlier.display()
        ));
    }
    produced.insert(name.clone(), input);
    Ok((conversion, Some(name)))
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
