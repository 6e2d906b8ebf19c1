//! The service and scheduler files under deploy/ that the README tells administrators to
//! install: each parses as its tool reads it, and each bachata1c command line in them is one
//! the command line accepts.
mod common;

use std::path::PathBuf;
use std::process::Command;

use bachata1c::cli::Cli;
use clap::{CommandFactory, Parser};

/// Commands the deploy files name that are built on other branches. Once a command is merged
/// it is a real subcommand and its whole command line is checked: then remove it from here.
const LANDING: &[&str] = &[];

fn deploy(relative: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    (path, text)
}

/// Checks the arguments after `bachata1c` the way the program will see them.
fn assert_command_line(origin: &str, args: &[String]) {
    let command = args.first().map(String::as_str).unwrap_or("");
    let known = Cli::command()
        .get_subcommands()
        .any(|sub| sub.get_name() == command);
    if known {
        let argv = std::iter::once("bachata1c".to_string()).chain(args.iter().cloned());
        if let Err(err) = Cli::try_parse_from(argv) {
            panic!("{origin}: bachata1c {args:?} is refused:\n{err}");
        }
    } else {
        assert!(
            LANDING.contains(&command),
            "{origin}: `{command}` is not a bachata1c command"
        );
    }
}

/// Splits a command line on spaces, honouring double quotes (as systemd, cron's sh and
/// Windows do for the simple lines used here) and `\"` inside quotes (schtasks /TR).
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'"') => {
                word.push('"');
                chars.next();
                in_word = true;
            }
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' | '\t' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            other => {
                word.push(other);
                in_word = true;
            }
        }
    }
    assert!(!quoted, "unbalanced quotes in {line}");
    if in_word {
        words.push(word);
    }
    words
}

/// The words after the first that names the bachata1c executable.
fn bachata1c_args(words: &[String]) -> Vec<String> {
    let at = words
        .iter()
        .position(|w| {
            let name = w.rsplit(['/', '\\']).next().unwrap_or(w);
            // `%~dp0bachata1c.exe` in a .cmd file is the folder of the script.
            name.ends_with("bachata1c") || name.ends_with("bachata1c.exe")
        })
        .unwrap_or_else(|| panic!("no bachata1c in {words:?}"));
    words[at + 1..].to_vec()
}

/// A systemd unit read as the INI dialect systemd uses: sections, `Key=Value`, comments.
fn parse_unit(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut entries = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
            continue;
        }
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("line {}: not Key=Value: {line}", number + 1));
        assert!(
            !section.is_empty(),
            "line {}: key outside a section",
            number + 1
        );
        assert!(
            !key.trim().is_empty() && key.trim().chars().all(|c| c.is_ascii_alphanumeric()),
            "line {}: bad key {key:?}",
            number + 1
        );
        entries.push((section.clone(), key.trim().into(), value.trim().into()));
    }
    entries
}

/// The systemd units under deploy/linux: `watch`, and `serve --convert`.
const UNITS: [&str; 2] = ["linux/bachata1c.service", "linux/bachata1c-serve.service"];

#[test]
fn the_systemd_units_parse_and_run_a_valid_command() {
    for unit in UNITS {
        check_unit(unit);
    }
}

fn check_unit(unit: &str) {
    let (_, text) = deploy(unit);
    let entries = parse_unit(&text);
    let get = |section: &str, key: &str| {
        entries
            .iter()
            .find(|(s, k, _)| s == section && k == key)
            .map(|(_, _, v)| v.clone())
            .unwrap_or_else(|| panic!("no {key} in [{section}]"))
    };
    let sections: Vec<&str> = entries.iter().map(|(s, _, _)| s.as_str()).collect();
    for section in sections {
        assert!(
            ["Unit", "Service", "Install"].contains(&section),
            "{section}"
        );
    }
    assert_eq!(get("Install", "WantedBy"), "multi-user.target");
    let exec = split_words(&get("Service", "ExecStart"));
    assert!(
        exec[0].starts_with('/'),
        "systemd needs an absolute path: {exec:?}"
    );
    assert_command_line(unit, &bachata1c_args(&exec));
    // The one folder it may write is the one it is given.
    let folder = exec
        .iter()
        .skip(2)
        .find(|word| word.starts_with('/'))
        .expect("the exchange folder");
    assert_eq!(&get("Service", "ReadWritePaths"), folder, "{unit}");
}

