//! The command line as an administrator types it: the exchange folder as an argument, the
//! options each command takes, the log options of every converting command, and the examples
//! of every `--help`, pasted into a shell as they are printed.
mod common;

use common::exchange::webhook;
use common::{Workdir, run};

/// `bachata1c [command] --help` as a terminal of 80 columns shows it.
fn help(wd: &Workdir, command: &str) -> String {
    let mut args: Vec<&str> = command.split_whitespace().collect();
    args.push("--help");
    let output = wd
        .bachata1c(&args)
        .env("COLUMNS", "80")
        .output()
        .expect("run bachata1c");
    assert!(output.status.success(), "{command} --help");
    String::from_utf8(output.stdout).unwrap()
}

/// Pasting examples into `sh` needs a Unix shell; the Windows build compiles the rest.
#[cfg(unix)]
mod pasted_examples {
    use super::help;
    use crate::common::Workdir;
    use bachata1c::cli::Cli;
    use clap::{CommandFactory, Parser};

    /// Every command's name, and "" for the top level.
    fn commands() -> Vec<String> {
        std::iter::once(String::new())
            .chain(
                Cli::command()
                    .get_subcommands()
                    .map(|sub| sub.get_name().to_string()),
            )
            .collect()
    }

    /// The example command lines of a help text: after `Examples:`, the lines that start with `bachata1c` (after an
    /// optional `sudo` or `VAR=value`), joined with their `\` continuation lines.
    fn examples(help: &str) -> Vec<String> {
        let start =
            regex::Regex::new(r"^(sudo )?([A-Z][A-Z0-9_]*=('[^']*'|\S*) )?bachata1c ").unwrap();
        let mut found = Vec::new();
        let mut lines = help.lines().skip_while(|line| *line != "Examples:");
        while let Some(line) = lines.next() {
            let line = line.trim();
            if !start.is_match(line) {
                continue;
            }
            let mut example = line.strip_prefix("sudo ").unwrap_or(line).to_string();
            while example.ends_with('\\') {
                example.pop();
                match lines.next() {
                    Some(next) => example.push_str(next.trim()),
                    None => break,
                }
            }
            found.push(example);
        }
        found
    }

    /// The arguments a shell passes to `bachata1c` for `example`, by running it with a stand-in
    /// `bachata1c` on the PATH that writes them down.
    fn argv_through_the_shell(wd: &Workdir, example: &str) -> Vec<String> {
        use std::os::unix::fs::PermissionsExt;
        let bin = wd.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let shim = bin.join("bachata1c");
        std::fs::write(
            &shim,
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\0' \"$a\"; done > \"$ARGV_FILE\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
        let argv_file = wd.join("argv");
        let _ = std::fs::remove_file(&argv_file);
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(example)
            .current_dir(wd.path())
            .env("PATH", path)
            .env("ARGV_FILE", &argv_file)
            .status()
            .expect("sh");
        assert!(status.success(), "the shell could not run: {example}");
        let bytes = std::fs::read(&argv_file)
            .unwrap_or_else(|_| panic!("bachata1c was not run by: {example}"));
        bytes
            .split(|&b| b == 0)
            .filter(|part| !part.is_empty())
            .map(|part| String::from_utf8(part.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn every_example_of_every_help_runs_as_pasted_into_a_shell() {
        let wd = Workdir::new();
        let mut checked = 0;
        for command in commands() {
            let text = help(&wd, &command);
            let found = examples(&text);
            assert!(
                !found.is_empty(),
                "`{command} --help` has no example:\n{text}"
            );
            for example in found {
                let argv = argv_through_the_shell(&wd, &example);
                let parsed =
                    Cli::try_parse_from(std::iter::once("bachata1c".to_string()).chain(argv));
                if let Err(err) = parsed {
                    panic!("`{command} --help` example refused when pasted:\n{example}\n{err}");
                }
                checked += 1;
            }
        }
        assert!(checked >= 25, "only {checked} examples found");
    }
}

#[test]
fn the_top_level_help_names_every_format_and_the_site_exchange() {
    let wd = Workdir::new();
    for text in [help(&wd, ""), {
        let output = wd.bachata1c(&["-h"]).output().unwrap();
        String::from_utf8(output.stdout).unwrap()
    }] {
        for word in [
            "CSV",
            "XML",
            "XLSX",
            "CommerceML",
            "EnterpriseData",
            "Обмен с сайтом",
        ] {
            assert!(text.contains(word), "{word} missing from:\n{text}");
        }
    }
}

#[test]
fn serve_lists_its_own_options_first_and_the_converter_s_under_headings() {
    let wd = Workdir::new();
    let text = help(&wd, "serve");
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing from:\n{text}"))
    };
    assert!(at("--listen") < at("Converting (with --convert):"));
    assert!(at("--body-limit <SIZE>") < at("--format <FORMAT>"));
    assert!(at("Converting (with --convert):") < at("--settle <SECS>"));
    assert!(at("Output:") < at("--format <FORMAT>"));
    for heading in ["Exchange folder:", "Which clients are exported:", "Log:"] {
        at(heading);
    }
}

#[test]
fn the_folder_commands_take_the_exchange_folder_as_an_argument() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(wd.join("ex/inbox").is_dir() && wd.join("ex/bachata1c.toml").is_file());

    wd.write("ex/inbox/a.json", webhook(&[("a1", "+79160000001")]));
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        wd.list("ex/outbox").len(),
        2,
        "one CSV and the staging folder"
    );

    let output = wd.bachata1c(&["status", "ex"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("1 client exported"));
    let output = wd
        .bachata1c(&["leads", "ex", "--format", "csv"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("Иван Петров"));

    // The same folder both ways is fine (here once as written, once through `..`).
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "ex", "--dir", "ex/inbox/.."]));
    assert_eq!(code, 0, "{stderr}");
    // Two different folders are a usage error naming both.
    let (code, stderr) = run(&mut wd.bachata1c(&["run", "ex", "--dir", "other"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("ex") && stderr.contains("--dir other"),
        "{stderr}"
    );
}

#[test]
fn retry_keeps_its_arguments_for_names_and_says_so_when_given_a_folder() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    wd.write("ex/failed/bad.json", "{");
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "ex"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("retry --dir ex"),
        "a hint with the command to type: {stderr}"
    );
    assert!(wd.join("ex/failed/bad.json").is_file());
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", "ex", "bad.json"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(wd.join("ex/inbox/bad.json").is_file());
}

