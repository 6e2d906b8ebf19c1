//! Every option defined once (issue 19): `settings::options::all()` holds each config key with
//! its flag and its default, taken from the constant the settings use. These tests fail when
//! the help's `[default: N]`, the commented line `init` writes or the row of
//! docs/configuration.md says otherwise, and when an option is missing from the table.

mod common;

use std::collections::BTreeMap;

use bachata1c::cli::Cli;
use bachata1c::settings::options::{self, Default, Opt};
use clap::CommandFactory;
use common::Workdir;

/// Each long flag's help (the long help when it has one), for every command that has the flag.
fn helps() -> BTreeMap<String, Vec<(String, String)>> {
    let mut found: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut cli = Cli::command();
    cli.build();
    for command in cli.get_subcommands() {
        for arg in command.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(|help| help.to_string())
                .unwrap_or_default();
            let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
            found
                .entry(long.to_string())
                .or_default()
                .push((command.get_name().to_string(), help));
        }
    }
    found
}

/// The config `init` writes, by section: each key's line as written (commented or not).
fn template() -> BTreeMap<(String, String), String> {
    let dir = Workdir::new();
    let folder = dir.path().join("exchange");
    let out = dir
        .bachata1c(&["init", folder.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(folder.join("bachata1c.toml")).unwrap();
    let mut lines = BTreeMap::new();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let bare = line.strip_prefix("# ").unwrap_or(line);
        if let Some((key, _)) = bare.split_once(" = ")
            && !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            lines.insert((section.clone(), key.to_string()), line.to_string());
        }
    }
    lines
}

/// docs/configuration.md's table: the Default cell of each (section, key).
fn docs() -> BTreeMap<(String, String), String> {
    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let mut rows = BTreeMap::new();
    let mut section = String::new();
    for line in page.lines().filter(|line| line.starts_with("| ")) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        if let Some(name) = cells[0]
            .strip_prefix("**`[")
            .and_then(|c| c.strip_suffix("]`**"))
        {
            section = name.to_string();
            continue;
        }
        if cells.len() < 3 {
            continue;
        }
        // `[alerts.email] host`, `port`: keys of a table inside the section.
        let (table, keys) = match cells[0].strip_prefix("`[") {
            Some(rest) => {
                let (name, keys) = rest.split_once("] ").unwrap();
                (name.to_string(), format!("`{keys}"))
            }
            None => (section.clone(), cells[0].to_string()),
        };
        for key in keys.split(", ") {
            let key = key.trim_matches('`');
            rows.insert((table.clone(), key.to_string()), cells[2].to_string());
        }
    }
    rows
}

fn place(opt: &Opt) -> (String, String) {
    (opt.section.to_string(), opt.key.to_string())
}