/// systemd's own check, where the machine has it: unknown keys and bad values are reported.
/// The unit's binary is replaced by the one just built, which is what it checks for.
#[test]
fn systemd_analyze_verify_accepts_the_unit_where_available() {
    if !common::have_tool("systemd-analyze", "Debian package systemd") {
        return;
    }
    for name in UNITS {
        let (_, text) = deploy(name);
        let wd = common::Workdir::new();
        let unit = wd.write(
            name.trim_start_matches("linux/"),
            text.replace("/usr/local/bin/bachata1c", env!("CARGO_BIN_EXE_bachata1c")),
        );
        let output = Command::new("systemd-analyze")
            .arg("verify")
            .arg(&unit)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stderr.trim().is_empty(),
            "systemd-analyze verify {name}: {stderr}"
        );
    }
}

#[test]
fn the_cron_line_has_five_valid_time_fields_a_user_and_a_valid_command() {
    let (_, text) = deploy("linux/bachata1c.cron");
    let ranges = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)];
    let jobs: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter(|l| !l.split_whitespace().next().unwrap_or("").contains('='))
        .collect();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert!(
        text.ends_with('\n'),
        "cron ignores a last line without a newline"
    );
    let fields: Vec<&str> = jobs[0].split_whitespace().collect();
    for (field, (low, high)) in fields[..5].iter().zip(ranges) {
        for part in field.split(',') {
            let (range, step) = part.split_once('/').unwrap_or((part, "1"));
            assert!(step.parse::<u32>().is_ok_and(|s| s > 0), "step {part}");
            if range == "*" {
                continue;
            }
            let (a, b) = range.split_once('-').unwrap_or((range, range));
            for n in [a, b] {
                let n: u32 = n.parse().unwrap_or_else(|_| panic!("field {field}"));
                assert!((low..=high).contains(&n), "{n} out of {low}-{high}");
            }
        }
    }
    // /etc/cron.d lines name the user after the time.
    assert_eq!(fields[5], "bachata1c");
    let command = jobs[0].splitn(7, char::is_whitespace).nth(6).unwrap();
    // The shell's redirections (`2>/dev/null`, `>>log`) are not the program's arguments.
    let words: Vec<String> = split_words(command)
        .into_iter()
        .take_while(|w| !w.contains('>'))
        .collect();
    assert_command_line("bachata1c.cron", &bachata1c_args(&words));
}

/// The cron line as the README shows it (in both languages) is the one in deploy/, and it logs
/// with times (`--log-file`) to a file the logrotate example rotates.
#[test]
fn the_cron_line_logs_with_times_where_logrotate_rotates() {
    let (_, cron) = deploy("linux/bachata1c.cron");
    let line = cron
        .lines()
        .find(|l| l.starts_with("* "))
        .expect("the job line");
    // Every page that shows the line shows this one; the install guide does.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut pages = vec![root.join("README.md"), root.join("README.ru.md")];
    pages.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .map(|entry| entry.unwrap().path()),
    );
    let mut shown_in_install_guide = false;
    for page in pages.iter().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(page).unwrap();
        for shown in text.lines().filter(|l| l.starts_with("* * ")) {
            assert_eq!(
                shown,
                line,
                "{}: the cron line differs from deploy/",
                page.display()
            );
            shown_in_install_guide |= page.ends_with("docs/install.md");
        }
    }
    assert!(
        shown_in_install_guide,
        "docs/install.md shows the cron line"
    );
    let words = split_words(line);
    assert!(words.iter().any(|w| w == "--quiet"), "{line}");
    let at = words
        .iter()
        .position(|w| w == "--log-file")
        .expect("--log-file");
    let log = std::path::Path::new(&words[at + 1]);
    let (_, logrotate) = deploy("logrotate/bachata1c");
    let pattern = logrotate
        .lines()
        .find(|l| l.starts_with('/'))
        .and_then(|l| l.split_whitespace().next())
        .expect("a path pattern");
    let (folder, glob) = pattern.rsplit_once('/').unwrap();
    assert_eq!(log.parent().unwrap().to_str(), Some(folder), "{pattern}");
    let suffix = glob.strip_prefix('*').expect("a `*.ext` pattern");
    assert!(log.to_str().unwrap().ends_with(suffix), "{pattern}");
    // bachata1c reopens its log by name for every line: copytruncate would only lose lines.
    assert!(!logrotate.contains("\n    copytruncate"), "{logrotate}");
}

/// The WinSW services under deploy/windows: `watch`, and `serve --convert` (issue 18, item 16:
/// serve had no Windows recipe).
const WINSW: [(&str, &str, &str); 2] = [
    ("bachata1c-watch", "watch", "install-watch-service.cmd"),
    ("bachata1c-serve", "serve", "install-serve-service.cmd"),
];

#[test]
fn the_winsw_service_xmls_are_well_formed_and_run_a_valid_command() {
    for (id, command, script) in WINSW {
        check_winsw(id, command, script);
    }
}