#[test]
fn commands_offer_only_the_folder_options_they_use() {
    let wd = Workdir::new();
    for (command, unused) in [
        ("init", "--outbox"),
        ("init", "--inbox"),
        ("status", "--outbox"),
        ("status", "--archive"),
        ("retry", "--outbox"),
        ("retry", "--archive"),
        ("leads", "--outbox"),
    ] {
        let (code, stderr) = run(&mut wd.bachata1c(&[command, unused, "x"]));
        assert_eq!(code, 2, "{command} {unused}: {stderr}");
        assert!(stderr.contains("unexpected argument"), "{stderr}");
        assert!(
            !help(&wd, command).contains(unused),
            "{command} lists {unused}"
        );
    }
}

#[test]
fn convert_has_the_log_options_of_run() {
    let wd = Workdir::new();
    wd.write("in/a.json", webhook(&[("a1", "+79160000001")]));
    let (code, stderr) =
        run(&mut wd.bachata1c(&["convert", "in", "--out", "out", "--log-file", "convert.log"]));
    assert_eq!(code, 0, "{stderr}");
    let log = String::from_utf8(wd.read("convert.log")).unwrap();
    assert!(log.contains("1 client → "), "{log}");

    // -v names what a folder holds that is not taken; -vv is accepted, the same as -v.
    wd.write("in/notes.txt", "not a webhook");
    let (code, stderr) = run(&mut wd.bachata1c(&["convert", "in", "--out", "out2"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("notes.txt"), "only with -v: {stderr}");
    for verbose in ["-v", "-vv"] {
        let (code, stderr) = run(&mut wd.bachata1c(&["convert", "in", "--out", "out2", verbose]));
        assert_eq!(code, 0, "{stderr}");
        assert!(
            stderr.contains("in/notes.txt: not taken: not a .json file"),
            "{verbose}: {stderr}"
        );
    }
    let text = help(&wd, "convert");
    assert!(text.contains("--verbose") && !text.contains("repeat for more"));
}

/// Issue 18 (item 16): a wrong folder got answers that did not say what to do: `run DIR/inbox`
/// offered to create an exchange folder inside the inbox, `leads` on a typo said «no ledger
/// yet», and `retry --dir` on a typo made an inbox there. Each says what is wrong and what to
/// give instead, and makes nothing.
#[test]
fn a_wrong_folder_is_refused_saying_which_folder_to_give() {
    let wd = Workdir::new();
    let (code, stderr) = run(&mut wd.bachata1c(&["init", "ex"]));
    assert_eq!(code, 0, "{stderr}");
    let inbox_given = "ex/inbox is the inbox of the exchange folder ex: give ex itself";
    for args in [
        &["run", "ex/inbox"][..],
        &["watch", "ex/inbox"],
        &["status", "ex/inbox"],
        &["leads", "ex/inbox"],
        &["retry", "--dir", "ex/inbox"],
    ] {
        let (code, stderr) = run(&mut wd.bachata1c(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(inbox_given), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
    assert_eq!(
        wd.list("ex/inbox"),
        [".bachata1c-work"],
        "nothing made in the inbox"
    );
    let typo = "there is no folder exx: check the path";
    for args in [
        &["leads", "exx"][..],
        &["retry", "--dir", "exx"],
        &["retry", "--dir", "exx", "hook.json"],
        &["run", "exx"],
    ] {
        let (code, stderr) = run(&mut wd.bachata1c(args));
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(typo), "{args:?}: {stderr}");
        assert!(!wd.join("exx").exists(), "{args:?} made exx");
    }
    // The exchange folder itself, before anything was converted: `leads` says who makes the
    // ledger, `retry` that nothing waits in failed/.
    let (code, stderr) = run(&mut wd.bachata1c(&["leads", "ex"]));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no ledger yet"), "{stderr}");
    let (code, stderr) = run(&mut wd.bachata1c(&["retry", "--dir", "ex"]));
    assert_eq!(code, 0, "{stderr}");
}
