//! The template against the config's own reading: every key once, the defaults change nothing.

use std::collections::BTreeSet;
use std::path::Path;

use clap::Parser;

use super::{NOT_SET, config};
use crate::cli::{Cli, Command};
use crate::config::Config;
use crate::settings;

/// The keys of one table of the config file as serde knows them: an unknown key is refused
/// with the list of the keys the table has. `None` when `table` is not a table of keys.
fn keys_of(table: &str) -> Option<Vec<String>> {
    let text = match table {
        "" => "zzz_unknown = 1\n".to_string(),
        table => format!("[{table}]\nzzz_unknown = 1\n"),
    };
    let err = Config::parse(&text).unwrap_err();
    let (_, expected) = err.split_once("unknown field `zzz_unknown`, expected")?;
    let keys = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some(keys)
}

/// Every (table, key) the config file accepts, from the serde structs themselves.
fn accepted_keys() -> BTreeSet<(String, String)> {
    let mut found = BTreeSet::new();
    let mut tables = vec![String::new()];
    while let Some(table) = tables.pop() {
        for key in keys_of(&table).expect("a table") {
            let path = if table.is_empty() {
                key.clone()
            } else {
                format!("{table}.{key}")
            };
            match keys_of(&path) {
                Some(_) => tables.push(path),
                None => {
                    found.insert((table.clone(), key));
                }
            }
        }
    }
    found
}

/// The keys of a config text with their tables, commented out or not, and whether each is
/// marked as having no default.
fn written_keys(text: &str) -> Vec<(String, String, bool)> {
    let mut table = String::new();
    let mut keys = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            table = name.to_string();
            continue;
        }
        let setting = line.strip_prefix("# ").unwrap_or(line);
        if let Some((key, _)) = setting.split_once(" = ")
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            keys.push((table.clone(), key.to_string(), line.contains(NOT_SET)));
        }
    }
    keys
}

/// The text with the key lines uncommented: all of them, or only those at their default.
fn uncommented(text: &str, examples_too: bool) -> String {
    text.lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(setting)
                if setting.contains(" = ")
                    && setting.starts_with(|c: char| c.is_ascii_lowercase())
                    && (examples_too || !line.contains(NOT_SET)) =>
            {
                setting.split("  #").next().unwrap_or(setting).to_string()
            }
            _ => line.to_string(),
        })
        .map(|line| line + "\n")
        .collect()
}

#[test]
fn every_key_the_config_accepts_is_in_the_template_once_and_no_other() {
    let text = config(Path::new("."));
    let mut accepted = accepted_keys();
    assert!(accepted.len() >= 60, "{accepted:?}");
    // Old names, still read, are named once in the header, not offered as keys.
    for old in ["header_timeout_secs", "body_timeout_secs"] {
        assert!(
            accepted.remove(&("serve".to_string(), old.to_string())),
            "{old}"
        );
        assert!(text.contains(old), "{old} is not said to be deprecated");
    }
    let written = written_keys(&text);
    let mut seen = BTreeSet::new();
    for (table, key, _) in &written {
        assert!(
            seen.insert((table.clone(), key.clone())),
            "[{table}] {key} twice"
        );
    }
    let missing: Vec<_> = accepted.difference(&seen).collect();
    let unknown: Vec<_> = seen.difference(&accepted).collect();
    assert!(missing.is_empty(), "not in the template: {missing:?}");
    assert!(unknown.is_empty(), "not config keys: {unknown:?}");
    // Every line, examples too, uncommented is a valid config.
    Config::parse(&uncommented(&text, true)).unwrap();
}

/// The settings of `command` run in `dir` as their Debug text.
fn settings_of(args: &[&str]) -> String {
    let cli =
        Cli::try_parse_from(std::iter::once("bachata1c").chain(args.iter().copied())).unwrap();
    match cli.command {
        Command::Run(args) => format!(
            "{:?} {:?}",
            settings::run(&args).unwrap(),
            settings::retention(&args.folders).unwrap()
        ),
        Command::Watch(args) => format!("{:?}", settings::watch(&args).unwrap()),
        Command::Serve(args) => format!("{:?}", settings::serve(&args).unwrap()),
        Command::Convert(args) => format!("{:?}", settings::convert(&args).unwrap()),
        Command::Status(args) => format!(
            "{:?} {:?}",
            settings::status(&args).unwrap(),
            settings::check(&args).unwrap()
        ),
        Command::Leads(args) => format!("{:?}", settings::leads(&args).unwrap()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_defaults_uncommented_set_exactly_what_no_config_does() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("ex");
    std::fs::create_dir_all(&dir).unwrap();
    let dir_text = dir.to_str().unwrap();
    let path = dir.join("bachata1c.toml");
    let path_text = path.to_str().unwrap();
    let defaults = uncommented(&config(Path::new(".")), false);
    for (table, key, unset) in written_keys(&defaults) {
        assert!(
            unset || defaults.contains(&format!("\n{key} = ")),
            "[{table}] {key} is left commented out"
        );
    }
    let commands: [&[&str]; 8] = [
        &["run", dir_text],
        &["watch", dir_text],
        &["watch", dir_text, "--poll"],
        &["serve", dir_text, "--convert"],
        &["status", dir_text],
        &["leads", dir_text],
        &["convert", "in", "--out", "out", "--config", path_text],
        &[
            "convert",
            "in",
            "--out",
            "out",
            "--config",
            path_text,
            "--csv-profile",
            "bsp",
        ],
    ];
    for args in commands {
        std::fs::write(&path, &defaults).unwrap();
        let with_defaults = settings_of(args);
        let without = match args[0] {
            // convert reads a config only when named: an empty one is none.
            "convert" => {
                std::fs::write(&path, "").unwrap();
                settings_of(args)
            }
            _ => {
                std::fs::remove_file(&path).unwrap();
                settings_of(args)
            }
        };
        assert_eq!(with_defaults, without, "{args:?}");
    }
    // [alerts] is resolved on its own until run, watch and serve raise alerts.
    let folders = crate::cli::FolderArgs {
        dir: Some(dir.clone()),
        ..Default::default()
    };
    std::fs::write(&path, &defaults).unwrap();
    let with_defaults = format!("{:?}", settings::alerts(&folders).unwrap());
    std::fs::remove_file(&path).unwrap();
    let without = format!("{:?}", settings::alerts(&folders).unwrap());
    assert_eq!(with_defaults, without);
}