/// One WinSW service: its XML as xmllint reads it, its command line as bachata1c parses it, and
/// one exchange folder in the arguments, the working folder, the log folder and the script that
/// makes the log folder.
fn check_winsw(id: &str, command: &str, script: &str) {
    let (path, text) = deploy(&format!("windows/{id}.xml"));
    if common::have_xmllint() {
        let output = Command::new("xmllint")
            .arg("--noout")
            .arg(&path)
            .output()
            .expect("xmllint starts");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open).unwrap_or_else(|| panic!("no <{name}>")) + open.len();
        let end = text[start..].find(&format!("</{name}>")).unwrap() + start;
        text[start..end].to_string()
    };
    assert_eq!(element("id"), id);
    assert!(element("executable").ends_with(r"\bachata1c.exe"));
    let args = split_words(&element("arguments"));
    assert_eq!(args[0], command, "{id}");
    assert_command_line(&format!("{id}.xml"), &args);
    let dir = &args[args.iter().position(|a| a == "--dir").expect("--dir") + 1];
    assert_eq!(&element("workingdirectory"), dir, "{id}");
    let logs = element("logpath");
    assert_eq!(logs, format!(r"{dir}\logs"), "{id}");
    let (_, script_text) = deploy(&format!("windows/{script}"));
    assert!(
        script_text.contains(&format!("mkdir \"{logs}\"")),
        "{script} makes {logs}"
    );
    assert!(
        script_text.contains(&format!("{id}.exe\" install")),
        "{script} installs {id}"
    );
}

/// serve's secrets live where the script lets only SYSTEM and the administrators read, and
/// the firewall opens the port it listens on.
#[test]
fn the_windows_serve_service_keeps_its_secrets_apart_and_opens_its_port() {
    let (_, text) = deploy("windows/bachata1c-serve.xml");
    let (_, script) = deploy("windows/install-serve-service.cmd");
    let start = text.find("<arguments>").unwrap() + "<arguments>".len();
    let end = text.find("</arguments>").unwrap();
    let args = split_words(&text[start..end]);
    let value = |option: &str| {
        let at = args
            .iter()
            .position(|a| a == option)
            .unwrap_or_else(|| panic!("{option}"));
        args[at + 1].clone()
    };
    assert!(args.contains(&"--convert".to_string()), "{args:?}");
    let icacls = script
        .lines()
        .find(|line| line.starts_with("icacls "))
        .expect("an icacls line");
    let secrets = split_words(icacls)[1].clone();
    assert!(icacls.contains("/inheritance:r"), "{icacls}");
    for option in ["--password-file", "--tls-cert", "--tls-key"] {
        let file = value(option);
        assert!(
            file.starts_with(&format!(r"{secrets}\")),
            "{option} {file} is not in {secrets}"
        );
    }
    let port = value("--listen").rsplit(':').next().unwrap().to_string();
    assert!(
        script.contains(&format!("localport={port} ")),
        "the firewall rule opens another port than {port}"
    );
}

#[test]
fn the_windows_scripts_use_crlf_and_register_valid_commands() {
    let (_, task) = deploy("windows/install-run-task.cmd");
    let (_, service) = deploy("windows/install-watch-service.cmd");
    let (_, serve) = deploy("windows/install-serve-service.cmd");
    for (name, text) in [
        ("install-run-task.cmd", &task),
        ("install-watch-service.cmd", &service),
        ("install-serve-service.cmd", &serve),
    ] {
        // cmd.exe misreads labels and `^` continuations in LF-only files.
        assert_eq!(
            text.matches('\n').count(),
            text.matches("\r\n").count(),
            "{name}"
        );
    }
    let line = task
        .lines()
        .find(|l| l.starts_with("schtasks "))
        .expect("a schtasks line");
    let words = split_words(line);
    let option = |name: &str| {
        let at = words
            .iter()
            .position(|w| w.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("schtasks without {name}"));
        words[at + 1].clone()
    };
    assert_eq!(words[1], "/Create");
    assert_eq!(option("/SC"), "MINUTE");
    assert_eq!(option("/RU"), "SYSTEM");
    // schtasks refuses a /TR longer than 261 characters; %~dp0 becomes the install folder.
    let tr = option("/TR").replace("%~dp0", r"C:\Program Files\bachata1c\");
    assert!(tr.chars().count() <= 261, "/TR is {} characters", tr.len());
    assert_command_line(
        "install-run-task.cmd",
        &bachata1c_args(&split_words(&option("/TR"))),
    );
    assert!(service.contains("bachata1c-watch.exe\" install"));
}
