//! `bachata1c convert INPUT... --out DIR`: convert files by hand. Inputs are only read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::cli::ConvertArgs;
use crate::config::Config;
use crate::convert::{self, Settings};
use crate::fsx;
use crate::report::{self, Tally};

pub fn run(args: &ConvertArgs) -> u8 {
    let config = match &args.config {
        Some(path) => match Config::load(path) {
            Ok(config) => config,
            Err(err) => {
                eprintln!("bachata1c: {err}");
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
    if let Err(err) = fsx::create_dir_all(&args.out) {
        eprintln!("bachata1c: {err}");
        return super::UNUSABLE;
    }
    let mut tally = Tally::default();
    let mut produced: HashMap<String, PathBuf> = HashMap::new();
    for input in collect_inputs(&args.inputs, &mut tally) {
        match convert_one(&input, &settings, &args.out, &mut produced, args.quiet) {
            Ok(conversion) => tally.add_converted(&conversion),
            Err(reason) => {
                report::line(&input, format_args!("refused: {reason}"));
                tally.add_refused();
            }
        }
    }
    eprintln!("bachata1c: {tally}");
    if tally.refused > 0 {
        super::SOME_REFUSED
    } else {
        super::SUCCESS
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
                    eprintln!("bachata1c: {err}");
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

fn convert_one(
    input: &Path,
    settings: &Settings,
    out: &Path,
    produced: &mut HashMap<String, PathBuf>,
    quiet: bool,
) -> Result<convert::Conversion, String> {
    let bytes = fsx::read(input).map_err(|err| err.source.to_string())?;
    let received_at = fsx::modified_local(input).map_err(|err| err.source.to_string())?;
    let source_name = input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let conversion =
        convert::convert(&bytes, &source_name, received_at, settings).map_err(|e| e.to_string())?;
    if !quiet {
        for skipped in &conversion.skipped {
            report::line(
                input,
                format_args!("{} skipped: {}", skipped.label(), skipped.reason),
            );
        }
    }
    let Some(output) = &conversion.output else {
        if !quiet {
            report::line(input, "no qualifying client, no file written");
        }
        return Ok(conversion);
    };
    let name = output_name(input, settings.layout.format.extension());
    if let Some(earlier) = produced.get(&name) {
        return Err(format!(
            "its output {name} was already written from {} in this run; convert it into another folder",
            earlier.display()
        ));
    }
    let written = fsx::write_atomic(out, &name, &output.bytes).map_err(|err| err.to_string())?;
    produced.insert(name, input.to_path_buf());
    if !quiet {
        report::line(
            input,
            format_args!(
                "{} → {}",
                report::plural(conversion.leads.len(), "client"),
                written.display()
            ),
        );
    }
    Ok(conversion)
}

/// `hook-42.json` → `hook-42.csv`: only the input's own name, never a payload field.
fn output_name(input: &Path, extension: &str) -> String {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "webhook".to_string());
    format!("{stem}.{extension}")
}
