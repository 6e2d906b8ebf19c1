//! docs/monitoring.md and its Russian twin say what the code does: their example output is a
//! check's, their NRPE, Nagios and Zabbix lines run (with the test's binary and folder put in)
//! and give the check's verdict, and their Prometheus scrape configuration, followed as
//! Prometheus follows it, gets the metrics from a real `serve`, every one of which the pages
//! list.
mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::exchange::webhook;
use common::onec::{Client, OneCDatabase, Profile};
use common::server::{PASSWORD, Server};
use common::{Workdir, run};

const USER: &str = "bachata";
/// The exchange folder and the binary as the pages name them.
const PAGE_FOLDER: &str = "/srv/bachata";
const PAGE_BINARY: &str = "/usr/local/bin/bachata1c";

fn page(relative: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)).unwrap()
}

/// The fenced blocks of `language` in a page (`""`: the blocks without one).
fn blocks(text: &str, language: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut open: Option<(bool, String)> = None;
    for line in text.lines() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(tag)) => open = Some((tag == language, String::new())),
            (Some((wanted, block)), Some(_)) => {
                if *wanted {
                    found.push(std::mem::take(block));
                }
                open = None;
            }
            (Some((_, block)), None) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, None) => {}
        }
    }
    found
}

fn pages() -> (String, String) {
    (page("docs/monitoring.md"), page("docs/monitoring.ru.md"))
}

/// The binary this test runs, as a shell reads it.
fn binary() -> String {
    assert_cmd::cargo::cargo_bin("bachata1c")
        .to_str()
        .unwrap()
        .to_string()
}

/// A command line of the pages with the test's binary and exchange folder put in.
fn ours(line: &str, folder: &Path) -> String {
    line.replace(PAGE_BINARY, &binary())
        .replace(PAGE_FOLDER, folder.to_str().unwrap())
}

/// Runs `line` as the agents do (`sh -c`): (exit status, stdout).
fn sh(line: &str) -> (i32, String) {
    let output = Command::new("sh").args(["-c", line]).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// An exchange folder with one refused input: a WARNING.
fn folder_with_a_refused_input(work: &Workdir) -> std::path::PathBuf {
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    work.write("exchange/inbox/broken.json", "not json");
    let (code, _) = run(&mut work.bachata1c(&["run", "--dir", "exchange", "--give-up-after", "0"]));
    assert_eq!(code, 1);
    work.join("exchange")
}

#[test]
fn both_pages_show_the_same_lines_and_configs() {
    let (en, ru) = pages();
    for language in ["", "ini", "nagios", "yaml"] {
        assert_eq!(
            blocks(&en, language),
            blocks(&ru, language),
            "```{language}"
        );
    }
}

/// The NRPE command and the Zabbix items, run as the agents run them: the verdict and the
/// first line of the check.
#[test]
fn the_nrpe_and_zabbix_lines_give_the_checks_verdict() {
    let work = Workdir::new();
    let folder = folder_with_a_refused_input(&work);
    let (en, _) = pages();
    let lines: Vec<String> = blocks(&en, "ini")
        .concat()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    let nrpe = lines[0]
        .strip_prefix("command[check_bachata1c]=")
        .expect("an NRPE command");
    let (code, stdout) = sh(&ours(nrpe, &folder));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("BACHATA1C WARNING - "), "{stdout}");

    let item = |line: &str, key: &str| -> String {
        let command = line
            .strip_prefix(&format!("UserParameter={key},"))
            .unwrap_or_else(|| panic!("{key}: {line}"));
        let (code, stdout) = sh(&ours(command, &folder));
        assert_eq!(code, 0, "{stdout}");
        stdout
    };
    assert_eq!(item(&lines[1], "bachata1c.status"), "1\n");
    let text = item(&lines[2], "bachata1c.text");
    assert!(
        text.starts_with("BACHATA1C WARNING - ") && text.lines().count() == 1,
        "{text}"
    );
}

/// The Nagios command definition, with the service's arguments put in.
#[test]
fn the_nagios_command_line_runs_with_the_services_arguments() {
    let work = Workdir::new();
    let folder = folder_with_a_refused_input(&work);
    let (en, _) = pages();
    let definition = blocks(&en, "nagios").concat();
    let command_line = definition
        .lines()
        .find_map(|line| line.trim().strip_prefix("command_line"))
        .unwrap()
        .trim();
    let service = en
        .split("`check_command check_bachata1c!")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("the service's check_command");
    let arguments: Vec<&str> = service.split('!').collect();
    assert_eq!(arguments, [PAGE_FOLDER, "2h"]);
    let line = command_line
        .replace("$ARG1$", arguments[0])
        .replace("$ARG2$", arguments[1]);
    let (code, stdout) = sh(&ours(&line, &folder));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.starts_with("BACHATA1C WARNING - "), "{stdout}");
}

