//! Every command docs/support.md shows, run as it is written (through bash, with `bachata1c`
//! the binary under test), on an exchange folder at the page's example place; its TOML block
//! is a config that traces.
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::server::Server;
use common::{Workdir, run};

const GUIDE: &str = "docs/support.md";

/// The page's example paths, and what they become here.
const PLACES: [(&str, &str); 3] = [
    ("/srv/bachata", "srv/bachata"),
    ("/var/log/bachata1c/run.log", "run.log"),
    ("/tmp/bachata1c-report.zip", "report.zip"),
];

fn guide() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(GUIDE)).unwrap()
}

/// The fenced blocks of `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    text.split(&format!("```{lang}\n"))
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .map(str::to_string)
        .collect()
}

/// The lines of the `sh` blocks, and the `bachata1c …` in the text that carry an option.
fn commands(text: &str) -> Vec<String> {
    let mut commands: Vec<String> = blocks(text, "sh")
        .iter()
        .flat_map(|block| block.lines().map(str::to_string).collect::<Vec<_>>())
        .filter(|line| !line.trim().is_empty())
        .collect();
    for span in text.split('`').skip(1).step_by(2) {
        if span.starts_with("bachata1c ") && span.split_whitespace().count() > 2 {
            commands.push(span.to_string());
        }
    }
    commands
}

/// A command of the page as bash runs it here.
fn shell(work: &Workdir, command: &str) -> Command {
    let mut command = command.to_string();
    for (example, here) in PLACES {
        command = command.replace(example, &work.join(here).display().to_string());
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_bachata1c"));
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut shell = Command::new("bash");
    shell
        .args(["-c", &format!("exec {command}")])
        .current_dir(work.path())
        .env("PATH", path);
    for (key, _) in std::env::vars() {
        if key.starts_with("BACHATA1C_") {
            shell.env_remove(key);
        }
    }
    shell
}

#[test]
fn every_command_of_the_support_page_works_as_written() {
    let text = guide();
    let commands = commands(&text);
    let work = Workdir::new();
    let (code, stderr) = run(&mut work.bachata1c(&["init", "srv/bachata"]));
    assert_eq!(code, 0, "{stderr}");
    // On a port the system picks (the page's serve takes the default).
    let config = work.join("srv/bachata/bachata1c.toml");
    let template = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        template.replace("[serve]\n", "[serve]\nlisten = \"127.0.0.1:0\"\n"),
    )
    .unwrap();
    work.write(
        "srv/bachata/inbox/hook.json",
        common::exchange::webhook(&[("c1", "+79160000001")]),
    );
    let (code, stderr) = run(&mut work.bachata1c(&["run", "srv/bachata", "--log-file", "run.log"]));
    assert_eq!(code, 0, "{stderr}");

    let mut ran = 0;
    for command in &commands {
        if command.starts_with("bachata1c serve") {
            let server = Server::spawn(shell(&work, command));
            assert!(
                server
                    .lines()
                    .iter()
                    .any(|l| l.contains("tracing 1C's exchange")),
                "{command}: {:?}",
                server.lines()
            );
            let (code, log) = server.stop();
            assert_eq!(code, 0, "{command}: {log:?}");
        } else {
            let _ = std::fs::remove_file(work.join("report.zip"));
            let output = shell(&work, command).output().unwrap();
            assert!(
                output.status.success(),
                "{command}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(work.join("report.zip").is_file(), "{command}");
        }
        ran += 1;
    }
    assert!(ran >= 3, "{commands:?}");

    // The page's config block: serve traces once per value of the key.
    let toml = blocks(&text, "toml");
    assert_eq!(toml.len(), 1, "{toml:?}");
    let with_key = std::fs::read_to_string(&config)
        .unwrap()
        .replace("[site_exchange]\n", "");
    std::fs::write(&config, format!("{with_key}\n{}", toml[0])).unwrap();
    let server = Server::start(&work, &["srv/bachata"]);
    assert!(
        server
            .lines()
            .iter()
            .any(|l| l.contains("tracing 1C's exchange ([site_exchange] trace_1c = \"30m\")")),
        "{:?}",
        server.lines()
    );
    server.stop();
}
