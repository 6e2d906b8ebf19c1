//! The merge rules on their own: an option over the config's key over the default, and the
//! checks across options, each on a real config file in a temporary folder.

use std::path::Path;

use clap::Parser;

use super::*;
use crate::cli::{Cli, Command};

/// An exchange folder with its inbox, and `bachata1c.toml` holding `config`.
fn folder(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("inbox")).unwrap();
    std::fs::write(dir.path().join(CONFIG_NAME), config).unwrap();
    dir
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut line = vec!["bachata1c", args[0], dir.to_str().unwrap()];
    line.extend(&args[1..]);
    Cli::try_parse_from(line).unwrap().command
}

fn run_with(dir: &Path, args: &[&str]) -> Result<exchange::Settings, Error> {
    let mut line = vec!["run"];
    line.extend(args);
    match command(dir, &line) {
        Command::Run(args) => run(&args),
        _ => unreachable!(),
    }
}

fn serve_with(dir: &Path, args: &[&str]) -> Result<serve::Settings, Error> {
    let mut line = vec!["serve"];
    line.extend(args);
    match command(dir, &line) {
        Command::Serve(args) => serve(&args),
        _ => unreachable!(),
    }
}

#[test]
fn an_option_wins_over_the_config_which_wins_over_the_default() {
    let none = folder("");
    let set = folder("[watch]\ngive_up_after_seconds = 7\n[output]\nformat = \"commerceml\"\n");
    let default = run_with(none.path(), &[]).unwrap();
    assert_eq!(default.give_up_after, DEFAULT_GIVE_UP_AFTER);
    assert_eq!(default.conversion.layout.format, Format::default());
    let configured = run_with(set.path(), &[]).unwrap();
    assert_eq!(configured.give_up_after, Duration::from_secs(7));
    assert_eq!(configured.conversion.layout.format, Format::Commerceml);
    let given = run_with(set.path(), &["--give-up-after", "3", "--format", "xml"]).unwrap();
    assert_eq!(given.give_up_after, Duration::from_secs(3));
    assert_eq!(given.conversion.layout.format, Format::Xml);
}

#[test]
fn seconds_take_the_option_then_the_key_then_the_default_and_refuse_a_negative() {
    let names = ("--lease", "lease_seconds");
    let default = Duration::from_secs(300);
    assert_eq!(
        seconds(Some(5.0), Some(7.0), default, names)
            .unwrap()
            .as_secs(),
        5
    );
    assert_eq!(
        seconds(None, Some(7.0), default, names).unwrap().as_secs(),
        7
    );
    assert_eq!(seconds(None, None, default, names).unwrap(), default);
    let err = seconds(None, Some(-1.0), default, names).unwrap_err();
    assert!(err.to_string().contains("lease_seconds"), "{err}");
}

#[test]
fn serve_takes_its_keys_under_its_options() {
    let dir = folder("[serve]\nlisten = \"127.0.0.1:9000\"\npath = \"/hook\"\n");
    let configured = serve_with(dir.path(), &[]).unwrap();
    assert_eq!(configured.listen.port(), 9000);
    assert_eq!(configured.path, "/hook");
    let given = serve_with(dir.path(), &["--listen", "127.0.0.1:0", "--path", "/b"]).unwrap();
    assert_eq!(given.listen.port(), 0);
    assert_eq!(given.path, "/b");
    let default = serve_with(folder("").path(), &[]).unwrap();
    assert_eq!(default.listen.to_string(), DEFAULT_LISTEN);
    assert_eq!(default.path, DEFAULT_WEBHOOK_PATH);
}

#[test]
fn the_webhook_path_cannot_be_a_path_serve_answers_itself() {
    let dir = folder("");
    for path in [HEALTH_PATH, METRICS_PATH] {
        assert!(serve_with(dir.path(), &["--path", path]).is_err(), "{path}");
    }
}

#[test]
fn two_parts_of_the_exchange_folder_cannot_be_one_folder() {
    let dir = folder("[folders]\noutbox = \"inbox\"\n");
    let err = run_with(dir.path(), &[]).unwrap_err();
    assert!(matches!(err, Error::Overlap { .. }), "{err}");
    assert!(err.to_string().contains("[folders] outbox"), "{err}");
}

#[test]
fn dir_and_the_positional_folder_must_agree() {
    let dir = folder("");
    let other = folder("");
    let err = run_with(dir.path(), &["--dir", other.path().to_str().unwrap()]).unwrap_err();
    assert!(matches!(err, Error::TwoDirs { .. }), "{err}");
    run_with(dir.path(), &["--dir", dir.path().to_str().unwrap()]).unwrap();
}

#[test]
fn watch_rescans_no_faster_than_the_least_interval() {
    let dir = folder("");
    let Command::Watch(args) = command(dir.path(), &["watch", "--rescan", "0"]) else {
        unreachable!()
    };
    assert_eq!(watch(&args).unwrap().rescan, MIN_RESCAN);
    let Command::Watch(args) = command(dir.path(), &["watch", "--poll"]) else {
        unreachable!()
    };
    assert_eq!(watch(&args).unwrap().rescan, DEFAULT_POLL_RESCAN);
}