/// The example output is the check's for a lead received 3 h 1 min ago, in a folder whose 1C
/// asked a moment before: the same words, the same figures' labels and thresholds.
#[test]
fn the_example_output_is_the_checks() {
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    let server = Server::start(
        &work,
        &[
            "--dir",
            "exchange",
            "--user",
            USER,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    Client::new(
        &server.url("/1c_exchange.php"),
        USER,
        PASSWORD,
        Profile::Ut11,
    )
    .exchange(&mut OneCDatabase::new(Profile::Ut11))
    .unwrap();
    server.stop();
    let path = work.write(
        "exchange/inbox/old.json",
        webhook(&[("c1", "+79160000001")]),
    );
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(3 * 3600 + 60))
        .unwrap();
    let (code, _) = run(&mut work.bachata1c(&["run", "--dir", "exchange"]));
    assert_eq!(code, 0);
    let folder = work.join("exchange");
    let output = work
        .bachata1c(&["status", folder.to_str().unwrap(), "--check"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let real = String::from_utf8(output.stdout)
        .unwrap()
        .replace(folder.to_str().unwrap(), PAGE_FOLDER);

    let (en, _) = pages();
    let example = blocks(&en, "").remove(0);
    let (example_first, example_rest) = example.split_once('\n').unwrap();
    let (real_first, real_rest) = real.split_once('\n').unwrap();
    assert_eq!(example_rest, real_rest);
    let (example_text, example_perf) = example_first.split_once(" | ").unwrap();
    let (real_text, real_perf) = real_first.split_once(" | ").unwrap();
    assert_eq!(example_text, real_text);
    // Each item's label and thresholds; the values are this machine's.
    let shape = |perfdata: &str| -> Vec<String> {
        perfdata
            .split(' ')
            .map(|item| {
                let (label, rest) = item.split_once('=').unwrap();
                let fields: Vec<&str> = rest.split(';').collect();
                let unit: String = fields[0].chars().filter(|c| !c.is_ascii_digit()).collect();
                match label {
                    "'disk_free'" => format!("{label} {unit} {}", fields[1..4].join(";")),
                    _ => format!("{label} {unit} {}", fields[1..].join(";")),
                }
            })
            .collect()
    };
    assert_eq!(shape(example_perf), shape(real_perf));
}

/// The scrape configuration, followed as Prometheus follows it (the test's `serve` speaks
/// plain HTTP on the loopback): its path and login get the metrics, and the pages list every
/// metric there is.
#[test]
fn the_scrape_configuration_gets_the_metrics_the_pages_list() {
    let (en, ru) = pages();
    let config = blocks(&en, "yaml").concat();
    let value = |key: &str| -> String {
        config
            .lines()
            .find_map(|line| line.trim().strip_prefix(&format!("{key}: ")))
            .unwrap_or_else(|| panic!("no {key} in\n{config}"))
            .to_string()
    };
    let (path, username, password_file) = (
        value("metrics_path"),
        value("username"),
        value("password_file"),
    );
    assert_eq!(value("scheme"), "https");
    assert!(password_file.starts_with('/'));
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "--dir", "exchange"]));
    assert_eq!(code, 0, "{stderr}");
    // The password file holds the webhook's password, as the page says.
    let password_path = work.write("bachata1c-password", format!("{PASSWORD}\n"));
    let server = Server::start(
        &work,
        &[
            "--dir",
            "exchange",
            "--user",
            &username,
            "--password-env",
            "BACHATA1C_TEST_PASSWORD",
        ],
    );
    let password = std::fs::read_to_string(&password_path).unwrap();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    use base64::Engine;
    let login = base64::engine::general_purpose::STANDARD
        .encode(format!("{username}:{}", password.trim_end()));
    let mut response = agent
        .get(&server.url(&path))
        .header("Authorization", &format!("Basic {login}"))
        .call()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.body_mut().read_to_string().unwrap();
    server.stop();
    let families: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("# TYPE "))
        .map(|rest| rest.split(' ').next().unwrap())
        .collect();
    assert!(families.len() >= 7, "{text}");
    for family in families {
        for page in [&en, &ru] {
            assert!(
                page.contains(&format!("`{family}")),
                "{family} is not listed"
            );
        }
    }
}