#[test]
fn the_help_states_each_options_default_as_its_definition_does() {
    let wrong = help_disagrees(&options::all());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn help_disagrees(defined: &[Opt]) -> Vec<String> {
    let helps = helps();
    let mut wrong = Vec::new();
    for opt in defined.iter().cloned() {
        let Some(flag) = opt.flag else { continue };
        let Some(seen) = helps.get(flag) else {
            wrong.push(format!(
                "--{flag} ({} {}): no command has it",
                opt.section, opt.key
            ));
            continue;
        };
        for (command, help) in seen {
            // `leads --format` is the listing's format, another option of the same name.
            if (command.as_str(), flag) == ("leads", "format") {
                continue;
            }
            let stated = help
                .split_once("[default: ")
                .map(|(_, rest)| rest.trim_end_matches(']'));
            match (opt.default.in_help(), stated) {
                (Some(default), Some(stated)) => {
                    let ends = stated
                        .strip_prefix(default.as_str())
                        .map(|rest| rest.is_empty() || rest.starts_with([';', ',', ' ', ']']));
                    if ends != Some(true) {
                        wrong.push(format!("{command} --{flag}: help says [default: {stated}, the definition {default}"));
                    }
                }
                (Some(default), None) => wrong.push(format!(
                    "{command} --{flag}: the help states no default; the definition's is {default}"
                )),
                (None, _) => {}
            }
        }
    }
    wrong
}

#[test]
fn every_flag_whose_help_states_a_default_is_defined() {
    let flags: Vec<&str> = options::all().iter().filter_map(|opt| opt.flag).collect();
    // Flags of one command with nothing in the config: their defaults are where they are used.
    let own = [
        "config", "failures", "limit", "out", "timeout", "log-file", "files", "only",
    ];
    let missing: Vec<String> = helps()
        .into_iter()
        .filter(|(flag, seen)| {
            seen.iter().any(|(_, help)| help.contains("config: ["))
                && !flags.contains(&flag.as_str())
                && !own.contains(&flag.as_str())
        })
        .map(|(flag, _)| flag)
        .collect();
    assert!(
        missing.is_empty(),
        "flags with a config key but no definition in settings::options: {missing:?}"
    );
}

#[test]
fn init_writes_each_option_at_its_defined_default() {
    let wrong = template_disagrees(&options::all());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn template_disagrees(defined: &[Opt]) -> Vec<String> {
    let lines = template();
    let mut wrong = Vec::new();
    for opt in defined.iter().cloned() {
        let Some(line) = lines.get(&place(&opt)) else {
            wrong.push(format!(
                "[{}] {}: init writes no line",
                opt.section, opt.key
            ));
            continue;
        };
        let value = line
            .split_once(" = ")
            .map(|(_, value)| value.split("  #").next().unwrap().trim())
            .unwrap();
        let ok = match (&opt.default, opt.default.in_config()) {
            (_, Some(default)) => line.starts_with("# ") && value == default,
            (Default::Unset, None) => line.contains("not set by default"),
            (_, None) => true,
        };
        if !ok {
            wrong.push(format!(
                "[{}] {}: init writes {line:?}; defined: {:?}",
                opt.section, opt.key, opt.default
            ));
        }
    }
    wrong
}

#[test]
fn every_key_init_writes_is_defined() {
    let places: Vec<(String, String)> = options::all().iter().map(place).collect();
    let missing: Vec<String> = template()
        .into_keys()
        .filter(|place| !place.0.starts_with("mapping") && !places.contains(place))
        .map(|(section, key)| format!("[{section}] {key}"))
        .collect();
    assert!(
        missing.is_empty(),
        "written by init, not in settings::options: {missing:?}"
    );
}

#[test]
fn the_configuration_page_gives_each_option_its_defined_default() {
    let wrong = docs_disagree(&options::all());
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

fn docs_disagree(defined: &[Opt]) -> Vec<String> {
    let rows = docs();
    let mut wrong = Vec::new();
    for opt in defined.iter().cloned() {
        let Some(cell) = rows.get(&place(&opt)) else {
            wrong.push(format!(
                "[{}] {}: no row in docs/configuration.md",
                opt.section, opt.key
            ));
            continue;
        };
        let shown = [opt.default.in_help(), opt.default.in_config()];
        let ok = match &opt.default {
            Default::Unset => cell.starts_with("not set"),
            // Several folders in one row: `DIR/inbox` …
            Default::Part(_) => cell.contains("`DIR/"),
            Default::Derived => true,
            _ => shown
                .iter()
                .flatten()
                .any(|value| cell.split('`').skip(1).step_by(2).next() == Some(value.as_str())),
        };
        if !ok {
            wrong.push(format!(
                "[{}] {}: the page's default is {cell:?}; defined: {:?}",
                opt.section, opt.key, opt.default
            ));
        }
    }
    wrong
}

/// The checks above can fail: a definition changed in one place is found in each of the three.
#[test]
fn a_default_that_differs_is_caught() {
    for (key, changed) in [
        ("lease_seconds", Default::Plain("301".into())),
        ("listen", Default::Text("127.0.0.1:8081".into())),
        ("max_waiting", Default::Text("3h".into())),
        ("commerceml_file", Default::Text("leads.xml".into())),
    ] {
        let mut defined = options::all();
        let opt = defined.iter_mut().find(|opt| opt.key == key).unwrap();
        opt.default = changed;
        let one = std::slice::from_ref(opt);
        assert!(!help_disagrees(one).is_empty(), "help, {key}");
        assert!(!template_disagrees(one).is_empty(), "init, {key}");
        assert!(!docs_disagree(one).is_empty(), "docs, {key}");
    }
}
